"""Plotly figures of one run: pure functions from run-record tables to ``go.Figure``.

Every label that comes from user data (customer ids, segment and feature names) is escaped with
:func:`~user_segmentation.report.labels.plotly_text`, so Plotly shows it literally instead of
reading it as markup.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from user_segmentation.errors import SchemaError
from user_segmentation.report.labels import plotly_text, segment_colours, segment_labels
from user_segmentation.report.traits import format_std_diff
from user_segmentation.report.validation import require_columns

logger = logging.getLogger(__name__)

TEMPLATE = "plotly_white"
RECOMMENDED_COLOUR = "#d62728"
ELBOW_COLOUR = "#2ca02c"

# (column, panel title, y-axis title, error column), in panel order: row-major over a 2-column
# grid. The first four are always drawn; the others only when the run computed them.
_K_PANELS = [
    ("inertia", "Inertia (lower is better; look for the elbow)", "inertia", None),
    ("silhouette", "Silhouette (higher is better)", "silhouette", None),
    ("davies_bouldin", "Davies-Bouldin (lower is better)", "Davies-Bouldin index", None),
    (
        "calinski_harabasz",
        "Calinski-Harabasz (higher is better)",
        "Calinski-Harabasz index",
        None,
    ),
    ("gap", "Gap statistic ± s_k (first k with Gap(k) ≥ Gap(k+1) − s_k+1)", "gap", "gap_se"),
    ("bic", "Gaussian-mixture BIC (lower is better)", "BIC", None),
    (
        "stability_jaccard",
        "Bootstrap stability (mean Jaccard; > 0.85 highly stable)",
        "mean Jaccard",
        None,
    ),
]
_ALWAYS = 4


def _finite(column: pd.Series) -> pd.Series:
    """``column`` as floats, with NaN for anything missing or infinite (drawn as a gap)."""
    values = pd.to_numeric(column, errors="coerce").astype(float)
    return values.where(np.isfinite(values))


def _points(values: pd.Series) -> list[float | None]:
    """Plain floats for Plotly, ``None`` (a gap) where a value is missing."""
    return [float(v) if math.isfinite(v) else None for v in values]


def _value_at(frame: pd.DataFrame, column: str, k: int) -> float | None:
    """The finite value of ``column`` at ``k``, or ``None``."""
    rows = frame.loc[frame["k"] == k, column]
    if rows.empty:
        return None
    value = float(rows.iloc[0])
    return value if math.isfinite(value) else None


def k_selection_figure(
    k_scores: pd.DataFrame, recommended_k: int, elbow_k: int | None
) -> go.Figure:
    """Plot each k-selection index against k, one panel per index, marking the recommended k.

    Parameters
    ----------
    k_scores
        One row per k with ``k``, ``inertia``, ``silhouette``, ``davies_bouldin`` and
        ``calinski_harabasz`` (missing scores may be NaN and show as gaps); optionally
        ``silhouette_low``/``silhouette_high`` (drawn as the sampled silhouette's interval),
        ``gap``/``gap_se``, ``bic`` and ``stability_jaccard``, each drawn in a panel of its
        own when it holds a finite value.
    recommended_k
        The k chosen; drawn as a dashed vertical line in every panel and as a ringed marker
        on each curve.
    elbow_k
        The elbow of the inertia curve, marked on the inertia panel; ``None`` when no elbow
        was found.

    Returns
    -------
    plotly.graph_objects.Figure
        A two-column grid: inertia, silhouette, Davies-Bouldin, Calinski-Harabasz, then gap,
        BIC and stability when present. The marker traces are named
        ``"recommended k = <k>"`` and ``"elbow k = <k>"``.

    Raises
    ------
    SchemaError
        If a score column is missing.

    Examples
    --------
    >>> import pandas as pd
    >>> scores = pd.DataFrame({
    ...     "k": [2, 3, 4], "inertia": [90.0, 40.0, 35.0], "silhouette": [0.4, 0.6, 0.5],
    ...     "davies_bouldin": [0.9, 0.6, 0.8], "calinski_harabasz": [50.0, 80.0, 70.0],
    ... })
    >>> fig = k_selection_figure(scores, recommended_k=3, elbow_k=3)
    >>> [shape.x0 for shape in fig.layout.shapes]
    [3, 3, 3, 3]
    """
    require_columns(k_scores, ["k", *(p[0] for p in _K_PANELS[:_ALWAYS])], "k_scores")
    scores = k_scores.assign(k=k_scores["k"].astype(int)).sort_values("k", kind="mergesort")
    recommended_k = int(recommended_k)
    panels = _K_PANELS[:_ALWAYS] + [
        p for p in _K_PANELS[_ALWAYS:] if p[0] in scores and _finite(scores[p[0]]).notna().any()
    ]
    n_rows = math.ceil(len(panels) / 2)
    fig = make_subplots(
        rows=n_rows,
        cols=2,
        subplot_titles=[title for _, title, _, _ in panels],
        horizontal_spacing=0.12,
        vertical_spacing=0.4 / n_rows,
    )
    for i, (column, _, y_title, error_column) in enumerate(panels):
        row, col = i // 2 + 1, i % 2 + 1
        values = _finite(scores[column])
        error_y: dict[str, Any] | None = None
        if error_column is not None and error_column in scores:
            error_y = {"type": "data", "array": _points(_finite(scores[error_column]))}
        elif column == "silhouette" and {"silhouette_low", "silhouette_high"} <= set(scores):
            low, high = _finite(scores["silhouette_low"]), _finite(scores["silhouette_high"])
            if (high - low).fillna(0).gt(0).any():  # an interval only when sampled
                error_y = {
                    "type": "data",
                    "symmetric": False,
                    "array": _points(high - values),
                    "arrayminus": _points(values - low),
                }
        fig.add_trace(
            go.Scatter(
                x=scores["k"].tolist(),
                y=_points(values),
                error_y=error_y,
                mode="lines+markers",
                name=column,
                line={"color": "#1f77b4"},
                showlegend=False,
                hovertemplate=f"k = %{{x}}<br>{y_title} = %{{y:.4g}}<extra></extra>",
            ),
            row=row,
            col=col,
        )
        fig.add_vline(
            x=recommended_k,
            line={"color": RECOMMENDED_COLOUR, "dash": "dash", "width": 1.5},
            row=row,
            col=col,
        )
        rec_value = _value_at(scores, column, recommended_k)
        if rec_value is not None:
            fig.add_trace(
                go.Scatter(
                    x=[recommended_k],
                    y=[rec_value],
                    mode="markers",
                    name=f"recommended k = {recommended_k}",
                    legendgroup="recommended",
                    showlegend=i == 0,
                    marker={
                        "size": 14,
                        "color": "rgba(0,0,0,0)",
                        "line": {"color": RECOMMENDED_COLOUR, "width": 3},
                    },
                    hovertemplate=f"recommended k = %{{x}}<br>{y_title} = %{{y:.4g}}"
                    "<extra></extra>",
                ),
                row=row,
                col=col,
            )
        if column == "inertia" and elbow_k is not None:
            elbow_value = _value_at(scores, column, int(elbow_k))
            if elbow_value is not None:
                fig.add_trace(
                    go.Scatter(
                        x=[int(elbow_k)],
                        y=[elbow_value],
                        mode="markers",
                        name=f"elbow k = {int(elbow_k)}",
                        marker={"size": 11, "symbol": "x", "color": ELBOW_COLOUR},
                        hovertemplate="elbow k = %{x}<br>inertia = %{y:.4g}<extra></extra>",
                    ),
                    row=row,
                    col=col,
                )
        fig.update_xaxes(title_text="number of segments k", dtick=1, row=row, col=col)
        fig.update_yaxes(title_text=y_title, row=row, col=col)
    fig.update_layout(
        template=TEMPLATE,
        height=320 * n_rows,
        title={"text": f"Choosing k: recommended k = {recommended_k}"},
        legend={"orientation": "h", "yanchor": "bottom", "y": -0.36 / n_rows, "x": 0},
        margin={"t": 90},
    )
    return fig


def _allocate(sizes: np.ndarray, total: int) -> np.ndarray:
    """Split ``total`` sample slots over groups in proportion to ``sizes`` (largest remainder).

    Written by hand because scikit-learn's stratified splitters refuse groups of one member.
    """
    exact = sizes * (total / sizes.sum())
    quotas = np.floor(exact).astype(int)
    short = total - int(quotas.sum())
    order = np.argsort(-(exact - quotas), kind="stable")
    quotas[order[:short]] += 1
    # A small segment would vanish from the picture; lend it one point from the largest quota.
    if total >= len(sizes):
        for i in np.flatnonzero((quotas == 0) & (sizes > 0)):
            j = int(np.argmax(quotas))
            quotas[j] -= 1
            quotas[i] = 1
    return quotas


def stratified_sample(
    assignments: pd.DataFrame, max_points: int, random_state: int | None = 0
) -> pd.DataFrame:
    """Return at most ``max_points`` rows, each segment in proportion to its size.

    Rows are put in (segment, customer id) order before drawing, so the same customers are
    drawn whatever the input's row order. Every segment keeps at least one row when
    ``max_points`` allows. The input is returned unchanged when it is small enough.

    Parameters
    ----------
    assignments
        Table with ``segment_id`` and ``customer_id``.
    max_points
        Largest number of rows to return (>= 1).
    random_state
        Seed of the draw.

    Raises
    ------
    ValueError
        If ``max_points`` is below 1.

    Examples
    --------
    >>> import pandas as pd
    >>> a = pd.DataFrame({"customer_id": [str(i) for i in range(10)],
    ...                   "segment_id": [0] * 8 + [1] * 2})
    >>> stratified_sample(a, 5)["segment_id"].value_counts().sort_index().tolist()
    [4, 1]
    """
    if max_points < 1:
        raise ValueError(f"max_points must be at least 1, got {max_points}")
    if len(assignments) <= max_points:
        return assignments
    ordered = assignments.assign(_cid=assignments["customer_id"].astype(str)).sort_values(
        ["segment_id", "_cid"], kind="mergesort"
    )
    groups = list(ordered.groupby("segment_id", sort=True))
    sizes = np.array([len(g) for _, g in groups], dtype=float)
    quotas = _allocate(sizes, max_points)
    rng = np.random.default_rng(random_state)
    parts = []
    for (_, group), quota in zip(groups, quotas, strict=True):
        chosen = np.sort(rng.choice(len(group), size=int(quota), replace=False))
        parts.append(group.iloc[chosen])
    return pd.concat(parts).drop(columns="_cid")


def pca_scatter_figure(
    assignments: pd.DataFrame,
    segments: pd.DataFrame,
    *,
    max_points: int = 5_000,
    random_state: int | None = 0,
    explained_variance: list[float] | None = None,
) -> go.Figure:
    """Scatter customers on the first two principal components, coloured by segment.

    Above ``max_points`` customers a stratified, seeded sample is drawn (see
    :func:`stratified_sample`) and the title says how many of how many are shown.

    Parameters
    ----------
    assignments
        One row per customer with ``customer_id``, ``segment_id``, ``pc1`` and ``pc2``.
        When ``pc2`` is entirely missing (one component), points are drawn at ``pc2 = 0``.
    segments
        One row per segment with ``segment_id`` and ``name`` (the legend).
    max_points
        Most points drawn, which keeps the report small for large runs.
    random_state
        Seed of the sample.
    explained_variance
        Optional share of variance of each component, added to the axis titles.

    Returns
    -------
    plotly.graph_objects.Figure
        One trace per segment (named by segment); hovering shows customer id and segment.

    Examples
    --------
    >>> import pandas as pd
    >>> a = pd.DataFrame({"customer_id": ["a", "b", "c"], "segment_id": [0, 0, 1],
    ...                   "pc1": [0.1, 0.2, 1.5], "pc2": [0.0, 0.1, -0.4]})
    >>> s = pd.DataFrame({"segment_id": [0, 1], "name": ["Casual", "Loyal"]})
    >>> fig = pca_scatter_figure(a, s, max_points=2)
    >>> fig.layout.title.text
    'Customers on the first two principal components: 2 of 3 shown (stratified sample)'
    """
    require_columns(assignments, ["customer_id", "segment_id", "pc1", "pc2"], "assignments")
    total = len(assignments)
    shown = stratified_sample(assignments, max_points, random_state)
    if len(shown) < total:
        logger.info(
            "PCA scatter shows a stratified sample of %d of %d customers", len(shown), total
        )
        subtitle = f"{len(shown):,} of {total:,} shown (stratified sample)"
    else:
        subtitle = f"all {total:,} shown"
    labels = segment_labels(segments, extra_ids=assignments["segment_id"].unique())
    colours = segment_colours(labels)
    pc2_all_missing = bool(shown["pc2"].isna().all()) and len(shown) > 0
    fig = go.Figure()
    for seg_id, part in shown.groupby(shown["segment_id"].astype(int), sort=True):
        label = labels[int(seg_id)]
        y = np.zeros(len(part)) if pc2_all_missing else part["pc2"].to_numpy(dtype=float)
        customdata = np.column_stack(
            [
                [plotly_text(c) for c in part["customer_id"]],
                np.full(len(part), plotly_text(label), dtype=object),
            ]
        )
        fig.add_trace(
            go.Scatter(
                x=part["pc1"].to_numpy(dtype=float),
                y=y,
                mode="markers",
                name=plotly_text(label),
                marker={"color": colours[int(seg_id)], "size": 6, "opacity": 0.75},
                customdata=customdata,
                hovertemplate="customer %{customdata[0]}<br>segment %{customdata[1]}"
                "<br>pc1 = %{x:.3f}<br>pc2 = %{y:.3f}<extra></extra>",
            )
        )

    def axis_title(i: int) -> str:
        title = f"principal component {i + 1}"
        if explained_variance is not None and i < len(explained_variance):
            title += f" ({float(explained_variance[i]):.1%} of variance)"
        if i == 1 and pc2_all_missing:
            title += " (not available: one component)"
        return title

    fig.update_layout(
        template=TEMPLATE,
        height=560,
        title={"text": f"Customers on the first two principal components: {subtitle}"},
        xaxis_title=axis_title(0),
        yaxis_title=axis_title(1),
        legend_title_text="segment",
    )
    return fig


def segment_sizes_figure(segments: pd.DataFrame) -> go.Figure:
    """Bar chart of segment sizes, each bar labelled with its share of customers.

    Parameters
    ----------
    segments
        One row per segment with ``segment_id``, ``name``, ``size`` and ``share``.

    Returns
    -------
    plotly.graph_objects.Figure
        One bar trace, segments in id order.

    Examples
    --------
    >>> import pandas as pd
    >>> s = pd.DataFrame({"segment_id": [0, 1], "name": ["Casual", "Loyal"],
    ...                   "size": [30, 10], "share": [0.75, 0.25]})
    >>> list(segment_sizes_figure(s).data[0].text)
    ['75.0%', '25.0%']
    """
    require_columns(segments, ["segment_id", "name", "size", "share"], "segments")
    ordered = segments.sort_values("segment_id", kind="mergesort")
    labels = segment_labels(ordered)
    colours = segment_colours(labels)
    ids = [int(s) for s in ordered["segment_id"]]
    shares = pd.to_numeric(ordered["share"], errors="coerce").astype(float)
    fig = go.Figure(
        go.Bar(
            x=[plotly_text(labels[s]) for s in ids],
            y=ordered["size"].astype(int).tolist(),
            text=[f"{v:.1%}" if math.isfinite(v) else "" for v in shares],
            textposition="outside",
            marker={"color": [colours[s] for s in ids]},
            hovertemplate="%{x}<br>%{y:,} customers (%{text})<extra></extra>",
            name="customers",
        )
    )
    fig.update_layout(
        template=TEMPLATE,
        height=420,
        title={"text": "Segment sizes"},
        xaxis_title="segment",
        yaxis_title="customers",
        showlegend=False,
    )
    fig.update_xaxes(type="category")
    return fig


def stability_figure(segments: pd.DataFrame) -> go.Figure:
    """Bar chart of each segment's bootstrap stability, with Hennig's reading marked.

    Parameters
    ----------
    segments
        One row per segment with ``segment_id``, ``name`` and ``stability`` (bootstrap mean
        Jaccard; NaN when not computed).

    Returns
    -------
    plotly.graph_objects.Figure
        One bar per segment and dotted lines at 0.6 (below: the segment dissolves), 0.75
        (stable) and 0.85 (highly stable).

    Examples
    --------
    >>> import pandas as pd
    >>> s = pd.DataFrame({"segment_id": [1, 2], "name": ["A", "B"], "stability": [0.9, 0.5]})
    >>> list(stability_figure(s).data[0].y)
    [0.9, 0.5]
    """
    require_columns(segments, ["segment_id", "name", "stability"], "segments")
    ordered = segments.sort_values("segment_id", kind="mergesort")
    labels = segment_labels(ordered)
    colours = segment_colours(labels)
    ids = [int(s) for s in ordered["segment_id"]]
    fig = go.Figure(
        go.Bar(
            x=[plotly_text(labels[s]) for s in ids],
            y=_points(_finite(ordered["stability"])),
            marker={"color": [colours[s] for s in ids]},
            hovertemplate="%{x}<br>mean Jaccard %{y:.2f}<extra></extra>",
            name="stability",
        )
    )
    for level, text in ((0.6, "dissolves below"), (0.75, "stable"), (0.85, "highly stable")):
        fig.add_hline(
            y=level,
            line={"dash": "dot", "color": "#888", "width": 1},
            annotation_text=f"{level} {text}",
            annotation_position="bottom right",
        )
    fig.update_layout(
        template=TEMPLATE,
        height=380,
        title={"text": "Segment stability under resampling (bootstrap mean Jaccard)"},
        xaxis_title="segment",
        yaxis={"title": "mean Jaccard", "range": [0, 1.05]},
        showlegend=False,
    )
    fig.update_xaxes(type="category")
    return fig


def dendrogram_figure(data: dict[str, Any]) -> go.Figure:
    """The top of the Ward tree, with the cut that gives the run's k segments.

    Parameters
    ----------
    data
        What :func:`~user_segmentation.cluster.dendrogram_data` returns: ``icoord``,
        ``dcoord``, ``leaf_labels``, ``cut_height`` and ``k``.

    Returns
    -------
    plotly.graph_objects.Figure
        One line trace per merge, a dashed line at the cut, leaves labelled with their
        number of customers.

    Examples
    --------
    >>> data = {"icoord": [[5, 5, 15, 15]], "dcoord": [[0, 2, 2, 0]], "leaf_labels": [3, 4],
    ...         "cut_height": 1.0, "k": 2}
    >>> fig = dendrogram_figure(data)
    >>> len(fig.data), fig.layout.shapes[0].y0
    (1, 1.0)
    """
    fig = go.Figure()
    for xs, ys in zip(data["icoord"], data["dcoord"], strict=True):
        fig.add_trace(
            go.Scatter(
                x=xs,
                y=ys,
                mode="lines",
                line={"color": "#4c72b0", "width": 1.5},
                hoverinfo="skip",
                showlegend=False,
            )
        )
    fig.add_hline(
        y=float(data["cut_height"]),
        line={"dash": "dash", "color": RECOMMENDED_COLOUR, "width": 1.5},
        annotation_text=f"cut: k = {int(data['k'])} segments",
        annotation_position="top right",
    )
    leaves = data["leaf_labels"]
    fig.update_layout(
        template=TEMPLATE,
        height=420,
        title={"text": f"Ward dendrogram (top {len(leaves)} clusters)"},
        xaxis={
            "tickmode": "array",
            "tickvals": [5 + 10 * i for i in range(len(leaves))],
            "ticktext": [f"{n:,}" for n in leaves],
            "title": "customers in each cluster",
        },
        yaxis_title="merge height (Ward)",
    )
    return fig


#: The heatmap's colour range never extends past this many standard deviations either side:
#: beyond it a difference is plainly large, and one extreme cell must not wash out the rest.
HEATMAP_STD_CAP = 2.5
#: ...nor stops short of this many, so segments close to average stay pale, not saturated.
HEATMAP_STD_FLOOR = 1.0


def _short_number(value: float) -> str:
    """A compact cell label: 3 significant digits, thousands separated."""
    if not math.isfinite(value):
        return ""
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:.3g}"


def profile_heatmap_figure(profiles: pd.DataFrame, segments: pd.DataFrame) -> go.Figure:
    """Heatmap of segments × features coloured by standardised difference, cells showing means.

    The standardised difference ``std_diff`` is (segment mean − overall mean) / overall
    standard deviation, so every feature is on one scale: how many standard deviations the
    segment sits above (red) or below (blue) the average customer. The diverging colour scale
    is centred at 0 and symmetric; it spans the largest ``|std_diff|`` of the run, but at
    least ±:data:`HEATMAP_STD_FLOOR` and at most ±:data:`HEATMAP_STD_CAP` (larger values take
    the end colour). Each cell's text is the segment mean; hovering shows the segment mean,
    overall mean, lift and standardised difference. Features keep the order in which they
    first appear in ``profiles``; segments are in id order, top to bottom.

    Parameters
    ----------
    profiles
        Long table with ``segment_id``, ``feature``, ``mean``, ``overall_mean``, ``lift`` and
        ``std_diff``.
    segments
        One row per segment with ``segment_id`` and ``name`` (the row labels).

    Returns
    -------
    plotly.graph_objects.Figure
        One heatmap trace: ``z`` is ``std_diff`` (left blank where missing, e.g. a constant
        feature, or infinite), ``text`` the segment mean.

    Raises
    ------
    SchemaError
        If a column is missing or a (segment, feature) pair occurs twice.

    Examples
    --------
    >>> import pandas as pd
    >>> p = pd.DataFrame({"segment_id": [0, 0, 1, 1], "feature": ["recency", "spend"] * 2,
    ...                   "mean": [10.0, 50.0, 30.0, 150.0], "median": [9.0, 40.0, 31.0, 140.0],
    ...                   "overall_mean": [20.0, 100.0] * 2, "lift": [0.5, 0.5, 1.5, 1.5],
    ...                   "std_diff": [-1.0, -0.5, 1.0, 0.5]})
    >>> s = pd.DataFrame({"segment_id": [0, 1], "name": ["Casual", "Loyal"]})
    >>> fig = profile_heatmap_figure(p, s)
    >>> list(fig.data[0].x), fig.data[0].text[1], fig.data[0].zmax
    (['recency', 'spend'], ['30', '150'], 1.0)
    """
    require_columns(
        profiles,
        ["segment_id", "feature", "mean", "overall_mean", "lift", "std_diff"],
        "profiles",
    )
    frame = profiles.assign(
        segment_id=profiles["segment_id"].astype(int), feature=profiles["feature"].astype(str)
    )
    duplicated = frame.duplicated(["segment_id", "feature"])
    if duplicated.any():
        first = frame[duplicated].iloc[0]
        raise SchemaError(
            f"run record table 'profiles' has more than one row for segment "
            f"{first['segment_id']}, feature {first['feature']!r}"
        )
    features = list(pd.unique(frame["feature"]))
    labels = segment_labels(segments, extra_ids=frame["segment_id"].unique())
    seg_ids = sorted(int(s) for s in frame["segment_id"].unique())

    def grid(column: str) -> np.ndarray:
        wide = frame.pivot(index="segment_id", columns="feature", values=column)
        wide = wide.reindex(index=seg_ids, columns=features)
        values = wide.apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float)
        return np.where(np.isfinite(values), values, np.nan)

    std_diff = grid("std_diff")
    means = grid("mean")
    overall = grid("overall_mean")
    lift = grid("lift")
    finite = np.abs(std_diff[np.isfinite(std_diff)])
    largest = float(finite.max()) if finite.size else 0.0
    spread = min(HEATMAP_STD_CAP, max(HEATMAP_STD_FLOOR, largest))

    def cells(fmt: Callable[[float], str], values: np.ndarray) -> np.ndarray:
        return np.vectorize(fmt, otypes=[object])(values)

    text = cells(_short_number, means)
    customdata = np.dstack(
        [
            text,
            cells(_short_number, overall),
            cells(lambda v: f"{v:.2f}" if math.isfinite(v) else "n/a", lift),
            cells(lambda v: format_std_diff(v, digits=2), std_diff),
        ]
    )
    fig = go.Figure(
        go.Heatmap(
            z=[[v if math.isfinite(v) else None for v in row] for row in std_diff],
            x=[plotly_text(f) for f in features],
            y=[plotly_text(labels[s]) for s in seg_ids],
            text=text.tolist(),
            texttemplate="%{text}",
            customdata=customdata,
            colorscale="RdBu_r",
            zmin=-spread,
            zmax=spread,
            zmid=0.0,
            colorbar={
                "title": {"text": "standardised<br>difference (sd)"},
                "ticksuffix": " sd",
            },
            hovertemplate="segment %{y}<br>feature %{x}<br>segment mean %{customdata[0]}"
            "<br>overall mean %{customdata[1]}<br>lift %{customdata[2]}"
            "<br>standardised difference %{customdata[3]}<extra></extra>",
            xgap=1,
            ygap=1,
        )
    )
    fig.update_layout(
        template=TEMPLATE,
        height=max(320, 110 + 48 * len(seg_ids)),
        title={
            "text": "Segment profiles: standard deviations from the average customer "
            "(cells: segment mean)"
        },
        xaxis={"title": {"text": "feature"}, "type": "category", "tickangle": -30},
        yaxis={"title": {"text": "segment"}, "type": "category", "autorange": "reversed"},
    )
    return fig
