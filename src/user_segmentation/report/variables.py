"""Plotly figures of the variables themselves: distributions by segment, radar, pair comparison.

Pure functions over plain DataFrames (the customer table, segment ids, statistics), so that
the static report and an interactive front end draw the same pictures. Segment names and
colours follow :mod:`user_segmentation.report.labels`, so a segment looks the same in every
figure; every label from user data goes through
:func:`~user_segmentation.report.labels.plotly_text`.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.colors import qualitative

from user_segmentation.errors import SchemaError
from user_segmentation.report.figures import TEMPLATE, _short_number, stratified_sample
from user_segmentation.report.labels import plotly_text, segment_colours, segment_labels
from user_segmentation.report.validation import require_columns

logger = logging.getLogger(__name__)


def _shown(value: object) -> str:
    """A value as a message shows it: text quoted, numbers plain (``inf``, not ``np.float64``)."""
    return repr(value) if isinstance(value, str) else str(value)


Kind = Literal["box", "violin", "histogram"]
VariableKind = Literal["numeric", "categorical"]

_KINDS = ("box", "violin", "histogram")
#: Most levels of a categorical variable drawn one by one; the rarer ones are pooled.
MAX_LEVELS = 12
OTHER_LEVEL = "(other levels)"
# Level colours differ from the segment palette so a level is never mistaken for a segment.
_LEVEL_PALETTE: list[str] = list(qualitative.Set2) + list(qualitative.Pastel1)


def variable_kinds(
    customers: pd.DataFrame, statistics: pd.DataFrame | None = None
) -> dict[str, VariableKind]:
    """Say which columns of the customer table are numeric and which categorical.

    The statistics table knows how each variable was profiled (a numeric-looking code may
    have been treated as categorical), so its ``kind`` wins; other columns are numeric when
    their dtype is a number (not boolean), categorical otherwise.

    Parameters
    ----------
    customers
        One row per customer: ``customer_id`` (skipped) and the profiled variables.
    statistics
        Optional table with ``variable`` and ``kind`` columns.

    Returns
    -------
    dict
        ``{column: "numeric" | "categorical"}`` in the column order of ``customers``.

    Examples
    --------
    >>> c = pd.DataFrame({"customer_id": ["a"], "spend": [1.0], "plan": ["gold"],
    ...                   "region": [3]})
    >>> s = pd.DataFrame({"variable": ["region"], "kind": ["categorical"]})
    >>> variable_kinds(c, s)
    {'spend': 'numeric', 'plan': 'categorical', 'region': 'categorical'}
    """
    known: dict[str, str] = {}
    if statistics is not None and {"variable", "kind"} <= set(statistics.columns):
        pairs = statistics[["variable", "kind"]].drop_duplicates("variable")
        known = {str(v): str(k) for v, k in zip(pairs["variable"], pairs["kind"], strict=True)}
    kinds: dict[str, VariableKind] = {}
    for column in customers.columns:
        name = str(column)
        if name == "customer_id":
            continue
        if known.get(name) in ("numeric", "categorical"):
            kinds[name] = "numeric" if known[name] == "numeric" else "categorical"
            continue
        dtype = customers[column].dtype
        numeric = pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype)
        kinds[name] = "numeric" if numeric else "categorical"
    return kinds


def _segment_ids(customers: pd.DataFrame, segment_ids: Any) -> np.ndarray:
    ids = np.asarray(segment_ids)
    if ids.ndim != 1 or len(ids) != len(customers):
        raise SchemaError(
            f"report: {ids.size} segment ids for {len(customers)} customers; "
            "expected one id per customer row"
        )
    if len(ids) and pd.isna(pd.Series(ids)).any():
        raise SchemaError("report: segment ids contain missing values")
    return ids.astype(np.int64)


def _sample_rows(
    customers: pd.DataFrame, ids: np.ndarray, max_points: int, random_state: int | None
) -> np.ndarray:
    """Positions of a stratified sample of customers (all of them when few enough)."""
    keys = (
        customers["customer_id"].astype(str).to_numpy()
        if "customer_id" in customers
        else np.arange(len(customers)).astype(str)
    )
    frame = pd.DataFrame({"customer_id": keys, "segment_id": ids, "_row": np.arange(len(ids))})
    rows: np.ndarray = stratified_sample(frame, max_points, random_state)["_row"].to_numpy()
    return np.sort(rows)


def _numeric_values(customers: pd.DataFrame, variable: str) -> np.ndarray:
    values = customers[variable]
    x = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)
    bad = values.notna().to_numpy() & ~np.isfinite(x)
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise SchemaError(
            f"run record table 'customers': column '{variable}' row {row}: "
            f"{_shown(values.iloc[row])} is not a finite number"
        )
    return x


def _shown_text(shown: int, total: int) -> str:
    if shown < total:
        return f"{shown:,} of {total:,} customers shown (stratified sample)"
    return f"all {total:,} customers shown"


def _numeric_trace(
    kind: Kind, values: np.ndarray, label: str, colour: str, **extra: Any
) -> go.Box | go.Violin | go.Histogram:
    # float32 halves the embedded data; seven significant digits are plenty for a picture.
    y = values.astype(np.float32)
    name = plotly_text(label)
    if kind == "violin":
        return go.Violin(
            y=y,
            name=name,
            line={"color": colour},
            box={"visible": True},
            meanline={"visible": True},
            points=False,
            **extra,
        )
    if kind == "histogram":
        return go.Histogram(
            x=y, name=name, marker={"color": colour}, opacity=0.6, histnorm="percent", **extra
        )
    return go.Box(y=y, name=name, marker={"color": colour}, boxmean=True, **extra)


def _check_kind(kind: str) -> None:
    if kind not in _KINDS:
        raise ValueError(f"kind must be one of {list(_KINDS)}, got {kind!r}")


def _categorical_figure(
    customers: pd.DataFrame,
    ids: np.ndarray,
    labels: dict[int, str],
    variable: str,
) -> go.Figure:
    text = customers[variable].astype("string").fillna("(missing)").to_numpy(dtype=object)
    counts = pd.Series(text).value_counts(sort=True)
    levels = list(counts.index[:MAX_LEVELS])
    if len(counts) > MAX_LEVELS:
        text = np.where(np.isin(text, levels), text, OTHER_LEVEL)
        levels.append(OTHER_LEVEL)
    table = pd.crosstab(ids, text)
    seg_order = [s for s in sorted(labels) if s in table.index]
    table = table.reindex(index=seg_order, columns=levels, fill_value=0)
    shares = table.div(table.sum(axis=1), axis=0)
    x = [plotly_text(labels[s]) for s in seg_order]
    fig = go.Figure()
    for i, level in enumerate(levels):
        fig.add_trace(
            go.Bar(
                x=x,
                y=shares[level].to_numpy(dtype=float),
                customdata=table[level].to_numpy(),
                name=plotly_text(level),
                marker={"color": _LEVEL_PALETTE[i % len(_LEVEL_PALETTE)]},
                # User text goes in as data, never into the template, where "%{" is syntax.
                hovertemplate="segment %{x}<br>%{fullData.name}: %{y:.1%} "
                "(%{customdata:,} customers)<extra></extra>",
            )
        )
    pooled = (
        f"; the {len(counts) - MAX_LEVELS} rarest levels pooled" if len(counts) > MAX_LEVELS else ""
    )
    fig.update_layout(
        template=TEMPLATE,
        barmode="stack",
        height=420,
        title={
            "text": f"{plotly_text(variable)} by segment: share of each level "
            f"(all {len(ids):,} customers{pooled})"
        },
        xaxis={"title": {"text": "segment"}, "type": "category"},
        yaxis={"title": {"text": "share of the segment"}, "tickformat": ".0%", "range": [0, 1]},
        legend_title_text=plotly_text(variable),
    )
    return fig


def distribution_figure(
    customers: pd.DataFrame,
    segment_ids: Any,
    segments: pd.DataFrame,
    variable: str,
    *,
    kind: Kind = "box",
    categorical: bool | None = None,
    max_points: int = 5_000,
    random_state: int | None = 0,
) -> go.Figure:
    """One variable across segments: box, violin or histogram; stacked shares for a category.

    Parameters
    ----------
    customers
        One row per customer with ``variable`` (and ``customer_id``, which seeds the sample
        order); not modified.
    segment_ids
        Segment id of each row of ``customers``, in the same order.
    segments
        One row per segment with ``segment_id`` and ``name`` (labels and colours).
    variable
        The column to draw. A numeric column (see :func:`variable_kinds`) is drawn as
        ``kind``; any other as one stacked bar per segment of the shares of its levels (the
        :data:`MAX_LEVELS` most common; the rest pooled), where ``kind`` is ignored.
    kind
        ``"box"``, ``"violin"`` or ``"histogram"`` (overlaid, each segment as percent of
        itself so that sizes do not hide shapes).
    categorical
        Draw the variable as levels (``True``) or numbers (``False``); by default from its
        dtype (:func:`variable_kinds`). A numeric code profiled as a category needs ``True``.
    max_points
        Above this many customers a numeric variable is drawn from a stratified, seeded
        sample (:func:`~user_segmentation.report.figures.stratified_sample`); the title says
        how many are shown. Level shares always use every customer (they are small to embed).
    random_state
        Seed of the sample.

    Returns
    -------
    plotly.graph_objects.Figure
        Numeric: one trace per segment, named by segment, in id order. Categorical: one bar
        trace per level.

    Raises
    ------
    SchemaError
        If ``variable`` is not a column, a numeric value is not finite, or the ids do not
        match the rows.
    ValueError
        If ``kind`` is not one of the three.

    Examples
    --------
    >>> c = pd.DataFrame({"customer_id": list("abcd"), "spend": [1.0, 2.0, 8.0, 9.0]})
    >>> s = pd.DataFrame({"segment_id": [0, 1], "name": ["Low", "High"]})
    >>> fig = distribution_figure(c, [0, 0, 1, 1], s, "spend", kind="violin")
    >>> [t.type for t in fig.data], [t.name for t in fig.data]
    (['violin', 'violin'], ['Low', 'High'])
    >>> fig.layout.title.text
    'spend by segment: all 4 customers shown'
    """
    _check_kind(kind)
    require_columns(customers, [variable], "customers")
    ids = _segment_ids(customers, segment_ids)
    labels = segment_labels(segments, extra_ids=np.unique(ids))
    if categorical is None:
        categorical = variable_kinds(customers[[variable]]).get(variable) != "numeric"
    if categorical:
        return _categorical_figure(customers, ids, labels, variable)
    colours = segment_colours(labels)
    values = _numeric_values(customers, variable)
    rows = _sample_rows(customers, ids, max_points, random_state)
    missing = int(np.isnan(values).sum())
    fig = go.Figure()
    for seg in sorted(labels):
        part = values[rows[ids[rows] == seg]]
        part = part[np.isfinite(part)]
        if part.size:
            fig.add_trace(_numeric_trace(kind, part, labels[seg], colours[seg]))
    subtitle = _shown_text(len(rows), len(ids))
    if missing:
        subtitle += f"; {missing:,} without a value left out"
    axis = {"title": {"text": plotly_text(variable)}}
    segment_axis = {"title": {"text": "segment"}, "type": "category"}
    fig.update_layout(
        template=TEMPLATE,
        height=440,
        title={"text": f"{plotly_text(variable)} by segment: {subtitle}"},
        legend_title_text="segment",
        **(
            {"xaxis": axis, "yaxis": {"title": {"text": "% of the segment"}}, "barmode": "overlay"}
            if kind == "histogram"
            else {"xaxis": segment_axis, "yaxis": axis, "showlegend": False}
        ),
    )
    return fig


def variable_explorer_figure(
    customers: pd.DataFrame,
    segment_ids: Any,
    segments: pd.DataFrame,
    *,
    variables: Sequence[str] | None = None,
    max_points: int = 2_000,
    random_state: int | None = 0,
) -> go.Figure:
    """Every numeric variable by segment in one figure, picked from a dropdown.

    For a static page with no server: all variables are embedded, one at a time visible, and
    two buttons switch every trace between box and violin (Plotly restyles the trace type,
    which leaves the chosen variable alone). The embedded data stays bounded: one stratified,
    seeded sample of at most ``max_points`` customers serves every variable.

    Parameters
    ----------
    customers
        One row per customer; not modified.
    segment_ids
        Segment id of each row of ``customers``.
    segments
        One row per segment with ``segment_id`` and ``name``.
    variables
        Numeric columns to offer, in order; default every numeric column
        (:func:`variable_kinds`).
    max_points
        Most customers embedded.
    random_state
        Seed of the sample.

    Returns
    -------
    plotly.graph_objects.Figure
        One box trace per (variable, segment), variable-major; only the first variable's are
        visible. ``layout.updatemenus[0]`` is the variable dropdown,
        ``layout.updatemenus[1]`` the box/violin buttons.

    Raises
    ------
    SchemaError
        If a variable is missing or no numeric variable is left to draw.

    Examples
    --------
    >>> c = pd.DataFrame({"customer_id": list("abcd"), "spend": [1.0, 2.0, 8.0, 9.0],
    ...                   "visits": [3.0, 4.0, 1.0, 2.0], "plan": list("xyxy")})
    >>> s = pd.DataFrame({"segment_id": [0, 1], "name": ["Low", "High"]})
    >>> fig = variable_explorer_figure(c, [0, 0, 1, 1], s)
    >>> [b.label for b in fig.layout.updatemenus[0].buttons]
    ['spend', 'visits']
    >>> [t.visible for t in fig.data]
    [True, True, False, False]
    """
    ids = _segment_ids(customers, segment_ids)
    if variables is None:
        variables = [v for v, k in variable_kinds(customers).items() if k == "numeric"]
    require_columns(customers, list(variables), "customers")
    if not variables:
        raise SchemaError("report: the customer table has no numeric variable to draw")
    labels = segment_labels(segments, extra_ids=np.unique(ids))
    colours = segment_colours(labels)
    rows = _sample_rows(customers, ids, max_points, random_state)
    sample_ids = ids[rows]
    fig = go.Figure()
    owner: list[int] = []  # variable index of each trace
    for i, variable in enumerate(variables):
        values = _numeric_values(customers, variable)[rows]
        for seg in sorted(labels):
            part = values[(sample_ids == seg) & np.isfinite(values)]
            if not part.size:
                continue
            fig.add_trace(
                _numeric_trace(
                    "box", part, labels[seg], colours[seg], visible=i == 0, legendgroup=str(seg)
                )
            )
            owner.append(i)
    shown = _shown_text(len(rows), len(ids))

    def title(variable: str) -> str:
        return f"{plotly_text(variable)} by segment: {shown}"

    dropdown = [
        {
            "label": plotly_text(variable),
            "method": "update",
            "args": [
                {"visible": [o == i for o in owner]},
                {"title.text": title(variable), "yaxis.title.text": plotly_text(variable)},
            ],
        }
        for i, variable in enumerate(variables)
    ]
    kind_buttons = [
        {"label": "box", "method": "restyle", "args": [{"type": "box"}]},
        {
            "label": "violin",
            "method": "restyle",
            "args": [
                {"type": "violin", "box.visible": True, "meanline.visible": True, "points": False}
            ],
        },
    ]
    fig.update_layout(
        template=TEMPLATE,
        height=500,
        title={"text": title(variables[0]), "y": 0.97},
        xaxis={"title": {"text": "segment"}, "type": "category"},
        yaxis={"title": {"text": plotly_text(variables[0])}},
        legend_title_text="segment",
        margin={"t": 120},
        updatemenus=[
            {
                "buttons": dropdown,
                "direction": "down",
                "showactive": True,
                "x": 0,
                "xanchor": "left",
                "y": 1.16,
                "yanchor": "top",
            },
            {
                "type": "buttons",
                "buttons": kind_buttons,
                "direction": "right",
                "showactive": True,
                "x": 0.45,
                "xanchor": "left",
                "y": 1.16,
                "yanchor": "top",
            },
        ],
    )
    return fig


def _segment_column(table: pd.DataFrame, name: str) -> pd.DataFrame:
    # segment_statistics names the column "segment"; the run record "segment_id".
    if "segment_id" not in table and "segment" in table:
        table = table.rename(columns={"segment": "segment_id"})
    require_columns(table, ["segment_id", "feature", "std_diff"], name)
    return table


def radar_figure(
    statistics_or_profiles: pd.DataFrame,
    segments: pd.DataFrame,
    segment_ids: Sequence[int] | None = None,
    features: Sequence[str] | None = None,
    n_features: int = 8,
) -> go.Figure:
    """Radar of the segments' standardised differences over their most distinguishing features.

    Parameters
    ----------
    statistics_or_profiles
        Long table with ``segment_id`` (or ``segment``), ``feature`` and ``std_diff``: the
        statistics table (difference from the *rest* of the base; recognised by its
        ``rest_mean`` column) or the profile table (difference from the average customer).
    segments
        One row per segment with ``segment_id`` and ``name``.
    segment_ids
        Segments to draw; default all in the table.
    features
        Features to draw, in order around the circle; default the ``n_features`` with the
        largest ``|std_diff|`` in any drawn segment (ties keep the table's order).
    n_features
        How many features to pick when ``features`` is not given.

    Returns
    -------
    plotly.graph_objects.Figure
        One ``Scatterpolar`` trace per segment (named and coloured as everywhere else, so the
        legend toggles segments), then a dashed ring at 0 (the reference).

    Raises
    ------
    SchemaError
        If a column, a segment or a feature is missing, or a (segment, feature) pair repeats.

    Examples
    --------
    >>> p = pd.DataFrame({"segment_id": [0, 0, 0, 1, 1, 1],
    ...                   "feature": ["recency", "frequency", "monetary"] * 2,
    ...                   "std_diff": [0.2, -1.0, -0.5, -0.2, 1.0, 2.0]})
    >>> s = pd.DataFrame({"segment_id": [0, 1], "name": ["Casual", "Loyal"]})
    >>> fig = radar_figure(p, s, n_features=2)
    >>> [t.name for t in fig.data], list(fig.data[1].theta), list(fig.data[1].r)
    (['Casual', 'Loyal', 'reference (0 sd)'], ['monetary', 'frequency', 'monetary'], [2.0, 1.0, 2.0])
    """  # noqa: E501
    table = _segment_column(statistics_or_profiles, "statistics")
    frame = pd.DataFrame(
        {
            "segment_id": table["segment_id"].astype(int).to_numpy(),
            "feature": table["feature"].astype(str).to_numpy(),
            "std_diff": pd.to_numeric(table["std_diff"], errors="coerce").to_numpy(dtype=float),
        }
    )
    repeated = frame.duplicated(["segment_id", "feature"])
    if repeated.any():
        first = frame[repeated].iloc[0]
        raise SchemaError(
            f"report: more than one row for segment {first['segment_id']}, "
            f"feature {first['feature']!r}"
        )
    present = sorted(int(s) for s in frame["segment_id"].unique())
    chosen = present if segment_ids is None else [int(s) for s in segment_ids]
    absent = [s for s in chosen if s not in present]
    if absent:
        raise SchemaError(f"report: segment(s) {absent} not in the table; it has {present}")
    wide = frame.pivot(index="segment_id", columns="feature", values="std_diff")
    order = list(pd.unique(frame["feature"]))
    wide = wide.reindex(index=chosen, columns=order)
    if features is None:
        strength = wide.abs().max(axis=0, skipna=True).dropna()
        ranked = sorted(strength.index, key=lambda f: (-strength[f], order.index(f)))
        features = ranked[:n_features]
    else:
        unknown = [f for f in features if f not in order]
        if unknown:
            raise SchemaError(f"report: feature(s) {unknown} not in the table")
    features = list(features)
    labels = segment_labels(segments, extra_ids=present)
    colours = segment_colours(labels)
    against_rest = "rest_mean" in table
    reference = "the rest of the base" if against_rest else "the average customer"
    theta = [plotly_text(f) for f in features]
    fig = go.Figure()
    values = wide.reindex(columns=features).to_numpy(dtype=float)
    for seg, row in zip(chosen, values, strict=True):
        r = [float(v) if math.isfinite(v) else None for v in row]
        fig.add_trace(
            go.Scatterpolar(
                r=[*r, r[0]] if r else r,
                theta=[*theta, theta[0]] if theta else theta,
                name=plotly_text(labels[seg]),
                mode="lines+markers",
                fill="toself",
                opacity=0.75,
                line={"color": colours[seg]},
                hovertemplate="%{fullData.name}<br>%{theta}: %{r:+.2f} sd<extra></extra>",
            )
        )
    fig.add_trace(
        go.Scatterpolar(
            r=[0.0] * (len(theta) + 1) if theta else [],
            theta=[*theta, theta[0]] if theta else [],
            name="reference (0 sd)",
            mode="lines",
            line={"color": "#555", "dash": "dash", "width": 1},
            hoverinfo="skip",
        )
    )
    finite = np.abs(values[np.isfinite(values)])
    reach = max(1.0, float(finite.max()) if finite.size else 0.0) * 1.1
    fig.update_layout(
        template=TEMPLATE,
        height=560,
        title={
            "text": "Segments over their most distinguishing features: standardised "
            f"difference from {reference}"
        },
        polar={"radialaxis": {"range": [-reach, reach], "ticksuffix": " sd", "angle": 90}},
        legend_title_text="segment (click to hide)",
    )
    return fig


def _value_text(value: Any, kind: Any) -> str:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return "n/a"
    if not math.isfinite(number):
        return "n/a"
    return f"{number:.1%}" if kind == "categorical" else _short_number(number)


def comparison_figure(
    comparison_frame: pd.DataFrame,
    name_a: str,
    name_b: str,
    *,
    colours: tuple[str, str] = ("#636EFA", "#EF553B"),
    n_features: int = 15,
    alpha: float = 0.05,
) -> go.Figure:
    """Diverging bars of the effect sizes between two segments, strongest at the top.

    Parameters
    ----------
    comparison_frame
        The table of :func:`~user_segmentation.profile.compare.compare_segments` (at least
        ``feature`` and ``effect``; ``mean_a``, ``mean_b``, ``kind``, ``effect_measure`` and
        ``p_adjusted`` enrich the hover text).
    name_a, name_b
        The segments' labels (unescaped).
    colours
        Colours of ``a`` and ``b``: a bar takes the colour of the segment that is higher.
    n_features
        Most bars drawn (largest ``|effect|`` first).
    alpha
        Bars whose adjusted p-value is not below ``alpha`` are drawn pale.

    Returns
    -------
    plotly.graph_objects.Figure
        One horizontal bar trace; positive effects (``a`` higher) to the right. An empty
        table gives an empty figure that says so.

    Examples
    --------
    >>> c = pd.DataFrame({"feature": ["spend", "plan=a"], "effect": [-1.5, 0.4],
    ...                   "p_adjusted": [0.001, 0.2]})
    >>> fig = comparison_figure(c, "Casual", "Loyal")
    >>> list(fig.data[0].y), list(fig.data[0].marker.color)
    (['spend', 'plan=a'], ['#EF553B', '#636EFA'])
    """
    require_columns(comparison_frame, ["feature", "effect"], "comparison")
    effect = pd.to_numeric(comparison_frame["effect"], errors="coerce").to_numpy(dtype=float)
    keep = np.flatnonzero(np.isfinite(effect))
    keep = keep[np.argsort(-np.abs(effect[keep]), kind="stable")][:n_features]
    rows = comparison_frame.iloc[keep]
    effects = effect[keep]

    def column(name: str, default: Any) -> list[Any]:
        return rows[name].tolist() if name in rows else [default] * len(rows)

    p_adj = pd.to_numeric(pd.Series(column("p_adjusted", np.nan)), errors="coerce")
    significant = (p_adj < alpha).to_numpy()
    kinds = column("kind", "numeric")
    measures = [
        "Cohen's h" if m == "cohens_h" else "Cohen's d" for m in column("effect_measure", "")
    ]
    a, b = plotly_text(name_a), plotly_text(name_b)
    # Segment names go in as data, never into the template, where "%{" is syntax.
    customdata = [
        [
            f"{a}: {_value_text(ma, k)}",
            f"{b}: {_value_text(mb, k)}",
            f"{p:.3g}" if math.isfinite(p) else "n/a",
            m,
        ]
        for ma, mb, p, k, m in zip(
            column("mean_a", np.nan), column("mean_b", np.nan), p_adj, kinds, measures, strict=True
        )
    ]
    fig = go.Figure(
        go.Bar(
            x=effects.tolist(),
            y=[plotly_text(f) for f in rows["feature"]],
            orientation="h",
            marker={
                "color": [colours[0] if e > 0 else colours[1] for e in effects],
                "opacity": [1.0 if s else 0.4 for s in significant],
            },
            customdata=customdata,
            hovertemplate="%{y}<br>%{customdata[0]}<br>%{customdata[1]}"
            "<br>%{customdata[3]} %{x:+.2f}<br>adjusted p %{customdata[2]}<extra></extra>",
            name="effect",
        )
    )
    if not len(rows):
        fig.add_annotation(
            text="no variable to compare", showarrow=False, x=0.5, y=0.5, xref="paper", yref="paper"
        )
    fig.update_layout(
        template=TEMPLATE,
        height=max(300, 120 + 26 * len(rows)),
        title={"text": f"{a} vs {b}: strongest differences (pale: not significant)"},
        xaxis={
            "title": {"text": f"effect size (Cohen's d or h): ← higher in {b} · higher in {a} →"}
        },
        yaxis={"type": "category", "autorange": "reversed"},
        showlegend=False,
        margin={"l": 160},
        # A plain shape, not add_vline: this figure is built once per pair of segments.
        shapes=[
            {
                "type": "line",
                "x0": 0,
                "x1": 0,
                "xref": "x",
                "y0": 0,
                "y1": 1,
                "yref": "paper",
                "line": {"color": "#555", "width": 1},
            }
        ],
    )
    return fig
