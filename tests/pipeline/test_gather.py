"""The feature table alone: the first stages of a run, without the modelling libraries."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd

from user_segmentation.config import load_config
from user_segmentation.pipeline.gather import gather
from user_segmentation.pipeline.run import prepare

_PROJECT = """
project: shop
as_of: 2024-03-31
sources:
  orders:
    kind: csv
    path: orders.csv
    key: cust
    role: transactions
    exclude:
      - {column: invoice, starts_with: C, reason: cancelled}
features:
  transactions: {source: orders, order: invoice, timestamp: at, amount: amount}
model: {k_min: 2, k_max: 3, gap_refs: 0, stability_boots: 0, bic: false}
"""


def _project(folder: Path) -> Path:
    rows = [
        {"cust": f"{c}.0", "invoice": f"{'C' if i % 9 == 0 else ''}{i}",
         "at": f"2024-0{1 + i % 3}-1{i % 9} 10:00", "amount": float(1 + (i * c) % 17)}
        for c in range(1, 13)
        for i in range(c, c + 6)
    ]  # fmt: skip
    pd.DataFrame(rows).to_csv(folder / "orders.csv", index=False)
    (folder / "segmentation.yaml").write_text(_PROJECT, encoding="utf-8")
    return folder / "segmentation.yaml"


def test_gather_gives_the_feature_table_prepare_reduces(tmp_path: Path) -> None:
    config = load_config(_project(tmp_path))
    gathered = gather(config)
    prepared = prepare(config)
    pd.testing.assert_frame_equal(gathered.features, prepared.features)
    assert gathered.data.quality == prepared.data.quality
    assert gathered.fingerprints == prepared.fingerprints
    assert set(gathered.timings) == {"read", "integrate", "features"}
    assert gathered.basis_numeric == gathered.numeric  # no features.model: all of them
    assert gathered.data.quality["sources"]["orders"]["rows_dropped"]["cancelled"] == 6
    assert gathered.features["customer_id"].tolist() == sorted(str(c) for c in range(1, 13))


def test_gather_leaves_the_modelling_libraries_unloaded(tmp_path: Path) -> None:
    path = _project(tmp_path)
    script = (
        "import json, sys\n"
        "from user_segmentation.config import load_config\n"
        "from user_segmentation.pipeline.gather import gather\n"
        f"gather(load_config({str(path)!r}))\n"
        "heavy = ('sklearn', 'scipy', 'plotly', 'sqlalchemy', 'openpyxl')\n"
        "print(json.dumps([m for m in heavy if m in sys.modules]))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script], check=True, capture_output=True, text=True
    ).stdout
    assert json.loads(out.strip().splitlines()[-1]) == []
