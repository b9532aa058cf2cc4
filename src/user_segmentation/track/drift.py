"""How far new data has moved from the data a model was fitted on.

Four measures, each comparing new customers scored with the current model to the run's own
customers (the reference): the population stability index of each feature, the shift of
segment shares, the decay of the margin to the next segment, and the share of customers
farther from every centroid than almost all reference customers.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from user_segmentation.errors import DataQualityError, ModelError, SchemaError
from user_segmentation.track._show import show

logger = logging.getLogger(__name__)

#: Share given to a bin that holds no customer on one side, so that the logarithm in the PSI
#: stays finite. 1e-4 (0.01%) is the usual choice in credit-risk monitoring; it caps the
#: contribution of an emptied bin of share p at about p·ln(p / 1e-4).
EPSILON = 1e-4

#: Level standing for a missing value in the PSI (missing values form a bin of their own).
MISSING = "(missing)"

#: Columns of :func:`feature_psi`.
PSI_COLUMNS = ["feature", "kind", "psi", "n_bins"]

#: Columns of :attr:`ShareShift.table`.
SHARE_COLUMNS = ["segment_id", "old_share", "new_share", "shift"]

#: Assignment columns :func:`drift_report` reads (as in a run's assignments table).
SEGMENT, DISTANCE, MARGIN = "segment_id", "distance", "margin"


def psi(
    expected: ArrayLike, actual: ArrayLike, *, bins: int = 10, categorical: bool = False
) -> float:
    """Population stability index of ``actual`` against the reference ``expected``.

    ``PSI = Σ (a_i − e_i) · ln(a_i / e_i)`` over bins, where ``e_i`` and ``a_i`` are the shares
    of the reference and of the new values in bin ``i``.

    Numeric values are cut at the reference's quantiles ``1/bins, …, (bins−1)/bins`` into
    right-closed bins ``(−∞, q₁], (q₁, q₂], …, (q_{bins−1}, ∞)``; quantiles that coincide (a
    value repeated in many rows) merge their bins, so a feature with few distinct values gets
    fewer bins. New values beyond the reference's range fall in the two outer bins.
    Categorical values are binned by level (the union of both sides' levels). On both kinds,
    missing values form one more bin, so a change in missingness counts as drift. A bin share
    of 0 is replaced by :data:`EPSILON`.

    Parameters
    ----------
    expected : array-like
        Reference values (the customers the model was fitted on).
    actual : array-like
        New values.
    bins : int
        Number of quantile bins for numeric values (at least 2).
    categorical : bool
        Bin by level instead of by quantile.

    Returns
    -------
    float
        The index, ``≥ 0``; 0 for identical distributions.

    Raises
    ------
    DataQualityError
        If a side is empty, or numeric values are not numbers or are infinite.
    ModelError
        If ``bins < 2``.

    Examples
    --------
    Reference 1, 2, 3, 4 is cut at its median 2.5 into halves; the new values put 3/4 in the
    lower half: ``(0.75 − 0.5)·ln(1.5) + (0.25 − 0.5)·ln(0.5) ≈ 0.2747``.

    >>> round(psi([1, 2, 3, 4], [1, 1, 1, 4], bins=2), 4)
    0.2747

    The same shares by level give the same index:

    >>> round(psi(["a", "a", "b", "b"], ["a", "a", "a", "b"], categorical=True), 4)
    0.2747
    """
    return _psi(expected, actual, bins=bins, categorical=categorical, what="values")[0]


def feature_psi(
    reference_frame: pd.DataFrame,
    new_frame: pd.DataFrame,
    numeric: Sequence[str],
    categorical: Sequence[str] = (),
    *,
    bins: int = 10,
) -> pd.DataFrame:
    """PSI of each feature of ``new_frame`` against ``reference_frame`` (see :func:`psi`).

    Parameters
    ----------
    reference_frame, new_frame : pandas.DataFrame
        One row per customer, with every listed column.
    numeric, categorical : sequence of str
        Columns binned by quantile and by level.
    bins : int
        Quantile bins for numeric features.

    Returns
    -------
    pandas.DataFrame
        One row per feature, numeric then categorical in the given order, with
        :data:`PSI_COLUMNS`: ``kind`` is ``"numeric"`` or ``"categorical"`` and ``n_bins`` the
        number of bins actually used (missing-value bin included).

    Raises
    ------
    SchemaError
        If a listed column is missing from either frame, or listed twice.
    DataQualityError
        As :func:`psi`, naming the column.

    Examples
    --------
    >>> import pandas as pd
    >>> ref = pd.DataFrame({"spend": [1, 2, 3, 4], "country": ["FR", "FR", "DE", "DE"]})
    >>> new = pd.DataFrame({"spend": [1, 2, 3, 4], "country": ["FR", "FR", "FR", "DE"]})
    >>> feature_psi(ref, new, ["spend"], ["country"], bins=2).round(4)
       feature         kind     psi  n_bins
    0    spend      numeric  0.0000       2
    1  country  categorical  0.2747       2
    """
    columns = [*numeric, *categorical]
    repeated = sorted({c for c in columns if columns.count(c) > 1})
    if repeated:
        raise SchemaError(f"feature(s) {repeated} listed more than once")
    for name, frame in (("reference", reference_frame), ("new", new_frame)):
        missing = [c for c in columns if c not in frame.columns]
        if missing:
            raise SchemaError(f"{name} data: missing feature column(s) {missing}")
    rows: list[dict[str, Any]] = []
    for col in columns:
        is_cat = col in categorical
        value, n_bins = _psi(
            reference_frame[col],
            new_frame[col],
            bins=bins,
            categorical=is_cat,
            what=f"column '{col}'",
        )
        kind = "categorical" if is_cat else "numeric"
        rows.append({"feature": col, "kind": kind, "psi": value, "n_bins": n_bins})
    return pd.DataFrame(rows, columns=PSI_COLUMNS).astype({"psi": "float64", "n_bins": "int64"})


@dataclass(frozen=True)
class ShareShift:
    """How the share of each segment moved.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per segment (ascending id) with :data:`SHARE_COLUMNS`; ``shift`` is
        ``new_share − old_share``.
    total_variation : float
        ``½ Σ |shift|``: the share of customers that would have to change segment to restore
        the previous mix, in ``[0, 1]``.
    """

    table: pd.DataFrame
    total_variation: float


def share_shift(
    old_shares: Mapping[int, float] | pd.Series, new_shares: Mapping[int, float] | pd.Series
) -> ShareShift:
    """Per-segment share shift and total variation distance between two segment mixes.

    Parameters
    ----------
    old_shares, new_shares : mapping or pandas.Series
        Segment id → share (or count: each side is divided by its sum). A segment missing on
        one side has share 0 there.

    Returns
    -------
    ShareShift
        The per-segment table and the total variation distance.

    Raises
    ------
    DataQualityError
        If a share is negative, missing or infinite, or a side sums to 0.

    Examples
    --------
    >>> s = share_shift({1: 50, 2: 50}, {1: 0.3, 2: 0.6, 3: 0.1})
    >>> s.table["shift"].round(2).tolist(), round(s.total_variation, 2)
    ([-0.2, 0.1, 0.1], 0.2)
    """
    old = _shares(old_shares, "old shares")
    new = _shares(new_shares, "new shares")
    ids = sorted(set(old.index) | set(new.index))
    old, new = old.reindex(ids, fill_value=0.0), new.reindex(ids, fill_value=0.0)
    table = pd.DataFrame(
        {
            "segment_id": np.asarray(ids, dtype=np.int64),
            "old_share": old.to_numpy(),
            "new_share": new.to_numpy(),
            "shift": (new - old).to_numpy(),
        }
    )
    return ShareShift(table, float(0.5 * np.abs(table["shift"]).sum()))


def margin_decay(reference_margins: ArrayLike, new_margins: ArrayLike) -> float:
    """Relative fall of the median margin (or confidence) from the reference to new customers.

    ``(median(reference) − median(new)) / median(reference)``: 0.25 means the typical new
    customer is a quarter closer to the boundary with the next segment than the typical
    reference customer; negative when margins grew. 0 when the reference median is 0 (there
    is nothing left to lose).

    Parameters
    ----------
    reference_margins, new_margins : array-like
        Non-negative margins (second-nearest minus nearest centroid distance, or the relative
        margin ``confidence``), measured in the same model space.

    Raises
    ------
    DataQualityError
        If a side is empty or holds negative, missing or infinite values.

    Examples
    --------
    >>> margin_decay([1.0, 2.0, 3.0], [0.5, 1.5, 2.0])
    0.25
    """
    ref = _finite(reference_margins, "reference margins", non_negative=True)
    new = _finite(new_margins, "new margins", non_negative=True)
    ref_median = float(np.median(ref))
    if ref_median == 0.0:
        return 0.0
    return (ref_median - float(np.median(new))) / ref_median


def far_threshold(reference_distances: ArrayLike, quantile: float = 0.99) -> float:
    """The distance beyond which a customer counts as far: a high quantile of the reference's.

    It is the smallest observed reference distance at or above the ``quantile`` (numpy's
    ``"higher"`` method), so the reference customers themselves are never more than
    ``1 − quantile`` beyond it.

    Examples
    --------
    >>> far_threshold([1.0, 2.0, 3.0, 4.0, 5.0], quantile=0.5)
    3.0
    >>> far_threshold([1.0, 2.0, 3.0, 4.0], quantile=0.5)  # an observed value, not 2.5
    3.0
    """
    if not 0 < quantile < 1:
        raise ModelError(f"quantile must lie in (0, 1), got {quantile}")
    ref = _finite(reference_distances, "reference distances", non_negative=True)
    # "higher" picks an observed distance, so at most 1 − quantile of the reference itself lies
    # strictly beyond it, however few customers there are.
    return float(np.quantile(ref, quantile, method="higher"))


def far_share(
    distances: ArrayLike, reference_distances: ArrayLike, quantile: float = 0.99
) -> float:
    """Share of new customers farther from their nearest centroid than the reference's quantile.

    By construction about ``1 − quantile`` of the reference customers are that far; a much
    larger share among new customers means customers the model has no segment for.

    Parameters
    ----------
    distances : array-like
        New customers' distances to their nearest centroid.
    reference_distances : array-like
        The reference customers' distances, in the same model space.
    quantile : float
        Quantile of the reference distances beyond which a customer is *far* (strictly
        greater).

    Raises
    ------
    DataQualityError
        If a side is empty or holds negative, missing or infinite values.
    ModelError
        If ``quantile`` is not in ``(0, 1)``.

    Examples
    --------
    >>> far_share([0.5, 1.0, 9.0, 12.0], [0.2, 0.4, 0.6, 0.8, 1.0], quantile=0.99)
    0.5
    """
    limit = far_threshold(reference_distances, quantile)
    new = _finite(distances, "distances", non_negative=True)
    return float(np.mean(new > limit))


@dataclass(frozen=True)
class DriftReport:
    """The drift measures between a run's customers and new customers scored with its model.

    Any measure may be left out (``None``, or an empty PSI table); :func:`decide` judges what
    is there.

    Attributes
    ----------
    psi : pandas.DataFrame
        Per-feature PSI, columns :data:`PSI_COLUMNS` (see :func:`feature_psi`).
    shares : ShareShift or None
        Segment share shift (see :func:`share_shift`).
    margin_decay : float or None
        See :func:`margin_decay`.
    far_share : float or None
        See :func:`far_share`.
    far_quantile : float
        The reference quantile ``far_share`` was measured against.
    far_distance : float or None
        That quantile's distance.
    n_reference, n_new : int or None
        Customers on each side.
    """

    psi: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=PSI_COLUMNS))
    shares: ShareShift | None = None
    margin_decay: float | None = None
    far_share: float | None = None
    far_quantile: float = 0.99
    far_distance: float | None = None
    n_reference: int | None = None
    n_new: int | None = None

    def to_dict(self) -> dict[str, Any]:
        """The report as JSON-serialisable data, for a run's record.

        Examples
        --------
        >>> DriftReport(margin_decay=0.1).to_dict()["margin_decay"]
        0.1
        """
        return {
            "psi": [
                {
                    "feature": str(r["feature"]),
                    "kind": str(r["kind"]),
                    "psi": float(r["psi"]),
                    "n_bins": int(r["n_bins"]),
                }
                for r in self.psi.to_dict("records")
            ],
            "shares": None
            if self.shares is None
            else {
                "segments": [
                    {
                        "segment_id": int(r["segment_id"]),
                        "old_share": float(r["old_share"]),
                        "new_share": float(r["new_share"]),
                        "shift": float(r["shift"]),
                    }
                    for r in self.shares.table.to_dict("records")
                ],
                "total_variation": self.shares.total_variation,
            },
            "margin_decay": self.margin_decay,
            "far_share": self.far_share,
            "far_quantile": self.far_quantile,
            "far_distance": self.far_distance,
            "n_reference": self.n_reference,
            "n_new": self.n_new,
        }


def drift_report(
    reference_features: pd.DataFrame,
    new_features: pd.DataFrame,
    *,
    numeric: Sequence[str],
    categorical: Sequence[str] = (),
    reference_assignments: pd.DataFrame,
    new_assignments: pd.DataFrame,
    bins: int = 10,
    far_quantile: float = 0.99,
) -> DriftReport:
    """Measure every drift between a run's customers and new customers scored with its model.

    Both assignment tables must come from the same rule, nearest centroid in the run's model
    space (as the ``distance`` and ``margin`` of a run's assignments are), or share and
    margin differences reflect the rule rather than the data.

    Parameters
    ----------
    reference_features, new_features : pandas.DataFrame
        Features of the run's customers and of the new ones (original scale).
    numeric, categorical : sequence of str
        Features to compare (see :func:`feature_psi`).
    reference_assignments, new_assignments : pandas.DataFrame
        Columns ``segment_id``, ``distance`` (to the nearest centroid) and ``margin``.
    bins : int
        Quantile bins for the PSI.
    far_quantile : float
        Reference quantile for :func:`far_share`.

    Returns
    -------
    DriftReport
        Every measure.

    Raises
    ------
    SchemaError
        If a required column is missing.
    DataQualityError
        As the single measures.

    Examples
    --------
    >>> import pandas as pd
    >>> ref = pd.DataFrame({"segment_id": [1, 1, 2, 2], "distance": [0.1, 0.2, 0.1, 0.3],
    ...                     "margin": [2.0, 2.0, 1.0, 1.0], "spend": [1, 2, 3, 4]})
    >>> report = drift_report(ref, ref, numeric=["spend"], reference_assignments=ref,
    ...                       new_assignments=ref, bins=2)
    >>> report.psi["psi"].tolist(), report.shares.total_variation, report.far_share
    ([0.0], 0.0, 0.0)
    """
    for name, frame in (("reference", reference_assignments), ("new", new_assignments)):
        missing = [c for c in (SEGMENT, DISTANCE, MARGIN) if c not in frame.columns]
        if missing:
            raise SchemaError(f"{name} assignments: missing column(s) {missing}")
    ref_d = reference_assignments[DISTANCE]
    report = DriftReport(
        psi=feature_psi(reference_features, new_features, numeric, categorical, bins=bins),
        shares=share_shift(
            _segment_counts(reference_assignments, "reference assignments"),
            _segment_counts(new_assignments, "new assignments"),
        ),
        margin_decay=margin_decay(reference_assignments[MARGIN], new_assignments[MARGIN]),
        far_share=far_share(new_assignments[DISTANCE], ref_d, far_quantile),
        far_quantile=far_quantile,
        far_distance=far_threshold(ref_d, far_quantile),
        n_reference=len(reference_assignments),
        n_new=len(new_assignments),
    )
    logger.info(
        "drift: max PSI %.3g, share TVD %.3g, margin decay %.3g, far share %.3g",
        float(report.psi["psi"].max()) if len(report.psi) else 0.0,
        report.shares.total_variation if report.shares else 0.0,
        report.margin_decay or 0.0,
        report.far_share or 0.0,
    )
    return report


def _psi(
    expected: ArrayLike, actual: ArrayLike, *, bins: int, categorical: bool, what: str
) -> tuple[float, int]:
    """PSI and the number of bins used."""
    ref, new = _series(expected), _series(actual)
    for side, values in (("reference", ref), ("new", new)):
        if values.empty:
            raise DataQualityError(f"{what}: the {side} side has no values to compare")
    if categorical:
        e, a = _level_shares(ref, new)
    else:
        if bins < 2:
            raise ModelError(f"bins must be at least 2, got {bins}")
        e, a = _bin_shares(
            _numbers(ref, f"{what} (reference)"), _numbers(new, f"{what} (new)"), bins
        )
    e, a = np.maximum(e, EPSILON), np.maximum(a, EPSILON)
    return float(np.sum((a - e) * np.log(a / e))), int(e.size)


def _series(values: ArrayLike) -> pd.Series:
    if isinstance(values, pd.Series):
        return values.reset_index(drop=True)
    return pd.Series(np.asarray(values).ravel() if isinstance(values, np.ndarray) else values)


def _numbers(values: pd.Series, what: str) -> np.ndarray:
    """Values as float64 with NaN for missing; refuses text and infinities."""
    numbers = pd.to_numeric(values, errors="coerce")
    not_numbers = numbers.isna() & values.notna()
    if not_numbers.any():
        row = int(np.flatnonzero(not_numbers.to_numpy())[0])
        raise DataQualityError(
            f"{what}: value {show(values.iloc[row])} at position {row + 1} is not a number "
            "(compare it as categorical)"
        )
    arr = numbers.to_numpy(dtype=np.float64, na_value=np.nan)
    inf = np.isinf(arr)
    if inf.any():
        row = int(np.flatnonzero(inf)[0])
        raise DataQualityError(
            f"{what}: {int(inf.sum())} infinite value(s), first {arr[row]} at position {row + 1}"
        )
    return arr


def _bin_shares(ref: np.ndarray, new: np.ndarray, bins: int) -> tuple[np.ndarray, np.ndarray]:
    present = ref[~np.isnan(ref)]
    edges = (
        np.unique(np.quantile(present, np.linspace(0.0, 1.0, bins + 1)[1:-1]))
        if present.size
        else np.empty(0)
    )

    def shares(values: np.ndarray) -> np.ndarray:
        missing = np.isnan(values)
        # side="left": a value equal to a quantile joins the bin that quantile closes.
        codes = np.searchsorted(edges, values[~missing], side="left")
        counts = np.bincount(codes, minlength=edges.size + 1).astype(np.float64)
        return np.append(counts, float(missing.sum())) / values.size

    e, a = shares(ref), shares(new)
    if e[-1] == 0 and a[-1] == 0:  # no missing value on either side: no missing bin
        e, a = e[:-1], a[:-1]
    return e, a


def _level_shares(ref: pd.Series, new: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    # object dtype: a pandas Categorical cannot take the MISSING level it does not declare
    e = ref.astype(object).where(ref.notna(), MISSING).value_counts(normalize=True)
    a = new.astype(object).where(new.notna(), MISSING).value_counts(normalize=True)
    levels = sorted(set(e.index) | set(a.index), key=lambda v: (str(type(v)), str(v)))
    return (
        e.reindex(levels, fill_value=0.0).to_numpy(dtype=np.float64),
        a.reindex(levels, fill_value=0.0).to_numpy(dtype=np.float64),
    )


def _finite(values: ArrayLike, what: str, *, non_negative: bool = False) -> np.ndarray:
    try:
        arr = np.asarray(values, dtype=np.float64).ravel()
    except (TypeError, ValueError) as exc:
        raise DataQualityError(f"{what} are not numbers: {exc}") from exc
    if arr.size == 0:
        raise DataQualityError(f"{what}: no values")
    bad = ~np.isfinite(arr)
    if bad.any():
        raise DataQualityError(
            f"{what}: {int(bad.sum())} missing or infinite value(s), first at position "
            f"{int(np.flatnonzero(bad)[0]) + 1}"
        )
    if non_negative and (arr < 0).any():
        row = int(np.flatnonzero(arr < 0)[0])
        raise DataQualityError(f"{what}: negative value {arr[row]} at position {row + 1}")
    return arr


def _shares(values: Mapping[int, float] | pd.Series, what: str) -> pd.Series:
    series = values if isinstance(values, pd.Series) else pd.Series(dict(values), dtype=float)
    numbers = pd.to_numeric(series, errors="coerce").astype("float64")
    bad = ~np.isfinite(numbers.to_numpy()) | (numbers.to_numpy() < 0)
    if bad.any():
        first = series.index[bad][0]
        raise DataQualityError(
            f"{what}: segment {show(first)} has share {show(series[first])}; shares must be finite "
            "and non-negative"
        )
    total = float(numbers.sum())
    if total <= 0:
        raise DataQualityError(f"{what}: the shares sum to {total}, nothing to compare")
    try:
        numbers = numbers.set_axis(numbers.index.astype("int64"))
    except (TypeError, ValueError) as exc:
        raise DataQualityError(f"{what}: segment ids must be integers: {exc}") from exc
    return numbers.groupby(level=0).sum() / total


def _segment_counts(assignments: pd.DataFrame, what: str) -> pd.Series:
    segments = assignments[SEGMENT]
    if segments.isna().any():
        row = int(np.flatnonzero(segments.isna().to_numpy())[0])
        raise DataQualityError(f"{what}: row {row + 1} has no segment_id")
    return segments.value_counts().sort_index()
