"""One pass over a parsed log: the same features whichever way the lines reach the aggregation."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from user_segmentation.features.transactions import (
    TransactionColumns,
    TransactionOptions,
    summarize_transactions,
    time_range,
    transaction_features,
)
from user_segmentation.integrate.cleaning import clean_table
from user_segmentation.integrate.rules import ExcludeRule
from user_segmentation.sources.relation import file_table
from user_segmentation.tables import TableRef, connect, set_memory_limit

AS_OF = datetime(2024, 6, 30)
FLOOR = datetime(1990, 1, 1)
COLUMNS = TransactionColumns("invoice", "ts", quantity="qty", unit_price="price", category="cat")
RULES = (ExcludeRule("invoice", "cancelled", starts_with="C"),)


def _log(n: int, seed: int = 0) -> pd.DataFrame:
    """Order lines as text: ids written as floats, returns, zero lines, future and old dates."""
    rng = np.random.default_rng(seed)
    day = pd.Timestamp("2023-01-01") + pd.to_timedelta(rng.integers(0, 600, n), unit="D")
    ts = day.strftime("%Y-%m-%d %H:%M:%S").to_numpy(dtype=object)
    ts[rng.random(n) < 0.01] = "1970-01-01 00:00:00"  # a placeholder date, before the floor
    ts[rng.random(n) < 0.01] = None  # undated
    qty = rng.integers(-2, 6, n).astype(str)
    frame = pd.DataFrame(
        {
            "cust": [f"{c}.0" for c in rng.integers(100, 100 + n // 20, n)],
            "invoice": np.where(rng.random(n) < 0.03, "C", "") + (np.arange(n) // 3).astype(str),
            "ts": ts,
            "qty": qty,
            "price": np.round(rng.uniform(0.5, 9.5, n), 2).astype(str),
            "cat": rng.choice(["tea", "cups", "pots", "gifts", "misc", "toys"], n),
        }
    )
    return pd.concat([frame, frame.iloc[: n // 50]], ignore_index=True)  # exact duplicates


def _summary(table: TableRef, returns: str = "net") -> tuple:
    options = TransactionOptions(windows=(90, 365), returns=returns, date_floor=FLOOR)  # type: ignore[arg-type]
    s = summarize_transactions(table, COLUMNS, AS_OF, options)
    return s.features, s.counts, s.first, s.last


def test_csv_and_parquet_logs_give_the_same_features(tmp_path: Path) -> None:
    log = _log(3000)
    log.to_csv(tmp_path / "log.csv", index=False)
    duckdb.connect().register("log", log).execute(
        f"COPY log TO '{tmp_path / 'log.parquet'}' (FORMAT parquet)"
    )
    results = []
    for kind in ("csv", "parquet"):
        cleaned = clean_table(
            file_table(kind, tmp_path / f"log.{kind}"), "cust", rules=RULES, origin=kind
        )
        results.append((cleaned.rows_dropped, cleaned.rows_kept, _summary(cleaned.table)))
    (dropped_csv, kept_csv, csv), (dropped_pq, kept_pq, parquet) = results
    assert dropped_csv == dropped_pq and dropped_csv["duplicate_rows"] > 0
    assert kept_csv == kept_pq
    pd.testing.assert_frame_equal(csv[0], parquet[0])
    assert csv[1:] == parquet[1:]


@pytest.mark.parametrize("returns", ["net", "exclude"])
def test_lines_keyed_by_raw_ids_give_what_canonical_ids_give(returns: str) -> None:
    cleaned = clean_table(TableRef.from_frame(_log(4000, seed=1)), "cust", rules=RULES)
    keyed = cleaned.table
    assert keyed.raw_keyed is not None  # "123.0" → "123": one spelling per customer
    joined = TableRef(keyed.sql, keyed.frames, keyed.origin)  # the same rows, joined
    by_raw, by_canonical = _summary(keyed, returns), _summary(joined, returns)
    pd.testing.assert_frame_equal(by_raw[0], by_canonical[0])
    assert by_raw[1:] == by_canonical[1:]
    assert not by_raw[0]["customer_id"].str.endswith(".0").any()


def test_numbers_cast_while_parsing_give_what_casting_the_text_gives() -> None:
    """A text column a numeric rule reads is cast once, while parsing, and the features read
    that cast: the same features as casting the text again (prices with a symbol, which a
    rule would refuse, are read from the text)."""
    log = _log(3000, seed=3)
    log.loc[log.index % 7 == 0, "price"] = "£" + log["price"]  # the cast fails: text path
    log.loc[log.index % 11 == 0, "qty"] = " " + log["qty"] + " "
    rules = (*RULES, ExcludeRule("qty", "no quantity", at_most=0))
    columns = TransactionColumns(
        "invoice", "ts", quantity="qty", unit_price="price", currency_symbols=("£",)
    )
    keyed = clean_table(TableRef.from_frame(log), "cust", rules=rules).table
    assert keyed.raw_keyed is not None and set(keyed.raw_keyed.numbers) == {"qty"}
    joined = TableRef(keyed.sql, keyed.frames, keyed.origin)  # no stored casts
    options = TransactionOptions(windows=(90,), date_floor=FLOOR)
    by_cast = summarize_transactions(keyed, columns, AS_OF, options)
    by_text = summarize_transactions(joined, columns, AS_OF, options)
    pd.testing.assert_frame_equal(by_cast.features, by_text.features)
    assert by_cast.counts == by_text.counts
    assert (by_cast.features["monetary"] > 0).all()  # "£" prices were read, not dropped


def test_the_date_range_comes_with_the_features() -> None:
    log = _log(2000, seed=2)
    cleaned = clean_table(TableRef.from_frame(log), "cust", rules=RULES)
    _, _, first, last = _summary(cleaned.table)
    assert (first, last) == time_range(cleaned.table, COLUMNS)
    assert first == datetime(1970, 1, 1) and last is not None and last > AS_OF


def test_every_line_is_counted_once_under_its_class() -> None:
    rows = [  # customer, order, ts, amount
        ("a", "1", "2024-01-05", "10"),  # a purchase
        ("a", "1", "2024-01-05", "-4"),  # a return in the same order
        ("a", "2", "1970-01-01", "5"),  # before the date floor
        ("a", "3", "2024-09-01", "5"),  # after as_of
        ("b", "4", None, "5"),  # undated
        ("b", "5", "2024-02-01", "0"),  # zero amount
        ("b", "6", "2024-02-02", ""),  # no amount
        ("b", "7", "2024-02-03", "-3"),  # a return only
    ]
    log = pd.DataFrame(rows, columns=["customer_id", "order", "ts", "amount"])
    columns = TransactionColumns("order", "ts", amount="amount")
    for returns, negative in (("net", None), ("exclude", 2)):
        options = TransactionOptions(returns=returns, date_floor=FLOOR)  # type: ignore[arg-type]
        features, counts = transaction_features(log, columns, AS_OF, options)
        expected = {
            "lines": 8,
            "future_lines_excluded": 1,
            "undated_lines_excluded": 1,
            "zero_amount_lines_excluded": 2,
            "lines_before_date_floor_excluded": 1,
        }
        if negative is not None:
            expected["return_lines_excluded"] = negative
        assert counts == expected
        a = features.set_index("customer_id").loc["a"]
        assert a["frequency"] == 1
        assert a["monetary"] == (6.0 if returns == "net" else 10.0)
        assert features["customer_id"].tolist() == ["a"]  # b never bought


@pytest.fixture
def small_memory() -> Iterator[None]:
    """A memory limit the log below outgrows, on two threads (DuckDB keeps buffers per thread)."""
    with connect() as con:
        threads = con.execute("SELECT current_setting('threads')").fetchone()[0]  # type: ignore[index]
        gc.collect()  # tables of earlier tests go first
        con.execute("SET threads = 2")
        set_memory_limit("96MB")
        try:
            yield
        finally:
            set_memory_limit()
            con.execute(f"SET threads = {int(threads)}")


def test_a_log_spilled_to_disk_gives_the_same_features(tmp_path: Path, small_memory: None) -> None:
    path = tmp_path / "log.csv"
    _log(300_000, seed=3).to_csv(path, index=False)

    def run() -> tuple:
        cleaned = clean_table(file_table("csv", path), "cust", rules=RULES, origin=str(path))
        summary = _summary(cleaned.table)
        with connect() as con:
            row = con.execute("SELECT sum(temporary_storage_bytes) FROM duckdb_memory()")
            spilled = row.fetchone()[0]  # type: ignore[index]
        return cleaned.rows_dropped, cleaned.rows_kept, summary, spilled

    spilled = run()
    assert spilled[3] > 0
    set_memory_limit()
    expected = run()
    assert spilled[:2] == expected[:2]
    pd.testing.assert_frame_equal(spilled[2][0], expected[2][0])
    assert spilled[2][1:] == expected[2][1:]
