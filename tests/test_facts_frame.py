"""facts_in_force's sums, with each month's name shared by its rows, are the frame it made
before (kept here as the reference): same values, dtypes, order and index."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from xltrack import store
from xltrack.monthly import MonthResult
from xltrack.store import _FOR_SUMS, _MONTHS, _SLOT, _frame


def _sums_before(conn: store.Connection, period: str) -> pd.DataFrame:
    sums = _frame(conn.execute(_FOR_SUMS, (period,)))
    columns = [*_SLOT, "month", "amount", "period", "revision", "received_at"]
    if sums.empty:
        return sums[columns]
    keys = [*_SLOT, "period", "revision", "received_at"]
    parts = [sums.loc[sums.month.notna(), columns]]
    years = sums[sums.year.notna()]
    year_text = years.year.astype("int64").map("{:04d}".format)
    for key in _MONTHS if not years.empty else ():
        has = years[key].notna()
        parts.append(years.loc[has, keys].assign(month=year_text[has] + "-" + key[1:],
                                                 amount=years.loc[has, key]))
    return pd.concat(parts, ignore_index=True)[columns]


@pytest.mark.parametrize("period", ["2026-10", "2026-03", "2025-12", "2000-01"])
def test_sums_are_the_frame_made_before(demo_month: MonthResult, period: str) -> None:
    with store.open_store(demo_month.db) as conn:
        now, before = store.facts_in_force(conn, period, origins=False), _sums_before(conn,
                                                                                   period)
    pd.testing.assert_frame_equal(now, before, check_exact=True)
    assert list(now.dtypes) == list(before.dtypes)
    if period >= "2026-01":
        assert now.month.str.match(r"\d{4}-\d{2}$").all() and len(now) > 100


def test_an_empty_history_gives_the_same_empty_frame(tmp_path: Path) -> None:
    with store.open_store(tmp_path / "h.sqlite") as conn:
        now, before = store.facts_in_force(conn, "2026-10", origins=False), _sums_before(
            conn, "2026-10")
    pd.testing.assert_frame_equal(now, before, check_exact=True)
