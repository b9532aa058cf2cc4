"""Segment names, rules and actions as a project configures them."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from user_segmentation.config import load_config
from user_segmentation.errors import ConfigError
from user_segmentation.pipeline.run import run_project


def _project(make_demo: Callable[[int], Path], folder: Path, profile: dict[str, object]) -> Path:
    shutil.copytree(make_demo(3_000).parent, folder, dirs_exist_ok=True)
    path = folder / "segmentation.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["profile"] = profile
    data["store"] = {"url": "runs.db"}
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def test_user_names_and_playbook_replace_the_generated_ones(
    make_demo: Callable[[int], Path], tmp_path: Path
) -> None:
    (tmp_path / "actions.yaml").write_text("VIP: Call them personally\n", encoding="utf-8")
    project = _project(make_demo, tmp_path, {"names": {1: "VIP"}, "playbook": "actions.yaml"})
    segments = run_project(load_config(project)).record.segments.set_index("segment_id")
    assert segments.at[1, "name"] == "VIP"
    assert segments.at[1, "action"] == "Call them personally"
    # The other segments keep generated RFM names and built-in actions.
    assert segments.loc[2:, "name"].str.startswith("Segment").sum() == 0
    assert segments["action"].str.len().gt(0).all()


def test_a_name_for_a_segment_that_does_not_exist_is_a_config_error(
    make_demo: Callable[[int], Path], tmp_path: Path
) -> None:
    project = _project(make_demo, tmp_path, {"names": {99: "Ghosts"}})
    with pytest.raises(ConfigError, match=r"\[99\] do not exist"):
        run_project(load_config(project))
    assert not (tmp_path / "runs.db").exists()  # nothing written
