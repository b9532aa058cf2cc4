"""Starting the dashboard: settings, the store check, the Streamlit command, `segment dashboard`."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import user_segmentation.dashboard.launch as launch
from user_segmentation.cli.main import app
from user_segmentation.dashboard.access import check_store, open_existing_store
from user_segmentation.dashboard.settings import (
    MIN_SIZE_ENV,
    STORE_ENV,
    DashboardSettings,
    read_settings,
)
from user_segmentation.errors import ConfigError, SegmentationError, StoreError
from user_segmentation.store import RunStore

# `segment dashboard` refuses to start without Streamlit (tested below by hiding it).
pytest.importorskip("streamlit")

runner = CliRunner()


def _said(output: str) -> str:
    """The output as one line (the console wraps long messages)."""
    return " ".join(output.split())


def test_settings_from_arguments_win_over_the_environment() -> None:
    env = {STORE_ENV: "env.db", MIN_SIZE_ENV: "10"}
    assert read_settings(["--store", "arg.db", "--min-size", "20"], env) == DashboardSettings(
        "arg.db", 20
    )
    assert read_settings(["pytest", "-q", "tests"], env) == DashboardSettings("env.db", 10)


def test_settings_refuse_a_missing_store_and_a_bad_minimum() -> None:
    with pytest.raises(ConfigError, match="needs a store"):
        read_settings([], {})
    with pytest.raises(ConfigError, match="'zero'"):
        read_settings(["--store", "x.db", "--min-size", "zero"], {})
    with pytest.raises(ConfigError, match="'0'"):
        read_settings(["--store", "x.db"], {MIN_SIZE_ENV: "0"})
    # Abbreviations are not options of ours (Streamlit and pytest have their own).
    with pytest.raises(ConfigError, match="needs a store"):
        read_settings(["--sto", "x.db"], {})


def test_command_binds_localhost_headless_without_telemetry() -> None:
    argv, env = launch.streamlit_command("/data/runs.db", port=8765, min_size=20, python="py")
    options = dict(zip(argv[5:19:2], argv[6:20:2], strict=True))
    assert argv[:5] == [
        "py",
        "-m",
        "user_segmentation.dashboard.serve",
        "run",
        str(launch.APP_PATH),
    ]
    assert options == {
        "--server.address": "127.0.0.1",
        "--server.port": "8765",
        "--server.headless": "true",
        "--browser.gatherUsageStats": "false",
        "--server.fileWatcherType": "none",
        "--runner.postScriptGC": "false",
        "--client.toolbarMode": "viewer",
    }
    assert argv[19:] == ["--", "--store", "sqlite:////data/runs.db", "--min-size", "20"]
    assert env == {}
    assert launch.APP_PATH.is_file()


def test_a_password_goes_in_the_environment_not_the_process_list() -> None:
    url = "postgresql+psycopg://me:s3cret@db.example/segments"
    argv, env = launch.streamlit_command(url, port=8501, min_size=50, python="py")
    assert not any("s3cret" in a for a in argv)
    assert env == {STORE_ENV: url}
    assert argv[-2:] == ["--min-size", "50"]


def test_a_missing_store_file_is_refused_and_not_created(tmp_path: Path) -> None:
    missing = tmp_path / "runs.db"
    with pytest.raises(StoreError, match="does not exist"):
        open_existing_store(str(missing))
    assert not missing.exists()


def test_a_store_without_runs_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "runs.db"
    RunStore(path).close()
    with pytest.raises(StoreError, match="has no runs yet"):
        check_store(str(path))


def test_check_store_returns_the_published_run(hand_store: Path) -> None:
    assert check_store(str(hand_store)) == 1


@pytest.fixture
def exec_calls(monkeypatch: pytest.MonkeyPatch) -> list[tuple[list[str], dict[str, str]]]:
    calls: list[tuple[list[str], dict[str, str]]] = []

    def fake_exec(argv: Any, env: Any) -> None:
        calls.append((list(argv), dict(env)))

    monkeypatch.setattr(launch, "exec_command", fake_exec)
    return calls


def test_cli_starts_streamlit_on_the_store(
    hand_store: Path, exec_calls: list[tuple[list[str], dict[str, str]]]
) -> None:
    result = runner.invoke(app, ["dashboard", "--store", str(hand_store), "--port", "8765"])
    assert result.exit_code == 0, result.output
    ((argv, _env),) = exec_calls
    assert argv[argv.index("--server.port") + 1] == "8765"
    assert argv[argv.index("--server.address") + 1] == "127.0.0.1"
    assert argv[-4:] == ["--store", f"sqlite:///{hand_store}", "--min-size", "50"]
    assert "run 1 by default" in _said(result.output)
    assert "http://127.0.0.1:8765" in result.output


def test_cli_takes_store_and_minimum_size_from_the_project(
    tmp_path: Path, hand_store: Path, exec_calls: list[tuple[list[str], dict[str, str]]]
) -> None:
    project = tmp_path / "segmentation.yaml"
    project.write_text(
        "sources:\n  crm: {kind: csv, path: c.csv, key: id, role: attributes}\n"
        f"store: {{url: {hand_store}}}\nprofile: {{min_segment_size: 20}}\n"
    )
    result = runner.invoke(app, ["dashboard", "-c", str(project)])
    assert result.exit_code == 0, result.output
    ((argv, _),) = exec_calls
    assert argv[-4:] == ["--store", f"sqlite:///{hand_store}", "--min-size", "20"]
    assert argv[argv.index("--server.port") + 1] == "8501"


def test_cli_refuses_a_missing_store(
    tmp_path: Path, exec_calls: list[tuple[list[str], dict[str, str]]]
) -> None:
    result = runner.invoke(app, ["dashboard", "--store", str(tmp_path / "nope.db")])
    assert result.exit_code == StoreError.exit_code
    assert "does not exist" in _said(result.output)
    assert not exec_calls and not (tmp_path / "nope.db").exists()


def test_cli_without_streamlit_names_the_install(
    monkeypatch: pytest.MonkeyPatch,
    hand_store: Path,
    exec_calls: list[tuple[list[str], dict[str, str]]],
) -> None:
    real = importlib.util.find_spec

    def find_spec(name: str, *args: Any, **kwargs: Any) -> Any:
        return None if name == "streamlit" else real(name, *args, **kwargs)

    monkeypatch.setattr(importlib.util, "find_spec", find_spec)
    result = runner.invoke(app, ["dashboard", "--store", str(hand_store)])
    assert result.exit_code == SegmentationError.exit_code
    assert 'pip install "user-segmentation[dashboard]"' in _said(result.output)
    assert not exec_calls


def test_cli_refuses_a_port_out_of_range(hand_store: Path) -> None:
    result = runner.invoke(app, ["dashboard", "--store", str(hand_store), "--port", "70000"])
    assert result.exit_code == 2
