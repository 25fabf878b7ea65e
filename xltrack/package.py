"""Where things are inside an .xlsx package: sheets, defined names, tables, date system.

Cell values come from sheet_xml.py; locations come from here. Both parse with `parse_xml`, so
that a DTD or an entity in a submission is refused instead of expanded.
"""

from __future__ import annotations

import posixpath
import re
import xml.etree.ElementTree as ET
import zipfile
from dataclasses import dataclass, field
from xml.etree.ElementTree import Element

from defusedxml import ElementTree as SafeET
from lxml import etree as LET

from .a1 import range_bounds

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
    strings_part: str = ""  # the shared strings, if the workbook has any
    styles_part: str = ""
    # Tables whose name another table already has (Excel's names ignore case): which of two
    # same-named tables is "the" table cannot be guessed, so the reader refuses the file.
    clashes: list[TablePart] = field(default_factory=list)

    def sheet(self, name: str) -> Sheet | None:
        return next((s for s in self.sheets if s.name == name), None)


def _xml(zf: zipfile.ZipFile, part: str, parts: dict[str, bytes] | None = None) -> Element:
    data = None if parts is None else parts.get(part)
    data = zf.read(part) if data is None else data
    if len(data) > _PARSED_BYTES:
        return parse_xml(data)
    root = _PARSED.get(data)
    if root is None:
        root = parse_xml(data)  # a part that does not parse is not kept: it raises each time
        if len(_PARSED) >= _PARSED_PARTS:
            _PARSED.clear()
        _PARSED[data] = root
    return root


# The relationships, tables and workbook of the files of one template are mostly the same
# bytes (28 distinct among the 4,200 such parts of the bench's 200 packs): each is parsed once
# per reader process, and the tree, which read_package only reads, kept for the next file.
_PARSED: dict[bytes, Element] = {}
_PARSED_PARTS = 128
_PARSED_BYTES = 8 << 10  # the largest of them, the workbook, is some 4 kB


def parse_xml(data: bytes) -> Element:
    """A package part's XML, never expanding an entity.

    Excel writes UTF-8 without a DTD. Such a part has no entities to expand, and the C parser
    reads it safely and several times faster than defusedxml's Python one; anything else (a
    DTD, another encoding that could hide one) goes to defusedxml, which refuses a DTD."""
    text = data.removeprefix(b"\xef\xbb\xbf").lstrip()
    plain = text[:1] == b"<" and text[1:2] not in (b"", b"\x00") and b"<!DOCTYPE" not in data
    try:
        root: Element = (LET.fromstring(data, _PLAIN_PARSER) if plain
                         else SafeET.fromstring(data, forbid_dtd=True))
    except (LET.XMLSyntaxError, ET.ParseError) as exc:
        raise PackageError(f"文件内部的 XML 已损坏（{exc}），请在 Excel 中另存后重新发送",
                           f"an XML part of the file is damaged ({exc}); open the file in "
                           "Excel, save it and send it again") from None
    return root


# libxml2 (lxml) parses the plain parts about three times faster than the standard library,
# which matters: every cell of a sheet is an element. Entities are never resolved, nothing is
# fetched, and comments and processing instructions are dropped at parse time, so that text
# split by a comment (<v>2<!--x-->0000</v>) reads whole, as Excel reads it.
_PLAIN_PARSER = LET.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                              remove_comments=True, remove_pis=True, huge_tree=False)


def xml_text(raw: bytes) -> str | None:
    """What a text of a part (XML character data in UTF-8: no `<`) says, its entities and
    character references decoded by the same parser as every part; None if it is not
    well-formed (an undefined entity, `&#0;`, a bare `&`, `]]>`)."""
    try:
        return LET.fromstring(b"<t>" + raw + b"</t>", _PLAIN_PARSER).text or ""
    except LET.XMLSyntaxError:
        return None


def _rels(zf: zipfile.ZipFile, part: str, names: set[str],
          parts: dict[str, bytes] | None = None) -> dict[str, str]:
    """Relationship id -> target part, for the part at `part`."""
    folder, base = posixpath.split(part)
    rels_part = posixpath.join(folder, "_rels", base + ".rels")
    if rels_part not in names:
        return {}
    out = {}
    for rel in _xml(zf, rels_part, parts).findall("p:Relationship", NS):
        target = rel.get("Target", "")
        if rel.get("TargetMode") == "External":
            continue
        resolved = (target.lstrip("/") if target.startswith("/")
                    else posixpath.normpath(posixpath.join(folder, target)))
        out[rel.get("Id", "")] = resolved
    return out


def _workbook_part(zf: zipfile.ZipFile, names: set[str],
                   parts: dict[str, bytes] | None) -> str:
    found = (_xml(zf, "_rels/.rels", parts).findall("p:Relationship", NS)
             if "_rels/.rels" in names else [])
    for rel in found:
        if rel.get("Type", "").endswith("/officeDocument"):
            return rel.get("Target", "").lstrip("/")
    return "xl/workbook.xml"


def read_package(zf: zipfile.ZipFile, parts: dict[str, bytes] | None = None) -> Package:
    """The workbook's sheets, tables and names. `parts` are parts of this zip already
    unzipped (intake.check's), by name: used rather than unzipped again."""
    names = set(zf.namelist())
    wb_part = _workbook_part(zf, names, parts)
    if wb_part not in names:
        raise PackageError("文件缺少工作簿主体 (xl/workbook.xml)，请在 Excel 中另存为 .xlsx",
                           "the workbook part (xl/workbook.xml) is missing; open the file in "
                           "Excel and save it again as .xlsx")
    root = _xml(zf, wb_part, parts)
    if root.tag.startswith(f"{{{STRICT_MAIN}}}"):
        raise PackageError("文件为“Strict Open XML”格式，请另存为普通 Excel 工作簿 (.xlsx)",
                           "saved as 'Strict Open XML'; save it again as an ordinary Excel "
                           "Workbook (.xlsx)", wrong_format=True)
    rels = _rels(zf, wb_part, names, parts)
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
    clashes: list[TablePart] = []
    taken: set[str] = set()
    for sheet in sheets:
        if sheet.part not in names:
            continue
        for part in _rels(zf, sheet.part, names, parts).values():
            if "/tables/" in part and part in names:
                table = _table(zf, part, sheet.name, parts)
                if table.name.casefold() in taken:
                    clashes.append(table)
                    continue
                taken.add(table.name.casefold())
                tables[table.name] = table
    strings, styles = _workbook_part_of(zf, wb_part, names, parts)
    return Package(sheets, defined, tables, date1904, names, strings, styles, clashes)


def _workbook_part_of(zf: zipfile.ZipFile, wb_part: str, names: set[str],
                      parts: dict[str, bytes] | None) -> tuple[str, str]:
    """The shared-strings and styles parts the workbook's relationships point to."""
    folder, base = posixpath.split(wb_part)
    rels_part = posixpath.join(folder, "_rels", base + ".rels")
    found = {"sharedStrings": "", "styles": ""}
    if rels_part in names:
        for rel in _xml(zf, rels_part, parts).findall("p:Relationship", NS):
            kind = rel.get("Type", "").rsplit("/", 1)[-1]
            target = rel.get("Target", "")
            if kind in found and rel.get("TargetMode") != "External":
                part = (target.lstrip("/") if target.startswith("/")
                        else posixpath.normpath(posixpath.join(folder, target)))
                found[kind] = part if part in names else ""
    return found["sharedStrings"], found["styles"]


def _table(zf: zipfile.ZipFile, part: str, sheet: str,
           parts: dict[str, bytes] | None) -> TablePart:
    t = _xml(zf, part, parts)
    min_col, min_row, max_col, max_row = range_bounds(t.get("ref", ""))
    if not (min_col and min_row and max_col and max_row):  # a whole row or column: not a table
        raise PackageError(f"表格 {part} 的范围“{t.get('ref')}”无效，请在 Excel 中另存后重新发送",
                           f"the table {part} has the range {t.get('ref')!r}, which is not a "
                           "block of cells; open the file in Excel, save it and send it again")
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
