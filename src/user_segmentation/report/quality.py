"""The report's "Data quality" section: the run's quality report, a few parts made readable.

The report is rendered by shape (:mod:`.structure`); only parts whose raw form reads badly are
rewritten first, e.g. a declared range ``[0, null]`` is shown as ``[0, inf)``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from user_segmentation.features.attributes import describe_range
from user_segmentation.report.structure import to_html


def quality_html(quality: Mapping[str, Any]) -> str:
    """The data-quality report of a run as an HTML fragment, every piece of text escaped.

    Examples
    --------
    >>> q = {"out_of_range": {"age": {"range": [0, None], "count": 2, "share": 0.05}}}
    >>> "[0, inf)" in quality_html(q)
    True
    """
    shown = dict(quality)
    ranges = quality.get("out_of_range")
    if isinstance(ranges, Mapping):
        shown["out_of_range"] = {
            col: _readable_range(info) if isinstance(info, Mapping) else info
            for col, info in ranges.items()
        }
    return to_html(shown)


def _readable_range(info: Mapping[str, Any]) -> dict[str, Any]:
    bounds = info.get("range")
    if (
        isinstance(bounds, Sequence)
        and not isinstance(bounds, str)
        and len(bounds) == 2
        and all(b is None or isinstance(b, int | float) for b in bounds)
    ):
        return {**info, "range": describe_range(bounds[0], bounds[1])}
    return dict(info)
