"""The workbook port: the few things xltrack asks of a control workbook.

Two implementations: `XlwingsPort` talks to the live workbook in Excel (the buttons' door);
`FilePort` reads and writes the file on disk (the CLI and the tests). Everything behind the
port runs the same whichever it is.

FilePort never lets openpyxl save the workbook: openpyxl drops the form buttons and the ribbon.
It replaces only the rows of the result sheets inside the package, cell by cell, and moves the
new file into place atomically.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import re
import warnings
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol
from xml.sax.saxutils import escape

from defusedxml import ElementTree
from openpyxl import load_workbook
from openpyxl.utils.cell import range_boundaries

from ..control import Column, column_letter
from ..errors import UsageError
from ..report.placement import write_atomically

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
# Text that Excel would take for a formula when typed: written as text, never evaluated.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
LOG = logging.getLogger("xltrack.excel")
_ILLEGAL_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


@dataclass
class Table:
    """An Excel table's cells as read: the header row, then the data rows."""

    sheet: str
    name: str
    top: int  # 0-based row of the header
    left: int  # 0-based column of the first column
    keys: list[str]  # the row above the header: the column keys
    rows: list[list[Any]]

    def cell(self, row: int, column: int) -> str:
        """Where data row `row`, column `column` (both 0-based) sits, as Sheet!A1."""
        return f"{self.sheet}!{column_letter(self.left + column)}{self.top + row + 2}"


class WorkbookPort(Protocol):
    path: Path

    def read_table(self, sheet: str, name: str) -> Table | None: ...

    def write_result(self, sheet: str, columns: Sequence[Column],
                     rows: list[list[Any]]) -> None: ...

    def status(self, text: str | None) -> None: ...

    def alert(self, text: str, title: str) -> None: ...

    def open_file(self, path: Path) -> None: ...

    def save(self) -> None: ...


def as_text(value: Any) -> Any:
    """A value for a cell: text stays text even when it looks like a formula."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


class XlwingsPort:
    """The workbook open in Excel that called Python."""

    def __init__(self, book: Any) -> None:
        self.book = book
        self.path = Path(book.fullname)

    def read_table(self, sheet: str, name: str) -> Table | None:
        try:
            table = self.book.sheets[sheet].tables[name]
        except Exception:  # xlwings raises COM or AppleScript errors of its own: all mean absent
            return None
        header = table.header_row_range
        if header is None:  # headers switched off: there is no key row to find columns by
            return Table(sheet, name, 0, 0, [], [])
        body = table.data_body_range
        # ndim=2 everywhere: by default xlwings squeezes one cell to a scalar and one row or
        # column to a flat list, so a one-column table's key "code" would read as c, o, d, e
        # and a one-row table as one list of cells instead of one row.
        keys = header.offset(-1, 0).options(ndim=2).value[0] if header.row > 1 else []
        rows = body.options(ndim=2).value if body is not None else []
        return Table(sheet, name, header.row - 1, header.column - 1,
                     [str(k or "") for k in keys], [list(row) for row in rows])

    def write_result(self, sheet: str, columns: Sequence[Column],
                     rows: list[list[Any]]) -> None:
        ws = self.book.sheets[sheet]
        last = ws.used_range.last_cell.row
        width = len(columns)
        if last > 1:
            ws.range((2, 1), (last, width)).clear_contents()
        if rows:
            ws.range((2, 1)).value = [[as_text(v) for v in row] for row in rows]

    def status(self, text: str | None) -> None:
        """Progress in Excel's status bar; it is only a courtesy, so a failure stops nothing."""
        try:
            self.book.app.status_bar = text or False
        except Exception:  # COM or AppleScript refused (Excel busy, a dialog open…)
            LOG.warning("the status bar could not be set to %r", text)

    def alert(self, text: str, title: str) -> None:
        self.book.app.alert(text, title=title)

    def open_file(self, path: Path) -> None:
        self.book.app.books.open(str(path))

    def save(self) -> None:
        """Excel keeps the workbook open; the person saves it."""


@dataclass
class FilePort:
    """A control workbook on disk. Writes are kept until `save`."""

    path: Path
    messages: list[str] = field(default_factory=list)
    opened: list[Path] = field(default_factory=list)
    _pending: dict[str, tuple[Sequence[Column], list[list[Any]]]] = field(default_factory=dict)
    _book: Any = None

    def _workbook(self) -> Any:
        if self._book is None:
            try:
                with warnings.catch_warnings():
                    # openpyxl warns about the data-validation extension it does not read.
                    warnings.simplefilter("ignore")
                    self._book = load_workbook(self.path, data_only=False)
            except FileNotFoundError:
                raise UsageError(f"找不到控制工作簿 {self.path}",
                                 f"control workbook {self.path} not found") from None
            except (OSError, zipfile.BadZipFile, KeyError, ValueError) as exc:
                raise UsageError(f"无法读取控制工作簿 {self.path}：{exc}；请用 xltrack "
                                 "build-workbook 重新生成",
                                 f"control workbook {self.path} cannot be read: {exc}; "
                                 "rebuild it with xltrack build-workbook") from None
        return self._book

    def read_table(self, sheet: str, name: str) -> Table | None:
        book = self._workbook()
        if sheet not in book.sheetnames or name not in book[sheet].tables:
            return None
        ws = book[sheet]
        left, top, right, bottom = range_boundaries(ws.tables[name].ref)
        cells = [[ws.cell(r, c).value for c in range(left, right + 1)]
                 for r in range(top - 1, bottom + 1)]
        keys = [str(k or "") for k in cells[0]]
        return Table(sheet, name, top - 1, left - 1, keys, cells[2:])

    def write_result(self, sheet: str, columns: Sequence[Column],
                     rows: list[list[Any]]) -> None:
        self._pending[sheet] = (columns, rows)

    def status(self, text: str | None) -> None:
        """No status bar on disk."""

    def alert(self, text: str, title: str) -> None:
        self.messages.append(f"{title}: {text}")

    def open_file(self, path: Path) -> None:
        self.opened.append(path)

    def save(self) -> None:
        if not self._pending:
            return
        package = _read_package(self.path)
        parts = _sheet_parts(package)
        for sheet, (columns, rows) in self._pending.items():
            if sheet not in parts:
                raise UsageError(f"{self.path}: the sheet {sheet!r} is missing; rebuild the "
                                 "control workbook with xltrack build-workbook")
            part = parts[sheet]
            package[part] = _rewrite_rows(package[part].decode("utf-8"), columns,
                                          rows).encode("utf-8")
        _drop_calc_chain(package)
        write_atomically(self.path, lambda tmp: _write_package(package, tmp))
        self._pending.clear()
        self._book = None


def _read_package(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist()}


def _write_package(package: dict[str, bytes], path: Path) -> None:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in package.items():
            archive.writestr(zipfile.ZipInfo(name, (1980, 1, 1, 0, 0, 0)), data,
                             zipfile.ZIP_DEFLATED)


def _sheet_parts(package: dict[str, bytes]) -> dict[str, str]:
    """Sheet name → the part holding its XML."""
    book = ElementTree.fromstring(package["xl/workbook.xml"])
    rels = ElementTree.fromstring(package["xl/_rels/workbook.xml.rels"])
    targets = {r.get("Id"): r.get("Target", "") for r in rels.iter(f"{{{_PKG}}}Relationship")}
    parts = {}
    for sheet in book.iter(f"{{{_MAIN}}}sheet"):
        target = targets.get(sheet.get(f"{{{_REL}}}id"), "")
        parts[sheet.get("name", "")] = target.lstrip("/") if target.startswith("/") \
            else f"xl/{target}"
    return parts


def _drop_calc_chain(package: dict[str, bytes]) -> None:
    """A calculation chain naming a cell we rewrote makes Excel repair the file; without one,
    Excel simply builds a new chain."""
    if package.pop("xl/calcChain.xml", None) is None:
        return
    rels = package["xl/_rels/workbook.xml.rels"].decode("utf-8")
    package["xl/_rels/workbook.xml.rels"] = re.sub(
        r"<Relationship [^>]*calcChain[^>]*/>", "", rels).encode("utf-8")
    types = package["[Content_Types].xml"].decode("utf-8")
    package["[Content_Types].xml"] = re.sub(
        r"<Override [^>]*calcChain[^>]*/>", "", types).encode("utf-8")


_ROW = re.compile(r"<row\b([^>]*?)(?:/>|>(.*?)</row>)", re.S)
_CELL = re.compile(r"<c\b([^>]*?)(?:/>|>.*?</c>)", re.S)
_REF = re.compile(r'\br="([A-Z]+)(\d+)"')
_COL = re.compile(r"<col\b[^>]*/>")


def _rewrite_rows(xml: str, columns: Sequence[Column], rows: list[list[Any]]) -> str:
    """The sheet with rows 2… of columns A… replaced; the header row and every cell to the
    right of our columns are kept as they were, byte for byte."""
    width = len(columns)
    styles = _column_styles(xml)
    match = re.search(r"<sheetData\s*/>|<sheetData>(.*?)</sheetData>", xml, re.S)
    if match is None:
        raise UsageError("结果工作表缺少单元格部分；请重新生成控制工作簿",
                         "a result sheet has no cells part; rebuild the control workbook")
    header, kept = "", {}
    for row in _ROW.finditer(match.group(1) or ""):
        number = int(re.search(r'\br="(\d+)"', row.group(1)).group(1))  # type: ignore[union-attr]
        if number == 1:
            header = row.group(0)
            continue
        theirs = [cell.group(0) for cell in _CELL.finditer(row.group(2) or "")
                  if _column_index(cell.group(1)) >= width]
        if theirs:
            kept[number] = theirs
    lines = [header]
    last = max([len(rows) + 1, *kept])
    for number in range(2, last + 1):
        values = rows[number - 2] if number - 2 < len(rows) else []
        ours = [_cell(f"{column_letter(i)}{number}", value, styles.get(i + 1))
                for i, value in enumerate(values)]
        cells = "".join([*ours, *kept.get(number, [])])
        if cells:
            lines.append(f'<row r="{number}">{cells}</row>')
    body = "<sheetData>" + "".join(lines) + "</sheetData>"
    xml = xml[:match.start()] + body + xml[match.end():]
    return re.sub(r'<dimension ref="[^"]*"\s*/>',
                  f'<dimension ref="A1:{column_letter(max(width, 1) - 1)}{last}"/>', xml,
                  count=1)


def _column_index(attributes: str) -> int:
    ref = _REF.search(attributes)
    if ref is None:
        return 0
    index = 0
    for letter in ref.group(1):
        index = index * 26 + ord(letter) - 64
    return index - 1


def _column_styles(xml: str) -> dict[int, str]:
    """1-based column → the style the builder gave it, for the cells we write there."""
    styles = {}
    for col in _COL.findall(xml):
        attrs = dict(re.findall(r'(\w+)="([^"]*)"', col))
        if "style" in attrs:
            for index in range(int(attrs["min"]), int(attrs["max"]) + 1):
                styles[index] = attrs["style"]
    return styles


def _cell(ref: str, value: Any, style: str | None) -> str:
    s = f' s="{style}"' if style else ""
    # Excel keeps no empty text: "" through xlwings leaves the cell blank, so here too.
    if value is None or value == "" or (isinstance(value, float) and not math.isfinite(value)):
        return ""
    if isinstance(value, bool):
        return f'<c r="{ref}"{s} t="b"><v>{int(value)}</v></c>'
    if isinstance(value, dt.datetime | dt.date):
        return f'<c r="{ref}"{s}><v>{_serial(value)}</v></c>'
    if isinstance(value, int | float):
        return f'<c r="{ref}"{s}><v>{value!r}</v></c>'
    text = escape(_ILLEGAL_XML.sub("", str(value)))
    return f'<c r="{ref}"{s} t="inlineStr"><is><t xml:space="preserve">{text}</t></is></c>'


def _serial(value: dt.date | dt.datetime) -> float:
    moment = value if isinstance(value, dt.datetime) else dt.datetime.combine(value, dt.time())
    days = (moment - dt.datetime(1899, 12, 30)).total_seconds() / 86400
    return round(days, 6)
