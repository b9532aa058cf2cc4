"""``segment watch DIR``: update the segments whenever the data in a folder changes.

The folder is polled (portable, and safe on network shares where change notifications are not
delivered). A change is acted on once the folder has stayed the same for ``debounce`` seconds,
so an export that takes a minute to write triggers one update, not twenty. The update itself is
idempotent by content: if the files' contents are those of the current run (a file touched but
not changed, a copy of the same export), no run is made. A failing update is logged and the
watch goes on; the store keeps its last good run.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from user_segmentation.config import ProjectConfig
from user_segmentation.errors import SegmentationError, SourceError
from user_segmentation.pipeline.update import UpdateResult, update_project

logger = logging.getLogger(__name__)

#: (modification time in ns, size) of each file under the folder.
Snapshot = dict[str, tuple[int, int]]


def snapshot(folder: Path) -> Snapshot:
    """The state of every file under ``folder`` (hidden files and temporary copies left out).

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> _ = (folder / "orders.csv").write_text("a,b\\n")
    >>> _ = (folder / ".orders.csv.swp").write_text("")
    >>> list(snapshot(folder))
    ['orders.csv']
    """
    if not folder.is_dir():
        raise SourceError(f"{folder}: not a folder to watch")
    state: Snapshot = {}
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder)
        if any(part.startswith(".") for part in relative.parts) or path.suffix == ".tmp":
            continue
        if path.is_file():
            info = path.stat()
            state[relative.as_posix()] = (info.st_mtime_ns, info.st_size)
    return state


@dataclass
class WatchLog:
    """What a watch did: one entry per update attempt."""

    results: list[UpdateResult] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def watch(
    config: ProjectConfig,
    folder: Path,
    *,
    interval: float = 5.0,
    debounce: float = 10.0,
    max_checks: int | None = None,
    on_update: Callable[[UpdateResult], None] | None = None,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> WatchLog:
    """Poll ``folder`` every ``interval`` seconds; update after ``debounce`` quiet seconds.

    Right after starting it updates once if the data differs from the current run (the
    update itself finds out, by content). ``max_checks`` stops after that many polls (for tests and
    one-shot use); ``None`` watches until interrupted.
    """
    log = WatchLog()
    seen: Snapshot | None = None
    changed_at: float | None = clock() - debounce  # due at once: check the data on start
    checks = 0
    while max_checks is None or checks < max_checks:
        checks += 1
        now_state = snapshot(folder)
        if now_state != seen:
            if seen is not None:
                logger.info("%s changed; waiting %.0f s for it to settle", folder, debounce)
                changed_at = clock()
            seen = now_state
        elif changed_at is not None and clock() - changed_at >= debounce:
            changed_at = None
            try:
                result = update_project(config)
            except SegmentationError as exc:
                log.errors.append(str(exc))
                logger.error("update failed, the store keeps its last good run: %s", exc)
            else:
                log.results.append(result)
                if on_update is not None:
                    on_update(result)
        if max_checks is None or checks < max_checks:
            sleep(interval)
    return log
