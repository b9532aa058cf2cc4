"""Small hand-checkable source files written into each test's tmp_path."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import openpyxl
import pytest


@pytest.fixture
def write_bytes(tmp_path: Path) -> Callable[[str, bytes], Path]:
    """Write ``data`` to ``tmp_path / name`` and return the path."""

    def write(name: str, data: bytes) -> Path:
        path = tmp_path / name
        path.write_bytes(data)
        return path

    return write


@pytest.fixture
def write_xlsx(tmp_path: Path) -> Callable[..., Path]:
    """Write a workbook: ``sheets`` maps sheet name to its rows (first sheet first)."""

    def write(name: str, sheets: dict[str, Sequence[Sequence[Any]]]) -> Path:
        book = openpyxl.Workbook()
        book.remove(book.active)
        for title, rows in sheets.items():
            sheet = book.create_sheet(title)
            for row in rows:
                sheet.append(list(row))
        path = tmp_path / name
        book.save(path)
        return path

    return write


@pytest.fixture
def shop_db(tmp_path: Path) -> Path:
    """A SQLite file with ``customers`` (3 rows), ``users`` (2 rows) and empty ``orders``."""
    path = tmp_path / "shop.db"
    with sqlite3.connect(path) as con:
        con.execute("create table customers (customer_id integer, code text, spend real)")
        con.executemany(
            "insert into customers values (?, ?, ?)",
            [(12345678901234567, "007", 10.5), (None, "008", 2.0), (42, None, 3.25)],
        )
        con.execute("create table users (id integer, name text)")
        con.executemany("insert into users values (?, ?)", [(1, "ana"), (2, "bo")])
        con.execute("create table orders (order_id integer, customer_id integer)")
    return path
