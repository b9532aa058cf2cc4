"""Stages read → features: every source read, integrated and turned into the customer table.

Imports neither scikit-learn nor the report's libraries, so scripts that only want the customer
table (and the benchmark of the transaction-log path) start fast; :mod:`.run` goes on from here.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

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
from user_segmentation.sources import read_source, source_fingerprint
from user_segmentation.sources.archives import is_zip
from user_segmentation.sources.relation import file_table
from user_segmentation.tables import TableRef, quote_identifier

if TYPE_CHECKING:
    from user_segmentation.features.preprocess import Preprocessor
    from user_segmentation.reduce.pca import PcaModel

logger = logging.getLogger(__name__)

#: Key column made for sources declared with ``key: null`` (one customer per row).
ROW_NUMBER = "row_number"

#: Called with the name of each stage as it starts.
Progress = Callable[[str], None]


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


@dataclass
class Gathered:
    """The customer table of a project (stages read → features), before any model."""

    data: Integrated
    spec: FeatureSpec
    features: pd.DataFrame  # one row per customer, sorted by customer id
    numeric: list[str]  # every numeric feature (profiled)
    categorical: list[str]  # every categorical feature (profiled)
    basis_numeric: list[str]  # the features the model sees
    basis_categorical: list[str]
    fingerprints: dict[str, str]
    timings: dict[str, float]

    def prepared(self, pre: Preprocessor, pca: PcaModel, Z: np.ndarray | None = None) -> Prepared:
        """With a fitted (or stored) preprocessor and PCA: the matrix the models see."""
        if Z is None:
            Z = pca.transform(pre.transform(self.features))
        return Prepared(
            self.data,
            self.spec,
            self.features,
            self.numeric,
            self.categorical,
            pre,
            pca,
            Z,
            self.fingerprints,
            self.timings,
        )


def gather(config: ProjectConfig, *, progress: Progress | None = None) -> Gathered:
    """Read, integrate and engineer features: the customer table, no model yet."""
    timings: dict[str, float] = {}
    stage = _Stages(progress, timings)
    # Content digests of large files take a while; hashlib releases the GIL, so they are
    # computed beside the stages, on a core the single-threaded steps leave free.
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="fingerprint") as pool:
        with stage("read"):
            tables, digests = _read_sources(config, pool)
        with stage("integrate"):
            population = config.integrate.population or [next(iter(config.sources))]
            data = integrate(
                tables,
                population,
                config.integrate.priority,
                min_coverage=config.integrate.min_coverage,
            )
        with stage("features"):
            spec = _feature_spec(config, data)
            features, feature_info = build_feature_table(data, spec)
            numeric, categorical, basis_num, basis_cat = _feature_roles(config, spec, features)
            # Out-of-range values are a data-quality finding of their own, beside the sources.
            out_of_range = feature_info.pop("out_of_range", None)
            if out_of_range is not None:
                data.quality["out_of_range"] = out_of_range
            data.quality["features"] = feature_info
            missing = features.drop(columns=CUSTOMER_ID).isna().mean()
            data.quality["feature_missing_share"] = {
                str(col): round(float(share), 4) for col, share in missing.items() if share > 0
            }
        fingerprints = {name: digest.result() for name, digest in digests.items()}
    if len(features) < max(config.model.k_min, 2):
        raise DataQualityError(
            f"need ≥ {max(config.model.k_min, 2)} distinct customers to segment, "
            f"found {len(features)}"
        )
    return Gathered(
        data, spec, features, numeric, categorical, basis_num, basis_cat, fingerprints, timings
    )


def input_fingerprint(fingerprints: dict[str, str]) -> str:
    """One digest of every source's content digest (what a run was made from)."""
    return _text_hash(
        "\n".join(f"{name}:{digest}" for name, digest in sorted(fingerprints.items()))
    )


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
                currency_symbols=config.features.currency_symbols,
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
            timestamp_format=tx.timestamp_format,
            timezone=f.timezone,
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
        timezone=f.timezone,
        booleans=tuple(f.attributes.booleans),
        currency_symbols=tuple(f.currency_symbols),
        date_floor=floor,
        ranges=dict(f.attributes.ranges),
        out_of_range=f.attributes.out_of_range,
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
