"""Options and error handling shared by the CLI's commands."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from user_segmentation.cli.output import err_console
from user_segmentation.errors import SegmentationError

ConfigOption = Annotated[Path, typer.Option("--config", "-c", help="The project file.")]
Quiet = Annotated[bool, typer.Option("--quiet", "-q", help="Print no progress, only results.")]


@contextmanager
def errors() -> Iterator[None]:
    """Turn our own errors into a one-line message and the error's exit code."""
    try:
        yield
    except SegmentationError as exc:
        # Escaped: a message may hold square brackets ("pip install 'pkg[extra]'").
        err_console.print(f"[bold red]error:[/] {escape(str(exc))}", highlight=False)
        raise typer.Exit(code=exc.exit_code) from None
