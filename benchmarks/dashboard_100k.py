"""The dashboard on a 100,000-customer store, timed in a real browser.

Usage::

    .venv/bin/python benchmarks/dashboard_100k.py [--store URL] [--out DIR] [--customers N]

Without ``--store`` it builds the demo store first (``segment demo --customers N --out DIR``,
about three minutes for 100,000 customers on two cores), or reuses the one already in ``DIR``.
``--update`` then adds a second run (``segment update --refit`` with the observation date moved
three months on), so that "Changes over time" has history to draw.

It then walks the same path as the browser test (``tests/dashboard/browser_flow.py``):
Debian's Chromium is started, then ``segment dashboard`` on a free port; once the server
answers, the first page is opened; every page is visited from the sidebar, filters are changed
and a member list is downloaded. It prints how long the server took to answer, how long from
then to the first page being drawn, each page, and each interaction's re-render. Needs
Playwright and ``/usr/bin/chromium``.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "dashboard"))

import browser_flow  # noqa: E402  (the shared flow lives beside the browser test)

from user_segmentation.config import load_config  # noqa: E402
from user_segmentation.store import RunStore  # noqa: E402

console = Console()


def _segment(*args: str) -> None:
    command = [str(Path(sys.executable).with_name("segment")), *args]
    console.print("$ segment " + " ".join(args), style="dim")
    subprocess.run(command, check=True)


def _demo_store(folder: Path, customers: int, update: bool) -> str:
    project = folder / "segmentation.yaml"
    if not project.exists():
        _segment("demo", "--customers", str(customers), "--out", str(folder), "--quiet")
    url = load_config(project).store_url()
    with RunStore(url) as store:
        runs = len(store.list_runs())
    if update and runs < 2:
        text = project.read_text()
        project.write_text(text.replace("as_of: 2025-12-31", "as_of: 2026-03-31"))
        _segment("update", "-c", str(project), "--refit", "--quiet")
    return url


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--store", help="An existing store (skips building the demo).")
    parser.add_argument(
        "--out", type=Path, default=None, help="Folder of the demo (default: a temporary one)."
    )
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--update", action="store_true", help="Add a second run by an update.")
    parser.add_argument("--screenshots", type=Path, default=None)
    args = parser.parse_args()

    reason = browser_flow.browser_missing()
    if reason is not None:
        sys.exit(f"cannot run the browser: {reason}")
    work = Path(tempfile.mkdtemp(prefix="dashboard_100k_"))
    store = args.store or _demo_store(args.out or work / "demo", args.customers, args.update)
    expected = browser_flow.expectations(store)
    with RunStore(store) as handle:
        n_runs = len(handle.list_runs())
    shots = args.screenshots or work / "screenshots"
    with (
        browser_flow.chromium() as browser,
        browser_flow.dashboard_server(
            store, browser_flow.free_port(), work / "server.log"
        ) as server,
    ):
        result = browser_flow.walk(browser, server, expected, shots, timeout=120.0)

    table = Table(
        title=f"Dashboard on {expected.n_customers:,} customers ({n_runs} run(s)), "
        "real browser, times in seconds"
    )
    table.add_column("step")
    table.add_column("seconds", justify="right")
    table.add_row("server start → ready", f"{result.server_start:.2f}")
    table.add_row("server ready → first page rendered", f"{result.first_render:.2f}")
    for name, seconds in result.pages.items():
        table.add_row(f"page: {name} (click → drawn)", f"{seconds:.2f}")
    for name, seconds in result.interactions.items():
        table.add_row(f"interaction: {name}", f"{seconds:.2f}")
    console.print(table)
    console.print(f"Screenshots and the downloaded member list: {shots}")


if __name__ == "__main__":
    main()
