"""A worksheet's XML → its cells, as a real XML parser reads them.

Values, formulas, error cells, inline strings and hidden rows all come from one reading of the
part, so nothing depends on how the XML happens to be spelled: attribute quoting and order,
namespace prefixes (`x:c`), comments, CDATA and character references (`2&#52;7.62`) are the
parser's business, and it resolves them as Excel does. What XML allows but a worksheet does
not (a cell listed twice, rows out of order, a reference that is not a cell, a number that is
not a number) is a `Flaw`, which the reader turns into a finding on that cell: the file is
refused, never read by guessing which copy Excel would show.

Two paths give the same Cells (tests/test_sheet_fast.py): `read_sheet_fast` cuts the cells as
Excel, LibreOffice, openpyxl and xltrack's filler write them into tokens with one C-level
regex (a strict subset of XML, lxml parsing the rest of the document), and declines whatever
else it meets (the same pass compiled, xltrack/_cells.c, where it is built: the same Cells,
tests/test_sheet_compiled.py); `read_sheet_parsed` parses the whole part with lxml, every
spelling XML allows. Both type a cell through the one `_Pass.fact`.

Shared strings and the styles that make a number a date are read once per file (`Book`).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any
from xml.etree.ElementTree import Element

from lxml import etree as LET

from .package import NS, PackageError, parse_xml, xml_text
from .values import excel_serial_date

_M = f"{{{NS['m']}}}"
WORKSHEET, SHEET_DATA, ROW, CELL = (f"{_M}worksheet", f"{_M}sheetData", f"{_M}row", f"{_M}c")
_V, _F, _IS, _T, _R, _SI = (f"{_M}v", f"{_M}f", f"{_M}is", f"{_M}t", f"{_M}r", f"{_M}si")
_EXT = f"{_M}extLst"
MAX_ROW, MAX_COL = 1_048_576, 16_384  # Excel's grid
# xsd:double as Excel writes it; float() alone would also take "inf", "nan" and "1_000".
_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")  # Excel's escape for control characters
# Built-in number formats that show a date (ECMA-376 18.8.30 and the East Asian ones).
_DATE_FORMAT_IDS = frozenset([*range(14, 18), 22, *range(27, 37), *range(50, 59)])
# Quoted text, escapes, fills and brackets ([Red], [$-804]) show no date; elapsed [h] [mm] [ss]
# are kept, to tell minutes from months.
_QUOTED = re.compile(r'"[^"]*"|\\.|_.|\*.|\[(?![hms]+\])[^\]]*\]', re.IGNORECASE)


class SheetTooLarge(PackageError):
    """The cells a sheet really holds span more than the reader will lay out."""


@dataclass(frozen=True)
class Flaw:
    """Something in the sheet's XML that Excel would not open as it stands."""

    cell: str  # A1 reference, or "" when the flaw is not at one cell
    zh: str
    en: str


@dataclass
class Cells:
    """A sheet's values by 1-based row, each row a list by 0-based column ("" where empty)."""

    rows: dict[int, list[Any]] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)  # A1 cell -> error text (#DIV/0! …)
    formulas: dict[str, str] = field(default_factory=dict)  # A1 cell -> formula text
    hidden_rows: frozenset[int] = frozenset()
    flaws: list[Flaw] = field(default_factory=list)


@dataclass
class Book:
    """What every sheet of one workbook needs: its shared strings and its date styles."""

    strings: list[str]
    date_styles: frozenset[int]  # indices into cellXfs whose number format shows a date
    style_count: int = 0  # how many cellXfs there are
    date1904: bool = False
    # The s= of every style that shows a number as a number, spelled as Excel writes it.
    number_styles: frozenset[str] = field(init=False)
    # The same as the fast path meets them: the bytes of s=, b"" for a cell without one.
    number_styles_bytes: frozenset[bytes] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.number_styles = frozenset(str(i) for i in range(self.style_count)
                                       if i not in self.date_styles)
        self.number_styles_bytes = frozenset(
            [*(s.encode() for s in self.number_styles), *([b""] if "0" in self.number_styles
                                                           else [])])


def rich_text(element: Element) -> str:
    """The text of a shared or inline string: its <t>, or its runs' <t>, never phonetics."""
    parts = []
    for child in element:
        if child.tag == _T:
            parts.append(child.text or "")
        elif child.tag == _R:
            parts.extend(t.text or "" for t in child.iter(_T))
    return _unescape("".join(parts))


def _unescape(text: str) -> str:
    """Excel's _xHHHH_ escapes (control characters) in a string's text, decoded."""
    return _ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text) if "_x" in text else text


def shared_strings(data: bytes) -> list[str]:
    return [rich_text(si) for si in parse_xml(data).iter(_SI)]


def date_styles(data: bytes) -> tuple[frozenset[int], int]:
    """The cell styles (cellXfs indices) whose number format shows a date, and how many
    cell styles there are."""
    root = parse_xml(data)
    custom = {fmt.get("numFmtId", ""): fmt.get("formatCode", "")
              for fmt in root.iterfind(f"{_M}numFmts/{_M}numFmt")}
    found = set()
    index = -1
    for index, xf in enumerate(root.iterfind(f"{_M}cellXfs/{_M}xf")):
        number_format = xf.get("numFmtId", "0")
        if number_format in custom:
            if _shows_date(custom[number_format]):
                found.add(index)
        elif number_format.isdigit() and int(number_format) in _DATE_FORMAT_IDS:
            found.add(index)
    return frozenset(found), index + 1


def _shows_date(code: str) -> bool:
    """Whether a custom format code shows a day: y, m or d outside quotes and brackets."""
    plain = _QUOTED.sub("", code.split(";")[0]).lower().replace("general", "")
    if any(ch in plain for ch in "yd"):
        return True
    return "m" in plain and not any(ch in plain for ch in "hs")  # m is minutes beside h or s


def read_sheet(data: bytes, book: Book, max_cells: int) -> Cells:
    """Every cell of a worksheet part, with its formula, error and the flaws found.

    A sheet spelled as Excel, LibreOffice, openpyxl and xltrack write it is read by
    `read_sheet_fast`; any other spelling, or anything that one declines, by
    `read_sheet_parsed`. Both give the same Cells (tests/test_sheet_fast.py)."""
    cells = read_sheet_fast(data, book, max_cells)
    return read_sheet_parsed(data, book, max_cells) if cells is None else cells


def read_sheet_parsed(data: bytes, book: Book, max_cells: int) -> Cells:
    """The sheet through lxml: every spelling XML allows, and a Flaw for what Excel would
    not open."""
    root = parse_xml(data)
    if root.tag != WORKSHEET:
        raise PackageError("工作表内容不是 Excel 工作表格式，请在 Excel 中另存为 .xlsx",
                           "a sheet's XML is not an Excel worksheet; open the file in Excel "
                           "and save it again as .xlsx")
    found = root.findall(SHEET_DATA)
    cells = _Pass(book, max_cells).run(found[0] if found else ())
    if len(found) > 1:  # Excel reads one; which one another reader takes is not certain
        cells.flaws.append(Flaw("", "工作表含有两份单元格数据 (sheetData)，"
                                "请在 Excel 中另存后重新发送",
                                "the sheet's XML holds its cells twice (two sheetData "
                                "elements); open the file in Excel, save it and send it again"))
    return cells


# The fast path. The cells (<sheetData>'s body, nearly all of a sheet's bytes) are cut into
# tokens by one C-level regex over the bytes, whose grammar is a strict subset of XML: the
# spellings writers of cells use, attribute values in double quotes without `<` or `&`, text
# without `<` or characters XML forbids. Every byte of the body must belong to a token (what
# does not, comments, CDATA, processing instructions, prefixes, other attributes, whitespace
# between elements, is caught by the last alternative and declines). The rest of the
# document (small) is parsed by lxml, which checks its well-formedness, its encoding and the
# namespace in force at <sheetData>; a text holding `&` is decoded by lxml too, so entities
# and character references mean exactly what they mean to the parsed path. Declining (None)
# hands the sheet to read_sheet_parsed.
_OPEN, _CLOSE = b"<sheetData>", b"</sheetData>"
_NAME = rb"[A-Za-z_][A-Za-z0-9_.\-]*"
_ATTRS = rb'((?: ' + _NAME + rb'(?::' + _NAME + rb')?="[^"<&\x00-\x1f]*")*)'
_TEXT = rb"([^<\x00-\x08\x0b-\x1f]*)"  # no \r: XML reads \r\n as \n
_TOKEN = re.compile(  # cells first: most tokens are cells
    # 1 letters, 2 digits, 3 s=, 4 t=, in the order every writer of cells puts them
    rb'<c r="([A-Z]{1,3})([1-9][0-9]{0,6})"(?: s="([0-9]{1,9})")?(?: t="([A-Za-z]{1,9})")?'
    rb"(?:/>|>(?:(<f)" + _ATTRS + rb"(?:/>|>" + _TEXT + rb"</f>))?"  # 5 <f, 6 attrs, 7 text
    rb"(?:(<v>)" + _TEXT + rb"</v>)?"  # 8 <v>, 9 stored
    rb'(?:(<is>)<t(?: xml:space="preserve")?>' + _TEXT + rb"</t></is>)?</c>)"  # 10 <is>, 11
    rb"|(</row>)"  # 12
    rb'|<row r="([1-9][0-9]{0,6})"' + _ATTRS + rb"(/?)>"  # 13 number, 14 other attributes, 15 /
    rb"|([\s\S])")  # 16: anything else, which declines
_ATTR = re.compile(rf' ({_NAME.decode()})(?::({_NAME.decode()}))?="([^"]*)"')
_XML_NS = "http://www.w3.org/XML/1998/namespace"
_KINDS = {k.encode(): k for k in ("n", "s", "str", "inlineStr", "e", "b", "d")}
# Texts holding `&` as lxml decodes them, kept for the process: a template's labels recur.
_DECODED: dict[bytes, str] = {}


class _Declined(Exception):
    pass


def _compiled_pass() -> Callable[..., bool | None] | None:
    """The same pass compiled (xltrack/_cells.c); where it is not built (the install found
    no C compiler), None, and the pass below in Python reads the sheet."""
    try:
        from ._cells import fast_pass
    except ImportError:  # pragma: no cover - built wherever the tests run
        return None
    return fast_pass


_compiled = _compiled_pass()


def read_sheet_fast(data: bytes, book: Book, max_cells: int) -> Cells | None:
    """The sheet's Cells exactly as `read_sheet_parsed` gives them, or None where the strict
    grammar does not hold the sheet as written."""
    start, end = data.find(_OPEN), data.find(_CLOSE)
    if start < 0 or end < start or data.count(b"sheetData") != 2:  # one, not in a comment
        return None
    body = data[start + len(_OPEN):end]
    # U+FFFE and U+FFFF are no XML characters; "]]>" may not stand in text.
    if b"]]>" in body or b"\xef\xbf\xbe" in body or b"\xef\xbf\xbf" in body:
        return None
    namespaces = _namespaces(data[:start] + b"<sheetData/>" + data[end + len(_CLOSE):])
    if namespaces is None:
        return None
    p = _Pass(book, max_cells)
    try:
        if _compiled is None:
            return _fast_pass(body, p, namespaces)
        return p.cells if _compiled(body, p, partial(_attributes_of, namespaces), _text,
                                    _unescape) else None
    except (SheetTooLarge, _Declined, UnicodeDecodeError):
        # Too large (the parsed path says so), a text lxml refuses, or bytes that are not
        # UTF-8: every byte the grammar lets through beyond ASCII is in a text or attribute
        # that is decoded on the way.
        return None


def _namespaces(rest: bytes) -> dict[str | None, str] | None:
    """The namespaces in force at <sheetData>, if the document around the cells is a UTF-8
    worksheet whose <sheetData> is in the main namespace."""
    if rest in _RESTS:
        return _RESTS[rest]
    found = _namespaces_parsed(rest)
    if len(rest) <= 1 << 16:
        if len(_RESTS) >= 64:
            _RESTS.clear()
        _RESTS[rest] = found
    return found


# The document around the cells is mostly the same bytes in every file of one template (18
# distinct in the 2,200 sheets of the bench's 200 packs): parsed once per reader process.
_RESTS: dict[bytes, dict[str | None, str] | None] = {}


def _namespaces_parsed(rest: bytes) -> dict[str | None, str] | None:
    try:
        root = parse_xml(rest)
    except PackageError:
        return None
    if not isinstance(root, LET._Element) or root.tag != WORKSHEET:  # defusedxml's: a DTD
        return None
    info = root.getroottree().docinfo
    found = root.findall(SHEET_DATA)
    if (info.encoding or "").upper() != "UTF-8" or info.xml_version != "1.0" or len(found) != 1:
        return None
    return {**found[0].nsmap, "xml": _XML_NS}


def _attributes_of(namespaces: dict[str | None, str], attrs: bytes) -> bool | None:
    return _attributes(attrs.decode(), namespaces)


def _attributes(attrs: str, namespaces: dict[str | None, str]) -> bool | None:
    """Whether attributes (of a row or formula, after r=) say hidden="1"; None if XML would
    refuse them (one given twice, an undeclared prefix) or they declare a namespace."""
    seen = {("", "r")}
    hidden = False
    for first, local, value in _ATTR.findall(attrs):
        if local:
            if first.startswith("xmlns") or first not in namespaces:
                return None
            key = (namespaces[first], local)
        elif first.startswith("xmlns"):
            return None
        else:
            key = ("", first)
            hidden = hidden or first == "hidden" and value in ("1", "true")
        if key in seen:
            return None
        seen.add(key)
    return hidden


def _text(raw: bytes) -> str:
    """A text of the body, its entities and character references decoded as lxml does."""
    if b"&" not in raw:
        return raw.decode()
    text = _DECODED.get(raw)
    if text is None:
        text = xml_text(raw)
        if text is None:  # not well-formed (&nbsp;, &#0;, a bare &): the parser says so
            raise _Declined
        if len(_DECODED) >= 20_000:
            _DECODED.clear()
        _DECODED[raw] = text
    return text


def _fast_pass(body: bytes, p: _Pass, namespaces: dict[str | None, str]) -> Cells | None:
    rows, hidden = p.cells.rows, set()
    checked: dict[bytes, bool | None] = {}  # attributes -> _attributes(), once per spelling
    styles: dict[bytes, str | None] = {b"": None}
    columns, kind_of, fact, place = _COLUMNS_BYTES, _KINDS.get, p.fact, p.place
    plain_styles = p.book.number_styles_bytes
    number = last_row = last_col = 0  # number: the row being read, 0 between rows
    digits, suffix = b"", ""
    values: list[Any] = []
    laid = p.laid_out  # p.laid_out while the loop runs, handed to place() and back
    for (letters, cell_digits, style, kind, f, f_attrs, formula, v, stored, inline, text,
         row_close, row, row_attrs, row_ends, _other) in _TOKEN.findall(body):
        if letters:
            try:
                column, name = columns[letters]
            except KeyError:
                column, name = _column_bytes(letters)
            if cell_digits != digits or column <= last_col:
                return None  # outside a row, not of its row, not a column, twice, out of order
            last_col = column
            if not (v or f or inline):
                if kind == b"e":
                    fact(name + suffix, styles.get(style) or style.decode() or None, "e", None,
                         None, None)
                continue
            value: Any
            # The cells a sheet is mostly made of, read here as fact() reads them, for less
            # work: a plain number in a number style, and an inline string.
            if (v and not f and (kind == b"n" or not kind) and style in plain_styles and stored
                    and stored.isascii() and b"&" not in stored and b"_" not in stored):
                try:
                    value = float(stored)
                except ValueError:
                    value = None
                if value is not None and value - value == 0.0:  # not inf, not nan
                    if column == len(values) + 1:
                        values.append(value)
                        laid += 1
                    else:
                        p.laid_out = laid
                        place(values, column, value, name + suffix)
                        laid = p.laid_out
                    continue
            elif inline and kind == b"inlineStr" and not (f or v):
                value = _unescape(text.decode() if b"&" not in text else _text(text))
                if value != "":
                    if column == len(values) + 1:
                        values.append(value)
                        laid += 1
                    else:
                        p.laid_out = laid
                        place(values, column, value, name + suffix)
                        laid = p.laid_out
                continue
            if f_attrs:
                if f_attrs not in checked:
                    checked[f_attrs] = _attributes(f_attrs.decode(), namespaces)
                if checked[f_attrs] is None:
                    return None
            if style not in styles:
                styles[style] = style.decode()
            where = name + suffix
            value = fact(where, styles[style], kind_of(kind) or kind.decode() or None,
                         (stored.decode() if b"&" not in stored else _text(stored)) if v else None,
                         (formula.decode() if b"&" not in formula else _text(formula)) if f
                         else None,
                         _unescape(text.decode() if b"&" not in text else _text(text)) if inline
                         else None)
            if value != "":
                if column == len(values) + 1:
                    values.append(value)
                    laid += 1
                else:
                    p.laid_out = laid
                    place(values, column, value, where)
                    laid = p.laid_out
        elif row:
            found = int(row)
            if number or found <= last_row or found > MAX_ROW:
                return None
            last_row = found
            if row_attrs:
                if row_attrs not in checked:
                    checked[row_attrs] = _attributes(row_attrs.decode(), namespaces)
                is_hidden = checked[row_attrs]
                if is_hidden is None:
                    return None
                if is_hidden:
                    hidden.add(found)
            if not row_ends:
                number, digits, suffix, values, last_col = found, row, row.decode(), [], 0
        elif row_close and number:
            if values:
                rows[number] = values
            number, digits = 0, b""
        else:  # </row> outside a row, or anything the grammar does not know
            return None
    if number:
        return None
    p.laid_out = laid
    p.cells.hidden_rows = frozenset(hidden)
    return p.cells


class _Pass:
    def __init__(self, book: Book, max_cells: int) -> None:
        self.book, self.max_cells, self.laid_out = book, max_cells, 0
        self.cells = Cells()

    def flaw(self, cell: str, zh: str, en: str) -> None:
        self.cells.flaws.append(Flaw(cell, zh, en))

    def run(self, rows: Any) -> Cells:
        hidden, last = set(), 0
        for row in rows:
            if row.tag != ROW:
                self.stray(row, "")
                continue
            number = self.row_number(row, last)
            if number is None:
                continue
            last = number
            if row.get("hidden") in ("1", "true"):
                hidden.add(number)
            self.read_row(row, number)
        self.cells.hidden_rows = frozenset(hidden)
        return self.cells

    def row_number(self, row: Element, last: int) -> int | None:
        text = row.get("r")
        # A row without r= follows the one before, as the format allows.
        number = last + 1 if text is None else int(text) if text.isdigit() else 0
        if not 1 <= number <= MAX_ROW:
            self.flaw("", f"工作表含有无效的行号“{text}”，请在 Excel 中另存后重新发送",
                      f"the sheet's XML has a row numbered {text!r}, which is not a row; open "
                      "the file in Excel, save it and send it again")
            return None
        if number <= last:
            self.flaw(f"A{number}",
                      f"第 {number} 行在文件中重复或顺序错乱，无法确定 Excel 显示哪一份",
                      f"row {number} appears twice or out of order in the sheet's XML, so which "
                      "values Excel shows is not certain; open the file in Excel, save it and "
                      "send it again")
            return None
        return number

    def read_row(self, row: Element, number: int) -> None:
        cells = [cell for cell in row if cell.tag == CELL]
        if len(cells) != len(row):
            for other in row:
                if other.tag != CELL:
                    self.stray(other, f"A{number}")
        refs = [cell.get("r") for cell in cells]
        if None in refs or len(set(refs)) != len(refs):
            self.read_row_in_order(cells, number)
            return
        # Every cell names its place, each once: most cells are empty (styled blanks) and
        # are skipped without looking further; order does not matter, the names decide.
        values: list[Any] = []
        suffix = str(number)
        cut = -len(suffix)
        for cell, ref in zip(cells, refs, strict=True):
            if not len(cell) and cell.get("t") != "e":
                continue
            assert ref is not None  # checked above; for the type checker
            column = _column(ref[:cut]) if ref.endswith(suffix) else None
            if column is None:
                upper = ref.upper()
                column = _column(upper[:cut]) if upper.endswith(suffix) else None
                if column is None:
                    self.bad_reference(ref, number)
                    continue
                ref = upper
            value = self.value(cell, ref)
            if value == "":
                continue
            if column <= len(values) or column > len(values) + 1:
                self.place(values, column, value, ref)
            else:  # the next cell of the row, as nearly every cell is
                values.append(value)
                self.laid_out += 1
        if values:
            self.cells.rows[number] = values

    def read_row_in_order(self, cells: list[Element], number: int) -> None:
        """A row where some cell has no r= (it follows the one before) or one is repeated."""
        values: list[Any] = []
        last = 0
        for cell in cells:
            column = self.column(cell, number, last)
            if column is None:
                continue
            last = column
            where = f"{_letters(column)}{number}"
            self.place(values, column, self.value(cell, where), where)
        if values:
            self.cells.rows[number] = values

    def place(self, values: list[Any], column: int, value: Any, where: str) -> None:
        if value == "":
            return
        if column > len(values):
            self.laid_out += column - len(values)
            if self.laid_out > self.max_cells:
                raise SheetTooLarge("工作表范围过大，请删除多余的行列后重新保存",
                                    "a sheet's cells span too large an area; delete the "
                                    "unused rows and columns and save again")
            values.extend([""] * (column - len(values)))
        elif values[column - 1] != "":  # "c5" and "C5": one cell twice
            self.twice(where)
            return
        values[column - 1] = value

    def stray(self, element: Element, where: str) -> None:
        """An element where the format allows only rows (in sheetData) or cells (in a row):
        a cell outside a row, or one in another namespace, would otherwise vanish unseen."""
        if element.tag == _EXT:
            return  # extension lists hold no values
        self.flaw(where, "工作表中有无法识别的结构，其中的数值可能未被读取；"
                  "请在 Excel 中另存后重新发送",
                  f"the sheet's XML holds an element {element.tag!r} where only rows and cells "
                  "belong, so values in it could go unread; open the file in Excel, save it "
                  "and send it again")

    def bad_reference(self, ref: str, row: int) -> None:
        self.flaw("", f"第 {row} 行含有无效的单元格引用“{ref}”，请在 Excel 中另存后重新发送",
                  f"row {row} holds a cell referenced as {ref!r}, which is not a cell of that "
                  "row; open the file in Excel, save it and send it again")

    def twice(self, where: str) -> None:
        self.flaw(where, f"单元格 {where} 在文件中重复或顺序错乱，无法确定 Excel 显示哪一个值",
                  f"cell {where} appears twice or out of order in the sheet's XML, so which "
                  "value Excel shows is not certain; open the file in Excel, save it and send "
                  "it again")

    def column(self, cell: Element, row: int, last: int) -> int | None:
        ref = cell.get("r")
        if ref is None:  # a cell without r= follows the one before, as the format allows
            column = last + 1
        else:
            upper = ref.upper()
            suffix = str(row)
            found = _column(upper[:-len(suffix)]) if upper.endswith(suffix) else None
            if found is None:
                self.bad_reference(ref, row)
                return None
            column = found
        if column <= last:
            self.twice(f"{_letters(column)}{row}")
            return None
        return column

    def value(self, cell: Element, where: str) -> Any:
        """The facts of a parsed cell, handed to fact()."""
        stored: str | None = None
        formula: str | None = None
        inline: Element | None = None
        seen = set()
        for child in cell:
            tag = child.tag
            if tag in seen or tag == _V and len(child):
                if formula is not None:
                    self.cells.formulas[where] = formula
                self.flaw(where, f"单元格 {where} 的内容在文件中重复或结构异常，无法确定其值",
                          f"cell {where} holds its value twice or in an odd structure in the "
                          "sheet's XML, so which value Excel shows is not certain; open the "
                          "file in Excel, save it and send it again")
                return ""
            seen.add(tag)
            if tag not in (_V, _F, _IS, _EXT):
                if formula is not None:
                    self.cells.formulas[where] = formula
                self.stray(child, where)
                return ""
            if tag == _V:
                stored = child.text or ""
            elif tag == _F:
                formula = child.text or ""
            elif tag == _IS:
                inline = child
        return self.fact(where, cell.get("s"), cell.get("t"), stored, formula,
                         None if inline is None else rich_text(inline))

    def fact(self, where: str, style: str | None, kind: str | None, stored: str | None,
             formula: str | None, inline: str | None) -> Any:
        """A cell's value from what its XML says: s= and t= (None where absent), the text of
        <v> and of <f> (None where absent) and the text of <is>. The one definition of a
        stored value for both paths; records the formula, the error or the flaw."""
        if formula is not None:
            self.cells.formulas[where] = formula
        if kind is None or kind == "n":
            # A plain number in a number style, the cell a sheet is mostly made of, read
            # here; what typed() would give it, for less work.
            if stored and stored.isascii() and "_" not in stored and (
                    "0" if style is None else style) in self.book.number_styles:
                try:
                    number = float(stored)
                except ValueError:
                    pass
                else:
                    if number - number == 0.0:  # not inf, not nan
                        return number
            kind = "n"
        elif kind == "inlineStr":
            return "" if inline is None else inline
        if stored is None:
            if kind == "e":
                self.cells.errors[where] = "#ERROR"
            return ""
        return self.typed(kind, stored, style, where)

    def typed(self, kind: str, stored: str, style: str | None, where: str) -> Any:
        if kind == "n":
            text = stored.strip()
            if not text:
                return ""
            if _NUMBER.fullmatch(text) and (number := float(text)) - number == 0.0:
                style = "0" if style is None else style
                if style.isdigit() and int(style) in self.book.date_styles:
                    return _date(number, self.book.date1904, number)
                return number
        elif kind in ("s", "str"):
            if kind == "str":
                return stored
            index = stored.strip()
            if index.isdigit() and int(index) < len(self.book.strings):
                return self.book.strings[int(index)]
        elif kind == "e":
            self.cells.errors[where] = stored.strip() or "#ERROR"
            return ""
        elif kind == "b" and stored.strip() in ("0", "1"):
            return stored.strip() == "1"
        elif kind == "d":
            try:
                return _iso_date(stored.strip())
            except ValueError:
                pass
        self.flaw(where, f"单元格 {where} 的内容无法读取（类型“{kind}”，值“{stored[:40]}”）",
                  f"cell {where} cannot be read (type {kind!r}, stored {stored[:40]!r}); "
                  "open the file in Excel, save it and send it again")
        return ""


def _date(serial: float, date1904: bool, fallback: float) -> Any:
    """A date-formatted number as calamine gives it: a date, or a datetime with its time."""
    try:
        day = excel_serial_date(serial, date1904)
    except ValueError:
        return fallback  # not a day (negative, beyond 9999): the number, for the parser to judge
    seconds = round((serial - int(serial)) * 86_400)
    if seconds == 0:
        return day
    return dt.datetime.combine(day, dt.time()) + dt.timedelta(seconds=seconds)


def _iso_date(text: str) -> dt.date | dt.datetime:
    if "T" in text:
        moment = dt.datetime.fromisoformat(text.rstrip("Z"))
        return moment.date() if moment.time() == dt.time() else moment
    return dt.date.fromisoformat(text)


def _letters(column: int) -> str:
    out = ""
    while column:
        column, rest = divmod(column - 1, 26)
        out = chr(65 + rest) + out
    return out


def _column_number(letters: str) -> int | None:
    """The column that letters name, "A" 1 … "XFD" 16384; None where they name none ("XFE",
    "a", "A1", "")."""
    if not (0 < len(letters) <= 3 and letters.isascii() and letters.isalpha()
            and letters.isupper()):
        return None
    number = 0
    for letter in letters:
        number = number * 26 + ord(letter) - 64
    return number if number <= MAX_COL else None


def _column(letters: str) -> int | None:
    """_column_number, remembered: a workbook names few columns, and again and again."""
    try:
        return _COLUMNS[letters]
    except KeyError:
        found = _COLUMNS[letters] = _column_number(letters)
        if len(_COLUMNS) > 20_000:  # what a hostile file names is not kept for ever
            _COLUMNS.clear()
        return found


def _column_bytes(letters: bytes) -> tuple[int, str]:
    """The column the letters (1 to 3 of A-Z, as the fast path's grammar takes them) name,
    and they as text; what is no column, (0, ""), sorts before every column, and so
    declines."""
    text = letters.decode()
    number = _column_number(text)
    found = _COLUMNS_BYTES[letters] = (0, "") if number is None else (number, text)
    return found


# Filled as columns are met (a table of all 16,384 would cost a cold start 15 ms): "A" -> 1,
# and b"A" -> (1, "A"); the bytes are at most 17,576 (three letters).
_COLUMNS: dict[str, int | None] = {}
_COLUMNS_BYTES: dict[bytes, tuple[int, str]] = {}
