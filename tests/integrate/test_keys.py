"""Customer-key canonicalisation (BAD_INPUTS #19, #20, #24)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from user_segmentation.integrate.keys import KeyReport, canonical_keys


def _ids(values: list[object]) -> pd.Series:
    return pd.Series(values, dtype="object")


def test_surrounding_whitespace_is_stripped_and_counted() -> None:
    out, report = canonical_keys(_ids([" 12346", "12346 ", "\t77\n", "abc"]))
    assert out.tolist() == ["12346", "12346", "77", "abc"]
    assert report.whitespace_stripped == 3
    assert report.missing == 0


def test_inner_whitespace_is_kept() -> None:
    out, _ = canonical_keys(_ids(["AB 12", " AB 12 "]))
    assert out.tolist() == ["AB 12", "AB 12"]


def test_float_suffix_dropped_when_every_id_is_integral_float_like() -> None:
    out, report = canonical_keys(_ids(["12346.0", " 7.0", "13.00", None, "-5.0"]))
    assert out.tolist() == ["12346", "7", "13", pd.NA, "-5"]
    assert report.float_suffix_dropped == 4
    assert report.missing == 1


def test_float_typed_column_with_a_blank_reads_back_as_its_integers() -> None:
    # A single blank makes an id column float64 upstream (#19): 12346 -> 12346.0.
    out, report = canonical_keys(pd.Series([12346.0, np.nan, 12.0]))
    assert out.tolist() == ["12346", pd.NA, "12"]
    assert report.float_suffix_dropped == 2
    assert report.missing == 1


def test_float_suffix_kept_when_one_id_is_not_float_like() -> None:
    out, report = canonical_keys(_ids(["12.0", "abc", "7"]))
    assert out.tolist() == ["12.0", "abc", "7"]
    assert report.float_suffix_dropped == 0


def test_float_suffix_kept_when_one_id_is_not_integral() -> None:
    out, report = canonical_keys(_ids(["12.0", "12.5"]))
    assert out.tolist() == ["12.0", "12.5"]
    assert report.float_suffix_dropped == 0


def test_leading_zeros_kept_by_default() -> None:
    out, report = canonical_keys(_ids(["007", "7", "0", "00"]))
    assert out.tolist() == ["007", "7", "0", "00"]
    assert report.leading_zeros_stripped == 0


def test_leading_zeros_stripped_on_request_and_zero_stays_zero() -> None:
    out, report = canonical_keys(
        _ids(["00100001", "007", "7", "0", "000", "a007", None]), leading_zeros="strip"
    )
    assert out.tolist() == ["100001", "7", "7", "0", "0", "a007", pd.NA]
    # "00100001", "007" and "000" changed; "0" and "a007" did not.
    assert report.leading_zeros_stripped == 3


def test_strip_leading_zeros_after_float_suffix() -> None:
    out, _ = canonical_keys(_ids(["0012.0", "0.0"]), leading_zeros="strip")
    assert out.tolist() == ["12", "0"]


@pytest.mark.parametrize(
    ("case", "expected", "changed"),
    [
        ("keep", ["abc", "ABC", "AbC", "12"], 0),
        ("upper", ["ABC", "ABC", "ABC", "12"], 2),
        ("lower", ["abc", "abc", "abc", "12"], 2),
    ],
)
def test_case_folding(case: str, expected: list[str], changed: int) -> None:
    out, report = canonical_keys(_ids(["abc", "ABC", "AbC", "12"]), case=case)  # type: ignore[arg-type]
    assert out.tolist() == expected
    assert report.case_changed == changed


def test_missing_and_blank_ids_are_counted_as_missing() -> None:
    out, report = canonical_keys(_ids(["1", None, "", "   ", np.nan, pd.NA, "2"]))
    assert out.isna().tolist() == [False, True, True, True, True, True, False]
    assert report.missing == 5
    # Only the whitespace-only value was changed by stripping ("" was already empty).
    assert report.whitespace_stripped == 1


def test_long_ids_kept_exactly_from_text() -> None:
    # Through float64 this id becomes ...568 (#20); as text it must stay exact.
    out, _ = canonical_keys(_ids(["12345678901234567", "00012345678901234567"]))
    assert out.tolist() == ["12345678901234567", "00012345678901234567"]


def test_long_ids_kept_exactly_from_int64() -> None:
    out, _ = canonical_keys(pd.Series([12345678901234567, 7], dtype="int64"))
    assert out.tolist() == ["12345678901234567", "7"]


def test_long_ids_with_float_suffix_kept_exactly() -> None:
    out, _ = canonical_keys(_ids(["12345678901234567.0", "1.0"]))
    assert out.tolist() == ["12345678901234567", "1"]


def test_long_padded_id_stripped_exactly() -> None:
    out, _ = canonical_keys(_ids(["0012345678901234567"]), leading_zeros="strip")
    assert out.tolist() == ["12345678901234567"]


def test_all_missing_column() -> None:
    out, report = canonical_keys(_ids([None, "", " "]))
    assert out.isna().all()
    assert report.missing == 3
    assert report.float_suffix_dropped == 0


def test_result_is_string_dtype_and_input_untouched() -> None:
    ids = _ids([" 1.0", "2.0"])
    before = ids.copy()
    out, _ = canonical_keys(ids, leading_zeros="strip", case="upper")
    assert out.dtype == "string"
    pd.testing.assert_series_equal(ids, before)


def test_report_as_dict() -> None:
    _, report = canonical_keys(_ids([" 01.0", None]), leading_zeros="strip")
    assert isinstance(report, KeyReport)
    assert report.as_dict() == {
        "missing": 1,
        "whitespace_stripped": 1,
        "float_suffix_dropped": 1,
        "leading_zeros_stripped": 1,
        "case_changed": 0,
    }
