"""``segment run``: every stage from the sources to the stored run and its report.

Nothing is written until every stage has succeeded: the run is saved in one store transaction
and the report is written atomically afterwards, so a bad input leaves the store at its last good
run.
"""

from __future__ import annotations

import logging
import math
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.metrics import adjusted_rand_score

from user_segmentation import __version__
from user_segmentation.cluster import (
    Clustering,
    align_to,
    dendrogram_data,
    fit_kmeans,
    fit_ward,
    merge_small_segments,
    nearest_two,
)
from user_segmentation.config import ProjectConfig
from user_segmentation.errors import SegmentationError, StoreError
from user_segmentation.features.preprocess import Preprocessor
from user_segmentation.integrate.combine import CUSTOMER_ID
from user_segmentation.pipeline.gather import (
    Gathered,
    Prepared,
    Progress,
    _Stages,
    gather,
    input_fingerprint,
)
from user_segmentation.profile.describe import describe_segments
from user_segmentation.profile.playbook import load_playbook
from user_segmentation.profile.profiles import profile_table, segment_table, statistics_record
from user_segmentation.profile.stats import segment_statistics, value_shares
from user_segmentation.records import ASSIGNMENT_COLUMNS
from user_segmentation.reduce.pca import fit_pca
from user_segmentation.report import render_report
from user_segmentation.select import KSelection, bootstrap_stability, sweep_k
from user_segmentation.store import RunRecord, RunStore, writer_lock

logger = logging.getLogger(__name__)

STAGES = (
    "read",
    "integrate",
    "features",
    "reduce",
    "select",
    "cluster",
    "profile",
    "store",
    "report",
)


@dataclass(frozen=True)
class RunResult:
    """What a finished run produced, and where."""

    record: RunRecord
    run_id: int
    store_url: str
    report_path: Path


def prepare(config: ProjectConfig, *, progress: Progress | None = None) -> Prepared:
    """Read, integrate, engineer and reduce: everything before choosing k.

    Useful on its own in notebooks and benchmarks; :func:`run_project` starts with it.
    """
    g = gather(config, progress=progress)
    return reduce_features(config, g, _Stages(progress, g.timings))


def reduce_features(config: ProjectConfig, g: Gathered, stage: _Stages) -> Prepared:
    """Fit the preprocessing and the PCA on the gathered customers."""
    with stage("reduce"):
        pre = Preprocessor(
            numeric=g.basis_numeric,
            categorical=g.basis_categorical,
            impute=config.features.impute,
            skew_threshold=config.features.skew_threshold,
            skew_transform=config.features.skew_transform,
            log=tuple(config.features.log),
        ).fit(g.features)
        X = pre.transform(g.features)
        pca = fit_pca(
            X, pre.feature_names_out_, variance=config.reduce.variance, random_state=config.seed
        )
        return g.prepared(pre, pca, pca.transform(X))


def run_project(config: ProjectConfig, *, progress: Progress | None = None) -> RunResult:
    """Run the whole segmentation declared by ``config`` and store it.

    Parameters
    ----------
    config
        A validated project file (see :func:`user_segmentation.config.load_config`).
    progress
        Called with each stage name (:data:`STAGES`) as it starts.

    Returns
    -------
    RunResult
        The stored record, its run id, the store URL and the report path.
    """
    store_url = config.store_url()
    _check_existing_store(store_url)
    with writer_lock(store_url):
        p = prepare(config, progress=progress)
        stage = _Stages(progress, p.timings)
        fitted = fit_segments(config, p.Z, stage)
        record = build_record(
            config,
            p,
            fitted,
            ids=list(range(1, fitted.k + 1)),  # ids shown to people start at 1
            names=config.profile.names,
            stage=stage,
        )
        return save_and_report(config, record, stage, publish=config.store.auto_publish)


@dataclass
class Fitted:
    """The chosen k and the segments fitted at it (stages select → cluster)."""

    selection: dict[str, Any]  # KSelection.to_dict(): the verdict and the rationale
    k_scores: pd.DataFrame  # one row per k
    k: int
    primary: Clustering
    secondary: Clustering | None  # None when the model was kept, not refitted
    agreement: float
    stability: list[float]
    ward: Clustering | None


def fit_segments(config: ProjectConfig, Z: np.ndarray, stage: _Stages) -> Fitted:
    """Choose k (unless configured), fit both methods, merge small segments if asked."""
    m = config.model
    with stage("select"):
        selection = choose_k(config, Z)
        k = selection.recommended_k if m.k == "auto" else int(m.k)
    with stage("cluster"):
        km = fit_kmeans(Z, k, random_state=config.seed, n_init=m.n_init)
        ward = fit_ward(Z, k, random_state=config.seed, exact_max=m.ward_exact_max)
        primary, secondary = (km, ward) if m.primary == "kmeans" else (ward, km)
        if config.profile.small_segments == "merge":
            primary = merge_small_segments(Z, primary, config.profile.min_segment_size)
            if primary.k < k:
                k = primary.k
                secondary = (
                    fit_ward(Z, k, random_state=config.seed, exact_max=m.ward_exact_max)
                    if m.primary == "kmeans"
                    else fit_kmeans(Z, k, random_state=config.seed, n_init=m.n_init)
                )
                ward = secondary if m.primary == "kmeans" else primary
        agreement = float(adjusted_rand_score(primary.labels, secondary.labels))
        stability = _segment_stability(config, Z, primary)
    return Fitted(
        selection.to_dict(), selection.scores, k, primary, secondary, agreement, stability, ward
    )


def build_record(
    config: ProjectConfig,
    p: Prepared,
    fitted: Fitted,
    *,
    ids: list[int],
    names: dict[int, str],
    stage: _Stages,
    meta: dict[str, Any] | None = None,
    moves: pd.DataFrame | None = None,
) -> RunRecord:
    """Profile the segments and assemble the run.

    ``ids[i]`` is the id shown for the primary clustering's label ``i`` (1..k for a new
    model; the matched, stable ids after an update). ``names`` override generated names.
    """
    features, pre, pca = p.features, p.preprocessor, p.pca
    primary = fitted.primary
    id_of = np.asarray(ids, dtype=np.int64)
    segment_ids = id_of[primary.labels]
    with stage("profile"):
        statistics = segment_statistics(
            features, segment_ids, numeric=p.numeric, categorical=p.categorical
        )
        descriptions = describe_segments(
            features,
            segment_ids,
            numeric=pre.numeric_,
            categorical=pre.categorical_,
            playbook=load_playbook(
                None if config.profile.playbook is None else config.resolve(config.profile.playbook)
            ),
            user_names=names,
            statistics=statistics,
            random_state=config.seed,
        )
        segments = segment_table(
            segment_ids,
            descriptions,
            stability=fitted.stability,
            values=value_shares(features, segment_ids) if "monetary" in features else None,
            min_size=config.profile.min_segment_size,
        )
        profiles = profile_table(
            features, segment_ids, numeric=p.numeric, categorical=p.categorical
        )
    secondary_ids = (
        None
        if fitted.secondary is None
        else id_of[align_to(primary.labels, fitted.secondary.labels)]
    )
    record = RunRecord(
        meta={**_meta(config, p, fitted), **(meta or {})},
        quality={
            **p.data.quality,
            "preprocessing": {
                "dropped_features": pre.dropped_,
                "transformed": _transformed(pre),
            },
        },
        selection=fitted.selection,
        model={
            "preprocessor": pre.to_state(),
            "pca": pca.to_state(),
            "centroids": primary.centroids.tolist(),
            "segment_ids": [int(i) for i in ids],
            "dendrogram": None if fitted.ward is None else _dendrogram(fitted.ward, fitted.k),
        },
        timings=p.timings,
        k_scores=fitted.k_scores,
        assignments=_assignments(features[CUSTOMER_ID], p.Z, segment_ids, secondary_ids, primary),
        segments=segments,
        profiles=profiles,
        statistics=statistics_record(statistics),
        customers=features[[CUSTOMER_ID, *p.numeric, *p.categorical]].reset_index(drop=True),
    )
    if moves is not None:
        record.moves = moves
    return record


def save_and_report(
    config: ProjectConfig, record: RunRecord, stage: _Stages, *, publish: bool
) -> RunResult:
    """Save the run in one transaction, then write its report atomically.

    The project's report shows the current run (the published one, once a run has been
    published); a candidate that is not current gets its own ``<report>.run<N>.html``.
    """
    store_url = config.store_url()
    check_free_space(store_url, record)
    with stage("store"), RunStore(store_url) as store:
        run_id = store.save_run(record, publish=publish)
        current = store.current_run_id()
    report_path = config.resolve(config.report.path)
    if current != run_id:
        report_path = candidate_report_path(report_path, run_id)
    with stage("report"):
        try:
            render_report(record, report_path)
        except SegmentationError as exc:
            raise SegmentationError(
                f"run {run_id} was saved, but its report could not be written ({exc}); "
                f"write it again with `segment report {run_id}`"
            ) from exc
    return RunResult(record=record, run_id=run_id, store_url=store_url, report_path=report_path)


#: Bytes a SQLite store needs per stored value (row overhead, key, index): the demo store
#: takes about 29, so 40 leaves room; used only for the free-space check before a write.
_BYTES_PER_VALUE = 40


def check_free_space(store_url: str, record: RunRecord) -> None:
    """Refuse to start writing a run that cannot fit on the store's disk.

    SQLite needs room for the new rows and their write-ahead log; running out half-way is
    safe (the transaction rolls back) but wastes the run, and the message would only say
    "disk I/O error". PostgreSQL stores are not checked (the server owns its disk).
    """
    if not store_url.startswith("sqlite:///"):
        return
    folder = Path(store_url.removeprefix("sqlite:///")).parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    values = record.customers.size + record.assignments.size + record.statistics.size
    needed = 2 * values * _BYTES_PER_VALUE  # the rows, and the same again in the WAL
    free = shutil.disk_usage(folder).free
    if free < needed:
        raise StoreError(
            f"store {store_url.removeprefix('sqlite:///')}: about {needed / 1e6:,.0f} MB of free "
            f"space needed to save this run, {free / 1e6:,.0f} MB free in {folder}; "
            "free some space or point store.url elsewhere. Nothing was written"
        )


def candidate_report_path(report_path: Path, run_id: int) -> Path:
    """Where the report of a run that is not the current one goes.

    Examples
    --------
    >>> candidate_report_path(Path("out/report.html"), 7).as_posix()
    'out/report.run7.html'
    """
    return report_path.with_name(f"{report_path.stem}.run{run_id}{report_path.suffix}")


def _check_existing_store(url: str) -> None:
    """Refuse an existing SQLite store this version cannot write to before any work is done
    (a new store is only created once the run has succeeded)."""
    if url.startswith("sqlite:///") and Path(url.removeprefix("sqlite:///")).is_file():
        with RunStore(url):
            pass


def _segment_stability(config: ProjectConfig, Z: np.ndarray, primary: Clustering) -> list[float]:
    """Bootstrap mean Jaccard of each of the run's segments (empty when switched off)."""
    m = config.model
    if m.stability_boots == 0 or primary.k < 2:
        return []
    result = bootstrap_stability(
        Z,
        primary.k,
        n_boot=m.stability_boots,
        random_state=config.seed,
        sample_size=m.evidence_sample_size,
        reference=primary.labels,
    )
    return [float(v) for v in result.jaccard]


def _dendrogram(ward: Clustering, k: int) -> dict[str, Any] | None:
    """The top of the Ward tree for the report, or None when Ward kept no tree."""
    if ward.linkage is None or ward.linkage.shape[0] == 0:
        return None
    return dendrogram_data(ward.linkage, k, leaf_sizes=ward.leaf_sizes)


def _transformed(pre: Preprocessor) -> dict[str, str]:
    """Which basis columns were transformed before scaling, and how."""
    return {
        col: "log1p" if lam is None else f"yeo-johnson (λ={lam:.3g})"
        for col, lg, lam in zip(pre.numeric_, pre.logged_, pre.lambdas_, strict=True)
        if lg
    }


def choose_k(
    config: ProjectConfig, Z: np.ndarray, *, k_min: int | None = None, k_max: int | None = None
) -> KSelection:
    """The k sweep with the project's settings (``k_min``/``k_max`` override them).

    Examples
    --------
    >>> import numpy as np
    >>> from user_segmentation.config import ProjectConfig
    >>> crm = {"kind": "csv", "path": "crm.csv", "key": "id", "role": "attributes"}
    >>> config = ProjectConfig.model_validate({"sources": {"crm": crm}, "model": {"gap_refs": 0}})
    >>> Z = np.r_[np.zeros((30, 2)), np.full((30, 2), 5.0)] + np.random.default_rng(0).normal(
    ...     scale=0.3, size=(60, 2))
    >>> choose_k(config, Z, k_max=4).recommended_k
    2
    """
    m = config.model
    return sweep_k(
        Z,
        m.k_min if k_min is None else k_min,
        m.k_max if k_max is None else k_max,
        random_state=config.seed,
        silhouette_exact_max=m.silhouette_exact_max,
        silhouette_sample_size=m.silhouette_sample_size,
        min_segment_size=max(2, math.ceil(m.min_segment_share * len(Z))),
        gap_refs=m.gap_refs,
        bic=m.bic,
        stability_boots=m.stability_boots,
        evidence_sample_size=m.evidence_sample_size,
    )


def _assignments(
    customer_ids: pd.Series,
    Z: np.ndarray,
    segment_ids: np.ndarray,
    secondary_ids: np.ndarray | None,
    primary: Clustering,
) -> pd.DataFrame:
    """One row per customer: segment, the other method's segment, distance, margin, PCs."""
    _, distance, margin = nearest_two(Z, primary.centroids)
    pcs = np.full((len(Z), 3), np.nan)  # NaN where fewer than 3 components were kept
    pcs[:, : min(3, Z.shape[1])] = Z[:, :3]
    return pd.DataFrame(
        {
            "customer_id": customer_ids.astype(str).to_numpy(),
            "segment_id": segment_ids.astype("int64"),
            "secondary_segment_id": (
                pd.array([pd.NA] * len(Z), dtype="Int64")
                if secondary_ids is None
                else secondary_ids.astype("int64")
            ),
            "distance": distance,
            "margin": margin,
            "confidence": primary.confidence,
            "pc1": pcs[:, 0],
            "pc2": pcs[:, 1],
            "pc3": pcs[:, 2],
        }
    )[ASSIGNMENT_COLUMNS]


def _meta(config: ProjectConfig, p: Prepared, fitted: Fitted) -> dict[str, Any]:
    """The run's flat facts (see :class:`~user_segmentation.records.RunRecord`)."""
    selection, primary, secondary = fitted.selection, fitted.primary, fitted.secondary
    ward = fitted.ward
    return {
        "project": config.project,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "config_hash": config.fingerprint(),
        "input_fingerprint": input_fingerprint(p.fingerprints),
        "source_fingerprints": p.fingerprints,
        "package_version": __version__,
        "seed": config.seed,
        "engine": "local",
        "as_of": p.spec.as_of.isoformat(),
        "n_customers": len(p.features),
        "k": fitted.k,
        "k_source": "recommended" if config.model.k == "auto" else "configured",
        "primary_method": primary.method,
        "secondary_method": None if secondary is None else secondary.method,
        "agreement_ari": None if secondary is None else round(fitted.agreement, 6),
        "silhouette_method": selection.get("silhouette_method"),
        "silhouette_sample_size": selection.get("silhouette_sample_size"),
        "hierarchical_method": (
            None if ward is None else "exact" if ward.method == "ward-exact" else "two-step"
        ),
        "n_components": p.pca.n_components,
        "explained_variance": round(float(p.pca.explained_variance_ratio.sum()), 6),
        "basis_features": [*p.preprocessor.numeric, *p.preprocessor.categorical],
    }
