"""What people add to a workbook xltrack rewrites, read from the previous file and written
into the new one.

xltrack writes its reports anew on every run (XlsxWriter writes, it never edits), so what a
person added is carried explicitly:

- columns of their own in a keyed table (the Summary's Comments and any column they add):
  by the row's key, each value as typed (a number stays a number, a date a date; a formula
  gives the value Excel last showed);
- sheets of their own: cell by cell, values as typed and formulas as formulas, with number
  formats, fonts, fills, borders, alignment, notes, links, column widths, row heights,
  merged cells, frozen panes and the tab's colour.

What a sheet of theirs holds beyond that (pictures, charts, conditional formats, drop-down
lists) is named, so that the run can say it stays in the backup. Nothing here ever turns a
text into a formula: a cell is written as a formula only where the previous file held one.
"""

from __future__ import annotations

import colorsys
import datetime as dt
import html
import re
import warnings
import zipfile
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from xlsxwriter.exceptions import XlsxWriterException
from xlsxwriter.workbook import Workbook

from ..errors import Said

Value = str | int | float | dt.date | dt.datetime


def read_columns(report: Path, sheet: str, key_header: str, ours: Collection[str] | None,
                 theirs_from: str | None = None) -> dict[str, dict[str, Value]]:
    """The columns of `sheet` that are not xltrack's, by header, each as key -> value.

    The table is found by its header row (the row holding `key_header`); a column is a
    person's when its header is not one of `ours`, or when it is `theirs_from` (the column
    xltrack leaves to people, last of its own) or right of it: whatever follows was added;
    `ours` None: only the place tells (the new table names no columns to compare with).
    Rows without a key, and blank cells, are skipped. Reads every row, so values survive
    whatever else was done to the layout; an unreadable previous file yields nothing (it is
    still kept as the backup)."""
    if not report.exists():
        return {}
    from openpyxl import load_workbook  # a previous report to read: not every run has one

    try:
        wb = load_workbook(report, read_only=True, data_only=True)
    except Exception:  # noqa: BLE001 - whatever openpyxl raises: the file stays in backup/
        return {}
    try:
        return _columns(wb, sheet, key_header, ours, theirs_from)
    except Exception:  # noqa: BLE001 - a sheet openpyxl reads oddly: nothing carried
        return {}
    finally:
        wb.close()


def _columns(wb: Any, sheet: str, key_header: str, ours: Collection[str] | None,
             theirs_from: str | None) -> dict[str, dict[str, Value]]:
    """read_columns on the opened workbook."""
    if sheet not in wb.sheetnames:
        return {}
    found: dict[str, dict[str, Value]] = {}
    key_col, columns = None, {}
    for row in wb[sheet].iter_rows(values_only=True):
        cells = ["" if v is None else str(v).strip() for v in row]
        if key_col is None:
            if key_header in cells:
                key_col = cells.index(key_header)
                first = cells.index(theirs_from) if theirs_from in cells else len(cells)
                columns = {i: h for i, h in enumerate(cells) if h and i != key_col and (
                    (ours is not None and h not in ours) or i >= first)
                    and h not in cells[:i]}
                found = {h: {} for h in columns.values()}
            continue
        if key_col >= len(cells) or not cells[key_col]:
            continue
        for i, header in columns.items():
            if i < len(cells) and cells[i]:
                typed = row[i]
                found[header][cells[key_col]] = (
                    typed if isinstance(typed, int | float | dt.date) and
                    not isinstance(typed, bool) else cells[i])
    return {h: values for h, values in found.items() if values}


def joined(first: Any, second: Any) -> Any:
    """Two different values typed for one field (the file, and the copy written beside it
    while it was open): both texts kept, the file's first, joined by ` ｜ `; a number or date
    against another value keeps the file's (differs() says so)."""
    if isinstance(first, str) and isinstance(second, str):
        return first if second in first.split(" ｜ ") else f"{first} ｜ {second}"
    return first


def differs(field: str, target: Path, source: Path) -> Said:
    return Said(f"{field} 在 {target.name} 与 {source.name} 中填写不同；文字两者都保留（以“｜”"
                "分隔），数字或日期保留前者",
                f"{field} differs between {target.name} and {source.name}; texts are both "
                "kept (joined by ｜), a number or date keeps the first")


@dataclass
class Cell:
    row: int  # 0-based, as XlsxWriter counts
    col: int
    value: Any
    formula: bool  # the previous file held a formula here
    style: dict[str, Any]
    note: str | None = None
    link: str | None = None


@dataclass
class Sheet:
    """A sheet a person added, as XlsxWriter is to write it again."""
    name: str
    cells: list[Cell] = field(default_factory=list)
    widths: dict[int, tuple[float | None, bool]] = field(default_factory=dict)  # col: w, hidden
    heights: dict[int, tuple[float | None, bool]] = field(default_factory=dict)
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)
    freeze: str | None = None
    tab_color: str | None = None
    hidden: bool = False
    left_out: list[str] = field(default_factory=list)  # English words for what is not carried
    left_out_zh: list[str] = field(default_factory=list)


def added_sheet_names(previous: Path, ours: Collection[str]) -> list[str]:
    """The sheets of `previous` that xltrack does not write, read from the package's XML
    (no workbook is opened when there are none)."""
    try:
        with zipfile.ZipFile(previous) as zf:
            xml = zf.read("xl/workbook.xml")
    except Exception:  # noqa: BLE001 - not a workbook to read: nothing to carry
        return []
    lower = {name.lower() for name in ours}
    names = [html.unescape(name.decode("utf-8", "replace"))
             for name in re.findall(rb'<(?:\w+:)?sheet\b[^>]*?\bname="([^"]*)"', xml)]
    return [name for name in names if name.lower() not in lower]


def read_sheets(previous: Path, ours: Collection[str]) -> list[Sheet]:
    """The sheets a person added to `previous` (those not among `ours`), read to be written
    again; an unreadable file gives none (it stays whole in the backup)."""
    if not previous.exists():
        return []
    names = added_sheet_names(previous, ours)
    if not names:
        return []
    from openpyxl import load_workbook
    from openpyxl.worksheet.worksheet import Worksheet

    try:
        with warnings.catch_warnings():  # what openpyxl drops (drawings) is named below
            warnings.simplefilter("ignore")
            wb = load_workbook(previous, rich_text=False)
    except Exception:  # noqa: BLE001 - whatever openpyxl raises: the file stays in backup/
        return []
    theme = _theme_colors(getattr(wb, "loaded_theme", None))
    drawn = _drawn(previous)
    sheets = []
    for name in names:
        ws = wb[name] if name in wb.sheetnames else None
        if not isinstance(ws, Worksheet):  # a chart sheet: not carried, named as left behind
            continue
        try:
            sheets.append(_sheet(ws, theme))
        except Exception:  # noqa: BLE001 - too large, or read oddly: it stays in backup/
            continue
    for sheet in sheets:
        if sheet.name in drawn:
            sheet.left_out.insert(0, "pictures, charts or shapes")
            sheet.left_out_zh.insert(0, "图片、图表或形状")
    return sheets


def _drawn(path: Path) -> set[str]:
    """The sheets of a package that hold a drawing (pictures, charts, shapes): a <drawing>
    in the sheet's part, found through the workbook's relationships."""
    try:
        with zipfile.ZipFile(path) as zf:
            book = zf.read("xl/workbook.xml").decode("utf-8", "replace")
            rels = zf.read("xl/_rels/workbook.xml.rels").decode("utf-8", "replace")
            targets = {m.group(1): m.group(2) for m in re.finditer(
                r'<(?:\w+:)?Relationship\b(?=[^>]*\bId="([^"]*)")(?=[^>]*\bTarget="([^"]*)")',
                rels)}
            drawn = set()
            for m in re.finditer(r'<(?:\w+:)?sheet\b(?=[^>]*\bname="([^"]*)")'
                                 r'(?=[^>]*\br:id="([^"]*)")', book):
                target = targets.get(m.group(2), "")
                part = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
                if part in zf.namelist() and re.search(rb"<(?:\w+:)?drawing\b",
                                                      zf.read(part)):
                    drawn.add(html.unescape(m.group(1)))
            return drawn
    except Exception:  # noqa: BLE001 - an odd package: nothing named (it stays in backup/)
        return set()


MAX_CELLS = 1_000_000  # a sheet of more is left in the backup (and named), not carried


class SheetTooLarge(Exception):
    pass


def _sheet(ws: Any, theme: list[str]) -> Sheet:
    from openpyxl.utils import column_index_from_string

    sheet = Sheet(ws.title, hidden=ws.sheet_state != "visible",
                  freeze=ws.freeze_panes if ws.freeze_panes not in (None, "A1") else None,
                  tab_color=_rgb(ws.sheet_properties.tabColor, theme))
    ranges = list(ws.merged_cells.ranges)

    def covered(row: int, col: int) -> bool:  # inside a merged range, not its first cell
        return any(r.min_row <= row <= r.max_row and r.min_col <= col <= r.max_col
                   and (row, col) != (r.min_row, r.min_col) for r in ranges)

    # The cells the file holds, not every cell of the sheet's extent: a stray cell at
    # XFD1048576 would make that 17 billion.
    stored = ws._cells  # openpyxl's own map of the cells read, by (row, column)
    if len(stored) > MAX_CELLS:
        raise SheetTooLarge(len(stored))
    for (row, col), cell in sorted(stored.items()):
        if ranges and covered(row, col):
            continue
        style = _style(cell, theme)
        note = cell.comment.text if cell.comment is not None else None
        link = _link(cell.hyperlink)
        if cell.value is None and not style and note is None:
            continue
        formula = cell.data_type == "f"
        sheet.cells.append(Cell(row - 1, col - 1, cell.value, formula, style, note, link))
    for r in ws.merged_cells.ranges:
        sheet.merged.append((r.min_row - 1, r.min_col - 1, r.max_row - 1, r.max_col - 1))
    for letter, dim in ws.column_dimensions.items():
        first = (dim.min or column_index_from_string(letter)) - 1
        last = (dim.max or first + 1) - 1
        if dim.customWidth or dim.hidden:
            for col in range(first, min(last, 16_383) + 1):
                sheet.widths[col] = (dim.width if dim.customWidth else None, bool(dim.hidden))
    for number, dim in ws.row_dimensions.items():
        if dim.customHeight or dim.hidden:
            sheet.heights[number - 1] = (dim.height if dim.customHeight else None,
                                         bool(dim.hidden))
    for words, zh, present in (
            ("conditional formats", "条件格式", list(ws.conditional_formatting)),
            ("drop-down lists", "下拉列表", ws.data_validations.dataValidation)):
        if present:
            sheet.left_out.append(words)
            sheet.left_out_zh.append(zh)
    return sheet


def _link(hyperlink: Any) -> str | None:
    if hyperlink is None:
        return None
    if hyperlink.target:
        return str(hyperlink.target)
    if hyperlink.location:
        return f"internal:{hyperlink.location}"
    return None


_BORDERS = {"thin": 1, "medium": 2, "dashed": 3, "dotted": 4, "thick": 5, "double": 6,
            "hair": 7, "mediumDashed": 8, "dashDot": 9, "mediumDashDot": 10, "dashDotDot": 11,
            "mediumDashDotDot": 12, "slantDashDot": 13}
_ALIGN = {"left": "left", "center": "center", "right": "right", "fill": "fill",
          "justify": "justify", "centerContinuous": "center_across",
          "distributed": "distributed"}
_VALIGN = {"top": "top", "center": "vcenter", "bottom": "bottom", "justify": "vjustify",
           "distributed": "vdistributed"}


def _style(cell: Any, theme: list[str]) -> dict[str, Any]:
    """The cell's look as XlsxWriter format properties (only what differs from a plain
    cell, so that an unformatted cell gets no format)."""
    out: dict[str, Any] = {}
    font = cell.font
    if font is not None:
        for key, present in (("bold", font.b), ("italic", font.i),
                             ("font_strikeout", font.strike)):
            if present:
                out[key] = True
        if font.u:
            out["underline"] = 2 if font.u == "double" else 1
        if font.name and font.name != "Calibri":
            out["font_name"] = font.name
        if font.sz and float(font.sz) != 11:
            out["font_size"] = float(font.sz)
        color = _rgb(font.color, theme)
        if color and color != "#000000":
            out["font_color"] = color
    fill = cell.fill
    if fill is not None and fill.fill_type == "solid":
        color = _rgb(fill.fgColor, theme)
        if color:
            out["bg_color"] = color
    if cell.number_format and cell.number_format != "General":
        out["num_format"] = cell.number_format
    alignment = cell.alignment
    if alignment is not None:
        if alignment.wrap_text:
            out["text_wrap"] = True
        if alignment.horizontal in _ALIGN:
            out["align"] = _ALIGN[alignment.horizontal]
        if alignment.vertical in _VALIGN and alignment.vertical != "bottom":
            out["valign"] = _VALIGN[alignment.vertical]
        if alignment.indent:
            out["indent"] = int(alignment.indent)
    border = cell.border
    if border is not None:
        for side in ("left", "right", "top", "bottom"):
            edge = getattr(border, side)
            if edge is not None and edge.style in _BORDERS:
                out[side] = _BORDERS[edge.style]
                color = _rgb(edge.color, theme)
                if color:
                    out[f"{side}_color"] = color
    return out


def _rgb(color: Any, theme: list[str]) -> str | None:
    """An openpyxl colour as #RRGGBB: as given, or the workbook's theme colour with its tint
    (Excel's palette's upper rows are theme colours); None where it names no colour."""
    if color is None:
        return None
    kind = getattr(color, "type", None)
    if kind == "rgb" and isinstance(color.rgb, str) and len(color.rgb) >= 6:
        return "#" + color.rgb[-6:].upper()
    if kind == "theme" and isinstance(color.theme, int) and 0 <= color.theme < len(theme):
        return _tinted(theme[color.theme], float(color.tint or 0))
    return None


def _tinted(rgb: str, tint: float) -> str:
    """Excel's tint: the colour's luminance moved toward white (tint > 0) or black."""
    r, g, b = (int(rgb[i:i + 2], 16) / 255 for i in (0, 2, 4))
    h, light, s = colorsys.rgb_to_hls(r, g, b)
    light = light * (1 + tint) if tint < 0 else light * (1 - tint) + tint
    return "#" + "".join(f"{round(v * 255):02X}" for v in colorsys.hls_to_rgb(h, light, s))


# A theme colour's index counts light 1 and dark 1 first, then light 2 and dark 2, the six
# accents and the two link colours; the theme part lists dark before light.
_THEME_ORDER = ("lt1", "dk1", "lt2", "dk2", "accent1", "accent2", "accent3", "accent4",
                "accent5", "accent6", "hlink", "folHlink")


def _theme_colors(theme_xml: bytes | str | None) -> list[str]:
    if not theme_xml:
        return []
    text = theme_xml.decode("utf-8", "replace") if isinstance(theme_xml, bytes) else theme_xml
    colors = []
    for name in _THEME_ORDER:
        m = re.search(rf"<a:{name}>\s*<a:(?:srgbClr val|sysClr [^>]*?lastClr)="
                      rf"\"([0-9A-Fa-f]{{6}})\"", text)
        colors.append(m.group(1).upper() if m else "000000")
    return colors


def left_out(sheets: list[Sheet]) -> list[tuple[str, list[str], list[str]]]:
    """What of the sheets was not written again, as (sheet, Chinese words, English words)."""
    return [(sheet.name, sheet.left_out_zh, sheet.left_out) for sheet in sheets
            if sheet.left_out]


def write_sheets(wb: Workbook, sheets: list[Sheet]) -> None:
    """The sheets written into `wb`, after xltrack's own. A sheet XlsxWriter refuses (a name
    it will not take) is left out, and the run names it with the backup that keeps it; a
    cell it refuses is counted in the sheet's `left_out`: one odd cell never stops the
    report."""
    formats: dict[tuple[tuple[str, Any], ...], Any] = {}

    def look(style: dict[str, Any]) -> Any:
        if not style:
            return None
        key = tuple(sorted(style.items()))
        if key not in formats:
            formats[key] = wb.add_format(style)
        return formats[key]

    for sheet in sheets:
        try:
            ws = wb.add_worksheet(sheet.name)
        except XlsxWriterException:
            continue  # not in the new file: placement names the sheet left behind
        refused = 0
        for col, (width, hidden) in sorted(sheet.widths.items()):
            # A width as the file stores it (its padding included), in Excel's 7-pixel
            # characters: set_column would add the padding again on every rewrite.
            ws.set_column_pixels(col, col, None if width is None else round(width * 7), None,
                                 {"hidden": hidden})
        for row, (height, hidden) in sorted(sheet.heights.items()):
            ws.set_row(row, height, None, {"hidden": hidden})
        tops = {(r1, c1): (r2, c2) for r1, c1, r2, c2 in sheet.merged}
        for cell in sheet.cells:
            fmt = look(cell.style)
            try:
                if (cell.row, cell.col) in tops:
                    r2, c2 = tops[(cell.row, cell.col)]
                    ws.merge_range(cell.row, cell.col, r2, c2, "", fmt)
                if _write(ws, cell, fmt) < 0:
                    refused += 1
                if cell.note:
                    ws.write_comment(cell.row, cell.col, cell.note)
            except (XlsxWriterException, TypeError, ValueError, OverflowError):
                refused += 1
        if refused:
            sheet.left_out.append(f"{refused} cell(s) Excel's format does not allow as "
                                  "they were")
            sheet.left_out_zh.append(f"{refused} 个无法按原样写出的单元格")
        if sheet.freeze:
            ws.freeze_panes(sheet.freeze)
        if sheet.tab_color:
            ws.set_tab_color(sheet.tab_color)
        if sheet.hidden:
            ws.hide()


def _write(ws: Any, cell: Cell, fmt: Any) -> int:
    """A value as it was: a formula only where the file held one, a text always as text.
    XlsxWriter's answer: -1 where it did not write (a link too long, a number not finite)."""
    value, r, c = cell.value, cell.row, cell.col
    if cell.link and isinstance(value, str | None) and not cell.formula:
        return int(ws.write_url(r, c, cell.link, fmt, string=value or cell.link))
    if value is None:
        return int(ws.write_blank(r, c, None, fmt))
    if cell.formula and hasattr(value, "ref") and hasattr(value, "text"):  # ArrayFormula
        return int(ws.write_array_formula(value.ref, str(value.text or ""), fmt))
    if cell.formula and isinstance(value, str):
        return int(ws.write_formula(r, c, value, fmt))
    if isinstance(value, bool):
        return int(ws.write_boolean(r, c, value, fmt))
    if isinstance(value, int | float):
        return int(ws.write_number(r, c, value, fmt))
    if isinstance(value, dt.datetime | dt.date | dt.time | dt.timedelta):
        if type(value) is dt.date:
            value = dt.datetime.combine(value, dt.time())
        return int(ws.write_datetime(r, c, value, fmt))
    return int(ws.write_string(r, c, str(value), fmt))
