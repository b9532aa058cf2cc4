"""Input widgets shared by several pages (UI only)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
import streamlit as st

from user_segmentation.dashboard import data
from user_segmentation.dashboard.builders import MISSING_LEVEL, VariableKind
from user_segmentation.dashboard.context import DashboardContext

NO_FILTER = "(no attribute filter)"


@dataclass(frozen=True)
class AttributeChoice:
    """An attribute filter as the user set it (all ``None``: no filter)."""

    variable: str | None = None
    low: float | None = None
    high: float | None = None
    levels: tuple[str, ...] | None = None


def attribute_filter(
    ctx: DashboardContext, catalog: Mapping[str, VariableKind], key: str
) -> AttributeChoice:
    """A variable picker, then a range (numeric) or a choice of levels (categorical)."""
    variable = st.selectbox("Filter on an attribute", [NO_FILTER, *catalog], key=f"{key}_variable")
    if variable is None or variable == NO_FILTER:
        return AttributeChoice()
    column = data.feature_column(ctx.store_url, ctx.run_id, variable)[variable]
    if catalog[variable] == "categorical":
        levels = sorted(set(column.astype("string").fillna(MISSING_LEVEL).to_numpy(dtype=object)))
        chosen = st.multiselect(
            f"Levels of {variable}", levels, default=levels, key=f"{key}_levels_{variable}"
        )
        return AttributeChoice(variable=variable, levels=tuple(str(c) for c in chosen))
    values = pd.to_numeric(column, errors="coerce").to_numpy(dtype=float)
    finite = values[np.isfinite(values)]
    if not finite.size:
        st.caption(f"{variable} has no values in this run.")
        return AttributeChoice()
    low, high = float(finite.min()), float(finite.max())
    if math.isclose(low, high):
        st.caption(f"Every customer has {variable} = {low:g}.")
        return AttributeChoice()
    picked = st.slider(
        f"Range of {variable}",
        min_value=low,
        max_value=high,
        value=(low, high),
        key=f"{key}_range_{variable}",
    )
    lo, hi = float(picked[0]), float(picked[1])
    # The full range keeps customers without a value, as no filter would.
    if lo <= low and hi >= high:
        return AttributeChoice()
    return AttributeChoice(variable=variable, low=lo, high=hi)
