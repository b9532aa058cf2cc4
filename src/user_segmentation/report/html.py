"""A self-contained HTML report of one run, built from its :class:`RunRecord` alone.

The page opens offline: plotly.js is inlined once in ``<head>`` and every figure is a ``<div>``
plus an inline script that draws it. All text from the record is HTML-escaped; figure data is
embedded as JSON that Plotly escapes for use inside ``<script>``.
"""

from __future__ import annotations

import html
import logging
import math
from pathlib import Path
from typing import Any

import plotly.graph_objects as go
from plotly.offline import get_plotlyjs

from user_segmentation.records import RunRecord
from user_segmentation.report.atomic import write_text_atomic
from user_segmentation.report.figures import (
    dendrogram_figure,
    k_selection_figure,
    pca_scatter_figure,
    profile_heatmap_figure,
    segment_sizes_figure,
    stability_figure,
)
from user_segmentation.report.labels import segment_labels
from user_segmentation.report.structure import format_scalar
from user_segmentation.report.structure import to_html as structure_html
from user_segmentation.report.traits import defining_traits, format_trait
from user_segmentation.report.validation import require_columns

logger = logging.getLogger(__name__)

#: ``id`` of each ``<section>``, in the order they appear in the report.
SECTION_IDS = [
    "summary",
    "k-selection",
    "segments",
    "sizes",
    "pca",
    "profiles",
    "quality",
    "metadata",
]

_PLOTLY_CONFIG = {"displaylogo": False, "responsive": True}

_CSS = """
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
"""


def _meta(record: RunRecord, key: str, default: Any = None) -> Any:
    value = record.meta.get(key, default)
    return default if value is None else value


def _esc(value: Any) -> str:
    return html.escape(str(value))


def _num(value: Any) -> float | None:
    """``value`` as a finite float, or ``None``."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


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
        if described:
            precision, recall = _num(row.get("rule_precision")), _num(row.get("rule_recall"))
            measured = (
                f' <span class="dim">(precision {precision:.0%}, recall {recall:.0%})</span>'
                if precision is not None and recall is not None
                else ""
            )
            extra = (
                f"<td>{_esc(row.get('rule') or '—')}{measured}</td>"
                f"<td>{_esc(row.get('action') or '—')}</td>"
            )
        rows.append(
            f'<tr><td class="num">{seg}</td><td>{_esc(labels[seg])}</td>'
            f'<td class="num">{size_text}</td>'
            f'<td class="num">{share_text}</td><td>{trait_html or "—"}</td>{extra}</tr>'
        )
    heads = "<th>rule</th><th>suggested action</th>" if described else ""
    return (
        "<p>Defining traits are the three features whose segment mean departs most from the "
        "overall mean, measured in standard deviations of the whole customer base "
        "(standardised difference = (segment mean − overall mean) ÷ overall standard "
        "deviation): “+1.8 sd” is well above the average customer, “−1.2 sd” below. "
        "Constant features are left out. A rule is the shortest description a shallow decision "
        "tree finds for the segment; its precision is the share of customers matching it who "
        "are in the segment, its recall the share of the segment it matches.</p>"
        '<table class="segments"><thead><tr><th>id</th><th>name</th><th>customers</th>'
        f"<th>share</th><th>defining traits</th>{heads}</tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


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

    Parameters
    ----------
    record
        The run, as built by the pipeline or loaded from the store.
    max_points
        Most customers drawn in the PCA scatter; larger runs are shown as a stratified
        sample seeded with the run's ``seed``.

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
        "k-selection": ("Choosing the number of segments", _k_selection(record)),
        "segments": ("Segments", _segments_table(record)),
        "sizes": (
            "Segment sizes",
            _figure_div(segment_sizes_figure(record.segments), "fig-sizes"),
        ),
        "pca": ("Customers on the principal components", _pca_scatter(record, max_points)),
        "profiles": (
            "Segment profiles",
            "<p>Colour: standardised difference from the average customer, in standard "
            "deviations (red above, blue below; blank for a constant feature); cell text: the "
            "segment mean. Hover a cell for the overall mean and lift (segment mean ÷ "
            "overall mean).</p>"
            + _figure_div(profile_heatmap_figure(record.profiles, record.segments), "fig-profiles"),
        ),
        "quality": ("Data quality", structure_html(record.quality)),
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
