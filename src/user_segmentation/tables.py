"""Tables that DuckDB evaluates lazily: a SQL query plus the DataFrames it refers to.

Transaction logs and event tables can be far larger than memory. They are therefore passed
between stages as a :class:`TableRef` — SQL over files (``read_csv``/``read_parquet``) or over
registered DataFrames — and only the per-customer aggregates are ever materialised in pandas.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import duckdb
import pandas as pd

_names = itertools.count()


def quote_identifier(name: str) -> str:
    """Quote a column name for DuckDB: double quotes, embedded quotes doubled.

    Column names come from users' files, so they are never interpolated unquoted.

    Examples
    --------
    >>> print(quote_identifier("order id"), quote_identifier('a"b'))
    "order id" "a""b"
    """
    return '"' + name.replace('"', '""') + '"'


@dataclass(frozen=True)
class TableRef:
    """A table as SQL that any DuckDB connection can evaluate once :meth:`attach` has run.

    Examples
    --------
    >>> t = TableRef.from_frame(pd.DataFrame({"a": [1, 2, 3]}))
    >>> t.where("a > 1").count()
    2
    """

    sql: str
    frames: dict[str, pd.DataFrame] = field(default_factory=dict)
    origin: str = ""  # file or source name, for messages

    @classmethod
    def from_frame(cls, frame: pd.DataFrame, origin: str = "") -> TableRef:
        """Wrap an in-memory DataFrame."""
        name = f"frame_{next(_names)}"
        return cls(f"SELECT * FROM {name}", {name: frame}, origin)

    def attach(self, con: duckdb.DuckDBPyConnection) -> None:
        """Register the DataFrames this table reads from on ``con``."""
        for name, frame in self.frames.items():
            con.register(name, frame)

    def derive(self, sql: str) -> TableRef:
        """A new table whose ``sql`` reads this one as ``t`` (``SELECT ... FROM t ...``)."""
        return TableRef(f"WITH t AS ({self.sql}) {sql}", self.frames, self.origin)

    def where(self, condition: str) -> TableRef:
        """The rows satisfying a SQL condition."""
        return self.derive(f"SELECT * FROM t WHERE {condition}")

    def columns(self) -> list[str]:
        """Column names, without reading the data."""
        with self._connection() as con:
            return [d[0] for d in con.execute(f"SELECT * FROM ({self.sql}) LIMIT 0").description]

    def count(self) -> int:
        """Number of rows."""
        with self._connection() as con:
            row = con.execute(f"SELECT count(*) FROM ({self.sql})").fetchone()
        return int(row[0]) if row else 0

    def df(self) -> pd.DataFrame:
        """Materialise in pandas (for small tables and tests)."""
        with self._connection() as con:
            return con.execute(self.sql).df()

    def _connection(self) -> duckdb.DuckDBPyConnection:
        con = duckdb.connect()
        self.attach(con)
        return con
