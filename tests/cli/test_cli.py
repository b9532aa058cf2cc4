"""The `segment` command, driven as a user would (Typer's CliRunner)."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from user_segmentation.cli.main import app
from user_segmentation.store import RunStore

runner = CliRunner()


def test_help_lists_the_commands() -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    assert "demo" in result.output and "run" in result.output


def test_demo_writes_project_store_and_report(tmp_path: Path) -> None:
    out = tmp_path / "demo"
    result = runner.invoke(app, ["demo", "--out", str(out), "--customers", "1500", "--quiet"])
    assert result.exit_code == 0, result.output
    assert (out / "segmentation.yaml").is_file()
    assert (out / "report.html").is_file()
    assert "segments of 1,4" in result.output or "segments of 1,5" in result.output
    assert "Report:" in result.output and "Store:" in result.output
    with RunStore(out / "segmentation.db") as store:
        assert store.latest_run_id() == 1

    # The written project file runs again as an ordinary project: a second run in the store.
    again = runner.invoke(app, ["run", "-c", str(out / "segmentation.yaml"), "-q"])
    assert again.exit_code == 0, again.output
    with RunStore(out / "segmentation.db") as store:
        assert store.latest_run_id() == 2


def test_bad_config_key_is_named_and_exits_3(tmp_path: Path) -> None:
    project = tmp_path / "segmentation.yaml"
    project.write_text(
        "sources:\n  crm: {kind: csv, path: c.csv, key: id, role: attributes}\nmodel: {kk: 3}\n"
    )
    result = runner.invoke(app, ["run", "-c", str(project)])
    assert result.exit_code == 3
    assert "model.kk" in result.output


def test_missing_project_file_is_a_clear_error(tmp_path: Path) -> None:
    result = runner.invoke(app, ["run", "-c", str(tmp_path / "nope.yaml")])
    assert result.exit_code == 3
    assert "project file not found" in result.output
