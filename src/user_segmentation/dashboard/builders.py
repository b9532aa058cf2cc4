"""Pure helpers behind the dashboard's pages: run labels, filters, pages of rows, downloads.

Nothing here imports Streamlit or opens the store, so every table and file the dashboard
shows or hands out can be checked in a plain test. Member lists go through
:func:`~user_segmentation.export.member_table`, where the privacy guard lives.
"""

from __future__ import annotations

import io
import logging
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal

import numpy as np
import pandas as pd

from user_segmentation.errors import PrivacyError, SchemaError
from user_segmentation.features.attributes import describe_range
from user_segmentation.records import RunRecord

logger = logging.getLogger(__name__)

VariableKind = Literal["numeric", "categorical"]

#: Columns of :func:`source_quality_table`.
SOURCE_QUALITY_COLUMNS = [
    "source",
    "role",
    "rows_read",
    "rows_dropped",
    "rows_kept",
    "distinct_customers",
    "coverage",
    "unmatched_customers",
    "dropped_because",
    "key_changes",
]

#: Excel's last row (1,048,576) less the header: longer member lists cannot be one sheet.
EXCEL_MAX_ROWS = 1_048_575


def _number(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


# -- runs -------------------------------------------------------------------------------------


def run_label(row: Mapping[Any, Any], current: int | None = None) -> str:
    """A run as the run picker shows it: id, creation time, customers, k, published or not.

    Examples
    --------
    >>> run_label({"run_id": 3, "created_at": "2025-01-31T09:00:00+00:00", "n_customers": 1200,
    ...            "k": 5, "published_at": "2025-01-31T09:05:00+00:00"}, current=3)
    'run 3 · 2025-01-31 09:00 · 1,200 customers · k = 5 · published (current)'
    >>> run_label({"run_id": 4, "created_at": None, "n_customers": 10, "k": 2,
    ...            "published_at": None})
    'run 4 · 10 customers · k = 2 · candidate'
    """
    parts = [f"run {int(row['run_id'])}"]
    created = row.get("created_at")
    if isinstance(created, str) and created:
        parts.append(created[:16].replace("T", " "))
    n = _number(row.get("n_customers"))
    if n is not None:
        parts.append(f"{int(n):,} customers")
    k = _number(row.get("k"))
    if k is not None:
        parts.append(f"k = {int(k)}")
    published = row.get("published_at")
    state = "published" if isinstance(published, str) and published else "candidate"
    if current is not None and int(row["run_id"]) == int(current):
        state += " (current)"
    parts.append(state)
    return " · ".join(parts)


def default_base_run(run_ids: Sequence[int], run_id: int, base_run_id: Any = None) -> int | None:
    """The run to compare ``run_id`` with: the run it updated, else the latest earlier run.

    Examples
    --------
    >>> default_base_run([5, 4, 2, 1], 5, base_run_id=2)
    2
    >>> default_base_run([5, 4, 2, 1], 4), default_base_run([5, 4], 4)
    (2, None)
    """
    ids = sorted({int(r) for r in run_ids})
    base = _number(base_run_id)
    if base is not None and int(base) in ids and int(base) != int(run_id):
        return int(base)
    earlier = [r for r in ids if r < int(run_id)]
    return earlier[-1] if earlier else None


def kpis(record: RunRecord) -> dict[str, float | int | None]:
    """The headline numbers of a run: customers, segments, net revenue, small segments.

    ``revenue`` is ``None`` when the run has no monetary measure.

    Examples
    --------
    >>> s = pd.DataFrame({"segment_id": [1, 2], "size": [30, 10], "revenue": [100.0, 25.5],
    ...                   "small": [0, 1]})
    >>> r = RunRecord(meta={}, quality={}, selection={}, model={}, timings={},
    ...               k_scores=pd.DataFrame(), assignments=pd.DataFrame(), segments=s,
    ...               profiles=pd.DataFrame())
    >>> kpis(r)
    {'customers': 40, 'segments': 2, 'revenue': 125.5, 'small_segments': 1}
    """
    segments = record.segments
    sizes = pd.to_numeric(segments.get("size", pd.Series(dtype=float)), errors="coerce")
    customers = _number(record.meta.get("n_customers"))
    revenue: float | None = None
    if "revenue" in segments:
        values = pd.to_numeric(segments["revenue"], errors="coerce")
        if values.notna().any():
            revenue = float(values.sum())
    small = 0
    if "small" in segments:
        small = int((pd.to_numeric(segments["small"], errors="coerce") == 1).sum())
    return {
        "customers": int(customers) if customers is not None else int(sizes.sum()),
        "segments": len(segments),
        "revenue": revenue,
        "small_segments": small,
    }


# -- variables and customer tables -------------------------------------------------------------


def variable_catalog(statistics: pd.DataFrame, profiles: pd.DataFrame) -> dict[str, VariableKind]:
    """The run's profiled variables and their kinds, without reading the customer table.

    The statistics table says it directly (``variable``, ``kind``); a run without one falls
    back on its profile table, where a categorical level appears as ``"column=level"``.

    Examples
    --------
    >>> stats = pd.DataFrame({"variable": ["spend", "plan", "plan"],
    ...                       "kind": ["numeric", "categorical", "categorical"]})
    >>> variable_catalog(stats, pd.DataFrame())
    {'spend': 'numeric', 'plan': 'categorical'}
    >>> variable_catalog(pd.DataFrame(), pd.DataFrame({"feature": ["spend", "plan=a", "plan=b"]}))
    {'spend': 'numeric', 'plan': 'categorical'}
    """
    kinds: dict[str, VariableKind] = {}
    if len(statistics) and {"variable", "kind"} <= set(statistics.columns):
        for variable, kind in zip(statistics["variable"], statistics["kind"], strict=True):
            kinds.setdefault(str(variable), "categorical" if kind == "categorical" else "numeric")
        return kinds
    if "feature" in profiles:
        for feature in profiles["feature"].astype(str):
            if "=" in feature:
                kinds.setdefault(feature.split("=", 1)[0], "categorical")
            else:
                kinds.setdefault(feature, "numeric")
    return kinds


def align_features(
    customer_ids: Sequence[Any] | pd.Series, parts: Sequence[pd.DataFrame]
) -> pd.DataFrame:
    """Join feature columns read one at a time into one table, in the given customer order.

    Parameters
    ----------
    customer_ids
        The order wanted (a run's assignment order).
    parts
        Frames of ``customer_id`` and one or more features each; not modified. Customers
        missing from a part get missing values.

    Returns
    -------
    pandas.DataFrame
        ``customer_id`` then every part's features, one row per id of ``customer_ids``.

    Raises
    ------
    SchemaError
        If a part lacks ``customer_id`` or repeats a customer.

    Examples
    --------
    >>> a = pd.DataFrame({"customer_id": ["x", "y"], "spend": [1.0, 2.0]})
    >>> b = pd.DataFrame({"customer_id": ["y", "x"], "plan": ["b", "a"]})
    >>> align_features(["x", "y"], [a, b]).values.tolist()
    [['x', 1.0, 'a'], ['y', 2.0, 'b']]
    """
    ids = pd.Index(pd.Series(customer_ids).astype(str).to_numpy(), name="customer_id")
    table = pd.DataFrame(index=ids)
    for part in parts:
        if "customer_id" not in part:
            raise SchemaError("dashboard: a customer table has no 'customer_id' column")
        keys = part["customer_id"].astype(str)
        if keys.duplicated().any():
            repeated = keys[keys.duplicated()].iloc[0]
            raise SchemaError(f"dashboard: customer {repeated!r} appears twice in a feature table")
        values = part.drop(columns="customer_id")
        if len(keys) == len(ids) and bool((keys.to_numpy() == ids.to_numpy()).all()):
            # Same order already (the store returns assignment order): no hash join needed.
            values = values.set_axis(ids)
        else:
            values = values.set_axis(pd.Index(keys.to_numpy())).reindex(ids)
        for column in values.columns:
            table[column] = values[column].to_numpy()
    return table.reset_index()


@dataclass(frozen=True)
class RowFilter:
    """Which customers to keep: by segment, one attribute and a minimum confidence.

    Attributes
    ----------
    segments
        Segment ids to keep; ``None`` keeps all.
    variable
        The attribute filtered on; ``None`` for none.
    low, high
        Inclusive bounds of a numeric attribute (``None``: open).
    levels
        Levels of a categorical attribute to keep (``None``: all; a missing value is
        ``"(missing)"``).
    min_confidence
        Smallest assignment confidence kept (``None``: no bound).
    """

    segments: tuple[int, ...] | None = None
    variable: str | None = None
    low: float | None = None
    high: float | None = None
    levels: tuple[str, ...] | None = None
    min_confidence: float | None = None


#: How a missing categorical value is offered in a level filter.
MISSING_LEVEL = "(missing)"


def filter_rows(frame: pd.DataFrame, spec: RowFilter) -> pd.DataFrame:
    """The rows of ``frame`` that pass every condition of ``spec`` (``frame`` is not modified).

    A customer without a value of the filtered numeric attribute is dropped once a bound is
    set; NaN confidence never passes a minimum.

    Raises
    ------
    SchemaError
        If a column the filter needs is missing.

    Examples
    --------
    >>> f = pd.DataFrame({"customer_id": list("abcd"), "segment_id": [1, 1, 2, 2],
    ...                   "spend": [5.0, 50.0, None, 80.0], "plan": ["x", None, "y", "x"],
    ...                   "confidence": [0.9, 0.2, 0.5, 0.7]})
    >>> def kept(spec):
    ...     return filter_rows(f, spec)["customer_id"].tolist()
    >>> kept(RowFilter(segments=(1, 2), variable="spend", low=10.0))
    ['b', 'd']
    >>> kept(RowFilter(variable="plan", levels=("(missing)", "y")))
    ['b', 'c']
    >>> kept(RowFilter(min_confidence=0.6))
    ['a', 'd']
    """
    keep = np.ones(len(frame), dtype=bool)
    if spec.segments is not None:
        _require(frame, "segment_id")
        keep &= frame["segment_id"].isin(list(spec.segments)).to_numpy()
    if spec.variable is not None:
        _require(frame, spec.variable)
        column = frame[spec.variable]
        if spec.levels is not None:
            text = column.astype("string").fillna(MISSING_LEVEL).to_numpy(dtype=object)
            keep &= np.isin(text, list(spec.levels))
        if spec.low is not None or spec.high is not None:
            values = pd.to_numeric(column, errors="coerce").to_numpy(dtype=float)
            with np.errstate(invalid="ignore"):
                if spec.low is not None:
                    keep &= values >= spec.low
                if spec.high is not None:
                    keep &= values <= spec.high
    if spec.min_confidence is not None:
        _require(frame, "confidence")
        confidence = pd.to_numeric(frame["confidence"], errors="coerce").to_numpy(dtype=float)
        with np.errstate(invalid="ignore"):
            keep &= confidence >= spec.min_confidence
    return frame.loc[keep]


def _require(frame: pd.DataFrame, column: str) -> None:
    if column not in frame:
        raise SchemaError(f"dashboard: cannot filter on {column!r}: no such column")


def page_count(n_rows: int, page_size: int) -> int:
    """How many pages ``n_rows`` fill (at least one, so an empty table has a page).

    Examples
    --------
    >>> page_count(0, 50), page_count(50, 50), page_count(51, 50)
    (1, 1, 2)
    """
    if page_size < 1:
        raise ValueError(f"page_size must be at least 1, got {page_size}")
    return max(1, math.ceil(n_rows / page_size))


def page_rows(frame: pd.DataFrame, page: int, page_size: int) -> pd.DataFrame:
    """Rows of page ``page`` (1-based); a page past the end is clamped to the last one.

    Examples
    --------
    >>> f = pd.DataFrame({"x": range(7)})
    >>> page_rows(f, 2, 3)["x"].tolist(), page_rows(f, 9, 3)["x"].tolist()
    ([3, 4, 5], [6])
    """
    last = page_count(len(frame), page_size)
    page = min(max(1, int(page)), last)
    start = (page - 1) * page_size
    return frame.iloc[start : start + page_size]


# -- members and downloads ---------------------------------------------------------------------


def private_segments(segments: pd.DataFrame, min_size: int) -> list[int]:
    """Segments whose members are never listed: under ``min_size``, or flagged small by the run.

    Examples
    --------
    >>> s = pd.DataFrame({"segment_id": [1, 2, 3], "size": [80, 60, 9], "small": [0, 1, 1]})
    >>> private_segments(s, 50), private_segments(s, 70)
    ([2, 3], [2, 3])
    >>> private_segments(s.drop(columns="small"), 70)
    [2, 3]
    """
    sizes = pd.to_numeric(segments["size"], errors="coerce")
    private = (sizes < min_size).fillna(True).to_numpy(dtype=bool)
    if "small" in segments:
        private = private | (pd.to_numeric(segments["small"], errors="coerce") == 1).to_numpy()
    return sorted(int(s) for s in segments["segment_id"].to_numpy()[private])


def segment_members(
    record: RunRecord,
    customers: pd.DataFrame,
    segment_id: int,
    *,
    min_size: int,
    features: Sequence[str] = (),
) -> pd.DataFrame:
    """The member list of one segment, through the export's privacy guard.

    A segment the run flagged ``small`` (under the minimum size of its project) is refused
    too, even if ``min_size`` is lower.

    Parameters
    ----------
    record
        The run (its customer table need not be loaded).
    customers
        ``customer_id`` and the features to show (e.g. from :func:`align_features`).
    segment_id
        The segment.
    min_size
        Smallest segment whose members may be listed.
    features
        Columns of ``customers`` to add, in order.

    Returns
    -------
    pandas.DataFrame
        :data:`~user_segmentation.export.members.MEMBER_COLUMNS` then ``features``.

    Raises
    ------
    PrivacyError
        If the segment is under ``min_size`` or flagged small.
    SchemaError
        If the segment or a feature does not exist.

    Examples
    --------
    >>> r = RunRecord(meta={}, quality={}, selection={}, model={}, timings={},
    ...     k_scores=pd.DataFrame(),
    ...     assignments=pd.DataFrame({"customer_id": ["a", "b", "c"], "segment_id": [1, 1, 2],
    ...                               "confidence": [0.9, 0.8, 0.7]}),
    ...     segments=pd.DataFrame({"segment_id": [1, 2], "name": ["Loyal", "Lost"],
    ...                            "size": [2, 1], "small": [0, 0]}),
    ...     profiles=pd.DataFrame())
    >>> c = pd.DataFrame({"customer_id": ["a", "b", "c"], "spend": [5.0, 7.0, 1.0]})
    >>> segment_members(r, c, 1, min_size=2, features=["spend"])["spend"].tolist()
    [5.0, 7.0]
    >>> segment_members(r, c, 2, min_size=2)
    Traceback (most recent call last):
    ...
    user_segmentation.errors.PrivacyError: segment 2 (Lost) has 1 customer, fewer than ...
    """
    segments = record.segments
    if "small" in segments:
        flagged = segments.loc[
            (segments["segment_id"] == segment_id)
            & (pd.to_numeric(segments["small"], errors="coerce") == 1)
        ]
        if len(flagged):
            row = flagged.iloc[0]
            raise PrivacyError(
                f"segment {segment_id} ({row['name']}) has {int(row['size']):,} customers and "
                "is flagged small by its run: its members are never exported"
            )
    wanted = ["customer_id", *features]
    missing = [c for c in wanted if c not in customers]
    if missing:
        raise SchemaError(f"dashboard: the customer table has no column(s) {missing}")
    # Imported here: the export pulls in the profile stage (SciPy, scikit-learn), which the
    # dashboard's first page should not wait for.
    from user_segmentation.export import member_table

    with_customers = replace(record, customers=customers[wanted])
    return member_table(with_customers, segment_id, min_size=min_size, features=list(features))


def members_csv(members: pd.DataFrame) -> bytes:
    """A member list as UTF-8 CSV bytes (no index), for a download button.

    Examples
    --------
    >>> members_csv(pd.DataFrame({"customer_id": ["007"], "segment_id": [1]}))
    b'customer_id,segment_id\\n007,1\\n'
    """
    return members.to_csv(index=False).encode("utf-8")


def members_excel(members: pd.DataFrame) -> bytes:
    """A member list as an Excel workbook (one sheet, ``members``), for a download button.

    Raises
    ------
    SchemaError
        If the list has more rows than an Excel sheet holds.

    Examples
    --------
    >>> data = members_excel(pd.DataFrame({"customer_id": ["007"], "segment_id": [1]}))
    >>> data[:2], pd.read_excel(io.BytesIO(data), dtype={"customer_id": str}).values.tolist()
    (b'PK', [['007', 1]])
    """
    if len(members) > EXCEL_MAX_ROWS:
        raise SchemaError(
            f"dashboard: {len(members):,} rows do not fit in an Excel sheet "
            f"({EXCEL_MAX_ROWS:,} at most); download the CSV instead"
        )
    buffer = io.BytesIO()
    members.to_excel(buffer, index=False, sheet_name="members")
    return buffer.getvalue()


# -- data quality ------------------------------------------------------------------------------


def _counts_text(counts: Any) -> str:
    if not isinstance(counts, Mapping) or not counts:
        return ""
    return ", ".join(f"{key}: {int(value):,}" for key, value in counts.items() if _number(value))


def source_quality_table(quality: Mapping[str, Any]) -> pd.DataFrame:
    """One row per source of the run's integration report.

    Parameters
    ----------
    quality
        The run's ``quality`` section (``sources`` maps a source name to its counts).

    Returns
    -------
    pandas.DataFrame
        :data:`SOURCE_QUALITY_COLUMNS`; ``rows_dropped`` totals the drop reasons, which
        ``dropped_because`` lists; ``key_changes`` lists the key clean-ups. Counts a source
        did not record are missing.

    Examples
    --------
    >>> q = {"sources": {"crm": {"role": "attributes", "rows_read": 10,
    ...                          "rows_dropped": {"duplicate_rows": 2}, "rows_kept": 8,
    ...                          "coverage": 0.8, "key_changes": {"whitespace_stripped": 3}}}}
    >>> row = source_quality_table(q).iloc[0]
    >>> int(row["rows_dropped"]), row["dropped_because"], row["key_changes"]
    (2, 'duplicate_rows: 2', 'whitespace_stripped: 3')
    """
    rows = []
    for name, info in (quality.get("sources") or {}).items():
        info = info if isinstance(info, Mapping) else {}
        dropped = info.get("rows_dropped")
        total: int | None = None
        if isinstance(dropped, Mapping):
            total = int(sum(_number(v) or 0 for v in dropped.values()))
        else:
            number = _number(dropped)
            total = None if number is None else int(number)
        rows.append(
            {
                "source": str(name),
                "role": str(info.get("role", "")),
                "rows_read": info.get("rows_read"),
                "rows_dropped": total,
                "rows_kept": info.get("rows_kept"),
                "distinct_customers": info.get("distinct_customers"),
                "coverage": info.get("coverage"),
                "unmatched_customers": info.get("unmatched_customers"),
                "dropped_because": _counts_text(dropped),
                "key_changes": _counts_text(info.get("key_changes")),
            }
        )
    table = pd.DataFrame(rows, columns=SOURCE_QUALITY_COLUMNS)
    for column in ("rows_read", "rows_dropped", "rows_kept", "distinct_customers"):
        table[column] = pd.to_numeric(table[column], errors="coerce").astype("Int64")
    table["unmatched_customers"] = pd.to_numeric(
        table["unmatched_customers"], errors="coerce"
    ).astype("Int64")
    table["coverage"] = pd.to_numeric(table["coverage"], errors="coerce").astype(float)
    return table


def missing_share_table(quality: Mapping[str, Any]) -> pd.DataFrame:
    """Share of customers without a value, per feature (most missing first).

    Reads ``feature_missing_share`` (the features as profiled), else ``missing_share`` (the
    integrated columns).

    Examples
    --------
    >>> missing_share_table({"feature_missing_share": {"age": 0.05, "tier": 0.4}})
      feature  missing_share
    0    tier           0.40
    1     age           0.05
    """
    shares = quality.get("feature_missing_share") or quality.get("missing_share") or {}
    table = pd.DataFrame(
        {
            "feature": [str(k) for k in shares],
            "missing_share": [(_number(v) or 0.0) for v in shares.values()],
        }
    )
    order = np.argsort(-table["missing_share"].to_numpy(dtype=float), kind="stable")
    return table.iloc[order].reset_index(drop=True)


#: Columns of :func:`out_of_range_table`.
OUT_OF_RANGE_COLUMNS = ["feature", "range", "count", "share", "policy", "examples"]


def out_of_range_table(quality: Mapping[str, Any]) -> pd.DataFrame:
    """Values outside their declared range, per numeric attribute (most first).

    Reads ``out_of_range`` (``{column: {"range", "count", "share", "policy", "examples"}}``);
    every declared range has a row, those no value fell outside with a count of 0.

    Examples
    --------
    >>> q = {"out_of_range": {"age": {"range": [0, 120], "count": 2, "share": 0.05,
    ...      "policy": "missing", "examples": [{"customer_id": "c7", "value": 250.0}]}}}
    >>> out_of_range_table(q).values.tolist()
    [['age', '[0, 120]', 2, 0.05, 'missing', 'c7: 250']]
    """
    rows = []
    for col, info in (quality.get("out_of_range") or {}).items():
        info = info if isinstance(info, Mapping) else {}
        bounds = info.get("range")
        shown = ""
        if isinstance(bounds, Sequence) and not isinstance(bounds, str) and len(bounds) == 2:
            lo, hi = (_number(b) for b in bounds)
            shown = describe_range(lo, hi)
        examples = info.get("examples") or []
        rows.append(
            {
                "feature": str(col),
                "range": shown,
                "count": int(_number(info.get("count")) or 0),
                "share": _number(info.get("share")),
                "policy": str(info.get("policy", "")),
                "examples": ", ".join(
                    f"{e.get('customer_id')}: {_example_value(e.get('value'))}"
                    for e in examples
                    if isinstance(e, Mapping)
                ),
            }
        )
    table = pd.DataFrame(rows, columns=OUT_OF_RANGE_COLUMNS)
    table["count"] = table["count"].astype("int64")
    table["share"] = pd.to_numeric(table["share"], errors="coerce").astype(float)
    order = np.argsort(-table["count"].to_numpy(), kind="stable")
    return table.iloc[order].reset_index(drop=True)


def _example_value(value: Any) -> str:
    number = _number(value)
    return str(value) if number is None else f"{number:.10g}"


def preprocessing_table(quality: Mapping[str, Any]) -> pd.DataFrame:
    """What preprocessing did to each feature it touched: dropped (why) or transformed (how).

    Examples
    --------
    >>> q = {"preprocessing": {"dropped_features": {"flag": "constant"},
    ...                        "transformed": {"spend": "log1p"}}}
    >>> preprocessing_table(q).values.tolist()
    [['flag', 'dropped', 'constant'], ['spend', 'transformed', 'log1p']]
    """
    pre = quality.get("preprocessing") or {}
    rows = [(str(f), "dropped", str(why)) for f, why in (pre.get("dropped_features") or {}).items()]
    rows += [(str(f), "transformed", str(how)) for f, how in (pre.get("transformed") or {}).items()]
    return pd.DataFrame(rows, columns=["feature", "action", "detail"])


def selection_summary(selection: Mapping[str, Any], meta: Mapping[str, Any]) -> pd.DataFrame:
    """The facts of the choice of k, as a two-column table.

    Examples
    --------
    >>> selection_summary({"recommended_k": 4, "elbow_k": 3, "plausible_range": [3, 5],
    ...                    "confidence": "medium"}, {"k": 4, "k_source": "recommended",
    ...                    "silhouette_method": "sampled", "silhouette_sample_size": 10000})
    ... # doctest: +NORMALIZE_WHITESPACE
                   fact                 value
    0       segments (k)       4 (recommended)
    1      recommended k                     4
    2  elbow of inertia                     3
    3    plausible range                  3–5
    4         confidence                medium
    5         silhouette  sampled (10,000 customers)
    """
    rows: list[tuple[str, str]] = []
    k = meta.get("k")
    if k is not None:
        source = meta.get("k_source")
        rows.append(("segments (k)", f"{k}" + (f" ({source})" if source else "")))
    for key, label in (
        ("recommended_k", "recommended k"),
        ("elbow_k", "elbow of inertia"),
    ):
        if selection.get(key) is not None:
            rows.append((label, str(selection[key])))
    plausible = selection.get("plausible_range")
    if isinstance(plausible, Sequence) and not isinstance(plausible, str) and len(plausible) == 2:
        rows.append(("plausible range", f"{plausible[0]}–{plausible[1]}"))
    if selection.get("confidence") is not None:
        rows.append(("confidence", str(selection["confidence"])))
    method = meta.get("silhouette_method") or selection.get("silhouette_method")
    if method:
        size = _number(
            meta.get("silhouette_sample_size") or selection.get("silhouette_sample_size")
        )
        rows.append(("silhouette", f"{method}" + (f" ({int(size):,} customers)" if size else "")))
    if meta.get("primary_method"):
        rows.append(("method", str(meta["primary_method"])))
    agreement = _number(meta.get("agreement_ari"))
    if agreement is not None:
        rows.append(
            (
                f"agreement with {meta.get('secondary_method', 'the second method')}",
                f"ARI {agreement:.3f}",
            )
        )
    return pd.DataFrame(rows, columns=["fact", "value"])


def strongest_variables(
    statistics: pd.DataFrame, catalog: Mapping[str, VariableKind], n: int = 6
) -> list[str]:
    """The ``n`` variables that differ most across segments, to compare two segments on.

    Ranked by the omnibus effect size of the statistics table (eta² of Kruskal-Wallis for a
    numeric variable, Cramér's V for a categorical one); without it, the catalog's first
    ``n``. Only variables of ``catalog`` are returned.

    Examples
    --------
    >>> stats = pd.DataFrame({"variable": ["spend", "spend", "plan", "age"],
    ...                       "omnibus_effect": [0.2, 0.2, 0.6, 0.01]})
    >>> catalog = {"spend": "numeric", "plan": "categorical", "age": "numeric"}
    >>> strongest_variables(stats, catalog, 2), strongest_variables(pd.DataFrame(), catalog, 2)
    (['plan', 'spend'], ['spend', 'plan'])
    """
    if len(statistics) and {"variable", "omnibus_effect"} <= set(statistics.columns):
        effect = (
            pd.DataFrame(
                {
                    "variable": statistics["variable"].astype(str).to_numpy(),
                    "effect": pd.to_numeric(statistics["omnibus_effect"], errors="coerce"),
                }
            )
            .groupby("variable", sort=False)["effect"]
            .max()
        )
        effect = effect[[v in catalog for v in effect.index]]
        ranked = effect.fillna(-1.0).sort_values(ascending=False, kind="stable")
        return [str(v) for v in ranked.index[:n]]
    return list(catalog)[:n]
