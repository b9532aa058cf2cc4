"""Drive the dashboard in a real browser: start ``segment dashboard``, visit every page, time it.

Shared by the browser test (``test_browser.py``) and the benchmark
(``benchmarks/dashboard_100k.py``), so both walk the same path:

1. launch Chromium (Debian's, through Playwright; never a downloaded browser), as a user's
   browser is already open;
2. start ``segment dashboard --store STORE --port PORT`` as a subprocess (its own process
   group, so that stopping it stops Streamlit too), wait until ``/_stcore/health`` answers,
   open the first page and wait until its heading and charts are drawn: *first render*, timed
   from the moment the server answered;
3. visit every other page from the sidebar, screenshot each;
4. on Explore, remove a segment from the filter and wait for the new count (an interaction),
   switch to 3-D and back; on Variables, switch the plot to violins;
5. on Members, pick a segment, set the minimum confidence, wait for the filtered count (an
   interaction), and download the list as CSV.

What to expect (the project name, segment labels and counts) is read from the store, so the
flow checks what it sees as it goes.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from user_segmentation.report.labels import segment_labels
from user_segmentation.store import RunStore

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

#: (navigation link, page heading), in navigation order; the first page's heading ends with
#: ": customer segments" after the project name.
PAGES = [
    ("Overview", None),
    ("Choosing k", "Choosing the number of segments"),
    ("Explore", "Explore customers"),
    ("Variables", "Variables across segments"),
    ("Changes over time", "Changes over time"),
    ("Members", "Members of a segment"),
    ("Data quality", "Data quality"),
]

#: Minimum confidence the flow sets on the Members page.
MIN_CONFIDENCE = 0.5

_IDLE = (
    "() => { const app = document.querySelector('[data-testid=\"stApp\"]');"
    " return app !== null && app.getAttribute('data-test-script-state') === 'notRunning'; }"
)
_CHARTS_DRAWN = (
    "() => [...document.querySelectorAll('[data-testid=\"stPlotlyChart\"]')]"
    ".every(chart => chart.querySelector('.main-svg') !== null)"
)


@dataclass(frozen=True)
class Expectations:
    """What the flow should see, read from the store's current run."""

    run_id: int
    project: str
    n_customers: int
    removed_label: str  # segment removed from the Explore filter
    removed_size: int
    members_segment: int  # segment listed and downloaded on Members
    members_option: str  # the start of its option text in the segment picker
    members_size: int
    members_after_filter: int  # its members with confidence >= MIN_CONFIDENCE


@dataclass
class FlowResult:
    """Times (seconds) and artefacts of one walk through the dashboard."""

    server_start: float = 0.0  # process start -> health check answers
    first_render: float = 0.0  # server ready -> first page drawn
    pages: dict[str, float] = field(default_factory=dict)  # click -> page drawn
    interactions: dict[str, float] = field(default_factory=dict)  # action -> redrawn
    screenshots: list[Path] = field(default_factory=list)
    download: Path | None = None

    def table(self) -> str:
        """The times as a small text table."""
        rows = [
            ("server start -> ready", self.server_start),
            ("server ready -> first page rendered", self.first_render),
            *((f"page: {name}", seconds) for name, seconds in self.pages.items()),
            *((f"interaction: {name}", seconds) for name, seconds in self.interactions.items()),
        ]
        width = max(len(name) for name, _ in rows)
        return "\n".join(f"{name:<{width}}  {seconds:6.2f} s" for name, seconds in rows)


def expectations(store_url: str) -> Expectations:
    """Read what the flow should see from the store's current run."""
    with RunStore(store_url) as store:
        record = store.load_run(customers=False)
    assert record.run_id is not None
    segments = record.segments.sort_values("segment_id")
    labels = segment_labels(segments)
    sizes = dict(zip(segments["segment_id"].astype(int), segments["size"].astype(int), strict=True))
    small = dict(
        zip(segments["segment_id"].astype(int), segments["small"].astype(int), strict=True)
    )
    first = int(segments["segment_id"].iloc[0])
    listed = max((s for s in sizes if not small[s]), key=lambda s: (sizes[s], -s))
    members = record.assignments[record.assignments["segment_id"] == listed]
    confident = int((members["confidence"] >= MIN_CONFIDENCE).sum())
    return Expectations(
        run_id=int(record.run_id),
        project=str(record.meta.get("project") or "segmentation"),
        n_customers=len(record.assignments),
        removed_label=labels[first],
        removed_size=sizes[first],
        members_segment=listed,
        members_option=f"{labels[listed]} (#{listed},",
        members_size=sizes[listed],
        members_after_filter=confident,
    )


def browser_missing() -> str | None:
    """Why the real-browser flow cannot run here, or ``None`` when it can."""
    if not CHROMIUM.exists():
        return f"no Chromium at {CHROMIUM} (install Debian's chromium package)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright is not installed (pip install playwright; no browser download needed)"
    return None


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _segment_command() -> list[str]:
    script = Path(sys.executable).with_name("segment")
    if script.exists():
        return [str(script)]
    found = shutil.which("segment")
    if found:
        return [found]
    return [sys.executable, "-c", "from user_segmentation.cli.main import app; app()"]


@dataclass(frozen=True)
class Server:
    """A running dashboard: its URL, how long it took to answer, and when it did."""

    url: str
    start_seconds: float
    ready_at: float  # time.perf_counter() when the health check first answered


@contextmanager
def chromium() -> Iterator[Any]:
    """Debian's Chromium, headless, through Playwright; closed when the block ends."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@contextmanager
def dashboard_server(
    store_url: str, port: int, log: Path, *, timeout: float = 180.0
) -> Iterator[Server]:
    """Run ``segment dashboard`` until the block ends.

    The server runs in a process group of its own, stopped (and, if need be, killed) by its
    id when the block ends, whatever happened inside.
    """
    started = time.perf_counter()
    with log.open("wb") as out:
        process = subprocess.Popen(
            [*_segment_command(), "dashboard", "--store", store_url, "--port", str(port)],
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            _wait_healthy(base, process, log, timeout)
            ready = time.perf_counter()
            yield Server(base, ready - started, ready)
        finally:
            _stop(process)


def _wait_healthy(base: str, process: subprocess.Popen[bytes], log: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(
                f"segment dashboard exited with code {process.returncode}:\n"
                + log.read_text(errors="replace")
            )
        try:
            with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.1)
    raise RuntimeError(
        f"segment dashboard did not answer within {timeout:.0f} s:\n"
        + log.read_text(errors="replace")
    )


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=15)
    except ProcessLookupError:
        pass


def _drawn(page: Any, timeout_ms: float) -> None:
    """Wait until the script has finished and every chart on the page is drawn."""
    page.wait_for_function(_IDLE, timeout=timeout_ms)
    page.wait_for_function(_CHARTS_DRAWN, timeout=timeout_ms)


def _caption(page: Any, text: str, timeout_ms: float) -> None:
    page.get_by_test_id("stCaptionContainer").filter(has_text=text).first.wait_for(
        timeout=timeout_ms
    )


def _shot(page: Any, folder: Path, number: int, name: str, result: FlowResult) -> None:
    path = folder / f"{number:02d}_{name.lower().replace(' ', '-')}.png"
    page.screenshot(path=str(path), full_page=True)
    result.screenshots.append(path)


def walk(
    browser: Any,
    server: Server,
    expected: Expectations,
    screenshots: Path,
    *,
    timeout: float = 60.0,
) -> FlowResult:
    """Visit every page of the dashboard as a user would (see the module text)."""
    ms = timeout * 1000
    result = FlowResult(server_start=server.start_seconds)
    screenshots.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    try:
        page.set_default_timeout(ms)
        page.goto(server.url)
        page.get_by_role("heading", name=f"{expected.project}: customer segments").wait_for()
        _drawn(page, ms)
        result.first_render = time.perf_counter() - server.ready_at
        _shot(page, screenshots, 1, "overview", result)
        nav = page.get_by_test_id("stSidebarNav")
        for number, (link, heading) in enumerate(PAGES[1:], start=2):
            started = time.perf_counter()
            nav.get_by_text(link, exact=True).click()
            page.get_by_role("heading", name=heading).wait_for()
            _drawn(page, ms)
            result.pages[link] = time.perf_counter() - started
            if link == "Explore":
                _explore(page, expected, result, ms)
            elif link == "Variables":
                _variables(page, result, ms)
            elif link == "Members":
                result.download = _members(page, expected, result, screenshots, ms)
            _shot(page, screenshots, number, link, result)
    finally:
        page.close()
    return result


def _explore(page: Any, expected: Expectations, result: FlowResult, ms: float) -> None:
    total = expected.n_customers
    _caption(page, f"{total:,} of {total:,} customers match", ms)
    started = time.perf_counter()
    page.get_by_role("button", name=f"Remove {expected.removed_label}", exact=True).click()
    _caption(page, f"{total - expected.removed_size:,} of {total:,} customers match", ms)
    _drawn(page, ms)
    result.interactions["Explore: remove a segment from the filter"] = time.perf_counter() - started
    started = time.perf_counter()
    page.get_by_test_id("stRadio").get_by_text("3-D", exact=True).click()
    page.locator("[data-testid='stPlotlyChart'] .gtitle", has_text="three principal").wait_for()
    _drawn(page, ms)
    result.interactions["Explore: 2-D -> 3-D (WebGL, software-rendered here)"] = (
        time.perf_counter() - started
    )
    started = time.perf_counter()
    page.get_by_test_id("stRadio").get_by_text("2-D", exact=True).click()
    page.locator("[data-testid='stPlotlyChart'] .gtitle", has_text="two principal").wait_for()
    _drawn(page, ms)
    result.interactions["Explore: 3-D -> 2-D"] = time.perf_counter() - started


def _variables(page: Any, result: FlowResult, ms: float) -> None:
    started = time.perf_counter()
    page.get_by_test_id("stRadio").get_by_text("violin", exact=True).click()
    page.locator("[data-testid='stPlotlyChart'] .violinlayer .trace").first.wait_for()
    _drawn(page, ms)
    result.interactions["Variables: box -> violin"] = time.perf_counter() - started


def _members(
    page: Any, expected: Expectations, result: FlowResult, screenshots: Path, ms: float
) -> Path:
    size = expected.members_size
    page.get_by_test_id("stSelectbox").filter(has_text="Segment").first.click()
    page.get_by_role("option").filter(has_text=expected.members_option).first.click()
    _caption(page, f"{size:,} of {size:,} members match", ms)
    _drawn(page, ms)
    started = time.perf_counter()
    box = page.get_by_role("spinbutton", name="Minimum confidence")
    box.fill(f"{MIN_CONFIDENCE}")
    box.press("Enter")
    _caption(page, f"{expected.members_after_filter:,} of {size:,} members match", ms)
    _drawn(page, ms)
    result.interactions["Members: minimum confidence filter"] = time.perf_counter() - started
    with page.expect_download() as download:
        page.get_by_role("button", name="Download CSV").click()
    target = screenshots / download.value.suggested_filename
    download.value.save_as(str(target))
    return target


def read_download(path: Path) -> pd.DataFrame:
    """A downloaded member list, customer ids kept as text."""
    return pd.read_csv(path, dtype={"customer_id": str})
