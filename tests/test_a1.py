"""A1 references (xltrack/a1.py) agree with openpyxl's, which the reading path used before."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from openpyxl.utils.cell import (
    column_index_from_string,
    coordinate_from_string,
    get_column_letter,
    range_boundaries,
)

from xltrack.a1 import MAX_COLUMN, column_index, column_letter, range_bounds, split_cell

_PIECES = st.sampled_from(["A", "Z", "AA", "XFD", "ZZZ", "ZZZZ", "a", "b7", "$", ":", "0", "1",
                           "9", "42", "1048576", "", "!", " ", "٣", "-"])
_REFS = st.lists(_PIECES, max_size=6).map("".join)


def _outcome(f: object, arg: object) -> object:
    try:
        return f(arg)  # type: ignore[operator]
    except Exception:  # noqa: BLE001 - openpyxl refuses with its own exception types
        return "refused"


@given(st.integers(min_value=-5, max_value=MAX_COLUMN + 5))
def test_column_letters_round_trip_as_openpyxl(index: int) -> None:
    assert _outcome(column_letter, index) == _outcome(get_column_letter, index)
    if 1 <= index <= MAX_COLUMN:
        assert column_index(column_letter(index)) == index


@given(_REFS)
def test_references_read_and_refused_as_openpyxl(ref: str) -> None:
    assert _outcome(range_bounds, ref) == _outcome(range_boundaries, ref)
    assert _outcome(split_cell, ref) == _outcome(coordinate_from_string, ref)
    assert _outcome(column_index, ref) == _outcome(column_index_from_string, ref)


@pytest.mark.parametrize(("ref", "bounds"), [
    ("A1:Q64", (1, 1, 17, 64)), ("$B$3", (2, 3, 2, 3)), ("C:E", (3, None, 5, None)),
    ("2:9", (None, 2, None, 9))])
def test_range_bounds(ref: str, bounds: tuple[int | None, ...]) -> None:
    assert range_bounds(ref) == bounds


@pytest.mark.parametrize("bad", ["A1:B2:C3", "A1:B", "AAAA1", "A 1", "A1:"])
def test_malformed_ranges_raise_value_error(bad: str) -> None:
    with pytest.raises(ValueError):
        range_bounds(bad)

