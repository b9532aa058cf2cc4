"""The HTML report: self-contained, complete, escaped, written atomically."""

from __future__ import annotations

import os
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from user_segmentation.errors import SchemaError, SegmentationError
from user_segmentation.records import RunRecord
from user_segmentation.report import atomic as atomic_module
from user_segmentation.report import render_report, report_html
from user_segmentation.report.html import SECTION_IDS

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
    assert drawn == ["fig-k-selection", "fig-stability", "fig-sizes", "fig-pca", "fig-profiles"]


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
    # Only the page's own scripts: the Plotly config, the bundle, five figures.
    assert sum(1 for tag, _ in parsed.tags if tag == "script") == 7


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


def test_profiles_section_explains_the_colour(written) -> None:
    _, _, parsed = written
    text = parsed.text["profiles"]
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
