"""An issued template written: a blank template (templates.py) pre-filled through the contract
filler, then given what only an issued one has — the subsidiary's name on the cover, its
projects as a drop-down, the reference columns and the variance check computed by the
workbook's own formulas, and sheet protection without a password (nothing is secret: it only
keeps a slip of the hand off the cells the accountant must not change).

The reference columns are appended to the right of their tables and declared in the map with
role `reference` (contract version 2), so readers never read them.
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from openpyxl import load_workbook
from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import Font, PatternFill, Protection
from openpyxl.utils.cell import get_column_letter, quote_sheetname, range_boundaries
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.table import TableColumn
from openpyxl.worksheet.worksheet import Worksheet

from . import contract as c
from . import store
from .backend import Location
from .filler import fill_workbook, read_column_map
from .outbound import History, Issue, issue_path, plan_issues
from .report.placement import write_atomically
from .settings import Register
from .templates import BLANK_ROWS, COVER_SHEET, LISTS_SHEET, VALIDATED_ROWS, write_template
from .variance import RuleSet
from .words import INDICATOR, SEVERITY, SPAN, word

REFERENCE_SHEET = "_reference"
CHECK_SHEET = {"zh": "差异预警", "en": "Variance check"}
EXPLAIN = {"zh": "需要说明", "en": "Explanation needed"}
_UNIT = 'IF(xt_unit="万元",10000,1)'
_RED = PatternFill("solid", start_color="F8CBAD", end_color="F8CBAD")
_AMBER = PatternFill("solid", start_color="FFE699", end_color="FFE699")
_GREY = PatternFill("solid", start_color="E7E6E6", end_color="E7E6E6")
_OPEN = Protection(locked=False)
# _reference columns of a check (one row each, from row 2): what the history knows, then the
# recomputation of variance.classify in cells, so that the flag is the run's flag.
_CHECK_COLUMNS = ("project", "table", "measure", "rule_id", "span", "expected", "before",
                  "normal_pct", "major_pct", "major_amount", "combine", "this_month", "actual",
                  "variance", "abs_pct", "pct", "severity", "unit")
_CHECK_AT = {key: get_column_letter(8 + i) for i, key in enumerate(_CHECK_COLUMNS)}  # H…


def issue_templates(out_dir: Path, register: Register, rules: RuleSet, period: str,
                    db: Location | None, kinds: Sequence[c.Kind] = (c.Kind.MONTHLY,),
                    subsidiaries: Sequence[str] = (), lang: str = "zh") -> list[Path]:
    """Every issued template asked for: per kind, per subsidiary (default: all), into
    out_dir/PERIOD/. Without a history (db None or absent) they carry no plan figures."""
    if db is not None and (isinstance(db, str) or db.exists()):
        with store.open_store(db) as conn:
            history = History(conn, register, period)
    else:
        history = History(None, register, period)
    written = []
    for kind in kinds:
        for issue in plan_issues(register, rules, period, history, (kind,),
                                 list(subsidiaries) or None):
            written.append(write_issue(issue_path(out_dir, issue), issue, register, lang))
    return written


def write_issue(path: Path, issue: Issue, register: Register, lang: str) -> Path:
    """Write one subsidiary's issued template to `path` (atomically)."""
    narrowed = register.model_copy(update={
        "cost_codes": [x for x in register.cost_codes if x.code in issue.cost_codes],
        "products": list(issue.products)})
    header: dict[str, object] = {"xt_subsidiary": issue.subsidiary.code,
                                 "xt_period": issue.period, "xt_unit": issue.subsidiary.unit}
    if issue.revision is not None:
        header["xt_revision"] = issue.revision
    rows = {name: _as_offered(name, _in_unit(name, table_rows, issue.subsidiary.unit), lang)
            + [{}] * BLANK_ROWS for name, table_rows in issue.rows.items()}
    for table in c.tables_of(issue.kinds):
        rows.setdefault(table.name, [{}] * BLANK_ROWS)
    with tempfile.TemporaryDirectory() as tmp:
        blank = Path(tmp) / "blank.xlsx"
        write_template(blank, issue.kinds, lang, narrowed)
        wb = load_workbook(blank)
    fill_workbook(wb, header, rows)  # the pre-filled rows go in as any filler's would
    _cover(wb, issue, lang)
    _project_list(wb, issue)
    places = _table_places(wb, issue)
    if c.Kind.MONTHLY in issue.kinds:
        _reference_sheet(wb, issue, places, lang)
        _check_sheet(wb, issue, lang)
        for name in ("ActualCost", "ActualSales"):
            _reference_columns(wb, name, places[name], lang, len(issue.plan_lines),
                               len(issue.checks))
    _protect(wb, issue, places)
    write_atomically(path, lambda tmp_path: wb.save(tmp_path))
    return path


def _text(cell: Any, value: object) -> None:
    """A value from the register or the history, never taken for a formula."""
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"


def _in_unit(table: str, rows: list[dict[str, Any]], unit: str) -> list[dict[str, Any]]:
    """Rows of the history (yuan) as the template shows them (its default unit)."""
    factor = c.UNIT_FACTOR[unit]
    if factor == 1:
        return rows
    spec = c.TABLES_BY_NAME[table]
    out = []
    for row in rows:
        scaled = dict(row)
        for col in spec.columns:
            money = col.type is c.ColumnType.MONEY or (
                col.type is c.ColumnType.QUANTITY and row.get("measure") == c.MONEY_MEASURE)
            if money and isinstance(row.get(col.key), int | float):
                scaled[col.key] = row[col.key] / factor
        out.append(scaled)
    return out


def _as_offered(table: str, rows: list[dict[str, Any]], lang: str) -> list[dict[str, Any]]:
    """Rows with each choice (计量 AMOUNT…) as the template's drop-down offers it in `lang`
    (金额…): what the accountant would pick, and what the template's formulas match."""
    choices = [col for col in c.TABLES_BY_NAME[table].columns if col.allowed]
    if not choices or lang != "zh":
        return rows
    return [{**row, **{col.key: _offered(row[col.key], lang) for col in choices
                       if isinstance(row.get(col.key), str)}} for row in rows]


def _offered(code: str, lang: str) -> str:
    return c.choice_options((code,), lang)[0]


def _is_money(measure: str) -> str:
    """A formula: whether the measure cell says money, in either word (金额, or AMOUNT pasted
    from elsewhere: the reader takes both)."""
    words = sorted({c.MONEY_MEASURE, _offered(c.MONEY_MEASURE, "zh")})
    return "OR(" + ",".join(f'{measure}="{w}"' for w in words) + ")"


class _Place:
    """Where a table of the template is, once the filler has laid out its rows."""

    def __init__(self, ws: Worksheet, name: str) -> None:
        self.ws, self.table = ws, ws.tables[name]
        self.min_col, self.header, self.max_col, self.last = range_boundaries(self.table.ref)
        labels = {ws.cell(self.header, col).value: col
                  for col in range(self.min_col, self.max_col + 1)}
        column_map = read_column_map(ws.parent)
        self.col = {k: labels[column_map[(n, k)]] for (n, k) in column_map if n == name}

    def letter(self, key: str) -> str:
        return str(get_column_letter(self.col[key]))

    def range(self, key: str) -> str:
        letter = self.letter(key)
        return (f"{quote_sheetname(self.ws.title)}!${letter}${self.header + 1}:"
                f"${letter}${self.last}")


def _table_places(wb: Workbook, issue: Issue) -> dict[str, _Place]:
    places = {}
    for table in c.tables_of(issue.kinds):
        ws = next(ws for ws in wb.worksheets if table.name in ws.tables)
        places[table.name] = _Place(ws, table.name)
    return places


def _cover(wb: Workbook, issue: Issue, lang: str) -> None:
    ws = wb[COVER_SHEET[lang]]
    sheet, ref = next(iter(wb.defined_names["xt_subsidiary"].destinations))
    row = ws[ref.replace("$", "")].row
    note = (f"{issue.subsidiary.name}（由运营管理部预填，请勿修改）" if lang == "zh"
            else f"{issue.subsidiary.name} (filled in by operations; do not change)")
    _text(ws.cell(row, 3), note)


def _project_list(wb: Workbook, issue: Issue) -> None:
    """Their own projects, the only choices of every project_id column."""
    ws = wb[LISTS_SHEET]
    ws.cell(1, 3).value = "projects"
    for i, project in enumerate(issue.projects or [""], start=2):
        _text(ws.cell(i, 3), project)
    wb.defined_names["list_projects"] = DefinedName(
        "list_projects", attr_text=f"{LISTS_SHEET}!$C$2:$C${len(issue.projects or [''])+1}")
    for table in c.tables_of(issue.kinds):
        sheet = next(ws for ws in wb.worksheets if table.name in ws.tables)
        place = _Place(sheet, table.name)
        letter = place.letter("project_id")
        rule = DataValidation(type="list", formula1="=list_projects", allow_blank=True,
                              showErrorMessage=True, errorTitle="项目编号 Project ID",
                              error="请从下拉列表选择本单位的项目。Choose one of your projects.")
        rule.add(f"{letter}{place.header + 1}:{letter}{place.header + VALIDATED_ROWS}")
        sheet.add_data_validation(rule)


def _reference_sheet(wb: Workbook, issue: Issue, places: dict[str, _Place], lang: str) -> None:
    """The history's figures (yuan) and the variance checks, hidden from the accountant; the
    measures as the sheets offer them, for their formulas to match."""
    ws = wb.create_sheet(REFERENCE_SHEET)
    for i, title in enumerate(("project", "table", "item", "measure", "plan_month")):
        ws.cell(1, i + 1).value = title
    for r, line in enumerate(issue.plan_lines, start=2):
        for i, value in enumerate((line.project, line.table, line.item,
                                   line.measure and _offered(line.measure, lang), line.amount)):
            _text(ws.cell(r, i + 1), value)
    for key, letter in _CHECK_AT.items():
        ws[f"{letter}1"] = key
    for r, check in enumerate(issue.checks, start=2):
        rule = check.rule
        values = (check.project, check.table, check.measure and _offered(check.measure, lang),
                  rule.id, rule.span,
                  check.expected, check.actual_before, rule.normal_pct, rule.major_pct,
                  rule.major_amount, rule.combine)
        for key, value in zip(_CHECK_COLUMNS, values, strict=False):
            _text(ws[f"{_CHECK_AT[key]}{r}"], value)
        for key, formula in _check_formulas(r, places[check.table]).items():
            ws[f"{_CHECK_AT[key]}{r}"] = formula
    ws.sheet_state = "hidden"


def _check_formulas(r: int, place: _Place) -> dict[str, str]:
    """variance.classify, in cells: the same rounding, the same bounds, the same order."""
    a = {k: f"{v}{r}" for k, v in _CHECK_AT.items()}

    def beyond(pct: str) -> str:
        return f'ABS({a["variance"]})>ROUND({a[pct]}*ABS({a["expected"]}),8)'

    measure = (f",{place.range('measure')},{a['measure']}"
               if "measure" in place.col else "")
    return {
        "unit": f'=IF({_is_money(a["measure"])},{_UNIT},1)',
        "this_month": f"=SUMIFS({place.range('amount')},{place.range('project_id')},"
                      f"{a['project']}{measure})*{a['unit']}",
        "actual": f"=ROUND({a['this_month']}+{a['before']},2)",
        "variance": f"=ROUND({a['actual']}-{a['expected']},2)",
        # No plan: any amount is beyond every percentage (classify's None).
        "abs_pct": f"=IF({a['expected']}=0,IF({a['variance']}=0,0,9.99E+307),"
                   f"ABS({a['variance']}/{a['expected']}))",
        "pct": f'=IF({a["expected"]}=0,"",{a["variance"]}/{a["expected"]})',
        # The band as variance.beyond judges it: the cent variance against the percentage
        # of the cent amount, not a float ratio (exactly 5% stays inside it in Excel too).
        "severity": (f'=IF(AND({a["actual"]}=0,{a["expected"]}=0),"normal",'
                     f'IF({beyond("normal_pct")},'
                     f'IF(IF({a["combine"]}="either",'
                     f'OR({beyond("major_pct")},ABS({a["variance"]})>='
                     f'{a["major_amount"]}),'
                     f'AND({beyond("major_pct")},ABS({a["variance"]})>='
                     f'{a["major_amount"]})),"major","attention"),"normal"))'),
    }


_CHECK_HEAD = {
    "zh": ("项目编号", "项目名称", "指标", "规则", "期间", "计划", "实际", "差异", "差异率", "状态",
           "需要说明"),
    "en": ("Project ID", "Project", "Indicator", "Rule", "Span", "Plan", "Actual", "Variance",
           "Variance %", "Status", "Explanation needed"),
}
CHECK_HEADER_ROW = 4  # 1-based; checks start on the row below


def _check_sheet(wb: Workbook, issue: Issue, lang: str) -> None:
    """What operations will ask, shown before the file is sent: a row per rule and project."""
    ws = wb.create_sheet(CHECK_SHEET[lang], index=1)
    ws["A1"] = ("本月差异预警（按集团差异规则实时计算，仅供参考，不会被读取）" if lang == "zh"
                else "Variance check, computed live by the group's rules (shown only, "
                     "never read)")
    ws["A1"].font = Font(bold=True, size=14)
    ws["A2"] = ("标“需要说明”的项目，请在“差异说明”表中说明原因。" if lang == "zh"
                else "For each project marked 'Explanation needed', give the reason in the "
                     "Explanations table.")
    for i, title in enumerate(_CHECK_HEAD[lang], start=1):
        cell = ws.cell(CHECK_HEADER_ROW, i, title)
        cell.font = Font(bold=True)
        ws.column_dimensions[get_column_letter(i)].width = (22 if i == 2 else 13)
    words = [word(SEVERITY, code, lang) for code in ("normal", "attention", "major")]
    for r, check in enumerate(issue.checks, start=2):
        row = CHECK_HEADER_ROW + r - 1
        ref = {k: f"{REFERENCE_SHEET}!{v}{r}" for k, v in _CHECK_AT.items()}
        indicator = (word(INDICATOR, "investment", lang) if check.table == "ActualCost"
                     else word(INDICATOR, f"sales:{check.measure}", lang))
        values: Sequence[object] = (
            check.project, check.project_name, indicator, check.rule.id,
            word(SPAN, check.rule.span, lang), f"={ref['expected']}/{ref['unit']}",
            f"={ref['actual']}/{ref['unit']}", f"={ref['variance']}/{ref['unit']}",
            f"={ref['pct']}",
            f'=IF({ref["severity"]}="major","{words[2]}",IF({ref["severity"]}="attention",'
            f'"{words[1]}","{words[0]}"))',
            f'=IF({ref["severity"]}="normal","","{EXPLAIN[lang]}")')
        for i, value in enumerate(values, start=1):
            cell = ws.cell(row, i, value)
            if i <= 5:  # names and codes: text; the rest are xltrack's own formulas
                _text(cell, value)
            cell.number_format = "0.0%" if i == 9 else "#,##0.00"
            if i >= 6:
                cell.fill = _GREY
    last = CHECK_HEADER_ROW + max(len(issue.checks), 1)
    span = f"A{CHECK_HEADER_ROW + 1}:K{last}"
    ws.conditional_formatting.add(span, FormulaRule(
        formula=[f'$K{CHECK_HEADER_ROW + 1}<>""'], fill=_RED))
    ws.conditional_formatting.add(span, FormulaRule(
        formula=[f'$J{CHECK_HEADER_ROW + 1}="{words[1]}"'], fill=_AMBER))
    ws.freeze_panes = f"C{CHECK_HEADER_ROW + 1}"


def _reference_columns(wb: Workbook, name: str, place: _Place, lang: str, lines: int,
                       checks: int) -> None:
    """The plan in force, the live variance and the flag beside each row of the table."""
    spec = c.TABLES_BY_NAME[name]
    ws, table = place.ws, place.table
    map_rows = []
    for offset, col in enumerate(spec.references, start=1):
        index = place.max_col + offset
        label = col.label(lang)
        header = ws.cell(place.header, index, label)
        header.font = Font(bold=True)
        ws.column_dimensions[get_column_letter(index)].width = col.width
        table.tableColumns.append(TableColumn(id=len(table.tableColumns) + 1, name=label))
        place.col[col.key] = index
        map_rows.append([name, col.key, label, col.type.value, "N", c.Role.REFERENCE.value])
    for row in range(place.header + 1, place.last + 1):
        for key, formula in _row_formulas(name, place, row, lines, checks, lang).items():
            cell = ws.cell(row, place.col[key], formula)
            cell.fill = _GREY
            cell.number_format = "0.0%" if key == "ref_variance_pct" else "#,##0.00"
    first_ref, last_ref = place.max_col + 1, place.max_col + len(spec.references)
    table.ref = (f"{get_column_letter(place.min_col)}{place.header}:"
                 f"{get_column_letter(last_ref)}{place.last}")
    if table.autoFilter is not None:
        table.autoFilter.ref = table.ref
    flag = place.letter("ref_explain")
    ws.conditional_formatting.add(
        f"{get_column_letter(first_ref)}{place.header + 1}:{flag}{place.last}",
        FormulaRule(formula=[f'${flag}{place.header + 1}<>""'], fill=_RED))
    place.max_col = last_ref
    _add_map_rows(wb, map_rows)


def _row_formulas(name: str, place: _Place, row: int, lines: int, checks: int,
                  lang: str) -> dict[str, str]:
    at = {k: f"${place.letter(k)}{row}" for k in place.col}
    n, m = max(lines, 1) + 1, max(checks, 1) + 1
    ref = {k: f"{REFERENCE_SHEET}!${k}$2:${k}${n}" for k in "ABCDE"}
    chk = {k: f"{REFERENCE_SHEET}!${_CHECK_AT[k]}$2:${_CHECK_AT[k]}${m}"
           for k in ("project", "table", "severity")}
    if name == "ActualCost":
        match, unit = f"{ref['C']},{at['cost_code']}", _UNIT
    else:
        match = f"{ref['C']},{at['product']},{ref['D']},{at['measure']}"
        unit = f'IF({_is_money(at["measure"])},{_UNIT},1)'
    blank = f'OR({at["project_id"]}="",NOT(ISNUMBER({at["amount"]})))'
    plan, variance = at["ref_plan"], at["ref_variance"]
    return {
        "ref_plan": f'=IF({at["project_id"]}="","",SUMIFS({ref["E"]},{ref["A"]},'
                    f'{at["project_id"]},{ref["B"]},"{name}",{match})/{unit})',
        "ref_variance": f'=IF({blank},"",{at["amount"]}-{plan})',
        "ref_variance_pct": f'=IF({blank},"",IF({plan}=0,"",{variance}/{plan}))',
        "ref_explain": f'=IF({at["project_id"]}="","",IF(COUNTIFS({chk["project"]},'
                       f'{at["project_id"]},{chk["table"]},"{name}",{chk["severity"]},'
                       f'"<>normal")>0,"{EXPLAIN[lang]}",""))',
    }


def _add_map_rows(wb: Workbook, rows: list[list[str]]) -> None:
    """Declare the reference columns in the `_xltrack` map (role = reference)."""
    ws = wb[c.MAP_SHEET]
    table = ws.tables[c.MAP_TABLE]
    min_col, min_row, max_col, max_row = range_boundaries(table.ref)
    for offset, values in enumerate(rows, start=1):
        for i, value in enumerate(values):
            ws.cell(max_row + offset, min_col + i, value)
    table.ref = (f"{get_column_letter(min_col)}{min_row}:{get_column_letter(max_col)}"
                 f"{max_row + len(rows)}")
    if table.autoFilter is not None:
        table.autoFilter.ref = table.ref


def _protect(wb: Workbook, issue: Issue, places: dict[str, _Place]) -> None:
    """Every sheet protected without a password; only the cells to fill are open."""
    open_fields = {"xt_preparer", "xt_prepared_on", "xt_unit", "xt_revision"}
    for name in open_fields & set(wb.defined_names.keys()):
        sheet, ref = next(iter(wb.defined_names[name].destinations))
        wb[sheet][ref.replace("$", "")].protection = _OPEN
    for table_name, place in places.items():
        spec = c.TABLES_BY_NAME[table_name]
        for col in spec.columns:
            if col.computed:
                continue
            index = place.col[col.key]
            for row in range(place.header + 1, place.last + 1):
                place.ws.cell(row, index).protection = _OPEN
    for ws in wb.worksheets:
        ws.protection.sheet = True
        # Widening a column or filtering a table changes no value: left allowed.
        ws.protection.formatColumns = False
        ws.protection.autoFilter = False
        ws.protection.sort = False
