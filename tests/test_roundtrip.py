"""Every kind, in both languages and both units, filled and read back gives exactly what was
written: dates, amounts to the cent, Chinese text, leading zeros, formula-looking text."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
import pytest

from xltrack import contract as c
from xltrack.reader import ROW, read_submission

from .conftest import Fill

D = dt.date


def _rows() -> dict[str, list[dict[str, Any]]]:
    months = {k: round(1000.01 * i + 0.37, 2) for i, k in enumerate(c.MONTH_KEYS, start=1)}
    return {
        "Plan": [
            {"project_id": "RE01-P01", "milestone_id": "M01", "milestone": "开工（桩基）",
             "planned_start": D(2026, 1, 1), "planned_finish": D(2026, 3, 31),
             "weight_pct": 0.4, "key_milestone": "Y", "owner": "张伟"},
            {"project_id": "RE01-P01", "milestone_id": "M02", "milestone": "=主体封顶",
             "planned_start": D(2026, 4, 1), "planned_finish": D(2027, 2, 28),
             "weight_pct": 0.6, "key_milestone": "N", "owner": "李娜"}],
        "Budget": [
            {"project_id": "RE01-P01", "cost_code": "0101", "description": "土地出让金",
             "year": 2026, **months},
            {"project_id": "RE01-P01", "cost_code": "0201", "description": "+建安",
             "year": 2027, "m01": 0.01, "m12": 99_999_999.99}],
        "SalesForecast": [
            {"project_id": "RE01-P01", "product": "住宅", "measure": "AMOUNT", "year": 2026,
             **months},
            {"project_id": "RE01-P01", "product": "住宅", "measure": "AREA", "year": 2026,
             "m03": 1234.5}],
        "ActualCost": [
            {"project_id": "RE01-P01", "cost_code": "0101", "amount": 1234567.89,
             "remark": "@SUM(A1)"},
            {"project_id": "RE01-P01", "cost_code": "0201", "amount": -500.5,
             "remark": "冲销上月多计"}],
        "ActualSales": [
            {"project_id": "RE01-P01", "product": "车位", "measure": "UNITS", "amount": 12.0},
            {"project_id": "RE01-P01", "product": "住宅", "measure": "AMOUNT", "amount": 8.8}],
        "Progress": [
            {"project_id": "RE01-P01", "milestone_id": "M01", "actual_start": D(2026, 1, 5),
             "actual_finish": D(2026, 4, 2), "pct_complete": 1.0,
             "forecast_finish": D(2026, 4, 2), "status_note": "已完成，延误2天"}],
        "Issues": [
            {"project_id": "RE01-P01", "category": "成本", "description": "钢材涨价",
             "impact": "-3% 利润", "action": "锁价采购", "owner": "王强",
             "due_date": D(2026, 12, 31)}],
        "Explanations": [
            {"project_id": "RE01-P01", "indicator": "investment",
             "explanation": "地下室支护方案调整，详见附件。"}],
    }


def _expected(table: c.Table, rows: list[dict[str, Any]], unit: str) -> list[dict[str, Any]]:
    factor = c.UNIT_FACTOR[unit]
    out = []
    for row in rows:
        record: dict[str, Any] = {}
        money_row = row.get("measure", c.MONEY_MEASURE) == c.MONEY_MEASURE
        for col in table.columns:
            value = row.get(col.key)
            scaled = col.type is c.ColumnType.MONEY or (col.type is c.ColumnType.QUANTITY
                                                         and money_row)
            if value is not None and scaled:
                value = round(value * factor, 2)
            record[col.key] = value
        if "total" in table.keys:
            record["total"] = sum(record[k] or 0 for k in table.month_keys)
        out.append(record)
    return out


def _as_records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    records = frame.drop(columns=[ROW]).to_dict("records")
    return [{k: (None if isinstance(v, float) and pd.isna(v) else v) for k, v in r.items()}
            for r in records]


@pytest.mark.parametrize("unit", ["元", "万元"])
@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("kinds", [(k,) for k in c.Kind] + [c.PACK], ids=lambda k: "-".join(k))
def test_round_trip(fill: Fill, kinds: tuple[c.Kind, ...], lang: str, unit: str) -> None:
    rows = {t.name: _rows()[t.name] for t in c.tables_of(kinds)}
    path = fill(kinds, rows, lang=lang, unit=unit)
    sub = read_submission(path)
    assert sub.findings == []
    assert sub.kinds == kinds
    assert sub.header["xt_subsidiary"] == "RE01"
    assert sub.header["xt_period"] == "2026-10"
    assert sub.header["xt_prepared_on"] == D(2026, 11, 5)
    assert sub.header["xt_unit"] == unit
    for table in c.tables_of(kinds):
        got = _as_records(sub.tables[table.name].frame)
        want = _expected(table, rows[table.name], unit)
        for g, w in zip(got, want, strict=True):
            for key in w:
                if isinstance(w[key], float):
                    assert g[key] == pytest.approx(w[key], abs=0.001), (table.name, key)
                    assert round(g[key], 2) == round(w[key], 2)  # exact to the cent
                else:
                    assert g[key] == w[key], (table.name, key)


def test_origins_point_at_the_cells_written(fill: Fill) -> None:
    path = fill(c.Kind.MONTHLY, {"ActualCost": _rows()["ActualCost"]})
    cost = read_submission(path).tables["ActualCost"]
    rows = cost.frame[ROW].tolist()
    assert rows == [rows[0], rows[0] + 1]
    from openpyxl import load_workbook

    ws = load_workbook(path)[cost.sheet]
    assert ws[cost.cell("amount", rows[1])].value == -500.5
    assert ws[cost.cell("remark", rows[0])].value == "@SUM(A1)"
    assert ws[cost.cell("remark", rows[0])].data_type == "s"


def test_rows_beyond_the_blank_ones_belong_to_the_table(fill: Fill) -> None:
    many = [{"project_id": "RE01-P01", "cost_code": "0101", "amount": float(i),
             "remark": f"第{i}笔"} for i in range(75)]
    sub = read_submission(fill(c.Kind.MONTHLY, {"ActualCost": many}))
    assert sub.tables["ActualCost"].frame["amount"].tolist() == [float(i) for i in range(75)]
