"""Stable segment ids across runs: match a refit's segments to the previous run's.

Centroids of both runs are compared in one shared space. The usual recipe: score the new data
with the *previous* run's model (its preprocessing and PCA), take the mean of each new segment
there with :func:`label_centroids`, and match those to the previous run's stored centroids.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy.optimize import linear_sum_assignment
from scipy.spatial.distance import cdist, pdist, squareform

from user_segmentation.cluster.canonical import segment_means
from user_segmentation.cluster.checks import validate_matrix
from user_segmentation.errors import DataQualityError, ModelError
from user_segmentation.track._show import show

logger = logging.getLogger(__name__)

#: Default share of a segment's customers that makes a part of a split or merge.
MIN_SHARE = 0.3

#: Customer id → segment label; a mapping or a Series indexed by customer id.
Members = Mapping[Any, int] | pd.Series


@dataclass(frozen=True)
class SegmentSplit:
    """One previous segment whose customers spread over several new segments.

    Attributes
    ----------
    old_id : int
        The previous segment.
    into : tuple of int
        Stable ids of the new segments that each took at least ``min_share`` of its
        customers, ascending.
    shares : tuple of float
        The share of the previous segment's customers each of them took, same order.
    customers : int
        Customers of the previous segment found in both runs (the shares' denominator).
    """

    old_id: int
    into: tuple[int, ...]
    shares: tuple[float, ...]
    customers: int


@dataclass(frozen=True)
class SegmentMerge:
    """One new segment that took a large share of several previous segments.

    Attributes
    ----------
    into : int
        Stable id of the new segment.
    old_ids : tuple of int
        Previous segments of which it took at least ``min_share`` of the customers, ascending.
    shares : tuple of float
        For each of them, the share of *its* customers now in the new segment, same order.
    customers : int
        Customers of the new segment found in both runs.
    """

    into: int
    old_ids: tuple[int, ...]
    shares: tuple[float, ...]
    customers: int


@dataclass(frozen=True)
class SegmentMatch:
    """How the segments of a new fit relate to those of the previous run.

    New segments are named by their label in the new fit (``new label``); every other id in
    this object is a *stable* id, i.e. in the id space of the previous run.

    Attributes
    ----------
    id_map : dict of int to int
        New label → stable id, for every new segment: the matched previous id, or a fresh id
        for a born segment.
    born : list of int
        Fresh stable ids given to new segments that matched no previous one, ascending.
    retired : list of int
        Previous ids that no new segment took, ascending.
    splits : list of SegmentSplit
        Previous segments whose customers spread over two or more new segments (empty when
        memberships were not given), by ``old_id``.
    merges : list of SegmentMerge
        New segments that took a large share of two or more previous ones, by ``into``.
    distances : pandas.DataFrame
        Euclidean distance between every new centroid (index ``new_label``) and every previous
        one (columns ``old_id``), both ascending.
    max_distance : float
        The cut-off used: pairs farther apart were never matched.
    """

    id_map: dict[int, int]
    born: list[int]
    retired: list[int]
    splits: list[SegmentSplit]
    merges: list[SegmentMerge]
    distances: pd.DataFrame
    max_distance: float

    @property
    def matched(self) -> dict[int, int]:
        """New label → previous id, for the new segments that kept a previous id."""
        born = set(self.born)
        return {new: old for new, old in self.id_map.items() if old not in born}

    def stable_ids(self, labels: ArrayLike) -> np.ndarray:
        """Translate new labels (one per customer) into stable ids.

        Raises
        ------
        ModelError
            If a label is not one of the new segments.

        Examples
        --------
        >>> m = match_segments([[0.0], [10.0]], [[10.2], [0.1]], old_ids=[1, 2])
        >>> m.stable_ids([1, 2, 2]).tolist()
        [2, 1, 1]
        """
        arr = np.asarray(labels)
        unknown = sorted({int(v) for v in np.unique(arr)} - set(self.id_map))
        if unknown:
            raise ModelError(
                f"label(s) {unknown} are not new segments; known: {sorted(self.id_map)}"
            )
        lookup = {int(k): v for k, v in self.id_map.items()}
        return np.array([lookup[int(v)] for v in arr.ravel()], dtype=np.int64).reshape(arr.shape)


def label_centroids(X: ArrayLike, labels: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """Return the distinct labels (ascending) and the mean row of each in ``X``.

    Use it to place a new fit's segments in the previous run's model space before matching.

    Parameters
    ----------
    X : array-like of shape (n, d)
        Customers in the shared space.
    labels : array-like of shape (n,)
        Integer segment label of each row.

    Returns
    -------
    ids : numpy.ndarray
        ``int64`` distinct labels.
    centroids : numpy.ndarray
        ``len(ids) × d`` means, row ``i`` for ``ids[i]``.

    Examples
    --------
    >>> ids, centroids = label_centroids([[0.0], [2.0], [9.0]], [5, 5, 1])
    >>> ids.tolist(), centroids.ravel().tolist()
    ([1, 5], [9.0, 1.0])
    """
    arr = validate_matrix(X)
    lab = np.asarray(labels)
    if lab.shape != (arr.shape[0],):
        raise ModelError(f"labels have shape {lab.shape}, expected ({arr.shape[0]},)")
    ids, codes = np.unique(lab, return_inverse=True)
    return ids.astype(np.int64), segment_means(arr, codes, ids.size)


def default_max_distance(old_centroids: ArrayLike) -> float:
    """Half the median distance from each previous centroid to its nearest other one.

    Why this cut-off: for a previous centroid whose nearest neighbour is at least the median
    spacing away, a new centroid within the cut-off is nearer to it than to any other previous
    centroid (triangle inequality), so it lies in the region the previous model assigned to
    that very segment: calling it the same segment is what the previous model itself would do.
    The median rather than the minimum keeps one crowded pair from shrinking the cut-off for
    every segment; the one-to-one assignment settles crowded pairs. It is relative to the
    spacing, so it needs no unit and follows the scaling of the model space. With fewer than
    two previous centroids there is no spacing and the cut-off is infinite.

    Examples
    --------
    >>> default_max_distance([[0.0], [2.0], [6.0]])  # nearest-neighbour distances 2, 2, 4
    1.0
    """
    C = _centroids(old_centroids, "old_centroids")
    if C.shape[0] < 2:
        return float("inf")
    D = squareform(pdist(C))
    np.fill_diagonal(D, np.inf)
    return float(np.median(D.min(axis=1)) / 2.0)


def match_segments(
    old_centroids: ArrayLike,
    new_centroids: ArrayLike,
    *,
    old_ids: ArrayLike,
    new_ids: ArrayLike | None = None,
    max_distance: float | None = None,
    old_members: Members | None = None,
    new_members: Members | None = None,
    min_share: float = MIN_SHARE,
    first_new_id: int | None = None,
) -> SegmentMatch:
    """Match a new fit's segments to the previous run's, so that segment ids stay stable.

    The pairing minimises the total centroid distance (Hungarian algorithm,
    :func:`scipy.optimize.linear_sum_assignment`) among pairs no farther apart than
    ``max_distance``, after first making as many such pairs as possible. A matched new segment
    takes the previous id; an unmatched one is *born* with a fresh id; a previous segment no
    new one took is *retired*. Segments are sorted by id before matching, so the result does
    not depend on the order in which they are given.

    When both memberships are given, the customers found in both runs also reveal splits (a
    previous segment whose customers spread, each part at least ``min_share``, over two or
    more new segments) and merges (a new segment holding at least ``min_share`` of each of two
    or more previous segments). They are reported; they do not change the matching.

    Parameters
    ----------
    old_centroids : array-like of shape (k_old, d)
        The previous run's centroids, in the shared space.
    new_centroids : array-like of shape (k_new, d)
        The new fit's segment centroids in the same space (see :func:`label_centroids`).
    old_ids : array-like of shape (k_old,)
        Stable id of each previous centroid.
    new_ids : array-like of shape (k_new,), optional
        Label of each new centroid; default ``1..k_new``, a run's canonical ids.
    max_distance : float, optional
        Cut-off distance for a match; default :func:`default_max_distance` of the previous
        centroids. ``inf`` matches regardless of distance.
    old_members, new_members : mapping or pandas.Series, optional
        Customer id → previous id, and customer id → new label. Give both or neither.
    min_share : float
        Share of a segment's customers that makes a part of a split or merge; default 0.3,
        well above the few percent that change side across a boundary between two fits of
        the same data, and low enough to see a segment split in three.
    first_new_id : int, optional
        First id a born segment takes; default ``max(old_ids) + 1``. Pass one more than the
        largest id ever used in the history, so a retired id is never given again.

    Returns
    -------
    SegmentMatch
        Id map, born, retired, splits, merges and the distance table.

    Raises
    ------
    ModelError
        If centroids are non-finite, of different dimensions, or ids are missing, repeated or
        do not fit the centroids; if a membership names an unknown segment; if only one
        membership is given; if a parameter is out of range.
    DataQualityError
        If a membership repeats a customer or lacks a segment.

    Examples
    --------
    The new fit found the previous two segments (in the other order) and one far away:

    >>> m = match_segments([[0.0, 0.0], [10.0, 0.0]], [[10.5, 0.0], [0.0, 0.5], [0.0, 30.0]],
    ...                    old_ids=[1, 2])
    >>> m.id_map, m.born, m.retired
    ({1: 2, 2: 1, 3: 3}, [3], [])
    """
    C_old = _centroids(old_centroids, "old_centroids")
    C_new = _centroids(new_centroids, "new_centroids")
    if C_old.shape[1] != C_new.shape[1]:
        raise ModelError(
            f"old centroids have {C_old.shape[1]} dimensions but new ones {C_new.shape[1]}: "
            "they must be in one shared space"
        )
    o_ids = _ids(old_ids, C_old.shape[0], "old_ids")
    n_ids = _ids(
        np.arange(1, C_new.shape[0] + 1) if new_ids is None else new_ids,
        C_new.shape[0],
        "new_ids",
    )
    # Sorting by id makes the assignment, ties included, independent of the input order.
    o_order, n_order = np.argsort(o_ids, kind="stable"), np.argsort(n_ids, kind="stable")
    C_old, o_ids = C_old[o_order], o_ids[o_order]
    C_new, n_ids = C_new[n_order], n_ids[n_order]

    cut = default_max_distance(C_old) if max_distance is None else float(max_distance)
    if np.isnan(cut) or cut < 0:
        raise ModelError(f"max_distance must be ≥ 0, got {max_distance}")
    if not 0 < min_share <= 1:
        raise ModelError(f"min_share must lie in (0, 1], got {min_share}")
    next_id = int(o_ids.max()) + 1 if first_new_id is None else int(first_new_id)
    if next_id <= int(o_ids.max()):
        raise ModelError(
            f"first_new_id {first_new_id} would reuse an id: the previous ids go up to "
            f"{int(o_ids.max())}"
        )

    D = cdist(C_new, C_old)
    pairs = _assign(D, cut)
    id_map = {int(n_ids[r]): int(o_ids[c]) for r, c in pairs}
    unmatched_new = [int(v) for v in n_ids if int(v) not in id_map]  # ascending
    born = list(range(next_id, next_id + len(unmatched_new)))
    id_map.update(zip(unmatched_new, born, strict=True))
    id_map = dict(sorted(id_map.items()))
    taken = {old for new, old in id_map.items() if new not in unmatched_new}
    retired = [int(v) for v in o_ids if int(v) not in taken]

    splits: list[SegmentSplit] = []
    merges: list[SegmentMerge] = []
    if (old_members is None) != (new_members is None):
        raise ModelError("give both old_members and new_members, or neither")
    if old_members is not None and new_members is not None:
        splits, merges = _splits_and_merges(
            _members(old_members, set(o_ids.tolist()), "old_members"),
            _members(new_members, set(n_ids.tolist()), "new_members"),
            id_map,
            min_share,
        )

    distances = pd.DataFrame(
        D,
        index=pd.Index(n_ids, name="new_label"),
        columns=pd.Index(o_ids, name="old_id"),
    )
    logger.info(
        "matched %d of %d new segments (cut-off %.4g); born %s, retired %s",
        len(pairs),
        len(n_ids),
        cut,
        born,
        retired,
    )
    return SegmentMatch(id_map, born, retired, splits, merges, distances, cut)


def _assign(D: np.ndarray, cut: float) -> list[tuple[int, int]]:
    """Index pairs (new row, old column) of the matching under the cut-off."""
    admissible = cut >= D
    if not admissible.any():
        return []
    # A pair beyond the cut-off costs more than all admissible pairs together, so the optimum
    # first makes as many admissible pairs as possible, then minimises their total distance.
    penalty = float(D[admissible].sum()) + 1.0
    cost = np.where(admissible, D, penalty)
    rows, cols = linear_sum_assignment(cost)
    return [(int(r), int(c)) for r, c in zip(rows, cols, strict=True) if admissible[r, c]]


def _centroids(values: ArrayLike, name: str) -> np.ndarray:
    try:
        C = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ModelError(f"{name} is not numeric: {exc}") from exc
    if C.ndim != 2 or C.shape[0] == 0 or C.shape[1] == 0:
        raise ModelError(f"{name} must be a non-empty k × d array, got shape {C.shape}")
    if not np.isfinite(C).all():
        bad = sorted({int(r) for r in np.argwhere(~np.isfinite(C))[:, 0]})
        raise ModelError(f"{name} has non-finite values in row(s) {bad}")
    return C


def _ids(values: ArrayLike, k: int, name: str) -> np.ndarray:
    arr = np.asarray(values)
    if arr.shape != (k,):
        raise ModelError(f"{name} has shape {arr.shape}, expected ({k},): one id per centroid")
    if not np.issubdtype(arr.dtype, np.integer):
        as_float = np.asarray(arr, dtype=np.float64)
        if not (np.isfinite(as_float).all() and (as_float == np.round(as_float)).all()):
            raise ModelError(f"{name} must be integers, got {arr.tolist()}")
    ids = arr.astype(np.int64)
    uniq, counts = np.unique(ids, return_counts=True)
    if (counts > 1).any():
        raise ModelError(f"{name} repeats id(s) {uniq[counts > 1].tolist()}")
    return ids


def _members(members: Members, known: set[int], name: str) -> pd.Series:
    """The membership as an int64 Series indexed by customer id, checked against ``known``."""
    series = members if isinstance(members, pd.Series) else pd.Series(dict(members))
    if series.index.has_duplicates:
        dupes = series.index[series.index.duplicated()].unique().tolist()[:5]
        raise DataQualityError(f"{name}: customer id(s) {dupes} appear more than once")
    missing = series.isna()
    if missing.any():
        raise DataQualityError(
            f"{name}: customer id(s) {series.index[missing].tolist()[:5]} have no segment"
        )
    numbers = pd.to_numeric(series, errors="coerce")
    bad = numbers.isna() | (numbers != numbers.round())
    if bad.any():
        first = series.index[bad][0]
        raise ModelError(
            f"{name}: customer {show(first)} has segment {show(series[first])}, not an id"
        )
    labels = numbers.astype("int64")
    unknown = ~labels.isin(sorted(known))
    if unknown.any():
        first = labels.index[unknown][0]
        raise ModelError(
            f"{name}: customer {show(first)} is in segment {int(labels[first])}, which is not one "
            f"of {sorted(known)}"
        )
    return labels


def _splits_and_merges(
    old: pd.Series, new: pd.Series, id_map: dict[int, int], min_share: float
) -> tuple[list[SegmentSplit], list[SegmentMerge]]:
    both = pd.DataFrame({"old": old}).join(pd.DataFrame({"new": new}), how="inner")
    if both.empty:
        logger.warning("no customer is in both memberships: splits and merges not assessed")
        return [], []
    counts_frame = pd.crosstab(both["old"], both["new"]).sort_index().sort_index(axis=1)
    old_labels = [int(v) for v in counts_frame.index.to_numpy()]
    new_labels = [int(v) for v in counts_frame.columns.to_numpy()]
    counts = counts_frame.to_numpy(dtype=np.int64)
    old_totals = counts.sum(axis=1)
    spread = counts / old_totals[:, None]  # share of each previous segment in each new one
    splits: list[SegmentSplit] = []
    for i, old_id in enumerate(old_labels):
        parts = sorted(
            (id_map[new_labels[j]], float(spread[i, j]))
            for j in np.flatnonzero(spread[i] >= min_share)
        )
        if len(parts) >= 2:
            splits.append(
                SegmentSplit(
                    old_id,
                    tuple(p[0] for p in parts),
                    tuple(p[1] for p in parts),
                    int(old_totals[i]),
                )
            )
    merges: list[SegmentMerge] = []
    for j, new_label in enumerate(new_labels):
        rows = np.flatnonzero(spread[:, j] >= min_share)
        if rows.size >= 2:
            merges.append(
                SegmentMerge(
                    id_map[new_label],
                    tuple(old_labels[i] for i in rows),
                    tuple(float(spread[i, j]) for i in rows),
                    int(counts[:, j].sum()),
                )
            )
    merges.sort(key=lambda m: m.into)
    return splits, merges
