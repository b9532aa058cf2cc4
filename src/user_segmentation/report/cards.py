"""One card per segment: who they are, what they are worth, how to find and address them.

The cards are plain HTML (styled by :data:`CARD_CSS`) built from the segment table and,
when given, the segment-vs-rest statistics. Every piece of text from the run is HTML-escaped.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from user_segmentation.profile.stats import top_distinguishing
from user_segmentation.report.figures import _short_number
from user_segmentation.report.labels import segment_colours, segment_labels
from user_segmentation.report.text import esc as _esc
from user_segmentation.report.text import finite_number as _num
from user_segmentation.report.traits import format_std_diff
from user_segmentation.report.validation import require_columns

#: Styles of the cards, for the page that shows them.
CARD_CSS = """
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(300px, 1fr));
         gap: 1rem; margin: 1rem 0; }
.card { border: 1px solid #ddd; border-top: 6px solid #999; border-radius: 6px;
        padding: .6rem .9rem .8rem; background: #fff; }
.card h3 { margin: .2rem 0 .4rem; font-size: 1.1rem; }
.card dl { grid-template-columns: max-content auto; font-size: .92rem; }
.card ul { margin: .2rem 0 0; padding-left: 1.2rem; font-size: .92rem; }
.card .apart { margin: .5rem 0 0; font-size: .92rem; font-weight: 600; }
.badge { display: inline-block; font-size: .8rem; padding: .1rem .5rem; border-radius: 999px;
         background: #fdebd0; color: #7a4100; margin: 0 0 .3rem; }
"""


def _text(value: Any) -> str:
    """Stripped text, or ``""`` for a missing value."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return ""
    return str(value).strip()


def _differences(statistics: pd.DataFrame, n: int) -> dict[int, list[str]]:
    """Each segment's strongest significant differences from the rest, as escaped HTML items."""
    require_columns(
        statistics, ["segment_id", "feature", "cohens_d", "significant", "mean"], "statistics"
    )
    stats = statistics.rename(columns={"segment_id": "segment"}).assign(
        # The run record stores 0/1; missing counts as not significant.
        significant=lambda t: pd.to_numeric(t["significant"], errors="coerce").fillna(0) > 0
    )
    by_key = {
        (int(s), str(f)): row
        for s, f, row in zip(
            stats["segment"], stats["feature"], stats.to_dict("records"), strict=True
        )
    }
    items: dict[int, list[str]] = {}
    for seg, traits in top_distinguishing(stats, n=n).items():
        lines = []
        for trait in traits:
            row = by_key[(seg, trait.feature)]
            level = row.get("kind") == "categorical"
            mean, rest = _num(row.get("mean")), _num(row.get("rest_mean"))

            def fmt(value: float | None, level: bool = level) -> str:
                if value is None:
                    return "n/a"
                return f"{value:.0%}" if level else _short_number(value)

            measure = f"d {format_std_diff(trait.effect, digits=2).removesuffix(' sd')}"
            versus = f" vs {fmt(rest)} in the rest" if "rest_mean" in row else ""
            lines.append(
                f'<li><span class="{"up" if trait.effect > 0 else "down"}">'
                f"{_esc(trait.feature)}</span>: {_esc(fmt(mean))}{_esc(versus)} "
                f'<span class="dim">({_esc(measure)})</span></li>'
            )
        items[seg] = lines
    return items


def segment_cards_html(
    segments: pd.DataFrame, statistics: pd.DataFrame | None = None, *, n_differences: int = 3
) -> str:
    """Render one card per segment, in id order, as an HTML fragment.

    A card shows the segment's name and id, size and share of customers, its share of revenue
    and value index when the run has a monetary measure, its traits, the rule that picks it
    out with that rule's precision and recall, and the suggested action. A segment marked
    ``small`` carries a badge saying its members are not exported. Parts that the table does
    not hold (an older run) are left out, not shown empty.

    Parameters
    ----------
    segments
        One row per segment with ``segment_id``, ``name``, ``size`` and ``share``;
        optionally ``traits``, ``revenue_share``, ``value_index``, ``small``, ``rule``,
        ``rule_precision``, ``rule_recall`` and ``action``.
    statistics
        Optional segment-vs-rest statistics (the run record's ``statistics`` table: at least
        ``segment_id``, ``feature``, ``mean``, ``cohens_d`` and ``significant``; ``rest_mean``
        and ``kind`` improve the wording). When given, each card lists the segment's
        ``n_differences`` strongest significant differences from the rest of the base.
    n_differences
        How many differences each card lists.

    Returns
    -------
    str
        ``<div class="cards">`` holding one ``<article class="card">`` per segment; styles in
        :data:`CARD_CSS`.

    Raises
    ------
    SchemaError
        If ``segments`` (or a given, non-empty ``statistics``) lacks a required column.

    Examples
    --------
    >>> s = pd.DataFrame({"segment_id": [0], "name": ["<b>VIP</b>"], "size": [12],
    ...                   "share": [0.4], "revenue_share": [0.7], "value_index": [1.75],
    ...                   "small": [1]})
    >>> page = segment_cards_html(s)
    >>> "&lt;b&gt;VIP&lt;/b&gt;" in page, "<b>VIP" in page
    (True, False)
    >>> "small segment — members not exported" in page, "70.0% of revenue" in page
    (True, True)
    """
    require_columns(segments, ["segment_id", "name", "size", "share"], "segments")
    ordered = segments.sort_values("segment_id", kind="mergesort")
    labels = segment_labels(ordered)
    colours = segment_colours(labels)
    differences: dict[int, list[str]] | None = None
    if statistics is not None and len(statistics):
        differences = _differences(statistics, n_differences)
    cards = []
    for row in ordered.to_dict("records"):
        seg = int(row["segment_id"])
        facts: list[tuple[str, str]] = []
        size, share = _num(row["size"]), _num(row["share"])
        customers = f"{int(size):,}" if size is not None else "—"
        if share is not None:
            customers += f" ({share:.1%} of customers)"
        facts.append(("customers", _esc(customers)))
        revenue_share, value_index = _num(row.get("revenue_share")), _num(row.get("value_index"))
        if revenue_share is not None:
            facts.append(("revenue", _esc(f"{revenue_share:.1%} of revenue")))
        if value_index is not None:
            reading = (
                "more than" if value_index > 1 else "less than" if value_index < 1 else "as much as"
            )
            facts.append(
                (
                    "value index",
                    f'{value_index:.2f} <span class="dim">(worth {reading} its head count)</span>',
                )
            )
        traits = _text(row.get("traits"))
        if traits:
            facts.append(("traits", _esc(traits)))
        rule = _text(row.get("rule"))
        if rule:
            precision, recall = _num(row.get("rule_precision")), _num(row.get("rule_recall"))
            measured = (
                f' <span class="dim">(precision {precision:.0%}, recall {recall:.0%})</span>'
                if precision is not None and recall is not None
                else ""
            )
            facts.append(("rule", _esc(rule) + measured))
        action = _text(row.get("action"))
        if action:
            facts.append(("suggested action", _esc(action)))
        badge = (
            '<p class="badge">small segment — members not exported</p>'
            if _num(row.get("small")) == 1
            else ""
        )
        apart = ""
        if differences is not None:
            items = differences.get(seg, [])
            apart = '<p class="apart">Apart from the rest of the base</p>' + (
                f"<ul>{''.join(items)}</ul>"
                if items
                else '<p class="dim">No difference from the rest is significant.</p>'
            )
        listing = "".join(f"<dt>{_esc(term)}</dt><dd>{value}</dd>" for term, value in facts)
        cards.append(
            f'<article class="card" style="border-top-color: {colours[seg]}">'
            f'<h3>{_esc(labels[seg])} <span class="dim">#{seg}</span></h3>'
            f"{badge}<dl>{listing}</dl>{apart}</article>"
        )
    return f'<div class="cards">{"".join(cards)}</div>'
