"""Guess what each column of a table is: customer key, order id, timestamp, amount, attribute.

Guesses come from column names first (the words exports use: ``CustomerID``, ``Customer ID``,
``InvoiceNo``, ``UnitPrice``) and are then checked against the values (a timestamp must parse,
an amount must be numeric, a key must repeat in a transaction log and be unique in a customer
table). Every guess carries a one-line reason, written next to it in the proposed project file.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Literal

import pandas as pd

Role = Literal["transactions", "attributes", "events"]

_KEY_NAMES = (
    "customerid", "custid", "customer", "customerno", "customernumber", "clientid", "client",
    "memberid", "userid", "accountid", "customerkey", "id",
)  # fmt: skip
_ORDER_NAMES = (
    "invoiceno", "invoice", "invoiceid", "invoicenumber", "orderid", "order", "orderno",
    "ordernumber", "transactionid", "receiptid", "basketid",
)  # fmt: skip
_QUANTITY_NAMES = ("quantity", "qty", "units", "items", "itemcount")
_PRICE_NAMES = ("unitprice", "price", "itemprice")
_AMOUNT_NAMES = ("amount", "total", "linetotal", "revenue", "sales", "value", "spend", "netamount")
_TIME_HINT = re.compile(r"(date|time|timestamp|_at$|^at$|datum)", re.IGNORECASE)
#: A text column with more distinct values than this is treated as an identifier or free text.
MAX_LEVELS = 50
#: Share of non-blank values that must parse for a column to count as numeric or a date.
PARSE_SHARE = 0.95


@dataclass(frozen=True)
class Guess:
    """A column chosen for a role, and why."""

    column: str
    why: str


@dataclass
class TableGuess:
    """Everything guessed about one table."""

    role: Role
    role_why: str
    key: Guess | None
    order: Guess | None = None
    timestamp: Guess | None = None
    quantity: Guess | None = None
    unit_price: Guess | None = None
    amount: Guess | None = None
    numeric: list[str] = field(default_factory=list)
    categorical: list[str] = field(default_factory=list)
    dates: list[str] = field(default_factory=list)
    ignored: dict[str, str] = field(default_factory=dict)  # column -> why
    cancelled_prefix: str | None = None  # order ids starting with it look like cancellations
    n_cancelled: int = 0
    non_positive: dict[str, int] = field(default_factory=dict)  # column -> rows ≤ 0


def normalise(name: str) -> str:
    """Lower-case letters and digits only: ``"Customer ID"`` → ``"customerid"``."""
    return re.sub(r"[^a-z0-9]", "", name.lower())


def guess_table(frame: pd.DataFrame, *, not_numeric: Collection[str] = ()) -> TableGuess:
    """Guess the role of a table and of each of its columns.

    Parameters
    ----------
    frame
        The table; numbers written in a locale format already parsed (see
        :func:`user_segmentation.detect.numbers.with_numbers`).
    not_numeric
        Columns of digits that are identifiers or codes (``00123``), never numbers.

    Examples
    --------
    >>> lines = pd.DataFrame({"InvoiceNo": ["1", "1", "C2"], "Quantity": ["2", "1", "-1"],
    ...                       "InvoiceDate": ["2024-01-01 10:00"] * 3, "UnitPrice": ["1.5"] * 3,
    ...                       "CustomerID": ["7.0", "7.0", "8.0"]})
    >>> g = guess_table(lines)
    >>> g.role, g.key.column, g.order.column, g.quantity.column, g.cancelled_prefix
    ('transactions', 'CustomerID', 'InvoiceNo', 'Quantity', 'C')
    """
    names = {normalise(c): c for c in frame.columns}
    numeric = {
        c for c in frame.columns if c not in not_numeric and _numeric_share(frame[c]) >= PARSE_SHARE
    }
    key = _by_name(names, _KEY_NAMES, "name looks like a customer id")
    order = _by_name(names, _ORDER_NAMES, "name looks like an order/invoice id")
    quantity = _by_name(names, _QUANTITY_NAMES, "numeric, name looks like a quantity", numeric)
    price = _by_name(names, _PRICE_NAMES, "numeric, name looks like a unit price", numeric)
    amount = _by_name(names, _AMOUNT_NAMES, "numeric, name looks like an amount", numeric)
    times = [c for c in frame.columns if c not in numeric and _is_time(frame[c], c)]

    if key is not None and order is not None and times and (amount or (quantity and price)):
        guess = TableGuess(
            role="transactions",
            role_why=f"has a customer id, an order id ({order.column}), a timestamp and amounts",
            key=key,
            order=order,
            timestamp=Guess(times[0], "parses as date-time"),
            quantity=quantity if not amount else None,
            unit_price=price if not amount else None,
            amount=amount,
        )
        _cancellations(frame, guess)
        for g in (guess.quantity, guess.unit_price, guess.amount):
            if g is not None:
                n = int((pd.to_numeric(frame[g.column], errors="coerce") <= 0).sum())
                if n:
                    guess.non_positive[g.column] = n
        used = {g.column for g in (key, order, guess.timestamp, guess.quantity, guess.unit_price,
                                   guess.amount) if g is not None}  # fmt: skip
        for col in frame.columns:
            if col not in used:
                guess.ignored[col] = "line-level detail of the transaction log"
        return guess

    unique = key is not None and frame[key.column].dropna().is_unique
    if key is None:
        role_why = "no customer id column found: each row is one customer (row number as id)"
        role: Role = "attributes"
    elif unique:
        role_why = f"one row per value of {key.column}"
        role = "attributes"
    else:
        role_why = f"several rows per value of {key.column}: summed per customer"
        role = "events"
    guess = TableGuess(role=role, role_why=role_why, key=key)
    for col in frame.columns:
        if key is not None and col == key.column:
            continue
        if col in times:
            guess.dates.append(col)
        elif col in numeric:
            guess.numeric.append(col)
        else:
            n_levels = frame[col].nunique(dropna=True)
            if n_levels <= min(MAX_LEVELS, max(2, len(frame) // 2)):
                guess.categorical.append(col)
            else:
                guess.ignored[col] = (
                    f"text with {n_levels:,} distinct values (id-like or free text)"
                )
    return guess


def _by_name(
    names: dict[str, str], wanted: tuple[str, ...], why: str, allowed: set[str] | None = None
) -> Guess | None:
    for candidate in wanted:  # in order of preference
        col = names.get(candidate)
        if col is not None and (allowed is None or col in allowed):
            return Guess(col, why)
    return None


def _numeric_share(values: pd.Series) -> float:
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        return 1.0
    text = values.astype("string").str.strip()
    text = text[text.notna() & (text != "")]
    if text.empty:
        return 0.0
    return float(pd.to_numeric(text, errors="coerce").notna().mean())


def _is_time(values: pd.Series, name: str) -> bool:
    if pd.api.types.is_datetime64_any_dtype(values):
        return True
    if not _TIME_HINT.search(name):
        return False
    text = values.dropna().astype("string").head(1_000)
    if text.empty:
        return False
    parsed = pd.to_datetime(text, format="ISO8601", errors="coerce", utc=True)
    return float(parsed.notna().mean()) >= PARSE_SHARE


def _cancellations(frame: pd.DataFrame, guess: TableGuess) -> None:
    """Mostly-numeric order ids whose exceptions share a letter prefix look like cancellations."""
    assert guess.order is not None
    ids = frame[guess.order.column].dropna().astype("string").str.strip()
    lettered = ids[~ids.str.fullmatch(r"\d+")]
    if ids.empty or lettered.empty or len(lettered) > 0.5 * len(ids):
        return
    first = lettered.str[0].value_counts()
    # "C" is the usual cancellation prefix (Online Retail); otherwise one letter must dominate.
    prefix = "C" if "C" in first.index else str(first.index[0])
    if prefix == "C" or first[prefix] >= 0.9 * len(lettered):
        guess.cancelled_prefix = prefix
        guess.n_cancelled = int(first[prefix])
