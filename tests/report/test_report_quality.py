"""The report's data-quality section: out-of-range values shown with readable ranges."""

from __future__ import annotations

from user_segmentation.report import report_html
from user_segmentation.report.quality import quality_html

from .conftest import make_record

OUT_OF_RANGE = {
    "age <years>": {
        "range": [0.0, 120.0],
        "count": 1234,
        "share": 0.0617,
        "policy": "missing",
        "examples": [{"customer_id": "C<7>", "value": 250.0}],
    },
    "income": {"range": [0.0, None], "count": 0, "share": 0.0, "policy": "missing", "examples": []},
    "debt": {"range": [None, -0.5], "count": 3, "share": 0.1, "policy": "missing", "examples": []},
}


def test_ranges_are_written_as_intervals_with_open_sides() -> None:
    fragment = quality_html({"sources": {}, "out_of_range": OUT_OF_RANGE})
    assert "<td>[0, 120]</td>" in fragment
    assert "<td>[0, inf)</td>" in fragment
    assert "<td>(-inf, -0.5]</td>" in fragment
    assert '<td class="num">1,234</td>' in fragment


def test_text_is_escaped() -> None:
    fragment = quality_html({"out_of_range": OUT_OF_RANGE})
    assert "age &lt;years&gt;" in fragment and "C&lt;7&gt;" in fragment
    assert "<years>" not in fragment and "C<7>" not in fragment


def test_other_parts_and_odd_shapes_are_shown_as_they_are() -> None:
    odd = {"out_of_range": {"age": {"range": "0-120", "count": 2}, "x": 5}, "warnings": ["w"]}
    fragment = quality_html(odd)
    assert "0-120" in fragment and "<li>w</li>" in fragment


def test_the_report_page_shows_the_counts() -> None:
    record = make_record()
    record.quality = {**record.quality, "out_of_range": OUT_OF_RANGE}
    page = report_html(record)
    start = page.index('<section id="quality">')
    section = page[start : page.index("</section>", start)]
    assert "out_of_range" in section
    assert '<th scope="row">age &lt;years&gt;</th><td>[0, 120]</td><td class="num">1,234</td>' in (
        section
    )
    assert "missing_customer_id" in section  # the rest of the report is still there
