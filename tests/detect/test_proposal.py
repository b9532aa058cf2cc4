"""`segment init`'s proposal: a project file that loads and runs as written."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pandas as pd
import pytest
import yaml

from user_segmentation.config import load_config
from user_segmentation.detect.proposal import inspect_inputs, propose_project, source_kind
from user_segmentation.errors import SourceError
from user_segmentation.pipeline.run import run_project


def _log(path: Path) -> None:
    rows = []
    for c in range(40):
        for o in range(1 + c % 4):
            rows.append(
                {
                    "InvoiceNo": f"{1000 + c * 10 + o}",
                    "CustomerID": f"{500 + c}.0",
                    "InvoiceDate": f"2024-{1 + o:02d}-{1 + c % 28:02d} 10:00:00",
                    "Quantity": 1 + (c * o) % 5,
                    "UnitPrice": round(1.5 + c % 7, 2),
                }
            )
    rows.append({**rows[0], "InvoiceNo": "C1000", "Quantity": -1})
    rows.append({**rows[1], "UnitPrice": 0.0})
    pd.DataFrame(rows).to_csv(path, index=False)


def test_source_kind_from_the_name() -> None:
    assert source_kind("a/b/online_retail.csv.gz") == "csv"
    assert source_kind("x.PARQUET") == "parquet"
    with pytest.raises(SourceError, match="cannot tell the file type"):
        source_kind("notes.docx")


def test_proposal_for_a_transaction_log_runs(tmp_path: Path) -> None:
    _log(tmp_path / "sales.csv")
    found = inspect_inputs([str(tmp_path / "sales.csv")])
    text = propose_project(found, project="shop")
    assert "starts_with: C" in text and "# guess:" in text
    project = tmp_path / "segmentation.yaml"
    project.write_text(text)
    assert yaml.safe_load(text)["sources"]["sales"]["role"] == "transactions"
    result = run_project(load_config(project))
    assert result.record.meta["n_customers"] == 40
    dropped = result.record.quality["sources"]["sales"]["rows_dropped"]
    assert dropped["cancelled order"] == 1 and dropped["non-positive unit price"] == 1


def test_proposal_covers_every_table_of_a_database_and_latin1_csv(tmp_path: Path) -> None:
    db = tmp_path / "crm.db"
    with sqlite3.connect(db) as con:
        pd.DataFrame(
            {"client_id": [f"k{i}" for i in range(30)], "age": [20 + i for i in range(30)]}
        ).to_sql("clients", con, index=False)
        pd.DataFrame({"client_id": ["k1", "k1", "k2"], "calls": [1, 2, 3]}).to_sql(
            "calls", con, index=False
        )
    con.close()
    (tmp_path / "regions.csv").write_bytes(
        b"client_id;region\n" + "".join(f"k{i};Espa\xf1a\n" for i in range(30)).encode("latin-1")
    )
    found = inspect_inputs([str(db), str(tmp_path / "regions.csv")])
    assert sorted(s.name for s in found) == ["calls", "clients", "regions"]
    roles = {s.name: s.guess.role for s in found}
    assert roles == {"calls": "events", "clients": "attributes", "regions": "attributes"}
    assert next(s for s in found if s.name == "regions").encoding == "latin-1"
    text = propose_project(found)
    (tmp_path / "segmentation.yaml").write_text(text)
    config = load_config(tmp_path / "segmentation.yaml")
    assert config.sources["calls"].table == "calls"
    assert config.sources["regions"].encoding == "latin-1"
