"""Member lists: which customers are in which segment, with their key features.

This is the one place where a run's customer-level results leave the store, so it is where
the privacy guard lives: a segment with fewer customers than the minimum size (default 50) is
close to a list of identifiable people, and its members are never handed out. Asking for such
a segment is refused; a list of the whole base leaves those customers out and says so.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pandas as pd

from user_segmentation.errors import PrivacyError, SchemaError
from user_segmentation.profile.stats import MIN_EXPORT_SIZE
from user_segmentation.records import RunRecord
from user_segmentation.report.atomic import write_bytes_atomic

logger = logging.getLogger(__name__)

#: Assignment columns every member list carries, before the customer's features.
MEMBER_COLUMNS = ["customer_id", "segment_id", "segment_name", "confidence"]

_WRITERS = {".csv", ".parquet", ".xlsx"}


def member_table(
    record: RunRecord,
    segment_id: int | None = None,
    *,
    min_size: int = MIN_EXPORT_SIZE,
    features: list[str] | None = None,
) -> pd.DataFrame:
    """The customers of one segment (or of every segment large enough), with their features.

    Parameters
    ----------
    record
        A run (loaded with its customer table for the feature columns).
    segment_id
        The segment to list; ``None`` lists every segment of at least ``min_size`` customers.
    min_size
        Smallest segment whose members may be listed.
    features
        Feature columns to add from ``record.customers`` (default: all of them).

    Returns
    -------
    pandas.DataFrame
        :data:`MEMBER_COLUMNS` then the features, in the run's customer order.

    Raises
    ------
    PrivacyError
        If ``segment_id`` has fewer than ``min_size`` customers.
    SchemaError
        If ``segment_id`` is not a segment of the run, or a requested feature is missing.

    Examples
    --------
    >>> import pandas as pd
    >>> from user_segmentation.records import RunRecord
    >>> record = RunRecord(meta={}, quality={}, selection={}, model={}, timings={},
    ...     k_scores=pd.DataFrame(),
    ...     assignments=pd.DataFrame({"customer_id": ["a", "b", "c"], "segment_id": [1, 1, 2],
    ...                               "confidence": [0.9, 0.8, 0.7]}),
    ...     segments=pd.DataFrame({"segment_id": [1, 2], "name": ["Loyal", "Lost"],
    ...                            "size": [2, 1]}),
    ...     profiles=pd.DataFrame(),
    ...     customers=pd.DataFrame({"customer_id": ["a", "b", "c"], "spend": [5.0, 7.0, 1.0]}))
    >>> member_table(record, min_size=2)
      customer_id  segment_id segment_name  confidence  spend
    0           a           1        Loyal         0.9    5.0
    1           b           1        Loyal         0.8    7.0
    >>> member_table(record, 2, min_size=2)
    Traceback (most recent call last):
    ...
    user_segmentation.errors.PrivacyError: segment 2 (Lost) has 1 customer, fewer than the ...
    """
    segments = record.segments.set_index("segment_id")
    sizes = segments["size"].astype(int)
    names = segments["name"].astype(str)
    small = sorted(int(s) for s in sizes.index[sizes < min_size])
    if segment_id is not None:
        if segment_id not in sizes.index:
            raise SchemaError(
                f"run {record.run_id}: no segment {segment_id}; "
                f"segments: {', '.join(str(int(s)) for s in sizes.index)}"
            )
        if segment_id in small:
            n = int(sizes[segment_id])
            raise PrivacyError(
                f"segment {segment_id} ({names[segment_id]}) has {n} customer"
                f"{'' if n == 1 else 's'}, fewer than the minimum of {min_size} for a member "
                "list: its members are never exported"
            )
        keep = record.assignments["segment_id"] == segment_id
    else:
        keep = ~record.assignments["segment_id"].isin(small)
        if small:
            logger.warning(
                "left out segment(s) %s: fewer than %d customers, members never exported",
                ", ".join(map(str, small)),
                min_size,
            )
    members = record.assignments.loc[keep, ["customer_id", "segment_id", "confidence"]]
    members.insert(2, "segment_name", members["segment_id"].map(names).to_numpy())
    chosen = [c for c in record.customers.columns if c != "customer_id"]
    if features is not None:
        missing = [f for f in features if f not in chosen]
        if missing:
            raise SchemaError(
                f"run {record.run_id}: no feature(s) {missing} in the customer table; "
                f"features: {chosen}"
            )
        chosen = list(features)
    if chosen:
        values = record.customers.set_index("customer_id")[chosen]
        members = members.join(values, on="customer_id")
    return members.reset_index(drop=True)


def write_members(frame: pd.DataFrame, path: str | Path) -> Path:
    """Write a member list as CSV, Parquet or Excel (by suffix), atomically.

    The file appears complete or not at all: it is written beside its final name and moved
    into place, so a reader (or a BI tool watching the folder) never sees half a file.

    Examples
    --------
    >>> import tempfile
    >>> path = Path(tempfile.mkdtemp()) / "members.csv"
    >>> write_members(pd.DataFrame({"customer_id": ["a"], "segment_id": [1]}), path).name
    'members.csv'
    >>> path.read_text().splitlines()
    ['customer_id,segment_id', 'a,1']
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in _WRITERS:
        raise SchemaError(
            f"{path}: cannot tell the format from {suffix or 'no suffix'!r}; "
            f"use one of {', '.join(sorted(_WRITERS))}"
        )
    if suffix == ".csv":
        data = frame.to_csv(index=False).encode("utf-8")
    else:
        import io

        buffer = io.BytesIO()
        if suffix == ".parquet":
            frame.to_parquet(buffer, index=False)
        else:
            frame.to_excel(buffer, index=False, sheet_name="members")
        data = buffer.getvalue()
    write_bytes_atomic(path, data)
    return path
