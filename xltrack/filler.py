"""The reference filler: writes values into a template the way any outside writer must.

It finds header cells through the contract's defined names and table columns through the
`_xltrack` map, never through fixed addresses, so the demo data and the tests exercise the
contract exactly as an ERP export or a subsidiary's script would.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from copy import copy
from pathlib import Path

from openpyxl import load_workbook
from openpyxl.cell.cell import Cell
from openpyxl.utils.cell import get_column_letter, range_boundaries
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.table import Table as SheetTable
from openpyxl.worksheet.worksheet import Worksheet

from . import contract as c
from .errors import TemplateError

Rows = Mapping[str, Sequence[Mapping[str, object]]]


def fill_template(template: Path, out: Path, header: Mapping[str, object], rows: Rows) -> None:
    """Copy `template` to `out` with header fields and table rows filled in.

    `header` maps defined names (xt_period …) to values; `rows` maps table names to rows,
    each a mapping of column key to value. Keys left out stay blank; computed columns keep
    the template's formula.
    """
    wb = load_workbook(template)
    fill_workbook(wb, header, rows)
    out.parent.mkdir(parents=True, exist_ok=True)
    wb.save(out)


def fill_workbook(wb: Workbook, header: Mapping[str, object], rows: Rows) -> None:
    """fill_template on a workbook already open (the issuer goes on to add to it)."""
    column_map = read_column_map(wb)
    for name, value in header.items():
        _write(_named_cell(wb, name), value, as_text=isinstance(value, str))
    for table_name, table_rows in rows.items():
        _fill_table(wb, table_name, table_rows, column_map)


def read_column_map(wb: Workbook) -> dict[tuple[str, str], str]:
    """(table, key) -> header label, from the `_xltrack` sheet's Columns table."""
    if c.MAP_SHEET not in wb.sheetnames:
        raise TemplateError(f"没有 {c.MAP_SHEET} 工作表：不是 xltrack 模板",
                            f"no {c.MAP_SHEET} sheet: not an xltrack template")
    ws = wb[c.MAP_SHEET]
    table = ws.tables.get(c.MAP_TABLE)
    if table is None:
        raise TemplateError(f"{c.MAP_SHEET} 工作表中没有 {c.MAP_TABLE} 表格",
                            f"{c.MAP_SHEET} has no {c.MAP_TABLE} table")
    min_col, min_row, max_col, max_row = range_boundaries(table.ref)
    grid = [[cell.value for cell in row] for row in ws.iter_rows(
        min_row=min_row, max_row=max_row, min_col=min_col, max_col=max_col)]
    position = {str(h): i for i, h in enumerate(grid[0])}
    table_i, key_i, header_i = (position[h] for h in c.MAP_COLUMNS[:3])
    return {(str(r[table_i]), str(r[key_i])): str(r[header_i]) for r in grid[1:] if r[table_i]}


def _named_cell(wb: Workbook, name: str) -> Cell:
    defined = wb.defined_names.get(name)
    if defined is None:
        raise TemplateError(f"模板中没有名称 {name}", f"the template has no defined name {name}")
    sheet, ref = next(iter(defined.destinations))
    cell = wb[sheet][ref.replace("$", "")]
    assert isinstance(cell, Cell)
    return cell


def _find_table(wb: Workbook, name: str) -> tuple[Worksheet, SheetTable]:
    for ws in wb.worksheets:
        if name in ws.tables:
            return ws, ws.tables[name]
    raise TemplateError(f"模板中没有表格 {name}", f"the template has no table {name}")


def _fill_table(wb: Workbook, name: str, rows: Sequence[Mapping[str, object]],
                column_map: Mapping[tuple[str, str], str]) -> None:
    ws, table = _find_table(wb, name)
    spec = c.TABLES_BY_NAME[name]
    min_col, header_row, max_col, max_row = range_boundaries(table.ref)
    labels = {ws.cell(header_row, col).value: col for col in range(min_col, max_col + 1)}
    column_of = {}
    for column in spec.columns:
        label = column_map.get((name, column.key))
        if label not in labels:
            raise TemplateError(f"表格 {name} 中没有 {column.key} 对应的列",
                                f"table {name} has no column for key {column.key}")
        column_of[column.key] = labels[label]
    first = header_row + 1
    targets = _target_rows(ws, spec, column_of, first, max_row, rows)
    by_row = dict(zip(targets, rows, strict=True))
    last = max([max_row, *targets])
    for row in range(first, last + 1):
        values = by_row.get(row, {})
        for column in spec.columns:
            col = column_of[column.key]
            cell = ws.cell(row, col)
            if row > max_row:  # a row added below the template's blank rows
                template_cell = ws.cell(first, col)
                cell._style = copy(template_cell._style)
                if column.computed:
                    cell.value = template_cell.value
            if column.computed:
                continue
            if column.key in values:
                value = values[column.key]
                _write(cell, value, as_text=column.type in _TEXT_TYPES and isinstance(value, str))
    if last > max_row:
        ref = f"{get_column_letter(min_col)}{header_row}:{get_column_letter(max_col)}{last}"
        table.ref = ref
        if table.autoFilter is not None:
            table.autoFilter.ref = ref


def _target_rows(ws: Worksheet, spec: c.Table, column_of: Mapping[str, int], first: int,
                 max_row: int, rows: Sequence[Mapping[str, object]]) -> list[int]:
    """The Excel row each given row is written to.

    A blank template's rows are filled in order. An issued template already lists rows
    (a project's cost codes, its milestones): a row whose key (contract row_key) matches a
    listed row is written over it, as a person would type into the line that is there; any
    other row goes to the first empty row, then below the table."""
    inputs = [column_of[col.key] for col in spec.columns if not col.computed]
    listed: dict[tuple[str, ...], int] = {}
    free: list[int] = []
    for row in range(first, max_row + 1):
        if all(_blank(ws.cell(row, col).value) for col in inputs):
            free.append(row)
        elif spec.row_key:
            key = tuple(_key_text(ws.cell(row, column_of[k]).value) for k in spec.row_key)
            listed.setdefault(key, row)
    targets: list[int] = []
    below = max_row + 1
    for values in rows:
        key = tuple(_key_text(values.get(k)) for k in spec.row_key)
        found = listed.pop(key, None) if spec.row_key and any(key) else None
        if found is None and free:
            found = free.pop(0)
        if found is None:
            found, below = below, below + 1
        targets.append(found)
    return targets


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _key_text(value: object) -> str:
    return "" if value is None else str(value).strip()


_TEXT_TYPES = {c.ColumnType.TEXT, c.ColumnType.CODE, c.ColumnType.CHOICE, c.ColumnType.FLAG}


def _write(cell: Cell, value: object, *, as_text: bool) -> None:
    cell.value = value
    if as_text and isinstance(value, str):
        # openpyxl would store "=..." as a formula; what a person typed is text.
        cell.data_type = "s"
    elif isinstance(value, dt.datetime | dt.date) and not cell.is_date:
        cell.number_format = "yyyy-mm-dd"

