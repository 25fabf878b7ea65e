"""The unit check's project totals, summed a row at a time over the row's values (units._totals),
equal the totals it summed before, a cell looked up at a time (kept here as the reference), to
the bit, and name the same first cells."""

from __future__ import annotations

import random
from collections.abc import Mapping
from typing import Any

import pytest

from xltrack import contract as c
from xltrack.demo import demo_register
from xltrack.reader import ROW, Numbers, TableData
from xltrack.settings import Project
from xltrack.units import _totals


def _totals_before(data: TableData, projects: Mapping[str, Project]
                   ) -> dict[str, tuple[float, str]]:
    totals: dict[str, tuple[float, str]] = {}
    measures = data.columns.get("measure") or [c.MONEY_MEASURE] * len(data)
    keys = data.spec.month_keys or ("amount",)
    for i, (project, measure) in enumerate(zip(data.columns["project_id"], measures,
                                               strict=True)):
        if project not in projects or measure != c.MONEY_MEASURE:
            continue
        amount = sum(v for k in keys if isinstance(v := data.columns[k][i], int | float))
        total, cell = totals.get(project, (0.0, data.cell(keys[0], data.columns[ROW][i])))
        totals[project] = (total + amount, cell)
    return totals


_PLAIN = [None, 0.0, -0.0, 0.1, 0.2, 1e300, -1e300, 5e-324, 1234.56, 1e16, 3.0]
_ODD = [*_PLAIN, 1, 0, True, False, "12", 10**20, float("inf"), float("nan")]


def _table(name: str, n: int, values: list[Any], rng: random.Random,
           ids: list[str]) -> TableData:
    spec = c.TABLES_BY_NAME[name]
    letters = {col.key: chr(ord("B") + i) for i, col in enumerate(spec.columns)}
    columns: dict[str, Any] = {key: [rng.choice(values) for _ in range(n)]
                               for key in (spec.month_keys or ("amount",))}
    columns["project_id"] = [rng.choice([*ids, "XX99-P99", None]) for _ in range(n)]
    if "measure" in spec.keys:
        columns["measure"] = [rng.choice([c.MONEY_MEASURE, c.MONEY_MEASURE, "面积"])
                              for _ in range(n)]
    columns[ROW] = list(range(5, 5 + n))
    return TableData(spec, "表", letters, columns)


@pytest.mark.parametrize("values", [_PLAIN, _ODD], ids=["floats", "anything"])
@pytest.mark.parametrize("name", ["ActualCost", "ActualSales", "Budget", "SalesForecast"])
def test_the_totals_are_the_same_to_the_bit(name: str, values: list[Any]) -> None:
    projects = {p.id: p for p in demo_register().projects}
    ids = sorted(projects)[:4]
    rng = random.Random(f"{name}-{len(values)}")
    for n in (0, 1, 2, 7, 60):
        for _ in range(20):
            data = _table(name, n, values, rng, ids)
            for table in (data, _compacted(data)):
                got, want = _totals(table, projects), _totals_before(table, projects)
                assert list(got) == list(want)
                assert [(repr(t), type(t), cell) for t, cell in got.values()] == [
                    (repr(t), type(t), cell) for t, cell in want.values()]


def _compacted(data: TableData) -> TableData:
    columns = {k: (Numbers.of(v) or v) if isinstance(v, list) else v
               for k, v in data.columns.items()}
    return TableData(data.spec, data.sheet, data.letters, columns)
