"""A project of ';'-separated European exports run end to end (BAD_INPUTS #7, #8, #40).

Decimal commas, '.' thousands, euro signs beside numbers, a blank, and dates written
``01.02.2024`` that the thousands setting must leave alone.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from user_segmentation.config import load_config
from user_segmentation.errors import SchemaError
from user_segmentation.pipeline.gather import gather
from user_segmentation.pipeline.run import run_project
from user_segmentation.store import RunStore

# Hand-computed monetary: K01 1.234,56 + 10,00 = 1244.56; K02 99,90 + 5,10 = 105.00;
# K03 2.000,00; K04 7,25; K05 1,00; K06 4,50 + 0,50 = 5.00.
_LOG = """\
invoice;customer;at;amount
1001;K01;2024-01-05 10:00;1.234,56
1002;K01;2024-02-05 10:00;10,00
1003;K02;2024-02-07 11:00;99,90
1004;K03;2024-03-01 09:30;2.000,00
1005;K02;2024-03-03 12:00;5,10
1006;K04;2024-03-04 12:00;7,25
1007;K05;2024-03-05 12:00;1,00
1008;K06;2024-03-06 12:00;4,50
1009;K06;2024-03-07 12:00;0,50
"""

_CUSTOMERS = """\
customer_id;spend;joined
K01;3,39 €;01.02.2024
K02;€ 1.234,50;15.03.2023
K03; ;01.12.2023
K04;12,5;02.01.2024
K05;0,99 €;10.10.2023
K06;7.000,00;05.05.2023
"""

_PROJECT = """\
project: european-exports
as_of: 2024-03-31
sources:
  customers:
    kind: csv
    path: customers.csv
    key: customer_id
    role: attributes
    decimal: ','
    thousands: '.'
  sales:
    kind: csv
    path: sales.csv
    key: customer
    role: transactions
    decimal: ','
    thousands: '.'
features:
  currency_symbols: ['€']
  transactions: {source: sales, order: invoice, timestamp: at, amount: amount}
  attributes:
    numeric: [spend]
    dates: {joined: '%d.%m.%Y'}
model: {k_min: 2, k_max: 3, gap_refs: 0, stability_boots: 0, bic: false}
"""


def _project(folder: Path, log: str = _LOG, customers: str = _CUSTOMERS) -> Path:
    (folder / "sales.csv").write_text(log, encoding="utf-8")
    (folder / "customers.csv").write_text(customers, encoding="utf-8")
    project = folder / "segmentation.yaml"
    project.write_text(_PROJECT, encoding="utf-8")
    return project


def test_european_exports_run_to_the_hand_computed_numbers(tmp_path: Path) -> None:
    run_project(load_config(_project(tmp_path)))
    with RunStore(tmp_path / "segmentation.db") as store:
        customers = store.load_run().customers.set_index("customer_id")
    assert customers["monetary"].to_dict() == pytest.approx(
        {"K01": 1244.56, "K02": 105.0, "K03": 2000.0, "K04": 7.25, "K05": 1.0, "K06": 5.0}
    )
    spend = customers["spend"].drop("K03")  # K03's blank is imputed
    assert spend.to_dict() == pytest.approx(
        {"K01": 3.39, "K02": 1234.5, "K04": 12.5, "K05": 0.99, "K06": 7000.0}
    )
    # '01.02.2024' stayed a date (thousands '.' did not make it 1022024): 1 February to the
    # end of 31 March 2024 (as_of is the end of its day) is 60 days, less a second.
    assert customers.loc["K01", "days_since_joined"] == pytest.approx(60.0, abs=1e-4)


def test_one_bad_amount_names_its_row_not_a_good_one(tmp_path: Path) -> None:
    project = _project(tmp_path, log=_LOG.replace("7,25", "7,25 EUR"))
    with pytest.raises(SchemaError) as caught:
        gather(load_config(project))
    message = str(caught.value)
    assert "column 'amount', data row 6: '7,25 EUR' is not a number" in message
    assert "decimal" not in message  # set already: not suggested again


def test_one_bad_attribute_names_its_customer(tmp_path: Path) -> None:
    project = _project(tmp_path, customers=_CUSTOMERS.replace("12,5;", "12,5 $;"))
    with pytest.raises(SchemaError) as caught:
        gather(load_config(project))
    message = str(caught.value)
    assert "column 'spend', customer 'K04': '12,5 $' is not a number" in message
    assert "currency_symbols: ['$']" in message and "decimal" not in message
