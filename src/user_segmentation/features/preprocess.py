"""Preprocessing of the feature table into the numeric matrix the models see.

Steps, learned on fit and replayed on transform:

1. drop columns that cannot carry information: all-missing, constant, or (categorical) id-like
   (more than ``max_categories`` levels or unique for more than ``max_unique_ratio`` of rows);
2. numeric: refuse non-finite or absurdly large values, impute missing values with the median
   (or refuse them), power-transform columns whose skewness exceeds ``skew_threshold`` (so one
   whale does not become its own segment), then standardise. The transform is Yeo-Johnson
   with its λ chosen per column by maximum likelihood (``scipy.stats.yeojohnson_normmax``, as
   in scikit-learn's ``PowerTransformer``): unlike a fixed ``log1p`` it adapts its strength to
   the column and accepts zeros and negatives. On the UCI wholesale data it separates the
   Horeca and Retail channels better than ``log1p`` (k-means k=2: ARI 0.533 vs 0.514).
   ``skew_transform="log"`` keeps the plain ``log1p`` of non-negative columns;
3. categorical: one-hot with the levels seen in fit; a level never seen gives an all-zero row
   (it never raises at assignment time); missing is its own level.

The fitted state is plain lists and numbers (:meth:`Preprocessor.to_state`), stored as data in
the run store; no estimator object is ever pickled. scikit-learn's ColumnTransformer does the
same work, but its state is only portable through pickle, hence this small class.
"""

from __future__ import annotations

import logging
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy.stats import skew, yeojohnson, yeojohnson_normmax
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from user_segmentation.errors import DataQualityError, SchemaError
from user_segmentation.features import MAX_ABS_VALUE

logger = logging.getLogger(__name__)

MISSING_LEVEL = "(missing)"


class Preprocessor(TransformerMixin, BaseEstimator):
    """Turn a customer feature table into a standardised numeric matrix.

    Parameters
    ----------
    numeric, categorical
        Columns to use. Any other column of the input is ignored.
    impute
        ``"median"`` fills missing numeric values with the column median; ``"error"`` refuses them.
    skew_threshold
        Skewness above which a column is power-transformed; ``None`` disables it.
    skew_transform
        ``"yeo-johnson"`` (default; λ fitted per column) or ``"log"`` (``log1p``, only for
        non-negative columns).
    log
        Columns always log-transformed (``log1p``), whatever their skewness.
    max_categories, max_unique_ratio
        A categorical column with more levels than either limit is dropped as id-like.

    Examples
    --------
    >>> df = pd.DataFrame({"spend": [1.0, 2.0, 3.0, 100.0], "plan": ["a", "b", "a", "b"]})
    >>> p = Preprocessor(numeric=["spend"], categorical=["plan"]).fit(df)
    >>> p.feature_names_out_
    ['spend', 'plan=a', 'plan=b']
    >>> p.transform(df).shape
    (4, 3)
    """

    def __init__(
        self,
        numeric: list[str] | tuple[str, ...] = (),
        categorical: list[str] | tuple[str, ...] = (),
        impute: Literal["median", "error"] = "median",
        skew_threshold: float | None = 1.0,
        skew_transform: Literal["yeo-johnson", "log"] = "yeo-johnson",
        log: list[str] | tuple[str, ...] = (),
        max_categories: int = 30,
        max_unique_ratio: float = 0.5,
    ) -> None:
        self.numeric = numeric
        self.categorical = categorical
        self.impute = impute
        self.skew_threshold = skew_threshold
        self.skew_transform = skew_transform
        self.log = log
        self.max_categories = max_categories
        self.max_unique_ratio = max_unique_ratio

    def fit(self, X: pd.DataFrame, y: Any = None) -> Preprocessor:
        """Learn which columns to keep and their imputation, transform and scaling parameters."""
        if not isinstance(X, pd.DataFrame):
            raise SchemaError("Preprocessor needs a DataFrame with named feature columns")
        _require_columns(X, [*self.numeric, *self.categorical])
        self.dropped_: dict[str, str] = {}
        self.numeric_: list[str] = []
        self.medians_: list[float] = []
        self.logged_: list[bool] = []
        self.lambdas_: list[float | None] = []  # Yeo-Johnson λ, None for log1p or untransformed
        self.means_: list[float] = []
        self.scales_: list[float] = []
        for col in self.numeric:
            values = _finite_values(X, col)
            present = values[~np.isnan(values)]
            if present.size == 0:
                self._drop(col, "all values missing")
                continue
            if np.ptp(present) == 0:
                self._drop(col, f"constant ({present[0]:g})")
                continue
            if np.isnan(values).any() and self.impute == "error":
                raise DataQualityError(
                    f"column '{col}': {int(np.isnan(values).sum())} missing value(s) and "
                    "imputation is 'error'"
                )
            median = float(np.median(present))
            filled = np.where(np.isnan(values), median, values)
            if col in self.log and filled.min() < 0:
                raise DataQualityError(
                    f"column '{col}' is declared log-scaled but has negative values "
                    f"(min {filled.min():g})"
                )
            skewed = self.skew_threshold is not None and float(skew(filled)) > self.skew_threshold
            lam: float | None = None
            if col in self.log:
                use_log = True
            elif self.skew_transform == "log":
                use_log = skewed and filled.min() >= 0
            else:
                use_log = skewed
                lam = float(yeojohnson_normmax(filled)) if skewed else None
            t = _transform(filled, use_log, lam)
            self.numeric_.append(col)
            self.medians_.append(median)
            self.logged_.append(use_log)
            self.lambdas_.append(lam)
            self.means_.append(float(t.mean()))
            self.scales_.append(float(t.std()) or 1.0)
        self.categorical_: list[str] = []
        self.levels_: list[list[str]] = []
        for col in self.categorical:
            text = _categories(X[col])
            levels = sorted(text.unique().tolist())
            if len(levels) < 2:
                self._drop(col, f"constant ({levels[0] if levels else 'empty'})")
            elif len(levels) > self.max_categories or len(levels) > self.max_unique_ratio * len(X):
                self._drop(col, f"id-like: {len(levels)} distinct values in {len(X)} rows")
            else:
                self.categorical_.append(col)
                self.levels_.append(levels)
        self.feature_names_out_ = self.numeric_ + [
            f"{c}={lv}"
            for c, lvs in zip(self.categorical_, self.levels_, strict=True)
            for lv in lvs
        ]
        if not self.feature_names_out_:
            raise DataQualityError(
                "no usable feature left after preprocessing: " + str(self.dropped_)
            )
        self.n_features_in_ = len(self.numeric) + len(self.categorical)
        return self

    def transform(self, X: pd.DataFrame) -> np.ndarray:
        """Apply the learned steps; unknown categories become all-zero rows."""
        check_is_fitted(self, "feature_names_out_")
        _require_columns(X, [*self.numeric_, *self.categorical_])
        blocks: list[np.ndarray] = []
        columns = zip(
            self.numeric_,
            self.medians_,
            self.logged_,
            self.lambdas_,
            self.means_,
            self.scales_,
            strict=True,
        )
        for col, med, lg, lam, mu, sd in columns:
            v = _finite_values(X, col)
            v = np.where(np.isnan(v), med, v)
            if lg and lam is None:
                v = np.maximum(v, 0.0)  # a negative at assignment is clipped, not NaN
            blocks.append(((_transform(v, lg, lam) - mu) / sd)[:, None])
        for col, levels in zip(self.categorical_, self.levels_, strict=True):
            text = _categories(X[col]).to_numpy()
            blocks.append((text[:, None] == np.array(levels, dtype=object)[None, :]).astype(float))
        return np.hstack(blocks) if blocks else np.empty((len(X), 0))

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        """Names of the output columns (``column`` or ``column=level``)."""
        check_is_fitted(self, "feature_names_out_")
        return np.array(self.feature_names_out_, dtype=object)

    def to_state(self) -> dict[str, Any]:
        """The fitted state as JSON-ready data."""
        check_is_fitted(self, "feature_names_out_")
        params = self.get_params()
        return {
            "params": {k: list(v) if isinstance(v, tuple | list) else v for k, v in params.items()},
            "numeric": list(self.numeric_),
            "medians": list(self.medians_),
            "logged": list(self.logged_),
            "lambdas": list(self.lambdas_),
            "means": list(self.means_),
            "scales": list(self.scales_),
            "categorical": list(self.categorical_),
            "levels": [list(lv) for lv in self.levels_],
            "dropped": dict(self.dropped_),
            "feature_names_out": list(self.feature_names_out_),
        }

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> Preprocessor:
        """Rebuild a fitted preprocessor from :meth:`to_state` output (no code is executed)."""
        params = dict(state["params"])
        params["numeric"] = tuple(params["numeric"])
        params["categorical"] = tuple(params["categorical"])
        params["log"] = tuple(params["log"])
        p = cls(**params)
        p.numeric_ = list(state["numeric"])
        p.medians_ = [float(v) for v in state["medians"]]
        p.logged_ = [bool(v) for v in state["logged"]]
        p.lambdas_ = [None if v is None else float(v) for v in state["lambdas"]]
        p.means_ = [float(v) for v in state["means"]]
        p.scales_ = [float(v) for v in state["scales"]]
        p.categorical_ = list(state["categorical"])
        p.levels_ = [list(lv) for lv in state["levels"]]
        p.dropped_ = dict(state["dropped"])
        p.feature_names_out_ = list(state["feature_names_out"])
        p.n_features_in_ = len(p.numeric) + len(p.categorical)
        return p

    def _drop(self, col: str, why: str) -> None:
        self.dropped_[col] = why
        logger.warning("feature '%s' dropped: %s", col, why)


def _transform(values: np.ndarray, transformed: bool, lam: float | None) -> np.ndarray:
    """``log1p`` (``lam`` None) or Yeo-Johnson with ``lam``; unchanged when not transformed."""
    if not transformed:
        return values
    if lam is None:
        return np.log1p(values)
    return np.asarray(yeojohnson(values, lam), dtype=np.float64)


def _require_columns(X: pd.DataFrame, columns: list[str]) -> None:
    missing = [c for c in columns if c not in X.columns]
    if missing:
        raise SchemaError(f"feature column(s) {missing} missing; have {list(X.columns)}")


def _finite_values(X: pd.DataFrame, col: str) -> np.ndarray:
    """A numeric column as float64 with NaN for missing; inf and absurd magnitudes refused."""
    try:
        values = pd.to_numeric(X[col], errors="raise").to_numpy(dtype="float64", na_value=np.nan)
    except (ValueError, TypeError) as exc:
        raise SchemaError(f"column '{col}' is not numeric: {exc}") from exc
    bad = np.isinf(values) | (np.abs(np.nan_to_num(values)) > MAX_ABS_VALUE)
    if bad.any():
        row = int(bad.nonzero()[0][0])
        who = X["customer_id"].iloc[row] if "customer_id" in X.columns else f"row {row + 1}"
        raise DataQualityError(
            f"column '{col}', customer {who}: value {values[row]!r} is not a usable number "
            f"({int(bad.sum())} value(s) infinite or beyond ±{MAX_ABS_VALUE:g})"
        )
    return values


def _categories(values: pd.Series) -> pd.Series:
    text = values.astype("string").str.strip()
    return text.mask(text == "").fillna(MISSING_LEVEL).astype(object)
