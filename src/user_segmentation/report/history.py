"""Figures and tables of a store's history: migration between runs, sizes over runs, drift.

Pure functions over what runs record: a transition matrix of two runs' assignments
(:func:`~user_segmentation.track.transition_matrix`), their segment tables, and the
``meta["update"]`` section a run made by ``segment update`` carries (decision, reasons, drift).
Segment names and colours follow :mod:`user_segmentation.report.labels`; every label from user
data goes through :func:`~user_segmentation.report.labels.plotly_text`.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping
from typing import Any, Literal

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from user_segmentation.errors import SchemaError
from user_segmentation.report.figures import TEMPLATE
from user_segmentation.report.labels import plotly_text, segment_colours
from user_segmentation.report.validation import require_columns
from user_segmentation.track import GONE, NEW, DriftThresholds

logger = logging.getLogger(__name__)

#: Columns of :func:`size_history`.
HISTORY_COLUMNS = ["run_id", "segment_id", "name", "size", "share"]
#: Columns of :func:`drift_table`.
DRIFT_COLUMNS = ["feature", "kind", "psi", "level"]
#: Columns of :func:`drift_indicators`.
INDICATOR_COLUMNS = ["indicator", "value", "threshold", "breached"]

_NEW_LABEL = "new customers"
_GONE_LABEL = "left the base"
_GREY = "#9e9e9e"
_LEVEL_COLOURS = {"stable": "#2ca02c", "moderate": "#ff7f0e", "major": "#d62728"}


def _rgba(colour: str, alpha: float) -> str:
    """``#rrggbb`` as ``rgba(r,g,b,alpha)`` (a link takes its source's colour, see-through)."""
    text = colour.lstrip("#")
    if len(text) != 6:
        return colour
    r, g, b = (int(text[i : i + 2], 16) for i in (0, 2, 4))
    return f"rgba({r},{g},{b},{alpha})"


def _node_label(key: Any, labels: Mapping[int, str], special: str) -> str:
    if key in (NEW, GONE):
        return special
    seg = int(key)
    return labels.get(seg, f"segment {seg}")


def migration_sankey_figure(
    counts: pd.DataFrame,
    labels_from: Mapping[int, str],
    labels_to: Mapping[int, str],
    *,
    include_stayed: bool = True,
    run_from: int | None = None,
    run_to: int | None = None,
) -> go.Figure:
    """Sankey of customers flowing from the segments of one run to those of another.

    Parameters
    ----------
    counts
        Customers by previous segment (rows) and current segment (columns): the ``counts`` of
        a :class:`~user_segmentation.track.TransitionMatrix`, with the row
        :data:`~user_segmentation.track.NEW` (customers only in the later run) and the column
        :data:`~user_segmentation.track.GONE` (only in the earlier run). Not modified.
    labels_from, labels_to
        Segment id → label (unescaped) in each run, e.g. from
        :func:`~user_segmentation.report.labels.segment_labels`; an id without a label shows
        as ``segment <id>``.
    include_stayed
        Draw the customers who kept their segment (the diagonal). Leaving them out shows the
        moves alone, which the stayers otherwise dwarf.
    run_from, run_to
        Run ids for the title.

    Returns
    -------
    plotly.graph_objects.Figure
        One ``Sankey`` trace: the earlier run's segments on the left, the later run's on the
        right; one link per non-zero cell, its value the cell's count. A figure saying so when
        no customer is left to draw.

    Raises
    ------
    SchemaError
        If a count is negative or not a whole number.

    Examples
    --------
    >>> import pandas as pd
    >>> counts = pd.DataFrame([[5, 2, 0], [0, 3, 1], [1, 0, 0]],
    ...                       index=pd.Index([1, 2, "new"], dtype=object),
    ...                       columns=pd.Index([1, 2, "gone"], dtype=object))
    >>> fig = migration_sankey_figure(counts, {1: "Loyal", 2: "Lost"}, {1: "Loyal", 2: "Lost"})
    >>> list(fig.data[0].link.value)
    [5, 2, 3, 1, 1]
    >>> list(fig.data[0].node.label)
    ['Loyal', 'Lost', 'new customers', 'Loyal', 'Lost', 'left the base']
    """
    values = counts.to_numpy()
    try:
        numbers = values.astype(float)
    except (TypeError, ValueError) as exc:
        raise SchemaError("report: transition counts must be numbers") from exc
    bad = ~np.isfinite(numbers) | (numbers < 0) | (numbers != np.round(numbers))
    if bad.any():
        i, j = (int(x) for x in np.argwhere(bad)[0])
        raise SchemaError(
            f"report: transition count from {counts.index[i]} to {counts.columns[j]} "
            f"is {values[i, j]}, not a whole number of customers"
        )
    keep = numbers > 0
    if not include_stayed:
        for i, source in enumerate(counts.index):
            for j, target in enumerate(counts.columns):
                if source not in (NEW, GONE) and source == target:
                    keep[i, j] = False
    rows = [i for i in range(len(counts.index)) if keep[i].any()]
    cols = [j for j in range(len(counts.columns)) if keep[:, j].any()]
    # The later run's segments keep the colours they have in that run's other figures; a
    # segment only in the earlier run (retired) takes the colour of its place among all ids.
    colours = {
        **segment_colours([k for k in (*counts.index, *counts.columns) if k not in (NEW, GONE)]),
        **segment_colours([k for k in counts.columns if k not in (NEW, GONE)]),
    }
    node_labels: list[str] = []
    node_colours: list[str] = []
    left: dict[int, int] = {}
    for i in rows:
        key = counts.index[i]
        left[i] = len(node_labels)
        node_labels.append(plotly_text(_node_label(key, labels_from, _NEW_LABEL)))
        node_colours.append(_GREY if key == NEW else colours[int(key)])
    right: dict[int, int] = {}
    for j in cols:
        key = counts.columns[j]
        right[j] = len(node_labels)
        node_labels.append(plotly_text(_node_label(key, labels_to, _GONE_LABEL)))
        node_colours.append(_GREY if key == GONE else colours[int(key)])
    sources, targets, link_values, link_colours = [], [], [], []
    moved = 0
    for i in rows:
        for j in cols:
            if keep[i, j]:
                if counts.index[i] != counts.columns[j]:
                    moved += int(numbers[i, j])
                sources.append(left[i])
                targets.append(right[j])
                link_values.append(int(numbers[i, j]))
                link_colours.append(_rgba(node_colours[left[i]], 0.35))
    fig = go.Figure(
        go.Sankey(
            arrangement="snap",
            node={
                "label": node_labels,
                "color": node_colours,
                "pad": 14,
                "thickness": 16,
                "hovertemplate": "%{label}<br>%{value:,} customers<extra></extra>",
            },
            link={
                "source": sources,
                "target": targets,
                "value": link_values,
                "color": link_colours,
                "hovertemplate": "%{source.label} → %{target.label}<br>%{value:,} customers"
                "<extra></extra>",
            },
        )
    )
    runs = ""
    if run_from is not None and run_to is not None:
        runs = f" from run {run_from} (left) to run {run_to} (right)"
    if not link_values:
        fig.add_annotation(
            text="no customer changed segment, arrived or left",
            showarrow=False,
            x=0.5,
            y=0.5,
            xref="paper",
            yref="paper",
        )
    fig.update_layout(
        template=TEMPLATE,
        height=max(380, 40 * max(len(rows), len(cols), 1) + 160),
        title={
            "text": f"Where customers went{runs}: {moved:,} changed segment, arrived or left"
            + ("" if include_stayed else " (customers who stayed not drawn)")
        },
    )
    return fig


def size_history(segments_by_run: Mapping[int, pd.DataFrame]) -> pd.DataFrame:
    """Stack the segment tables of several runs into one long table, runs in id order.

    Parameters
    ----------
    segments_by_run
        Run id → that run's segment table (``segment_id``, ``name``, ``size``, ``share``).
        Not modified.

    Returns
    -------
    pandas.DataFrame
        :data:`HISTORY_COLUMNS`, one row per (run, segment), sorted by run then segment.

    Raises
    ------
    SchemaError
        If a table lacks a column (naming the run).

    Examples
    --------
    >>> import pandas as pd
    >>> one = pd.DataFrame({"segment_id": [1, 2], "name": ["A", "B"], "size": [6, 4],
    ...                     "share": [0.6, 0.4]})
    >>> two = pd.DataFrame({"segment_id": [1, 3], "name": ["A", "C"], "size": [5, 7],
    ...                     "share": [5 / 12, 7 / 12]})
    >>> size_history({2: two, 1: one})[["run_id", "segment_id", "size"]].values.tolist()
    [[1, 1, 6], [1, 2, 4], [2, 1, 5], [2, 3, 7]]
    """
    parts = []
    for run_id in sorted(segments_by_run):
        table = segments_by_run[run_id]
        require_columns(table, ["segment_id", "name", "size", "share"], f"run {run_id} segments")
        parts.append(
            pd.DataFrame(
                {
                    "run_id": np.full(len(table), int(run_id), dtype=np.int64),
                    "segment_id": table["segment_id"].astype("int64").to_numpy(),
                    "name": table["name"].astype(str).to_numpy(),
                    "size": table["size"].astype("int64").to_numpy(),
                    "share": pd.to_numeric(table["share"], errors="coerce").to_numpy(float),
                }
            )
        )
    if not parts:
        return pd.DataFrame(
            {
                "run_id": pd.Series(dtype="int64"),
                "segment_id": pd.Series(dtype="int64"),
                "name": pd.Series(dtype=object),
                "size": pd.Series(dtype="int64"),
                "share": pd.Series(dtype=float),
            }
        )
    history = pd.concat(parts, ignore_index=True)
    return history.sort_values(["run_id", "segment_id"], kind="mergesort").reset_index(drop=True)


def segment_sizes_over_runs_figure(
    history: pd.DataFrame, *, measure: Literal["share", "size"] = "share"
) -> go.Figure:
    """One line per segment: its share of customers (or head count) in each run.

    A segment absent from a run (born later, or retired) has no point there, so its line
    starts or stops. A segment is labelled with its name in its latest run.

    Parameters
    ----------
    history
        The table of :func:`size_history`.
    measure
        ``"share"`` (of the run's customers) or ``"size"`` (customers).

    Returns
    -------
    plotly.graph_objects.Figure
        One ``Scatter`` trace per segment id, ascending; x is ``run <id>`` in run order.

    Raises
    ------
    SchemaError
        If a column is missing.
    ValueError
        If ``measure`` is neither ``"share"`` nor ``"size"``.

    Examples
    --------
    >>> import pandas as pd
    >>> h = pd.DataFrame({"run_id": [1, 1, 2], "segment_id": [1, 2, 1], "name": ["A", "B", "A2"],
    ...                   "size": [6, 4, 10], "share": [0.6, 0.4, 1.0]})
    >>> fig = segment_sizes_over_runs_figure(h)
    >>> [(t.name, list(t.x), list(t.y)) for t in fig.data]
    [('A2', ['run 1', 'run 2'], [0.6, 1.0]), ('B', ['run 1', 'run 2'], [0.4, None])]
    """
    if measure not in ("share", "size"):
        raise ValueError(f"measure must be 'share' or 'size', got {measure!r}")
    require_columns(history, HISTORY_COLUMNS, "size history")
    runs = sorted(int(r) for r in history["run_id"].unique())
    x = [f"run {r}" for r in runs]
    colours = segment_colours(history["segment_id"].unique())
    fig = go.Figure()
    for seg, part in history.groupby(history["segment_id"].astype(int), sort=True):
        run_of = part["run_id"].astype(int).to_numpy()
        latest = str(part["name"].to_numpy()[np.argmax(run_of)])
        values = dict(zip(run_of.tolist(), part[measure].astype(float).tolist(), strict=True))
        y: list[float | None] = []
        for r in runs:
            value = values.get(r, math.nan)
            y.append(value if math.isfinite(value) else None)
        fig.add_trace(
            go.Scatter(
                x=x,
                y=y,
                mode="lines+markers",
                name=plotly_text(latest),
                line={"color": colours[int(seg)]},
                connectgaps=False,
                hovertemplate="%{fullData.name}<br>%{x}: "
                + ("%{y:.1%}" if measure == "share" else "%{y:,} customers")
                + "<extra></extra>",
            )
        )
    fig.update_layout(
        template=TEMPLATE,
        height=420,
        title={
            "text": "Segment "
            + ("shares of customers" if measure == "share" else "sizes")
            + f" over {len(runs)} run{'s' if len(runs) != 1 else ''}"
        },
        xaxis={"title": {"text": "run"}, "type": "category"},
        yaxis={
            "title": {"text": "share of customers" if measure == "share" else "customers"},
            **({"tickformat": ".0%"} if measure == "share" else {}),
        },
        legend_title_text="segment",
    )
    return fig


def _psi_level(value: float, thresholds: DriftThresholds) -> str:
    if not math.isfinite(value):
        return "n/a"
    if value >= thresholds.psi_major:
        return "major"
    if value >= thresholds.psi_moderate:
        return "moderate"
    return "stable"


def drift_table(
    update: Mapping[str, Any] | None, thresholds: DriftThresholds | None = None
) -> pd.DataFrame:
    """Each feature's population stability index at an update, with its reading.

    Parameters
    ----------
    update
        A run's ``meta["update"]`` (``drift.psi`` is a list of ``{feature, kind, psi}``), or
        ``None`` for a run made from scratch.
    thresholds
        PSI levels for ``"moderate"`` and ``"major"``; the update's defaults when ``None``.

    Returns
    -------
    pandas.DataFrame
        :data:`DRIFT_COLUMNS`, largest PSI first; ``level`` is ``"stable"``, ``"moderate"``,
        ``"major"`` or ``"n/a"``. Empty when the update measured no drift.

    Examples
    --------
    >>> update = {"drift": {"psi": [{"feature": "spend", "kind": "numeric", "psi": 0.3},
    ...                              {"feature": "visits", "kind": "numeric", "psi": 0.12},
    ...                              {"feature": "plan", "kind": "categorical", "psi": 0.01}]}}
    >>> drift_table(update)[["feature", "level"]].values.tolist()
    [['spend', 'major'], ['visits', 'moderate'], ['plan', 'stable']]
    """
    limits = thresholds or DriftThresholds()
    drift = (update or {}).get("drift") or {}
    rows = []
    for item in drift.get("psi") or []:
        try:
            value = float(item.get("psi"))
        except (TypeError, ValueError):
            value = math.nan
        rows.append(
            {
                "feature": str(item.get("feature")),
                "kind": str(item.get("kind", "")),
                "psi": value,
                "level": _psi_level(value, limits),
            }
        )
    table = pd.DataFrame(rows, columns=DRIFT_COLUMNS).astype({"psi": float})
    order = np.argsort(-table["psi"].fillna(-1.0).to_numpy(), kind="stable")
    return table.iloc[order].reset_index(drop=True)


def drift_figure(table: pd.DataFrame, thresholds: DriftThresholds | None = None) -> go.Figure:
    """Horizontal bars of each feature's PSI, coloured by reading, with the two levels marked.

    Parameters
    ----------
    table
        The table of :func:`drift_table`.
    thresholds
        The levels drawn as dotted lines (the defaults when ``None``).

    Returns
    -------
    plotly.graph_objects.Figure
        One bar trace, features in the table's order (largest at the top). An empty table
        gives a figure that says no drift was measured.

    Examples
    --------
    >>> t = drift_table({"drift": {"psi": [{"feature": "spend", "kind": "numeric", "psi": 0.3}]}})
    >>> fig = drift_figure(t)
    >>> list(fig.data[0].x), list(fig.data[0].marker.color)
    ([0.3], ['#d62728'])
    """
    require_columns(table, DRIFT_COLUMNS, "drift")
    limits = thresholds or DriftThresholds()
    psi = pd.to_numeric(table["psi"], errors="coerce").to_numpy(dtype=float)
    fig = go.Figure(
        go.Bar(
            x=[float(v) if math.isfinite(v) else None for v in psi],
            y=[plotly_text(f) for f in table["feature"]],
            orientation="h",
            marker={"color": [_LEVEL_COLOURS.get(str(v), _GREY) for v in table["level"]]},
            customdata=table["level"].astype(str).tolist(),
            hovertemplate="%{y}<br>PSI %{x:.3f} (%{customdata})<extra></extra>",
            name="PSI",
        )
    )
    if not len(table):
        fig.add_annotation(
            text="no drift measured: this run was not made by an update",
            showarrow=False,
            x=0.5,
            y=0.5,
            xref="paper",
            yref="paper",
        )
    for level, text in ((limits.psi_moderate, "moderate"), (limits.psi_major, "major")):
        fig.add_vline(
            x=level,
            line={"dash": "dot", "color": "#888", "width": 1},
            annotation_text=f"{level:g} {text}",
            annotation_position="top",
        )
    fig.update_layout(
        template=TEMPLATE,
        height=max(300, 120 + 24 * len(table)),
        title={"text": "Feature drift since the base run (population stability index)"},
        xaxis={"title": {"text": "PSI"}, "rangemode": "tozero"},
        yaxis={"type": "category", "autorange": "reversed"},
        showlegend=False,
        margin={"l": 180},
    )
    return fig


def _number(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def drift_indicators(
    update: Mapping[str, Any] | None, thresholds: DriftThresholds | None = None
) -> pd.DataFrame:
    """The drift measures an update decided on, each beside the level that calls for a refit.

    Parameters
    ----------
    update
        A run's ``meta["update"]``, or ``None``.
    thresholds
        The refit levels; the update's defaults when ``None``.

    Returns
    -------
    pandas.DataFrame
        :data:`INDICATOR_COLUMNS`, one row per measure the update recorded: the largest
        feature PSI, the total variation of segment shares, the margin decay and the share of
        customers far from every centroid. ``breached`` is ``True`` when the value reaches the
        threshold. Empty for ``None``.

    Examples
    --------
    >>> update = {"drift": {"psi": [{"feature": "spend", "psi": 0.3}],
    ...                     "shares": {"total_variation": 0.02}, "margin_decay": None,
    ...                     "far_share": 0.06}}
    >>> drift_indicators(update).values.tolist()  # doctest: +NORMALIZE_WHITESPACE
    [['largest feature PSI (spend)', 0.3, 0.25, True],
     ['total shift of segment shares', 0.02, 0.1, False],
     ['customers far from every segment', 0.06, 0.05, True]]
    """
    limits = thresholds or DriftThresholds()
    drift = (update or {}).get("drift") or {}
    rows: list[tuple[str, float, float]] = []
    table = drift_table(update, limits)
    finite = table[np.isfinite(table["psi"])]
    if len(finite):
        top = finite.iloc[0]
        rows.append(
            (f"largest feature PSI ({top['feature']})", float(top["psi"]), limits.psi_major)
        )
    shares = drift.get("shares") or {}
    total = _number(shares.get("total_variation"))
    if total is not None:
        rows.append(("total shift of segment shares", total, limits.share_total_variation))
    decay = _number(drift.get("margin_decay"))
    if decay is not None:
        rows.append(("fall of the median margin", decay, limits.margin_decay))
    far = _number(drift.get("far_share"))
    if far is not None:
        rows.append(("customers far from every segment", far, limits.far_share))
    return pd.DataFrame(
        [(name, value, limit, value >= limit) for name, value, limit in rows],
        columns=INDICATOR_COLUMNS,
    ).astype({"value": float, "threshold": float, "breached": bool})
