"""``segment update``: bring the segments up to date with new data, keeping ids stable.

The project's sources are read again (appended transactions, new customers, changed
attributes) and every customer is scored with the current run's model. Drift against that
run decides between two outcomes, with the reasons recorded in the new run:

- **keep**: the model (preprocessing, PCA, centroids) is kept; customers take the nearest
  segment; ids and names stay; only profiles, rules and values are recomputed;
- **refit**: k is chosen and the segments fitted again on the new data; each new segment is
  matched to the current run's in the current model's space (Hungarian on centroids, with a
  distance cut-off): matched ones keep their id and name, others are born with ids never used
  before, unmatched old ones retire; splits and merges are recorded.

Either way the new run carries the migration ledger (who moved from which segment to which),
and is saved in one transaction under the store's writer lock. If the inputs and the project
file are exactly those of the current run, nothing is done (a scheduler may call this as often
as it likes).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from user_segmentation.cluster import Clustering
from user_segmentation.config import ProjectConfig
from user_segmentation.errors import StoreError
from user_segmentation.pipeline.assign import StoredModel, score
from user_segmentation.pipeline.gather import Progress, _Stages, gather, input_fingerprint
from user_segmentation.pipeline.run import (
    Fitted,
    RunResult,
    build_record,
    fit_segments,
    reduce_features,
    save_and_report,
)
from user_segmentation.records import MOVE_COLUMNS, RunRecord
from user_segmentation.store import RunStore, writer_lock
from user_segmentation.track import (
    Decision,
    DriftThresholds,
    SegmentMatch,
    decide,
    drift_report,
    label_centroids,
    match_segments,
    moves,
)


@dataclass(frozen=True)
class UpdateResult:
    """What an update did: a new run (``result``), or nothing (``skipped`` says why)."""

    base_run_id: int
    decision: Decision | None
    result: RunResult | None
    match: SegmentMatch | None = None
    skipped: str | None = None


def update_project(
    config: ProjectConfig, *, refit: bool = False, progress: Progress | None = None
) -> UpdateResult:
    """Update the project's segments with its sources' current data (see the module text).

    Parameters
    ----------
    config
        The project file.
    refit
        Refit whatever the drift says.
    progress
        Called with each stage name as it starts.

    Raises
    ------
    StoreError
        If the store has no run to update (run ``segment run`` first), or another run is
        writing.
    """
    store_url = config.store_url()
    with writer_lock(store_url):
        with RunStore(store_url) as store:
            base_id = store.current_run_id()
            if base_id is None:
                raise StoreError(
                    f"store {store_url} has no run to update yet; start with `segment run`"
                )
            base = store.load_run(base_id)
            runs = store.list_runs()
        g = gather(config, progress=progress)
        # The same data and project as the current run, or as a candidate already made from
        # it and awaiting publication: nothing new to compute.
        same = runs[
            (runs["input_fingerprint"] == input_fingerprint(g.fingerprints))
            & (runs["config_hash"] == config.fingerprint())
            & (runs["run_id"] >= base_id)
        ]
        if not refit and len(same):
            made = int(same["run_id"].max())
            waiting = "" if made == base_id else f" (run {made}, awaiting publication)"
            return UpdateResult(
                base_id,
                None,
                None,
                skipped=f"inputs and project unchanged since run {made}{waiting}",
            )
        stage = _Stages(progress, g.timings)
        model = StoredModel.from_record(base)
        with stage("drift"):
            kept = g.prepared(model.preprocessor, model.pca)
            scored, _ = score(g.features, model)
            report = drift_report(
                base.customers,
                g.features,
                numeric=model.preprocessor.numeric_,
                categorical=model.preprocessor.categorical_,
                reference_assignments=base.assignments,
                new_assignments=scored,
            )
            decision = (
                Decision("refit", ["a refit was asked for (--refit)"], [])
                if refit
                else decide(report, _thresholds(config))
            )
        lineage: dict[str, Any] = {
            "base_run_id": base_id,
            "update": {
                "decision": decision.action,
                "reasons": decision.reasons,
                "notes": decision.notes,
                "drift": report.to_dict(),
            },
        }
        match: SegmentMatch | None = None
        if decision.action == "keep":
            # Centroid rows are in the model's id order, which after a refit is the matching's
            # order, not ascending: map ids back to rows explicitly.
            row_of = {int(i): row for row, i in enumerate(model.segment_ids)}
            labels = np.array([row_of[int(i)] for i in scored["segment_id"]], dtype=np.int64)
            fitted = Fitted(
                selection={
                    **base.selection,
                    "rationale": f"Model kept from run {base_id}. "
                    + str(base.selection.get("rationale", "")),
                },
                k_scores=base.k_scores,
                k=len(model.segment_ids),
                primary=Clustering(
                    labels=labels,
                    centroids=model.centroids,
                    method=str(base.meta.get("primary_method", "kmeans")),
                    inertia=float(np.square(scored["distance"].to_numpy()).sum()),
                    confidence=scored["confidence"].to_numpy(),
                ),
                secondary=None,
                agreement=float("nan"),
                stability=[],
                ward=None,
            )
            p, ids = kept, [int(i) for i in model.segment_ids]
            names = dict(model.names)
            lineage["max_segment_id"] = _max_segment_id(base)
        else:
            p = reduce_features(config, g, stage)
            fitted = fit_segments(config, p.Z, stage)
            new_labels = fitted.primary.labels
            label_ids, centroids = label_centroids(kept.Z, new_labels)
            match = match_segments(
                model.centroids,
                centroids,
                old_ids=model.segment_ids,
                new_ids=label_ids,
                old_members=_members(base.assignments),
                new_members=pd.Series(new_labels, index=g.features["customer_id"].astype(str)),
                first_new_id=_max_segment_id(base) + 1,
            )
            ids = [int(match.id_map[int(label)]) for label in range(fitted.k)]
            names = {i: model.names[i] for i in ids if i in model.names}
            lineage["max_segment_id"] = max(_max_segment_id(base), *ids)
            lineage["update"]["matching"] = _match_dict(match)
        names.update(config.profile.names)
        record = build_record(config, p, fitted, ids=ids, names=names, stage=stage, meta=lineage)
        record.moves = _ledger(base, record)
        result = save_and_report(config, record, stage, publish=config.store.auto_publish)
        return UpdateResult(base_id, decision, result, match)


def _thresholds(config: ProjectConfig) -> DriftThresholds:
    u = config.update
    return DriftThresholds(
        psi_moderate=u.psi_moderate,
        psi_major=u.psi_major,
        share_total_variation=u.share_total_variation,
        margin_decay=u.margin_decay,
        far_share=u.far_share,
    )


def _members(assignments: pd.DataFrame) -> pd.Series:
    return pd.Series(
        assignments["segment_id"].to_numpy(), index=assignments["customer_id"].astype(str)
    )


def _max_segment_id(record: RunRecord) -> int:
    """The largest segment id ever used up to ``record`` (retired ids are never reused)."""
    ids = [int(i) for i in record.model.get("segment_ids", [])]
    return max([int(record.meta.get("max_segment_id", 0)), *ids])


def _match_dict(match: SegmentMatch) -> dict[str, Any]:
    return {
        "id_map": {str(k): int(v) for k, v in match.id_map.items()},
        "born": [int(i) for i in match.born],
        "retired": [int(i) for i in match.retired],
        "splits": [
            {"old_id": int(s.old_id), "into": [int(i) for i in s.into]} for s in match.splits
        ],
        "merges": [
            {"into": int(m.into), "old_ids": [int(i) for i in m.old_ids]} for m in match.merges
        ],
        "max_distance": float(match.max_distance),
    }


def _ledger(base: RunRecord, record: RunRecord) -> pd.DataFrame:
    """Customers whose segment changed since the base run, including arrivals and leavers."""
    columns = ["customer_id", "segment_id"]
    ledger = moves(
        base.assignments[columns], record.assignments[columns], include_new_and_gone=True
    )
    return ledger[MOVE_COLUMNS].reset_index(drop=True)
