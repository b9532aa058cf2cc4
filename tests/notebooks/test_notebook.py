"""The guided analysis notebook runs top to bottom, agrees with the pipeline, and is stored clean.

The notebook is executed with nbclient in a temporary working folder, by a kernel started from
this interpreter (a kernelspec written into a temporary ``JUPYTER_PATH``), so it imports the
package under test and not whatever another ``python3`` kernel would find.
"""

from __future__ import annotations

import ast
import json
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "user_segmentation_analysis.ipynb"
KERNEL_NAME = "user-segmentation-tests"
CELL_TIMEOUT = 600  # seconds per cell; the whole notebook takes about 40 s on 2 cores
WORK_FOLDER = "segmentation_notebook"  # the notebook's WORK, relative to its working directory
PLOTLY = "application/vnd.plotly.v1+json"
#: Top-level modules the notebook may import: the library, and tools to show its results.
ALLOWED_IMPORTS = {"user_segmentation", "pandas", "IPython", "tqdm", "pathlib", "datetime", "math"}


def _cells(notebook: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {cell["id"]: cell for cell in notebook["cells"]}


def _text(cell: dict[str, Any]) -> str:
    """Everything a code cell printed or returned as plain text."""
    parts = []
    for out in cell.get("outputs", []):
        if out["output_type"] == "stream" and out["name"] == "stdout":
            parts.append(out["text"])
        elif out["output_type"] in ("execute_result", "display_data"):
            parts.append(out["data"].get("text/plain", ""))
    return "".join(parts)


def _mime(cell: dict[str, Any], mime: str) -> list[Any]:
    return [
        out["data"][mime]
        for out in cell.get("outputs", [])
        if out["output_type"] in ("execute_result", "display_data") and mime in out["data"]
    ]


@pytest.fixture(scope="module")
def executed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[dict[str, Any], Path]]:
    """The notebook after a full run, and the working directory it ran in."""
    reason = "needs the notebook extra: pip install -e '.[notebook]'"
    nbclient = pytest.importorskip("nbclient", reason=reason)
    pytest.importorskip("ipykernel", reason=reason)
    nbformat = pytest.importorskip("nbformat", reason=reason)
    pytest.importorskip("tqdm", reason=reason)

    jupyter_path = tmp_path_factory.mktemp("jupyter")
    spec_dir = jupyter_path / "kernels" / KERNEL_NAME
    spec_dir.mkdir(parents=True)
    spec = {
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "user-segmentation tests",
        "language": "python",
    }
    (spec_dir / "kernel.json").write_text(json.dumps(spec), encoding="utf-8")
    work = tmp_path_factory.mktemp("notebook_run")

    notebook = nbformat.read(NOTEBOOK, as_version=4)
    # Appended to this in-memory copy only: proves which interpreter ran the cells.
    probe = nbformat.v4.new_code_cell("import sys\nprint(sys.executable)")
    probe["id"] = "kernel-probe"
    notebook.cells.append(probe)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("JUPYTER_PATH", str(jupyter_path))
        client = nbclient.NotebookClient(
            notebook,
            timeout=CELL_TIMEOUT,
            kernel_name=KERNEL_NAME,
            resources={"metadata": {"path": str(work)}},
        )
        client.execute()  # raises CellExecutionError, with the traceback, if a cell fails
    yield notebook, work


@pytest.mark.slow
def test_every_cell_runs_in_this_interpreter(executed: tuple[dict[str, Any], Path]) -> None:
    notebook, _ = executed
    errors = [
        (cell["id"], out.get("ename"), out.get("evalue"))
        for cell in notebook["cells"]
        if cell["cell_type"] == "code"
        for out in cell["outputs"]
        if out["output_type"] == "error"
    ]
    assert errors == []
    assert _text(_cells(notebook)["kernel-probe"]).strip() == sys.executable


@pytest.mark.slow
def test_step_by_step_k_is_the_k_the_pipeline_chose(
    executed: tuple[dict[str, Any], Path],
) -> None:
    from user_segmentation.store import RunStore

    notebook, work = executed
    cells = _cells(notebook)
    step = re.search(r"Recommended number of segments: k = (\d+)", _text(cells["select"]))
    run = re.search(r"Run (\d+) chose k = (\d+)", _text(cells["run"]))
    assert step is not None and run is not None
    with RunStore(work / WORK_FOLDER / "segmentation.db") as store:
        stored = store.load_run(int(run.group(1)), customers=False)
    assert int(step.group(1)) == int(run.group(2)) == stored.meta["k"]
    assert "100.0% of customers are in the same segment in both" in _text(cells["compare"])


@pytest.mark.slow
def test_segment_names_rules_and_actions_are_shown(
    executed: tuple[dict[str, Any], Path],
) -> None:
    from user_segmentation.store import RunStore

    notebook, work = executed
    (html,) = _mime(_cells(notebook)["names"], "text/html")
    assert "<table" in html
    for column in ("name", "rule", "rule_precision", "action"):
        assert f"<th>{column}</th>" in html
    with RunStore(work / WORK_FOLDER / "segmentation.db") as store:
        names = store.load_run(customers=False).segments["name"].tolist()
    assert len(names) >= 2
    for name in names:
        assert name in html


@pytest.mark.slow
def test_figures_are_shown_and_the_report_is_written(
    executed: tuple[dict[str, Any], Path],
) -> None:
    notebook, work = executed
    cells = _cells(notebook)
    for cell_id in ("k-figure", "scatter", "heatmap", "sizes"):
        assert len(_mime(cells[cell_id], PLOTLY)) == 1, cell_id
    report = work / WORK_FOLDER / "report.html"
    assert "demo-retailer" in report.read_text(encoding="utf-8")


def test_committed_notebook_has_no_outputs() -> None:
    notebook = json.loads(NOTEBOOK.read_text(encoding="utf-8"))
    code = [cell for cell in notebook["cells"] if cell["cell_type"] == "code"]
    assert code
    for cell in code:
        assert cell["outputs"] == [], cell["id"]
        assert cell["execution_count"] is None, cell["id"]


def test_notebook_imports_only_the_library_and_display_tools() -> None:
    notebook = json.loads(NOTEBOOK.read_text(encoding="utf-8"))
    imported: set[str] = set()
    for cell in notebook["cells"]:
        if cell["cell_type"] != "code":
            continue
        for node in ast.walk(ast.parse("".join(cell["source"]))):
            if isinstance(node, ast.Import):
                imported |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module:
                imported.add(node.module.split(".")[0])
    assert "user_segmentation" in imported
    assert imported <= ALLOWED_IMPORTS, sorted(imported - ALLOWED_IMPORTS)
