"""The HTML report: self-contained, complete, escaped, written atomically."""

from __future__ import annotations

import json
import os
import re
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from user_segmentation.errors import SchemaError, SegmentationError
from user_segmentation.records import (
    ASSIGNMENT_COLUMNS,
    K_SCORE_COLUMNS,
    PROFILE_COLUMNS,
    SEGMENT_COLUMNS,
    RunRecord,
)
from user_segmentation.report import atomic as atomic_module
from user_segmentation.report import render_report, report_html
from user_segmentation.report.html import SECTION_IDS, comparison_pairs

EVIL_ID = "<script>alert('x')</script>"


class _Page(HTMLParser):
    """Collects tags, their attributes, script bodies, and the text of each section."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[str] = []
        self.sections: list[str] = []
        self.text: dict[str, str] = {}
        self._in_script = False
        self._section: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        self.tags.append((tag, attributes))
        if tag == "script":
            self._in_script = True
            self.scripts.append("")
        if tag == "section":
            self._section = attributes.get("id") or ""
            self.sections.append(self._section)
            self.text[self._section] = ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False
        if tag == "section":
            self._section = None

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self.scripts[-1] += data
        elif self._section is not None:
            self.text[self._section] += data


def _parse(page: str) -> _Page:
    parser = _Page()
    parser.feed(page)
    parser.close()
    return parser


@pytest.fixture
def written(record: RunRecord, tmp_path: Path) -> tuple[Path, str, _Page]:
    out = render_report(record, tmp_path / "reports" / "run-7.html")
    page = out.read_text(encoding="utf-8")
    return out, page, _parse(page)


def test_render_report_writes_one_complete_file(written, tmp_path: Path) -> None:
    out, page, _ = written
    assert out == tmp_path / "reports" / "run-7.html"
    assert page.startswith("<!DOCTYPE html>")
    assert page.rstrip().endswith("</html>")
    assert os.listdir(out.parent) == ["run-7.html"]


def test_report_is_self_contained(written) -> None:
    _, _, parsed = written
    for tag, attrs in parsed.tags:
        assert "src" not in attrs, f"<{tag}> loads {attrs['src']}"
        if tag == "link":
            pytest.fail(f"<link> to {attrs.get('href')}")
    bundles = [s for s in parsed.scripts if "plotly.js v" in s[:200]]
    assert len(bundles) == 1, "plotly.js must be inlined exactly once"
    drawn = re.findall(r'Plotly\.newPlot\(\s*"([^"]+)"', "".join(parsed.scripts))
    assert drawn == [
        "fig-k-selection",
        "fig-stability",
        "fig-sizes",
        "fig-pca",
        "fig-profiles",
        "fig-radar",
    ]


def test_sections_in_order(written) -> None:
    _, _, parsed = written
    assert parsed.sections == SECTION_IDS


def test_title_and_summary(written) -> None:
    _, page, parsed = written
    assert "<h1>Segmentation report: Acme &lt;Retail&gt;</h1>" in page
    assert "Run 7 · created 2024-05-01T10:00:00Z" in page
    summary = parsed.text["summary"]
    for expected in (
        "30 customers",
        "k = 3 segments",
        "primary method kmeans",
        "agreement with ward: ARI 0.912",
        "silhouette sampled on 25 customers",
        "hierarchical clustering two-step",
    ):
        assert expected in summary


def test_k_selection_text(written) -> None:
    _, _, parsed = written
    text = parsed.text["k-selection"]
    assert "Recommended k = 3; the inertia curve bends at k = 4." in text
    assert "Silhouette peaks at k = 3 & Davies-Bouldin is lowest there." in text
    assert "More k-selection evidence" in text  # the extra "candidates" key


def test_segments_table(written) -> None:
    _, page, parsed = written
    table = page[page.index('<table class="segments">') :]
    table = table[: table.index("</table>")]
    rows = re.findall(r"<tr>(.*?)</tr>", table)[1:]
    # One "|"-separated line per row, tags removed, entities left as written.
    plain = [re.sub(r"<[^>]+>", "", re.sub(r"</td><td[^>]*>", "|", r)) for r in rows]
    assert len(plain) == 3
    described = "|recency_days ≤ {} (precision 90%, recall 80%)|Win-back offer &lt;now&gt;"
    assert plain[0] == (
        "0|Loyal big spenders|12|40.0%|frequency +2.0 sd, monetary +2.0 sd, "
        "&lt;i&gt;tenure&lt;/i&gt; +1.0 sd" + described.format(10)
    )
    assert plain[1] == (
        "1|&lt;b&gt;Bargain&lt;/b&gt; &amp; hunters|10|33.3%|"
        "&lt;i&gt;tenure&lt;/i&gt; −2.0 sd, monetary −1.0 sd, frequency −0.4 sd"
        + described.format(20)
    )
    assert plain[2] == (
        "2|Dormant|8|26.7%|frequency −1.8 sd, recency_days +1.4 sd, monetary −1.4 sd"
        + described.format(30)
    )
    # Above the average customer in red ("up"), below in blue ("down").
    classes = re.findall(r'<span class="(up|down)">', table)
    assert classes == ["up", "up", "up", "down", "down", "down", "down", "up", "down"]
    assert "in standard deviations of the whole customer base" in parsed.text["segments"]


def test_user_text_is_escaped(written) -> None:
    _, page, parsed = written
    # The hostile id appears nowhere raw, not even inside figure JSON.
    assert EVIL_ID not in page
    assert "<b>Bargain" not in page
    assert "<i>tenure" not in page
    # Only the page's own scripts: the Plotly config, the bundle, six figures.
    assert sum(1 for tag, _ in parsed.tags if tag == "script") == 8


def test_quality_section_renders_nested_structure(written) -> None:
    _, page, parsed = written
    text = parsed.text["quality"]
    for expected in ("transactions", "attributes", "missing_customer_id", "35", "1,200", "0.9667"):
        assert expected in text
    assert "column 'age <years>' had 2 missing values" in text  # escaped in source, text here
    assert "age <years>" not in page


def test_metadata_and_timings_at_the_end(written) -> None:
    _, _, parsed = written
    text = parsed.text["metadata"]
    for expected in (
        "run_id",
        "config_hash",
        "abc123",
        "two-step",
        "read",
        "1.25",
        "total",
        "3.75",
    ):
        assert expected in text


def test_profiles_heatmap_explains_the_colour(written) -> None:
    _, page, parsed = written
    assert '<h3 id="profiles">Segment profiles</h3>' in page  # old #profiles links still land
    text = parsed.text["variables"]
    assert "standardised difference from the average customer" in text
    assert "cell text: the segment mean" in text


def test_report_is_deterministic(record: RunRecord) -> None:
    assert report_html(record) == report_html(record)


def test_bad_record_writes_nothing(record: RunRecord, tmp_path: Path) -> None:
    record.profiles = record.profiles.drop(columns="lift")
    with pytest.raises(SchemaError, match=r"profiles.*lift"):
        render_report(record, tmp_path / "run.html")
    assert os.listdir(tmp_path) == []


def test_failed_write_keeps_old_report_and_leaves_no_temp_file(
    record: RunRecord, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "run.html"
    target.write_text("old report", encoding="utf-8")

    def broken_replace(src: object, dst: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(atomic_module.os, "replace", broken_replace)
    with pytest.raises(SegmentationError, match=r"run\.html: No space left on device"):
        render_report(record, target)
    assert target.read_text(encoding="utf-8") == "old report"
    assert os.listdir(tmp_path) == ["run.html"]


def test_unwritable_target_names_the_path(record: RunRecord, tmp_path: Path) -> None:
    (tmp_path / "taken").mkdir()
    with pytest.raises(SegmentationError, match="taken"):
        render_report(record, tmp_path / "taken")
    assert os.listdir(tmp_path) == ["taken"]


def test_large_run_report_stays_small(large_record: RunRecord, tmp_path: Path) -> None:
    out = render_report(large_record, tmp_path / "large.html")
    page = out.read_text(encoding="utf-8")
    assert "5,000 of 20,000 shown (stratified sample)" in page
    assert "20,000 customers" in _parse(page).text["summary"]
    # plotly.js is ~4.8 MB; the sampled scatter must not add more than a fraction of that.
    assert out.stat().st_size < 6_000_000


# --- Segments at a glance and the variable analysis -------------------------------------------

EVIL_LEVEL = "<img src=x onerror=alert(1)>"


@pytest.fixture
def full_page(full_record: RunRecord) -> tuple[str, _Page]:
    page = report_html(full_record)
    return page, _parse(page)


def _pair_keys(page: str) -> tuple[list[str], list[str], list[str]]:
    """Keys of the <select> options, of the pair tables, and of the embedded pair figures."""
    options = re.findall(r'<option value="([^"]+)"', page)
    tables = re.findall(r'<div class="pair" data-pair="([^"]+)"', page)
    blob = re.search(r'<script type="application/json" id="pair-figures">(.*?)</script>', page)
    assert blob is not None
    return options, tables, list(json.loads(blob.group(1)))


def test_full_record_sections_and_figures(full_page: tuple[str, _Page]) -> None:
    _, parsed = full_page
    assert parsed.sections == SECTION_IDS
    assert SECTION_IDS.index("at-a-glance") == SECTION_IDS.index("summary") + 1
    drawn = re.findall(r'Plotly\.newPlot\(\s*"([^"]+)"', "".join(parsed.scripts))
    assert drawn == [
        "fig-k-selection",
        "fig-stability",
        "fig-sizes",
        "fig-pca",
        "fig-explorer",
        "fig-categorical-0",
        "fig-profiles",
        "fig-radar",
        "fig-comparison",
    ]
    text = parsed.text["variables"]
    for heading in (
        "Distributions by segment",
        "Segment profiles",
        "Most distinguishing variables",
        "Two segments side by side",
    ):
        assert heading in text
    assert "difference from the rest of the base" in text  # radar from the statistics


def test_cards_section(full_page: tuple[str, _Page]) -> None:
    page, parsed = full_page
    text = parsed.text["at-a-glance"]
    assert text.count("small segment — members not exported") == 1
    assert "70.0% of revenue" in text
    assert "Apart from the rest of the base" in text
    assert page.count('<article class="card"') == 3


def test_segments_table_shows_value_when_recorded(full_page: tuple[str, _Page]) -> None:
    page, _ = full_page
    table = page[page.index('<table class="segments">') :]
    table = table[: table.index("</table>")]
    assert '<th class="num">revenue share</th><th class="num">value index</th>' in table
    rows = re.findall(r"<tr>(.*?)</tr>", table)[1:]
    cells = [re.findall(r'<td class="num">([^<]*)</td>', r) for r in rows]
    assert [c[3:5] for c in cells] == [["70.0%", "1.75"], ["20.0%", "0.60"], ["10.0%", "0.38"]]


def test_pair_selector_has_every_pair(full_page: tuple[str, _Page]) -> None:
    page, _ = full_page
    options, tables, figures = _pair_keys(page)
    assert options == tables == figures == ["0:1", "0:2", "1:2"]
    assert re.findall(r"<option [^>]*>([^<]*)</option>", page) == [
        "Loyal big spenders vs &lt;b&gt;Bargain&lt;/b&gt; &amp; hunters",
        "Loyal big spenders vs Dormant",
        "&lt;b&gt;Bargain&lt;/b&gt; &amp; hunters vs Dormant",
    ]
    # The first pair is shown; the others wait for the <select>.
    assert re.findall(r'<div class="pair" data-pair="[^"]+"( hidden)?>', page) == [
        "",
        " hidden",
        " hidden",
    ]
    assert 'document.getElementById("pair-select")' in page


def test_pair_table_values(full_page: tuple[str, _Page]) -> None:
    page, _ = full_page
    start = page.index('<div class="pair" data-pair="0:2"')
    table = page[start : page.index("</div>", start)]
    first = re.findall(r"<tr>(.*?)</tr>", table)[1]
    # Loyal (frequency 10) vs Dormant (0.5): the strongest difference.
    assert re.sub(r"(<[^>]+>)+", "|", first).strip("|") == (
        "frequency|10|0.5|+9.5|d = +11.85|3.7e-05"
    )


def test_pair_figures_are_script_safe(full_page: tuple[str, _Page]) -> None:
    page, _ = full_page
    blob = page[
        page.index('id="pair-figures">') : page.index("</script>", page.index('id="pair-figures">'))
    ]
    assert "<" not in blob.removeprefix('id="pair-figures">')
    figures = json.loads(blob.removeprefix('id="pair-figures">'))
    assert "template" not in figures["0:1"]["layout"]  # reuses the drawn figure's
    title = figures["1:2"]["layout"]["title"]["text"]
    assert title.startswith("&lt;b&gt;Bargain&lt;/b&gt; &amp; hunters vs Dormant")


def test_hostile_names_are_escaped_everywhere(full_record: RunRecord) -> None:
    full_record.customers = full_record.customers.rename(columns={"plan": "<b>plan</b>"})
    full_record.statistics = full_record.statistics.assign(
        variable=full_record.statistics["variable"].replace("plan", "<b>plan</b>"),
        feature=full_record.statistics["feature"].str.replace("plan=", "<b>plan</b>=", regex=False),
    )
    page = report_html(full_record)
    for raw in (EVIL_ID, EVIL_LEVEL, "<b>plan", "<b>Bargain", "<i>tenure", "<Recent>", "<now>"):
        assert raw not in page
    parsed = _parse(page)
    # The page's own scripts only: config, bundle, nine figures, pair data, pair script.
    assert sum(1 for tag, _ in parsed.tags if tag == "script") == 13
    for tag, attrs in parsed.tags:
        assert not any(name.startswith("on") for name in attrs), (tag, attrs)


def test_old_record_without_new_fields_still_renders(record: RunRecord) -> None:
    old_columns = ["segment_id", "name", "size", "share", "stability", "rule", "rule_precision"]
    record.segments = record.segments[[*old_columns, "rule_recall", "action"]]
    page = report_html(record)  # default statistics and customers: empty
    parsed = _parse(page)
    assert parsed.sections == SECTION_IDS
    assert "No revenue shares were recorded" in parsed.text["at-a-glance"]
    assert "Segment-vs-rest statistics were not recorded" in parsed.text["at-a-glance"]
    assert page.count('<article class="card"') == 3
    text = parsed.text["variables"]
    assert text.count("Customer-level values were not stored with this run") == 2
    assert "difference from the average customer" in text  # radar from the profiles
    assert "revenue share" not in parsed.text["segments"]
    assert "pair-select" not in page


def test_empty_run_still_renders(tmp_path: Path) -> None:
    record = RunRecord(
        meta={},
        quality={},
        selection={},
        model={},
        timings={},
        k_scores=pd.DataFrame(columns=K_SCORE_COLUMNS),
        assignments=pd.DataFrame(columns=ASSIGNMENT_COLUMNS),
        segments=pd.DataFrame(columns=SEGMENT_COLUMNS),
        profiles=pd.DataFrame(columns=PROFILE_COLUMNS),
    )
    text = _parse(report_html(record)).text["variables"]
    assert "no radar" in text


def test_customers_are_joined_on_their_id(full_record: RunRecord) -> None:
    reference = report_html(full_record)
    full_record.customers = full_record.customers.iloc[::-1].reset_index(drop=True)
    # Reversed rows, same customers: the same segments, so the same tables.
    page = report_html(full_record)
    table = re.compile(r'<div class="pair".*?</div>', re.S)
    assert table.findall(page) == table.findall(reference)


def test_customers_without_assignment_are_left_out_and_counted(full_record: RunRecord) -> None:
    stray = full_record.customers.head(1).assign(customer_id="nobody")
    full_record.customers = pd.concat([full_record.customers, stray], ignore_index=True)
    text = _parse(report_html(full_record)).text["variables"]
    assert "1 customer without a segment assignment is left out." in text


def test_full_report_is_deterministic(full_record: RunRecord) -> None:
    assert report_html(full_record) == report_html(full_record)


def test_comparison_pairs_cap() -> None:
    twelve = comparison_pairs({s: 10 for s in range(12)})
    assert len(twelve) == 66
    sizes = {s: 100 - s for s in range(14)}  # 0..5 are the six largest
    pairs = comparison_pairs(sizes)
    assert len(pairs) == 6 * 13 - 15
    assert all(a < 6 or b < 6 for a, b in pairs)
    assert (6, 7) not in pairs and (0, 13) in pairs
    assert comparison_pairs({0: 5, 1: 0}) == []


def test_many_segments_say_which_pairs(full_record: RunRecord) -> None:
    n = len(full_record.assignments)
    ids = [i % 14 for i in range(n)]
    full_record.assignments = full_record.assignments.assign(segment_id=ids)
    full_record.segments = pd.DataFrame(
        {"segment_id": range(14), "name": [f"S{i}" for i in range(14)], "size": 2, "share": 1 / 14}
    )
    full_record.profiles = full_record.profiles.iloc[0:0]
    full_record.statistics = full_record.statistics.iloc[0:0]
    page = report_html(full_record)
    options, tables, figures = _pair_keys(page)
    assert len(options) == len(tables) == len(figures) == 6 * 13 - 15
    assert "only the pairs involving one of the 6 largest are compared (63 pairs)" in page


def test_large_run_with_customers_stays_small(large_record: RunRecord, tmp_path: Path) -> None:

    rng = np.random.default_rng(0)
    n = len(large_record.assignments)
    large_record.customers = pd.DataFrame(
        {
            "customer_id": large_record.assignments["customer_id"],
            **{f"x{i}": rng.gamma(2.0, size=n) for i in range(8)},
            "plan": rng.choice(["a", "b", "c"], size=n),
        }
    )
    out = render_report(large_record, tmp_path / "large.html")
    page = out.read_text(encoding="utf-8")
    assert "2,000 of 20,000 customers shown (stratified sample)" in page
    assert out.stat().st_size < 6_500_000


def test_large_base_compares_pairs_on_a_stated_sample(
    full_record: RunRecord, monkeypatch: pytest.MonkeyPatch
) -> None:
    from user_segmentation.report import html as html_module

    monkeypatch.setattr(html_module, "COMPARISON_MAX_CUSTOMERS", 15)
    text = _parse(report_html(full_record)).text["variables"]
    assert "Computed on a stratified sample of 15 of 30 customers" in text
