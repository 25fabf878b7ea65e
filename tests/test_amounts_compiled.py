"""The compiled cents (xltrack/_amounts.c) against table_reader's cents in Python: the same
figures to the bit, None and every odd value included (tests/test_table_reader.py holds the
Python way to to_cents and to the typed decimal rounded half up)."""

from __future__ import annotations

import sys
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from xltrack import table_reader as tr

COMPILED = tr._compiled_cents

_FACTORS = st.sampled_from([1, 10_000])
# As typed (up to 7 decimals, any size), near half a cent, and any float at all.
_TYPED = st.builds(lambda units, places: float(Decimal(units).scaleb(-places)),
                   st.integers(-10**17, 10**17), st.integers(0, 7))
_NEAR_HALF = st.builds(lambda cents, nudge: (cents + 0.5) / 100 + nudge,
                       st.integers(-10**12, 10**12), st.sampled_from([0.0, 1e-9, -1e-9, 1e-12]))
_AMOUNTS = st.one_of(_TYPED, _NEAR_HALF, st.floats(), st.none(), st.integers(-10**16, 10**16),
                     st.booleans())


def test_the_compiled_cents_are_built_where_the_suite_runs() -> None:
    if sys.platform.startswith("linux"):
        assert COMPILED is not None, "xltrack/_amounts.c was not built: run make install"


def _both(values: list[Any], factor: int) -> tuple[list[str], list[str]]:
    if COMPILED is None:
        pytest.skip("xltrack/_amounts.c is not built here")
    compiled = COMPILED(values, factor, tr.to_cents)
    return [repr(v) for v in compiled], [repr(v) for v in tr.cents_in_python(values, factor)]


@settings(max_examples=5_000, deadline=None)
@given(st.lists(_AMOUNTS, max_size=40), _FACTORS)
@example([0.0050005, -0.0050005, 0.005, -0.005, 0.015, 2.675, 1.005, -0.0, -1e-9, -0.003,
          1e15, -1e15, 999999999999999.9, 1e17, float("inf"), -float("inf"), float("nan"),
          None, 123456789.125, 0.125, 5e-324, 1.7976931348623157e308, 3, -7, True, False], 1)
@example([0.0050005, 0.0000005, 1.2345678, -0.0000015, 0.000001, 1e11, 99999999999.99995,
          -0.00000001], 10_000)
def test_the_compiled_cents_are_the_python_cents(values: list[Any], factor: int) -> None:
    compiled, python = _both(values, factor)
    assert compiled == python


def test_a_value_the_python_way_refuses_is_refused_alike() -> None:
    """Never met (the column is typed first), but the same exception, not a wrong figure."""
    if COMPILED is None:
        pytest.skip("xltrack/_amounts.c is not built here")
    for odd in ("12", [1.0], object()):
        with pytest.raises(TypeError):
            tr.cents_in_python([1.0, odd], 1)
        with pytest.raises(TypeError):
            COMPILED([1.0, odd], 1, tr.to_cents)


def test_cents_all_uses_the_compiled_cents_where_built() -> None:
    if COMPILED is None:
        pytest.skip("xltrack/_amounts.c is not built here")
    calls: list[Any] = []

    def exact(value: Any, factor: int) -> float:
        calls.append(value)
        return tr.to_cents(value, factor)

    assert COMPILED([1.234, 0.005, None], 1, exact) == [1.23, 0.01, None]
    assert calls == [0.005]  # only the half cent went the exact way
    assert tr.cents_all([1.234, None], 10_000) == [12340.0, None]
