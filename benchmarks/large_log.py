"""Bounded memory on a transaction log far larger than memory (a 10 GB CSV by default).

Usage::

    .venv/bin/python benchmarks/large_log.py [--gigabytes 10] [--customers 2000000]
        [--memory-limit 2GB] [--max-rss 4GB] [--folder DIR]

Writes an Online-Retail-like CSV of about ``--gigabytes`` (the generator of
``transactions_10m.py``) into ``--folder`` (default: the temporary folder), then, in a fresh
process with ``SEGMENT_MEMORY_LIMIT`` set to ``--memory-limit``, builds the customer feature
table from it (read, integrate, features) and measures wall time and peak memory (RSS); DuckDB's
bare ``GROUP BY`` of the same file is shown beside it. The parsed log lives in DuckDB's workspace
database, which spills to the temporary folder beyond its limit, so the temporary folder needs
free space of about the file's size.

Exits with status 1 when the pipeline's peak RSS exceeds ``--max-rss``: a nightly job can run it
as a check. It takes about half an hour for 10 GB on a 2-core machine.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb
from rich.console import Console
from rich.table import Table

sys.path.insert(0, str(Path(__file__).parent))
from transactions_10m import generate  # the generator of the 10M benchmark

#: Bytes per line of the generated CSV (measured on 10M lines: 423 MB).
BYTES_PER_LINE = 44.4


def _bytes(size: str) -> int:
    """``"4GB"`` → bytes, through DuckDB's own parser of sizes (what the limit setting takes)."""
    con = duckdb.connect()
    con.execute(f"SET memory_limit = '{size}'")
    text = str(con.execute("SELECT current_setting('memory_limit')").fetchone()[0])
    number, unit = text.split()
    return int(float(number) * {"KiB": 2**10, "MiB": 2**20, "GiB": 2**30, "TiB": 2**40}[unit])


def _measure(method: str, path: Path, memory_limit: str) -> dict:
    """One measurement in a fresh process (the child mode of ``transactions_10m.py``)."""
    script = Path(__file__).with_name("transactions_10m.py")
    env = {**os.environ, "SEGMENT_MEMORY_LIMIT": memory_limit}
    out = subprocess.run(
        [sys.executable, str(script), "--child", method, "csv", str(path)],
        check=True,
        capture_output=True,
        text=True,
        env=env,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gigabytes", type=float, default=10.0, help="size of the CSV")
    parser.add_argument("--customers", type=int, default=2_000_000)
    parser.add_argument("--memory-limit", default="2GB", help="DuckDB's workspace limit")
    parser.add_argument("--max-rss", default="4GB", help="fail when the peak RSS exceeds it")
    parser.add_argument("--folder", type=Path, default=None, help="where to write the CSV")
    args = parser.parse_args()
    console = Console(stderr=True)
    lines = int(args.gigabytes * 2**30 / BYTES_PER_LINE)
    with tempfile.TemporaryDirectory(prefix="large_log_", dir=args.folder) as tmp:
        console.print(f"generating {lines:,} lines (~{args.gigabytes:g} GB CSV) …")
        start = time.perf_counter()
        (csv,) = generate(Path(tmp), lines, args.customers, kinds=("csv",))
        size_gb = csv.stat().st_size / 2**30
        console.print(f"  {size_gb:.2f} GB in {time.perf_counter() - start:.0f} s")
        results = {}
        for method in ("bare", "ours"):
            console.print(f"{method} …")
            results[method] = _measure(method, csv, args.memory_limit)
    table = Table(title=f"Customer features from {lines:,} lines ({size_gb:.2f} GB CSV)")
    for col in ("method", "seconds", "CPU s", "peak MB", "customers", "× bare"):
        table.add_column(col, justify="left" if col == "method" else "right")
    for method, r in results.items():
        table.add_row(
            "bare DuckDB" if method == "bare" else f"ours (limit {args.memory_limit})",
            f"{r['seconds']:.0f}",
            f"{r['cpu_seconds']:.0f}",
            f"{r['peak_mb']:,.0f}",
            f"{r['customers']:,}",
            f"{r['seconds'] / results['bare']['seconds']:.1f}",
        )
    Console().print(table)
    peak = results["ours"]["peak_mb"] * 2**20
    if peak > _bytes(args.max_rss):
        console.print(f"FAIL: peak RSS {peak / 2**30:.2f} GB exceeds {args.max_rss}", style="red")
        return 1
    console.print(f"ok: peak RSS {peak / 2**30:.2f} GB within {args.max_rss}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
