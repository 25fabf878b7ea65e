"""Checks on a read submission → findings, all of them, never only the first.

The reader has already refused what could not be typed; here the typed values are checked
against the contract (required, ranges, duplicates), the register (subsidiary, projects, lists)
and the run (period), plus the cross checks between tables.
"""

from __future__ import annotations

import datetime as dt
import math
import unicodedata
from collections.abc import Iterable, Mapping
from functools import partial
from operator import eq, is_not
from typing import Any

from . import contract as c
from .arrival import folder_period
from .models import Reason, Severity
from .reader import ROW, Submission, TableData
from .settings import Register

Milestones = Mapping[str, set[str]]  # project id -> milestone ids in its current plan


def validate(sub: Submission, register: Register, period: str | None = None,
             milestones: Milestones | None = None) -> Submission:
    """Add every finding about `sub` to `sub.findings` and return it.

    `period` is the month being consolidated: nothing may be dated after it. `milestones`
    gives the current plan of each project, for checking Progress rows against it.
    """
    check_file(sub, register, period)
    check_milestones(sub, milestones or {})
    return sub


def check_file(sub: Submission, register: Register, period: str | None = None) -> Submission:
    """Every check that needs this file alone: run inside the reader processes, in parallel.
    Only the milestones of Progress rows need the other files (check_milestones)."""
    if not sub.kinds or sub.has_errors and not sub.tables:
        return sub
    _header(sub, register, period)
    subsidiary = sub.header.get("xt_subsidiary")
    for data in sub.tables.values():
        _codes_as_typed(sub, data, register)
        _cells(sub, data, register)
        _plausible(sub, data)
        _duplicates(sub, data)
        _projects(sub, data, register, subsidiary)
        _hidden_rows(sub, data)
    _plan(sub)
    _progress_dates(sub)
    _no_data(sub, register)
    for sheet in sub.hidden_sheets:
        _hidden_sheet(sub, sheet)
    return sub


def _hidden_sheet(sub: Submission, sheet: str) -> None:
    read = [data.spec.name for data in sub.tables.values() if data.sheet == sheet]
    if read:  # a table is read wherever it is: hiding its sheet does not leave it out
        names = ", ".join(read)
        sub.add(Severity.INFO, Reason.HIDDEN,
                f"工作表“{sheet}”被隐藏，但其中的表格 {names} 照常读取；请取消隐藏并核对",
                f"sheet {sheet!r} is hidden, but its table {names} is read all the same; "
                "unhide it and check what it holds", sheet=sheet)
        return
    sub.add(Severity.INFO, Reason.HIDDEN, f"工作表“{sheet}”被隐藏，未读取其中内容",
            f"sheet {sheet!r} is hidden; nothing on it is read", sheet=sheet)


def _no_data(sub: Submission, register: Register) -> None:
    """A monthly file whose every table is empty, from a subsidiary with a project under way
    in that month (by its feasibility study's start and finish), would replace the month with
    nothing. Before its first project starts, an empty month is the honest return."""
    monthly = [t.name for t in c.tables_of((c.Kind.MONTHLY,))]
    if c.Kind.MONTHLY not in sub.kinds or not all(
            name in sub.tables and len(sub.tables[name]) == 0 for name in monthly):
        return
    period, code = sub.header.get("xt_period"), sub.header.get("xt_subsidiary")
    under_way = sorted(p.id for p in register.projects if p.subsidiary == code and period and
                       f"{p.feasibility.start:%Y-%m}" <= period <= f"{p.feasibility.finish:%Y-%m}")
    if under_way:
        sub.add(Severity.ERROR, Reason.NO_DATA,
                f"月度文件的所有表格均为空，而项目 {', '.join(under_way)} 本月在建；"
                "请填写本月数据后重新发送（没有投资的月份也应填写进度）",
                f"every table of this monthly file is empty, yet {', '.join(under_way)} "
                f"{'is' if len(under_way) == 1 else 'are'} under way in {period}; fill in "
                "the month's figures and send it again (a month without costs still reports "
                "its progress)")


def plan_milestones(subs: Iterable[Submission]) -> dict[str, set[str]]:
    """Milestones of each project from the newest plan revision among `subs`."""
    best: dict[str, tuple[tuple[str, int], set[str]]] = {}
    for sub in subs:
        plan = sub.tables.get("Plan")
        if plan is None or sub.has_errors:
            continue
        version = (str(sub.header.get("xt_period")), int(sub.header.get("xt_revision") or 1))
        ids_of: dict[str, set[str]] = {}
        for project, milestone in zip(plan.columns["project_id"], plan.columns["milestone_id"],
                                      strict=True):
            if not _missing(project):
                ids = ids_of.setdefault(str(project), set())
                if not _missing(milestone):
                    ids.add(str(milestone))
        for project, ids in ids_of.items():
            if project not in best or version >= best[project][0]:
                best[project] = (version, ids)
    return {project: ids for project, (_, ids) in best.items()}


def _header(sub: Submission, register: Register, period: str | None) -> None:
    for f in c.header_fields_of(sub.kinds):
        if f.name not in sub.header_cells or sub.header.get(f.name) is not None:
            continue
        sheet, cell = sub.header_cells[f.name]
        already = any(x.cell == cell and x.sheet == sheet for x in sub.findings)
        if not already:
            optional = f.name in ("xt_preparer", "xt_prepared_on")
            sub.add(Severity.WARNING if optional else Severity.ERROR, Reason.REQUIRED,
                    f"请填写“{f.label_zh}”", f"{f.label_en} is empty; please fill it in",
                    sheet=sheet, cell=cell, key=f.name)
    _subsidiary(sub, register)
    _folder(sub)
    when = sub.header.get("xt_period")
    if period and when and when > period:
        sheet, cell = sub.header_cells["xt_period"]
        sub.add(Severity.ERROR, Reason.WRONG_PERIOD,
                f"期间 {when} 晚于本次汇总期间 {period}，请核对期间",
                f"period {when} is after the period being consolidated ({period}); check it",
                sheet=sheet, cell=cell, key="xt_period", value=when)
    revision = sub.header.get("xt_revision")
    if revision is not None and revision < 1:
        sheet, cell = sub.header_cells["xt_revision"]
        sub.add(Severity.ERROR, Reason.OUT_OF_RANGE, "版本号应为 1 或以上（1 为基准版本）",
                "the revision must be 1 or more (1 is the baseline)", sheet=sheet, cell=cell,
                key="xt_revision", value=revision)
    elif revision is not None and revision > MAX_REVISION:
        sheet, cell = sub.header_cells["xt_revision"]
        sub.add(Severity.ERROR, Reason.OUT_OF_RANGE, f"版本号不能大于 {MAX_REVISION}",
                f"the revision cannot be above {MAX_REVISION}", sheet=sheet, cell=cell,
                key="xt_revision", value=revision)


MAX_REVISION = 999  # a plan revised monthly for 80 years; a larger one is a slip (or 1e30)


def as_typed(text: str) -> str:
    """A code as people type it, made comparable: full-width forms and spaces (NFKC), the
    spaces around it, and the case."""
    return unicodedata.normalize("NFKC", text).replace("\u3000", " ").strip().upper()


def _subsidiary(sub: Submission, register: Register) -> None:
    """The cover's code, matched as typed (`trd02 ` is TRD02, with a warning). A code not in
    the register is one finding, which says how many rows it leaves unchecked: their
    projects are not each called another subsidiary's."""
    code = sub.header.get("xt_subsidiary")
    if code is None:
        return
    sheet, cell = sub.header_cells["xt_subsidiary"]
    codes = {as_typed(s.code): s.code for s in register.subsidiaries}
    if code in codes.values():
        return
    match = codes.get(as_typed(str(code)))
    if match is not None:
        sub.header["xt_subsidiary"] = match
        sub.add(Severity.WARNING, Reason.CODE_AS_TYPED,
                f"单位编码“{code}”按“{match}”处理（大小写或空格不同），请今后按档案填写",
                f"subsidiary code {code!r} is taken as {match} (case or spaces differ); please "
                "type it as in the register", sheet=sheet, cell=cell, key="xt_subsidiary",
                value=code)
        return
    rows = sum(len(data) for data in sub.tables.values())
    sub.add(Severity.ERROR, Reason.UNKNOWN_SUBSIDIARY,
            f"单位编码“{code}”不在项目档案中，请核对编码（本文件 {rows} 行数据因此无法核对）",
            f"subsidiary code {code!r} is not in the register; check the code you were given "
            f"({rows} rows of this file cannot be checked until it is right)",
            sheet=sheet, cell=cell, key="xt_subsidiary", value=code)


def _folder(sub: Submission) -> None:
    """A file in a month folder (inbox/2026-10/) must name that month on its cover: either
    the cover's period is a slip, or the file belongs in the other month's folder."""
    folder, when = folder_period(sub.path), sub.header.get("xt_period")
    if folder is None or when is None or folder == when:
        return
    sheet, cell = sub.header_cells["xt_period"]
    sub.add(Severity.ERROR, Reason.FOLDER_PERIOD,
            f"文件在“{folder}”文件夹中，封面期间却是 {when}：若是 {folder} 的数据，请改正封面期间"
            f"后重新发送；若是对 {when} 的更正，请把文件放入“{when}”文件夹",
            f"the file is in the folder {folder} but its cover says period {when}: if these "
            f"are {folder}'s figures, correct the period and send it again; if it corrects "
            f"{when}, move the file into the folder {when}", sheet=sheet, cell=cell,
            key="xt_period", value=when)


def _codes_as_typed(sub: Submission, data: TableData, register: Register) -> None:
    """Project IDs typed in another case or with spaces are taken as the register's, with one
    warning per table that counts the rows."""
    values = data.columns.get("project_id")
    ids = {p.id for p in register.projects}
    if not values or set(values) - {None} <= ids:
        return
    canonical = {as_typed(p): p for p in ids}
    changed: list[tuple[int, str]] = []
    for i, value in enumerate(values):
        if isinstance(value, str) and value not in ids and as_typed(value) in canonical:
            values[i] = canonical[as_typed(value)]
            changed.append((data.columns[ROW][i], value))
    if changed:
        row, typed = changed[0]
        sub.add(Severity.WARNING, Reason.CODE_AS_TYPED,
                f"{len(changed)} 行的项目编号大小写或空格与档案不同（如“{typed}”），"
                "已按档案编号处理",
                f"{len(changed)} rows give a project ID in another case or with spaces (e.g. "
                f"{typed!r}); they are taken as the register's IDs", sheet=data.sheet,
                cell=data.cell("project_id", row), key="project_id", value=typed)


def _cells(sub: Submission, data: TableData, register: Register) -> None:
    """Required, listed and in-range values, cell by cell."""
    lists = register.lists()
    refused = {(f.sheet, f.cell) for f in sub.findings}
    rows = data.columns[ROW]
    for col in data.spec.columns:
        if col.computed:
            continue
        allowed = set(lists[col.allowed_list.value]) if col.allowed_list else None
        checks_range = col.minimum is not None or col.maximum is not None
        values = data.columns[col.key]
        if _all_well(col, values, allowed):
            continue
        for value, row in zip(values, rows, strict=True):
            if _missing(value):
                cell = data.cell(col.key, row)
                if col.required and (data.sheet, cell) not in refused:
                    sub.add(Severity.ERROR, Reason.REQUIRED, f"“{col.label_zh}”为必填项",
                            f"{col.label_en} is required", sheet=data.sheet, cell=cell,
                            key=col.key)
                continue
            if allowed is not None and value not in allowed:
                cell = data.cell(col.key, row)
                sub.add(Severity.ERROR, Reason.BAD_CHOICE,
                        f"“{value}”不在{col.label_zh}清单中，请从下拉列表选择",
                        f"{value!r} is not in the list of {col.label_en.lower()}s; pick one "
                        "from the drop-down", sheet=data.sheet, cell=cell, key=col.key,
                        value=value)
            if checks_range:
                _range(sub, data, col, value, row)


def _range(sub: Submission, data: TableData, col: c.Column, value: Any, row: int) -> None:
    if not isinstance(value, int | float):
        return
    cell = data.cell(col.key, row)
    unit = c.UNIT_FACTOR.get(str(sub.header.get("xt_unit")), 1)
    shown = value / unit if col.type is c.ColumnType.MONEY else value
    if col.minimum is not None and value < col.minimum:
        sub.add(Severity.ERROR, Reason.OUT_OF_RANGE,
                f"{col.label_zh}不能小于 {col.minimum:g}（填写的是 {shown:g}）",
                f"{col.label_en} cannot be below {col.minimum:g} (got {shown:g})",
                sheet=data.sheet, cell=cell, key=col.key, value=shown)
    elif col.maximum is not None and value > col.maximum:
        sub.add(Severity.ERROR, Reason.OUT_OF_RANGE,
                f"{col.label_zh}不能大于 {col.maximum:g}（填写的是 {shown:g}）",
                f"{col.label_en} cannot be above {col.maximum:g} (got {shown:g})",
                sheet=data.sheet, cell=cell, key=col.key, value=shown)


# No amount may exceed this in yuan (一万亿元, 1e12: a hundred times the largest project a group
# like ours has), nor a quantity in its own unit. Far above any real figure, and far enough
# below float64's exact range (2^53 cents, about 9e13 yuan) that sums of them stay exact to the
# cent. Above it is a typing slip, a wrong unit or a hostile file: 1e308 typed under 万元
# would become infinity in yuan and break every later sum.
MAX_AMOUNT = 1e12


def _plausible(sub: Submission, data: TableData) -> None:
    """Amounts and quantities finite and within ±MAX_AMOUNT, else an error on the cell."""
    unit = str(sub.header.get("xt_unit"))
    factor = c.UNIT_FACTOR.get(unit, 1)
    measures = data.columns.get("measure")
    for col in data.spec.columns:
        if col.computed or col.type not in (c.ColumnType.MONEY, c.ColumnType.QUANTITY):
            continue
        values = data.columns[col.key]
        if _all_plausible(values):
            continue
        for j, (value, row) in enumerate(zip(values, data.columns[ROW], strict=True)):
            if not isinstance(value, int | float) or -MAX_AMOUNT <= value <= MAX_AMOUNT:
                continue
            money = col.type is c.ColumnType.MONEY or (
                measures is not None and measures[j] == c.MONEY_MEASURE)
            scale, shown_unit = (factor, unit) if money else (1, "")
            limit = f"{MAX_AMOUNT / scale:,.0f}{shown_unit}"
            sub.add(Severity.ERROR, Reason.OUT_OF_RANGE,
                    f"{col.label_zh}超出可信范围（绝对值不超过 {limit}），请核对数值和金额单位",
                    f"{col.label_en} is beyond any plausible figure (at most {limit} either "
                    "way); check the number and the unit of the workbook",
                    sheet=data.sheet, cell=data.cell(col.key, row), key=col.key,
                    value=_as_typed(value, scale))


_PRESENT = partial(is_not, None)
_NUMBER_TYPES = {float, int, bool}


def _all_plausible(values: list[Any]) -> bool:
    """The common case, at C speed (filter, map, min, max: no Python step per cell)."""
    numbers = list(filter(_PRESENT, values))
    try:
        return all(map(math.isfinite, numbers)) and (
            not numbers or -MAX_AMOUNT <= min(numbers) and max(numbers) <= MAX_AMOUNT)
    except TypeError:  # not a number among them: look cell by cell
        return False


def _as_typed(value: float, scale: int) -> str:
    """The value as typed in the sheet's unit (infinity when only the unit made it so)."""
    shown = value / scale if math.isfinite(value) else value
    return f"{shown:g}"


def _all_well(col: c.Column, values: list[Any], allowed: set[str] | None) -> bool:
    """Whether a column surely has nothing to report: set and min/max run in C, so the common
    case (every cell well filled) costs no Python step per cell."""
    present = list(filter(_PRESENT, values))
    if len(present) < len(values) and col.required:
        return False
    if not all(map(eq, present, present)):  # NaN, the one value not equal to itself
        return False
    if allowed is not None and not allowed.issuperset(present):
        return False
    if present and (col.minimum is not None or col.maximum is not None):
        numbers = (present if set(map(type, present)) <= _NUMBER_TYPES else
                   [v for v in present if isinstance(v, int | float)])
        if numbers and (col.minimum is not None and min(numbers) < col.minimum
                        or col.maximum is not None and max(numbers) > col.maximum):
            return False
    return True


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and value != value)


def _duplicates(sub: Submission, data: TableData) -> None:
    key = list(data.spec.row_key)
    if not key or not len(data):
        return
    first: dict[tuple[Any, ...], int] = {}
    columns = [data.columns[k] for k in key]
    if len(set(zip(*columns, strict=True))) == len(data):
        return  # every key distinct
    for row, *values in zip(data.columns[ROW], *columns, strict=True):
        if any(_missing(v) for v in values):
            continue
        original = first.setdefault(tuple(values), row)
        if original == row:
            continue
        what = ", ".join(str(v) for v in values)
        sub.add(Severity.ERROR, Reason.DUPLICATE_ROW,
                f"第 {row} 行与第 {original} 行重复（{what}），请合并或删除一行",
                f"row {row} repeats row {original} ({what}); merge them or delete one",
                sheet=data.sheet, cell=data.cell(key[0], row), key=key[0], value=what)


def _projects(sub: Submission, data: TableData, register: Register,
              subsidiary: str | None) -> None:
    owners = {p.id: p.subsidiary for p in register.projects}
    if subsidiary not in {s.code for s in register.subsidiaries}:
        subsidiary = None  # an unknown code is one finding (_subsidiary), not one per row
    known = set(owners) if subsidiary is None else {
        p for p, owner in owners.items() if owner == subsidiary}
    if set(data.columns["project_id"]) - {None} <= known:
        return  # every project this subsidiary's own
    for value, row in zip(data.columns["project_id"], data.columns[ROW], strict=True):
        if _missing(value):
            continue
        cell = data.cell("project_id", row)
        owner = owners.get(value)
        if owner is None:
            sub.add(Severity.ERROR, Reason.UNKNOWN_PROJECT,
                    f"项目编号“{value}”不在项目档案中，请核对",
                    f"project {value!r} is not in the register; check the project ID",
                    sheet=data.sheet, cell=cell, key="project_id", value=value)
        elif subsidiary is not None and owner != subsidiary:
            sub.add(Severity.ERROR, Reason.FOREIGN_PROJECT,
                    f"项目“{value}”属于 {owner}，不属于本单位 {subsidiary}，请删除该行",
                    f"project {value!r} belongs to {owner}, not to {subsidiary}; remove "
                    "this row", sheet=data.sheet, cell=cell, key="project_id", value=value)


def _hidden_rows(sub: Submission, data: TableData) -> None:
    hidden = sorted(set(data.columns[ROW]) & sub.hidden_rows.get(data.sheet, frozenset()))
    if hidden:
        rows = ", ".join(str(r) for r in hidden[:10]) + (" …" if len(hidden) > 10 else "")
        sub.add(Severity.WARNING, Reason.HIDDEN,
                f"隐藏行中有数据（第 {rows} 行），已计入汇总，请确认",
                f"hidden rows hold data (rows {rows}); they are counted, please check them",
                sheet=data.sheet, cell=data.cell(data.spec.keys[0], hidden[0]))


def _plan(sub: Submission) -> None:
    plan = sub.tables.get("Plan")
    if plan is None or not len(plan):
        return
    columns = plan.columns
    _finish_before_start(sub, plan, "planned", "计划")
    weights: dict[str, tuple[int, float]] = {}  # project -> (its first row, sum of weights)
    for project, weight, row in zip(columns["project_id"], columns["weight_pct"],
                                    columns[ROW], strict=True):
        if not _missing(project):
            first, total = weights.get(project, (row, 0.0))
            weights[project] = (first, total + (0.0 if _missing(weight) else weight))
    for project, (row, total) in sorted(weights.items()):
        if abs(total - 1) > 0.0005:
            sub.add(Severity.WARNING, Reason.OUT_OF_RANGE,
                    f"项目 {project} 各里程碑权重合计 {total:.1%}，应为 100%",
                    f"the milestone weights of {project} add up to {total:.1%}, not 100%",
                    sheet=plan.sheet, cell=plan.cell("weight_pct", row), key="weight_pct",
                    value=f"{total:.1%}")


def check_milestones(sub: Submission, milestones: Milestones) -> None:
    """Progress rows name milestones of their project's current plan."""
    progress = sub.tables.get("Progress")
    if not sub.kinds or progress is None or not len(progress):
        return
    columns = progress.columns
    for project, milestone, row in zip(columns["project_id"], columns["milestone_id"],
                                       columns[ROW], strict=True):
        known = milestones.get(str(project))
        if known is not None and not _missing(milestone) and milestone not in known:
            sub.add(Severity.ERROR, Reason.UNKNOWN_MILESTONE,
                    f"里程碑“{milestone}”不在项目 {project} 的进度计划中",
                    f"milestone {milestone!r} is not in the schedule plan of {project}",
                    sheet=progress.sheet, cell=progress.cell("milestone_id", row),
                    key="milestone_id", value=milestone)


def _progress_dates(sub: Submission) -> None:
    progress = sub.tables.get("Progress")
    if progress is not None:
        _finish_before_start(sub, progress, "actual", "实际")


def _finish_before_start(sub: Submission, data: TableData, which: str, zh: str) -> None:
    """Each row's `which`_finish is not before its `which`_start (planned, or actual)."""
    start_key, finish_key = f"{which}_start", f"{which}_finish"
    for start, finish, row in zip(data.columns[start_key], data.columns[finish_key],
                                  data.columns[ROW], strict=True):
        if isinstance(start, dt.date) and isinstance(finish, dt.date) and finish < start:
            sub.add(Severity.ERROR, Reason.OUT_OF_RANGE,
                    f"{zh}完成日 {finish} 早于{zh}开始日 {start}",
                    f"{which} finish {finish} is before {which} start {start}",
                    sheet=data.sheet, cell=data.cell(finish_key, row), key=finish_key,
                    value=finish)


def validate_all(subs: list[Submission], register: Register, period: str | None = None,
                 known: Milestones | None = None, files_checked: bool = False) -> list[Submission]:
    """Validate every submission; Progress rows are checked against the newest plans among
    them, or else the plans `known` from earlier runs. `files_checked`: check_file has run
    already (in the readers), only the milestones are left."""
    milestones = {**(known or {}), **plan_milestones(subs)}
    for sub in subs:
        if files_checked:
            check_milestones(sub, milestones)
        else:
            validate(sub, register, period, milestones)
    return subs

