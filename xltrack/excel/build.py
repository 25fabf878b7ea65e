"""Build the control workbook (xltrack.xlsm) from macros/, the ribbon XML and the settings.

Excel alone writes a VBA project that Excel trusts, so the project starts from the one xlwings
ships in its standalone quickstart workbook (Excel-authored, with the `xlwings` module and its
`Dictionary` class). pyOpenVBA swaps in the installed `xlwings.bas`, so the VBA and the Python
side are the same version, and adds our modules; XlsxWriter lays out the sheets and the buttons;
the ribbon part is added to the package last. Every step is deterministic: the same inputs give
the same bytes, which is how CI knows the committed workbook is current.
"""

from __future__ import annotations

import datetime as dt
import io
import shutil
import sys
import tempfile
import zipfile
from pathlib import Path
from typing import Any

import xlsxwriter
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from .. import control as ctl
from ..errors import UsageError
from ..report.cells import set_print_pages
from ..report.placement import write_atomically
from ..settings import Register
from ..variance import Comparison, RuleSet
from .port import _read_package, _write_package

WORKBOOK = "xltrack.xlsm"
RIBBON = "ribbon.xml"
_FIXED_TIME = dt.datetime(2026, 1, 1)
_UI_PART = "customUI/customUI14.xml"
_UI_REL = ('<Relationship Id="rIdXltrackRibbon" '
           'Type="http://schemas.microsoft.com/office/2007/relationships/ui/extensibility" '
           f'Target="{_UI_PART}"/>')

# The Control sheet's buttons: the macro each runs (in macros/xltrack.bas) and its caption,
# top to bottom, one every two rows. A caption must fit on one line of the button in Excel's
# default font (Calibri 11 pt, CJK from the system's fallback font): a test measures them.
BUTTONS: tuple[tuple[str, str], ...] = (
    ("ValidateInbox", "检查收件 Validate inbox"),
    ("RunMonth", "运行本月 Run month"),
    ("OpenReport", "打开报告 Open report"),
    ("SpecialReports", "专项报告 Special reports"),
    ("KeyWorkFollowUps", "重点工作 Key-work follow-ups"),
    ("GenerateTemplates", "生成模板 Generate templates"),
    ("CheckSettings", "检查设置 Check settings"),
    ("IssueTemplates", "下发模板 Issue templates"),
    ("Chase", "催报 Chase"),
)
BUTTON_SIZE = (220, 34)  # pixels: 165 x 25.5 pt, one line of 11 pt text
_FORMATS = {"money": "#,##0.00", "number": "0.00", "pct": "0.0%", "date": "yyyy-mm-dd",
            "int": "0", "text": "@", "flag": "@"}
_LISTS = {"comparison": [c.value for c in Comparison], "combine": ["both", "either"],
          "span": ["month", "ytd", "to_date", "at_completion"], "board_designated": ["Y", "N"]}


def macros_folder() -> Path:
    """macros/ beside the package in a checkout; share/xltrack/macros in an installation."""
    for folder in (Path(__file__).resolve().parents[2] / "macros",
                   Path(sys.prefix) / "share" / "xltrack" / "macros"):
        if (folder / RIBBON).exists():
            return folder
    raise UsageError("the macros/ folder (VBA source and ribbon.xml) was not found; build from "
                     "a checkout of xltrack or give --macros")


# The xlwings whose VBA module the workbook carries; pyproject.toml pins the same version
# (xlwings refuses a VBA module of another version on macOS and with the UDF server).
XLWINGS_VERSION = "0.37.8"


def xlwings_mismatch() -> str | None:
    """What to do when the installed xlwings is not the one the workbook is built for."""
    import xlwings

    if xlwings.__version__ == XLWINGS_VERSION:
        return None
    return (f"xlwings {xlwings.__version__} 已安装，但控制台工作簿需要 {XLWINGS_VERSION}。 "
            f"xlwings {xlwings.__version__} is installed; the control workbook carries the "
            f"VBA of xlwings {XLWINGS_VERSION}. Run: pip install xlwings=={XLWINGS_VERSION} "
            "(or upgrade xltrack, then rebuild the workbook: xltrack build-workbook NEW.xlsm "
            "--control OLD.xlsm)")


def _xlwings_files() -> tuple[Path, Path]:
    import xlwings

    problem = xlwings_mismatch()
    if problem:
        raise UsageError(problem)
    root = Path(xlwings.__file__).parent
    return root / "quickstart_standalone.xlsm", root / "xlwings.bas"


def _crlf(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\n", "\r\n")


def vba_project(macros: Path) -> bytes:
    """vbaProject.bin: xlwings' Excel-authored project, our modules added."""
    from pyopenvba import ExcelFile

    template, xlwings_bas = _xlwings_files()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp) / "project.xlsm"
        shutil.copyfile(template, work)
        with ExcelFile(work) as book:
            project = book.vba_project()
            project.delete_module("Module1")  # xlwings' sample macro
            project.get_module("xlwings").source = _crlf(
                xlwings_bas.read_text(encoding="ascii"))
            for bas in sorted(macros.glob("*.bas")):
                project.add_module(bas.stem, _crlf(bas.read_text(encoding="ascii")))
            book.save()
        with zipfile.ZipFile(work) as archive:
            return archive.read("xl/vbaProject.bin")


def build_workbook(out: Path, register: Register, rules: RuleSet,
                   values: dict[str, str] | None = None, macros: Path | None = None) -> Path:
    """Write the control workbook to `out`, holding these settings."""
    macros = macros or macros_folder()
    ribbon = (macros / RIBBON).read_bytes()
    project = vba_project(macros)
    settings = {key: default for key, default, _ in ctl.CONTROL_FIELDS}
    settings.update(contact=register.operations_contact, deadline_day=str(register.deadline_day))
    settings.update(values or {})
    with tempfile.TemporaryDirectory() as tmp:
        plain = Path(tmp) / WORKBOOK
        _lay_out(plain, project, register, rules, settings)
        package = _read_package(plain)
    package[_UI_PART] = ribbon
    rels = package["_rels/.rels"].decode("utf-8")
    package["_rels/.rels"] = rels.replace("</Relationships>",
                                          _UI_REL + "</Relationships>").encode("utf-8")
    out.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(out, lambda tmp: _write_package(package, tmp))
    return out


def _lay_out(path: Path, project: bytes, register: Register, rules: RuleSet,
             settings: dict[str, str]) -> None:
    wb = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False,
                                         "strings_to_urls": False})
    wb.set_properties({"title": "xltrack 控制台 control workbook", "author": "xltrack",
                       "created": _FIXED_TIME})
    wb.add_vba_project(io.BytesIO(project), is_stream=True)
    wb.set_vba_name("ThisWorkbook")
    styles = _Styles(wb)
    control = _settings_sheet(wb, styles, ctl.CONTROL, [
        {"setting": key, "value": settings[key], "meaning": meaning}
        for key, _, meaning in ctl.CONTROL_FIELDS])
    for i, (macro, caption) in enumerate(BUTTONS):
        control.insert_button(ctl.HEADER_ROW + i * 2, 4, {
            "macro": macro, "caption": caption, "width": BUTTON_SIZE[0],
            "height": BUTTON_SIZE[1]})
    control.set_column(4, 4, 34)
    rows = ctl.register_rows(register)
    for table in ctl.SETTINGS[1:-1]:
        _settings_sheet(wb, styles, table, rows[table.name])
    _settings_sheet(wb, styles, ctl.RULES, ctl.rules_rows(rules))
    for result in ctl.RESULTS.values():
        _result_sheet(wb, styles, result)
    _xlwings_conf(wb, styles)
    for ws in wb.worksheets():
        ws.set_vba_name()
    control.activate()
    control.set_paper(9)  # A4, not the default Letter
    control.set_landscape()  # at 100%: a fit to one page shrank the settings to 7 pt
    wb.close()


_PRINT_TITLE = "xltrack 控制工作簿 Control workbook"


class _Styles:
    def __init__(self, wb: Workbook) -> None:
        self.note = wb.add_format({"bold": True, "font_size": 12, "font_color": "#1F3864"})
        self.key = wb.add_format({"font_size": 9, "font_color": "#808080"})
        self.header = wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1,
                                     "text_wrap": True, "valign": "top"})
        self.kinds = {kind: wb.add_format({"num_format": code})
                      for kind, code in _FORMATS.items()}


def _settings_sheet(wb: Workbook, s: _Styles, table: ctl.SettingsTable,
                    rows: list[dict[str, Any]]) -> Worksheet:
    ws = wb.add_worksheet(table.sheet)
    ws.write_string(ctl.NOTE_ROW, 0, table.note, s.note)
    top = ctl.HEADER_ROW
    last = top + max(len(rows), 1)
    for i, column in enumerate(table.columns):
        ws.set_column(i, i, column.width, s.kinds[column.kind])
        ws.write_string(ctl.KEY_ROW, i, column.key, s.key)
        if column.key in _LISTS:
            ws.data_validation(top + 1, i, top + 500, i, {
                "validate": "list", "source": _LISTS[column.key], "ignore_blank": True})
        for r, row in enumerate(rows, start=top + 1):
            _write(ws, r, i, row.get(column.key), column, s)
    ws.add_table(top, 0, last, len(table.columns) - 1, {
        "name": table.name, "style": "Table Style Medium 2",
        "columns": [{"header": c.header, "header_format": s.header} for c in table.columns]})
    ws.set_row(top, 30)
    ws.freeze_panes(top + 1, 0)
    set_print_pages(ws, [c.width for c in table.columns], top, 1, _PRINT_TITLE, "zh")
    return ws


def _write(ws: Worksheet, row: int, col: int, value: Any, column: ctl.Column,
           s: _Styles) -> None:
    fmt = s.kinds[column.kind]
    if value is None or value == "":
        return
    if isinstance(value, dt.date):
        ws.write_datetime(row, col, dt.datetime.combine(value, dt.time()), fmt)
    elif isinstance(value, bool | str):
        ws.write_string(row, col, str(value), fmt)
    else:
        ws.write_number(row, col, float(value), fmt)


def _result_sheet(wb: Workbook, s: _Styles, result: ctl.ResultSheet) -> None:
    ws = wb.add_worksheet(result.sheet)
    for i, column in enumerate(result.columns):
        ws.set_column(i, i, column.width, s.kinds[column.kind])
        ws.write_string(0, i, column.header, s.header)
    ws.freeze_panes(1, 0)
    set_print_pages(ws, [c.width for c in result.columns], 0, 1, _PRINT_TITLE, "zh")


def _xlwings_conf(wb: Workbook, s: _Styles) -> None:
    """xlwings' own settings sheet, off until renamed to xlwings.conf (as in its quickstart)."""
    ws = wb.add_worksheet(ctl.CONFIG_SHEET)
    for row, key in enumerate(("Interpreter_Win", "Interpreter_Mac", "PYTHONPATH",
                               "Conda Path", "Conda Env", "Show Console")):
        ws.write_string(row, 0, key)
    ws.write_boolean(5, 1, False)
    ws.write_string(0, 3, "Rename this sheet to xlwings.conf (no leading underscore) to use "
                          "these settings; see docs/excel.md. 去掉表名前的下划线即生效。", s.note)
    ws.set_column(0, 0, 18)
    ws.set_column(1, 1, 50)
