"""The dashboard: a Streamlit app over the run store, read-only (``segment dashboard``).

``streamlit_app.py`` is the entry script and ``app_pages/`` holds one module per page; they
draw with the pure figure functions of :mod:`user_segmentation.report` and the builders of
:mod:`user_segmentation.dashboard.builders`, and read the store only through the cached
loaders of :mod:`user_segmentation.dashboard.data`. Nothing here writes to the store.

Importing this package does not import Streamlit; :mod:`~user_segmentation.dashboard.launch`
checks for it and names the ``pip install`` to run when it is missing.
"""
