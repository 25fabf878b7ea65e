"""validate._all_well, the skip of a column with nothing to report, against the way it was
written before its steps moved to C (filter, map and set instead of a Python step per cell):
the same answer for every column, whatever its cells hold."""

from __future__ import annotations

import datetime as dt
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from xltrack import contract as c
from xltrack.validate import _all_well


def _before(col: c.Column, values: list[Any], allowed: set[str] | None) -> bool:
    present = [v for v in values if v is not None]
    if len(present) < len(values) and col.required:
        return False
    if any(v != v for v in present):
        return False
    if allowed is not None and not set(present) <= allowed:
        return False
    if present and (col.minimum is not None or col.maximum is not None):
        numbers = [v for v in present if isinstance(v, int | float)]
        if numbers and (col.minimum is not None and min(numbers) < col.minimum
                        or col.maximum is not None and max(numbers) > col.maximum):
            return False
    return True


_COLUMNS = [col for spec in c.TABLES for col in spec.columns if not col.computed]
_VALUES = st.one_of(st.none(), st.floats(), st.integers(-5, 3000), st.booleans(),
                    st.sampled_from(["", "A", "B", "金额", "C01"]), st.dates(dt.date(1999, 1, 1)))


@settings(max_examples=3_000, deadline=None)
@given(st.sampled_from(_COLUMNS), st.lists(_VALUES, max_size=12),
       st.sampled_from([None, {"A", "B"}, {"A", "金额", "C01"}]), st.booleans())
def test_all_well_answers_as_before(col: c.Column, values: list[Any],
                                    allowed: set[str] | None, numbers_only: bool) -> None:
    if numbers_only:  # the common column: every cell a number or blank
        values = [v for v in values if v is None or type(v) in (float, int)]
    try:
        expected: Any = _before(col, values, allowed)
    except TypeError as exc:  # dates against numbers: both refuse alike
        expected = type(exc)
    try:
        got: Any = _all_well(col, values, allowed)
    except TypeError as exc:
        got = type(exc)
    assert got == expected
