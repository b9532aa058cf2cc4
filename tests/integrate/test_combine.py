"""Joining sources on one customer key, with the data-quality report (BAD_INPUTS #21-#24)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from user_segmentation.errors import DataQualityError, SchemaError
from user_segmentation.integrate.combine import CUSTOMER_ID, Integrated, SourceTable, integrate
from user_segmentation.tables import TableRef


def _crm() -> pd.DataFrame:
    # " 2" and "2" are one customer once canonicalised; so the last two rows are duplicates.
    return pd.DataFrame(
        {
            "id": ["1", " 2", "3", None, "2"],
            "age": [30, 40, 50, 60, 40],
        }
    )


def _orders() -> pd.DataFrame:
    # The shop pads ids; customer 9 is unknown to the CRM; one line has no customer.
    return pd.DataFrame(
        {
            "cust": ["00000001", "00000001", "00000003", "00000009", "", "00000001"],
            "order": ["o1", "o2", "o3", "o4", "o5", "o1"],
            "amount": [10.0, 20.0, 5.0, 7.0, 3.0, 10.0],
        }
    )


def _loyalty() -> pd.DataFrame:
    return pd.DataFrame({"member": ["3  ", "1  ", "8  "], "tier": ["Gold", "Bronze", "Silver"]})


def _sources(crm: pd.DataFrame, orders: pd.DataFrame, loyalty: pd.DataFrame) -> list[SourceTable]:
    return [
        SourceTable("crm", crm, "id", "attributes", origin="crm.csv"),
        SourceTable("orders", orders, "cust", "transactions", leading_zeros="strip"),
        SourceTable("loyalty", loyalty, "member", "attributes"),
    ]


@pytest.fixture
def result() -> Integrated:
    return integrate(_sources(_crm(), _orders(), _loyalty()), ["crm"])


def test_customers_are_the_population_sorted_with_attributes(result: Integrated) -> None:
    c = result.customers
    assert c[CUSTOMER_ID].tolist() == ["1", "2", "3"]
    assert c["age"].tolist() == [30, 40, 50]
    assert c["tier"].isna().tolist() == [False, True, False]
    assert c.loc[c[CUSTOMER_ID] == "3", "tier"].item() == "Gold"
    assert c.loc[c[CUSTOMER_ID] == "1", "tier"].item() == "Bronze"


def test_population_is_the_union_of_population_sources() -> None:
    out = integrate(_sources(_crm(), _orders(), _loyalty()), ["crm", "orders"])
    assert out.customers[CUSTOMER_ID].tolist() == ["1", "2", "3", "9"]
    assert out.quality["population"] == {"sources": ["crm", "orders"], "customers": 4}
    # Customer 9 has no CRM row: its attributes are missing, not invented.
    assert pd.isna(out.customers.loc[3, "age"])
    assert out.quality["missing_share"]["age"] == 0.25


def test_transactions_keep_only_population_customers(result: Integrated) -> None:
    t = result.transactions["orders"].df()  # a lazy table; materialised to check it
    assert set(t[CUSTOMER_ID]) == {"1", "3"}
    # o1 of customer 1 was exported twice: one copy dropped.
    assert sorted(t["order"].tolist()) == ["o1", "o2", "o3"]
    assert list(t.columns) == [CUSTOMER_ID, "order", "amount"]


def test_unmatched_ids_are_counted_with_examples(result: Integrated) -> None:
    orders = result.quality["sources"]["orders"]
    assert orders["unmatched_customers"] == 1
    assert orders["unmatched_examples"] == ["9"]
    loyalty = result.quality["sources"]["loyalty"]
    assert loyalty["unmatched_customers"] == 1
    assert loyalty["unmatched_examples"] == ["8"]


def test_coverage_is_the_share_of_population_seen_in_each_source(result: Integrated) -> None:
    s = result.quality["sources"]
    assert s["crm"]["coverage"] == 1.0
    assert s["orders"]["coverage"] == round(2 / 3, 4)
    assert s["loyalty"]["coverage"] == round(2 / 3, 4)
    assert s["orders"]["distinct_customers"] == 3


def test_exact_duplicates_and_missing_keys_are_dropped_and_counted(result: Integrated) -> None:
    crm = result.quality["sources"]["crm"]
    assert crm["rows_read"] == 5
    assert crm["rows_dropped"] == {"missing_customer_id": 1, "duplicate_rows": 1}
    assert crm["rows_kept"] == 3
    assert crm["key_changes"] == {"whitespace_stripped": 1}
    orders = result.quality["sources"]["orders"]
    assert orders["rows_read"] == 6
    assert orders["rows_dropped"] == {"missing_customer_id": 1, "duplicate_rows": 1}
    assert orders["rows_kept"] == 4
    assert orders["key_changes"] == {"leading_zeros_stripped": 5}
    assert crm["origin"] == "crm.csv"
    assert crm["role"] == "attributes"


def test_duplicates_kept_when_source_says_so() -> None:
    src = SourceTable("orders", _orders(), "cust", "transactions", drop_duplicates=False)
    crm = SourceTable("crm", pd.DataFrame({"id": ["00000001"], "x": [1]}), "id", "attributes")
    out = integrate([crm, src], ["crm"])
    assert sorted(out.transactions["orders"].df()["order"]) == ["o1", "o1", "o2"]
    assert "duplicate_rows" not in out.quality["sources"]["orders"]["rows_dropped"]


def test_conflicting_attribute_rows_refused_listing_ids() -> None:
    crm = pd.DataFrame(
        {"id": ["5", "2", "5", "2 ", "7"], "tier": ["Gold", "Bronze", "Silver", "Gold", "x"]}
    )
    with pytest.raises(DataQualityError) as err:
        integrate([SourceTable("crm", crm, "id", "attributes", origin="crm.csv")], ["crm"])
    msg = str(err.value)
    assert "crm.csv" in msg
    assert "2 customer id(s)" in msg
    assert "['2', '5']" in msg
    assert "latest_by" in msg


def test_latest_by_keeps_the_newest_row() -> None:
    crm = pd.DataFrame(
        {
            "id": ["1", "1", "2", "1"],
            "tier": ["Bronze", "Gold", "Silver", "Silver"],
            "updated": pd.to_datetime(["2024-01-01", "2024-03-01", "2024-02-01", "2024-02-01"]),
        }
    )
    out = integrate([SourceTable("crm", crm, "id", "attributes", latest_by="updated")], ["crm"])
    assert out.customers[CUSTOMER_ID].tolist() == ["1", "2"]
    assert out.customers["tier"].tolist() == ["Gold", "Silver"]
    assert out.quality["sources"]["crm"]["rows_dropped"] == {"older_versions": 2}


def test_latest_by_unknown_column_is_a_schema_error() -> None:
    crm = pd.DataFrame({"id": ["1", "1"], "tier": ["a", "b"]})
    with pytest.raises(SchemaError, match="latest_by column 'updated'"):
        integrate([SourceTable("crm", crm, "id", "attributes", latest_by="updated")], ["crm"])


def test_latest_by_tie_does_not_depend_on_row_order() -> None:
    crm = pd.DataFrame(
        {"id": ["1", "1"], "tier": ["Gold", "Silver"], "updated": ["2024-01-01", "2024-01-01"]}
    )
    results = []
    for frame in (crm, crm.iloc[::-1]):
        try:
            out = integrate(
                [SourceTable("crm", frame, "id", "attributes", latest_by="updated")], ["crm"]
            )
            results.append(out.customers["tier"].tolist())
        except DataQualityError:
            results.append(["refused"])
    assert results[0] == results[1]


def test_latest_by_prefers_a_dated_row_over_an_undated_one() -> None:
    crm = pd.DataFrame(
        {
            "id": ["1", "1"],
            "tier": ["Gold", "Silver"],
            "updated": [pd.Timestamp("2024-01-01"), pd.NaT],
        }
    )
    out = integrate([SourceTable("crm", crm, "id", "attributes", latest_by="updated")], ["crm"])
    assert out.customers["tier"].tolist() == ["Gold"]


def test_join_never_multiplies_rows() -> None:
    # pandas would turn 2 x 2 rows of customer 1 into 4 (#22); here each id appears once.
    crm = pd.DataFrame({"id": ["1", "1 ", "2"], "age": [30, 30, 40]})
    loyalty = pd.DataFrame({"member": ["1", "1", "2"], "tier": ["Gold", "Gold", "Bronze"]})
    out = integrate(
        [
            SourceTable("crm", crm, "id", "attributes"),
            SourceTable("loyalty", loyalty, "member", "attributes"),
        ],
        ["crm"],
    )
    assert len(out.customers) == 2
    assert out.customers[CUSTOMER_ID].is_unique


def test_column_clash_between_attribute_sources_is_a_schema_error() -> None:
    a = pd.DataFrame({"id": ["1"], "country": ["DE"]})
    b = pd.DataFrame({"member": ["1"], "country": ["FR"]})
    with pytest.raises(SchemaError) as err:
        integrate(
            [
                SourceTable("crm", a, "id", "attributes"),
                SourceTable("loyalty", b, "member", "attributes"),
            ],
            ["crm"],
        )
    msg = str(err.value)
    assert "'country'" in msg and "'crm'" in msg and "'loyalty'" in msg


def test_missing_key_column_is_a_schema_error_naming_the_origin() -> None:
    crm = pd.DataFrame({"customer": ["1"], "age": [3]})
    with pytest.raises(SchemaError, match=r"crm\.csv: key column 'id' not found"):
        integrate([SourceTable("crm", crm, "id", "attributes", origin="crm.csv")], ["crm"])


def test_second_customer_id_column_is_a_schema_error() -> None:
    crm = pd.DataFrame({"id": ["1"], "customer_id": ["x"]})
    with pytest.raises(SchemaError, match="customer_id"):
        integrate([SourceTable("crm", crm, "id", "attributes")], ["crm"])


def test_key_named_customer_id_is_fine() -> None:
    crm = pd.DataFrame({"customer_id": [" 1", "2"], "age": [1, 2]})
    out = integrate([SourceTable("crm", crm, "customer_id", "attributes")], ["crm"])
    assert out.customers[CUSTOMER_ID].tolist() == ["1", "2"]


def test_unknown_population_source_is_a_schema_error() -> None:
    with pytest.raises(SchemaError, match="crn"):
        integrate(_sources(_crm(), _orders(), _loyalty()), ["crn"])


def test_events_go_to_their_own_table() -> None:
    crm = pd.DataFrame({"id": ["1", "2"]})
    web = pd.DataFrame({"cid": ["1.0", "2.0", "3.0"], "sessions": [4, 5, 6]})
    out = integrate(
        [SourceTable("crm", crm, "id", "attributes"), SourceTable("web", web, "cid", "events")],
        ["crm"],
    )
    web_rows = out.events["web"].df().sort_values(CUSTOMER_ID)
    assert web_rows[CUSTOMER_ID].tolist() == ["1", "2"]
    assert web_rows["sessions"].tolist() == [4, 5]
    assert out.transactions == {}
    assert out.quality["sources"]["web"]["key_changes"] == {"float_suffix_dropped": 3}


def test_inputs_are_not_mutated() -> None:
    crm, orders, loyalty = _crm(), _orders(), _loyalty()
    copies = (crm.copy(), orders.copy(), loyalty.copy())
    integrate(_sources(crm, orders, loyalty), ["crm"])
    for frame, copy in zip((crm, orders, loyalty), copies, strict=True):
        pd.testing.assert_frame_equal(frame, copy)


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_output_does_not_depend_on_input_row_order(seed: int) -> None:
    rng = np.random.default_rng(seed)
    base = integrate(_sources(_crm(), _orders(), _loyalty()), ["crm", "orders"])

    def shuffled(frame: pd.DataFrame) -> pd.DataFrame:
        return frame.iloc[rng.permutation(len(frame))].reset_index(drop=True)

    out = integrate(
        _sources(shuffled(_crm()), shuffled(_orders()), shuffled(_loyalty())), ["crm", "orders"]
    )
    pd.testing.assert_frame_equal(out.customers, base.customers)

    def rows(t: TableRef) -> pd.DataFrame:  # a lazy table's rows, in a canonical order
        frame = t.df()
        return frame.sort_values(list(frame.columns), ignore_index=True)

    pd.testing.assert_frame_equal(
        rows(out.transactions["orders"]), rows(base.transactions["orders"])
    )
    assert out.quality == base.quality


def test_shared_attribute_columns_follow_source_priority() -> None:
    crm = pd.DataFrame({"id": ["1", "2", "3"], "email": ["a@x", None, "c@x"]})
    shop = pd.DataFrame({"id": ["1", "2", "3"], "email": ["a@y", "b@y", "c@x"]})
    sources = [
        SourceTable("crm", crm, "id", "attributes"),
        SourceTable("shop", shop, "id", "attributes"),
    ]
    with pytest.raises(SchemaError, match=r"integrate\.priority"):
        integrate(sources, ["crm"])
    out = integrate(sources, ["crm"], priority=["crm", "shop"])
    # crm wins where it has a value; shop fills the gap.
    assert out.customers["email"].tolist() == ["a@x", "b@y", "c@x"]
    assert out.quality["attribute_conflicts"]["email"] == {
        "sources": ["crm", "shop"],
        "preferred": "crm",
        "differing": 1,
    }
    reversed_out = integrate(sources, ["crm"], priority=["shop", "crm"])
    assert reversed_out.customers["email"].tolist() == ["a@y", "b@y", "c@x"]


def test_a_source_whose_ids_do_not_match_the_base_is_refused() -> None:  # BAD_INPUTS #23
    crm = pd.DataFrame({"id": [f"{i:05d}" for i in range(1, 201)], "age": range(200)})
    # The CRM pads its ids to five digits, the shop does not: no id matches.
    shop = pd.DataFrame({"cust": [str(i) for i in range(1, 201)], "visits": range(200)})
    sources = [
        SourceTable("crm", crm, "id", "attributes"),
        SourceTable("shop", shop, "cust", "events"),
    ]
    with pytest.raises(DataQualityError, match=r"source 'shop' .* 0\.0% of the 200 customers"):
        integrate(sources, ["crm"], min_coverage=0.01)
    # Both are the population: nothing to cover. Without a threshold: reported, not refused.
    assert integrate(sources, ["crm", "shop"], min_coverage=0.01).quality["population"] == {
        "sources": ["crm", "shop"],
        "customers": 400,
    }
    assert integrate(sources, ["crm"]).quality["sources"]["shop"]["coverage"] == 0.0


def test_coverage_at_the_threshold_is_accepted() -> None:
    crm = pd.DataFrame({"id": [str(i) for i in range(100)], "age": range(100)})
    shop = pd.DataFrame({"cust": ["5"], "visits": [3]})
    sources = [
        SourceTable("crm", crm, "id", "attributes"),
        SourceTable("shop", shop, "cust", "events"),
    ]
    assert (
        integrate(sources, ["crm"], min_coverage=0.01).quality["sources"]["shop"]["coverage"]
        == 0.01
    )
