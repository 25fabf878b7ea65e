"""The xlwings side of the port, without Excel: the parts of xlwings' API it relies on exist,
and what it writes through them is right, through xlwings' own objects on the in-memory
engine. (No Excel runs here; docs/excel.md has the checklist for real Excel.)"""

from __future__ import annotations

import shutil
from pathlib import Path

import xlwings as xw

from tests import xlwings_memory_engine as memory
from tests.test_excel_build import COMMITTED
from xltrack.control import RESULTS
from xltrack.excel.port import XlwingsPort


def test_the_xlwings_api_the_port_uses_exists() -> None:
    used = {xw.Book: ["caller", "fullname", "sheets", "app"],
            xw.Sheet: ["tables", "used_range", "range"],
            xw.main.Table: ["header_row_range", "data_body_range"],
            xw.Range: ["offset", "options", "clear_contents", "value", "row", "column",
                       "last_cell"],
            xw.App: ["status_bar", "alert", "books"], xw.main.Books: ["open"]}
    missing = [f"{cls.__name__}.{name}" for cls, names in used.items() for name in names
               if not hasattr(cls, name)]
    assert missing == []


def test_results_replace_our_columns_and_text_is_never_a_formula(
        tmp_path: Path, excel: memory.App) -> None:
    """Through xlwings' own Range on the in-memory engine (Excel's typed-input rules)."""
    path = Path(shutil.copyfile(COMMITTED, tmp_path / "xltrack.xlsm"))
    book = xw.Book(str(path))
    sheet = RESULTS["summary"]
    ws = book.sheets[sheet.sheet]
    ws.range("A2:C9").value = [["old", "old", "old"]] * 8
    ws.range("E5").value = "a note typed beside the results"
    port = XlwingsPort(book)
    assert port.path == path.resolve()
    port.write_result(sheet.sheet, sheet.columns, [["期间 Period", "2026-10", "=cmd|'/C calc'!A0"],
                                                  ["-1+2", 3.5, "@SUM(A1)"]])
    assert ws.range("A1:E4").value == [
        ["项目 Item", "数值 Value", "说明 Detail", None, None],
        ["期间 Period", "2026-10", "=cmd|'/C calc'!A0", None, None],
        ["-1+2", 3.5, "@SUM(A1)", None, None], [None] * 5]
    assert ws.range("A5:C9").value == [[None] * 3] * 5  # the old rows are gone
    assert ws.range("E5").value == "a note typed beside the results"
    assert ws.impl.formulas == {}
    port.status("Reading 3/158")
    assert excel.status_bar == "Reading 3/158"
    port.status(None)
    assert excel.status_bar is False  # False hands the status bar back to Excel
    port.alert("done", "xltrack")
    assert excel.alerts == [("done", "xltrack")]
