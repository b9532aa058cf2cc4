"""The data-quality page's out-of-range table: builder and page wiring."""

from __future__ import annotations

from pathlib import Path

import pytest

from user_segmentation.dashboard.builders import OUT_OF_RANGE_COLUMNS, out_of_range_table
from user_segmentation.dashboard.settings import MIN_SIZE_ENV, STORE_ENV
from user_segmentation.store import RunStore

from .conftest import APP, MIN_SIZE, RUN1_MEMBERS, make_run

OUT_OF_RANGE = {
    "income": {"range": [0.0, None], "count": 0, "share": 0.0, "policy": "missing", "examples": []},
    "age": {
        "range": [0.0, 120.0],
        "count": 2,
        "share": 0.0169,
        "policy": "missing",
        "examples": [
            {"customer_id": "C007", "value": 250.0},
            {"customer_id": "C013", "value": -3.5},
        ],
    },
}


def test_one_row_per_declared_range_most_first() -> None:
    table = out_of_range_table({"out_of_range": OUT_OF_RANGE})
    assert list(table.columns) == OUT_OF_RANGE_COLUMNS
    assert table.values.tolist() == [
        ["age", "[0, 120]", 2, 0.0169, "missing", "C007: 250, C013: -3.5"],
        ["income", "[0, inf)", 0, 0.0, "missing", ""],
    ]


def test_no_ranges_give_an_empty_table() -> None:
    assert out_of_range_table({}).empty
    assert list(out_of_range_table({"out_of_range": {}}).columns) == OUT_OF_RANGE_COLUMNS


def test_odd_entries_do_not_break_the_table() -> None:
    table = out_of_range_table({"out_of_range": {"x": "?", "y": {"range": "a", "count": None}}})
    assert table.values.tolist()[0][:3] == ["x", "", 0]
    assert table.values.tolist()[1][:3] == ["y", "", 0]


def test_data_quality_page_shows_the_table(app_env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    AppTest = pytest.importorskip("streamlit.testing.v1").AppTest
    record = make_run(RUN1_MEMBERS, update=False)
    record.quality = {**record.quality, "out_of_range": OUT_OF_RANGE}
    store = tmp_path / "runs.db"
    with RunStore(store) as runs:
        runs.save_run(record, publish=True)
    app_env.setenv(STORE_ENV, str(store))
    app_env.setenv(MIN_SIZE_ENV, str(MIN_SIZE))
    at = AppTest.from_file(str(APP), default_timeout=30)
    at.run()
    at.switch_page("app_pages/data_quality.py").run()
    assert not at.exception, at.exception
    assert "Out-of-range values" in [h.value for h in at.subheader]
    shown = [frame.value for frame in at.dataframe if "policy" in frame.value.columns]
    assert len(shown) == 1
    assert shown[0]["count"].tolist() == [2, 0]
    assert shown[0]["range"].tolist() == ["[0, 120]", "[0, inf)"]
