"""Display labels and colours of segments, shared by every figure and table of the report."""

from __future__ import annotations

import html
from collections import Counter
from typing import Any

import pandas as pd
from plotly.colors import qualitative

from user_segmentation.report.validation import require_columns

# 36 distinct colours before any repeats: enough for any k a person reads in a legend.
_PALETTE: list[str] = list(qualitative.Plotly) + list(qualitative.Alphabet)


def plotly_text(value: Any) -> str:
    """Escape user text for a Plotly label.

    Plotly.js reads ``<br>``, ``<b>`` and friends in labels as markup and drops tags it does
    not know, so a customer id such as ``<script>`` would vanish from a hover box. Escaping
    makes Plotly show it literally.

    Examples
    --------
    >>> plotly_text("<b>VIP</b> & co")
    '&lt;b&gt;VIP&lt;/b&gt; &amp; co'
    """
    return html.escape(str(value), quote=False)


def segment_labels(segments: pd.DataFrame, extra_ids: Any = ()) -> dict[int, str]:
    """Map each segment id to a unique, human-readable label (unescaped).

    The label is the segment's name; a missing name becomes ``"segment <id>"`` and names that
    occur more than once get ``" (#<id>)"`` appended so that legends and axes stay unambiguous.

    Parameters
    ----------
    segments
        Table with ``segment_id`` and ``name``.
    extra_ids
        Further ids (e.g. found in assignments but absent from ``segments``) to label too.

    Returns
    -------
    dict
        ``{segment_id: label}`` in ascending id order.

    Examples
    --------
    >>> import pandas as pd
    >>> segs = pd.DataFrame({"segment_id": [0, 1, 2], "name": ["Loyal", "Loyal", None]})
    >>> segment_labels(segs)
    {0: 'Loyal (#0)', 1: 'Loyal (#1)', 2: 'segment 2'}
    """
    require_columns(segments, ["segment_id", "name"], "segments")
    names: dict[int, str] = {}
    for seg_id, name in zip(segments["segment_id"], segments["name"], strict=True):
        names[int(seg_id)] = "" if pd.isna(name) else str(name).strip()
    for seg_id in extra_ids:
        names.setdefault(int(seg_id), "")
    counts = Counter(names.values())
    labels: dict[int, str] = {}
    for seg_id in sorted(names):
        text = names[seg_id]
        if not text:
            labels[seg_id] = f"segment {seg_id}"
        elif counts[text] > 1:
            labels[seg_id] = f"{text} (#{seg_id})"
        else:
            labels[seg_id] = text
    return labels


def segment_colours(segment_ids: Any) -> dict[int, str]:
    """Give each segment id its colour, so every figure agrees.

    The colour follows the id itself (``id mod`` the palette's length), not its position
    among the ids present: a segment keeps its colour across runs even when others are born
    or retired around it.

    Examples
    --------
    >>> segment_colours([2, 0])
    {0: '#636EFA', 2: '#00CC96'}
    >>> segment_colours([3]) == {3: segment_colours([1, 2, 3])[3]}
    True
    """
    return {
        seg_id: _PALETTE[seg_id % len(_PALETTE)] for seg_id in sorted({int(s) for s in segment_ids})
    }
