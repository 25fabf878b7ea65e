"""Checks of a submission's structure: what the reader found against what the contract says.

A template's structure can be changed without changing a single value: a map whose labels were
swapped, a second table of the same name, a table whose totals rows swallow its data, a row
typed under a table. Each would change figures silently; here each becomes a finding.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import contract as c
from .models import Reason, Severity
from .package import Package, TablePart

if TYPE_CHECKING:
    from .reader import Submission
    from .table_reader import Grid

OUTSIDE_SHOWN = 10  # cells named one by one per sheet; the rest are counted in one finding


def check_map(sub: Submission, column_map: dict[tuple[str, str], str],
              cells: dict[tuple[str, str], str]) -> bool:
    """Whether the `_xltrack` map says what the contract version it claims says.

    The reader finds each column by the header the map gives it. A map edited by hand (the
    labels of January and February swapped) would read every value into the wrong month."""
    fine = True
    for table in c.tables_of(sub.kinds):
        for column in table.columns:
            header = column_map.get((table.name, column.key))
            if header is None or header.strip() in (column.label_zh, column.label_en):
                continue  # a missing entry is reported as a missing column
            fine = False
            sub.add(Severity.ERROR, Reason.MAP_MISMATCH,
                    f"模板内部列映射被改动：{table.name}.{column.key} 应对应“{column.label_zh}”，"
                    f"却写为“{header}”。请使用运营管理部下发的原始模板",
                    f"the template's hidden column map was changed: {table.name}.{column.key} "
                    f"must be headed {column.label_en!r} or {column.label_zh!r} in contract "
                    f"version {sub.contract_version}, not {header!r}. Fill an unaltered "
                    "template sent by operations", sheet=c.MAP_SHEET,
                    cell=cells.get((table.name, column.key), ""), key=column.key, value=header)
    return fine


def check_tables(sub: Submission, package: Package) -> bool:
    """Whether every table the file's kinds need is one table with a sensible shape."""
    fine = True
    needed = {t.name.casefold() for t in c.tables_of(sub.kinds)} | {c.MAP_TABLE.casefold()}
    for clash in package.clashes:
        if clash.name.casefold() not in needed:
            continue
        fine = False
        first = next(t for t in package.tables.values()
                     if t.name.casefold() == clash.name.casefold())
        sub.add(Severity.ERROR, Reason.DUPLICATE_TABLE,
                f"有两个名为 {clash.name} 的表格（工作表“{first.sheet}”和“{clash.sheet}”），"
                "无法确定哪一个是要读取的；请删除多余的一个",
                f"there are two tables named {clash.name} (on the sheets {first.sheet!r} and "
                f"{clash.sheet!r}), so which one holds the figures cannot be told; delete the "
                "extra one", sheet=clash.sheet, key=clash.name)
    for name, table in package.tables.items():
        if name.casefold() in needed and not _sensible(table):
            fine = False
            sub.add(Severity.ERROR, Reason.TABLE_SHAPE,
                    f"表格 {name} 的标题行/汇总行设置已损坏（标题行 {table.header_rows}，"
                    f"汇总行 {table.totals_rows}，共 {table.max_row - table.min_row + 1} 行）",
                    f"the table {name} claims {table.header_rows} header and "
                    f"{table.totals_rows} totals rows in its "
                    f"{table.max_row - table.min_row + 1} rows, which would leave its data "
                    "unread; open the file in Excel, save it and send it again",
                    sheet=table.sheet, key=name)
    return fine


def _sensible(table: TablePart) -> bool:
    rows = table.max_row - table.min_row + 1
    return (table.header_rows in (0, 1) and table.totals_rows in (0, 1)
            and table.header_rows + table.totals_rows < rows)


def check_structure(sub: Submission, package: Package, grids: dict[str, Grid]) -> None:
    """Values typed outside the tables."""
    by_sheet: dict[str, list[TablePart]] = {}
    for name in grids:
        table = package.tables[name]
        by_sheet.setdefault(table.sheet, []).append(table)
    for sheet, tables in by_sheet.items():
        _outside(sub, sheet, tables, grids[tables[0].name])


def _outside(sub: Submission, sheet: str, tables: list[TablePart], grid: Grid) -> None:
    """A warning on each value below or beside the tables of a table sheet (titles above the
    header row are the template's own). Excel extends a table only when a row is typed
    directly under it; a row typed further down, or in a column beside it, is not read."""
    top = min(t.min_row for t in tables)
    spans = [(t.min_row, t.max_row - t.totals_rows, t.min_col, t.max_col) for t in tables]
    found: list[tuple[int, int, Any]] = []
    for row in sorted(r for r in grid.rows if r >= top):
        values = grid.rows[row]
        inside = [(first, last) for low, high, first, last in spans if low <= row <= high]
        if len(inside) == 1 and len(values) <= inside[0][1] and not any(
                _filled(v) for v in values[:inside[0][0] - 1]):
            continue  # the common row: all its values within its one table
        for col, value in enumerate(values, start=1):
            if _filled(value) and not any(first <= col <= last for first, last in inside):
                found.append((row, col, value))
    for row, col, value in found[:OUTSIDE_SHOWN]:
        below = any(row > high and first <= col <= last for _, high, first, last in spans)
        where = "下方" if below else "之外"
        sub.add(Severity.WARNING, Reason.OUTSIDE_TABLE,
                f"此数值在表格{where}，未被读取；如需计入，请将表格扩展到此行"
                "（在表格最后一行按 Tab 增加行）",
                f"{'below' if below else 'outside'} the table, not read — extend the table "
                "to include it (press Tab in the table's last cell to add rows)",
                sheet=sheet, cell=f"{_letters(col)}{row}", value=value)
    if len(found) > OUTSIDE_SHOWN:
        sub.add(Severity.WARNING, Reason.OUTSIDE_TABLE,
                f"另有 {len(found) - OUTSIDE_SHOWN} 个单元格在表格之外，未被读取",
                f"{len(found) - OUTSIDE_SHOWN} more cells outside the tables are not read",
                sheet=sheet)


def _filled(value: Any) -> bool:
    return value != "" and not (isinstance(value, str) and not value.strip())


def _letters(column: int) -> str:
    out = ""
    while column:
        column, rest = divmod(column - 1, 26)
        out = chr(65 + rest) + out
    return out
