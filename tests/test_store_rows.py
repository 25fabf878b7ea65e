"""The rows a table becomes in the history, made column by column (store_rows), equal the rows
the store made one by one before (kept here as the reference), to the byte."""

from __future__ import annotations

import datetime as dt
import json
import pickle
from typing import Any

import pytest

from xltrack import contract as c
from xltrack.reader import ROW, TableData
from xltrack.settings import Register
from xltrack.store_rows import AMOUNTS, amount_rows, record_rows
from xltrack.workers import examine

from .conftest import Fill, cost_row

# --- the reference: the store's row building as it was, one row at a time ----------------


def _records_before(sub_id: int, data: TableData) -> list[tuple[Any, ...]]:
    amounts = ({*data.spec.month_keys, "amount", "total"} if data.spec.name in AMOUNTS
               else set())
    keys = [k for k in data.columns if k != ROW and k not in amounts]
    dates = {col.key for col in data.spec.columns if col.type is c.ColumnType.DATE}
    columns = [[None if v is None else v.isoformat() for v in data.columns[k]] if k in dates
               else data.columns[k] for k in keys]
    dumps = json.JSONEncoder(ensure_ascii=False).encode
    projects = data.columns.get("project_id") or [None] * len(data)
    return [(sub_id, data.spec.name, excel_row, project,
             dumps(dict(zip(keys, values, strict=True))))
            for excel_row, project, *values in zip(data.columns[ROW], projects, *columns,
                                                   strict=True)]


def _amounts_before(sub_id: int, data: TableData, period: str) -> list[tuple[Any, ...]]:
    item_keys, measure_key = AMOUNTS[data.spec.name]
    columns = data.columns
    items = ["|".join(str(v) for v in values)
             for values in zip(*(columns[k] for k in item_keys), strict=True)]
    measures = ([str(m) for m in columns[measure_key]] if measure_key
                else [c.MONEY_MEASURE] * len(data))
    fixed = (sub_id, data.spec.name)
    if data.spec.month_keys:
        letters = "".join(f"{data.letters[k]:<3}" for k in c.MONTH_KEYS)
        months = [columns[k] for k in c.MONTH_KEYS]
        return [(*fixed, project, item, measure, data.sheet, excel_row, int(year), letters,
                 *amounts)
                for project, item, measure, excel_row, year, *amounts in zip(
                    columns["project_id"], items, measures, columns[ROW], columns["year"],
                    *months, strict=True)
                if any(a is not None for a in amounts)]
    letter = data.letters["amount"]
    return [(*fixed, project, item, measure, data.sheet, excel_row, period, letter, amount)
            for project, item, measure, excel_row, amount in zip(
                columns["project_id"], items, measures, columns[ROW], columns["amount"],
                strict=True) if amount is not None]


# --- the comparison -----------------------------------------------------------------------


def _same_rows(data: TableData) -> None:
    for table in (data, pickle.loads(pickle.dumps(data))):  # as read, and compacted
        if table is not data:
            table.compact()
        got, want = record_rows(7, table), _records_before(7, table)
        assert got == want
        assert [type(v) for row in got for v in row] == [type(v) for row in want for v in row]
        if table.spec.name in AMOUNTS:
            got, want = amount_rows(7, table, "2026-10"), _amounts_before(7, table, "2026-10")
            assert got == want
            # equal is not enough: -0.0 == 0.0, 1 == 1.0; the history keeps the types
            assert [(type(v), repr(v)) for row in got for v in row] == [
                (type(v), repr(v)) for row in want for v in row]


_ODD_TEXT = ["plain", "引号\"与\\反斜杠", "tab\tnew\nline", "%s %d %%", "emoji 🏗", "\x00\x1f",
             "\u2028", "", None]


def _table(name: str, columns: dict[str, list[Any]]) -> TableData:
    spec = c.TABLES_BY_NAME[name]
    n = len(next(iter(columns.values())))
    letters = {col.key: chr(ord("B") + i) for i, col in enumerate(spec.columns)}
    return TableData(spec, "表", letters, {**columns, ROW: list(range(5, 5 + n))})


def test_odd_values_make_the_same_records_and_amounts() -> None:
    n = len(_ODD_TEXT)
    day = dt.date(2026, 2, 29 - 1)
    months = {key: [-0.0, None, 1e300, 0.1 + 0.2, 5e-324, None, 1.0, -2.5, None][:n]
              for key in c.MONTH_KEYS}
    months["m03"][1] = None  # row 1 has no amount at all: left out of `amounts`
    _same_rows(_table("Budget", {
        "project_id": ["RE01-P01"] * (n - 1) + [None], "cost_code": _ODD_TEXT,
        "description": list(reversed(_ODD_TEXT)), "year": [2026, 2027, 0, -1, 9999, 2026,
                                                           2026, 2026, 2026],
        **months, "total": [1.0] * n}))
    _same_rows(_table("SalesForecast", {
        "project_id": ["RE01-P01"] * n, "product": _ODD_TEXT, "measure": ["金额", "面积"] * 4
        + ["金额"], "year": [2026] * n, **months, "total": [None] * n}))
    _same_rows(_table("ActualCost", {
        "project_id": ["RE01-P01"] * n, "cost_code": ["0101"] * n,
        "amount": [1.5, None, -0.0, 0.0, 1e12, None, 3.0, 0.1, 2.0], "remark": _ODD_TEXT}))
    _same_rows(_table("Plan", {
        "project_id": ["RE01-P01"] * n, "milestone_id": [f"M{i:02d}" for i in range(n)],
        "milestone": _ODD_TEXT, "planned_start": [day] * (n - 1) + [None],
        "planned_finish": [dt.date(2027, 1, 1)] * n,
        "weight_pct": [0.5, None, -0.0, 1, True, float("inf"), float("nan"), 0.25, "x"],
        "key_milestone": ["Y"] * n, "owner": _ODD_TEXT}))
    _same_rows(_table("Progress", {
        "project_id": ["RE01-P01"] * n, "milestone_id": ["M01"] * n,
        "actual_start": [day] * n, "actual_finish": [None] * n,
        "pct_complete": [0.0, -0.0, 1e-7, 1 / 3, 0.5, 0.75, 1.0, 2.0, 1e16],
        "forecast_finish": [day] * n, "status_note": _ODD_TEXT}))
    for odd in (float("inf"), float("-inf"), float("nan")):  # floats only, one not finite
        _same_rows(_table("Progress", {
            "project_id": ["RE01-P01"] * 2, "milestone_id": ["M01"] * 2,
            "actual_start": [day] * 2, "actual_finish": [None] * 2, "pct_complete": [0.5, odd],
            "forecast_finish": [day] * 2, "status_note": ["", ""]}))
    _same_rows(_table("Issues", {key: [] for key in c.TABLES_BY_NAME["Issues"].keys}))


@pytest.mark.parametrize("kinds", [c.PACK, (c.Kind.MONTHLY,)], ids=["pack", "monthly"])
def test_a_filled_file_makes_the_same_rows(fill: Fill, register: Register,
                                           kinds: tuple[c.Kind, ...]) -> None:
    rows: dict[str, list[dict[str, object]]] = {
        "ActualCost": [cost_row(amount=1234.5, remark="首付款 %s"),
                       cost_row(code="0102", amount="0.1")]}
    if c.Kind.BUDGET in kinds:
        rows["Budget"] = [{"project_id": "RE01-P01", "cost_code": "0101", "description": "土地",
                           "year": 2026, "m01": 1.0, "m07": -0.0}]
    sub = examine(fill(kinds, rows), (register, "2026-10"))
    assert not sub.has_errors and sub.tables
    for data in sub.tables.values():
        _same_rows(data)
