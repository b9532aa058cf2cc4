"""Checks run on a customer matrix before any model is fitted (BAD_INPUTS #3, #30, #31)."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from user_segmentation.errors import DataQualityError, ModelError


def validate_matrix(X: ArrayLike) -> np.ndarray:
    """Return ``X`` as a 2-D float64 array, refusing NaN and infinite values.

    Parameters
    ----------
    X : array-like of shape (n_customers, d)
        Numeric customer matrix.

    Returns
    -------
    numpy.ndarray
        A float64 view or copy of ``X``; the input is never modified.

    Raises
    ------
    DataQualityError
        If ``X`` is not numeric, not 2-D, or holds NaN/inf; the message names every bad column
        index with its count of bad values.

    Examples
    --------
    >>> validate_matrix([[1, 2], [3, 4]]).dtype
    dtype('float64')
    """
    try:
        arr = np.asarray(X, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise DataQualityError(f"customer matrix is not numeric: {exc}") from exc
    if arr.ndim != 2:
        raise DataQualityError(
            f"customer matrix must be 2-D (customers × features), got shape {arr.shape}"
        )
    finite = np.isfinite(arr)
    if not finite.all():
        bad_per_column = (~finite).sum(axis=0)
        parts = []
        for col in np.flatnonzero(bad_per_column):
            n_nan = int(np.isnan(arr[:, col]).sum())
            n_inf = int(bad_per_column[col]) - n_nan
            detail = ", ".join(
                f"{count} {kind}" for count, kind in ((n_nan, "NaN"), (n_inf, "inf")) if count
            )
            parts.append(f"column {col}: {int(bad_per_column[col])} bad values ({detail})")
        raise DataQualityError("customer matrix has non-finite values: " + "; ".join(parts))
    return arr


def row_order(X: np.ndarray) -> tuple[np.ndarray, int]:
    """Return a deterministic row order of ``X`` and its number of distinct rows.

    Rows are sorted lexicographically by their values (first column first), so any permutation
    of the same rows gives the same sorted matrix. Fitting on that matrix makes results
    independent of the input row order.

    Parameters
    ----------
    X : numpy.ndarray of shape (n, d)
        A validated matrix (see :func:`validate_matrix`).

    Returns
    -------
    order : numpy.ndarray
        ``int64`` indices such that ``X[order]`` is sorted.
    n_distinct : int
        Number of distinct rows.

    Examples
    --------
    >>> import numpy as np
    >>> order, n_distinct = row_order(np.array([[2.0, 0.0], [1.0, 5.0], [2.0, 0.0]]))
    >>> order.tolist(), n_distinct
    ([1, 0, 2], 2)
    """
    n = X.shape[0]
    if n == 0:
        return np.empty(0, dtype=np.int64), 0
    if X.shape[1] == 0:
        return np.arange(n, dtype=np.int64), 1
    # Equivalent to np.lexsort over all columns (first column first, ties by input position),
    # but a full lexsort of 1M × 20 takes 5-10 s: sort by the first column, then lexsort only
    # the runs of rows that share a first value (rare for continuous scores).
    order = np.argsort(X[:, 0], kind="stable").astype(np.int64)
    first = X[order, 0]
    tied = first[1:] == first[:-1]
    if tied.any() and X.shape[1] > 1:
        in_run = np.zeros(n, dtype=bool)
        in_run[1:] |= tied
        in_run[:-1] |= tied
        positions = np.flatnonzero(in_run)
        run_id = np.cumsum(np.r_[True, ~tied])[positions]
        members = order[positions]
        # np.lexsort sorts by the last key first: run, then columns 1, 2, … in that order.
        keys = [X[members, j] for j in range(X.shape[1] - 1, 0, -1)]
        order[positions] = members[np.lexsort([*keys, run_id])]
    sorted_rows = X[order]
    changes = np.any(sorted_rows[1:] != sorted_rows[:-1], axis=1)
    return order, int(changes.sum()) + 1


def check_k(k: int, n_rows: int, n_distinct: int) -> None:
    """Refuse a number of segments the data cannot support, before any fitting.

    Parameters
    ----------
    k : int
        Requested number of segments.
    n_rows : int
        Number of customers.
    n_distinct : int
        Number of distinct customer profiles (rows).

    Raises
    ------
    ModelError
        If ``k < 1`` or ``k`` exceeds the number of customers.
    DataQualityError
        If there are fewer distinct profiles than ``k``.

    Examples
    --------
    >>> check_k(2, n_rows=5, n_distinct=5)
    >>> check_k(8, n_rows=5, n_distinct=5)
    Traceback (most recent call last):
    ...
    user_segmentation.errors.ModelError: cannot make k=8 segments from 5 customers
    """
    if isinstance(k, bool) or not isinstance(k, int | np.integer) or k < 1:
        raise ModelError(f"k must be a positive integer, got {k!r}")
    if k > n_rows:
        raise ModelError(f"cannot make k={k} segments from {n_rows} customers")
    if n_distinct < k:
        raise DataQualityError(f"only {n_distinct} distinct customer profiles < k={k}")
