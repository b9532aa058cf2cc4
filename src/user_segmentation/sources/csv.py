"""Delimited text (CSV, TSV, ``;``-separated, gzip-compressed) into a DataFrame.

pandas' C engine does the parsing. Around it this module reads a small head of the file once to
sniff the delimiter and take the header itself, which lets it refuse duplicate names (pandas
renames them ``x.1``), and maps every pandas failure to a :class:`SourceError` that names the
file and the physical line.
"""

from __future__ import annotations

import csv
import io
import re
import warnings
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from user_segmentation.errors import EmptyInputError, SourceError
from user_segmentation.sources.checks import clean_names
from user_segmentation.sources.files import (
    decode_error,
    is_gzip,
    normalise_encoding,
    open_binary,
)
from user_segmentation.sources.ids import ID_DTYPE
from user_segmentation.sources.limits import DEFAULT_MAX_UNCOMPRESSED_BYTES
from user_segmentation.sources.numbers import PLAIN, Spelling, convert_numbers

#: Delimiters tried when ``sep`` is not given, in order of preference on ties.
CANDIDATE_SEPARATORS = (",", ";", "\t", "|")

_HEAD_BYTES = 64 * 1024
_MAX_HEADER_BYTES = 8 * 1024 * 1024
_SNIFF_RECORDS = 50
_READ_ERRORS = (OSError, EOFError, zlib.error)
_PARSE_ERRORS = (ValueError, csv.Error, OverflowError, LookupError, IndexError)


def read_csv(
    path: Path,
    label: str,
    *,
    id_columns: Sequence[str] = (),
    encoding: str | None = None,
    sep: str | None = None,
    decimal: str = ".",
    thousands: str | None = None,
    currency_symbols: Sequence[str] = (),
    as_text: bool = False,
    max_uncompressed_bytes: int = DEFAULT_MAX_UNCOMPRESSED_BYTES,
) -> pd.DataFrame:
    """Read a delimited text file.

    Parameters
    ----------
    path
        The file; gzip content is detected by its magic bytes and decompressed.
    label
        Name used in messages.
    id_columns
        Columns read as text exactly as written.
    encoding
        Text encoding; ``None`` means UTF-8 with any BOM stripped.
    sep
        Field delimiter; ``None`` sniffs among ``,`` ``;`` tab and ``|``.
    decimal, thousands
        Number format (``decimal=","``, ``thousands="."`` for ``1.234,50``). When either is
        set, the columns are judged one by one on their text as written by
        :func:`~user_segmentation.sources.numbers.convert_numbers` (columns of plain integers
        excepted, which read alike in every format): a column whose every non-blank value is a
        number in this format becomes numbers (blanks missing); other columns (dates such as
        ``01.02.2024``, codes, text) stay as written.
    currency_symbols
        With ``decimal`` or ``thousands`` set: symbols allowed before or after a number
        (``3,39 €``, ``€ 1.234,50``).
    as_text
        Read every column as text, as written, and convert nothing (for files stacked before
        their numbers are converted).
    max_uncompressed_bytes
        Largest decompressed size of gzip content, counted while reading.

    Returns
    -------
    pandas.DataFrame
        Columns named as in the header (stripped), RangeIndex; id columns of dtype ``string``.

    Raises
    ------
    SourceError
        Undecodable text (byte offset and line named), NUL bytes, ragged rows (physical line
        named), unclosed quotes, unreadable or corrupt gzip, gzip content beyond
        ``max_uncompressed_bytes``.
    EmptyInputError
        When the file holds no header.
    SchemaError
        When the header repeats a column name.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "a.csv"
    >>> _ = p.write_bytes(b"id;amount\\n007;1.234,50\\n")
    >>> df = read_csv(p, "a.csv", id_columns=["id"], decimal=",", thousands=".")
    >>> df["id"].tolist(), df["amount"].tolist()
    (['007'], [1234.5])
    """
    # pandas would apply decimal/thousands to every column and give up on a whole column at
    # one value it cannot parse: with a number format set, numbers are converted here instead.
    spelling = Spelling(decimal, thousands)
    codec = normalise_encoding(encoding, label)
    _check_options(sep, decimal, thousands, label)
    try:
        gz = is_gzip(path)
        head, at_eof = _read_head(path, max_uncompressed_bytes, label)
    except _READ_ERRORS as exc:
        raise SourceError(f"{label}: cannot read the file: {exc}") from exc
    if not head:
        raise EmptyInputError(f"{label}: file is empty (0 bytes after decompression)")
    try:
        text = _decode_head(head, codec, at_eof)
    except UnicodeError as exc:
        raise decode_error(path, codec, label) from exc
    _refuse_nul(text, head, label)
    delimiter = sep if sep is not None else sniff_delimiter(text)
    names = clean_names(_header(text, delimiter, label), label)
    options: dict[str, Any] = {
        "sep": delimiter,
        "engine": "c",
        "header": 0,
        "names": names,
        "index_col": False,
        "dtype": {
            name: ID_DTYPE if name in id_columns else str
            for name in names
            if as_text or name in id_columns
        },
        "encoding": codec,
        "encoding_errors": "strict",
        "compression": None,
        "quotechar": '"',
        "doublequote": True,
        "skip_blank_lines": True,
    }
    read = _Reader(path, gz, max_uncompressed_bytes, label, codec, delimiter)
    frame = read(options)
    if spelling != PLAIN and not as_text:
        # Integers read alike in every spelling, and text stays as written; a column pandas
        # read as floats ('1.234', or blanks) is read again as written, to be judged alike.
        floats = [
            name
            for name in frame.columns
            if name not in id_columns and pd.api.types.is_float_dtype(frame[name].dtype)
        ]
        if floats:
            written = read({**options, "usecols": floats, "dtype": dict.fromkeys(floats, str)})
            frame[floats] = written[floats]
    _refuse_nul_values(frame, label)
    if spelling != PLAIN and not as_text:
        frame = convert_numbers(frame, spelling, currency_symbols, label=label, skip=id_columns)
    return frame


@dataclass(frozen=True)
class _Reader:
    """One file parsed by pandas with given options, every failure a message naming the line."""

    path: Path
    gz: bool
    max_bytes: int
    label: str
    codec: str
    delimiter: str

    def __call__(self, options: dict[str, Any]) -> pd.DataFrame:
        try:
            return _parse(self.path, self.gz, self.max_bytes, self.label, options)
        except UnicodeError as exc:
            raise decode_error(self.path, self.codec, self.label) from exc
        except pd.errors.EmptyDataError as exc:
            raise EmptyInputError(f"{self.label}: file has no header and no data") from exc
        except (pd.errors.ParserError, pd.errors.ParserWarning) as exc:
            raise _parse_error(
                self.path, self.codec, self.delimiter, len(options["names"]), self.label, str(exc)
            ) from exc
        except _READ_ERRORS as exc:
            raise SourceError(f"{self.label}: cannot read the file: {exc}") from exc
        except _PARSE_ERRORS as exc:
            raise SourceError(f"{self.label}: cannot parse as delimited text: {exc}") from exc


def _parse(
    path: Path, gz: bool, max_bytes: int, label: str, options: dict[str, Any]
) -> pd.DataFrame:
    """Run pandas' C parser, turning its silent-data-loss warnings into decisions.

    A ParserWarning means every row has more fields than the header and pandas would drop the
    extra ones: it is raised, to be reported as the ragged-row error it is. A DtypeWarning
    means the chunked parse typed parts of a column differently (ints here, text there): the
    file is parsed again in one piece, which is slower and uses more memory, so it is not the
    default. Gzip content is handed to pandas as a stream whose decompressed bytes are
    counted (a bomb stops at ``max_bytes``); pandas' own gzip support counts nothing.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("error", pd.errors.ParserWarning)
        warnings.simplefilter("error", pd.errors.DtypeWarning)
        try:
            return _parse_once(path, gz, max_bytes, label, options)
        except pd.errors.DtypeWarning:
            return _parse_once(path, gz, max_bytes, label, {**options, "low_memory": False})


def _parse_once(
    path: Path, gz: bool, max_bytes: int, label: str, options: dict[str, Any]
) -> pd.DataFrame:
    if not gz:
        return pd.read_csv(path, **options)
    with open_binary(path, max_bytes, label) as fh:
        return pd.read_csv(fh, **options)


def sniff_delimiter(text: str) -> str:
    """Pick the delimiter among :data:`CANDIDATE_SEPARATORS` that splits ``text`` most evenly.

    A candidate wins when every record has the header's field count and that count is above
    one; among those the one giving more fields wins, then the earlier candidate. Written here
    because :class:`csv.Sniffer` ranks by character frequency and takes the comma of a decimal
    comma for the delimiter.

    Examples
    --------
    >>> sniff_delimiter("id;amount\\n1;1.234,50\\n2;7,00\\n")
    ';'
    >>> sniff_delimiter("id\\n1\\n")
    ','
    """
    best = CANDIDATE_SEPARATORS[0]
    best_key: tuple[bool, bool, float, int, int] | None = None
    for order, candidate in enumerate(CANDIDATE_SEPARATORS):
        counts = _field_counts(text, candidate)
        if not counts:
            continue
        header = counts[0]
        share = sum(c == header for c in counts) / len(counts)
        key = (share == 1.0 and header > 1, header > 1, share, header, -order)
        if best_key is None or key > best_key:
            best, best_key = candidate, key
    return best


def _field_counts(text: str, delimiter: str) -> list[int]:
    counts: list[int] = []
    try:
        for record in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
            if record:
                counts.append(len(record))
            if len(counts) >= _SNIFF_RECORDS:
                break
    except csv.Error:
        pass  # a head the csv module cannot split is judged on what it split so far
    return counts


def _check_options(sep: str | None, decimal: str, thousands: str | None, label: str) -> None:
    if sep is not None and (len(sep) != 1 or sep in '"\r\n'):
        raise SourceError(f"{label}: sep must be one character other than a quote, got {sep!r}")
    if len(decimal) != 1:
        raise SourceError(f"{label}: decimal must be one character, got {decimal!r}")
    if thousands is not None and len(thousands) != 1:
        raise SourceError(f"{label}: thousands must be one character, got {thousands!r}")
    if thousands == decimal:
        raise SourceError(f"{label}: decimal and thousands are both {decimal!r}")
    if sep is not None and sep in (decimal, thousands):
        raise SourceError(f"{label}: sep {sep!r} is also the decimal or thousands separator")


def _read_head(path: Path, max_bytes: int, label: str) -> tuple[bytes, bool]:
    """Return the first bytes of the (decompressed) file and whether they are all of it."""
    with open_binary(path, max_bytes, label) as fh:
        head = fh.read(_HEAD_BYTES)
        # The header must be complete to be parsed; grow the head for very wide headers.
        while b"\n" not in head and b"\r" not in head and len(head) < _MAX_HEADER_BYTES:
            more = fh.read(_HEAD_BYTES)
            if not more:
                return head, True
            head += more
        at_eof = not fh.read(1)
    return head, at_eof


def _decode_head(head: bytes, codec: str, at_eof: bool) -> str:
    text = head.decode(codec, errors="replace")
    if not at_eof:
        # The last line may be cut in the middle (even in a multi-byte character).
        cut = max(text.rfind("\n"), text.rfind("\r"))
        if cut > 0:
            text = text[: cut + 1]
    return text.removeprefix("\ufeff")


def _header(text: str, delimiter: str, label: str) -> list[str]:
    try:
        for record in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
            if record:
                return record
    except csv.Error as exc:
        raise SourceError(f"{label}: cannot parse the header line: {exc}") from exc
    raise EmptyInputError(f"{label}: file has no header (only blank lines)")


def _refuse_nul(text: str, raw: bytes, label: str) -> None:
    at = text.find("\x00")
    if at < 0:
        return
    line = text.count("\n", 0, at) + 1
    offset = raw.find(b"\x00")
    where = f"byte offset {offset}, line {line}" if offset >= 0 else f"line {line}"
    raise SourceError(
        f"{label}: NUL byte at {where}: this looks like a binary or UTF-16 file, not text "
        "in the expected encoding (set encoding= if it is UTF-16)"
    )


def _refuse_nul_values(frame: pd.DataFrame, label: str) -> None:
    """Refuse NUL characters past the sniffed head (pandas keeps them inside strings)."""
    for name in frame.columns:
        column = frame[name]
        if not pd.api.types.is_string_dtype(column.dtype):
            continue
        if not isinstance(column.dtype, pd.StringDtype):
            column = column.astype(ID_DTYPE)
        hits = column.str.contains("\x00", regex=False).fillna(False)
        if hits.any():
            row = int(hits.to_numpy().argmax()) + 1
            raise SourceError(
                f"{label}: column {name!r}, data row {row}: value holds a NUL byte "
                "(binary data or a UTF-16 file read with the wrong encoding)"
            )


def _parse_error(
    path: Path, codec: str, delimiter: str, n_fields: int, label: str, message: str
) -> SourceError:
    """Turn a pandas parser failure into an error naming the physical line.

    pandas counts records, not lines, so the file is scanned again with the csv module (only
    on this failure path) to find the line where the offending record starts.
    """
    message = re.sub(r"^Error tokenizing data\. C error: ", "", message).strip()
    try:
        ragged, last_start = _scan_records(path, codec, delimiter, n_fields)
    except (*_READ_ERRORS, csv.Error, UnicodeError):
        ragged, last_start = None, None
    if ragged is not None:
        line, count, value = ragged
        return SourceError(
            f"{label}: line {line} has {count} fields but the header has {n_fields} "
            f"(delimiter {delimiter!r}): {value!r}"
        )
    if "EOF inside string" in message and last_start is not None:
        return SourceError(f"{label}: line {last_start}: a quoted field is never closed")
    return SourceError(f"{label}: cannot parse as delimited text: {message}")


def _scan_records(
    path: Path, codec: str, delimiter: str, n_fields: int
) -> tuple[tuple[int, int, str] | None, int | None]:
    """Return the first record longer than the header and the start line of the last record."""
    last_end = 0
    last_start: int | None = None
    with io.TextIOWrapper(open_binary(path), encoding=codec, errors="replace", newline="") as fh:
        reader = csv.reader(fh, delimiter=delimiter)
        for record in reader:
            start, last_end = last_end + 1, reader.line_num
            if not record:
                continue
            # The first record (last_start still None) is the header itself.
            if last_start is not None and len(record) > n_fields:
                return (start, len(record), delimiter.join(record)[:80]), start
            last_start = start
    return None, last_start
