"""Tables of the run store, as SQLAlchemy Core metadata.

Only portable Core types are used (``Integer``, ``Float``, ``String``, ``Text``), so the same
metadata creates the store on SQLite and on PostgreSQL. Nested run facts (quality report,
k-selection evidence, model state, timings) are kept as JSON text: they are read whole, never
queried column by column, and JSON text keeps model state as plain data that loading cannot
execute.

Every per-run table carries ``row_order``, the position of the row in the frame that was saved,
so that a loaded frame comes back in the order it was written whatever order the database
returns rows in.

Examples
--------
>>> from user_segmentation.store.schema import metadata, SCHEMA_VERSION
>>> sorted(metadata.tables)  # doctest: +NORMALIZE_WHITESPACE
['assignments', 'customer_values', 'k_scores', 'moves', 'profiles', 'runs',
 'schema_version', 'segments', 'statistics']
>>> SCHEMA_VERSION
1
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    Column,
    Float,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

from user_segmentation.records import (
    ASSIGNMENT_COLUMNS,
    K_SCORE_COLUMNS,
    MOVE_COLUMNS,
    PROFILE_COLUMNS,
    SEGMENT_COLUMNS,
    STATISTICS_COLUMNS,
)

#: Version of the layout below. Version 1 is the pre-release layout (package 0.x, before the
#: first release) and may still gain columns; a store made by an earlier 0.x build is refused
#: with a clear message rather than migrated. From the first release on, bump it (and add a
#: migration) whenever a table changes.
SCHEMA_VERSION = 1

#: Status of a run whose rows are all committed. A run is written in one transaction, so it
#: is the only status a reader can see today; the column leaves room for lock rows later.
STATUS_COMPLETE = "complete"

#: Name of the column that keeps each frame's row order.
ROW_ORDER = "row_order"

metadata = MetaData()

schema_version = Table(
    "schema_version",
    metadata,
    Column("version", Integer, primary_key=True, autoincrement=False),
)

runs = Table(
    "runs",
    metadata,
    Column("run_id", Integer, primary_key=True, autoincrement=True),
    Column("created_at", String, nullable=False),
    Column("project", String),
    Column("status", String, nullable=False),
    Column("config_hash", String),
    Column("input_fingerprint", String),
    Column("package_version", String),
    Column("seed", Integer),
    Column("engine", String),
    Column("n_customers", Integer, nullable=False),
    Column("k", Integer, nullable=False),
    Column("primary_method", String),
    Column("meta_json", Text, nullable=False),
    Column("quality_json", Text, nullable=False),
    Column("selection_json", Text, nullable=False),
    Column("model_json", Text, nullable=False),
    Column("timings_json", Text, nullable=False),
    # When the run was published (ISO 8601 UTC); NULL while it is a candidate.
    Column("published_at", String),
    # Never reuse the id of a deleted run: ids name runs in reports and migration ledgers.
    sqlite_autoincrement=True,
)


def _frame_table(
    name: str, *items: Column[Any] | ForeignKeyConstraint | Index, **options: Any
) -> Table:
    """A per-run table: ``run_id``, then the frame's columns, then :data:`ROW_ORDER`."""
    return Table(
        name,
        metadata,
        Column(
            "run_id",
            Integer,
            ForeignKey("runs.run_id", ondelete="CASCADE"),
            primary_key=True,
            autoincrement=False,
        ),
        *items,
        Column(ROW_ORDER, Integer, nullable=False),
        **options,
    )


def _in_segments() -> ForeignKeyConstraint:
    """Every row's segment must be one of the run's segments."""
    return ForeignKeyConstraint(
        ["run_id", "segment_id"],
        ["segments.run_id", "segments.segment_id"],
        ondelete="CASCADE",
    )


k_scores = _frame_table(
    "k_scores",
    Column("k", Integer, primary_key=True, autoincrement=False),
    *(Column(name, Float) for name in K_SCORE_COLUMNS[1:]),
)

segments = _frame_table(
    "segments",
    Column("segment_id", Integer, primary_key=True, autoincrement=False),
    Column("name", String),
    Column("size", Integer, nullable=False),
    Column("share", Float),
    Column("stability", Float),
    Column("rule", Text),
    Column("rule_precision", Float),
    Column("rule_recall", Float),
    Column("action", Text),
    Column("traits", Text),
    Column("revenue", Float),
    Column("revenue_share", Float),
    Column("value_index", Float),
    Column("small", Integer),
)

assignments = _frame_table(
    "assignments",
    Column("customer_id", String, primary_key=True),
    Column("segment_id", Integer, nullable=False),
    # Nullable: a run without a secondary method has no second opinion to record.
    Column("secondary_segment_id", Integer),
    Column("distance", Float),
    Column("margin", Float),
    Column("confidence", Float),
    Column("pc1", Float),
    Column("pc2", Float),
    Column("pc3", Float),
    _in_segments(),
    Index("ix_assignments_run_segment", "run_id", "segment_id"),
)

profiles = _frame_table(
    "profiles",
    Column("segment_id", Integer, primary_key=True, autoincrement=False),
    Column("feature", String, primary_key=True),
    Column("mean", Float),
    Column("median", Float),
    Column("overall_mean", Float),
    Column("lift", Float),
    # NULL when the feature is constant over all customers (no spread to measure against).
    Column("std_diff", Float),
    _in_segments(),
)

_STATISTICS_TEXT = {"variable", "level", "kind", "test", "omnibus_test"}
_STATISTICS_INT = {"n_segment", "n_rest", "significant"}


def _statistics_column(name: str) -> Column[Any]:
    if name in ("segment_id", "feature"):
        kind: Any = Integer if name == "segment_id" else String
        return Column(name, kind, primary_key=True, autoincrement=False)
    if name in _STATISTICS_TEXT:
        return Column(name, String)
    return Column(name, Integer if name in _STATISTICS_INT else Float)


statistics = _frame_table(
    "statistics",
    *(_statistics_column(name) for name in STATISTICS_COLUMNS),
    _in_segments(),
)

# No key to the segments tables: a customer who left has no segment in this run, and one who
# arrived none in the base run.
moves = _frame_table(
    "moves",
    Column("customer_id", String, primary_key=True),
    Column("from_segment", Integer),
    Column("to_segment", Integer),
)

#: Columns of ``customer_values``: the run's customer table in long form (one row per
#: customer and feature), so that any project's features fit one fixed table. Numeric values
#: go in ``value``, categorical ones in ``label``.
CUSTOMER_VALUE_COLUMNS = ["feature", "customer_id", "value", "label"]

# The key starts with the feature so that one variable across all customers (a distribution
# plot) is a range read. On SQLite the rows live in the key's B-tree (WITHOUT ROWID) instead
# of a table plus a key index holding the same text twice: the store is about half the size.
customer_values = _frame_table(
    "customer_values",
    Column("feature", String, primary_key=True),
    Column("customer_id", String, primary_key=True),
    Column("value", Float),
    Column("label", Text),
    sqlite_with_rowid=False,
)

#: Per-run tables in the order they are written (parents before children) and the
#: :mod:`~user_segmentation.records` columns each one holds, in frame order.
FRAME_TABLES: dict[str, tuple[Table, list[str]]] = {
    "k_scores": (k_scores, K_SCORE_COLUMNS),
    "segments": (segments, SEGMENT_COLUMNS),
    "assignments": (assignments, ASSIGNMENT_COLUMNS),
    "profiles": (profiles, PROFILE_COLUMNS),
    "statistics": (statistics, STATISTICS_COLUMNS),
    "moves": (moves, MOVE_COLUMNS),
}

#: Columns of ``runs`` that hold JSON text, keyed by the :class:`RunRecord` attribute.
JSON_COLUMNS: dict[str, str] = {
    "meta": "meta_json",
    "quality": "quality_json",
    "selection": "selection_json",
    "model": "model_json",
    "timings": "timings_json",
}
