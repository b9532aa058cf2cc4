"""Join every source on one canonical customer key, with a data-quality summary.

Sources come in three roles:

- ``attributes``: at most one row per customer (CRM, loyalty); joined column-wise;
- ``transactions``: order lines, aggregated into RFM by the features stage;
- ``events``: other per-customer event rows (web sessions, tickets), aggregated by the
  features stage.

The customer base ("population") is the union of the keys of the sources named as population
sources; ids seen only in other sources are counted as unmatched and left out. The result is
sorted by customer id, so nothing downstream depends on the row order of the inputs.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import pandas as pd

from user_segmentation.errors import DataQualityError, SchemaError
from user_segmentation.integrate.cleaning import CUSTOMER_ID, clean_table
from user_segmentation.integrate.keys import KeyCase, LeadingZeros
from user_segmentation.integrate.rules import ExcludeRule
from user_segmentation.tables import TableRef

logger = logging.getLogger(__name__)

Role = Literal["attributes", "transactions", "events"]
_EXAMPLES = 5


@dataclass(frozen=True)
class SourceTable:
    """One source as read, with the facts integration needs about it."""

    name: str
    frame: pd.DataFrame | TableRef
    key: str
    role: Role
    origin: str = ""  # file path or URL, for messages
    leading_zeros: LeadingZeros = "keep"
    key_case: KeyCase = "keep"
    drop_duplicates: bool = True
    latest_by: str | None = None  # attributes: keep the newest row per id by this column
    exclude: tuple[ExcludeRule, ...] = ()  # declared rules: cancellations, non-sale lines, ...


@dataclass
class Integrated:
    """The integrated customer data: one attribute row per customer plus keyed event tables."""

    customers: pd.DataFrame  # customer_id + attribute columns, one row per customer, sorted
    transactions: dict[str, TableRef] = field(default_factory=dict)
    events: dict[str, TableRef] = field(default_factory=dict)
    quality: dict[str, Any] = field(default_factory=dict)


def integrate(
    sources: list[SourceTable],
    population: list[str],
    priority: Sequence[str] = (),
    *,
    min_coverage: float = 0.0,
) -> Integrated:
    """Canonicalise keys, deduplicate, and join ``sources`` into one customer table.

    Parameters
    ----------
    sources
        The sources, each already read into a DataFrame.
    population
        Names of the sources whose customers make up the customer base.
    priority
        Source names, most trusted first: when attribute sources share a column, each
        customer's value comes from the first of them that has one. Without it, a shared
        column is an error.
    min_coverage
        A source outside ``population`` holding fewer than this share of the base's customers
        is refused: its ids almost surely do not match (padded, prefixed, another system's).

    Returns
    -------
    Integrated
        The customer table, the keyed transaction/event tables and the quality report.

    Raises
    ------
    SchemaError
        When a key column is missing or two attribute sources share a column name.
    DataQualityError
        When an attribute source has conflicting rows for one customer and no ``latest_by``,
        or a source's coverage is below ``min_coverage``.

    Examples
    --------
    >>> crm = pd.DataFrame({"id": [" 1", "2"], "age": [30, 40]})
    >>> orders = pd.DataFrame({"cust": ["1.0", "3.0"], "amount": [5.0, 7.0]})
    >>> out = integrate([SourceTable("crm", crm, "id", "attributes"),
    ...                  SourceTable("orders", orders, "cust", "transactions")], ["crm"])
    >>> out.customers[CUSTOMER_ID].tolist(), out.transactions["orders"].count()
    (['1', '2'], 1)
    """
    names = [s.name for s in sources]
    unknown = sorted(set(population) - set(names))
    if unknown:
        raise SchemaError(f"population names unknown source(s) {unknown}; sources are {names}")

    report: dict[str, Any] = {"sources": {}}
    keyed: dict[str, pd.DataFrame | TableRef] = {}
    ids_of: dict[str, pd.Index] = {}  # sorted distinct ids of each source
    for src in sources:
        keyed[src.name], report["sources"][src.name], ids_of[src.name] = _prepare(src)

    # Sorted index operations in pandas: a large log has as many ids as customers.
    base_ids = ids_of[population[0]]
    for name in population[1:]:
        base_ids = base_ids.union(ids_of[name], sort=True)
    customers = pd.DataFrame({CUSTOMER_ID: pd.Series(base_ids, dtype="string")})
    out = Integrated(customers=customers)
    owner: dict[str, str] = {}  # attribute column -> first source that has it
    conflicts: dict[str, dict[str, Any]] = {}
    for src in sources:
        frame = keyed[src.name]
        ids = ids_of[src.name]
        info = report["sources"][src.name]
        unmatched = ids.difference(base_ids, sort=True)
        info["distinct_customers"] = len(ids)
        info["coverage"] = round((len(ids) - len(unmatched)) / max(len(base_ids), 1), 4)
        info["unmatched_customers"] = len(unmatched)
        info["unmatched_examples"] = [str(i) for i in unmatched[:_EXAMPLES]]
        if src.name not in population and info["coverage"] < min_coverage:
            raise DataQualityError(
                f"source '{src.name}' ({src.origin or src.name}) has {info['coverage']:.1%} of "
                f"the {len(base_ids):,} customers (integrate.min_coverage is "
                f"{min_coverage:.0%}): its ids do not match the base's — e.g. "
                f"{info['unmatched_examples'][:3]} against {[str(i) for i in base_ids[:3]]}; "
                "check leading_zeros, key_case and the key column"
            )
        if isinstance(frame, pd.DataFrame):  # attributes
            shared = [c for c in frame.columns.drop(CUSTOMER_ID) if c in owner]
            for col in frame.columns.drop(CUSTOMER_ID):
                owner.setdefault(col, src.name)
            merged = out.customers.merge(
                frame, on=CUSTOMER_ID, how="left", validate="one_to_one", suffixes=("", "__new")
            )  # a join never multiplies rows: one row per customer on both sides
            for col in shared:
                merged[col], conflicts[col] = _resolve(
                    merged[col], merged.pop(f"{col}__new"), owner[col], src.name, priority
                )
            out.customers = merged
        else:
            target = out.transactions if src.role == "transactions" else out.events
            target[src.name] = frame if unmatched.empty else _only(frame, customers)

    report["population"] = {"sources": list(population), "customers": len(base_ids)}
    if conflicts:
        report["attribute_conflicts"] = conflicts
    report["missing_share"] = {
        col: round(float(share), 4)
        for col, share in out.customers.drop(columns=CUSTOMER_ID).isna().mean().items()
        if share > 0
    }
    out.quality = report
    logger.info("integrated %d customers from %d sources", len(base_ids), len(sources))
    return out


def _resolve(
    first: pd.Series, second: pd.Series, first_src: str, second_src: str, priority: Sequence[str]
) -> tuple[pd.Series, dict[str, Any]]:
    """One value per customer for a column two attribute sources share, by source priority."""
    name = str(first.name)
    if first_src not in priority or second_src not in priority:
        raise SchemaError(
            f"column '{name}' comes from both source '{first_src}' and '{second_src}'; list "
            "them in integrate.priority (most trusted first) or rename one in its columns mapping"
        )
    if priority.index(first_src) > priority.index(second_src):
        first, second = second, first
    both = first.notna() & second.notna()
    differ = both & (first.astype("string") != second.astype("string")).fillna(False)
    kept = first.where(first.notna(), second)
    winner = first_src if priority.index(first_src) < priority.index(second_src) else second_src
    return kept, {
        "sources": [first_src, second_src],
        "preferred": winner,
        "differing": int(differ.sum()),
    }


def _prepare(src: SourceTable) -> tuple[pd.DataFrame | TableRef, dict[str, Any], pd.Index]:
    """Canonicalise one source's key; drop keyless, excluded and duplicate rows; report it.

    Attribute sources come back as DataFrames (one row per customer); transactions and
    events as lazy tables, so large logs are never loaded into pandas. The third value holds
    the source's distinct customer ids, sorted.
    """
    origin = src.origin or src.name
    table = src.frame if isinstance(src.frame, TableRef) else TableRef.from_frame(src.frame, origin)
    types = table.types()
    columns = list(types)
    if src.key not in columns:
        raise SchemaError(f"{origin}: key column '{src.key}' not found; columns are {columns}")
    if CUSTOMER_ID in columns and src.key != CUSTOMER_ID:
        raise SchemaError(
            f"{origin}: has a column '{CUSTOMER_ID}' besides its key '{src.key}'; "
            "rename it in the source's columns mapping"
        )
    cleaned = clean_table(
        table,
        src.key,
        rules=src.exclude,
        leading_zeros=src.leading_zeros,
        case=src.key_case,
        drop_duplicates=src.drop_duplicates,
        origin=origin,
        types=types,
    )
    result: pd.DataFrame | TableRef = cleaned.table
    dropped, n_kept = cleaned.rows_dropped, cleaned.rows_kept
    ids = cleaned.customer_ids
    if src.role == "attributes":
        frame = cleaned.table.df()
        frame[CUSTOMER_ID] = frame[CUSTOMER_ID].astype("string")
        frame, n_older = _one_row_per_customer(frame, src)
        if n_older:
            dropped["older_versions"] = n_older
        result = frame.sort_values(CUSTOMER_ID, kind="stable", ignore_index=True)
        n_kept = len(result)
        ids = pd.Index(result[CUSTOMER_ID], dtype="string")
    info: dict[str, Any] = {
        "origin": src.origin,
        "role": src.role,
        "rows_read": cleaned.rows_read,
        "rows_dropped": dropped,
        "rows_kept": n_kept,
        "examples_dropped": cleaned.examples,
        "key_changes": {
            k: v for k, v in cleaned.key_report.as_dict().items() if v and k != "missing"
        },
    }
    return result, info, ids


def _only(table: TableRef, customers: pd.DataFrame) -> TableRef:
    """The rows of ``table`` whose customer is in ``customers``."""
    base = TableRef.from_frame(customers[[CUSTOMER_ID]])
    (name,) = base.frames
    return TableRef(
        f"SELECT * FROM ({table.sql}) WHERE {CUSTOMER_ID} IN (SELECT {CUSTOMER_ID} FROM {name})",
        {**table.frames, **base.frames},
        table.origin,
    )


def _one_row_per_customer(frame: pd.DataFrame, src: SourceTable) -> tuple[pd.DataFrame, int]:
    """Resolve repeated ids in an attribute source: newest row by ``latest_by``, else refuse."""
    repeated = frame[CUSTOMER_ID].duplicated(keep=False)
    if not repeated.any():
        return frame, 0
    if src.latest_by is None:
        clash = frame[repeated].sort_values(CUSTOMER_ID, kind="stable")
        ids = clash[CUSTOMER_ID].drop_duplicates().tolist()
        example = clash[clash[CUSTOMER_ID] == ids[0]].to_dict("records")
        raise DataQualityError(
            f"{src.origin or src.name}: {len(ids)} customer id(s) have conflicting rows "
            f"(e.g. {ids[:_EXAMPLES]}); first: {example}. Fix the source, or set latest_by "
            "to a date column to keep the newest row"
        )
    if src.latest_by not in frame.columns:
        raise SchemaError(f"{src.origin or src.name}: latest_by column '{src.latest_by}' not found")
    # Undated rows sort first so a dated row wins; ties on the date are broken by the other
    # columns, so the kept row does not depend on the source's row order.
    others = [c for c in frame.columns if c not in (CUSTOMER_ID, src.latest_by)]
    ordered = frame.sort_values(
        [CUSTOMER_ID, src.latest_by, *others], kind="stable", na_position="first"
    )
    kept = ordered.drop_duplicates(CUSTOMER_ID, keep="last")
    return kept, len(frame) - len(kept)
