"""Project-file options for the less common source shapes, end to end."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pandas as pd

from user_segmentation.config import load_config
from user_segmentation.pipeline.run import run_project


def test_nested_json_glob_zip_and_all_sheets(tmp_path: Path) -> None:
    customers = [f"c{i:02d}" for i in range(30)]
    # Attributes: JSON Lines with a nested address, flattened by a declared path.
    (tmp_path / "crm.jsonl").write_text(
        "".join(
            json.dumps({"id": c, "profile": {"age": 20 + i, "city": "Rome" if i % 2 else "Oslo"}})
            + "\n"
            for i, c in enumerate(customers)
        )
    )
    # Events: one CSV per month, read through a glob pattern.
    for m, month in enumerate(("2024-01", "2024-02")):
        pd.DataFrame({"id": customers, "visits": [(i + m) % 5 for i in range(30)]}).to_csv(
            tmp_path / f"web_{month}.csv", index=False
        )
    # Transactions: a CSV inside a zip archive.
    lines = pd.DataFrame(
        {
            "id": [c for c in customers for _ in range(2)],
            "order": [f"o{i}" for i in range(60)],
            "at": ["2024-03-01 10:00"] * 60,
            "amount": [float(1 + i % 7) for i in range(60)],
        }
    )
    with zipfile.ZipFile(tmp_path / "orders.zip", "w") as z:
        z.writestr("orders.csv", lines.to_csv(index=False))
    # Loyalty: an Excel workbook with one sheet per tier, stacked.
    with pd.ExcelWriter(tmp_path / "loyalty.xlsx") as xl:
        pd.DataFrame({"member": customers[:15], "points": range(15)}).to_excel(
            xl, sheet_name="gold", index=False
        )
        pd.DataFrame({"member": customers[15:], "points": range(15)}).to_excel(
            xl, sheet_name="silver", index=False
        )
    (tmp_path / "segmentation.yaml").write_text(
        """
sources:
  crm: {kind: jsonl, path: crm.jsonl, key: id, role: attributes,
        flatten: {age: profile.age, city: profile.city}}
  web: {kind: csv, path: "web_*.csv", key: id, role: events}
  orders: {kind: csv, path: orders.zip, key: id, role: transactions}
  loyalty: {kind: excel, path: loyalty.xlsx, sheet: "*", key: member, role: attributes}
features:
  transactions: {source: orders, order: order, timestamp: at, amount: amount}
  events: [{source: web, sum: [visits], count_as: web_files}]
  attributes: {numeric: [age, points], categorical: [city, source_sheet]}
  model: [frequency, monetary, visits, age]
model: {k_max: 4}
as_of: 2024-03-31
"""
    )
    result = run_project(load_config(tmp_path / "segmentation.yaml"))
    record = result.record
    assert record.meta["n_customers"] == 30
    features = set(record.profiles["feature"])
    assert {"age", "points", "city=Rome", "source_sheet=gold", "visits", "web_files"} <= features
    web_files = record.profiles.query("feature == 'web_files'")["overall_mean"].iloc[0]
    assert web_files == 2  # each customer appears once in each of the two monthly files
    assert record.quality["sources"]["orders"]["rows_kept"] == 60
