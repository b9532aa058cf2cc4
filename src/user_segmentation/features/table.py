"""Build the customer feature table: one row per customer, every engineered feature a column."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from user_segmentation.errors import SchemaError
from user_segmentation.features.attributes import Bounds, apply_ranges, attribute_features
from user_segmentation.features.events import event_features
from user_segmentation.features.lifetimes import lifetimes_summary
from user_segmentation.features.transactions import (
    TRANSACTION_FEATURES,
    TransactionColumns,
    TransactionOptions,
    summarize_transactions,
)
from user_segmentation.integrate.combine import CUSTOMER_ID, Integrated
from user_segmentation.tables import TableRef


@dataclass(frozen=True)
class EventAggregate:
    """How one event source becomes features: sums, means and a row count per customer."""

    source: str
    sum: tuple[str, ...] = ()
    mean: tuple[str, ...] = ()
    count_as: str | None = None


@dataclass(frozen=True)
class FeatureSpec:
    """Which features to engineer; built from the project file by the pipeline."""

    as_of: datetime
    transactions_source: str | None = None
    transaction_columns: TransactionColumns | None = None
    transaction_options: TransactionOptions = field(default_factory=TransactionOptions)
    events: tuple[EventAggregate, ...] = ()
    numeric: tuple[str, ...] = ()
    categorical: tuple[str, ...] = ()
    dates: dict[str, str | None] = field(default_factory=dict)
    booleans: tuple[str, ...] = ()
    currency_symbols: tuple[str, ...] = ()
    date_floor: datetime | None = None  # earlier dates are placeholders: treated as missing
    timezone: str = "UTC"  # IANA zone of dates written without an offset
    ranges: dict[str, Bounds] = field(default_factory=dict)  # valid ranges of numeric attributes
    out_of_range: Literal["missing", "error"] = "missing"


def build_feature_table(data: Integrated, spec: FeatureSpec) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Engineer every declared feature for every customer of the integrated data.

    Customers without transactions get ``frequency``, ``monetary``, ``avg_order_value`` and
    ``return_rate`` of 0 and a ``recency_days`` equal to the length of the observed history
    (they have not bought within it); their ``tenure_days`` stays missing. Customers without
    events get 0 for sums and counts and a missing value for means.

    Numeric attributes outside their declared range (``spec.ranges``) become missing and
    are reported under ``info["out_of_range"]`` (see
    :func:`~user_segmentation.features.attributes.apply_ranges`), or raise
    :class:`~user_segmentation.errors.DataQualityError` when ``spec.out_of_range`` is
    ``"error"``.

    Returns
    -------
    table, info
        ``table``: ``customer_id`` plus features, sorted by customer id; ``info``: counts for
        the data-quality report.
    """
    table = attribute_features(
        data.customers,
        numeric=spec.numeric,
        categorical=spec.categorical,
        dates=spec.dates,
        booleans=spec.booleans,
        currency_symbols=spec.currency_symbols,
        as_of=spec.as_of,
        timezone=spec.timezone,
    )
    info: dict[str, Any] = {}
    if spec.ranges:
        table, info["out_of_range"] = apply_ranges(table, spec.ranges, policy=spec.out_of_range)
    floor_days = (
        math.inf
        if spec.date_floor is None
        else (spec.as_of - spec.date_floor).total_seconds() / 86400.0
    )
    below: dict[str, int] = {}
    after: dict[str, int] = {}
    for name in spec.dates:
        col = f"days_since_{name}"
        too_old = table[col] > floor_days  # placeholders such as 1970-01-01
        future = table[col] < 0  # after as_of: no negative ages
        for found, bad in ((below, too_old), (after, future)):
            if bad.any():
                found[name] = int(bad.sum())
        table[col] = table[col].mask(too_old | future)
    if below:
        info["dates_before_floor_set_missing"] = below
    if after:
        info["dates_after_as_of_set_missing"] = after
    if spec.transactions_source is not None:
        if spec.transaction_columns is None:
            raise SchemaError("transactions_source given without transaction_columns")
        log = _table(data.transactions, spec.transactions_source, "transactions")
        # One pass gives the features, the line counts and the log's date range.
        bought = summarize_transactions(
            log, spec.transaction_columns, spec.as_of, spec.transaction_options
        )
        feats, counts, first, last = bought.features, bought.counts, bought.first, bought.last
        period = spec.transaction_options.lifetimes_period
        if period is not None:
            summary = lifetimes_summary(log, spec.transaction_columns, spec.as_of, period=period)
            feats = feats.merge(
                summary.add_prefix("lifetimes_").rename(
                    columns={f"lifetimes_{CUSTOMER_ID}": CUSTOMER_ID}
                ),
                on=CUSTOMER_ID,
                validate="one_to_one",
            )
        table = _join_features(table, feats)
        no_purchase = table["frequency"].isna()
        counts["customers_without_purchases"] = int(no_purchase.sum())
        if first is not None and last is not None:
            info["date_range"] = {
                spec.transactions_source: [first.isoformat(sep=" "), last.isoformat(sep=" ")]
            }
        history_days = 0.0 if first is None else (spec.as_of - first).total_seconds() / 86400.0
        zero = [c for c in feats.columns if c.startswith(("frequency", "monetary", "share_"))]
        fills: dict[str, float] = {c: 0.0 for c in [*zero, "avg_order_value", "return_rate"]}
        # Never negative, even when as_of precedes every line of the log.
        fills["recency_days"] = round(max(history_days, 0.0), 9)
        table = table.fillna(value=fills)
        counts_cols = [c for c in feats.columns if c.startswith("frequency")]
        table[counts_cols] = table[counts_cols].astype("int64")
        info[spec.transactions_source] = counts
    for agg in spec.events:
        ev = _table(data.events, agg.source, "events")
        feats = event_features(
            ev,
            source=agg.source,
            sum_columns=agg.sum,
            mean_columns=agg.mean,
            count_as=agg.count_as,
            currency_symbols=spec.currency_symbols,
        )
        clash = sorted(set(feats.columns.drop(CUSTOMER_ID)) & set(table.columns))
        if clash:
            raise SchemaError(f"source '{agg.source}': feature name(s) {clash} already used")
        table = _join_features(table, feats)
        zero = [*agg.sum, *([agg.count_as] if agg.count_as else [])]
        table[zero] = table[zero].fillna(0)
        without = ~table[CUSTOMER_ID].isin(feats[CUSTOMER_ID])
        info[agg.source] = {"customers_without_rows": int(without.sum())}
    table = table.sort_values(CUSTOMER_ID, kind="stable", ignore_index=True)
    return table, info


def feature_names(spec: FeatureSpec) -> list[str]:
    """Names of the columns :func:`build_feature_table` produces, in order (without the key).

    Category shares (``share_*``, after the window features) are not listed: their names
    depend on the data.
    """
    names = [
        *spec.numeric,
        *spec.booleans,
        *spec.categorical,
        *(f"days_since_{c}" for c in spec.dates),
    ]
    if spec.transactions_source is not None:
        names += TRANSACTION_FEATURES
        for w in spec.transaction_options.windows:
            names += [f"frequency_{w}d", f"monetary_{w}d"]
    for agg in spec.events:
        names += [*agg.sum, *(f"mean_{c}" for c in agg.mean)]
        names += [agg.count_as] if agg.count_as else []
    return names


def _join_features(table: pd.DataFrame, feats: pd.DataFrame) -> pd.DataFrame:
    """``table`` with the columns of ``feats`` (missing for customers that have no row there).

    Both have one row per customer: checked directly, which costs a fraction of ``merge``'s
    ``validate="one_to_one"`` on half a million text ids.
    """
    for name, side in (("customer table", table), ("features", feats)):
        if not _distinct(side[CUSTOMER_ID]):
            raise SchemaError(f"{name}: customer ids repeat; expected one row per customer")
    return table.merge(feats, on=CUSTOMER_ID, how="left")


def _distinct(ids: pd.Series) -> bool:
    """Whether no id repeats. Ids sorted as they come here are checked in one comparison pass."""
    values = pa.array(ids)
    if values.null_count == 0 and pc.all(pc.less(values[:-1], values[1:])).as_py() is not False:
        return True
    return bool(ids.is_unique)


def _table(
    tables: Mapping[str, pd.DataFrame | TableRef], name: str, role: str
) -> pd.DataFrame | TableRef:
    if name not in tables:
        raise SchemaError(f"no {role} source named '{name}'; have {sorted(tables)}")
    return tables[name]
