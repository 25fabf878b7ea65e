"""The control workbook's contract (控制台): its sheets, tables and columns, defined once.

Operations staff keep their settings in the control workbook, each list an Excel table on a
sheet of its own. The builder lays these tables out, `settings.load_control` reads them back,
the entry points write the result sheets, and the tests fill them — all from the definitions
here. Columns are found by their key (in the row above the table's header), so a person may reorder
them or reword a label.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import ValidationError

from .errors import RegisterError, Said, XltrackError

if TYPE_CHECKING:
    from .excel.port import WorkbookPort
    from .settings import Register
    from .variance import RuleSet

Kind = Literal["text", "money", "number", "pct", "date", "flag", "int"]


@dataclass(frozen=True)
class Column:
    key: str
    zh: str
    en: str
    kind: Kind = "text"
    width: int = 14
    # Where the value goes in the row's pydantic record; a nested field has a longer path.
    path: tuple[str, ...] = ()

    @property
    def header(self) -> str:
        return f"{self.zh} {self.en}"

    @property
    def where(self) -> tuple[str, ...]:
        return self.path or (self.key,)


@dataclass(frozen=True)
class SettingsTable:
    name: str  # the Excel table's name
    sheet: str
    columns: tuple[Column, ...]
    note: str  # the line above the table, for the person editing it


C = Column
CONTROL = SettingsTable("Control", "控制台 Control", (
    C("setting", "设置", "Setting", width=16), C("value", "值", "Value", width=34),
    C("meaning", "说明", "Meaning", width=60)),
    "本月运行的设置。相对路径以本工作簿所在文件夹为准。 Settings of the run; relative paths are "
    "taken from this workbook's folder.")

# The Control table's rows: key, default, meaning. Relative paths are from the workbook's folder.
CONTROL_FIELDS: tuple[tuple[str, str, str], ...] = (
    ("period", "", "本月 Month to run, YYYY-MM (blank: last month)"),
    ("inbox", "inbox", "收件夹 Folder of the subsidiaries' files (one sub-folder per month)"),
    ("output", "reports", "输出 Folder for the report, special reports and feedback"),
    ("database", "xltrack.sqlite", "历史库 History store (SQLite), on a local disk"),
    ("language", "zh", "语言 zh or en: the report's file name and the messages"),
    ("workers", "0", "进程数 Reader processes (0: one per core)"),
    ("key_work", "key-work.xlsx", "重点工作表 Key-work tracking table (leadership instructions)"),
    ("contact", "", "联系人 Operations contact printed in the templates"),
    ("deadline_day", "10", "报送截止日 Day of the following month the monthly figures are due"),
    # Key-work follow-up cadence and cut-off (actions.Cadence; see docs/user-guide.md).
    ("follow_up_near_days", "7", "临近天数 Key work due within this many days (0: today) …"),
    ("follow_up_near_every", "3", "跟进间隔天数 … is followed up every this many days"),
    ("follow_up_month_days", "31", "一月内天数 Key work due within this many days …"),
    ("follow_up_month_every", "7", "跟进间隔天数（更远的按月跟进） … every this many days; "
                                   "anything later monthly"),
    ("key_work_cutoff_day", "25", "重点工作截止日 Day of the month key work is summarised and "
                                  "rolled over"),
    ("smtp_server", "", "邮件服务器 SMTP server HOST:PORT for chasing e-mails (blank: drafts "
                        "only); the password comes from the environment or the OS keyring"),
    ("mail_from", "", "发件人 Sender address of the chasing e-mails"),
    # Last, so that the rows above keep their places in workbooks built before it.
    ("timezone", "", "时区 Time zone of the times shown, e.g. Asia/Shanghai (blank: this "
                     "computer's)"),
)

SEGMENTS = SettingsTable("Segments", "板块 Segments", (
    C("code", "代码", "Code", width=10), C("name_zh", "名称", "Name (zh)", width=18),
    C("name_en", "英文名称", "Name (en)", width=22),
    C("major_threshold", "重大项目标准(元)", "Major-project threshold (yuan)", "money", 22)),
    "板块及重大项目标准：批准投资额达到标准即为重大项目。 Segments and the approved investment "
    "from which a project is major.")
SUBSIDIARIES = SettingsTable("Subsidiaries", "子公司 Subsidiaries", (
    C("code", "代码", "Code", width=10), C("name", "名称", "Name", width=24),
    C("segment", "板块", "Segment", width=10), C("contact", "联系人", "Contact", width=18),
    C("email", "电子邮件", "E-mail", width=26), C("unit", "默认单位", "Default unit", width=10)),
    "报送单位。 The subsidiaries that submit.")
PROJECTS = SettingsTable("Projects", "项目档案 Projects", (
    C("id", "项目编号", "Project ID", width=12), C("name", "项目名称", "Name", width=26),
    C("subsidiary", "子公司", "Subsidiary", width=11),
    C("approved_investment", "批准投资(元)", "Approved investment (yuan)", "money", 20),
    C("fs_total_investment", "可研总投资(元)", "Feasibility investment (yuan)", "money", 20,
      ("feasibility", "total_investment")),
    C("fs_start", "可研开工", "Feasibility start", "date", 13, ("feasibility", "start")),
    C("fs_finish", "可研竣工", "Feasibility finish", "date", 13, ("feasibility", "finish")),
    C("fs_sales_amount", "可研销售额(元)", "Feasibility sales (yuan)", "money", 20,
      ("feasibility", "sales_amount")),
    C("board_designated", "董事会指定", "Board-designated (Y/N)", "flag", 20)),
    "项目档案及可研数据。 The project register with its feasibility-study figures.")
COST_CODES = SettingsTable("CostCodes", "成本科目 Cost codes", (
    C("code", "代码", "Code", width=12), C("name", "名称", "Name", width=30)),
    "模板下拉列表中的成本科目。 Cost codes offered in the templates.")
PRODUCTS = SettingsTable("Products", "产品 Products", (
    C("code", "产品", "Product", width=16),),
    "模板下拉列表中的产品。 Products offered in the templates.")
RULES = SettingsTable("Rules", "差异规则 Rules", (
    C("id", "规则", "Rule", width=18), C("comparison", "比较", "Comparison", width=22),
    C("segment", "板块", "Segment (blank: all)", width=10),
    C("indicator", "指标", "Indicator", width=14), C("span", "期间", "Span", width=13),
    C("normal_pct", "正常范围", "Normal band", "pct", 10),
    C("major_pct", "重大比例", "Major above", "pct", 10),
    C("major_amount", "重大金额(元)", "Major amount (yuan)", "money", 16),
    C("combine", "组合", "both/either", width=10), C("months", "连续月数", "Months", "int", 9),
    C("attention_days", "关注天数", "Attention days", "int", 10),
    C("major_days", "重大天数", "Major days", "int", 10),
    C("key_weight", "关键权重", "Key weight", "number", 10)),
    "差异规则：板块规则优先于通用规则；空格取默认值。 Variance rules: a segment's own rule wins; "
    "a blank cell takes the default.")

SETTINGS = (CONTROL, SEGMENTS, SUBSIDIARIES, PROJECTS, COST_CODES, PRODUCTS, RULES)


@dataclass(frozen=True)
class ResultSheet:
    """A sheet xltrack writes and a person only reads: columns A… are rewritten each run."""

    sheet: str
    columns: tuple[Column, ...]


RESULTS = {
    "summary": ResultSheet("汇总 Summary", (
        C("item", "项目", "Item", width=34), C("value", "数值", "Value", "text", 26),
        C("detail", "说明", "Detail", width=70))),
    "variances": ResultSheet("差异 Variances", (  # keys as in variance.FLAG_COLUMNS
        C("project", "项目", "Project", width=12),
        C("subsidiary", "子公司", "Subsidiary", width=10),
        C("segment", "板块", "Segment", width=8), C("severity", "级别", "Severity", width=10),
        C("comparison", "比较", "Comparison", width=20),
        C("indicator", "指标", "Indicator", width=14), C("span", "期间", "Span", width=12),
        C("item", "里程碑/科目", "Item", width=14),
        C("actual", "实际", "Actual", "money", 18), C("expected", "计划", "Expected", "money", 18),
        C("variance", "差异", "Variance", "money", 18),
        C("variance_pct", "差异率", "Variance %", "pct", 10),
        C("days", "延误天数", "Days late", "int", 9), C("rule_id", "规则", "Rule", width=16),
        C("explanation", "说明", "Explanation", width=40))),
    "submissions": ResultSheet("报送 Submissions", (
        C("file", "文件", "File", width=40), C("subsidiary", "子公司", "Subsidiary", width=11),
        C("kind", "类型", "Kind", width=12), C("period", "期间", "Period", width=9),
        C("status", "状态", "Status", width=10), C("errors", "错误", "Errors", "int", 8),
        C("warnings", "提示", "Warnings", "int", 9),
        C("first_finding", "首个问题", "First finding", width=70))),
    "actions": ResultSheet("跟进 Actions", (
        C("id", "编号", "ID", width=10), C("project", "项目", "Project", width=11),
        C("content", "工作内容", "Content", width=40),
        C("department", "责任部门", "Department", width=14),
        C("person", "责任人", "Person", width=10), C("deadline", "期限", "Deadline", "date", 12),
        C("status", "状态", "Status", width=11),
        C("next_follow_up", "下次跟进", "Next follow-up", "date", 13),
        C("flag", "提示", "Flag", width=12))),
}
CONFIG_SHEET = "_xlwings.conf"  # xlwings reads its settings here once the underscore goes


def column_letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


# Where each settings table starts (0-based rows): the note, then the keys that readers find
# columns by, then the table with its header.
NOTE_ROW, KEY_ROW, HEADER_ROW = 0, 1, 2


def register_rows(register: Register) -> dict[str, list[dict[str, Any]]]:
    """The register as the rows of the settings tables (the builder's input)."""
    projects = [{"id": p.id, "name": p.name, "subsidiary": p.subsidiary,
                 "approved_investment": p.approved_investment,
                 "fs_total_investment": p.feasibility.total_investment,
                 "fs_start": p.feasibility.start, "fs_finish": p.feasibility.finish,
                 "fs_sales_amount": p.feasibility.sales_amount,
                 "board_designated": "Y" if p.board_designated else "N"}
                for p in register.projects]
    return {"Segments": [s.model_dump() for s in register.segments],
            "Subsidiaries": [s.model_dump() for s in register.subsidiaries],
            "Projects": projects,
            "CostCodes": [c.model_dump() for c in register.cost_codes],
            "Products": [{"code": p} for p in register.products]}


def rules_rows(rules: RuleSet) -> list[dict[str, Any]]:
    rows = []
    for rule in [*rules.amount, *rules.schedule]:
        row = rule.model_dump(mode="json")
        row["segment"] = row["segment"] or ""
        rows.append(row)
    return rows


@dataclass(frozen=True)
class ControlSettings:
    """Everything a run needs, as typed in the control workbook."""

    register: Register
    rules: RuleSet
    values: dict[str, str]  # the Control table: period, inbox, output, …
    folder: Path  # the workbook's folder: relative paths start here

    def path(self, key: str) -> Path:
        return self.folder / self.values[key]

    def history(self) -> Path | str:
        """The history setting: a SQLite file (relative to the workbook's folder) or a
        PostgreSQL URL, which carries no password (backend.py)."""
        from .backend import is_postgres

        text = self.values["database"].strip()
        return text if is_postgres(text) else self.folder / text

    def period(self, today: dt.date | None = None) -> str:
        from .models import add_months, check_period

        if self.values["period"]:
            return check_period(self.values["period"])
        today = today or dt.date.today()
        return add_months(f"{today:%Y-%m}", -1)


def load_control(port: WorkbookPort) -> ControlSettings:
    """Read and validate every settings table; every problem is reported at once, each with
    its sheet and cell."""
    from .settings import parse_register
    from .variance import RuleSet

    problems: list[str] = []
    rows = {t.name: _rows(port, t, problems) for t in SETTINGS}
    values = {key: default for key, default, _ in CONTROL_FIELDS}
    value_at: dict[str, str] = {}  # a Control setting's value cell, to say a problem with it
    for record, where in rows["Control"]:
        key = str(record.get("setting") or "")
        value_at[key] = where.get("value", where["setting"])
        if key not in values:
            problems.append(Said(f"{where['setting']}：未知设置“{key}”；可用的设置为 "
                                 + "、".join(values),
                                 f"{where['setting']}: unknown setting {key!r}; the settings "
                                 "are " + ", ".join(values)))
            continue
        values[key] = _control_value(record.get("value"))
    register_data = {
        "segments": [r for r, _ in rows["Segments"]],
        "subsidiaries": [r for r, _ in rows["Subsidiaries"]],
        "projects": [_nest(r, PROJECTS) for r, _ in rows["Projects"]],
        "cost_codes": [r for r, _ in rows["CostCodes"]],
        "products": [r.get("code") for r, _ in rows["Products"]],
        "operations_contact": values["contact"], "deadline_day": values["deadline_day"]}
    rules = [r for r, _ in rows["Rules"]]
    kinds = {"amount": [], "schedule": []}  # type: dict[str, list[dict[str, Any]]]
    places = {"amount": [], "schedule": []}  # type: dict[str, list[dict[str, str]]]
    for (record, where) in rows["Rules"]:
        kind = "schedule" if record.get("comparison") in _SCHEDULE_COMPARISONS else "amount"
        kinds[kind].append(record)
        places[kind].append(where)
    source = str(port.path)
    register = rule_set = None
    try:
        register = parse_register(register_data, source)
    except XltrackError as exc:
        # A cell already reported as unreadable is also "missing" to pydantic: say it once.
        # Every problem starts with its cell ("Sheet name!D5 (key): …").
        reported = {p.split(" (", 1)[0] for p in problems}
        for problem in getattr(exc, "problems", [str(exc)]):
            placed = _place(problem, rows, value_at)
            if not (placed.endswith("Field required")
                    and placed.split(" (", 1)[0] in reported):
                problems.append(placed)
    try:
        rule_set = RuleSet.model_validate(kinds)
    except ValidationError as exc:
        for error in exc.errors():
            group, index, *rest = error["loc"]
            where = places[str(group)][int(index)]
            key = str(rest[0]) if rest else "comparison"
            problems.append(f"{where.get(key, where['id'])} ({key}): {error['msg']}")
    if not rules:
        problems.append(Said(f"{RULES.sheet}：规则表为空",
                             f"{RULES.sheet}: the rules table is empty"))
    if problems or register is None or rule_set is None:
        raise RegisterError(source, problems)
    return ControlSettings(register, rule_set, values, port.path.parent)


_SCHEDULE_COMPARISONS = {"milestone_slip", "finish_vs_feasibility"}
_LOC = re.compile(r"^(segments|subsidiaries|projects|cost_codes|products)\.(\d+)\.?([\w.]*)")
# The register's fields that come from the Control sheet, and the setting each comes from.
_FROM_CONTROL = {"deadline_day": "deadline_day", "operations_contact": "contact"}
_TABLE_OF = {"segments": "Segments", "subsidiaries": "Subsidiaries", "projects": "Projects",
             "cost_codes": "CostCodes", "products": "Products"}


def _place(problem: str, rows: dict[str, list[tuple[dict[str, Any], dict[str, str]]]],
           value_at: dict[str, str]) -> str:
    """A register problem ("projects.3.feasibility.start: …", or a Control setting's:
    "deadline_day: …") said with its cell."""
    if isinstance(problem, Said):
        return Said(_place(problem.zh, rows, value_at), _place(str(problem), rows, value_at))
    for field, setting in _FROM_CONTROL.items():
        if problem.startswith(f"{field}:") and setting in value_at:
            return f"{value_at[setting]} ({setting}){problem[len(field):]}"
    match = _LOC.match(problem)
    if match is None:
        return problem
    name, index, path = match.group(1), int(match.group(2)), match.group(3)
    table = next(t for t in SETTINGS if t.name == _TABLE_OF[name])
    record_places = rows[table.name][index][1]
    key = next((c.key for c in table.columns if ".".join(c.where) == path),
               table.columns[0].key)
    return f"{record_places.get(key, '')} ({key}){problem[match.end():]}"


def _rows(port: WorkbookPort, table: SettingsTable,
          problems: list[str]) -> list[tuple[dict[str, Any], dict[str, str]]]:
    """The table's non-blank rows as {key: value}, with {key: cell} beside each."""
    found = port.read_table(table.sheet, table.name)
    if found is None:
        problems.append(Said(f"{table.sheet}：缺少表格“{table.name}”；请用 xltrack "
                             "build-workbook --control 重新生成控制工作簿",
                             f"{table.sheet}: the table {table.name!r} is missing; rebuild "
                             "the control workbook with xltrack build-workbook --control"))
        return []
    columns = {key: i for i, key in enumerate(found.keys) if key}
    missing = [c.key for c in table.columns if c.key not in columns]
    if missing:
        problems.append(Said(f"{table.sheet}：表格“{table.name}”上方的键行缺少列 "
                             f"{'、'.join(missing)}",
                             f"{table.sheet}: column(s) {', '.join(missing)} missing from the "
                             f"key row above the table {table.name!r}"))
        return []
    out = []
    for r, cells in enumerate(found.rows):
        if all(v is None or str(v).strip() == "" for v in cells):
            continue
        record: dict[str, Any] = {}
        places: dict[str, str] = {}
        for column in table.columns:
            i = columns[column.key]
            places[column.key] = found.cell(r, i)
            value = _typed(cells[i], column, places[column.key], problems)
            if value is not None:
                record[column.key] = value
        out.append((record, places))
    return out


def _typed(value: Any, column: Column, where: str, problems: list[str]) -> Any:
    """A cell's value as its column's kind; a blank is None (the default applies)."""
    if isinstance(value, str):
        value = value.strip()
        if value.startswith("="):
            problems.append(Said(f"{where} ({column.key})：公式 {value!r}；请直接填写值",
                                 f"{where} ({column.key}): a formula {value!r}; type the value"))
            return None
    if value is None or value == "":
        return None
    kind = column.kind
    if kind == "text":
        if isinstance(value, float) and value.is_integer():
            return str(int(value))  # a code such as 1001 typed as a number
        if isinstance(value, dt.date):
            # Excel made a date of what was typed (2026-10 in a General cell): left as a date
            # for the reader of that column to say what it means, never "2026-10-01 00:00:00".
            return value
        return str(value)
    if kind == "flag":
        flag = {"Y": True, "N": False, "是": True, "否": False, "TRUE": True, "FALSE": False}
        if isinstance(value, bool):
            return value
        if str(value).upper() in flag:
            return flag[str(value).upper()]
        problems.append(Said(f"{where} ({column.key})：{value!r} 不是 Y 或 N",
                             f"{where} ({column.key}): {value!r} is not Y or N"))
        return None
    if kind == "date":
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        try:
            return dt.date.fromisoformat(str(value))
        except ValueError:
            problems.append(Said(f"{where} ({column.key})：{value!r} 不是日期（YYYY-MM-DD）",
                                 f"{where} ({column.key}): {value!r} is not a date "
                                 "(YYYY-MM-DD)"))
            return None
    not_a_number = Said(f"{where} ({column.key})：{value!r} 不是数值",
                        f"{where} ({column.key}): {value!r} is not a number")
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        problems.append(not_a_number)
        return None
    try:
        number = float(str(value).replace(",", "").rstrip("%")) / (
            100 if isinstance(value, str) and value.endswith("%") else 1)
    except ValueError:
        problems.append(not_a_number)
        return None
    if kind == "int":
        if not number.is_integer():
            problems.append(Said(f"{where} ({column.key})：{value!r} 不是整数",
                                 f"{where} ({column.key}): {value!r} is not a whole number"))
            return None
        return int(number)
    return number


def _control_value(value: Any) -> str:
    """The Control table's values are text; Excel may have turned 2026-10 into a date."""
    if isinstance(value, dt.datetime | dt.date):
        return f"{value:%Y-%m}"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return "" if value is None else str(value).strip()


def _nest(record: dict[str, Any], table: SettingsTable) -> dict[str, Any]:
    """A flat row as the nested record pydantic expects (feasibility.start …)."""
    nested: dict[str, Any] = {}
    for column in table.columns:
        if column.key in record:
            target = nested
            for part in column.where[:-1]:
                target = target.setdefault(part, {})
            target[column.where[-1]] = record[column.key]
    return nested
