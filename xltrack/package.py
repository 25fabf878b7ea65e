"""Where things are inside an .xlsx package: sheets, defined names, tables, date system.

Values come from calamine (reader.py); locations come from here, parsed with defusedxml so
that a DTD or an entity in a submission is refused instead of expanded.
"""

from __future__ import annotations

import posixpath
import re
import xml.etree.ElementTree as ET
import zipfile
from dataclasses import dataclass, field
from xml.etree.ElementTree import Element
from xml.sax.saxutils import unescape

from defusedxml import ElementTree as SafeET
from openpyxl.utils.cell import range_boundaries

NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
      "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
      "p": "http://schemas.openxmlformats.org/package/2006/relationships"}
_RID = f"{{{NS['r']}}}id"
# Strict OOXML uses other namespaces; they are recognised so the file can be named, not read.
STRICT_MAIN = "http://purl.oclc.org/ooxml/spreadsheetml/main"


class PackageError(Exception):
    """The package structure is unusable; says why in both languages."""

    def __init__(self, zh: str, en: str, *, wrong_format: bool = False) -> None:
        super().__init__(en)
        self.zh, self.en, self.wrong_format = zh, en, wrong_format


@dataclass(frozen=True, slots=True)
class Sheet:
    name: str
    part: str
    state: str  # visible, hidden or veryHidden


@dataclass(frozen=True, slots=True)
class TablePart:
    name: str
    sheet: str
    min_row: int  # 1-based, the header row when header_rows == 1
    min_col: int
    max_row: int
    max_col: int
    header_rows: int
    totals_rows: int


@dataclass
class Package:
    sheets: list[Sheet]
    names: dict[str, tuple[str, str]]  # workbook-level defined name -> (sheet, A1 cell)
    tables: dict[str, TablePart]
    date1904: bool
    parts: set[str] = field(default_factory=set)

    def sheet(self, name: str) -> Sheet | None:
        return next((s for s in self.sheets if s.name == name), None)


def _xml(zf: zipfile.ZipFile, part: str) -> Element:
    """A package part's XML, never expanding an entity.

    Excel writes UTF-8 without a DTD. Such a part has no entities to expand, and the C parser
    reads it safely and several times faster than defusedxml's Python one; anything else (a
    DTD, another encoding that could hide one) goes to defusedxml, which refuses a DTD."""
    data = zf.read(part)
    text = data.removeprefix(b"\xef\xbb\xbf").lstrip()
    plain = text[:1] == b"<" and text[1:2] not in (b"", b"\x00") and b"<!DOCTYPE" not in data
    root: Element = (ET.fromstring(data) if plain  # noqa: S314 - no DTD, see above
                     else SafeET.fromstring(data, forbid_dtd=True))
    return root


def _rels(zf: zipfile.ZipFile, part: str, names: set[str]) -> dict[str, str]:
    """Relationship id -> target part, for the part at `part`."""
    folder, base = posixpath.split(part)
    rels_part = posixpath.join(folder, "_rels", base + ".rels")
    if rels_part not in names:
        return {}
    out = {}
    for rel in _xml(zf, rels_part).findall("p:Relationship", NS):
        target = rel.get("Target", "")
        if rel.get("TargetMode") == "External":
            continue
        resolved = (target.lstrip("/") if target.startswith("/")
                    else posixpath.normpath(posixpath.join(folder, target)))
        out[rel.get("Id", "")] = resolved
    return out


def _workbook_part(zf: zipfile.ZipFile, names: set[str]) -> str:
    for rel in _xml(zf, "_rels/.rels").findall("p:Relationship", NS) if "_rels/.rels" in names \
            else []:
        if rel.get("Type", "").endswith("/officeDocument"):
            return rel.get("Target", "").lstrip("/")
    return "xl/workbook.xml"


def read_package(zf: zipfile.ZipFile) -> Package:
    names = set(zf.namelist())
    wb_part = _workbook_part(zf, names)
    if wb_part not in names:
        raise PackageError("文件缺少工作簿主体 (xl/workbook.xml)，请在 Excel 中另存为 .xlsx",
                           "the workbook part (xl/workbook.xml) is missing; open the file in "
                           "Excel and save it again as .xlsx")
    root = _xml(zf, wb_part)
    if root.tag.startswith(f"{{{STRICT_MAIN}}}"):
        raise PackageError("文件为“Strict Open XML”格式，请另存为普通 Excel 工作簿 (.xlsx)",
                           "saved as 'Strict Open XML'; save it again as an ordinary Excel "
                           "Workbook (.xlsx)", wrong_format=True)
    rels = _rels(zf, wb_part, names)
    sheets = [Sheet(s.get("name", ""), rels.get(s.get(_RID, ""), ""), s.get("state", "visible"))
              for s in root.findall("m:sheets/m:sheet", NS)]
    pr = root.find("m:workbookPr", NS)
    date1904 = pr is not None and pr.get("date1904", "0").lower() in ("1", "true")
    defined = {}
    for dn in root.findall("m:definedNames/m:definedName", NS):
        if dn.get("localSheetId") is None and dn.text:
            target = _single_cell(dn.text)
            if target:
                defined[dn.get("name", "")] = target
    tables: dict[str, TablePart] = {}
    for sheet in sheets:
        if sheet.part not in names:
            continue
        for part in _rels(zf, sheet.part, names).values():
            if "/tables/" in part and part in names:
                table = _table(zf, part, sheet.name)
                tables[table.name] = table
    return Package(sheets, defined, tables, date1904, names)


def _table(zf: zipfile.ZipFile, part: str, sheet: str) -> TablePart:
    t = _xml(zf, part)
    min_col, min_row, max_col, max_row = range_boundaries(t.get("ref", ""))
    assert min_col and min_row and max_col and max_row
    return TablePart(name=t.get("displayName") or t.get("name") or "", sheet=sheet,
                     min_row=min_row, min_col=min_col, max_row=max_row, max_col=max_col,
                     header_rows=int(t.get("headerRowCount", "1")),
                     totals_rows=int(t.get("totalsRowCount", "0")))


_CELL_REF = re.compile(r"^(?:'((?:[^']|'')+)'|([^'!]+))!\$?([A-Z]{1,3})\$?(\d+)$")


def _single_cell(text: str) -> tuple[str, str] | None:
    m = _CELL_REF.match(text.strip())
    if not m:
        return None
    sheet = m.group(1).replace("''", "'") if m.group(1) else m.group(2)
    return sheet, f"{m.group(3)}{m.group(4)}"


# What calamine does not tell, read from a sheet's XML: error cells (it returns them as empty
# strings), hidden rows, and formulas (it gives their cached values, never trusted).
# Attributes in either quotes, with or without spaces around "=", as XML allows.
_ERROR_CELL = re.compile(rb'<c\b(?=[^>]*\bt\s*=\s*["\']e["\'])[^>]*\br\s*=\s*["\']([A-Z]+\d+)')
_HIDDEN_ROW = re.compile(
    rb'<row\b(?=[^>]*\bhidden\s*=\s*["\'](?:1|true)["\'])[^>]*\br\s*=\s*["\'](\d+)')
_ERROR_VALUE = re.compile(
    rb'<c\b[^>]*\br\s*=\s*["\']([A-Z]+\d+)["\'][^>]*\bt\s*=\s*["\']e["\'][^>]*>'
    rb'(?:<f[^<]*(?:</f>)?)?<v>([^<]*)</v>')
_FORMULA_TAG = re.compile(rb"<f[\s>/]")
_REF_ATTRIBUTE = re.compile(rb'\sr\s*=\s*["\']([A-Z]+\d+)["\']')


@dataclass(frozen=True)
class SheetMarks:
    errors: dict[str, str]  # A1 cell -> error text (#DIV/0! …)
    hidden_rows: frozenset[int]
    formulas: dict[str, str] = field(default_factory=dict)  # A1 cell -> formula text


def sheet_marks(zf: zipfile.ZipFile, part: str, data: bytes | None = None) -> SheetMarks:
    """The marks of the worksheet at `part`, from its XML (`data`, or unzipped here)."""
    data = zf.read(part) if data is None else data
    errors: dict[str, str] = {}
    # Error cells and hidden rows are rare: a plain search skips their patterns on most sheets.
    if b'"e"' in data or b"'e'" in data:  # t="e", however spaced or quoted
        errors = {m.group(1).decode(): "#ERROR" for m in _ERROR_CELL.finditer(data)}
        for m in _ERROR_VALUE.finditer(data):
            errors[m.group(1).decode()] = m.group(2).decode("utf-8", "replace")
    hidden = (frozenset(int(m.group(1)) for m in _HIDDEN_ROW.finditer(data))
              if b"hidden" in data else frozenset())
    return SheetMarks(errors, hidden, _formulas(data))


def _formulas(data: bytes) -> dict[str, str]:
    """A1 cell -> formula text, for every <f> inside a cell.

    Found from each <f> back to the cell that holds it, rather than by a pattern over every
    cell: a sheet has far fewer formulas than cells."""
    found: dict[str, str] = {}
    for m in _FORMULA_TAG.finditer(data):
        at = m.start()
        cell = _enclosing_cell(data, at)
        if cell is None:
            continue
        ref = _REF_ATTRIBUTE.search(data, cell, data.find(b">", cell))
        if ref is None:
            continue
        tag_end = data.find(b">", at)
        if data[tag_end - 1:tag_end] == b"/":
            text = b""  # <f .../>: a shared formula's follower, its text held elsewhere
        else:
            close = data.find(b"</f>", tag_end)
            text = data[tag_end + 1:close] if close != -1 else b""
        found[ref.group(1).decode()] = unescape(text.decode("utf-8", "replace"))
    return found


def _enclosing_cell(data: bytes, at: int) -> int | None:
    """Where the <c> element holding position `at` starts, or None if `at` is in none."""
    start = data.rfind(b"<c", 0, at)
    while start != -1 and data[start + 2:start + 3] not in (b" ", b">", b"\t", b"\n", b"\r"):
        start = data.rfind(b"<c", 0, start)  # <col>, <cfRule> and the like
    if start == -1:
        return None
    tag_end = data.find(b">", start)
    if data[tag_end - 1:tag_end] == b"/" or data.find(b"</c>", tag_end, at) != -1:
        return None  # an empty cell, or one closed before `at`
    return start
