"""The xlwings side of the port, without Excel: the parts of xlwings' API it relies on exist,
and what it writes through them is right. (No Excel runs here; docs/excel.md has the checklist
for real Excel.)"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import xlwings.main as xw

from xltrack.control import RESULTS
from xltrack.excel.port import XlwingsPort


def test_the_xlwings_api_the_port_uses_exists() -> None:
    used = {xw.Book: ["caller", "fullname", "sheets", "app"],
            xw.Sheet: ["tables", "used_range", "range"],
            xw.Table: ["header_row_range", "data_body_range"],
            xw.Range: ["offset", "options", "clear_contents", "value", "row", "column",
                       "last_cell"],
            xw.App: ["status_bar", "alert", "books"], xw.Books: ["open"]}
    missing = [f"{cls.__name__}.{name}" for cls, names in used.items() for name in names
               if not hasattr(cls, name)]
    assert missing == []


class _Range:
    """A stand-in for xlwings.Range over a dict of cells, 1-based like Excel."""

    def __init__(self, cells: dict[tuple[int, int], Any], first: tuple[int, int],
                 last: tuple[int, int] | None = None) -> None:
        self.cells, self.first, self.last = cells, first, last or first
        self.row, self.column = first

    def clear_contents(self) -> None:
        for r in range(self.first[0], self.last[0] + 1):
            for c in range(self.first[1], self.last[1] + 1):
                self.cells.pop((r, c), None)

    @property
    def value(self) -> Any:
        return self.cells.get(self.first)

    @value.setter
    def value(self, rows: list[list[Any]]) -> None:
        for i, row in enumerate(rows):
            for j, v in enumerate(row):
                self.cells[(self.row + i, self.column + j)] = v


class _Sheet:
    def __init__(self, cells: dict[tuple[int, int], Any]) -> None:
        self.cells = cells

    @property
    def used_range(self) -> Any:
        last = max(r for r, _ in self.cells)
        return type("Used", (), {"last_cell": type("Cell", (), {"row": last})})()

    def range(self, first: tuple[int, int], last: tuple[int, int] | None = None) -> _Range:
        return _Range(self.cells, first, last)


def test_results_replace_our_columns_and_text_is_never_a_formula() -> None:
    sheet = RESULTS["summary"]
    cells: dict[tuple[int, int], Any] = {(1, 1): "项目 Item", (2, 1): "old", (9, 3): "old",
                                         (5, 5): "a note typed beside the results"}
    events: list[Any] = []
    app = type("App", (), {"alert": lambda self, text, title: events.append((title, text)),
                           "books": None})()
    book = type("Book", (), {"fullname": "/x/xltrack.xlsm", "app": app,
                             "sheets": {sheet.sheet: _Sheet(cells)}})()
    port = XlwingsPort(book)
    assert port.path == Path("/x/xltrack.xlsm")
    port.write_result(sheet.sheet, sheet.columns, [["期间 Period", "2026-10", "=cmd|'/C calc'!A0"],
                                                  ["-1+2", 3.5, "@SUM(A1)"]])
    assert cells == {(1, 1): "项目 Item", (2, 1): "期间 Period", (2, 2): "2026-10",
                     (2, 3): "'=cmd|'/C calc'!A0", (3, 1): "'-1+2", (3, 2): 3.5,
                     (3, 3): "'@SUM(A1)", (5, 5): "a note typed beside the results"}
    port.status("Reading 3/158")
    assert app.status_bar == "Reading 3/158"
    port.status(None)
    assert app.status_bar is False  # False hands the status bar back to Excel
    port.alert("done", "xltrack")
    assert events == [("xltrack", "done")]
