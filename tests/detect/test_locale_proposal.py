"""`segment init` on exports that write numbers in a locale format, then `segment run`."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from user_segmentation.cli.main import app
from user_segmentation.config import load_config
from user_segmentation.detect.proposal import inspect_inputs, propose_project
from user_segmentation.pipeline.gather import gather
from user_segmentation.store import RunStore

runner = CliRunner()

# A European transaction log: ';' between fields, '.' groups thousands, ',' is the decimal.
# Hand-computed monetary value: K01 1.234,56 + 10,00 = 1244.56; K03 2.000,00.
_EU_LOG = """\
InvoiceNo;CustomerID;InvoiceDate;Quantity;UnitPrice;Amount
1001;K01;2024-01-05 10:00;1;12,5;1.234,56
1002;K01;2024-02-05 10:00;4;2,5;10,00
1003;K02;2024-02-07 11:00;30;3,33;99,90
1004;K03;2024-03-01 09:30;20;100,0;2.000,00
1005;K02;2024-03-03 12:00;1;5,1;5,10
1006;K04;2024-03-04 12:00;1;7,25;7,25
1007;K05;2024-03-05 12:00;2;0,5;1,00
1008;K06;2024-03-06 12:00;3;1,5;4,50
"""


def _init(tmp_path: Path, *files: str) -> str:
    project = tmp_path / "segmentation.yaml"
    result = runner.invoke(
        app, ["init", *(str(tmp_path / f) for f in files), "-o", str(project), "-q"]
    )
    assert result.exit_code == 0, result.output
    return project.read_text(encoding="utf-8")


def _run(tmp_path: Path) -> pd.DataFrame:
    result = runner.invoke(app, ["run", "-c", str(tmp_path / "segmentation.yaml"), "-q"])
    assert result.exit_code == 0, result.output
    with RunStore(tmp_path / "segmentation.db") as store:
        return store.load_run().customers.set_index("customer_id")


def _source(text: str, name: str) -> dict[str, object]:
    source: dict[str, object] = yaml.safe_load(text)["sources"][name]
    return source


def test_european_log_gets_decimal_comma_and_runs_to_the_right_sums(tmp_path: Path) -> None:
    (tmp_path / "sales.csv").write_text(_EU_LOG, encoding="utf-8")
    text = _init(tmp_path, "sales.csv")
    source = _source(text, "sales")
    assert (source["decimal"], source["thousands"]) == (",", ".")
    decimal = next(line for line in text.splitlines() if line.strip().startswith("decimal:"))
    assert "# guess: decimal comma in" in decimal
    assert "'Amount' ('1.234,56')" in decimal and "'UnitPrice' ('12,5')" in decimal
    assert "thousands: '.'   # guess: '.' groups thousands in 'Amount' ('1.234,56')" in text
    assert "amount: Amount   # guess:" in text
    assert "# ambiguous:" not in text

    customers = _run(tmp_path)
    assert customers.loc["K01", "monetary"] == pytest.approx(1234.56 + 10.00)
    assert customers.loc["K02", "monetary"] == pytest.approx(99.90 + 5.10)
    assert customers.loc["K03", "monetary"] == pytest.approx(2000.00)


def test_a_decimal_comma_unit_price_is_found_as_the_price(tmp_path: Path) -> None:
    log = "\n".join(
        ";".join(line.split(";")[:5]) for line in _EU_LOG.splitlines()
    )  # no Amount column: quantity × unit price
    (tmp_path / "sales.csv").write_text(log + "\n", encoding="utf-8")
    text = _init(tmp_path, "sales.csv")
    assert "unit_price: UnitPrice   # guess: numeric, name looks like a unit price" in text
    assert "quantity: Quantity" in text
    assert _source(text, "sales")["decimal"] == ","
    assert "thousands" not in _source(text, "sales")  # no '.' seen: only what is needed

    customers = _run(tmp_path)
    assert customers.loc["K01", "monetary"] == pytest.approx(1 * 12.5 + 4 * 2.5)
    assert customers.loc["K02", "monetary"] == pytest.approx(30 * 3.33 + 1 * 5.1)


def test_ambiguous_thousands_or_decimal_is_named_and_not_set(tmp_path: Path) -> None:
    rows = [("C1", "1,234"), ("C2", "2,500"), ("C3", "3,750"), ("C4", "1,000")]
    (tmp_path / "customers.csv").write_text(
        "customer_id;spend\n" + "".join(f"{c};{v}\n" for c, v in rows), encoding="utf-8"
    )
    text = _init(tmp_path, "customers.csv")
    ambiguous = [line for line in text.splitlines() if "# ambiguous:" in line]
    assert ambiguous, text
    for line in ambiguous:
        assert "'spend'" in line and "'1,234', '2,500', '3,750'" in line
        assert "1234 with thousands: ','" in line and "1.234 with decimal: ','" in line
    # Next to the source (where the setting goes) and above the column's use.
    lines = text.splitlines()
    numeric = next(i for i, line in enumerate(lines) if line.strip().startswith("numeric:"))
    assert "# ambiguous:" in lines[numeric - 1] and "spend" in lines[numeric]
    source = _source(text, "customers")
    assert "decimal" not in source and "thousands" not in source

    config = load_config(tmp_path / "segmentation.yaml")  # still a valid project file
    assert (config.sources["customers"].decimal, config.sources["customers"].thousands) == (
        ".",
        None,
    )


def test_conflicting_columns_of_one_source_set_nothing(tmp_path: Path) -> None:
    (tmp_path / "customers.csv").write_text(
        "customer_id;spend;latitude\nC1;12,5;51.5\nC2;3,39;48.1\nC3;7,00;40.4\n",
        encoding="utf-8",
    )
    text = _init(tmp_path, "customers.csv")
    assert "# ambiguous: the number columns disagree" in text
    source = _source(text, "customers")
    assert "decimal" not in source and "thousands" not in source
    load_config(tmp_path / "segmentation.yaml")


def test_pound_signs_become_currency_symbols_and_run(tmp_path: Path) -> None:
    rows = "".join(f"C{i},£{i}.39,{i % 3 + i}\n" for i in range(1, 9))
    (tmp_path / "customers.csv").write_text("customer_id,spend,visits\n" + rows, "utf-8")
    text = _init(tmp_path, "customers.csv")
    assert "currency_symbols: ['£']   # guess: written beside numbers: 'spend'" in text
    assert yaml.safe_load(text)["features"]["currency_symbols"] == ["£"]
    assert "numeric: [spend" in text
    source = _source(text, "customers")
    assert "decimal" not in source and "thousands" not in source

    customers = _run(tmp_path)
    assert customers.loc["C1", "spend"] == pytest.approx(1.39)
    assert customers.loc["C8", "spend"] == pytest.approx(8.39)


def test_plain_numbers_ids_and_phone_numbers_add_nothing(tmp_path: Path) -> None:
    header = "customer_id,amount,price,account,phone,mobile\n"
    rows = [
        f"00{120 + i},{1234.56 + i},{i}.5,0{4711 + i},+49 171 23456{i},+4917612345{i:03d}\n"
        for i in range(8)
    ]
    (tmp_path / "customers.csv").write_text(header + "".join(rows), encoding="utf-8")
    found = inspect_inputs([str(tmp_path / "customers.csv")])
    text = propose_project(found)
    for absent in ("decimal:", "thousands:", "currency_symbols", "# ambiguous:", "# note:"):
        assert absent not in text
    guess = found[0].guess
    assert guess.key is not None and guess.key.column == "customer_id"
    assert guess.numeric == ["amount", "price"]  # not the account or phone numbers
    assert "not used: account (leading zeros ('04711'): an identifier or code)" in text
    assert "not used: mobile (written '+4917612345000': phone numbers)" in text


def test_dates_and_versions_are_not_numbers(tmp_path: Path) -> None:
    (tmp_path / "customers.csv").write_text(
        "customer_id;spend;joined;app_version\n"
        + "".join(
            f"C{i};{i}.000,{i}0;0{i}.02.2024;1.{i}.3\n" for i in range(1, 9)
        ),  # spend 1000.10 ... 8000.80
        encoding="utf-8",
    )
    found = inspect_inputs([str(tmp_path / "customers.csv")])
    assert set(found[0].numbers.columns) == {"spend"}
    assert "joined" not in found[0].guess.numeric and "app_version" not in found[0].guess.numeric
    text = propose_project(found)
    assert _source(text, "customers")["thousands"] == "."
    # The reader applies thousands '.' to numbers only: the date stays as written.
    assert "also takes 'joined'" not in text
    project = tmp_path / "segmentation.yaml"
    project.write_text(text, encoding="utf-8")
    assert load_config(project).sources["customers"].decimal == ","


def test_excel_text_with_a_decimal_comma_is_a_note_not_a_setting(tmp_path: Path) -> None:
    path = tmp_path / "customers.xlsx"
    pd.DataFrame(
        {"customer_id": [f"C{i}" for i in range(6)], "spend": [f"{i},5" for i in range(6)]}
    ).to_excel(path, index=False)
    found = inspect_inputs([str(path)])
    text = propose_project(found)
    assert "decimal" not in _source(text, "customers") and "spend" not in found[0].guess.numeric
    assert "# note: 'spend' ('0,5'): decimal: ',' needed;" in text and "CSV files only" in text


def test_a_symbol_beside_a_decimal_comma_is_proposed_and_runs(tmp_path: Path) -> None:
    (tmp_path / "customers.csv").write_text(
        "customer_id;spend;visits\n" + "".join(f"C{i};{i},39 €;{i}\n" for i in range(1, 7)),
        encoding="utf-8",
    )
    text = _init(tmp_path, "customers.csv")
    assert _source(text, "customers")["decimal"] == ","
    assert yaml.safe_load(text)["features"]["currency_symbols"] == ["€"]
    assert "stays text" not in text  # the reader strips the symbol, then reads 1,39 as 1.39
    project = tmp_path / "segmentation.yaml"
    project.write_text(text, encoding="utf-8")
    spend = gather(load_config(project)).features.set_index("customer_id")["spend"]
    assert spend["C2"] == pytest.approx(2.39)
