"""Numbers.of and TableData.compact decide by the set of the column's types: the same as the
test of every value they replace (kept here as the reference)."""

from __future__ import annotations

from array import array
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from xltrack import contract as c
from xltrack.reader import ROW, Numbers, TableData


def _numbers_before(values: list[Any]) -> Numbers | None:
    if not all(v is None or type(v) is float and v == v for v in values):
        return None
    return Numbers(array("d", [float("nan") if v is None else v for v in values]))


class _Float(float):
    pass


VALUES = st.one_of(st.floats(), st.none(), st.sampled_from([0.0, -0.0, 1.5, float("inf")]),
                   st.integers(-3, 3), st.booleans(), st.text(max_size=2),
                   st.builds(_Float, st.floats(allow_nan=False)))


@settings(max_examples=500, deadline=None, derandomize=True)
@given(st.lists(VALUES, max_size=8) | st.lists(st.floats() | st.none(), max_size=8))
def test_numbers_of_decides_as_before(values: list[Any]) -> None:
    new, old = Numbers.of(values), _numbers_before(values)
    assert (new is None) is (old is None), values
    if new is not None and old is not None:
        assert new.doubles.tobytes() == old.doubles.tobytes()


@settings(max_examples=300, deadline=None, derandomize=True)
@given(st.lists(st.none() | st.text(max_size=2) | st.floats(allow_nan=False) | VALUES,
                max_size=6))
def test_compact_keeps_what_it_kept_before(values: list[Any]) -> None:
    table = TableData(c.TABLES_BY_NAME["Budget"], "s", {}, {"x": list(values), ROW: [1]})
    table.compact()
    compacted = table.columns["x"]
    reference = _numbers_before(values)
    if reference is not None:
        assert type(compacted) is Numbers
        assert compacted.doubles.tobytes() == reference.doubles.tobytes()
    elif all(v is None or type(v) is str for v in values):
        assert type(compacted) is list and compacted == values
    else:
        assert compacted == values
