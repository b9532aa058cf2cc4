"""Each page's wiring, driven with Streamlit's AppTest over the hand-made store of conftest.py.

The app reads its store from the environment here (``segment dashboard`` passes it on the
command line); run 1 is published and run 2 a newer candidate, so the default must be run 1.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from user_segmentation.dashboard.settings import MIN_SIZE_ENV, STORE_ENV

from .conftest import APP, MIN_SIZE, NAMES, RATIONALE, RUN1_MEMBERS

st = pytest.importorskip("streamlit")
AppTest = pytest.importorskip("streamlit.testing.v1").AppTest

TIMEOUT = 30


def _app(monkeypatch: pytest.MonkeyPatch, store: Path | str, min_size: int = MIN_SIZE) -> AppTest:
    monkeypatch.setenv(STORE_ENV, str(store))
    monkeypatch.setenv(MIN_SIZE_ENV, str(min_size))
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    at.run()
    assert not at.exception, at.exception
    return at


def _page(at: AppTest, name: str) -> AppTest:
    at.switch_page(f"app_pages/{name}.py").run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    return at


def _charts(at: AppTest) -> list[dict[str, Any]]:
    return [json.loads(chart.proto.spec) for chart in at.get("plotly_chart")]


def _titles(at: AppTest) -> list[str]:
    return [chart["layout"]["title"]["text"] for chart in _charts(at)]


def _captions(at: AppTest) -> str:
    return " | ".join(c.value for c in at.caption)


@pytest.fixture
def at(app_env: pytest.MonkeyPatch, hand_store: Path) -> AppTest:
    return _app(app_env, hand_store)


def test_overview_shows_the_published_run_by_default(at: AppTest) -> None:
    picker = at.sidebar.selectbox(key="run_id")
    assert picker.options[0].startswith("run 2 ") and picker.options[0].endswith("candidate")
    assert picker.value == 1
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Customers"] == "118"
    assert metrics["Segments"] == "3"
    assert metrics["Small segments"] == "1"
    cards = at.get("html")[0].proto.body
    assert all(name in cards for name in NAMES.values())
    assert "small segment — members not exported" in cards
    assert _titles(at) == ["Segment sizes"]


def test_the_run_picker_switches_every_page_to_that_run(at: AppTest) -> None:
    at.sidebar.selectbox(key="run_id").select(2).run()
    assert {m.label: m.value for m in at.metric}["Customers"] == "120"
    _page(at, "data_quality")
    assert "run 2" in _captions(at)


def test_choosing_k_shows_curves_rationale_and_stability(at: AppTest) -> None:
    _page(at, "choosing_k")
    assert [i.value for i in at.info] == [RATIONALE]
    titles = _titles(at)
    assert titles[0] == "Choosing k: recommended k = 3"
    assert titles[1].startswith("Segment stability")
    summary = at.dataframe[0].value
    assert dict(summary.values.tolist())["recommended k"] == "3"


def test_explore_filters_by_segment_and_attribute(at: AppTest) -> None:
    _page(at, "explore")
    assert "118 of 118 customers match" in _captions(at)
    assert "first two principal components: all 118 shown" in _titles(at)[0]
    at.multiselect(key="explore_segments").unselect(3).run()
    assert "110 of 118 customers match" in _captions(at)
    at.selectbox(key="explore_variable").select("plan").run()
    at.multiselect(key="explore_levels_plan").set_value(["basic"]).run()
    assert "50 of 118 customers match" in _captions(at)  # segment 2 only: 3 is unselected
    at.radio(key="explore_dims").set_value(3).run()
    chart = _charts(at)[0]
    assert {trace["type"] for trace in chart["data"]} == {"scatter3d"}
    assert [trace["name"] for trace in chart["data"]] == ["Bargain hunters"]
    # The hover box names the customer and shows their key values.
    assert chart["data"][0]["customdata"][0][:2] == ["C061", "Bargain hunters"]


def test_explore_hover_hides_the_small_segments_members(at: AppTest) -> None:
    _page(at, "explore")
    dormant = next(t for t in _charts(at)[0]["data"] if t["name"] == "Dormant")
    assert {row[0] for row in dormant["customdata"]} == {"hidden (small segment)"}


def test_explore_numeric_range_filter(at: AppTest) -> None:
    _page(at, "explore")
    at.selectbox(key="explore_variable").select("spend").run()
    at.slider(key="explore_range_spend").set_value((500.0, 560.0)).run()
    # Spend 501..560 in segment 1 (C001..C060): 60 customers.
    assert "60 of 118 customers match" in _captions(at)


def test_explore_states_the_sample_size(at: AppTest) -> None:
    _page(at, "explore")
    at.select_slider(key="explore_points").set_value(1_000).run()
    assert "above 1,000 a sample stratified by segment is drawn" in _captions(at)


@pytest.mark.parametrize(
    ("view", "title"),
    [
        ("Distribution", "spend by segment: all 118 customers shown"),
        ("Heatmap", "Segment profiles: standard deviations from the average customer"),
        ("Radar", "Segments over their most distinguishing features"),
        ("Side by side", "Loyal vs Bargain hunters: strongest differences"),
    ],
)
def test_variables_views(at: AppTest, view: str, title: str) -> None:
    _page(at, "variables")
    at.radio(key="variables_view").set_value(view).run()
    assert not at.exception, at.exception
    assert _titles(at)[0].startswith(title)


def test_variables_distribution_kinds_and_categories(at: AppTest) -> None:
    _page(at, "variables")
    at.radio(key="variables_kind").set_value("violin").run()
    assert {trace["type"] for trace in _charts(at)[0]["data"]} == {"violin"}
    at.selectbox(key="variables_variable").select("plan").run()
    chart = _charts(at)[0]
    assert {trace["name"] for trace in chart["data"]} == {"gold", "basic"}
    assert at.radio(key="variables_kind").disabled


def test_variables_side_by_side_table_follows_the_pair(at: AppTest) -> None:
    _page(at, "variables")
    at.radio(key="variables_view").set_value("Side by side").run()
    at.selectbox(key="variables_b").select(3).run()
    assert _titles(at)[0].startswith("Loyal vs Dormant")
    table = at.dataframe[0].value
    spend = table.loc[table["feature"] == "spend"].iloc[0]
    assert spend["mean_a"] == pytest.approx(530.5) and spend["mean_b"] == pytest.approx(10.0)


def test_changes_over_time_sankey_sizes_and_drift(at: AppTest) -> None:
    at.sidebar.selectbox(key="run_id").select(2).run()
    _page(at, "changes")
    assert at.selectbox(key="changes_from").value == 1
    assert at.selectbox(key="changes_to").value == 2
    sankey, sizes, drift = _charts(at)
    # Link values are the transition counts of conftest.py, cell by cell.
    assert sorted(sankey["data"][0]["link"]["value"]) == [2, 3, 4, 5, 8, 45, 55]
    assert [trace["y"] for trace in sizes["data"]] == [
        [60 / 118, 62 / 120],
        [50 / 118, 50 / 120],
        [8 / 118, 8 / 120],
    ]
    assert drift["data"][0]["x"] == [0.31, 0.12, 0.02]
    assert "**refit**" in at.markdown[0].value
    indicators = at.dataframe[-1].value
    assert indicators["breached"].tolist() == [True, False, False, False]
    at.toggle(key="changes_only_moves").set_value(True).run()
    assert sorted(_charts(at)[0]["data"][0]["link"]["value"]) == [2, 3, 4, 5]


def test_changes_for_a_run_made_from_scratch_says_no_drift(at: AppTest) -> None:
    _page(at, "changes")
    assert at.selectbox(key="changes_to").value == 1
    assert any("made from scratch" in i.value for i in at.info)


def test_changes_with_one_run(app_env: pytest.MonkeyPatch, one_run_store: Path) -> None:
    at = _app(app_env, one_run_store)
    _page(at, "changes")
    assert "one run so far" in at.info[0].value
    assert not at.get("plotly_chart")


def test_members_table_is_paginated_and_filtered(at: AppTest) -> None:
    _page(at, "members")
    assert at.selectbox(key="members_segment").value == 1
    page = at.dataframe[0].value
    assert len(page) == 50
    assert page["customer_id"].tolist() == RUN1_MEMBERS[1][:50]
    assert list(page.columns[:4]) == ["customer_id", "segment_id", "segment_name", "confidence"]
    at.number_input(key="members_page").set_value(2).run()
    assert at.dataframe[0].value["customer_id"].tolist() == RUN1_MEMBERS[1][50:]
    at.number_input(key="members_min_confidence").set_value(0.5).run()
    assert "30 of 60 members match" in _captions(at)
    assert [b.label for b in at.get("download_button")] == ["Download CSV", "Download Excel"]


def test_members_attribute_filter_on_a_column_not_shown(at: AppTest) -> None:
    _page(at, "members")
    at.multiselect(key="members_features").set_value(["spend"]).run()
    at.selectbox(key="members_variable").select("visits").run()
    at.slider(key="members_range_visits").set_value((1.0, 10.0)).run()
    assert "0 of 60 members match" in _captions(at)
    assert "visits" not in at.dataframe[0].value.columns


def test_members_of_a_small_segment_are_refused_without_a_button(at: AppTest) -> None:
    _page(at, "members")
    at.selectbox(key="members_segment").select(3).run()
    assert any("segment 3 (Dormant)" in w.value and "never exported" in w.value for w in at.warning)
    assert not at.get("download_button")
    assert not at.dataframe


def test_members_minimum_size_comes_from_the_settings(
    app_env: pytest.MonkeyPatch, hand_store: Path
) -> None:
    at = _app(app_env, hand_store, min_size=51)
    _page(at, "members")
    at.selectbox(key="members_segment").select(2).run()  # 50 customers < 51
    assert any("fewer than the minimum of 51" in w.value for w in at.warning)
    assert not at.get("download_button")


def test_data_quality_lists_sources(at: AppTest) -> None:
    _page(at, "data_quality")
    sources = at.dataframe[0].value
    assert sources["source"].tolist() == ["crm", "orders"]
    assert "118 customers" in at.markdown[0].value
    assert at.get("json")


def test_a_missing_store_is_a_message_not_a_traceback(
    app_env: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    missing = tmp_path / "nope.db"
    at = _app(app_env, missing)
    assert "does not exist" in at.error[0].value
    assert not missing.exists()  # the dashboard never creates a store


def test_a_damaged_store_is_a_message_and_left_alone(
    app_env: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    damaged = tmp_path / "runs.db"
    damaged.write_bytes(b"this is not a database" * 10)
    at = _app(app_env, damaged)
    assert f"store {damaged} is not a SQLite database" in at.error[0].value
    assert damaged.read_bytes() == b"this is not a database" * 10


def test_no_store_configured_is_a_message(app_env: pytest.MonkeyPatch) -> None:
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT).run()
    assert "needs a store" in at.error[0].value


def test_pages_read_while_a_run_holds_the_write_lock(
    app_env: pytest.MonkeyPatch, hand_store: Path
) -> None:
    st.cache_data.clear()  # read the store for real, not from an earlier test's cache
    writer = sqlite3.connect(hand_store, isolation_level=None)
    try:
        writer.execute("BEGIN IMMEDIATE")  # what a saving run holds
        writer.execute("DELETE FROM runs WHERE run_id = 2")  # uncommitted: never seen
        at = _app(app_env, hand_store)
        assert at.sidebar.selectbox(key="run_id").options[0].startswith("run 2")
        for name in ("choosing_k", "explore", "variables", "changes", "members", "data_quality"):
            _page(at, name)
    finally:
        writer.execute("ROLLBACK")
        writer.close()


def test_the_dashboard_never_writes(app_env: pytest.MonkeyPatch, hand_store: Path) -> None:
    def snapshot() -> list[str]:
        # The logical content: SQLite may checkpoint its log into the file when a reader
        # closes, which changes bytes but not a single row.
        con = sqlite3.connect(f"file:{hand_store}?mode=ro", uri=True)
        try:
            return list(con.iterdump())
        finally:
            con.close()

    before = snapshot()
    st.cache_data.clear()
    at = _app(app_env, hand_store)
    for name in ("choosing_k", "explore", "variables", "changes", "members", "data_quality"):
        _page(at, name)
    assert snapshot() == before
