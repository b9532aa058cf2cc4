"""A store this version cannot write to is refused before any work is done."""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Callable
from contextlib import closing
from pathlib import Path

import pytest

from user_segmentation.config import load_config
from user_segmentation.errors import StoreError
from user_segmentation.pipeline.run import run_project


def test_an_older_store_layout_is_refused_at_once_and_left_untouched(
    make_demo: Callable[[int], Path], tmp_path: Path
) -> None:
    shutil.copytree(make_demo(3_000).parent, tmp_path, dirs_exist_ok=True)
    project = tmp_path / "segmentation.yaml"
    run_project(load_config(project))
    store = tmp_path / "segmentation.db"
    with closing(sqlite3.connect(store)) as con:  # as an earlier pre-release left it
        con.execute("ALTER TABLE segments DROP COLUMN action")
        con.commit()
    before = store.read_bytes()
    stages: list[str] = []
    with pytest.raises(StoreError, match=r"lacks column\(s\) segments\.action"):
        run_project(load_config(project), progress=stages.append)
    assert stages == []  # refused before the first stage (reading the sources) began
    assert store.read_bytes() == before
