"""What people really type is understood exactly, or refused with a reason — never NaN."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from xltrack import contract as c
from xltrack.models import Reason
from xltrack.values import (
    UNTYPED,
    Refused,
    is_blank,
    parse,
    parse_choice,
    parse_code,
    parse_date,
    parse_integer,
    parse_number,
    parse_percent,
    parse_period,
    type_column,
)


@pytest.mark.parametrize(("typed", "expected"), [
    (1234.5, 1234.5),
    ("1234.5", 1234.5),
    ("1,234.5", 1234.5),
    ("1,234,567.89", 1234567.89),
    ("１２３４．５", 1234.5),  # full width
    ("１，２３４．５", 1234.5),
    ("(123)", -123.0),
    ("（123）", -123.0),  # full-width brackets
    ("(1,234.50)", -1234.5),
    ("-1,234.5", -1234.5),
    ("1\u00a0234", 1234.0),  # non-breaking space as thousands separator
    ("1 234 567", 1234567.0),
    ("  42  ", 42.0),
    ("¥1,200.00", 1200.0),
    ("0.1", 0.1),
])
def test_numbers_people_type(typed: object, expected: float) -> None:
    assert parse_number(typed) == expected


@pytest.mark.parametrize("typed", ["1,2O0.00", "12,34", "1.2.3", "abc", "一百万", "1e5x", "",
                                   "--5", "12%", True, dt.date(2026, 1, 1), float("nan")])
def test_not_numbers_are_refused(typed: object) -> None:
    with pytest.raises(Refused) as refused:
        parse_number(typed)
    assert refused.value.reason is Reason.BAD_NUMBER
    assert refused.value.zh and refused.value.en


def test_percentages() -> None:
    assert parse_percent(0.25) == 0.25
    assert parse_percent("12%") == pytest.approx(0.12)
    assert parse_percent("１２．５％") == pytest.approx(0.125)
    assert parse_percent(1) == 1.0
    with pytest.raises(Refused) as refused:
        parse_percent(25)  # 25 typed into a percent column means 25%, not 2500%
    assert refused.value.reason is Reason.BAD_PERCENT


@pytest.mark.parametrize(("typed", "expected"), [
    (dt.date(2026, 10, 5), dt.date(2026, 10, 5)),
    (dt.datetime(2026, 10, 5, 13, 30), dt.date(2026, 10, 5)),
    ("2026-10-05", dt.date(2026, 10, 5)),
    ("2026/10/5", dt.date(2026, 10, 5)),
    ("2026.10.05", dt.date(2026, 10, 5)),
    ("2026年10月5日", dt.date(2026, 10, 5)),
    ("２０２６年１０月５日", dt.date(2026, 10, 5)),
    (46300, dt.date(2026, 10, 5)),  # a 1900-system serial typed into a general cell
    (1, dt.date(1900, 1, 1)),
])
def test_dates(typed: object, expected: dt.date) -> None:
    assert parse_date(typed) == expected


def test_1904_serials() -> None:
    assert parse_date(44838, date1904=True) == dt.date(2026, 10, 5)
    assert parse_date(0, date1904=True) == dt.date(1904, 1, 1)
    assert parse_date(59) == dt.date(1900, 2, 28)
    assert parse_date(61) == dt.date(1900, 3, 1)
    with pytest.raises(Refused):
        parse_date(60)  # 1900-02-29 never existed


@pytest.mark.parametrize("typed", ["2026年10月", "2026-10", "05/10/2026", "10/5/26", "2026-13-01",
                                   "2026-02-30", -5, 0, 3_000_000, "soon", dt.time(3, 0)])
def test_ambiguous_or_impossible_dates_are_refused(typed: object) -> None:
    with pytest.raises(Refused) as refused:
        parse_date(typed)
    assert refused.value.reason is Reason.BAD_DATE


@pytest.mark.parametrize(("typed", "expected"), [
    ("2026-10", "2026-10"), ("2026年10月", "2026-10"), ("2026/1", "2026-01"),
    ("２０２６－１０", "2026-10"), (dt.date(2026, 10, 1), "2026-10"),
])
def test_periods(typed: object, expected: str) -> None:
    assert parse_period(typed) == expected


@pytest.mark.parametrize("typed", ["2026-13", "10/2026", "202610", 2026.1])
def test_bad_periods(typed: object) -> None:
    with pytest.raises(Refused) as refused:
        parse_period(typed)
    assert refused.value.reason is Reason.BAD_PERIOD


def test_codes_keep_leading_zeros_and_integers_are_whole() -> None:
    assert parse_code("0101") == "0101"
    assert parse_code(101.0) == "101"
    assert parse_integer("2026年") == 2026
    assert parse_integer(2026.0) == 2026
    with pytest.raises(Refused):
        parse_integer(2026.5)


def test_choices_are_case_insensitive_and_flags_understand_chinese() -> None:
    assert parse_choice("amount", ("AMOUNT", "AREA", "UNITS")) == "AMOUNT"
    assert parse_choice("是", ("Y", "N")) == "Y"
    assert parse_choice("no", ("Y", "N")) == "N"
    with pytest.raises(Refused) as refused:
        parse_choice("maybe", ("Y", "N"))
    assert refused.value.reason is Reason.BAD_CHOICE


# Cells as calamine gives them: numbers (odd ones too), text of every kind, dates, blanks.
_CELLS = st.one_of(
    st.floats(), st.floats(-200, 200), st.sampled_from([0.25, 1.0, 1.5, 25.0, 100.0, 2026.0]),
    st.integers(-10**6, 10**6), st.booleans(), st.just(""), st.none(),
    st.sampled_from(["  ", "\u3000", " 007 ", "１２３", "(1,234.50)", "25%", "AMOUNT", "y", "是",
                     "2026-10-05", "2026年10月", "¥12", "nan", "inf", "=1+2"]),
    st.text(max_size=6), st.dates(), st.datetimes(), st.times())


@pytest.mark.parametrize("column_type", list(c.ColumnType))
@given(cells=st.lists(_CELLS, max_size=30))
@example(cells=["１２３", "ﬁ", "\u3000", " 007 ", 50.0, 25.0, 0.5, 2026.0, 2026.5, float("nan"),
                float("inf"), True, 7, dt.datetime(2026, 1, 2, 12), dt.date(2026, 1, 2), ""])
def test_a_column_typed_at_once_agrees_with_each_cell_parsed(column_type: c.ColumnType,
                                                             cells: list[object]) -> None:
    """The reader types whole columns in one pass and leaves only the odd cells to parse():
    every cell the fast pass settles must come out exactly as parse() makes it."""
    allowed = ("AMOUNT", "AREA") if column_type is c.ColumnType.CHOICE else c.FLAGS
    for cell, typed in zip(cells, type_column(column_type, cells), strict=True):
        if typed is UNTYPED:
            continue
        expected = None if is_blank(cell) else parse(column_type, cell, allowed)
        assert typed == expected and type(typed) is type(expected), (cell, typed, expected)


@pytest.mark.parametrize(("typed", "expected"), [
    ("(-5,000.00)", -5000.0),  # the minus and the brackets say it once, not twice
    ("（－５，０００．００）", -5000.0),
    ("－１２３", -123.0),  # a full-width minus
    ("￥1,200", 1200.0),
])
def test_negative_and_full_width_amounts(typed: str, expected: float) -> None:
    assert parse_number(typed) == expected


@pytest.mark.parametrize("typed", ["5000¹", "⑤", "５０⁰", "½", "-(5)", "(--5)", "(+5)", "+-5",
                                   "- -5", "1٢3", "5000²"])
def test_superscripts_circled_digits_and_double_negatives_are_refused(typed: str) -> None:
    """NFKC would read 5000¹ as 50001 and ⑤ as 5: only the documented forms are amounts."""
    with pytest.raises(Refused) as refused:
        parse_number(typed)
    assert refused.value.reason is Reason.BAD_NUMBER


def test_full_width_percent() -> None:
    assert parse_percent("１２％") == pytest.approx(0.12)
