"""Bad inputs through the whole pipeline: refused before anything is written (BAD_INPUTS.md).

Each case starts from a store holding one good run and checks that the refused run leaves it
exactly so.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from user_segmentation.config import load_config
from user_segmentation.errors import (
    DataQualityError,
    EmptyInputError,
    ModelError,
    SegmentationError,
)
from user_segmentation.pipeline.run import run_project
from user_segmentation.store import RunStore

GOOD_ROWS = "".join(f"c{i:03d},{(i * 37) % 101},{(i * 53) % 89}\n" for i in range(60))


def _project(folder: Path, csv_text: str, model: str = "{k: auto, k_max: 4}") -> Path:
    (folder / "customers.csv").write_text(csv_text, encoding="utf-8")
    project = folder / "segmentation.yaml"
    project.write_text(
        "project: bad-inputs\n"
        "sources:\n"
        "  crm: {kind: csv, path: customers.csv, key: customer_id, role: attributes}\n"
        "features:\n"
        "  attributes: {numeric: [spend, visits]}\n"
        f"model: {model}\n",
        encoding="utf-8",
    )
    return project


@pytest.fixture
def good_store(tmp_path: Path) -> Path:
    """A project whose store already holds one good run."""
    project = _project(tmp_path, "customer_id,spend,visits\n" + GOOD_ROWS)
    run_project(load_config(project))
    return project


def _assert_refused(
    project: Path,
    csv_text: str,
    error: type[SegmentationError],
    match: str,
    model: str | None = None,
) -> None:
    store_file = project.parent / "segmentation.db"
    report = project.parent / "report.html"
    report_before = report.read_bytes()
    _project(project.parent, csv_text, **({"model": model} if model else {}))
    with pytest.raises(error, match=match):
        run_project(load_config(project))
    with RunStore(store_file) as store:
        assert store.latest_run_id() == 1  # the last good run is still the current one
    assert report.read_bytes() == report_before


def test_empty_file_is_refused(good_store: Path) -> None:  # BAD_INPUTS #1
    _assert_refused(good_store, "", EmptyInputError, "customers.csv")


def test_header_only_is_refused(good_store: Path) -> None:  # BAD_INPUTS #2
    _assert_refused(good_store, "customer_id,spend,visits\n", EmptyInputError, "0 data rows")


def test_one_customer_is_refused(good_store: Path) -> None:  # BAD_INPUTS #3
    _assert_refused(
        good_store, "customer_id,spend,visits\nc1,10,2\n", DataQualityError, "need ≥ 2 distinct"
    )


def test_fewer_distinct_profiles_than_k(good_store: Path) -> None:  # BAD_INPUTS #30
    rows = "".join(f"c{i},5,1\n" if i % 2 else f"c{i},9,3\n" for i in range(20))
    _assert_refused(
        good_store,
        "customer_id,spend,visits\n" + rows,
        DataQualityError,
        "distinct",
        model="{k: 3}",
    )


def test_k_larger_than_customers(good_store: Path) -> None:  # BAD_INPUTS #31
    rows = "".join(f"c{i},{i},{i * i % 7}\n" for i in range(5))
    _assert_refused(
        good_store, "customer_id,spend,visits\n" + rows, ModelError, "5 customers", model="{k: 8}"
    )


def test_k_range_is_restricted_to_what_the_data_allows(tmp_path: Path) -> None:  # BAD_INPUTS #32
    rows = "".join(f"c{i},{i},{i * i % 7}\n" for i in range(6))
    project = _project(tmp_path, "customer_id,spend,visits\n" + rows, "{k_max: 10}")
    result = run_project(load_config(project))
    ks = result.record.k_scores["k"].tolist()
    assert ks[0] == 2 and ks[-1] <= 5  # never k = 1 or k = n


def test_missing_values_are_imputed_and_constant_columns_dropped(tmp_path: Path) -> None:
    # BAD_INPUTS #26 (NaN in a feature) and #29 (constant column)
    rows = "".join(
        f"c{i:03d},{'' if i % 10 == 0 else (i * 37) % 101},{(i * 53) % 89},1\n" for i in range(60)
    )
    (tmp_path / "customers.csv").write_text("customer_id,spend,visits,plan\n" + rows)
    project = tmp_path / "segmentation.yaml"
    project.write_text(
        "sources:\n"
        "  crm: {kind: csv, path: customers.csv, key: customer_id, role: attributes}\n"
        "features:\n"
        "  attributes: {numeric: [spend, visits, plan]}\n"
        "model: {k_max: 4}\n"
    )
    result = run_project(load_config(project))
    prep = result.record.quality["preprocessing"]
    assert "plan" in prep["dropped_features"]
    assert prep["dropped_features"]["plan"].startswith("constant")
    assert result.record.meta["basis_features"] == ["spend", "visits", "plan"]
    assert result.record.model["preprocessor"]["numeric"] == ["spend", "visits"]
    assert len(result.record.assignments) == 60


def test_float_looking_ids_join_integer_ids(tmp_path: Path) -> None:  # BAD_INPUTS #19
    (tmp_path / "crm.csv").write_text(
        "customer_id,spend\n" + "".join(f" {100 + i},{i * 3 % 17}\n" for i in range(30))
    )
    (tmp_path / "web.jsonl").write_text(
        "".join(f'{{"customer_id": "{100 + i}.0", "sessions": {i % 5}}}\n' for i in range(30))
    )
    project = tmp_path / "segmentation.yaml"
    project.write_text(
        "sources:\n"
        "  crm: {kind: csv, path: crm.csv, key: customer_id, role: attributes}\n"
        "  web: {kind: jsonl, path: web.jsonl, key: customer_id, role: events}\n"
        "features:\n"
        "  attributes: {numeric: [spend]}\n"
        "  events: [{source: web, sum: [sessions]}]\n"
        "model: {k_max: 3}\n"
    )
    result = run_project(load_config(project))
    web = result.record.quality["sources"]["web"]
    assert web["coverage"] == 1.0 and web["unmatched_customers"] == 0
    assert web["key_changes"] == {"float_suffix_dropped": 30}
    assert result.record.quality["sources"]["crm"]["key_changes"] == {"whitespace_stripped": 30}
    assert sorted(result.record.assignments["customer_id"]) == [str(100 + i) for i in range(30)]


def test_one_whale_does_not_get_a_segment_of_its_own(tmp_path: Path) -> None:  # BAD_INPUTS #35
    rows = [
        f"c{i:03d},{[20, 200, 2000][i % 3] * (1 + (i * 7 % 10) / 20):.2f},{[2, 10, 40][i % 3]}\n"
        for i in range(90)
    ]
    rows.append("whale,5000000,45\n")  # spends 2,500 times the biggest group's typical amount
    project = _project(tmp_path, "customer_id,spend,visits\n" + "".join(rows), "{k_max: 5}")
    result = run_project(load_config(project))
    a = result.record.assignments.set_index("customer_id")
    whale_segment = a.loc["whale", "segment_id"]
    assert (a["segment_id"] == whale_segment).sum() > 1
    assert "spend" in result.record.quality["preprocessing"]["transformed"]
