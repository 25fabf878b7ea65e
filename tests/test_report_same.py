"""The report's faster ways give what the slower ones gave (issue 22): the S-curves from one
groupby for all the cards against a groupby per card, the chart data written from the curves'
columns against a dict per row, and the printed width of ASCII text counted as its length
against the width of each character. The old ways are kept here as the references."""

from __future__ import annotations

import datetime as dt
import random
import unicodedata
import zipfile
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xltrack.consolidate import ACTUAL, INVESTMENT, PLAN, indicator_tables, select_facts
from xltrack.monthly import MonthResult
from xltrack.report import monitoring
from xltrack.report.cells import text_width
from xltrack.report.monitoring import CHART_DATA, WAN
from xltrack.report.publish import publish_report
from xltrack.report.report_data import ReportData, _curve, _monthly_sums, build_report_data

_COLUMNS = ["month", "plan", "actual", "earned"]


def _curve_per_card(facts: pd.DataFrame, period: str) -> pd.DataFrame:
    """report_data._curve before issue 22 (without the earned value, which is unchanged)."""
    if facts.empty:
        return pd.DataFrame(columns=_COLUMNS)
    plan = facts[facts.basis == PLAN].groupby("month").amount.sum()
    actual = facts[facts.basis == ACTUAL].groupby("month").amount.sum()
    months = sorted(set(plan.index) | set(actual.index))
    spent = actual.reindex(months, fill_value=0.0).cumsum().to_list()
    return pd.DataFrame({
        "month": months, "plan": plan.reindex(months, fill_value=0.0).cumsum().to_list(),
        "actual": [float("nan") if month > period else a
                   for month, a in zip(months, spent, strict=True)],
        "earned": [None] * len(months)})


def _same(facts: pd.DataFrame, period: str) -> int:
    sums = _monthly_sums(facts)
    for project, mine in dict(tuple(facts.groupby("project", sort=False))).items():
        pd.testing.assert_frame_equal(_curve(sums.get(project), [], None, period, None),
                                      _curve_per_card(mine, period), check_exact=True)
    assert set(sums) == set(facts.project)
    return len(sums)


def test_the_demo_months_curves_are_the_same(demo_month: MonthResult) -> None:
    facts = demo_month.facts
    facts = facts[facts.tbl.isin(indicator_tables(INVESTMENT))]
    chosen = select_facts(facts, demo_month.period)
    assert _same(chosen[chosen.indicator == INVESTMENT], demo_month.period) > 5
    pd.testing.assert_frame_equal(_curve(None, [], None, "2026-10", None),
                                  _curve_per_card(chosen.iloc[:0], "2026-10"))


@pytest.mark.parametrize("seed", range(20))
def test_sums_of_awkward_amounts_in_any_order_are_the_same(seed: int) -> None:
    """Amounts whose float sums depend on the order and the method (cents, huge and tiny),
    rows shuffled, other bases mixed in, a project with neither plan nor actual."""
    rng = random.Random(seed)
    rows: list[dict[str, Any]] = []
    for _ in range(rng.randint(1, 400)):
        amount = rng.choice([rng.uniform(-1e9, 1e9), round(rng.uniform(0, 1e7), 2), 0.1, 1e16,
                             -1e16, 3e-3, float("nan")])
        rows.append({"project": f"P{rng.randint(1, 6)}", "amount": amount,
                     "basis": rng.choice([PLAN, ACTUAL, ACTUAL, "forecast"]),
                     "month": f"2026-{rng.randint(1, 12):02d}"})
    rows.append({"project": "P9", "amount": 5.0, "basis": "forecast", "month": "2026-01"})
    _same(pd.DataFrame(rows), f"2026-{rng.randint(1, 12):02d}")


def _s_curve_dict_per_row(wb: Any, ws: Any, chart_data: Any, card: Any, column: int,
                         row: int) -> int:
    """monitoring._s_curve before issue 22: the curve's rows as dicts."""
    if card.curve.empty:
        return column
    chart_data.write_string(0, column, card.project)
    names = ("month", "plan", "actual", "earned")
    for c, name in enumerate(names):
        chart_data.write_string(1, column + c, name)
    for r, record in enumerate(card.curve.to_dict("records"), start=2):
        chart_data.write_string(r, column, record["month"])
        for c, name in enumerate(names[1:], start=1):
            if record[name] is not None and not pd.isna(record[name]):
                chart_data.write_number(r, column + c, record[name] / WAN)
    last = len(card.curve) + 1
    chart = wb.add_chart({"type": "line"})
    for c, label in ((1, "累计预算 PV"), (2, "累计实际 AC"), (3, "挣值 EV")):
        chart.add_series({"name": label,
                          "categories": [CHART_DATA, 2, column, last, column],
                          "values": [CHART_DATA, 2, column + c, last, column + c]})
    chart.set_title({"name": f"{card.project} S 曲线 (万元)", "name_font": {"size": 10}})
    chart.set_legend({"position": "bottom"})
    chart.set_size({"width": 560, "height": 250})
    ws.insert_chart(row, 0, chart)
    return column + len(names) + 1


def _parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as package:  # the core properties carry the time of writing
        return {n: package.read(n) for n in package.namelist() if n != "docProps/core.xml"}


def test_the_report_is_the_one_the_dict_per_row_s_curves_wrote(demo_month: MonthResult,
                                                                 tmp_path: Path) -> None:
    """Every part of the monitoring report (the chart data, the charts, every sheet), byte
    for byte, against the report written with the S-curves' data taken a dict per row."""
    run_time = dt.datetime(2026, 11, 3, 9, 0, tzinfo=dt.UTC)
    publish_report(demo_month, tmp_path / "fast.xlsx", run_time, zone=dt.UTC)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(monitoring, "_s_curve", _s_curve_dict_per_row)
        publish_report(demo_month, tmp_path / "before.xlsx", run_time, zone=dt.UTC)
    fast, before = _parts(tmp_path / "fast.xlsx"), _parts(tmp_path / "before.xlsx")
    assert sum(n.startswith("xl/charts/") for n in fast) > 3  # S-curves were written
    assert fast == before


@settings(max_examples=300)
@given(text=st.one_of(st.text(), st.text(alphabet=st.characters(max_codepoint=127))))
def test_text_width_is_the_east_asian_width_count(text: str) -> None:
    assert text_width(text) == sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1
                                   for ch in text)


def _column_formats_with_head(frame: pd.DataFrame) -> dict[str, str]:
    """ReportData.column_formats before issue 22 (the first 50 values by Series.head)."""
    kinds = {}
    for column in frame.columns:
        name = str(column)
        if "(万元)" in name:
            kinds[column] = "wan"
        elif "%" in name:
            kinds[column] = "pct"
        elif "天" in name or "月数" in name:
            kinds[column] = "int"
        elif any(isinstance(v, dt.date) for v in frame[column].head(50)):
            kinds[column] = "date"
    return kinds


def test_column_formats_are_those_found_with_head(demo_month: MonthResult) -> None:
    """On every frame of the demo month's report and on a frame of awkward columns: dates as
    objects, as datetime64 (pandas gives Timestamps, which are dates), a date after the 50th
    row, text, numbers and blanks."""
    data = build_report_data(demo_month, dt.datetime(2026, 11, 3, tzinfo=dt.UTC), None, "zh",
                             dt.UTC)
    frames = [v for v in vars(data).values() if isinstance(v, pd.DataFrame)]
    frames += [card.curve for card in data.cards]
    late = [None] * 60 + [dt.date(2026, 1, 1)]
    frames.append(pd.DataFrame({
        "a": [dt.date(2026, 1, 2)] * 61, "b": pd.to_datetime(["2026-01-02"] * 61),
        "c": late, "d": ["x"] * 61, "e": [1.5] * 61, "f": [None] * 61,
        "金额 (万元)": [1.0] * 61, "延误天数": [None] * 61}))
    assert len(frames) > 5
    for frame in frames:
        assert ReportData.column_formats(frame) == _column_formats_with_head(frame)
