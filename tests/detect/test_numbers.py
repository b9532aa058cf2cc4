"""Numbers written as text in a locale format: which spelling, and when not to guess."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from user_segmentation.detect.numbers import (
    COMMA_GROUPS,
    DECIMAL_COMMA,
    DOT_GROUPS,
    PLAIN,
    SPELLINGS,
    Spelling,
    code_reason,
    detect_number_format,
    number_column,
    parse_numbers,
    with_numbers,
)
from user_segmentation.detect.roles import guess_table


def _column(*values: str) -> pd.Series:
    return pd.Series(list(values), dtype="string")


@pytest.mark.parametrize(
    ("values", "spellings"),
    [
        (["1234.56", "12.5", "-3"], {PLAIN, COMMA_GROUPS}),
        (["12,50", "1234,5"], {DECIMAL_COMMA, DOT_GROUPS}),
        (["1.234,56", "7,00"], {DOT_GROUPS}),
        (["1,234.56", "7.00"], {COMMA_GROUPS}),
        (["1,234,567", "12"], {COMMA_GROUPS}),
        (["1.234.567", "12"], {DOT_GROUPS}),
        (["£3.39", "£12.00", "-£1.50"], {PLAIN, COMMA_GROUPS}),
        (["3,39 €", "12,00 €", "€ 1.234,00"], {DOT_GROUPS}),
    ],
)
def test_each_spelling_is_recognised(values: list[str], spellings: set[Spelling]) -> None:
    col = number_column(_column(*values), "x")
    assert col is not None and col.spellings == spellings


def test_three_digits_after_one_separator_fit_two_readings() -> None:
    comma = number_column(_column("1,234", "2,500"), "qty")
    assert comma is not None
    assert comma.spellings == {DECIMAL_COMMA, DOT_GROUPS, COMMA_GROUPS}
    assert comma.hinges == {",": ("1,234", "2,500")}
    dot = number_column(_column("1.234", "2.500"), "qty")
    assert dot is not None and dot.spellings == {PLAIN, DOT_GROUPS, COMMA_GROUPS}
    # A leading group of 0 is never a thousands group: '0,123' is a decimal comma.
    zero = number_column(_column("0,123", "1,234"), "qty")
    assert zero is not None and zero.spellings == {DECIMAL_COMMA, DOT_GROUPS}


@pytest.mark.parametrize(
    "values",
    [
        ["01.02.2024", "15.03.2024"],  # dates
        ["1.2.3", "2.0.11"],  # versions
        ["1,2,3", "4,5,6"],  # lists
        ["12.5%", "3%"],
        ["£3.39", "$4.00"],  # two currencies
        ["12,5", "1.5", "7,25", "3.75"],  # two spellings in one column
        ["abc", "n/a"],
        ["", "  "],
    ],
)
def test_what_is_not_one_number_column(values: list[str]) -> None:
    assert number_column(_column(*values), "x") is None


def test_a_few_stray_values_do_not_stop_a_number_column() -> None:
    values = ["12,5"] * 40 + ["n/a"]
    col = number_column(_column(*values), "x")
    assert col is not None and DECIMAL_COMMA in col.spellings
    assert number_column(_column(*(["12,5"] * 10 + ["n/a"] * 2)), "x") is None


def test_codes_and_phone_numbers_are_not_numbers() -> None:
    assert code_reason(_column("00123", "04711", "31337")) is not None
    assert code_reason(_column("+4917612345678", "+441632960961")) is not None
    assert code_reason(_column("0", "10", "7")) is None
    assert code_reason(_column("0,5", "1,25")) is None
    found = detect_number_format(
        pd.DataFrame(
            {
                "account": ["00123", "00456", "01000"],
                "phone": ["+4917612345678", "+4917612345679", "+4917612345670"],
                "landline": ["030 1234567", "0171-234567", "(030) 765432"],
            }
        )
    )
    assert set(found.codes) == {"account", "phone"}
    assert found.columns == {} and found.spelling == PLAIN


def test_the_table_decides_what_one_column_cannot() -> None:
    undecided = {"qty": ["1,234", "2,500", "3,000"]}
    found = detect_number_format(pd.DataFrame(undecided))
    assert found.spelling == PLAIN and set(found.ambiguous) == {"qty"}
    message = found.ambiguous["qty"]
    assert "'qty'" in message and "'1,234', '2,500', '3,000'" in message
    assert "1234 with thousands: ','" in message and "1.234 with decimal: ','" in message

    # '12,5' in another column proves the comma is decimal ...
    found = detect_number_format(pd.DataFrame({**undecided, "price": ["12,5", "3,39", "1"]}))
    assert (found.spelling, found.ambiguous) == (DECIMAL_COMMA, {})
    assert found.why == "decimal comma in 'price' ('12,5')"
    parsed = with_numbers(pd.DataFrame(undecided | {"price": ["1", "2", "3"]}), found)
    assert parsed["qty"].tolist() == [1.234, 2.5, 3.0]

    # ... '1,234.5' or '1,234,567' that it groups thousands.
    for proof in ("1,234.5", "1,234,567"):
        found = detect_number_format(pd.DataFrame({**undecided, "total": [proof, "7", "8"]}))
        assert (found.spelling, found.ambiguous) == (COMMA_GROUPS, {})
        assert found.thousands_why.startswith("',' groups thousands in")

    # '1.234' beside '12,5': the dot groups thousands.
    found = detect_number_format(pd.DataFrame({"a": ["1.234", "2.500"], "b": ["12,5", "1"]}))
    assert found.spelling == DOT_GROUPS
    assert found.thousands_why == "'.' groups thousands in 'a' ('1.234')"


def test_dots_alone_are_ambiguous_too() -> None:
    found = detect_number_format(pd.DataFrame({"weight": ["1.250", "2.375"]}))
    assert found.spelling == PLAIN
    assert "1.25 as read (decimal point) or 1250 with decimal: ','" in found.ambiguous["weight"]
    # Any other decimal point in the table settles it as written.
    found = detect_number_format(pd.DataFrame({"weight": ["1.250"], "price": ["0.5"]}))
    assert (found.spelling, found.ambiguous) == (PLAIN, {})


def test_columns_that_disagree_set_nothing() -> None:
    found = detect_number_format(pd.DataFrame({"amount": ["12,5", "3,39"], "lat": ["51.5", "7"]}))
    assert found.spelling == PLAIN and set(found.ambiguous) == {"amount", "lat"}
    assert "'amount' ('12,5') has a decimal comma" in found.ambiguous["amount"]
    assert "'lat' ('51.5') has a decimal point" in found.ambiguous["amount"]


def test_plain_numbers_propose_nothing() -> None:
    found = detect_number_format(
        pd.DataFrame({"amount": ["1234.56", "12.5", "-3"], "n": ["1", "22", "333"]})
    )
    assert (found.spelling, found.ambiguous, found.symbols, found.notes) == (PLAIN, {}, {}, [])


def test_currency_symbols_are_collected() -> None:
    found = detect_number_format(pd.DataFrame({"price": ["£3.39", "£12.00"], "n": ["1", "2"]}))
    assert found.spelling == PLAIN and found.symbols == {"£": "'price' ('£3.39')"}
    parsed = with_numbers(pd.DataFrame({"price": ["£3.39", "£12.00"]}), found)
    assert parsed["price"].tolist() == [3.39, 12.0]


def test_settings_that_only_csv_takes_are_a_note_elsewhere() -> None:
    found = detect_number_format(pd.DataFrame({"spend": ["12,5", "3,39"]}), allowed=(PLAIN,))
    assert found.spelling == PLAIN and found.columns == {}
    assert "CSV files only" in found.notes[0] and "'spend' ('12,5')" in found.notes[0]


def test_parse_numbers_reads_only_the_given_spelling() -> None:
    values = _column("1.234,56", "-7,5", "12", "1.2.3", "1,234.56", None)
    parsed = parse_numbers(values, DOT_GROUPS).tolist()
    assert parsed[:3] == [1234.56, -7.5, 12.0]
    assert all(pd.isna(v) for v in parsed[3:])
    assert parse_numbers(_column("£1,234.50", "£0.99"), COMMA_GROUPS, "£").tolist() == [
        1234.5,
        0.99,
    ]


def test_locale_numbers_take_part_in_role_guesses() -> None:
    log = pd.DataFrame(
        {
            "InvoiceNo": ["1", "2", "3", "4"],
            "CustomerID": ["a", "a", "b", "c"],
            "InvoiceDate": ["2024-01-01 10:00"] * 4,
            "Quantity": ["2", "1", "3", "1"],
            "UnitPrice": ["3,39", "12,5", "0,99", "-1,00"],
        }
    )
    assert guess_table(log).role == "events"  # prices as text: no money column
    found = detect_number_format(log)
    guess = guess_table(with_numbers(log, found), not_numeric=found.codes)
    assert guess.role == "transactions" and guess.unit_price is not None
    assert guess.unit_price.column == "UnitPrice" and guess.non_positive == {"UnitPrice": 1}


def _write(x: float, spelling: Spelling, decimals: int, grouped: bool) -> str:
    text = f"{x:,.{decimals}f}" if grouped and spelling.thousands else f"{x:.{decimals}f}"
    swap = {",": spelling.thousands or "", ".": spelling.decimal}
    return "".join(swap.get(ch, ch) for ch in text)


# Numbers near the ambiguous case (1,234 and 1.234) as often as any others.
_NUMBERS = st.one_of(
    st.integers(min_value=0, max_value=10**9).map(lambda n: n / 1000),
    st.integers(min_value=1_000, max_value=999_999).map(float),
    st.sampled_from([1.234, 2.5, 12.5, 1234.0, 1234567.0, 0.123]),
)


@settings(max_examples=300, deadline=None)
@given(
    spelling=st.sampled_from(SPELLINGS),
    numbers=st.lists(
        st.tuples(_NUMBERS, st.integers(min_value=0, max_value=3), st.booleans()),
        min_size=1,
        max_size=4,
    ),
)
@example(spelling=DOT_GROUPS, numbers=[(1234.0, 0, True)])  # '1.234' is 1234
@example(spelling=DECIMAL_COMMA, numbers=[(1.234, 3, False)])  # '1,234' is 1.234
def test_a_decided_spelling_always_reads_the_numbers_written(
    spelling: Spelling, numbers: list[tuple[float, int, bool]]
) -> None:
    """Whatever the values, a spelling is either left undecided or reads them right."""
    written = [_write(x, spelling, d, g) for x, d, g in numbers]
    found = detect_number_format(pd.DataFrame({"x": written}))
    if found.ambiguous or "x" not in found.columns:
        return
    expected = [float(f"{x:.{d}f}") for x, d, _ in numbers]
    parsed = parse_numbers(pd.Series(written), found.spelling).tolist()
    assert parsed == pytest.approx(expected), (written, found.spelling)
