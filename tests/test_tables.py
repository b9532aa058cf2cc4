"""Lazy tables: a materialised table reads back exactly what its query gave."""

from __future__ import annotations

import pandas as pd
import pytest

from user_segmentation.tables import TableRef, connect, workspace

_TYPED = """
SELECT * FROM (VALUES
    ('a', 1, 1.5, TRUE, DATE '2024-01-02', TIMESTAMP '2024-01-02 03:04:05.678901',
     12.345::DECIMAL(9, 3), 170141183460469231731687303715884105727::HUGEINT,
     'c6b5f3a2-8f0e-4f0a-9a53-2a1b5d3e4f60'::UUID, '{"k": 1}'::JSON, [1, 2], {'x': 'y'},
     INTERVAL 3 DAY, 2::UTINYINT),
    (NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)
) t(s, i, d, b, dt, ts, dec, huge, id, js, l, st, iv, u)
"""


def _describe(table: TableRef) -> list[tuple[str, str]]:
    with connect() as con:
        table.attach(con)
        return [(r[0], r[1]) for r in con.execute(f"DESCRIBE {table.sql}").fetchall()]


def test_materialised_columns_keep_their_types_and_values() -> None:
    query = TableRef(_TYPED)
    stored = query.materialize()
    assert _describe(stored) == _describe(query)
    pd.testing.assert_frame_equal(stored.df(), query.df())


def test_materialised_table_is_read_again_and_again() -> None:
    lines = pd.DataFrame({"customer_id": ["1", "2", "2", None], "amount": [1.0, 2.0, 2.0, 4.0]})
    stored = TableRef.from_frame(lines).derive("SELECT DISTINCT * FROM t").materialize()
    assert stored.count() == 3
    assert stored.columns() == ["customer_id", "amount"]
    top = stored.derive("SELECT customer_id FROM t WHERE amount > 1 ORDER BY amount").df()
    assert top["customer_id"].fillna("-").tolist() == ["2", "-"]
    assert stored.count() == 3  # reading does not consume it


def test_materialised_empty_result_keeps_its_columns() -> None:
    lines = pd.DataFrame({"customer_id": ["1"], "amount": [1.0]})
    stored = TableRef.from_frame(lines).derive("SELECT * FROM t WHERE amount < 0").materialize()
    assert stored.count() == 0
    assert stored.columns() == ["customer_id", "amount"]


def test_materialised_rows_keep_the_query_order() -> None:
    lines = pd.DataFrame({"n": range(5000)})
    stored = TableRef.from_frame(lines).derive("SELECT n FROM t ORDER BY n DESC").materialize()
    assert stored.df()["n"].tolist() == list(range(4999, -1, -1))


def test_materialised_files_live_in_the_private_workspace() -> None:
    before = set(workspace().iterdir())
    TableRef.from_frame(pd.DataFrame({"a": [1]})).materialize()
    (new,) = set(workspace().iterdir()) - before
    assert new.parent == workspace()


@pytest.mark.parametrize("size", [0, 1, 70_000])
def test_texts_of_any_length_survive(size: int) -> None:
    text = "é" * size
    stored = TableRef.from_frame(pd.DataFrame({"t": [text, text + "y"]})).materialize()
    assert stored.df()["t"].tolist() == [text, text + "y"]
