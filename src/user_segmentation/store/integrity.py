"""Explain a database constraint failure in the user's terms: which rows of which table."""

from __future__ import annotations

import numpy as np
import pandas as pd

from user_segmentation.records import RunRecord
from user_segmentation.store.serialize import show

#: The key columns of each run frame: the database refuses a run that repeats one.
_KEYS = {
    "assignments": ["customer_id"],
    "segments": ["segment_id"],
    "profiles": ["segment_id", "feature"],
    "k_scores": ["k"],
}


def _duplicates(frame: pd.DataFrame, keys: list[str]) -> str | None:
    dup = frame.duplicated(subset=keys, keep=False).to_numpy()
    if not dup.any():
        return None
    first = frame[keys].iloc[int(np.flatnonzero(dup)[0])]
    rows = np.flatnonzero((frame[keys] == first).all(axis=1).to_numpy())[:5] + 1
    value = ", ".join(f"{k}={show(first[k])}" for k in keys)
    return f"{value} appears more than once (rows {', '.join(map(str, rows))})"


def explain_integrity(record: RunRecord) -> str | None:
    """Say which rows of a run broke a database constraint, or ``None`` if we cannot tell.

    Meant for a record whose frames have already passed
    :func:`~user_segmentation.store.serialize.frame_to_columns`, so every key column exists.

    Examples
    --------
    >>> import pandas as pd
    >>> record = RunRecord(
    ...     meta={}, quality={}, selection={}, model={}, timings={},
    ...     k_scores=pd.DataFrame({"k": [2]}),
    ...     assignments=pd.DataFrame({"customer_id": ["a", "b", "a"], "segment_id": [0, 0, 0]}),
    ...     segments=pd.DataFrame({"segment_id": [0]}),
    ...     profiles=pd.DataFrame({"segment_id": [0], "feature": ["spend"]}))
    >>> explain_integrity(record)
    "assignments: customer_id='a' appears more than once (rows 1, 3)"
    """
    for name, keys in _KEYS.items():
        found = _duplicates(getattr(record, name), keys)
        if found:
            return f"{name}: {found}"
    known = set(pd.to_numeric(record.segments["segment_id"], errors="coerce").dropna().tolist())
    for name in ("assignments", "profiles"):
        frame = getattr(record, name)
        unknown = ~frame["segment_id"].isin(known)
        if unknown.any():
            pos = int(np.flatnonzero(unknown.to_numpy())[0])
            value = show(frame["segment_id"].iloc[pos])
            return (
                f"{name}: column 'segment_id', row {pos + 1}: {value} "
                "is not a segment listed in segments"
            )
    return None
