"""Where customers went between two runs: the transition matrix and the per-customer ledger.

Both runs' segment ids must be in the same, stable id space (after a refit, translate the new
labels with :meth:`~user_segmentation.track.matching.SegmentMatch.stable_ids` first).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from user_segmentation.errors import DataQualityError, SchemaError
from user_segmentation.track._show import show

CUSTOMER, SEGMENT = "customer_id", "segment_id"

#: Row of the transition matrix for customers only in the current run.
NEW = "new"
#: Column of the transition matrix for customers only in the previous run.
GONE = "gone"

#: Columns of :func:`moves`.
MOVE_COLUMNS = [CUSTOMER, "from_segment", "to_segment"]


@dataclass(frozen=True)
class TransitionMatrix:
    """Customers (and optionally their value) by previous and current segment.

    Attributes
    ----------
    counts : pandas.DataFrame
        ``int64`` customers; rows ``from_segment`` (every segment id of either run, ascending,
        then :data:`NEW`), columns ``to_segment`` (the same ids, then :data:`GONE`). The
        diagonal holds the customers who stayed.
    value : pandas.DataFrame or None
        The same shape, holding the summed value column; ``None`` when none was asked for.
    """

    counts: pd.DataFrame
    value: pd.DataFrame | None = None


def transition_matrix(
    previous: pd.DataFrame, current: pd.DataFrame, *, value: str | None = None
) -> TransitionMatrix:
    """Count customers by previous → current segment, joined on customer id.

    Customers only in ``current`` are counted in the row :data:`NEW`, those only in
    ``previous`` in the column :data:`GONE`.

    Parameters
    ----------
    previous, current : pandas.DataFrame
        One row per customer with ``customer_id`` and ``segment_id`` (stable ids), e.g. two
        runs' assignments.
    value : str, optional
        A numeric column to sum per cell (e.g. ``monetary``). It is read from ``current`` for
        customers there and from ``previous`` for gone customers; missing values count as 0.

    Returns
    -------
    TransitionMatrix
        Counts, and summed value when ``value`` is given.

    Raises
    ------
    SchemaError
        If a required column is missing, or customer ids are text on one side and numbers on
        the other.
    DataQualityError
        If a customer id is missing or repeated, a segment id is missing or not an integer,
        or the value column is not numeric.

    Examples
    --------
    >>> import pandas as pd
    >>> prev = pd.DataFrame({"customer_id": ["a", "b", "c"], "segment_id": [1, 1, 2]})
    >>> cur = pd.DataFrame({"customer_id": ["a", "b", "d"], "segment_id": [1, 2, 2]})
    >>> transition_matrix(prev, cur).counts
    to_segment    1  2  gone
    from_segment
    1             1  1     0
    2             0  0     1
    new           0  1     0
    """
    joined = _joined(previous, current, value)
    ids = sorted(set(joined["from"].dropna().astype(int)) | set(joined["to"].dropna().astype(int)))
    rows = pd.Index([*ids, NEW], dtype=object, name="from_segment")
    cols = pd.Index([*ids, GONE], dtype=object, name="to_segment")
    from_ = pd.Series(
        [NEW if pd.isna(v) else int(v) for v in joined["from"]], index=joined.index, dtype=object
    )
    to = pd.Series(
        [GONE if pd.isna(v) else int(v) for v in joined["to"]], index=joined.index, dtype=object
    )
    keys = pd.DataFrame({"from": from_, "to": to})
    counts = (
        keys.groupby(["from", "to"], sort=False)
        .size()
        .unstack(fill_value=0)
        .reindex(index=rows, columns=cols, fill_value=0)
        .astype("int64")
    )
    counts.index.name, counts.columns.name = "from_segment", "to_segment"
    summed = None
    if value is not None:
        keys["value"] = joined["value"].fillna(0.0)
        summed = (
            keys.groupby(["from", "to"], sort=False)["value"]
            .sum()
            .unstack()
            .reindex(index=rows, columns=cols, fill_value=0.0)
            .fillna(0.0)
            .astype("float64")
        )
        summed.index.name, summed.columns.name = "from_segment", "to_segment"
    return TransitionMatrix(counts, summed)


def moves(
    previous: pd.DataFrame, current: pd.DataFrame, *, include_new_and_gone: bool = False
) -> pd.DataFrame:
    """One row per customer whose segment changed between two runs.

    Parameters
    ----------
    previous, current : pandas.DataFrame
        One row per customer with ``customer_id`` and ``segment_id`` (stable ids).
    include_new_and_gone : bool
        Also list customers only in ``current`` (``from_segment`` missing) and only in
        ``previous`` (``to_segment`` missing).

    Returns
    -------
    pandas.DataFrame
        :data:`MOVE_COLUMNS`, segments as nullable ``Int64``, sorted by customer id.

    Raises
    ------
    SchemaError, DataQualityError
        As :func:`transition_matrix`.

    Examples
    --------
    >>> import pandas as pd
    >>> prev = pd.DataFrame({"customer_id": ["a", "b", "c"], "segment_id": [1, 1, 2]})
    >>> cur = pd.DataFrame({"customer_id": ["a", "b", "d"], "segment_id": [1, 2, 2]})
    >>> moves(prev, cur)
      customer_id  from_segment  to_segment
    0           b             1           2
    """
    joined = _joined(previous, current, None)
    both = joined["from"].notna() & joined["to"].notna()
    changed = both & (joined["from"] != joined["to"])
    changed = changed.fillna(False).astype(bool)
    keep = (changed | ~both) if include_new_and_gone else changed
    out = joined.loc[keep, [CUSTOMER, "from", "to"]]
    out.columns = pd.Index(MOVE_COLUMNS)
    return out.astype({"from_segment": "Int64", "to_segment": "Int64"}).reset_index(drop=True)


def _joined(previous: pd.DataFrame, current: pd.DataFrame, value: str | None) -> pd.DataFrame:
    """Outer join on customer id: ``customer_id``, ``from``, ``to`` (Int64) [and ``value``]."""
    prev = _checked(previous, "previous")
    cur = _checked(current, "current")
    if pd.api.types.is_numeric_dtype(prev[CUSTOMER]) != pd.api.types.is_numeric_dtype(
        cur[CUSTOMER]
    ):
        raise SchemaError(
            f"customer_id is {prev[CUSTOMER].dtype} in previous but {cur[CUSTOMER].dtype} in "
            "current: read ids as text on both sides so they join"
        )
    left = pd.DataFrame({CUSTOMER: prev[CUSTOMER], "from": prev["segment"]})
    right = pd.DataFrame({CUSTOMER: cur[CUSTOMER], "to": cur["segment"]})
    if value is not None:
        if value not in current.columns and value not in previous.columns:
            raise SchemaError(f"value column '{value}' is in neither previous nor current")
        right["value"] = _values(current, value, "current")
        left["gone_value"] = _values(previous, value, "previous")
    joined = left.merge(right, on=CUSTOMER, how="outer", sort=True)
    if value is not None:
        joined["value"] = joined["value"].where(joined["to"].notna(), joined["gone_value"])
        joined = joined.drop(columns="gone_value")
    return joined


def _checked(frame: pd.DataFrame, name: str) -> pd.DataFrame:
    """Customer ids and ``Int64`` segment ids of one side, checked."""
    missing = [c for c in (CUSTOMER, SEGMENT) if c not in frame.columns]
    if missing:
        raise SchemaError(f"{name} assignments: missing column(s) {missing}")
    ids = frame[CUSTOMER]
    if ids.isna().any():
        row = int(np.flatnonzero(ids.isna().to_numpy())[0])
        raise DataQualityError(f"{name} assignments: row {row + 1} has no customer_id")
    dupes = ids[ids.duplicated()].unique().tolist()
    if dupes:
        raise DataQualityError(
            f"{name} assignments: customer id(s) {dupes[:5]} appear more than once"
        )
    segments = pd.to_numeric(frame[SEGMENT], errors="coerce")
    bad = segments.isna() | (segments != segments.round())
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        raise DataQualityError(
            f"{name} assignments: customer {show(ids.iloc[row])} (row {row + 1}) has segment_id "
            f"{show(frame[SEGMENT].iloc[row])}, not an integer id"
        )
    return pd.DataFrame(
        {CUSTOMER: ids.to_numpy(), "segment": segments.astype("int64").astype("Int64").to_numpy()}
    )


def _values(frame: pd.DataFrame, column: str, name: str) -> pd.Series:
    if column not in frame.columns:
        return pd.Series(np.nan, index=frame.index, dtype="float64").reset_index(drop=True)
    values = pd.to_numeric(frame[column], errors="coerce")
    bad = values.isna() & frame[column].notna()
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        raise DataQualityError(
            f"{name} assignments: column '{column}', row {row + 1}: "
            f"{show(frame[column].iloc[row])} is not a number"
        )
    return values.astype("float64").reset_index(drop=True)
