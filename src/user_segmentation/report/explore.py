"""The customer map for interactive exploration: principal components in 2-D or 3-D.

Unlike :func:`~user_segmentation.report.figures.pca_scatter_figure` (the static report's
2-D picture), the hover box here also shows a few of the customer's own values, so that a
point can be read without leaving the chart; and the third component can be drawn.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Collection, Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from user_segmentation.report.figures import TEMPLATE, _short_number, stratified_sample
from user_segmentation.report.labels import plotly_text, segment_colours, segment_labels
from user_segmentation.report.validation import require_columns

logger = logging.getLogger(__name__)

#: What a hover box shows instead of the id and values of a small segment's customer.
HIDDEN_ID = "hidden (small segment)"
HIDDEN_VALUE = "hidden"


def _hover_value(value: Any) -> str:
    if value is None or value is pd.NA:
        return "n/a"
    if isinstance(value, int | float | np.integer | np.floating):
        number = float(value)
        return _short_number(number) if math.isfinite(number) else "n/a"
    return plotly_text(value)


def key_features(profiles: pd.DataFrame, n: int = 3) -> list[str]:
    """The ``n`` numeric features that set segments furthest apart, for hover boxes and tables.

    A feature's strength is its largest ``|std_diff|`` over the segments; categorical levels
    (``"column=level"``) are skipped, as a customer's value is the column, not the level.

    Parameters
    ----------
    profiles
        The run's profile table (``feature`` and ``std_diff``).
    n
        How many features.

    Returns
    -------
    list of str
        Strongest first; ties keep the table's order.

    Examples
    --------
    >>> p = pd.DataFrame({"segment_id": [1, 1, 2, 2, 1],
    ...                   "feature": ["spend", "visits", "spend", "visits", "plan=a"],
    ...                   "std_diff": [0.5, -2.0, -1.0, 0.1, 3.0]})
    >>> key_features(p, 2)
    ['visits', 'spend']
    """
    require_columns(profiles, ["feature", "std_diff"], "profiles")
    frame = pd.DataFrame(
        {
            "feature": profiles["feature"].astype(str).to_numpy(),
            "strength": pd.to_numeric(profiles["std_diff"], errors="coerce").abs().to_numpy(),
        }
    )
    frame = frame[~frame["feature"].str.contains("=", regex=False)]
    frame = frame[np.isfinite(frame["strength"])]
    order = list(pd.unique(frame["feature"]))
    strength = frame.groupby("feature", sort=False)["strength"].max()
    ranked = sorted(strength.index, key=lambda f: (-strength[f], order.index(f)))
    return [str(f) for f in ranked[:n]]


def customer_map_figure(
    points: pd.DataFrame,
    segments: pd.DataFrame,
    *,
    dimensions: Literal[2, 3] = 2,
    hover: Sequence[str] = (),
    max_points: int = 5_000,
    random_state: int | None = 0,
    explained_variance: Sequence[float] | None = None,
    private_segments: Collection[int] = (),
) -> go.Figure:
    """Customers on the first two or three principal components, coloured by segment.

    Above ``max_points`` rows a stratified, seeded sample is drawn
    (:func:`~user_segmentation.report.figures.stratified_sample`) and the title says how many
    of how many are shown.

    Parameters
    ----------
    points
        One row per customer: ``customer_id``, ``segment_id``, ``pc1``, ``pc2`` (and ``pc3``
        for 3-D), plus the ``hover`` columns. Not modified. A component that is entirely
        missing (a model with fewer components) is drawn at 0 and its axis says so.
    segments
        One row per segment with ``segment_id`` and ``name``.
    dimensions
        2 or 3.
    hover
        Columns whose values the hover box shows after the customer id and segment.
    max_points
        Most points drawn.
    random_state
        Seed of the sample.
    explained_variance
        Optional share of variance of each component, for the axis titles.
    private_segments
        Segments whose members are never listed (under the minimum size): their points are
        drawn, but the hover box shows neither customer id nor values.

    Returns
    -------
    plotly.graph_objects.Figure
        One ``Scattergl`` (2-D; WebGL keeps thousands of points responsive) or ``Scatter3d``
        (3-D) trace per segment, in id order, named by
        segment; ``customdata`` rows are ``[customer id, segment, *hover values]``.

    Raises
    ------
    SchemaError
        If a column is missing.
    ValueError
        If ``dimensions`` is not 2 or 3, or ``max_points`` is below 1.

    Examples
    --------
    >>> pts = pd.DataFrame({"customer_id": ["a", "b", "c"], "segment_id": [1, 1, 2],
    ...                     "pc1": [0.0, 0.1, 2.0], "pc2": [0.0, 0.2, 1.0],
    ...                     "pc3": [0.0, 0.0, 0.5], "spend": [10.0, 12.0, 900.0]})
    >>> segs = pd.DataFrame({"segment_id": [1, 2], "name": ["Casual", "VIP"]})
    >>> fig = customer_map_figure(pts, segs, dimensions=3, hover=["spend"])
    >>> [t.type for t in fig.data], [list(row) for row in fig.data[1].customdata]
    (['scatter3d', 'scatter3d'], [['c', 'VIP', '900']])
    >>> fig.layout.title.text
    'Customers on the first three principal components: all 3 shown'
    """
    if dimensions not in (2, 3):
        raise ValueError(f"dimensions must be 2 or 3, got {dimensions!r}")
    axes = ["pc1", "pc2", "pc3"][:dimensions]
    require_columns(points, ["customer_id", "segment_id", *axes, *hover], "points")
    total = len(points)
    shown = stratified_sample(points, max_points, random_state)
    if len(shown) < total:
        subtitle = f"{len(shown):,} of {total:,} shown (stratified sample)"
    else:
        subtitle = f"all {total:,} shown"
    labels = segment_labels(segments, extra_ids=points["segment_id"].unique())
    colours = segment_colours(labels)
    private = {int(s) for s in private_segments}
    missing_axis = {a: bool(len(shown)) and bool(shown[a].isna().all()) for a in axes}
    hover_lines = "".join(
        f"<br>{plotly_text(col)}: %{{customdata[{i + 2}]}}" for i, col in enumerate(hover)
    )
    template = "customer %{customdata[0]}<br>segment %{customdata[1]}" + hover_lines
    fig = go.Figure()
    for seg_id, part in shown.groupby(shown["segment_id"].astype(int), sort=True):
        label = labels[int(seg_id)]
        coords = [
            np.zeros(len(part)) if missing_axis[a] else part[a].to_numpy(dtype=float) for a in axes
        ]
        if int(seg_id) in private:
            # A point's id and values would name the members of a too-small segment.
            columns = [
                [HIDDEN_ID] * len(part),
                [plotly_text(label)] * len(part),
                *([HIDDEN_VALUE] * len(part) for _ in hover),
            ]
        else:
            columns = [
                [plotly_text(c) for c in part["customer_id"]],
                [plotly_text(label)] * len(part),
                *([_hover_value(v) for v in part[col]] for col in hover),
            ]
        customdata = np.array(columns, dtype=object).T
        marker = {"color": colours[int(seg_id)], "size": 6 if dimensions == 2 else 3}
        common: dict[str, Any] = {
            "mode": "markers",
            "name": plotly_text(label),
            "customdata": customdata,
            "hovertemplate": template + "<extra></extra>",
        }
        if dimensions == 2:
            fig.add_trace(
                go.Scattergl(x=coords[0], y=coords[1], marker={**marker, "opacity": 0.75}, **common)
            )
        else:
            fig.add_trace(
                go.Scatter3d(
                    x=coords[0],
                    y=coords[1],
                    z=coords[2],
                    marker={**marker, "opacity": 0.8},
                    **common,
                )
            )

    def axis_title(i: int) -> str:
        title = f"principal component {i + 1}"
        if explained_variance is not None and i < len(explained_variance):
            title += f" ({float(explained_variance[i]):.1%} of variance)"
        if missing_axis[axes[i]]:
            title += " (not available: fewer components)"
        return title

    which = "two" if dimensions == 2 else "three"
    layout: dict[str, Any] = {
        "template": TEMPLATE,
        "height": 600,
        "title": {"text": f"Customers on the first {which} principal components: {subtitle}"},
        "legend_title_text": "segment",
    }
    if dimensions == 2:
        layout["xaxis_title"] = axis_title(0)
        layout["yaxis_title"] = axis_title(1)
    else:
        layout["scene"] = {
            "xaxis": {"title": {"text": axis_title(0)}},
            "yaxis": {"title": {"text": axis_title(1)}},
            "zaxis": {"title": {"text": axis_title(2)}},
        }
    fig.update_layout(**layout)
    return fig
