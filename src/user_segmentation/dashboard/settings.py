"""What the dashboard is pointed at: the store URL and the privacy guard's minimum size.

``segment dashboard`` passes them after ``--`` on the Streamlit command line
(``--store URL --min-size N``), or, for a URL holding a password, in the environment
(:data:`STORE_ENV`), where ``ps`` does not show it. The command line wins.
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from user_segmentation.errors import ConfigError

#: Default smallest segment whose members are listed: the export's own default
#: (``profile.stats.MIN_EXPORT_SIZE``, which a test keeps equal). Not imported from there, as
#: that would load the whole profile stage before the first page.
MIN_EXPORT_SIZE = 50

#: Environment variable holding the store URL when it is not on the command line.
STORE_ENV = "SEGMENT_DASHBOARD_STORE"
#: Environment variable holding the minimum segment size whose members may be listed.
MIN_SIZE_ENV = "SEGMENT_DASHBOARD_MIN_SIZE"


@dataclass(frozen=True)
class DashboardSettings:
    """Where the dashboard reads runs from and the smallest segment whose members it lists.

    Attributes
    ----------
    store_url
        A SQLAlchemy URL or the path of a SQLite store.
    min_size
        Segments with fewer customers never have their members shown or downloaded.
    """

    store_url: str
    min_size: int = MIN_EXPORT_SIZE


def read_settings(argv: Sequence[str], environ: Mapping[str, str]) -> DashboardSettings:
    """Read the settings from the script's arguments, else from the environment.

    Arguments the dashboard does not know are ignored (Streamlit and test runners have their
    own); options must be spelled out in full.

    Parameters
    ----------
    argv
        The script's arguments (``sys.argv[1:]``).
    environ
        The environment (``os.environ``).

    Returns
    -------
    DashboardSettings

    Raises
    ------
    ConfigError
        If no store is given, or the minimum size is not a whole number of at least 1.

    Examples
    --------
    >>> read_settings(["--store", "runs.db", "--min-size", "20"], {})
    DashboardSettings(store_url='runs.db', min_size=20)
    >>> read_settings([], {"SEGMENT_DASHBOARD_STORE": "sqlite:///x.db"}).min_size
    50
    """
    parser = argparse.ArgumentParser(add_help=False, allow_abbrev=False)
    parser.add_argument("--store")
    parser.add_argument("--min-size")
    known, _ = parser.parse_known_args(list(argv))
    store = known.store or environ.get(STORE_ENV, "")
    if not store.strip():
        raise ConfigError(
            "the dashboard needs a store: start it with `segment dashboard --store URL` "
            f"(or set {STORE_ENV})"
        )
    raw = known.min_size if known.min_size is not None else environ.get(MIN_SIZE_ENV)
    min_size = MIN_EXPORT_SIZE
    if raw is not None:
        try:
            min_size = int(str(raw).strip())
        except ValueError:
            min_size = 0
        if min_size < 1:
            raise ConfigError(
                f"dashboard: minimum segment size {raw!r} is not a whole number of at least 1"
            )
    return DashboardSettings(store_url=store.strip(), min_size=min_size)
