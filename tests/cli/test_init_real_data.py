"""`segment init` then `segment run` on the real public datasets, as a new user would.

The datasets live in ../shared/data beside the repository; without that folder these tests skip.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from user_segmentation.cli.main import app
from user_segmentation.profile.names import RFM_NAMES
from user_segmentation.store import RunRecord, RunStore

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"
pytestmark = pytest.mark.skipif(not DATA.is_dir(), reason=f"{DATA} (shared datasets) not present")
runner = CliRunner()


_RANGE = re.compile(r"^(?P<low>\S+) (?P<lop><|≤) (?P<f>\S+) (?P<hop><|≤) (?P<high>\S+)$")
_ONE = re.compile(r"^(?P<f>\S+) (?P<op><|≤|>|≥|=|≠) (?P<v>.+)$")
_OPS = {
    "<": lambda x, v: x < float(v),
    "≤": lambda x, v: x <= float(v),
    ">": lambda x, v: x > float(v),
    "≥": lambda x, v: x >= float(v),
    "=": lambda x, v: x.astype(str) == v,
    "≠": lambda x, v: x.astype(str) != v,
}


def _matches(rule: str, customers: pd.DataFrame) -> pd.Series:
    """Evaluate a rule as printed in the report on the stored customer table, independently
    of the code that wrote it: what a person checking the report would do."""
    mask = pd.Series(True, index=customers.index)
    if rule == "all customers":
        return mask
    for part in rule.split(" and "):
        if m := _RANGE.match(part):
            x = customers[m["f"]]
            mask &= _OPS[m["hop"]](x, m["high"]) & _OPS[">" if m["lop"] == "<" else "≥"](
                x, m["low"]
            )
        else:
            m = _ONE.match(part)
            assert m is not None, f"cannot read rule part {part!r}"
            mask &= _OPS[m["op"]](customers[m["f"]], m["v"]).fillna(False)
    return mask


def _init_and_run(tmp_path: Path, relative: str) -> tuple[str, RunRecord]:
    project = tmp_path / "segmentation.yaml"
    init = runner.invoke(app, ["init", str(DATA / relative), "-o", str(project), "-q"])
    assert init.exit_code == 0, init.output
    run = runner.invoke(app, ["run", "-c", str(project), "-q"])
    assert run.exit_code == 0, run.output
    with RunStore(tmp_path / "segmentation.db") as store:
        return project.read_text(), store.load_run()


@pytest.mark.slow
def test_online_retail_gives_the_published_4338_customers(tmp_path: Path) -> None:
    _, run = _init_and_run(tmp_path, "online_retail/online_retail.csv.gz")
    # ../shared/data/README.md: dropping missing ids, 'C' invoices, Quantity ≤ 0 and
    # UnitPrice ≤ 0 leaves 4,338 customers.
    assert run.meta["n_customers"] == 4_338
    source = run.quality["sources"]["online_retail"]
    assert source["rows_read"] == 541_909
    assert source["rows_dropped"]["missing_customer_id"] == 135_080
    assert source["rows_dropped"]["cancelled order"] == 8_905  # the C lines that have an id
    assert source["key_changes"] == {"float_suffix_dropped": 406_829}  # '17850.0' -> '17850'
    assert run.segments["size"].sum() == 4_338

    # The report's names, revenue shares and rules, checked against the stored tables.
    segments = run.segments.set_index("segment_id")
    # A name may carry a trait or "#id" to tell two segments of one grid cell apart.
    assert {re.sub(r"\s+#\d+$", "", n.split(" · ")[0]) for n in segments["name"]} <= set(RFM_NAMES)
    customers = run.customers.set_index("customer_id").loc[run.assignments["customer_id"]]
    segment_of = run.assignments["segment_id"].to_numpy()
    revenue = customers["monetary"].groupby(segment_of).sum()
    np.testing.assert_allclose(segments["revenue_share"], revenue / revenue.sum(), rtol=1e-9)
    for seg, row in segments.iterrows():
        matched = _matches(row["rule"], customers.reset_index()).to_numpy()
        in_segment = segment_of == seg
        assert row["rule_precision"] == pytest.approx(in_segment[matched].mean()), row["rule"]
        assert row["rule_recall"] == pytest.approx(matched[in_segment].mean()), row["rule"]
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    for seg, row in segments.iterrows():
        assert html.escape(row["name"]) in page
        assert html.escape(row["rule"]) in page
        assert f"{row['revenue_share']:.1%}" in page, seg


@pytest.mark.slow
def test_online_retail_ii_maps_its_other_column_names(tmp_path: Path) -> None:
    relative = "online_retail_ii/online_retail_II_year_2009-2010.csv.gz"
    text, run = _init_and_run(tmp_path, relative)
    assert "key: Customer ID" in text and "order: Invoice" in text and "unit_price: Price" in text
    raw = pd.read_csv(DATA / relative, dtype={"Invoice": str, "Customer ID": str})
    clean = raw[
        raw["Customer ID"].notna()
        & ~raw["Invoice"].str.startswith("C")
        & (raw["Quantity"] > 0)
        & (raw["Price"] > 0)
    ]
    assert run.meta["n_customers"] == clean["Customer ID"].nunique()


@pytest.mark.slow
def test_bank_marketing_semicolons_and_unknown_categories(tmp_path: Path) -> None:
    text, run = _init_and_run(tmp_path, "bank_marketing/bank-additional-full.csv.gz")
    assert "key: null" in text  # no id column: one customer per row
    assert run.meta["n_customers"] == 41_188
    features = set(run.profiles["feature"])
    assert {"age", "duration", "euribor3m"} <= features  # ';'-separated numbers typed as numbers
    assert "default=unknown" in features  # 'unknown' kept as a category of its own
    share_yes = run.profiles.query("feature == 'y=yes'")["overall_mean"].iloc[0]
    assert share_yes == pytest.approx(4_640 / 41_188)


@pytest.mark.slow
def test_telco_numbers_stored_as_text_with_blanks(tmp_path: Path) -> None:
    _, run = _init_and_run(tmp_path, "telco_churn/telco_customer_churn.csv")
    assert run.meta["n_customers"] == 7_043
    assert run.quality["feature_missing_share"] == {"TotalCharges": round(11 / 7_043, 4)}
    assert "TotalCharges" in run.meta["basis_features"]
    churn = run.profiles.query("feature == 'Churn=Yes'")["overall_mean"].iloc[0]
    assert churn == pytest.approx(1_869 / 7_043)
