"""Unit plausibility: amounts about 10,000 times off what a project leads to expect are 元 and
万元 mixed up (yuan typed under a 万元 cover, or the reverse), not a variance.

What a project's month should be near comes from the history (its budget or forecast for the
month, its recent months) and from the register (its feasibility study), all known before the
run reads its files: each reader checks its own file (workers.examine), last of its checks.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from . import contract as c
from .models import Finding, Reason, Severity
from .reader import ROW, Submission, TableData
from .settings import Project, Register

# A project's amounts in a table this many times the expected size (or this many times
# smaller) are not a real deviation but a unit typed wrong: 10,000 is 万元 against 元, and
# half a decade either side leaves room for a month truly heavier or lighter than planned.
# Too small is judged only against a budget, forecast or recent months on file: a quiet
# month far below the study's average month is real (a project's first fees, say).
_UNIT_SLIP = (10 ** 3.5, 10 ** 4.5)
_UNIT_TABLES = {"ActualCost": "cost", "ActualSales": "sales", "Budget": "cost",
                "SalesForecast": "sales"}
_FLOAT_OR_BLANK = {float, type(None)}


@dataclass
class UnitCheck:
    """What a project's amounts are expected to be near, in yuan: the month's budget or
    forecast on file, else the mean of its recent months, else its feasibility study spread
    over its duration; and the files the operator has accepted as they are."""

    planned: Mapping[tuple[str, str], float] = field(default_factory=dict)  # (project, cost|sales)
    recent: Mapping[tuple[str, str], float] = field(default_factory=dict)
    accepted: frozenset[str] = frozenset()  # file names given with --accept-unit


def check_units(sub: Submission, register: Register, units: UnitCheck) -> None:
    """One blocking finding per table whose amounts are about 10,000 times off what the
    project's budget, recent months or feasibility study lead to expect, naming the cells
    and suggesting the unit; a warning instead for a file the operator has accepted."""
    projects = {p.id: p for p in register.projects}
    for name, what in _UNIT_TABLES.items():
        data = sub.tables.get(name)
        if data is None or not len(data):
            continue
        for direction, cells in _off_by_units(data, what, projects, units).items():
            _unit_finding(sub, data, direction, cells, sub.file in units.accepted)


def unit_findings(sub: Submission) -> list[Finding]:
    """The unit findings of `sub`, taken off the end of its findings, where check_units puts
    them (no other check gives the reason): for the run to add them back after the checks
    that need every file."""
    at = len(sub.findings)
    while at and sub.findings[at - 1].reason == Reason.IMPLAUSIBLE_UNIT:
        at -= 1
    found = sub.findings[at:]
    del sub.findings[at:]
    return found


def _off_by_units(data: TableData, what: str, projects: Mapping[str, Project],
                  units: UnitCheck) -> dict[int, list[str]]:
    """+1 or -1 (too large, too small) -> the first cell of each project off by a unit."""
    off: dict[int, list[str]] = {}
    for project, (total, cell) in _totals(data, projects).items():
        expected, on_file = _expected(projects[project], what, bool(data.spec.month_keys),
                                      units)
        if not expected or total <= 0:
            continue
        ratio = total / expected
        direction = (1 if _UNIT_SLIP[0] <= ratio <= _UNIT_SLIP[1] else
                     -1 if on_file and _UNIT_SLIP[0] <= 1 / ratio <= _UNIT_SLIP[1] else 0)
        if direction:
            off.setdefault(direction, []).append(cell)
    return off


def _totals(data: TableData, projects: Mapping[str, Project]) -> dict[str, tuple[float, str]]:
    """Each registered project's amounts in money summed, and the cell of its first row."""
    totals: dict[str, tuple[float, str]] = {}
    measures = data.columns.get("measure") or [c.MONEY_MEASURE] * len(data)
    keys = data.spec.month_keys or ("amount",)
    columns = [data.columns[k] for k in keys]
    # A row's amounts, its numbers summed in the columns' order: where the columns hold only
    # floats and blanks (as read), the blanks left out is the same sum, without a type test
    # per cell.
    plain = all(set(map(type, column)) <= _FLOAT_OR_BLANK for column in columns)
    for project, measure, values, excel_row in zip(data.columns["project_id"], measures,
                                                   zip(*columns, strict=True),
                                                   data.columns[ROW], strict=True):
        if project not in projects or measure != c.MONEY_MEASURE:
            continue
        amount = (sum([v for v in values if v is not None]) if plain else
                  sum(v for v in values if isinstance(v, int | float)))
        if project in totals:
            total, cell = totals[project]
            totals[project] = (total + amount, cell)
        else:
            totals[project] = (0.0 + amount, data.cell(keys[0], excel_row))
    return totals


def _expected(project: Project, what: str, whole_plan: bool,
              units: UnitCheck) -> tuple[float, bool]:
    """The expected amount, and whether it comes from figures on file (not the study)."""
    study = project.feasibility
    total = study.total_investment if what == "cost" else study.sales_amount
    if whole_plan:
        return float(total), True
    for source in (units.planned, units.recent):
        value = source.get((project.id, what))
        if value:
            return float(value), True
    months = ((study.finish.year - study.start.year) * 12 + study.finish.month
              - study.start.month + 1)
    return float(total) / max(months, 1), False


def _unit_finding(sub: Submission, data: TableData, direction: int, cells: list[str],
                  accepted: bool) -> None:
    unit = str(sub.header.get("xt_unit") or "")
    suggest = "元" if direction > 0 and unit == "万元" else "万元" if unit == "元" and \
        direction < 0 else ""
    shown_cells = ", ".join(cells[:5]) + (f" … (+{len(cells) - 5})" if len(cells) > 5 else "")
    size_zh, size_en = ("约为", "about 10,000 times larger") if direction > 0 else (
        "仅约为", "about 10,000 times smaller")
    multiple = "1 万倍" if direction > 0 else "万分之一"
    # The cell the fix is made in: the cover's unit, named beside the amounts' cells.
    cover = sub.header_cells.get("xt_unit")
    at = f"（{cover[0]}!{cover[1]}）" if cover else ""
    at_en = f" ({cover[0]}!{cover[1]})" if cover else ""
    fix_zh = (f"封面单位{at}是“{unit}”，这些金额看起来是以“{suggest}”填写的：请把封面单位改为"
              f"“{suggest}”" if suggest else f"请核对金额及封面单位{at}")
    fix_en = (f"the cover's unit{at_en} is {unit}, but these amounts look typed in {suggest}: "
              f"set the cover's unit to {suggest}" if suggest else
              f"check the amounts and the cover's unit{at_en}")
    severity, zh_tail, en_tail = (
        (Severity.WARNING, "（运营管理部已确认按原样接受）", " (accepted as it is by operations)")
        if accepted else (Severity.ERROR, "", ""))
    sub.add(severity, Reason.IMPLAUSIBLE_UNIT,
            f"{len(cells)} 个项目的金额（{shown_cells}）{size_zh}其预算、近期月份或可研所示的"
            f"{multiple}；{fix_zh}{zh_tail}",
            f"the amounts of {len(cells)} project(s) ({shown_cells}) are {size_en} than "
            f"their budget, recent months or feasibility study lead to expect; {fix_en}"
            f"{en_tail}", sheet=data.sheet, cell=cells[0], key="xt_unit", value=unit)
