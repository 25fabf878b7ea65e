"""Blank standard templates, generated from the contract.

Each template carries the `_xltrack` map sheet, the header defined names, a cover written for
the subsidiary accountant, and one Excel table per contract table with drop-downs and checks.
The output is byte-for-byte reproducible so that the committed copies can be checked in CI.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.utility import quote_sheetname, xl_rowcol_to_cell
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from . import contract as c
from .settings import Register

LANGS = ("zh", "en")
BLANK_ROWS = 30  # empty rows offered in each table; rows typed inside a table belong to it
VALIDATED_ROWS = 2000  # drop-downs and checks reach this far, so rows added later have them
HEADER_ROW = 3  # 0-based row of each table's header (titles above it)
_FIXED_TIME = dt.datetime(2026, 1, 1)  # document properties must not change between builds

COVER_SHEET = {"zh": "封面", "en": "Cover"}
LISTS_SHEET = "_lists"
LIST_NAMES = {c.ListRef.COST_CODES: "list_cost_codes", c.ListRef.PRODUCTS: "list_products"}


def template_name(kinds: tuple[c.Kind, ...], lang: str) -> str:
    stem = "pack" if set(kinds) == set(c.PACK) else "-".join(k.value for k in kinds)
    return f"{stem}-{lang}.xlsx"


def sheet_name(table: c.Table, lang: str) -> str:
    return table.label(lang)


def generate_all(out_dir: Path, register: Register, langs: Iterable[str] = LANGS,
                 kinds: Iterable[c.Kind] | None = None) -> list[Path]:
    """One template per kind and language, plus the subsidiary pack; returns the paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    wanted = list(kinds) if kinds else list(c.Kind)
    sets = [(k,) for k in wanted] + ([c.PACK] if kinds is None else [])
    paths = []
    for lang in langs:
        for kind_set in sets:
            path = out_dir / template_name(kind_set, lang)
            write_template(path, kind_set, lang, register)
            paths.append(path)
    return paths


def write_template(path: Path, kinds: tuple[c.Kind, ...], lang: str, register: Register) -> None:
    if lang not in LANGS:
        raise ValueError(f"language {lang!r}: use one of {', '.join(LANGS)}")
    wb = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False,
                                         "strings_to_numbers": False})
    wb.set_properties({"title": _title(kinds, lang), "author": "xltrack", "created": _FIXED_TIME,
                       "comments": f"xltrack contract v{c.CONTRACT_VERSION}"})
    styles = _Styles(wb)
    _cover(wb, styles, kinds, lang, register)
    for table in c.tables_of(kinds):
        _table_sheet(wb, styles, table, lang)
    _lists(wb, register)
    _map_sheet(wb, kinds, lang)
    wb.close()


class _Styles:
    def __init__(self, wb: Workbook) -> None:
        base = {"font_name": "Microsoft YaHei", "font_size": 10, "valign": "vcenter"}
        inp = {**base, "bg_color": "#FFF2CC", "border": 1, "border_color": "#BFBFBF"}
        self.title = wb.add_format({**base, "bold": True, "font_size": 14})
        self.note = wb.add_format({**base, "font_color": "#595959", "text_wrap": True})
        self.hint = wb.add_format({**base, "font_color": "#595959"})  # may run over columns
        self.label = wb.add_format({**base, "bold": True})
        self.header = wb.add_format({**base, "bold": True, "text_wrap": True})
        self.by_type: dict[c.ColumnType, Format] = {
            c.ColumnType.TEXT: wb.add_format({**inp, "num_format": "@"}),
            c.ColumnType.CODE: wb.add_format({**inp, "num_format": "@"}),
            c.ColumnType.CHOICE: wb.add_format({**inp, "num_format": "@"}),
            c.ColumnType.FLAG: wb.add_format({**inp, "num_format": "@", "align": "center"}),
            c.ColumnType.DATE: wb.add_format({**inp, "num_format": "yyyy-mm-dd"}),
            c.ColumnType.MONEY: wb.add_format({**inp, "num_format": "#,##0.00"}),
            c.ColumnType.QUANTITY: wb.add_format({**inp, "num_format": "#,##0.00"}),
            c.ColumnType.PERCENT: wb.add_format({**inp, "num_format": "0.0%"}),
            c.ColumnType.YEAR: wb.add_format({**inp, "num_format": "0"}),
        }
        self.computed = wb.add_format({**base, "bg_color": "#E7E6E6", "italic": True,
                                       "num_format": "#,##0.00", "border": 1,
                                       "border_color": "#BFBFBF"})


def _title(kinds: tuple[c.Kind, ...], lang: str) -> str:
    names = " + ".join(c.KIND_LABELS[k][0 if lang == "zh" else 1] for k in kinds)
    return f"{names} — xltrack {'标准模板' if lang == 'zh' else 'standard template'}"


def _cover(wb: Workbook, s: _Styles, kinds: tuple[c.Kind, ...], lang: str,
           register: Register) -> None:
    ws = wb.add_worksheet(COVER_SHEET[lang])
    ws.hide_gridlines(2)
    ws.set_column(0, 0, 26)
    ws.set_column(1, 1, 22)
    ws.set_column(2, 2, 60)
    ws.write(0, 0, _title(kinds, lang), s.title)
    ws.write(1, 0, "黄色单元格由填报单位填写。" if lang == "zh"
             else "Yellow cells are yours to fill.", s.note)
    row = 3
    for f in c.header_fields_of(kinds):
        ws.write(row, 0, f.label(lang), s.label)
        ws.write_blank(row, 1, None, s.by_type[f.type])
        ws.write(row, 2, f.hint(lang), s.note)
        wb.define_name(f.name, f"={quote_sheetname(ws.name)}!${'B'}${row + 1}")
        _validate_header(ws, row, f, lang)
        row += 1
    row += 1
    ws.write(row, 0, "填写说明" if lang == "zh" else "How to fill this workbook", s.label)
    for line in _instructions(kinds, lang, register):
        row += 1
        ws.merge_range(row, 0, row, 2, line, s.note)
        ws.set_row(row, 30)
    ws.activate()
    _one_page(ws, lang)


def _instructions(kinds: tuple[c.Kind, ...], lang: str, register: Register) -> list[str]:
    sheets = "、".join(t.label("zh") for t in c.tables_of(kinds))
    sheets_en = ", ".join(t.label("en") for t in c.tables_of(kinds))
    day = register.deadline_day
    contact = register.operations_contact or ("集团运营管理部" if lang == "zh"
                                              else "the group's operations department")
    if lang == "zh":
        return [
            f"1. 先填写上方黄色的表头信息，再在各数据表（{sheets}）中逐行填写，每行注明项目编号。",
            "2. 全部金额使用“金额单位”所选单位（元或万元）；面积、套数不受单位影响。",
            "3. 需要更多行时，在表格最后一行按 Tab 键或在表内插入行；表格外的行不会被读取。",
            "4. 灰色单元格为自动计算的合计，请勿改写；系统会按月份重新计算并核对。",
            "5. 请勿修改表头名称、删除工作表或设置密码；不要在文件中加入宏。保存为 .xlsx 格式。",
            f"6. 月度实际数据于次月 {day} 日前报送；进度计划、投资预算、销售预测在批准后报送，"
            "修订时版本号加 1。",
            f"7. 如有疑问请联系：{contact}。",
        ]
    return [
        f"1. Fill the yellow header cells above, then the tables ({sheets_en}) row by row; "
        "every row names its project ID.",
        "2. Every amount is in the unit chosen above (元 or 万元); areas and unit counts are "
        "not scaled.",
        "3. Need more rows? Press Tab in the last cell of a table or insert rows inside it; "
        "rows outside a table are not read.",
        "4. Grey cells are computed totals; leave them alone: xltrack recomputes and checks them.",
        "5. Do not rename headers, delete sheets, set a password or add macros. Save as .xlsx.",
        f"6. Monthly actuals are due by day {day} of the following month; plans, budgets and "
        "forecasts when approved, with the revision number raised by one on each revision.",
        f"7. Questions: {contact}.",
    ]


def _validate_header(ws: Worksheet, row: int, f: c.HeaderField, lang: str) -> None:
    cell = xl_rowcol_to_cell(row, 1)
    rule: dict[str, Any]
    if f.name == "xt_period":
        rule = {"validate": "custom",
                "value": f'=AND(LEN({cell})=7,MID({cell},5,1)="-",'
                         f'ISNUMBER(--LEFT({cell},4)),ISNUMBER(--RIGHT({cell},2)))'}
    elif f.allowed:
        rule = {"validate": "list", "source": list(f.allowed)}
    elif f.type is c.ColumnType.DATE:
        rule = _DATE_RULE
    elif f.type is c.ColumnType.YEAR:
        rule = {"validate": "integer", "criteria": ">=", "value": 1}
    else:
        return
    ws.data_validation(row, 1, row, 1, {**rule, **_messages(f.label(lang), lang)})


_DATE_RULE: dict[str, Any] = {"validate": "date", "criteria": "between",
                              "minimum": dt.date(2000, 1, 1), "maximum": dt.date(2100, 12, 31)}


def _messages(label: str, lang: str) -> dict[str, str]:
    # Excel caps these at 32 (title) and 255 (message) characters.
    return {"error_title": label[:32],
            "error_message": ("输入值不符合要求，请检查。" if lang == "zh"
                              else "This value is not allowed here; please check it.")}


def _column_rule(col: c.Column, lang: str = "en") -> dict[str, Any] | None:
    if col.allowed_list is not None:
        return {"validate": "list", "source": f"={LIST_NAMES[col.allowed_list]}"}
    if col.allowed:
        return {"validate": "list", "source": list(c.choice_options(col.allowed, lang))}
    if col.type is c.ColumnType.DATE:
        return _DATE_RULE
    if col.type is c.ColumnType.YEAR:
        return {"validate": "integer", "criteria": "between",
                "minimum": int(col.minimum or 0), "maximum": int(col.maximum or 9999)}
    if col.type in (c.ColumnType.MONEY, c.ColumnType.QUANTITY, c.ColumnType.PERCENT):
        if col.minimum is not None and col.maximum is not None:
            return {"validate": "decimal", "criteria": "between",
                    "minimum": col.minimum, "maximum": col.maximum}
        if col.minimum is not None:
            return {"validate": "decimal", "criteria": ">=", "value": col.minimum}
        return {"validate": "decimal", "criteria": "between",
                "minimum": -1e15, "maximum": 1e15}
    return None


def _table_sheet(wb: Workbook, s: _Styles, table: c.Table, lang: str) -> None:
    ws = wb.add_worksheet(sheet_name(table, lang))
    ws.write(0, 0, f"{table.label(lang)} ({table.name})", s.title)
    ws.write(1, 0, "黄色为填写区，灰色为自动计算；每行填写一个项目的一条记录。" if lang == "zh"
             else "Yellow: input. Grey: computed. One record per row.", s.hint)
    ws.set_row(HEADER_ROW, 30)
    columns: list[dict[str, Any]] = []
    for i, col in enumerate(table.columns):
        ws.set_column(i, i, col.width)
        spec: dict[str, Any] = {"header": col.label(lang), "header_format": s.header}
        if col.computed:
            first, last = table.month_keys[0], table.month_keys[-1]
            spec["formula"] = (f"=SUM({table.name}[@[{_escape(table.column(first).label(lang))}]:"
                               f"[{_escape(table.column(last).label(lang))}]])")
            spec["format"] = s.computed
        else:
            spec["format"] = s.by_type[col.type]
            rule = _column_rule(col, lang)
            if rule:
                ws.data_validation(HEADER_ROW + 1, i, HEADER_ROW + VALIDATED_ROWS, i,
                                   {**rule, **_messages(col.label(lang), lang)})
        columns.append(spec)
    last_row = HEADER_ROW + BLANK_ROWS
    ws.add_table(HEADER_ROW, 0, last_row, len(table.columns) - 1,
                 {"name": table.name, "columns": columns, "style": "Table Style Light 9"})
    # Style the blank rows' cells themselves: not every spreadsheet program applies a table
    # column's format to cells that were never written, and the filler copies these styles.
    for i, col in enumerate(table.columns):
        if not col.computed:
            for row in range(HEADER_ROW + 1, last_row + 1):
                ws.write_blank(row, i, None, s.by_type[col.type])
    ws.freeze_panes(HEADER_ROW + 1, 1)
    ws.print_area(0, 0, last_row, len(table.columns) - 1)
    ws.repeat_rows(HEADER_ROW)
    _one_page(ws, lang, table)


_PAGE_PX = 1065  # A4 landscape less 0.3 in margins, at 96 dpi
_SMALLEST_SCALE = 0.8  # 10 pt input text printed no smaller than 8 pt


def _one_page(ws: Worksheet, lang: str, table: c.Table | None = None) -> None:
    """A blank sheet prints on one A4 page (titles, header and the blank rows). A twelve-month
    table too wide for that at a legible size prints on two pages side by side, January to
    June and July to December, its key columns repeated on both."""
    ws.set_landscape()
    ws.set_paper(9)  # A4
    ws.set_margins(left=0.3, right=0.3, top=0.5, bottom=0.5)
    width = sum(col.width * 7 + 5 for col in table.columns) if table else 0
    if table is not None and table.month_keys and width * _SMALLEST_SCALE > _PAGE_PX:
        july = table.keys.index(table.month_keys[6])
        ws.set_print_scale(90)
        ws.set_v_pagebreaks([july])
        ws.repeat_columns(0, table.keys.index(table.month_keys[0]) - 1)
    else:
        ws.fit_to_pages(1, 1)
    ws.set_header("&L&F&R&A")
    ws.set_footer("&C第 &P 页 / 共 &N 页" if lang == "zh" else "&CPage &P of &N")


def _escape(label: str) -> str:
    """Escape a header for use inside a structured reference."""
    return "".join("'" + ch if ch in "[]#'" else ch for ch in label)


def _lists(wb: Workbook, register: Register) -> None:
    ws = wb.add_worksheet(LISTS_SHEET)
    lists = register.lists()
    for col, (ref, name) in enumerate(LIST_NAMES.items()):
        values = lists[ref.value] or [""]
        ws.write(0, col, ref.value)
        for row, value in enumerate(values, start=1):
            ws.write_string(row, col, value)
        wb.define_name(name, f"={LISTS_SHEET}!${chr(65 + col)}$2:${chr(65 + col)}$"
                             f"{len(values) + 1}")
    ws.hide()


def _map_sheet(wb: Workbook, kinds: tuple[c.Kind, ...], lang: str) -> None:
    ws = wb.add_worksheet(c.MAP_SHEET)
    ws.write_string(0, 0, c.MAP_VERSION_LABEL)
    ws.write_number(0, 1, c.CONTRACT_VERSION)
    ws.write_string(1, 0, c.MAP_KINDS_LABEL)
    ws.write_string(1, 1, ",".join(k.value for k in kinds))
    ws.write_string(2, 0, "language")
    ws.write_string(2, 1, lang)
    rows = [[t.name, col.key, col.label(lang), col.type.value, "Y" if col.required else "N",
             col.role.value] for t in c.tables_of(kinds) for col in t.columns]
    first = 4
    ws.add_table(first, 0, first + len(rows), len(c.MAP_COLUMNS) - 1,
                 {"name": c.MAP_TABLE, "data": rows,
                  "columns": [{"header": h} for h in c.MAP_COLUMNS]})
    ws.set_column(0, 4, 16)
    ws.hide()
