"""``python -m user_segmentation.dashboard.serve run APP [options]``: Streamlit, preloaded.

This is Streamlit's own command line (``python -m streamlit``), run after importing what the
pages import. Streamlit imports a page's modules only when a visitor first opens it, so the
first visitor would otherwise wait for pandas, Plotly, SciPy and scikit-learn to load (about
2-3 s on two cores, measured with ``python -X importtime``); here that happens before the server
accepts connections.
"""

from __future__ import annotations

import importlib
import logging

logger = logging.getLogger(__name__)

#: Modules whose import the first visitor would otherwise wait for.
PRELOAD = [
    "user_segmentation.dashboard.data",
    "user_segmentation.dashboard.widgets",
    *(
        f"user_segmentation.dashboard.app_pages.{page}"
        for page in (
            "overview",
            "choosing_k",
            "explore",
            "variables",
            "changes",
            "members",
            "data_quality",
        )
    ),
    "user_segmentation.export",
]


def preload() -> None:
    """Import every module of :data:`PRELOAD` (page modules only define ``render()``).

    Examples
    --------
    >>> preload()
    >>> import sys
    >>> "user_segmentation.dashboard.app_pages.overview" in sys.modules
    True
    """
    for name in PRELOAD:
        importlib.import_module(name)


def main() -> None:
    """Preload, then hand over to Streamlit's command line (``sys.argv`` as given)."""
    preload()
    from streamlit.web import cli

    # The same program name as `python -m streamlit`, which Streamlit reports to itself.
    cli.main(prog_name="streamlit")


if __name__ == "__main__":
    main()
