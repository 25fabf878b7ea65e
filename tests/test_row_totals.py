"""table_reader.row_totals, a table row's recomputed total, against the sum it replaced: the
same figure to the bit (and the same type) for any months, blanks, zeros and odd floats."""

from __future__ import annotations

from hypothesis import example, given, settings
from hypothesis import strategies as st

from xltrack.table_reader import row_totals

_MONTH = st.one_of(st.none(), st.floats(), st.sampled_from([0.0, -0.0, 0.1, 0.2, 1e16, -1e16]),
                   st.floats(-1e12, 1e12).map(lambda v: round(v, 2)))


@settings(max_examples=3_000, deadline=None)
@given(st.integers(0, 6).flatmap(
    lambda n: st.lists(st.lists(_MONTH, min_size=n, max_size=n), min_size=1, max_size=13)))
@example([[-0.0], [-0.0]])
@example([[None], [0.0]])
@example([[1e16], [1.0], [-1e16]])
def test_row_totals_are_the_sums_they_replaced(months: list[list[float | None]]) -> None:
    before = [round(sum((v or 0.0) for v in values), 6) for values in zip(*months, strict=True)]
    after = row_totals(months)
    assert [(type(v), repr(v)) for v in after] == [(type(v), repr(v)) for v in before]
