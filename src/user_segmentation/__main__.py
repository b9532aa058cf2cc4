"""``python -m user_segmentation``: the ``segment`` command."""

from user_segmentation.cli.main import app

app()
