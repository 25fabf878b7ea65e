"""table_reader's amounts to the cent: the column-wide cents_all against to_cents, one by one,
and both against the typed decimal rounded half up."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from hypothesis import example, given, settings
from hypothesis import strategies as st

from xltrack.table_reader import cents_all, to_cents

_FACTORS = st.sampled_from([1, 10_000])
# Amounts as people type them: up to 7 decimals (万元 with fractions of a cent), any size.
_TYPED = st.builds(lambda units, places: float(Decimal(units).scaleb(-places)),
                   st.integers(-10**15, 10**15), st.integers(0, 7))


def _half_up(value: float, factor: int) -> float:
    exact = (Decimal(repr(value)) * factor).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return float(exact) + 0.0


@settings(max_examples=3_000, deadline=None)
@given(st.lists(st.one_of(_TYPED, st.floats(), st.none()), max_size=30), _FACTORS)
@example([0.0050005, -0.0050005, 0.005, -0.005, 0.015, 2.675, 1.005, -0.0, -1e-9, 1e15,
          float("inf"), float("nan"), None, 123456789.125, 0.125], 1)
@example([0.0050005, 0.0000005, 1.2345678, -0.0000015, 0.000001], 10_000)
def test_cents_all_is_to_cents_for_each_amount(values: list[float | None], factor: int) -> None:
    expected = [None if v is None else to_cents(v, factor) for v in values]
    assert [repr(v) for v in cents_all(values, factor)] == [repr(v) for v in expected]


@settings(max_examples=3_000, deadline=None)
@given(st.lists(_TYPED, min_size=1, max_size=30), _FACTORS)
@example([0.005, -0.005, 2.675, 1.005, 0.0050005, 1e14 + 0.005], 1)
@example([0.0000005, 0.0050005, -0.0000015], 10_000)
def test_cents_all_rounds_the_typed_decimal_half_up(values: list[float], factor: int) -> None:
    """Below 1e15 yuan: beyond, an amount is left as it is, for the bound check to refuse."""
    values = [v for v in values if abs(v * factor) < 1e15]
    assert [repr(v) for v in cents_all(values, factor)] == [
        repr(_half_up(v, factor)) for v in values]
