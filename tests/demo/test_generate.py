"""The demo data: deterministic, messy the documented ways, planted personas as declared."""

from __future__ import annotations

import hashlib
import json
import sqlite3
import zipfile
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from user_segmentation.demo.generate import (
    DEMO_AS_OF,
    FIRST_ID,
    DemoFiles,
    generate_demo,
)
from user_segmentation.demo.personas import PERSONAS
from user_segmentation.integrate.combine import SourceTable, integrate

N = 300
# openpyxl stamps the workbook's creation time into this member; everything else is stable.
XLSX_TIMESTAMP_MEMBER = "docProps/core.xml"


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, DemoFiles]:
    """Two runs with seed 7 (in different folders) and one with seed 8."""
    return {
        name: generate_demo(tmp_path_factory.mktemp(name), n_customers=N, seed=seed)
        for name, seed in [("first", 7), ("again", 7), ("other", 8)]
    }


@pytest.fixture(scope="module")
def files(runs: dict[str, DemoFiles]) -> DemoFiles:
    return runs["first"]


def _all(files: DemoFiles) -> dict[str, Path]:
    return {**files.as_dict(), "truth": files.truth}


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _crm(files: DemoFiles) -> pd.DataFrame:
    return pd.read_csv(files.crm, dtype=str, keep_default_na=False)


def _engagement(files: DemoFiles) -> pd.DataFrame:
    # Parsed by hand so that the ids stay exactly as written in the file.
    lines = files.engagement.read_text(encoding="utf-8").splitlines()
    return pd.DataFrame([json.loads(line) for line in lines])


def _tickets(files: DemoFiles) -> pd.DataFrame:
    with sqlite3.connect(files.support) as con:
        frame = pd.read_sql_query("select * from support_tickets", con)
    con.close()
    return frame


def _loyalty(files: DemoFiles) -> dict[str, pd.DataFrame]:
    return pd.read_excel(files.loyalty, sheet_name=None, dtype=str)


def test_same_seed_gives_byte_identical_files(runs: dict[str, DemoFiles]) -> None:
    first, again = _all(runs["first"]), _all(runs["again"])
    for name in first:
        if name == "loyalty":
            continue
        assert _sha(first[name]) == _sha(again[name]), name


def test_same_seed_gives_identical_workbook_but_its_timestamp(runs: dict[str, DemoFiles]) -> None:
    a, b = zipfile.ZipFile(runs["first"].loyalty), zipfile.ZipFile(runs["again"].loyalty)
    with a, b:
        assert a.namelist() == b.namelist()
        for member in a.namelist():
            if member != XLSX_TIMESTAMP_MEMBER:
                assert a.read(member) == b.read(member), member
    first, again = _loyalty(runs["first"]), _loyalty(runs["again"])
    assert list(first) == list(again)
    for sheet in first:
        pd.testing.assert_frame_equal(first[sheet], again[sheet])


def test_different_seed_gives_different_data(runs: dict[str, DemoFiles]) -> None:
    first, other = _all(runs["first"]), _all(runs["other"])
    for name in ["crm", "orders", "engagement", "support", "truth"]:
        assert _sha(first[name]) != _sha(other[name]), name
    assert not _loyalty(runs["first"])["members"].equals(_loyalty(runs["other"])["members"])


def test_the_five_sources_and_truth_exist_with_their_columns(files: DemoFiles) -> None:
    assert sorted(files.as_dict()) == ["crm", "engagement", "loyalty", "orders", "support"]
    for path in _all(files).values():
        assert path.is_file() and path.stat().st_size > 0
    assert list(_crm(files).columns) == [
        "customer_id",
        "signup_date",
        "country",
        "age",
        "gender",
        "acquisition_channel",
        "marketing_opt_in",
    ]
    assert list(pd.read_parquet(files.orders).columns) == [
        "order_id",
        "customer_id",
        "ordered_at",
        "amount",
        "items",
        "category",
    ]
    assert list(_engagement(files).columns) == [
        "customer_id",
        "month",
        "sessions",
        "page_views",
        "cart_adds",
        "email_opens",
        "email_clicks",
    ]
    assert list(_tickets(files).columns) == [
        "ticket_id",
        "customer_id",
        "opened_at",
        "channel",
        "topic",
        "satisfaction",
    ]
    sheets = _loyalty(files)
    assert list(sheets) == ["members", "notes"]
    assert list(sheets["members"].columns) == ["member_id", "tier", "points_balance", "enrolled_on"]
    assert list(pd.read_csv(files.truth).columns) == ["customer_id", "persona"]


def test_ground_truth_has_one_row_per_customer(files: DemoFiles) -> None:
    truth = pd.read_csv(files.truth)
    assert len(truth) == N
    assert truth["customer_id"].tolist() == list(range(FIRST_ID, FIRST_ID + N))
    assert set(truth["persona"]) == {p.name for p in PERSONAS}


def test_persona_shares_roughly_as_declared(files: DemoFiles) -> None:
    shares = pd.read_csv(files.truth)["persona"].value_counts(normalize=True)
    for persona in PERSONAS:
        # Counts are floored; the rounding remainder (< one customer per persona) goes to one.
        assert shares[persona.name] == pytest.approx(persona.share, abs=len(PERSONAS) / N)


def test_orders_pad_ids_to_eight_digits(files: DemoFiles) -> None:
    ids = pd.read_parquet(files.orders)["customer_id"]
    assert ids.str.fullmatch(r"00\d{6}").all()
    assert set(ids.str.lstrip("0").astype(int)) <= set(range(FIRST_ID, FIRST_ID + N))


def test_engagement_ids_are_float_looking_text(files: DemoFiles) -> None:
    ids = _engagement(files)["customer_id"]
    assert ids.map(type).eq(str).all()
    assert ids.str.fullmatch(r"\d{6}\.0").all()


def test_loyalty_member_ids_have_trailing_spaces(files: DemoFiles) -> None:
    ids = _loyalty(files)["members"]["member_id"]
    assert ids.str.endswith(" ").all()
    assert ids.str.strip().str.fullmatch(r"\d{6}").all()


def test_some_crm_ids_have_a_leading_space(files: DemoFiles) -> None:
    ids = _crm(files)["customer_id"]
    spaced = ids.str.startswith(" ")
    assert 0 < spaced.sum() < len(ids) / 5
    assert ids.str.strip().str.fullmatch(r"\d{6}").all()


def test_crm_misses_some_customers_and_repeats_some_rows(files: DemoFiles) -> None:
    crm = _crm(files)
    ids = set(crm["customer_id"].str.strip().astype(int))
    assert len(ids) < N
    assert crm.duplicated().sum() > 0


def test_returns_are_negative_copies_of_purchase_lines(files: DemoFiles) -> None:
    orders = pd.read_parquet(files.orders)
    returns, bought = orders[orders["amount"] < 0], orders[orders["amount"] > 0]
    assert len(returns) > 0
    assert (returns["items"] < 0).all()
    keys = ["order_id", "customer_id", "category"]
    matched = returns.assign(amount=-returns["amount"], items=-returns["items"]).merge(
        bought, on=[*keys, "amount", "items"], how="left", suffixes=("", "_bought")
    )
    assert matched["ordered_at_bought"].notna().all()
    assert (matched["ordered_at"] >= matched["ordered_at_bought"]).all()


def _assert_nothing_after(files: DemoFiles, as_of: date) -> None:
    last = pd.Timestamp(as_of) + pd.Timedelta(days=1)
    assert pd.read_parquet(files.orders)["ordered_at"].max() < last
    assert pd.to_datetime(_tickets(files)["opened_at"]).max() < last
    assert pd.to_datetime(_crm(files)["signup_date"]).max() < last
    assert pd.to_datetime(_loyalty(files)["members"]["enrolled_on"]).max() < last
    assert _engagement(files)["month"].max() <= f"{as_of:%Y-%m}"


def test_no_event_after_as_of(files: DemoFiles) -> None:
    _assert_nothing_after(files, DEMO_AS_OF)


def test_no_event_after_a_chosen_as_of(tmp_path: Path) -> None:
    as_of = date(2023, 3, 15)
    files = generate_demo(tmp_path, n_customers=60, seed=3, as_of=as_of)
    _assert_nothing_after(files, as_of)
    assert pd.read_parquet(files.orders)["ordered_at"].max() > pd.Timestamp("2023-02-01")


def test_no_order_before_signup(files: DemoFiles) -> None:
    orders = pd.read_parquet(files.orders)
    first = orders.groupby(orders["customer_id"].astype(int))["ordered_at"].min()
    crm = _crm(files).drop_duplicates()
    signup = pd.Series(
        pd.to_datetime(crm["signup_date"]).to_numpy(),
        index=crm["customer_id"].str.strip().astype(int),
    )
    common = first.index.intersection(signup.index)
    assert len(common) > 0
    assert (first[common] >= signup[common]).all()


def test_planted_personas_differ_in_behaviour(files: DemoFiles) -> None:
    orders = pd.read_parquet(files.orders)
    truth = pd.read_csv(files.truth).set_index("customer_id")["persona"]
    per = (
        orders[orders["amount"] > 0]
        .groupby(orders["customer_id"].astype(int))
        .agg(last=("ordered_at", "max"), orders=("order_id", "nunique"))
    )
    per["persona"] = truth.reindex(per.index)
    stats = per.groupby("persona").agg(last=("last", "median"), orders=("orders", "median"))
    assert stats.loc["champions", "orders"] > stats.loc["loyal_regulars", "orders"]
    assert stats.loc["at_risk", "last"] < stats.loc["champions", "last"]
    # Most browsers never buy.
    buyers = per.index.intersection(truth[truth == "browsers"].index)
    assert len(buyers) < (truth == "browsers").sum() / 2


def test_messy_ids_integrate_to_one_key(files: DemoFiles) -> None:
    """With the demo project's key policies every source lands on the CRM's customers."""
    sources = [
        SourceTable("crm", _crm(files), "customer_id", "attributes"),
        SourceTable(
            "orders",
            pd.read_parquet(files.orders),
            "customer_id",
            "transactions",
            leading_zeros="strip",
        ),
        SourceTable("engagement", _engagement(files), "customer_id", "events"),
        SourceTable("loyalty", _loyalty(files)["members"], "member_id", "attributes"),
    ]
    out = integrate(sources, ["crm", "orders"])
    quality = out.quality["sources"]
    truth_ids = {str(i) for i in range(FIRST_ID, FIRST_ID + N)}
    assert set(out.customers["customer_id"]) <= truth_ids
    assert len(out.customers) >= 0.98 * N
    for name in ["orders", "engagement", "loyalty"]:
        assert quality[name]["unmatched_customers"] == 0, name
    assert quality["crm"]["key_changes"]["whitespace_stripped"] > 0
    assert quality["crm"]["rows_dropped"]["duplicate_rows"] > 0
    assert quality["engagement"]["key_changes"]["float_suffix_dropped"] > 0
    assert quality["loyalty"]["key_changes"]["whitespace_stripped"] > 0


def test_progress_is_reported_per_file(tmp_path: Path) -> None:
    seen: list[str] = []
    generate_demo(tmp_path, n_customers=len(PERSONAS), seed=1, progress=seen.append)
    assert len(seen) == 5


def test_too_few_customers_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="at least"):
        generate_demo(tmp_path, n_customers=len(PERSONAS) - 1)
