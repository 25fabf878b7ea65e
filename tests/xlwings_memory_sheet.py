"""The sheets of the in-memory xlwings engine (xlwings_memory_engine.py): cells, ranges and
tables, answering as Excel's COM interface does — one cell a scalar, more cells row tuples,
numbers as floats, dates as datetimes, empty as None; written values taken as typed input."""

from __future__ import annotations

import datetime as dt
import numbers
import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from openpyxl.utils.cell import column_index_from_string, get_column_letter, range_boundaries
from xlwings import base_classes

if TYPE_CHECKING:
    from tests.xlwings_memory_engine import Book

_EPOCH = dt.datetime(1899, 12, 30)
_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_A1 = re.compile(r"^\$?([A-Z]{1,3})\$?(\d+)$")


def _excel_value(value: Any) -> Any:
    """A value read from the file as Excel's COM interface hands it over."""
    if isinstance(value, bool) or value is None or isinstance(value, str | dt.datetime):
        return value
    if isinstance(value, dt.date):
        return dt.datetime.combine(value, dt.time())
    if isinstance(value, dt.time):
        return dt.datetime.combine(_EPOCH.date(), value)
    if isinstance(value, numbers.Number):
        return float(value)  # type: ignore[arg-type]
    raise TypeError(f"a cell value of type {type(value).__name__}")


class Sheets(base_classes.Sheets):
    def __init__(self, book: Book) -> None:
        self.book = book

    @property
    def api(self) -> Any:
        return self.book._sheets

    @property
    def active(self) -> Sheet:
        return self.book._sheets[0]

    def __call__(self, name_or_index: int | str) -> Sheet:
        if isinstance(name_or_index, numbers.Number):
            return self.book._sheets[int(name_or_index) - 1]
        for sheet in self.book._sheets:
            if sheet.name == name_or_index:
                return sheet
        raise KeyError(f"no sheet {name_or_index!r}")  # COM raises an error of its own

    def __len__(self) -> int:
        return len(self.book._sheets)

    def __iter__(self) -> Iterator[Sheet]:
        return iter(self.book._sheets)


class Sheet(base_classes.Sheet):
    def __init__(self, book: Book, ws: Any) -> None:
        self._book, self._name = book, ws.title
        self.cells_by_position: dict[tuple[int, int], Any] = {}
        self.formulas: dict[tuple[int, int], str] = {}
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and cell.value.startswith("="):
                    self.formulas[(cell.row, cell.column)] = cell.value  # Excel computes it
                elif cell.value is not None:
                    self.cells_by_position[(cell.row, cell.column)] = _excel_value(cell.value)
        # Columns formatted as text ("@") keep typed text as text, as in Excel.
        self.text_columns = {i for dim in ws.column_dimensions.values()
                             if dim.number_format == "@" and dim.min
                             for i in range(dim.min, (dim.max or dim.min) + 1)}
        self._tables = {t.name: Table(self, t.name, t.ref, t.headerRowCount,
                                      t.totalsRowCount or 0) for t in ws.tables.values()}

    @property
    def api(self) -> Any:
        return self

    @property
    def name(self) -> str:
        return self._name

    @property
    def book(self) -> Book:
        return self._book

    @property
    def index(self) -> int:
        return self._book._sheets.index(self) + 1

    def range(self, arg1: Any, arg2: Any = None) -> Range:
        first, last = _corners(arg1)
        if arg2 is not None:
            other_first, other_last = _corners(arg2)
            first = (min(first[0], other_first[0]), min(first[1], other_first[1]))
            last = (max(last[0], other_last[0]), max(last[1], other_last[1]))
        return Range(self, first, last)

    @property
    def cells(self) -> Range:
        return Range(self, (1, 1), (1_048_576, 16_384))

    @property
    def used_range(self) -> Range:
        used = [*self.cells_by_position, *self.formulas]
        if not used:
            return Range(self, (1, 1), (1, 1))
        return Range(self, (min(r for r, _ in used), min(c for _, c in used)),
                      (max(r for r, _ in used), max(c for _, c in used)))

    @property
    def tables(self) -> Tables:
        return Tables(self)

    def clear_contents(self) -> None:
        self.cells_by_position.clear()
        self.formulas.clear()

    def activate(self) -> None:
        """Nothing to show."""

    def store(self, row: int, column: int, value: Any) -> None:
        """Put one value in a cell as Excel takes typed input."""
        where = (row, column)
        self.cells_by_position.pop(where, None)
        self.formulas.pop(where, None)
        value = _excel_value(value) if not isinstance(value, str) else value
        if value is None or value == "":
            return
        if isinstance(value, str):
            if value.startswith("'"):
                value = value[1:]  # the prefix says "text"; Excel does not keep it
            elif value.startswith("="):
                self.formulas[where] = value
                return
            elif column not in self.text_columns:
                value = _typed_input(value)
            if value == "":
                return
        self.cells_by_position[where] = value


def _typed_input(text: str) -> Any:
    """What Excel makes of a text typed into a General cell (the cases that matter here)."""
    stripped = text.strip()
    if _NUMBER.match(stripped):
        return float(stripped)
    if _ISO_DATE.match(stripped):
        try:
            return dt.datetime.fromisoformat(stripped)
        except ValueError:
            return text
    return text


def _corners(arg: Any) -> tuple[tuple[int, int], tuple[int, int]]:
    if isinstance(arg, Range):
        return arg.first, arg.last
    if isinstance(arg, tuple):
        if len(arg) == 4:
            row, col, rows, cols = arg
            return (row, col), (row + rows - 1, col + cols - 1)
        return (arg[0], arg[1]), (arg[0], arg[1])
    if isinstance(arg, str):
        if ":" not in arg and _A1.match(arg.upper()):
            match = _A1.match(arg.upper())
            assert match is not None
            cell = (int(match.group(2)), column_index_from_string(match.group(1)))
            return cell, cell
        left, top, right, bottom = range_boundaries(arg.replace("$", "").upper())
        return (top, left), (bottom, right)
    raise ValueError(f"not a range: {arg!r}")


class Range(base_classes.Range):
    def __init__(self, sheet: Sheet, first: tuple[int, int], last: tuple[int, int]) -> None:
        if first[0] < 1 or first[1] < 1:
            raise ValueError(f"a range starting at row {first[0]}, column {first[1]} is "
                             "outside the sheet")  # Excel refuses a cell left of A or above 1
        self.sheet, self.first, self.last = sheet, first, last
        self.options: dict[str, Any] = {}  # xlwings' main.Range sets them

    @property
    def api(self) -> Any:
        return self

    @property
    def coords(self) -> tuple[str, int, int, int, int]:
        return (self.sheet.name, self.row, self.column, *self.shape)

    @property
    def row(self) -> int:
        return self.first[0]

    @property
    def column(self) -> int:
        return self.first[1]

    @property
    def shape(self) -> tuple[int, int]:
        return self.last[0] - self.first[0] + 1, self.last[1] - self.first[1] + 1

    def __len__(self) -> int:
        rows, columns = self.shape
        return rows * columns

    def __call__(self, arg1: int, arg2: int | None = None) -> Range:
        if arg2 is None:  # the n-th cell, row by row
            column = (arg1 - 1) % self.shape[1]
            return self((arg1 - 1) // self.shape[1] + 1, column + 1)
        cell = (self.row + arg1 - 1, self.column + arg2 - 1)
        return Range(self.sheet, cell, cell)

    @property
    def raw_value(self) -> Any:
        cells = self.sheet.cells_by_position
        rows = tuple(tuple(cells.get((r, c)) for c in range(self.first[1], self.last[1] + 1))
                     for r in range(self.first[0], self.last[0] + 1))
        return rows[0][0] if len(self) == 1 else rows

    @raw_value.setter
    def raw_value(self, data: Any) -> None:
        rows, columns = self.shape
        if not isinstance(data, list | tuple):
            data = [[data] * columns for _ in range(rows)]
        elif data and not isinstance(data[0], list | tuple):
            data = [data]
        for i in range(rows):
            for j in range(columns):
                # A smaller array leaves #N/A in Excel; xlwings always sizes the range first.
                value = data[i][j] if i < len(data) and j < len(data[i]) else "#N/A"
                self.sheet.store(self.row + i, self.column + j, value)

    def clear_contents(self) -> None:
        for r in range(self.first[0], self.last[0] + 1):
            for c in range(self.first[1], self.last[1] + 1):
                self.sheet.cells_by_position.pop((r, c), None)
                self.sheet.formulas.pop((r, c), None)

    @property
    def address(self) -> str:
        return self.get_address(True, True, False)

    def get_address(self, row_absolute: bool, col_absolute: bool, external: bool) -> str:
        def one(cell: tuple[int, int]) -> str:
            return (("$" if col_absolute else "") + get_column_letter(cell[1])
                    + ("$" if row_absolute else "") + str(cell[0]))
        text = one(self.first) if len(self) == 1 else f"{one(self.first)}:{one(self.last)}"
        return f"[{self.sheet.book.name}]{self.sheet.name}!{text}" if external else text

    @property
    def has_array(self) -> bool:
        return False


class Tables(base_classes.Tables):
    def __init__(self, sheet: Sheet) -> None:
        self.sheet = sheet

    @property
    def api(self) -> Any:
        return self.sheet._tables

    def __call__(self, name_or_index: int | str) -> Table:
        tables = self.sheet._tables
        if isinstance(name_or_index, numbers.Number):
            return list(tables.values())[int(name_or_index) - 1]
        if name_or_index not in tables:
            raise KeyError(f"no table {name_or_index!r}")
        return tables[name_or_index]

    def __contains__(self, name: str) -> bool:
        return name in self.sheet._tables

    def __len__(self) -> int:
        return len(self.sheet._tables)

    def __iter__(self) -> Iterator[Table]:
        return iter(self.sheet._tables.values())


class Table(base_classes.Table):
    def __init__(self, sheet: Sheet, name: str, ref: str, headers: int, totals: int) -> None:
        self._parent, self._name = sheet, name
        self._range = sheet.range(ref)
        self._headers, self._totals = headers, totals

    @property
    def api(self) -> Any:
        return self

    @property
    def name(self) -> str:
        return self._name

    @property
    def parent(self) -> Sheet:
        return self._parent

    @property
    def range(self) -> Range:
        return self._range

    @property
    def show_headers(self) -> bool:
        return bool(self._headers)

    @property
    def show_totals(self) -> bool:
        return bool(self._totals)

    @property
    def header_row_range(self) -> Range | None:
        if not self._headers:
            return None
        (top, left), (_, right) = self._range.first, self._range.last
        return Range(self._parent, (top, left), (top, right))

    @property
    def data_body_range(self) -> Range | None:
        (top, left), (bottom, right) = self._range.first, self._range.last
        first, last = top + self._headers, bottom - self._totals
        if first > last:
            return None
        return Range(self._parent, (first, left), (last, right))
