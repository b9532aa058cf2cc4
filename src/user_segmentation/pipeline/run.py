"""``segment run``: every stage from the sources to the stored run and its report.

Nothing is written until every stage has succeeded: the run is saved in one store transaction
and the report is written atomically afterwards, so a bad input leaves the store at its last good
run.
"""

from __future__ import annotations

import hashlib
import logging
import math
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from user_segmentation import __version__
from user_segmentation.config import ProjectConfig, SourceConfig
from user_segmentation.errors import ConfigError, DataQualityError
from user_segmentation.features.table import EventAggregate, FeatureSpec, build_feature_table
from user_segmentation.features.transactions import (
    TransactionColumns,
    TransactionOptions,
    time_range,
)
from user_segmentation.integrate.combine import CUSTOMER_ID, Integrated, SourceTable, integrate
from user_segmentation.integrate.rules import ExcludeRule
from user_segmentation.records import ASSIGNMENT_COLUMNS, RunRecord
from user_segmentation.sources import read_source, source_fingerprint
from user_segmentation.sources.archives import is_zip
from user_segmentation.sources.relation import file_table
from user_segmentation.tables import TableRef, quote_identifier

# The modelling, profiling, store and report stages (scikit-learn, SciPy, Plotly, SQLAlchemy)
# are imported where they run: reading and feature engineering alone start faster.
if TYPE_CHECKING:
    from user_segmentation.cluster import Clustering
    from user_segmentation.features.preprocess import Preprocessor
    from user_segmentation.reduce.pca import PcaModel
    from user_segmentation.select import KSelection

logger = logging.getLogger(__name__)

#: Key column made for sources declared with ``key: null`` (one customer per row).
ROW_NUMBER = "row_number"

#: Called with the name of each stage as it starts.
Progress = Callable[[str], None]

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


@dataclass
class Engineered:
    """The data of a project up to the customer feature table (stages read → features)."""

    data: Integrated
    spec: FeatureSpec
    features: pd.DataFrame  # one row per customer, sorted by customer id
    numeric: list[str]  # every numeric feature (profiled)
    categorical: list[str]  # every categorical feature (profiled)
    basis_numeric: list[str]  # the numeric features the segmentation is built on
    basis_categorical: list[str]  # likewise, categorical
    fingerprints: dict[str, str]
    timings: dict[str, float] = field(default_factory=dict)


@dataclass
class Prepared:
    """The data of a project up to the matrix the models see (stages read → reduce)."""

    data: Integrated
    spec: FeatureSpec
    features: pd.DataFrame  # one row per customer, sorted by customer id
    numeric: list[str]  # every numeric feature (profiled)
    categorical: list[str]  # every categorical feature (profiled)
    preprocessor: Preprocessor
    pca: PcaModel
    Z: np.ndarray  # principal-component scores of the basis features, one row per customer
    fingerprints: dict[str, str]
    timings: dict[str, float] = field(default_factory=dict)


class _Stages:
    """Announces each stage to ``progress`` and records how long it took."""

    def __init__(self, progress: Progress | None, timings: dict[str, float]) -> None:
        self.say = progress or (lambda _stage: None)
        self.timings = timings

    @contextmanager
    def __call__(self, name: str) -> Iterator[None]:
        self.say(name)
        start = time.perf_counter()
        yield
        self.timings[name] = round(time.perf_counter() - start, 3)
        logger.info("stage %s took %.2f s", name, self.timings[name])


def build_features(config: ProjectConfig, *, progress: Progress | None = None) -> Engineered:
    """Read, integrate and engineer: the customer feature table, before any modelling.

    Needs neither scikit-learn nor the report's libraries, so scripts that only want the
    features (and the benchmark of the transaction-log path) start faster.
    """
    timings: dict[str, float] = {}
    stage = _Stages(progress, timings)
    # Content digests of large files take a while; hashlib releases the GIL, so they are
    # computed beside the stages, on a core the single-threaded steps leave free.
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="fingerprint") as pool:
        with stage("read"):
            tables, digests = _read_sources(config, pool)
        with stage("integrate"):
            population = config.integrate.population or [next(iter(config.sources))]
            data = integrate(tables, population, config.integrate.priority)
        with stage("features"):
            spec = _feature_spec(config, data)
            features, feature_info = build_feature_table(data, spec)
            numeric, categorical, basis_num, basis_cat = _feature_roles(config, spec, features)
            data.quality["features"] = feature_info
            missing = features.drop(columns=CUSTOMER_ID).isna().mean()
            data.quality["feature_missing_share"] = {
                str(col): round(float(share), 4) for col, share in missing.items() if share > 0
            }
        fingerprints = {name: digest.result() for name, digest in digests.items()}
    return Engineered(
        data, spec, features, numeric, categorical, basis_num, basis_cat, fingerprints, timings
    )


def prepare(config: ProjectConfig, *, progress: Progress | None = None) -> Prepared:
    """Read, integrate, engineer and reduce: everything before choosing k.

    Useful on its own in notebooks and benchmarks; :func:`run_project` starts with it.
    """
    e = build_features(config, progress=progress)
    features, timings = e.features, e.timings
    if len(features) < max(config.model.k_min, 2):
        raise DataQualityError(
            f"need ≥ {max(config.model.k_min, 2)} distinct customers to segment, "
            f"found {len(features)}"
        )
    with _Stages(progress, timings)("reduce"):
        from user_segmentation.features.preprocess import Preprocessor
        from user_segmentation.reduce.pca import fit_pca

        pre = Preprocessor(
            numeric=e.basis_numeric,
            categorical=e.basis_categorical,
            impute=config.features.impute,
            skew_threshold=config.features.skew_threshold,
            skew_transform=config.features.skew_transform,
            log=tuple(config.features.log),
        ).fit(features)
        X = pre.transform(features)
        pca = fit_pca(
            X, pre.feature_names_out_, variance=config.reduce.variance, random_state=config.seed
        )
    return Prepared(
        e.data,
        e.spec,
        features,
        e.numeric,
        e.categorical,
        pre,
        pca,
        pca.transform(X),
        e.fingerprints,
        timings,
    )


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
    from sklearn.metrics import adjusted_rand_score

    from user_segmentation.cluster import align_to, fit_kmeans, fit_ward, merge_small_segments
    from user_segmentation.profile.describe import describe_segments
    from user_segmentation.profile.playbook import load_playbook
    from user_segmentation.profile.profiles import (
        profile_table,
        segment_table,
        statistics_record,
    )
    from user_segmentation.profile.stats import segment_statistics, value_shares
    from user_segmentation.report import render_report
    from user_segmentation.store import RunStore

    _check_existing_store(config.store_url())
    p = prepare(config, progress=progress)
    timings = p.timings
    stage = _Stages(progress, timings)
    features, Z, pre, pca = p.features, p.Z, p.preprocessor, p.pca
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
    segment_ids = primary.labels + 1  # ids shown to people start at 1
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
            user_names=config.profile.names,
            statistics=statistics,
            random_state=config.seed,
        )
        segments = segment_table(
            segment_ids,
            descriptions,
            stability=stability,
            values=value_shares(features, segment_ids) if "monetary" in features else None,
            min_size=config.profile.min_segment_size,
        )
        profiles = profile_table(
            features, segment_ids, numeric=p.numeric, categorical=p.categorical
        )

    secondary_ids = align_to(primary.labels, secondary.labels) + 1
    record = RunRecord(
        meta=_meta(config, p, selection, k, primary, secondary, agreement),
        quality={
            **p.data.quality,
            "preprocessing": {
                "dropped_features": pre.dropped_,
                "transformed": _transformed(pre),
            },
        },
        selection=selection.to_dict(),
        model={
            "preprocessor": pre.to_state(),
            "pca": pca.to_state(),
            "centroids": primary.centroids.tolist(),
            "segment_ids": list(range(1, k + 1)),
            "dendrogram": _dendrogram(ward, k),
        },
        timings=timings,
        k_scores=selection.scores,
        assignments=_assignments(features[CUSTOMER_ID], Z, segment_ids, secondary_ids, primary),
        segments=segments,
        profiles=profiles,
        statistics=statistics_record(statistics),
        customers=features[[CUSTOMER_ID, *p.numeric, *p.categorical]].reset_index(drop=True),
    )
    store_url = config.store_url()
    with stage("store"), RunStore(store_url) as store:
        run_id = store.save_run(record)
    report_path = config.resolve(config.report.path)
    with stage("report"):
        render_report(record, report_path)
    return RunResult(record=record, run_id=run_id, store_url=store_url, report_path=report_path)


def _check_existing_store(url: str) -> None:
    """Refuse an existing SQLite store this version cannot write to before any work is done
    (a new store is only created once the run has succeeded)."""
    from user_segmentation.store import RunStore

    if url.startswith("sqlite:///") and Path(url.removeprefix("sqlite:///")).is_file():
        with RunStore(url):
            pass


def _segment_stability(config: ProjectConfig, Z: np.ndarray, primary: Clustering) -> list[float]:
    """Bootstrap mean Jaccard of each of the run's segments (empty when switched off)."""
    from user_segmentation.select import bootstrap_stability

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
    from user_segmentation.cluster import dendrogram_data

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
    from user_segmentation.select import sweep_k

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
    secondary_ids: np.ndarray,
    primary: Clustering,
) -> pd.DataFrame:
    """One row per customer: segment, the other method's segment, distance, margin, PCs."""
    from user_segmentation.cluster import nearest_two

    _, distance, margin = nearest_two(Z, primary.centroids)
    pcs = np.full((len(Z), 3), np.nan)  # NaN where fewer than 3 components were kept
    pcs[:, : min(3, Z.shape[1])] = Z[:, :3]
    return pd.DataFrame(
        {
            "customer_id": customer_ids.astype(str).to_numpy(),
            "segment_id": segment_ids.astype("int64"),
            "secondary_segment_id": secondary_ids.astype("int64"),
            "distance": distance,
            "margin": margin,
            "confidence": primary.confidence,
            "pc1": pcs[:, 0],
            "pc2": pcs[:, 1],
            "pc3": pcs[:, 2],
        }
    )[ASSIGNMENT_COLUMNS]


def _meta(
    config: ProjectConfig,
    p: Prepared,
    selection: KSelection,
    k: int,
    primary: Clustering,
    secondary: Clustering,
    agreement: float,
) -> dict[str, Any]:
    """The run's flat facts (see :class:`~user_segmentation.records.RunRecord`)."""
    ward = primary if primary.method.startswith("ward") else secondary
    return {
        "project": config.project,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "config_hash": config.fingerprint(),
        "input_fingerprint": _text_hash(
            "\n".join(f"{name}:{digest}" for name, digest in sorted(p.fingerprints.items()))
        ),
        "source_fingerprints": p.fingerprints,
        "package_version": __version__,
        "seed": config.seed,
        "engine": "local",
        "as_of": p.spec.as_of.isoformat(),
        "n_customers": len(p.features),
        "k": k,
        "k_source": "recommended" if config.model.k == "auto" else "configured",
        "primary_method": primary.method,
        "secondary_method": secondary.method,
        "agreement_ari": round(agreement, 6),
        "silhouette_method": selection.silhouette_method,
        "silhouette_sample_size": selection.silhouette_sample_size,
        "hierarchical_method": "exact" if ward.method == "ward-exact" else "two-step",
        "n_components": p.pca.n_components,
        "explained_variance": round(float(p.pca.explained_variance_ratio.sum()), 6),
        "basis_features": [*p.preprocessor.numeric, *p.preprocessor.categorical],
    }


def _read_sources(
    config: ProjectConfig, pool: Executor
) -> tuple[list[SourceTable], dict[str, Future[str]]]:
    """Every source as a table, and its fingerprint as it is being computed on ``pool``."""
    tables: list[SourceTable] = []
    fingerprints: dict[str, Future[str]] = {}
    for name, src in config.sources.items():
        path = config.resolve(src.path) if src.path else None
        keys = [src.key] if src.key else []
        label = f"source '{name}' ({path or src.url})"
        frame: pd.DataFrame | TableRef
        if _out_of_core(src, path):
            assert path is not None
            frame = file_table(
                src.kind,
                path,
                required_columns=keys,
                sep=src.sep,
                encoding=src.encoding,
                name=label,
            )
        else:
            frame = read_source(
                src.kind,
                path,
                url=src.url,
                table=src.table,
                query=src.query,
                sheet=src.sheet,
                id_columns=keys,
                required_columns=keys,
                encoding=src.encoding,
                sep=src.sep,
                decimal=src.decimal,
                thousands=src.thousands,
                name=label,
                member=src.member,
                header_row=src.header_row,
                flatten=src.flatten or None,
            )
        if src.columns:
            frame = _renamed(frame, src.columns)
        key = src.columns.get(src.key, src.key) if src.key else ROW_NUMBER
        if src.key is None:  # one customer per row: the 1-based data row number is the id
            assert isinstance(frame, pd.DataFrame)  # key: null is only valid for attributes
            frame.insert(0, ROW_NUMBER, pd.Series(range(1, len(frame) + 1)).astype(str))
        fingerprints[name] = (
            pool.submit(source_fingerprint, path)
            if path
            else pool.submit(_text_hash, src.url or "")
        )
        tables.append(
            SourceTable(
                name=name,
                frame=frame,
                key=key,
                role=src.role,
                origin=str(path or src.url),
                leading_zeros=src.leading_zeros,
                key_case=src.key_case,
                drop_duplicates=src.drop_duplicates,
                latest_by=src.latest_by,
                exclude=tuple(
                    ExcludeRule(r.column, r.reason, r.starts_with, r.at_most, tuple(r.equals))
                    for r in src.exclude
                ),
            )
        )
    return tables, fingerprints


def _out_of_core(src: SourceConfig, path: Path | None) -> bool:
    """Logs and event tables in plain CSV/Parquet files are read by DuckDB, never by pandas.

    Locale-specific number formats, zip archives and glob patterns need the in-memory readers.
    """
    return (
        path is not None
        and path.exists()  # not a glob pattern
        and src.role != "attributes"
        and src.kind in ("csv", "parquet")
        and src.decimal == "."
        and src.thousands is None
        and not (path.is_file() and is_zip(path))
    )


def _renamed(frame: pd.DataFrame | TableRef, names: dict[str, str]) -> pd.DataFrame | TableRef:
    if isinstance(frame, pd.DataFrame):
        return frame.rename(columns=names)
    columns = ", ".join(
        f"{quote_identifier(c)} AS {quote_identifier(names.get(c, c))}" for c in frame.columns()
    )
    return frame.derive(f"SELECT {columns} FROM t")


def _feature_spec(config: ProjectConfig, data: Integrated) -> FeatureSpec:
    f = config.features
    tx = f.transactions
    columns = (
        TransactionColumns(
            tx.order,
            tx.timestamp,
            tx.amount,
            tx.quantity,
            tx.unit_price,
            tx.category,
            currency_symbols=tuple(f.currency_symbols),
        )
        if tx
        else None
    )
    floor = datetime.combine(f.date_floor, datetime.min.time())
    as_of = config.as_of_datetime()
    if as_of is None and tx is not None and columns is not None:
        _, last = time_range(data.transactions[tx.source], columns)
        if last is None:
            raise DataQualityError(f"source '{tx.source}': no dated transaction line")
        as_of = last.replace(hour=23, minute=59, second=59, microsecond=0)  # end of its day
    return FeatureSpec(
        as_of=as_of or datetime.now(UTC).replace(tzinfo=None),
        transactions_source=tx.source if tx else None,
        transaction_columns=columns,
        transaction_options=(
            TransactionOptions(
                windows=tuple(tx.windows),
                top_categories=tx.top_categories,
                returns=tx.returns,
                date_floor=floor,
                lifetimes_period=tx.lifetimes_period,
            )
            if tx
            else TransactionOptions()
        ),
        events=tuple(
            EventAggregate(e.source, tuple(e.sum), tuple(e.mean), e.count_as) for e in f.events
        ),
        numeric=tuple(f.attributes.numeric),
        categorical=tuple(f.attributes.categorical),
        dates=dict(f.attributes.dates),
        booleans=tuple(f.attributes.booleans),
        currency_symbols=tuple(f.currency_symbols),
        date_floor=floor,
    )


def _feature_roles(
    config: ProjectConfig, spec: FeatureSpec, features: pd.DataFrame
) -> tuple[list[str], list[str], list[str], list[str]]:
    """Split features into numeric/categorical, and pick the segmentation basis among them."""
    categorical = list(spec.categorical)
    numeric = [c for c in features.columns if c != CUSTOMER_ID and c not in categorical]
    basis = config.features.model
    if basis is None:
        return numeric, categorical, numeric, []
    unknown = [c for c in basis if c not in features.columns or c == CUSTOMER_ID]
    if unknown:
        raise ConfigError(
            f"features.model: unknown feature(s) {unknown}; available: "
            f"{[c for c in features.columns if c != CUSTOMER_ID]}"
        )
    return (
        numeric,
        categorical,
        [c for c in basis if c in numeric],
        [c for c in basis if c in categorical],
    )


def _text_hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()
