"""Segment cards: one per segment, every fact present when recorded, every text escaped."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pandas as pd
import pytest

from user_segmentation.errors import SchemaError
from user_segmentation.records import RunRecord
from user_segmentation.report.cards import segment_cards_html


class _Cards(HTMLParser):
    """The visible text of each card, tags dropped, entities decoded."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.cards: list[str] = []
        self.styles: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "article":
            self.cards.append("")
            self.styles.append(dict(attrs).get("style") or "")

    def handle_data(self, data: str) -> None:
        if self.cards:
            self.cards[-1] += data + " "


def _cards(page: str) -> list[str]:
    parser = _Cards()
    parser.feed(page)
    return [re.sub(r"\s+", " ", c).strip() for c in parser.cards]


def test_one_card_per_segment_in_id_order(full_record: RunRecord) -> None:
    shuffled = full_record.segments.iloc[[2, 0, 1]]
    cards = _cards(segment_cards_html(shuffled))
    assert len(cards) == 3
    assert cards[0].startswith("Loyal big spenders #0")
    assert cards[1].startswith("<b>Bargain</b> & hunters #1")  # decoded text: the page escapes it
    assert cards[2].startswith("Dormant #2")


def test_card_facts(full_record: RunRecord) -> None:
    first = _cards(segment_cards_html(full_record.segments))[0]
    for expected in (
        "customers 12 (40.0% of customers)",
        "revenue 70.0% of revenue",
        "value index 1.75 (worth more than its head count)",
        "traits High frequency · <Recent>",
        "rule recency_days ≤ 10 (precision 90%, recall 80%)",
        "suggested action Win-back offer <now>",
    ):
        assert expected in first
    second = _cards(segment_cards_html(full_record.segments))[1]
    assert "value index 0.60 (worth less than its head count)" in second


def test_small_badge_only_on_small_segments(full_record: RunRecord) -> None:
    page = segment_cards_html(full_record.segments)
    cards = _cards(page)
    badge = "small segment — members not exported"
    assert [badge in c for c in cards] == [False, False, True]
    assert page.count(badge) == 1


def test_everything_is_escaped(full_record: RunRecord) -> None:
    page = segment_cards_html(full_record.segments, full_record.statistics)
    assert "&lt;b&gt;Bargain&lt;/b&gt; &amp; hunters" in page
    assert "<b>Bargain" not in page
    assert "<Recent>" not in page and "&lt;Recent&gt;" in page
    assert "<now>" not in page
    assert "<i>tenure" not in page


def test_card_colours_follow_segment_ids(full_record: RunRecord) -> None:
    parser = _Cards()
    parser.feed(segment_cards_html(full_record.segments))
    assert parser.styles == [
        "border-top-color: #636EFA",
        "border-top-color: #EF553B",
        "border-top-color: #00CC96",
    ]


def test_differences_from_the_rest(full_record: RunRecord) -> None:
    cards = _cards(segment_cards_html(full_record.segments, full_record.statistics))
    # Segment 0's strongest significant differences (|Cohen's d|): monetary 9.14,
    # frequency 4.74, plan=gold 2.65; means against the other 18 customers.
    assert (
        "Apart from the rest of the base monetary : 600 vs 123 in the rest (d +9.14) "
        "frequency : 10 vs 2.44 in the rest (d +4.74) "
        "plan=gold : 75% vs 0% in the rest (d +2.65)"
    ) in cards[0]
    assert "<i>tenure</i> : 12 vs 30 in the rest (d −9.71)" in cards[1]


def test_no_significant_difference_is_said(full_record: RunRecord) -> None:
    stats = full_record.statistics.assign(significant=0)
    cards = _cards(segment_cards_html(full_record.segments, stats))
    assert all("No difference from the rest is significant." in c for c in cards)


def test_old_segment_table_without_newer_columns(record: RunRecord) -> None:
    old = record.segments[
        ["segment_id", "name", "size", "share", "rule", "rule_precision", "rule_recall", "action"]
    ]
    cards = _cards(segment_cards_html(old))
    assert len(cards) == 3
    assert not any("revenue" in c or "value index" in c or "traits" in c for c in cards)
    assert not any("small segment" in c for c in cards)
    assert not any("Apart from the rest" in c for c in cards)


def test_missing_values_are_left_out(full_record: RunRecord) -> None:
    segments = full_record.segments.assign(
        revenue_share=float("nan"), value_index=float("nan"), rule="", action=None
    )
    first = _cards(segment_cards_html(segments))[0]
    assert "revenue" not in first
    assert "rule" not in first
    assert "suggested action" not in first


def test_empty_statistics_are_ignored(full_record: RunRecord) -> None:
    page = segment_cards_html(full_record.segments, full_record.statistics.iloc[0:0])
    assert "Apart from the rest" not in page


def test_missing_columns_are_named(full_record: RunRecord) -> None:
    with pytest.raises(SchemaError, match=r"segments.*\['share'\]"):
        segment_cards_html(full_record.segments.drop(columns="share"))
    with pytest.raises(SchemaError, match=r"statistics.*cohens_d"):
        segment_cards_html(full_record.segments, full_record.statistics.drop(columns="cohens_d"))


def test_no_segments_no_cards() -> None:
    empty = pd.DataFrame(columns=["segment_id", "name", "size", "share"])
    assert segment_cards_html(empty) == '<div class="cards"></div>'


def test_value_index_of_one_reads_as_much_as(full_record: RunRecord) -> None:
    segments = full_record.segments.assign(value_index=1.0)
    assert "1.00 (worth as much as its head count)" in _cards(segment_cards_html(segments))[0]
