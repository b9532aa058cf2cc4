"""Declared ranges end to end: `segment run` counts out-of-range ages everywhere it reports."""

from __future__ import annotations

import html
from pathlib import Path

import pandas as pd
from typer.testing import CliRunner

from user_segmentation.cli.main import app
from user_segmentation.store import RunStore

runner = CliRunner()

_PROJECT = """\
project: ranges
sources:
  crm: {{kind: csv, path: customers.csv, key: id, role: attributes}}
features:
  attributes:
    numeric: [age, income, visits]
    ranges:
      age: [0, 120]
      income: [0, null]
    out_of_range: {policy}
model: {{k: 2, k_max: 4, gap_refs: 0, stability_boots: 0, bic: false}}
profile: {{min_segment_size: 1}}
"""


def _project(folder: Path, policy: str = "missing") -> Path:
    """30 customers; C07 is 250 years old and C13 is -3: the two ages out of [0, 120]."""
    ages = {7: 250, 13: -3}
    rows = [
        {
            "id": f"C{i:02d}",
            "age": ages.get(i, 20 + i),
            "income": 1000 * (i % 5 + 1),
            "visits": i % 7,
        }
        for i in range(1, 31)
    ]
    pd.DataFrame(rows).to_csv(folder / "customers.csv", index=False)
    path = folder / "segmentation.yaml"
    path.write_text(_PROJECT.format(policy=policy), encoding="utf-8")
    return path


def test_out_of_range_ages_are_counted_printed_reported_and_stored(tmp_path: Path) -> None:
    project = _project(tmp_path)
    result = runner.invoke(app, ["run", "-c", str(project), "-q"])
    assert result.exit_code == 0, result.output

    assert "Out of range: age 2 value(s) (6.7%)" in result.output
    assert "outside [0, 120]" in result.output
    assert "Out of range: income" not in result.output  # declared, but nothing outside it

    with RunStore(tmp_path / "segmentation.db") as store:
        record = store.load_run(store.latest_run_id())
    ages = record.quality["out_of_range"]["age"]
    assert ages["count"] == 2
    assert ages["share"] == round(2 / 30, 4)
    assert ages["range"] == [0, 120]
    assert ages["examples"] == [
        {"customer_id": "C07", "value": 250.0},
        {"customer_id": "C13", "value": -3.0},
    ]
    assert record.quality["out_of_range"]["income"]["count"] == 0
    # Made missing, then imputed like any other missing value.
    assert record.quality["feature_missing_share"]["age"] == round(2 / 30, 4)

    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    start = page.index('<section id="quality">')
    quality = html.unescape(page[start : page.index("</section>", start)])
    assert "out_of_range" in quality
    assert '<th scope="row">age</th><td>[0, 120]</td><td class="num">2</td>' in quality
    assert "[0, inf)" in quality  # the open bound of income
    assert "C07" in quality and "250" in quality


def test_policy_error_stops_the_run_naming_column_customer_value(tmp_path: Path) -> None:
    project = _project(tmp_path, policy="error")
    result = runner.invoke(app, ["run", "-c", str(project), "-q"])
    assert result.exit_code == 2
    text = " ".join(result.output.split())  # undo the console's line wrapping
    assert "column 'age', customer 'C07': 250 is outside the declared range [0, 120]" in text
    assert not (tmp_path / "report.html").exists()
    if (tmp_path / "segmentation.db").exists():
        with RunStore(tmp_path / "segmentation.db") as store:
            assert store.latest_run_id() is None


def test_a_range_for_an_unknown_column_exits_3_naming_it(tmp_path: Path) -> None:
    project = _project(tmp_path)
    project.write_text(
        project.read_text(encoding="utf-8").replace("age: [0, 120]", "agee: [0, 120]"),
        encoding="utf-8",
    )
    result = runner.invoke(app, ["run", "-c", str(project), "-q"])
    assert result.exit_code == 3
    text = " ".join(result.output.split())
    assert "'agee' is not a numeric attribute" in text
    assert "['age', 'income', 'visits']" in text


def test_out_of_range_values_made_missing_are_refused_when_imputation_is_off(
    tmp_path: Path,
) -> None:
    project = _project(tmp_path)
    project.write_text(
        project.read_text(encoding="utf-8").replace(
            "    out_of_range: missing\n", "    out_of_range: missing\n  impute: error\n"
        ),
        encoding="utf-8",
    )
    result = runner.invoke(app, ["run", "-c", str(project), "-q"])
    assert result.exit_code == 2
    assert "column 'age': 2 missing value(s)" in " ".join(result.output.split())
