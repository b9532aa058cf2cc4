"""A self-contained HTML report of one run, built from its :class:`RunRecord` alone.

The page opens offline: plotly.js is inlined once in ``<head>`` and every figure is a ``<div>``
plus an inline script that draws it. All text from the record is HTML-escaped; figure data is
embedded as JSON that Plotly escapes for use inside ``<script>``.

With no server behind the page, the comparison of two segments is precomputed for every pair
(see :func:`comparison_pairs`) and a small inline script shows the pair chosen in a
``<select>``.
"""

from __future__ import annotations

import itertools
import json
import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.offline import get_plotlyjs

from user_segmentation.profile.compare import compare_segments
from user_segmentation.records import RunRecord
from user_segmentation.report.atomic import write_text_atomic
from user_segmentation.report.cards import CARD_CSS, segment_cards_html
from user_segmentation.report.figures import (
    _short_number,
    dendrogram_figure,
    k_selection_figure,
    pca_scatter_figure,
    profile_heatmap_figure,
    segment_sizes_figure,
    stability_figure,
    stratified_sample,
)
from user_segmentation.report.labels import segment_colours, segment_labels
from user_segmentation.report.quality import quality_html
from user_segmentation.report.structure import format_scalar
from user_segmentation.report.structure import to_html as structure_html
from user_segmentation.report.text import esc as _esc
from user_segmentation.report.text import finite_number as _num
from user_segmentation.report.traits import defining_traits, format_trait
from user_segmentation.report.validation import require_columns
from user_segmentation.report.variables import (
    comparison_figure,
    distribution_figure,
    radar_figure,
    variable_explorer_figure,
    variable_kinds,
)

logger = logging.getLogger(__name__)

#: ``id`` of each ``<section>``, in the order they appear in the report.
SECTION_IDS = [
    "summary",
    "at-a-glance",
    "k-selection",
    "segments",
    "sizes",
    "pca",
    "variables",
    "quality",
    "metadata",
]

#: Up to this many segments, every pair is compared; above it, only the pairs that involve
#: one of the :data:`PAIR_ANCHORS` largest segments (keeps the page's size linear in k).
MAX_ALL_PAIRS = 12
PAIR_ANCHORS = 6
#: Most customers the variable explorer embeds (one sample serves every variable).
EXPLORER_MAX_POINTS = 2_000
#: Above this many customers, pair comparisons run on a stratified sample of this size.
COMPARISON_MAX_CUSTOMERS = 100_000
#: Most categorical variables drawn as stacked shares.
MAX_CATEGORICAL_FIGURES = 6
#: Rows of each pair's comparison table.
COMPARISON_TABLE_ROWS = 10

_PLOTLY_CONFIG = {"displaylogo": False, "responsive": True}

_CSS = (
    """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #222;
       margin: 0; background: #fafafa; line-height: 1.45; }
main { max-width: 1120px; margin: 0 auto; padding: 1.5rem 2rem 4rem; background: #fff; }
h1 { margin-bottom: .2rem; }
h2 { margin-top: 2.4rem; border-bottom: 1px solid #ddd; padding-bottom: .3rem; }
.subtitle { color: #666; margin-top: 0; }
.summary { font-size: 1.05rem; background: #f3f6fa; padding: .8rem 1rem; border-radius: 6px; }
.summary b { font-weight: 600; }
table { border-collapse: collapse; margin: .6rem 0; font-size: .92rem; }
th, td { border: 1px solid #ddd; padding: .3rem .6rem; text-align: left; vertical-align: top; }
thead th { background: #f3f3f3; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.up { color: #b2182b; } .down { color: #2166ac; } .warn { color: #b35806; } .dim { color: #777; }
dl { display: grid; grid-template-columns: max-content auto; gap: .2rem 1rem; margin: .4rem 0; }
dt { font-weight: 600; } dd { margin: 0; }
details { margin: .8rem 0; } summary { cursor: pointer; color: #444; }
.figure { margin: 1rem 0; }
.missing { color: #666; font-style: italic; }
label.pair-pick { font-weight: 600; margin-right: .4rem; }
"""
    + CARD_CSS
)

# Shows the chosen pair's table and redraws the one comparison figure with its data. Figure
# data sits in a JSON block (not one script per pair) so the page stays small.
_PAIR_SCRIPT = """
(function () {
  var select = document.getElementById("pair-select");
  var source = document.getElementById("pair-figures");
  if (!select || !source) { return; }
  var figures = JSON.parse(source.textContent);
  select.addEventListener("change", function () {
    var key = select.value;
    var tables = document.querySelectorAll("#variables .pair");
    for (var i = 0; i < tables.length; i++) {
      tables[i].hidden = tables[i].getAttribute("data-pair") !== key;
    }
    var gd = document.getElementById("fig-comparison");
    var fig = figures[key];
    if (!gd || !fig || !window.Plotly) { return; }
    var layout = Object.assign({}, fig.layout, {template: gd.layout.template});
    Plotly.react(gd, fig.data, layout, {displaylogo: false, responsive: true});
  });
})();
"""


def _meta(record: RunRecord, key: str, default: Any = None) -> Any:
    value = record.meta.get(key, default)
    return default if value is None else value


def _figure_div(fig: go.Figure, div_id: str) -> str:
    # A fixed div id keeps the report byte-identical for the same record.
    body: str = fig.to_html(
        full_html=False, include_plotlyjs=False, div_id=div_id, config=_PLOTLY_CONFIG
    )
    return f'<div class="figure">{body}</div>'


def _title(record: RunRecord) -> tuple[str, str]:
    project = str(_meta(record, "project", "segmentation project"))
    run = f"run {record.run_id}" if record.run_id is not None else "unsaved run"
    created = _meta(record, "created_at")
    subtitle = run.capitalize() + (f" · created {created}" if created else "")
    return project, subtitle


def _summary(record: RunRecord) -> str:
    parts: list[str] = []
    n_customers = _meta(record, "n_customers", len(record.assignments))
    parts.append(f"<b>{_esc(format_scalar(n_customers))}</b> customers")
    parts.append(f"<b>k = {_esc(_meta(record, 'k', len(record.segments)))}</b> segments")
    parts.append(f"primary method <b>{_esc(_meta(record, 'primary_method', 'not recorded'))}</b>")
    secondary = _meta(record, "secondary_method")
    ari = _num(_meta(record, "agreement_ari"))
    if secondary is not None or ari is not None:
        ari_text = f"ARI {ari:.3f}" if ari is not None else "ARI not recorded"
        parts.append(
            f"agreement with {_esc(secondary or 'the secondary method')}: <b>{_esc(ari_text)}</b>"
        )
    sil_method = _meta(record, "silhouette_method")
    if sil_method is not None:
        sil = f"silhouette <b>{_esc(sil_method)}</b>"
        sample = _num(_meta(record, "silhouette_sample_size"))
        if sample is not None:
            sil += f" on {int(sample):,} customers"
        parts.append(sil)
    hier = _meta(record, "hierarchical_method")
    if hier is not None:
        parts.append(f"hierarchical clustering <b>{_esc(hier)}</b>")
    return '<p class="summary">' + " · ".join(parts) + "</p>"


def _rationale_html(rationale: Any) -> str:
    if rationale is None or rationale == "":
        return "<p><em>No rationale was recorded.</em></p>"
    if isinstance(rationale, str):
        paragraphs = [p.strip() for p in rationale.split("\n\n") if p.strip()]
        return "".join(f"<p>{_esc(p)}</p>" for p in paragraphs)
    return structure_html(rationale)


def _recommended_k(record: RunRecord) -> int:
    for value in (record.selection.get("recommended_k"), record.meta.get("k")):
        number = _num(value)
        if number is not None:
            return int(number)
    return len(record.segments)


def _k_selection(record: RunRecord) -> str:
    recommended = _recommended_k(record)
    elbow_num = _num(record.selection.get("elbow_k"))
    elbow = int(elbow_num) if elbow_num is not None else None
    used = _num(record.meta.get("k"))
    verdict = f"Recommended <b>k = {recommended}</b>"
    if elbow is not None:
        verdict += f"; the inertia curve bends at k = {elbow}."
    else:
        verdict += "; the inertia curve has no clear elbow."
    confidence = record.selection.get("confidence")
    if confidence is not None:
        span = record.selection.get("plausible_range") or [recommended, recommended]
        verdict += (
            f" Confidence: <b>{_esc(confidence)}</b>; structure: "
            f"<b>{_esc(record.selection.get('structure'))}</b>; plausible range "
            f"k = {_esc(span[0])}–{_esc(span[-1])}."
        )
        if record.selection.get("clear_structure") is False:
            verdict += ' <b class="warn">No clear cluster structure.</b>'
    if used is not None and int(used) != recommended:
        verdict += f" This run used k = {int(used)}."
    shown = {"recommended_k", "elbow_k", "rationale", "confidence", "structure"}
    evidence = {k: v for k, v in record.selection.items() if k not in shown}
    more = (
        f"<details><summary>More k-selection evidence</summary>{structure_html(evidence)}</details>"
        if evidence
        else ""
    )
    fig = k_selection_figure(record.k_scores, recommended, elbow)
    extra = ""
    if "stability" in record.segments and record.segments["stability"].notna().any():
        extra += _figure_div(stability_figure(record.segments), "fig-stability")
    tree = record.model.get("dendrogram")
    if tree:
        extra += _figure_div(dendrogram_figure(tree), "fig-dendrogram")
    return (
        f"<p>{verdict}</p>{_rationale_html(record.selection.get('rationale'))}{more}"
        f"{_figure_div(fig, 'fig-k-selection')}{extra}"
    )


def _segments_table(record: RunRecord) -> str:
    require_columns(record.segments, ["segment_id", "name", "size", "share"], "segments")
    segments = record.segments.sort_values("segment_id", kind="mergesort")
    labels = segment_labels(segments)
    traits = defining_traits(record.profiles, n=3)
    rows = []
    described = "rule" in segments and segments["rule"].fillna("").astype(str).str.len().gt(0).any()
    valued = [c for c in ("revenue_share", "value_index") if _has_values(segments, c)]
    for row in segments.to_dict("records"):
        seg, size, share = int(row["segment_id"]), row["size"], row["share"]
        trait_html = ", ".join(
            f'<span class="{"up" if std_diff > 0 else "down"}">'
            f"{_esc(format_trait(feature, std_diff))}</span>"
            for feature, std_diff in traits.get(seg, [])
        )
        size_num = _num(size)
        size_text = f"{int(size_num):,}" if size_num is not None else "—"
        share_num = _num(share)
        share_text = f"{share_num:.1%}" if share_num is not None else "—"
        extra = ""
        for column in valued:
            number = _num(row.get(column))
            text = (
                "—"
                if number is None
                else (f"{number:.1%}" if column == "revenue_share" else f"{number:.2f}")
            )
            extra += f'<td class="num">{text}</td>'
        if described:
            precision, recall = _num(row.get("rule_precision")), _num(row.get("rule_recall"))
            measured = (
                f' <span class="dim">(precision {precision:.0%}, recall {recall:.0%})</span>'
                if precision is not None and recall is not None
                else ""
            )
            extra += (
                f"<td>{_esc(row.get('rule') or '—')}{measured}</td>"
                f"<td>{_esc(row.get('action') or '—')}</td>"
            )
        rows.append(
            f'<tr><td class="num">{seg}</td><td>{_esc(labels[seg])}</td>'
            f'<td class="num">{size_text}</td>'
            f'<td class="num">{share_text}</td><td>{trait_html or "—"}</td>{extra}</tr>'
        )
    heads = "".join(
        '<th class="num">revenue share</th>'
        if c == "revenue_share"
        else '<th class="num">value index</th>'
        for c in valued
    )
    heads += "<th>rule</th><th>suggested action</th>" if described else ""
    value_note = (
        " The value index is the segment's share of revenue divided by its share of "
        "customers: above 1, the segment brings more than its head count."
        if "value_index" in valued
        else ""
    )
    return (
        "<p>Defining traits are the three features whose segment mean departs most from the "
        "overall mean, measured in standard deviations of the whole customer base "
        "(standardised difference = (segment mean − overall mean) ÷ overall standard "
        "deviation): “+1.8 sd” is well above the average customer, “−1.2 sd” below. "
        "Constant features are left out. A rule is the shortest description a shallow decision "
        "tree finds for the segment; its precision is the share of customers matching it who "
        f"are in the segment, its recall the share of the segment it matches.{value_note}</p>"
        '<table class="segments"><thead><tr><th>id</th><th>name</th><th>customers</th>'
        f"<th>share</th><th>defining traits</th>{heads}</tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


def _has_values(frame: pd.DataFrame, column: str) -> bool:
    """Whether ``column`` exists and holds at least one finite number."""
    if column not in frame:
        return False
    values = pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype=float)
    return bool(np.isfinite(values).any())


def _glance(record: RunRecord) -> str:
    statistics = record.statistics if _usable_statistics(record.statistics) else None
    intro = (
        "<p>One card per segment: its size, its worth, what sets it apart, how to find it and "
        "what to offer it.</p>"
    )
    if not _has_values(record.segments, "revenue_share"):
        intro += (
            '<p class="missing">No revenue shares were recorded for this run (no monetary '
            "measure, or a run from before they were kept).</p>"
        )
    if statistics is None:
        intro += (
            '<p class="missing">Segment-vs-rest statistics were not recorded for this run, so '
            "the cards do not list significant differences.</p>"
        )
    return intro + segment_cards_html(record.segments, statistics)


def _usable_statistics(statistics: pd.DataFrame | None) -> bool:
    needed = {"segment_id", "feature", "std_diff", "cohens_d", "significant", "mean"}
    return statistics is not None and len(statistics) > 0 and needed <= set(statistics.columns)


def _pca_scatter(record: RunRecord, max_points: int) -> str:
    seed = _num(record.meta.get("seed"))
    explained = record.meta.get("explained_variance")
    if not (isinstance(explained, list) and all(_num(v) is not None for v in explained)):
        explained = None
    fig = pca_scatter_figure(
        record.assignments,
        record.segments,
        max_points=max_points,
        random_state=int(seed) if seed is not None else 0,
        explained_variance=None if explained is None else [float(v) for v in explained],
    )
    return _figure_div(fig, "fig-pca")


def comparison_pairs(
    sizes: Mapping[int, int], *, max_all: int = MAX_ALL_PAIRS, anchors: int = PAIR_ANCHORS
) -> list[tuple[int, int]]:
    """The pairs of segments whose comparison the static report precomputes.

    Every pair up to ``max_all`` segments (12 segments: 66 pairs); above that, only the pairs
    involving at least one of the ``anchors`` largest segments, so the page grows linearly
    with k rather than quadratically.

    Parameters
    ----------
    sizes
        ``{segment_id: customers}``; segments without customers are left out.
    max_all
        Largest number of segments for which every pair is kept.
    anchors
        How many of the largest segments (ties: lower id first) anchor the pairs above
        ``max_all``.

    Returns
    -------
    list of tuple
        ``(a, b)`` with ``a < b``, in lexicographic order.

    Examples
    --------
    >>> comparison_pairs({2: 10, 0: 5, 1: 7})
    [(0, 1), (0, 2), (1, 2)]
    >>> comparison_pairs({0: 5, 1: 7, 2: 10, 3: 1}, max_all=3, anchors=1)
    [(0, 2), (1, 2), (2, 3)]
    """
    ids = sorted(int(s) for s, n in sizes.items() if n > 0)
    pairs = list(itertools.combinations(ids, 2))
    if len(ids) <= max_all:
        return pairs
    largest = set(sorted(ids, key=lambda s: (-sizes[s], s))[:anchors])
    return [(a, b) for a, b in pairs if a in largest or b in largest]


def _customer_segments(record: RunRecord) -> tuple[pd.DataFrame, np.ndarray, str] | None:
    """The customer table with each row's segment (joined on ``customer_id``), or ``None``."""
    customers = record.customers
    if customers is None or customers.empty or "customer_id" not in customers:
        return None
    if len(customers.columns) < 2:
        return None
    require_columns(record.assignments, ["customer_id", "segment_id"], "assignments")
    # Rows should already be in assignment order; joining on the id guards against drift.
    lookup = pd.Series(
        record.assignments["segment_id"].to_numpy(),
        index=record.assignments["customer_id"].astype(str).to_numpy(),
    )
    lookup = lookup[~lookup.index.duplicated(keep="first")]
    segment = customers["customer_id"].astype(str).map(lookup)
    known = segment.notna().to_numpy()
    note = ""
    if not known.all():
        lost = int((~known).sum())
        logger.warning("report: %d customers have no segment assignment; left out", lost)
        note = (
            f"{lost:,} customer{'s' if lost != 1 else ''} without a segment assignment "
            f"{'are' if lost != 1 else 'is'} left out. "
        )
    ids = segment[known].astype("int64").to_numpy()
    return customers.loc[known].reset_index(drop=True), ids, note


def _missing(text: str) -> str:
    return f'<p class="missing">{_esc(text)}</p>'


def _script_json(value: Any) -> str:
    """JSON safe inside ``<script>``: ``<``, ``>`` and ``&`` written as escapes."""
    text = json.dumps(value, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _pair_value(value: Any, kind: Any) -> str:
    number = _num(value)
    if number is None:
        return "—"
    return f"{number:.1%}" if kind == "categorical" else _short_number(number)


def _signed(text: str) -> str:
    """A true minus sign, as in the rest of the report."""
    return text.replace("-", "\N{MINUS SIGN}")


def _pair_table(frame: pd.DataFrame, name_a: str, name_b: str) -> str:
    if frame.empty:
        return _missing("No variable to compare.")
    rows = []
    for row in frame.head(COMPARISON_TABLE_ROWS).to_dict("records"):
        kind = row["kind"]
        effect = _num(row["effect"])
        p = _num(row["p_adjusted"])
        measure = "h" if row["effect_measure"] == "cohens_h" else "d"
        difference = _num(row["difference"])
        if difference is None:
            diff_text = "—"
        elif kind == "categorical":
            diff_text = _signed(f"{difference * 100:+.1f} pts")
        else:
            diff_text = _signed(("+" if difference > 0 else "") + _short_number(difference))
        css = "" if bool(row["significant"]) else ' class="dim"'
        effect_html = "—"
        if effect is not None:
            direction = "up" if effect > 0 else "down"
            effect_html = (
                f'<span class="{direction}">{measure} = {_signed(f"{effect:+.2f}")}</span>'
            )
        rows.append(
            f"<tr{css}><td>{_esc(row['feature'])}</td>"
            f'<td class="num">{_pair_value(row["mean_a"], kind)}</td>'
            f'<td class="num">{_pair_value(row["mean_b"], kind)}</td>'
            f'<td class="num">{_esc(diff_text)}</td><td class="num">{effect_html}</td>'
            f'<td class="num">{f"{p:.3g}" if p is not None else "—"}</td></tr>'
        )
    return (
        '<table class="comparison"><thead><tr><th>variable</th>'
        f'<th class="num">{_esc(name_a)}</th><th class="num">{_esc(name_b)}</th>'
        '<th class="num">difference</th><th class="num">effect</th>'
        '<th class="num">adjusted p</th></tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


def _pair_comparisons(
    customers: pd.DataFrame,
    ids: np.ndarray,
    kinds: Mapping[str, str],
    segments: pd.DataFrame,
    seed: int,
) -> str:
    numeric = [v for v, k in kinds.items() if k == "numeric"]
    categorical = [v for v, k in kinds.items() if k == "categorical"]
    seg_ids, counts = np.unique(ids, return_counts=True)
    sizes = {int(s): int(n) for s, n in zip(seg_ids, counts, strict=True)}
    pairs = comparison_pairs(sizes)
    if not pairs:
        return _missing("A comparison needs at least two segments with customers.")
    if not numeric and not categorical:
        return _missing("The customer table holds no variable to compare.")
    note = ""
    if len(ids) > COMPARISON_MAX_CUSTOMERS:
        keys = pd.DataFrame(
            {
                "customer_id": customers["customer_id"].astype(str).to_numpy(),
                "segment_id": ids,
                "_row": np.arange(len(ids)),
            }
        )
        rows = np.sort(stratified_sample(keys, COMPARISON_MAX_CUSTOMERS, seed)["_row"].to_numpy())
        customers, ids = customers.iloc[rows].reset_index(drop=True), ids[rows]
        note = (
            f" Computed on a stratified sample of {len(rows):,} of {len(keys):,} customers: "
            "means, shares and effect sizes estimate the whole base's; p-values are the "
            "sample's."
        )
    if len(sizes) > MAX_ALL_PAIRS:
        note += (
            f" With {len(sizes)} segments, only the pairs involving one of the "
            f"{PAIR_ANCHORS} largest are compared ({len(pairs)} pairs)."
        )
    labels = segment_labels(segments, extra_ids=sizes)
    colours = segment_colours(labels)
    options, tables = [], []
    figures: dict[str, Any] = {}
    first = ""
    for i, (a, b) in enumerate(pairs):
        frame = compare_segments(customers, ids, a, b, numeric=numeric, categorical=categorical)
        key = f"{a}:{b}"
        fig = comparison_figure(frame, labels[a], labels[b], colours=(colours[a], colours[b]))
        if i == 0:
            first = _figure_div(fig, "fig-comparison")
        payload = json.loads(fig.to_json())
        payload.get("layout", {}).pop("template", None)  # the page reuses the first figure's
        figures[key] = payload
        chosen = " selected" if i == 0 else ""
        options.append(
            f'<option value="{key}"{chosen}>{_esc(labels[a])} vs {_esc(labels[b])}</option>'
        )
        hidden = "" if i == 0 else " hidden"
        tables.append(
            f'<div class="pair" data-pair="{key}"{hidden}>'
            f"{_pair_table(frame, labels[a], labels[b])}</div>"
        )
    return (
        "<p>Pick two segments to see where they differ most. Effect sizes: Cohen's d for a "
        "numeric variable (difference of means over the pooled standard deviation) and "
        "Cohen's h for a level of a category (difference of shares on the same scale: 0.2 "
        "small, 0.5 medium, 0.8 large). Tests: Mann-Whitney U and Fisher's exact test, "
        "p-values adjusted for the number of rows (Benjamini-Hochberg); rows in grey are not "
        f"significant at 5%.{_esc(note)}</p>"
        '<p><label class="pair-pick" for="pair-select">Compare</label>'
        f'<select id="pair-select">{"".join(options)}</select></p>'
        f"{''.join(tables)}{first}"
        f'<script type="application/json" id="pair-figures">{_script_json(figures)}</script>'
        f"<script>{_PAIR_SCRIPT}</script>"
    )


def _variables(record: RunRecord) -> str:
    seed_num = _num(record.meta.get("seed"))
    seed = int(seed_num) if seed_num is not None else 0
    joined = _customer_segments(record)
    statistics = record.statistics if _usable_statistics(record.statistics) else None
    kinds: dict[str, str] = {}
    if joined is not None:
        kinds = dict(variable_kinds(joined[0], statistics))
    no_customers = (
        "Customer-level values were not stored with this run (an older run, or one loaded "
        "without them), so distributions and segment-to-segment comparisons are not shown."
    )
    parts = ["<h3>Distributions by segment</h3>"]
    if joined is None:
        parts.append(_missing(no_customers))
    else:
        customers, ids, note = joined
        numeric = [v for v, k in kinds.items() if k == "numeric"]
        categorical = [v for v, k in kinds.items() if k == "categorical"]
        if note:
            parts.append(_missing(note))
        if numeric:
            parts.append(
                "<p>Choose a variable from the menu; switch between box and violin plots with "
                "the buttons. Click a segment in the legend to hide it.</p>"
            )
            fig = variable_explorer_figure(
                customers,
                ids,
                record.segments,
                variables=numeric,
                max_points=EXPLORER_MAX_POINTS,
                random_state=seed,
            )
            parts.append(_figure_div(fig, "fig-explorer"))
        for i, variable in enumerate(categorical[:MAX_CATEGORICAL_FIGURES]):
            fig = distribution_figure(customers, ids, record.segments, variable, categorical=True)
            parts.append(_figure_div(fig, f"fig-categorical-{i}"))
        if len(categorical) > MAX_CATEGORICAL_FIGURES:
            rest = categorical[MAX_CATEGORICAL_FIGURES:]
            parts.append(_missing(f"Not drawn: {len(rest)} more categorical variables."))
    parts.append(
        '<h3 id="profiles">Segment profiles</h3>'
        "<p>Colour: standardised difference from the average customer, in standard "
        "deviations (red above, blue below; blank for a constant feature); cell text: the "
        "segment mean. Hover a cell for the overall mean and lift (segment mean ÷ "
        "overall mean).</p>"
        + _figure_div(profile_heatmap_figure(record.profiles, record.segments), "fig-profiles")
    )
    parts.append("<h3>Most distinguishing variables</h3>")
    source = statistics if statistics is not None else record.profiles
    if source is None or source.empty:
        parts.append(_missing("No profile statistics were recorded, so there is no radar."))
    else:
        reference = "the rest of the base" if statistics is not None else "the average customer"
        parts.append(
            "<p>Each segment's standardised difference from "
            f"{reference} on the variables that tell segments apart most; the dashed ring is "
            "no difference. Click a segment in the legend to hide or show it.</p>"
        )
        parts.append(_figure_div(radar_figure(source, record.segments), "fig-radar"))
    parts.append("<h3>Two segments side by side</h3>")
    if joined is None:
        parts.append(_missing(no_customers))
    else:
        parts.append(_pair_comparisons(joined[0], joined[1], kinds, record.segments, seed))
    return "".join(parts)


def _timings_table(timings: dict[str, Any]) -> str:
    if not timings:
        return "<p><em>No timings were recorded.</em></p>"
    rows = []
    total = 0.0
    for stage, seconds in timings.items():
        number = _num(seconds)
        total += number or 0.0
        text = f"{number:.2f}" if number is not None else _esc(format_scalar(seconds))
        rows.append(f'<tr><td>{_esc(stage)}</td><td class="num">{text}</td></tr>')
    rows.append(f'<tr><th>total</th><th class="num">{total:.2f}</th></tr>')
    return (
        '<table class="timings"><thead><tr><th>stage</th><th>seconds</th></tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


def report_html(record: RunRecord, *, max_points: int = 5_000) -> str:
    """Build the full report page of one run as a string (no file is touched).

    Sections, in order (:data:`SECTION_IDS`): summary, segment cards, choice of k, segment
    table, sizes, PCA scatter, variable analysis (distributions, profile heatmap, radar and
    the two-segment comparison), data quality, metadata. Parts whose data the record lacks
    (an older run without customer values or statistics) say so instead of failing.

    Parameters
    ----------
    record
        The run, as built by the pipeline or loaded from the store.
    max_points
        Most customers drawn in the PCA scatter; larger runs are shown as a stratified
        sample seeded with the run's ``seed``. The variable explorer embeds at most
        :data:`EXPLORER_MAX_POINTS` customers (one sample for every variable) and the pair
        comparisons use at most :data:`COMPARISON_MAX_CUSTOMERS`.

    Returns
    -------
    str
        A complete HTML document with plotly.js inlined once and no external resources.

    Raises
    ------
    SchemaError
        If a table of the record lacks a column the report needs.

    Examples
    --------
    >>> import pandas as pd
    >>> from user_segmentation.records import RunRecord
    >>> record = RunRecord(
    ...     meta={"project": "demo", "k": 2, "n_customers": 2}, quality={},
    ...     selection={"recommended_k": 2, "elbow_k": None, "rationale": "Only k = 2 fits."},
    ...     model={}, timings={"cluster": 0.1},
    ...     k_scores=pd.DataFrame({"k": [2], "inertia": [1.0], "silhouette": [0.5],
    ...                            "davies_bouldin": [0.7], "calinski_harabasz": [9.0]}),
    ...     assignments=pd.DataFrame({"customer_id": ["a", "b"], "segment_id": [0, 1],
    ...                               "pc1": [0.0, 1.0], "pc2": [0.0, 1.0]}),
    ...     segments=pd.DataFrame({"segment_id": [0, 1], "name": ["Low", "High"],
    ...                            "size": [1, 1], "share": [0.5, 0.5]}),
    ...     profiles=pd.DataFrame({"segment_id": [0, 1], "feature": ["spend", "spend"],
    ...                            "mean": [1.0, 3.0], "overall_mean": [2.0, 2.0],
    ...                            "lift": [0.5, 1.5], "std_diff": [-1.0, 1.0]}),
    ... )
    >>> page = report_html(record)
    >>> page.startswith("<!DOCTYPE html>"), "Segmentation report: demo" in page
    (True, True)
    """
    project, subtitle = _title(record)
    meta: dict[str, Any] = {"run_id": record.run_id, **record.meta}
    sections = {
        "summary": ("Summary", _summary(record)),
        "at-a-glance": ("Segments at a glance", _glance(record)),
        "k-selection": ("Choosing the number of segments", _k_selection(record)),
        "segments": ("Segments", _segments_table(record)),
        "sizes": (
            "Segment sizes",
            _figure_div(segment_sizes_figure(record.segments), "fig-sizes"),
        ),
        "pca": ("Customers on the principal components", _pca_scatter(record, max_points)),
        "variables": ("Variable analysis", _variables(record)),
        "quality": ("Data quality", quality_html(record.quality)),
        "metadata": (
            "Run metadata and timings",
            structure_html(meta) + "<h3>Timings (seconds)</h3>" + _timings_table(record.timings),
        ),
    }
    body = "".join(
        f'<section id="{sid}"><h2>{_esc(sections[sid][0])}</h2>{sections[sid][1]}</section>'
        for sid in SECTION_IDS
    )
    title = f"Segmentation report: {project}"
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{_esc(title)} ({_esc(subtitle)})</title>\n<style>{_CSS}</style>\n"
        "<script>window.PlotlyConfig = {MathJaxConfig: 'local'};</script>\n"
        f"<script>{get_plotlyjs()}</script>\n</head>\n<body>\n<main>\n"
        f'<header id="title"><h1>{_esc(title)}</h1>'
        f'<p class="subtitle">{_esc(subtitle)}</p></header>\n'
        f"{body}\n</main>\n</body>\n</html>\n"
    )


def render_report(record: RunRecord, path: str | Path, *, max_points: int = 5_000) -> Path:
    """Write the self-contained HTML report of one run to ``path``, atomically.

    The page is built in memory first, then written to a temporary file beside ``path`` and
    renamed over it, so a failure never leaves a half-written report and an older report at
    ``path`` survives intact.

    Parameters
    ----------
    record
        The run to report.
    path
        Destination ``.html`` file; missing parent directories are created.
    max_points
        Most customers drawn in the PCA scatter (see :func:`report_html`).

    Returns
    -------
    pathlib.Path
        The written file.

    Raises
    ------
    SchemaError
        If a table of the record lacks a column the report needs (nothing is written).
    SegmentationError
        If the file cannot be written, naming the path.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> import pandas as pd
    >>> from user_segmentation.records import (
    ...     ASSIGNMENT_COLUMNS, K_SCORE_COLUMNS, PROFILE_COLUMNS, SEGMENT_COLUMNS, RunRecord)
    >>> record = RunRecord(  # an empty run; see report_html for one with data
    ...     meta={"project": "demo"}, quality={}, selection={}, model={}, timings={},
    ...     k_scores=pd.DataFrame(columns=K_SCORE_COLUMNS),
    ...     assignments=pd.DataFrame(columns=ASSIGNMENT_COLUMNS),
    ...     segments=pd.DataFrame(columns=SEGMENT_COLUMNS),
    ...     profiles=pd.DataFrame(columns=PROFILE_COLUMNS))
    >>> out = render_report(record, pathlib.Path(tempfile.mkdtemp()) / "run.html")
    >>> out.stat().st_size > 1_000_000  # plotly.js is inlined
    True
    """
    page = report_html(record, max_points=max_points)
    return write_text_atomic(path, page)
