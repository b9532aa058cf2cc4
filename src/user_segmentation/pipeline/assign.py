"""Score customers with a stored run's model, without refitting anything.

The model is rebuilt from the run's JSON state (preprocessing parameters, PCA, centroids:
data, never pickle), each customer goes to the nearest centroid, and the margin to the
second-nearest gives the confidence. New data is checked first, and every problem of every
column is reported at once (``../shared/reliability/BAD_INPUTS.md`` #42-46):

- a feature the model needs is missing: error naming it, the similar columns present (a renamed
  column), and the ``aliases`` that would map it; a feature is never silently dropped;
- extra columns: ignored and logged, never fed to the model;
- numbers stored as text (``"12"``) are converted; values that are not numbers are listed by
  column, row and value;
- categories the model has never seen score as all-zero indicators (they match no level), and
  are counted in the result's notes.
"""

from __future__ import annotations

import difflib
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from user_segmentation.cluster import nearest_two, relative_margin
from user_segmentation.errors import SchemaError
from user_segmentation.features.preprocess import Preprocessor
from user_segmentation.integrate.combine import CUSTOMER_ID
from user_segmentation.records import RunRecord
from user_segmentation.reduce.pca import PcaModel

logger = logging.getLogger(__name__)

#: Columns of :attr:`Scored.assignments`.
SCORED_COLUMNS = ["customer_id", "segment_id", "segment_name", "distance", "margin", "confidence"]

_MAX_LISTED = 5  # bad values quoted per column


@dataclass
class Scored:
    """Customers scored with a run's model."""

    assignments: pd.DataFrame  # SCORED_COLUMNS, one row per customer, input order
    Z: np.ndarray  # the customers in the model's PCA space
    notes: list[str] = field(default_factory=list)  # ignored columns, unseen categories


@dataclass(frozen=True)
class StoredModel:
    """A run's model rebuilt from its state: preprocessing, PCA, centroids and their ids."""

    preprocessor: Preprocessor
    pca: PcaModel
    centroids: np.ndarray
    segment_ids: np.ndarray
    names: dict[int, str]

    @classmethod
    def from_record(cls, record: RunRecord) -> StoredModel:
        """Rebuild the model of ``record`` (no code is executed: the state is plain data)."""
        model = record.model
        try:
            pre = Preprocessor.from_state(model["preprocessor"])
            pca = PcaModel.from_state(model["pca"])
            centroids = np.asarray(model["centroids"], dtype=np.float64)
            ids = np.asarray(model.get("segment_ids", range(1, len(centroids) + 1)), dtype=np.int64)
        except (KeyError, TypeError, ValueError) as exc:
            raise SchemaError(
                f"run {record.run_id}: its model state cannot be read ({exc!r}); "
                "it was not written by this version"
            ) from exc
        names = {
            int(i): str(n)
            for i, n in zip(record.segments["segment_id"], record.segments["name"], strict=True)
        }
        return cls(pre, pca, centroids, ids, names)

    @property
    def features(self) -> list[str]:
        """The input columns the model needs."""
        return [*self.preprocessor.numeric_, *self.preprocessor.categorical_]


def check_new_data(
    frame: pd.DataFrame,
    model: StoredModel,
    *,
    source: str,
    aliases: Mapping[str, str] | None = None,
) -> tuple[pd.DataFrame, list[str]]:
    """Rename, select and type-check the columns the model needs; report every problem at once.

    Parameters
    ----------
    frame
        New customers: ``customer_id`` and the model's features, any extra columns.
    model
        The stored model.
    source
        Name of the data in messages (a file path).
    aliases
        ``{column in the new data: feature name of the model}`` for renamed columns.

    Returns
    -------
    (pandas.DataFrame, list of str)
        ``customer_id`` and the model's features, numeric ones as float; and notes on what was
        ignored or converted.

    Raises
    ------
    SchemaError
        Listing every missing column (with similar names present) and every value that is not
        a number, by column, row (1-based, as in the file) and value.
    """
    aliases = dict(aliases or {})
    unknown_alias = [a for a, target in aliases.items() if target not in model.features]
    if unknown_alias:
        raise SchemaError(
            f"{source}: alias(es) {unknown_alias} map to no feature of the model; "
            f"features: {model.features}"
        )
    data = frame.rename(columns=aliases)
    problems: list[str] = []
    notes: list[str] = []
    needed = [CUSTOMER_ID, *model.features]
    for col in needed:
        if col not in data.columns:
            similar = difflib.get_close_matches(col, [str(c) for c in data.columns], n=3)
            hint = f"; similar: {', '.join(similar)} (map one with an alias)" if similar else ""
            problems.append(f"required column '{col}' missing{hint}")
    extra = [str(c) for c in data.columns if c not in needed]
    if extra:
        notes.append(f"ignored column(s) the model does not use: {', '.join(extra)}")
        logger.info("%s: ignored column(s) %s", source, extra)
    if problems:
        raise SchemaError(f"{source}: " + "; ".join(problems))
    out = data[needed].copy()
    out[CUSTOMER_ID] = out[CUSTOMER_ID].astype(str).str.strip()
    for col in model.preprocessor.numeric_:
        values = out[col]
        numbers = pd.to_numeric(values, errors="coerce")
        bad = numbers.isna() & values.notna() & values.astype(str).str.strip().ne("")
        if bad.any():
            rows = np.flatnonzero(bad.to_numpy())
            shown = ", ".join(
                f"row {int(r) + 2}: {str(values.iloc[r])!r}" for r in rows[:_MAX_LISTED]
            )
            more = f" and {len(rows) - _MAX_LISTED} more" if len(rows) > _MAX_LISTED else ""
            problems.append(f"column '{col}' is numeric in the model; not numbers: {shown}{more}")
        elif not pd.api.types.is_numeric_dtype(values):
            notes.append(f"column '{col}' read as text, converted to numbers")
        out[col] = numbers.astype(float)
    if problems:
        raise SchemaError(f"{source}: " + "; ".join(problems))
    for col, levels in zip(
        model.preprocessor.categorical_, model.preprocessor.levels_, strict=True
    ):
        text = out[col].astype("string").str.strip()
        unseen = sorted(set(text.dropna()) - set(levels) - {""})
        if unseen:
            count = int(text.isin(unseen).sum())
            notes.append(
                f"column '{col}': {count} customer(s) with categories the model has not seen "
                f"({', '.join(unseen[:_MAX_LISTED])}); they match no level"
            )
    duplicated = out[CUSTOMER_ID].duplicated()
    if duplicated.any():
        rows = np.flatnonzero(duplicated.to_numpy())[:_MAX_LISTED]
        raise SchemaError(
            f"{source}: customer_id appears more than once: "
            + ", ".join(f"row {int(r) + 2}: {out[CUSTOMER_ID].iloc[r]!r}" for r in rows)
        )
    return out, notes


def score(features: pd.DataFrame, model: StoredModel) -> tuple[pd.DataFrame, np.ndarray]:
    """Nearest-centroid assignment of checked features (see :func:`check_new_data`).

    Returns the :data:`SCORED_COLUMNS` table and the customers' PCA coordinates.
    """
    Z = model.pca.transform(model.preprocessor.transform(features))
    nearest, distance, margin = nearest_two(Z, model.centroids)
    ids = model.segment_ids[nearest]
    scored = pd.DataFrame(
        {
            "customer_id": features[CUSTOMER_ID].astype(str).to_numpy(),
            "segment_id": ids,
            "segment_name": [model.names.get(int(i), f"Segment {int(i)}") for i in ids],
            "distance": distance,
            "margin": margin,
            "confidence": relative_margin(distance, distance + margin),
        }
    )
    return scored, Z


def assign_new(
    frame: pd.DataFrame,
    record: RunRecord,
    *,
    source: str,
    aliases: Mapping[str, str] | None = None,
) -> Scored:
    """Check new customers against ``record``'s model and assign each to a segment.

    Examples
    --------
    See ``tests/pipeline/test_assign.py``; the CLI's ``segment assign`` calls this.
    """
    model = StoredModel.from_record(record)
    checked, notes = check_new_data(frame, model, source=source, aliases=aliases)
    assignments, Z = score(checked, model)
    return Scored(assignments, Z, notes)


def model_summary(record: RunRecord) -> dict[str, Any]:
    """What the model expects, for messages and ``--help`` texts."""
    model = StoredModel.from_record(record)
    return {"run_id": record.run_id, "features": model.features, "k": len(model.segment_ids)}
