"""Start the Streamlit server on the dashboard app (what ``segment dashboard`` runs)."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from user_segmentation.dashboard.access import connection_url, has_password
from user_segmentation.dashboard.settings import MIN_SIZE_ENV, STORE_ENV
from user_segmentation.errors import SegmentationError

#: The entry script handed to ``streamlit run``.
APP_PATH = Path(__file__).with_name("streamlit_app.py")

#: What to run when Streamlit is missing.
INSTALL_HINT = 'pip install "user-segmentation[dashboard]"'

#: The address the server binds: this machine only (see the README on exposing it).
ADDRESS = "127.0.0.1"


def require_streamlit() -> None:
    """Fail with the ``pip install`` to run when Streamlit is not installed.

    Raises
    ------
    SegmentationError
        Naming ``pip install "user-segmentation[dashboard]"``.

    Examples
    --------
    >>> require_streamlit()  # installed here: nothing happens
    """
    if importlib.util.find_spec("streamlit") is None:
        raise SegmentationError(f"the dashboard needs Streamlit: {INSTALL_HINT}")


def streamlit_command(
    store: str, *, port: int, min_size: int, python: str = sys.executable
) -> tuple[list[str], dict[str, str]]:
    """The command line (and extra environment) that serves the dashboard.

    Streamlit's command line (``streamlit run``) through
    :mod:`~user_segmentation.dashboard.serve`, which first imports what the pages need. The
    server binds 127.0.0.1, runs headless, sends no usage statistics, watches no files and
    skips the forced garbage collection after each rerun.
    The store URL goes after ``--`` for the app, except a URL holding a password, which goes
    in the environment (:data:`~user_segmentation.dashboard.settings.STORE_ENV`) so that
    other users of the machine cannot read it from the process list.

    Parameters
    ----------
    store
        The store's URL or SQLite path.
    port
        TCP port of the server.
    min_size
        Smallest segment whose members the dashboard lists.
    python
        The interpreter that runs Streamlit.

    Returns
    -------
    tuple of (list of str, dict)
        ``argv`` for :func:`os.execve` and the variables to add to the environment.

    Examples
    --------
    >>> argv, env = streamlit_command("/data/runs.db", port=8600, min_size=50, python="python")
    >>> argv[:4], argv[argv.index("--server.address") + 1], env
    (['python', '-m', 'user_segmentation.dashboard.serve', 'run'], '127.0.0.1', {})
    >>> argv[-5:]
    ['--', '--store', 'sqlite:////data/runs.db', '--min-size', '50']
    """
    url = connection_url(store)
    argv = [
        python,
        "-m",
        # Streamlit's command line, run after importing the pages' modules (see serve.py).
        "user_segmentation.dashboard.serve",
        "run",
        str(APP_PATH),
        "--server.address",
        ADDRESS,
        "--server.port",
        str(int(port)),
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
        # The app's files do not change under a user; watching them only costs CPU.
        "--server.fileWatcherType",
        "none",
        # A full garbage collection after every rerun took 0.2 s with a 100,000-customer run
        # in memory (measured); Python still collects on its own allocation thresholds.
        "--runner.postScriptGC",
        "false",
        # Readers of the dashboard get no developer menu (rerun, clear cache, deploy).
        "--client.toolbarMode",
        "viewer",
        "--",
    ]
    env: dict[str, str] = {}
    if has_password(store):
        env[STORE_ENV] = url
    else:
        argv += ["--store", url]
    argv += ["--min-size", str(int(min_size))]
    return argv, env


def exec_command(argv: Sequence[str], env: Mapping[str, str]) -> None:
    """Replace this process with ``argv`` (on Windows, run it and exit with its code).

    Replacing the process lets Ctrl-C and a supervisor's signals reach the server directly.
    """
    environment = {**os.environ, **env}
    environment.pop(MIN_SIZE_ENV, None)  # the command line carries it
    if os.name == "nt":  # pragma: no cover - no exec on Windows
        sys.exit(subprocess.call(list(argv), env=environment))
    os.execve(argv[0], list(argv), environment)
