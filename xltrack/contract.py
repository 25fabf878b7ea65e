"""The template contract, version 2 (../shared/TEMPLATES.md), as data.

Everything that knows about a table or a column — the template generator, the reader, the
validator and the test filler — takes it from here. A column is spelled once, in this module.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

CONTRACT_VERSION = 2
# Readers keep accepting every version listed here (TEMPLATES.md: "a change is a new version").
# Version 2 adds the map's `role` column and the reference columns of issued templates; a
# version-1 map has no role column and every column in it is an input.
SUPPORTED_VERSIONS = frozenset({1, 2})

# The sheet and the table that carry the column map inside every template.
MAP_SHEET = "_xltrack"
MAP_TABLE = "Columns"
MAP_COLUMNS = ("table", "key", "header", "type", "required", "role")
# Labels in the map sheet's first column, each followed by its value in the next cell.
MAP_VERSION_LABEL = "contract_version"
MAP_KINDS_LABEL = "kinds"


class Kind(StrEnum):
    """What a submission is: a baseline document or the monthly actuals."""

    PLAN = "plan"
    BUDGET = "budget"
    FORECAST = "forecast"
    MONTHLY = "monthly"


class ColumnType(StrEnum):
    """How a cell's value is read and checked.

    `money` is an amount in the workbook's unit (元 or 万元), normalised to yuan on reading.
    `quantity` is money when the row's `measure` is AMOUNT, otherwise an area or a count,
    which the unit does not scale. `percent` is a fraction (0.25 shown as 25%).
    `code` is text that may look like a number ("007" stays "007").
    """

    TEXT = "text"
    CODE = "code"
    DATE = "date"
    MONEY = "money"
    QUANTITY = "quantity"
    PERCENT = "percent"
    YEAR = "year"
    FLAG = "flag"
    CHOICE = "choice"


class Role(StrEnum):
    """What a column of the map is to a reader (contract version 2).

    `input` is typed by the filler and read. `reference` is shown to the filler only — the
    month's budget beside the actual, a live variance, an explanation-needed flag — computed
    by the template's own formulas: never read, so a formula there is expected, not a finding.
    """

    INPUT = "input"
    REFERENCE = "reference"


class ListRef(StrEnum):
    """Lists kept by operations (the register), offered as drop-downs in the templates."""

    COST_CODES = "cost_codes"
    PRODUCTS = "products"


@dataclass(frozen=True, slots=True)
class Column:
    key: str
    label_zh: str
    label_en: str
    type: ColumnType
    required: bool = False
    allowed: tuple[str, ...] = ()
    allowed_list: ListRef | None = None
    minimum: float | None = None
    maximum: float | None = None
    # Computed in the template as a formula; readers recompute it and never trust the cache.
    computed: bool = False
    width: int = 14
    role: Role = Role.INPUT

    def label(self, lang: str) -> str:
        return self.label_zh if lang == "zh" else self.label_en


@dataclass(frozen=True, slots=True)
class Table:
    name: str
    kind: Kind
    label_zh: str
    label_en: str
    columns: tuple[Column, ...]
    # Columns that together identify a row; two rows with the same key are duplicates.
    row_key: tuple[str, ...] = ()
    # Reference columns an issued template shows beside the inputs (role `reference`). They
    # are kept apart from `columns`, which readers, validators and the store iterate: a
    # reference column can never be read as input.
    references: tuple[Column, ...] = ()

    def label(self, lang: str) -> str:
        return self.label_zh if lang == "zh" else self.label_en

    def column(self, key: str) -> Column:
        for column in self.columns:
            if column.key == key:
                return column
        raise KeyError(f"table {self.name} has no column {key!r}")

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(c.key for c in self.columns)

    @property
    def month_keys(self) -> tuple[str, ...]:
        return tuple(k for k in self.keys if k in MONTH_KEYS)


@dataclass(frozen=True, slots=True)
class HeaderField:
    """A workbook-level defined name pointing at one input cell."""

    name: str
    label_zh: str
    label_en: str
    type: ColumnType
    allowed: tuple[str, ...] = ()
    hint_zh: str = ""
    hint_en: str = ""
    # Only meaningful for these kinds (empty: all kinds).
    kinds: tuple[Kind, ...] = field(default=())

    def label(self, lang: str) -> str:
        return self.label_zh if lang == "zh" else self.label_en

    def hint(self, lang: str) -> str:
        return self.hint_zh if lang == "zh" else self.hint_en


UNITS = ("元", "万元")
UNIT_FACTOR = {"元": 1, "万元": 10_000}
MEASURES = ("AMOUNT", "AREA", "UNITS")
MONEY_MEASURE = "AMOUNT"
FLAGS = ("Y", "N")
# What an explanation is about: actual investment or sales against plan, the schedule, or the
# plan itself (a revision, or a difference from the feasibility study).
EXPLANATION_TOPICS = ("investment", "sales", "schedule", "plan")
MONTH_KEYS = tuple(f"m{m:02d}" for m in range(1, 13))
# The Chinese templates offer these words in their drop-downs; on reading, the word and the
# code are both accepted and the code is kept (the history and the scripts see codes only).
CHOICE_WORDS_ZH = {"AMOUNT": "金额", "AREA": "面积", "UNITS": "套数", "investment": "投资",
                   "sales": "销售", "schedule": "进度", "plan": "计划"}


def choice_options(allowed: tuple[str, ...], lang: str) -> tuple[str, ...]:
    """What a template's drop-down offers for a choice column in `lang`."""
    if lang != "zh":
        return allowed
    return tuple(CHOICE_WORDS_ZH.get(code, code) for code in allowed)


def choice_aliases(allowed: tuple[str, ...]) -> dict[str, str]:
    """The other words accepted for a choice column's codes: alias → code."""
    return {CHOICE_WORDS_ZH[code]: code for code in allowed if code in CHOICE_WORDS_ZH}

HEADER_FIELDS: tuple[HeaderField, ...] = (
    HeaderField("xt_subsidiary", "填报单位编码", "Subsidiary code", ColumnType.CODE,
                hint_zh="与项目档案中的编码一致", hint_en="as in the project register"),
    HeaderField("xt_period", "期间 (YYYY-MM)", "Period (YYYY-MM)", ColumnType.TEXT,
                hint_zh="月报填报告期；计划/预算/预测填生效期间",
                hint_en="reporting month; for a plan, budget or forecast the month it takes "
                        "effect"),
    HeaderField("xt_preparer", "填表人", "Prepared by", ColumnType.TEXT),
    HeaderField("xt_prepared_on", "填表日期", "Prepared on", ColumnType.DATE),
    HeaderField("xt_unit", "金额单位", "Unit of amounts", ColumnType.CHOICE, allowed=UNITS,
                hint_zh="本工作簿所有金额的单位",
                hint_en="applies to every amount in this workbook"),
    HeaderField("xt_revision", "版本号 (1=基准)", "Revision (1 = baseline)", ColumnType.YEAR,
                hint_zh="计划、预算、预测的修订次数，首次报送填 1",
                hint_en="1 for the first approved version, 2 for the first revision …",
                kinds=(Kind.PLAN, Kind.BUDGET, Kind.FORECAST)),
)

_T, _C, _D = ColumnType.TEXT, ColumnType.CODE, ColumnType.DATE


def _project() -> Column:
    return Column("project_id", "项目编号", "Project ID", _C, required=True, width=12)


def _months(column_type: ColumnType) -> tuple[Column, ...]:
    return tuple(
        Column(key, f"{m}月", f"M{m:02d}", column_type, minimum=0, width=11)
        for m, key in enumerate(MONTH_KEYS, start=1)
    )


def _year() -> Column:
    return Column("year", "年度", "Year", ColumnType.YEAR, required=True, minimum=2000,
                  maximum=2100, width=8)


def _total(column_type: ColumnType) -> Column:
    return Column("total", "合计", "Total", column_type, computed=True, width=14)


def _cost_code() -> Column:
    return Column("cost_code", "费用编码", "Cost code", _C, required=True,
                  allowed_list=ListRef.COST_CODES, width=16)


def _product() -> Column:
    return Column("product", "产品", "Product", _T, required=True,
                  allowed_list=ListRef.PRODUCTS, width=16)


def _measure() -> Column:
    return Column("measure", "计量", "Measure", ColumnType.CHOICE, required=True,
                  allowed=MEASURES, width=10)


def _references(plan_zh: str, plan_en: str) -> tuple[Column, ...]:
    """The reference columns beside a month's actuals: the plan in force for the row, the
    live variance and whether the group's rules would ask for an explanation."""
    r = Role.REFERENCE
    return (
        Column("ref_plan", f"本月{plan_zh}", f"{plan_en.capitalize()} this month",
               ColumnType.QUANTITY, computed=True, width=14, role=r),
        Column("ref_variance", "差异", "Variance", ColumnType.QUANTITY, computed=True,
               width=14, role=r),
        Column("ref_variance_pct", "差异率", "Variance %", ColumnType.PERCENT, computed=True,
               width=10, role=r),
        Column("ref_explain", "需要说明", "Explanation needed", _T, computed=True, width=12,
               role=r),
    )


TABLES: tuple[Table, ...] = (
    Table("Plan", Kind.PLAN, "进度计划", "Schedule plan", (
        _project(),
        Column("milestone_id", "里程碑编号", "Milestone ID", _C, required=True, width=12),
        Column("milestone", "里程碑", "Milestone", _T, required=True, width=28),
        Column("planned_start", "计划开始", "Planned start", _D, required=True, width=12),
        Column("planned_finish", "计划完成", "Planned finish", _D, required=True, width=12),
        Column("weight_pct", "权重", "Weight", ColumnType.PERCENT, required=True,
               minimum=0, maximum=1, width=9),
        Column("key_milestone", "关键节点(Y/N)", "Key (Y/N)", ColumnType.FLAG, required=True,
               allowed=FLAGS, width=10),
        Column("owner", "负责人", "Owner", _T, width=12),
    ), row_key=("project_id", "milestone_id")),
    Table("Budget", Kind.BUDGET, "投资预算", "Investment budget", (
        _project(), _cost_code(),
        Column("description", "说明", "Description", _T, width=22),
        _year(), *_months(ColumnType.MONEY), _total(ColumnType.MONEY),
    ), row_key=("project_id", "cost_code", "year")),
    Table("SalesForecast", Kind.FORECAST, "销售预测", "Sales forecast", (
        _project(), _product(), _measure(), _year(),
        *_months(ColumnType.QUANTITY), _total(ColumnType.QUANTITY),
    ), row_key=("project_id", "product", "measure", "year")),
    Table("ActualCost", Kind.MONTHLY, "实际投资", "Actual investment", (
        _project(), _cost_code(),
        # Negative amounts are allowed: accountants post reversals and corrections.
        Column("amount", "本月金额", "Amount this month", ColumnType.MONEY, required=True,
               width=16),
        Column("remark", "备注", "Remark", _T, width=28),
    ), row_key=("project_id", "cost_code"), references=_references("预算", "budget")),
    Table("ActualSales", Kind.MONTHLY, "实际销售", "Actual sales", (
        _project(), _product(), _measure(),
        Column("amount", "本月数量/金额", "Amount this month", ColumnType.QUANTITY,
               required=True, minimum=0, width=16),
    ), row_key=("project_id", "product", "measure"), references=_references("预测", "forecast")),
    Table("Progress", Kind.MONTHLY, "进度", "Progress", (
        _project(),
        Column("milestone_id", "里程碑编号", "Milestone ID", _C, required=True, width=12),
        Column("actual_start", "实际开始", "Actual start", _D, width=12),
        Column("actual_finish", "实际完成", "Actual finish", _D, width=12),
        Column("pct_complete", "完成比例", "% complete", ColumnType.PERCENT, required=True,
               minimum=0, maximum=1, width=10),
        Column("forecast_finish", "预计完成", "Forecast finish", _D, width=12),
        Column("status_note", "进展说明", "Status note", _T, width=30),
    ), row_key=("project_id", "milestone_id")),
    Table("Issues", Kind.MONTHLY, "问题与风险", "Issues and risks", (
        _project(),
        Column("category", "类别", "Category", _T, required=True, width=12),
        Column("description", "问题描述", "Description", _T, required=True, width=30),
        Column("impact", "影响", "Impact", _T, width=24),
        Column("action", "应对措施", "Action", _T, width=24),
        Column("owner", "负责人", "Owner", _T, width=12),
        Column("due_date", "完成期限", "Due date", _D, width=12),
    )),
    Table("Explanations", Kind.MONTHLY, "差异说明", "Explanations", (
        _project(),
        Column("indicator", "指标", "Indicator", ColumnType.CHOICE, required=True,
               allowed=EXPLANATION_TOPICS, width=18),
        Column("explanation", "原因说明", "Explanation", _T, required=True, width=50),
    ), row_key=("project_id", "indicator")),
)

TABLES_BY_NAME: dict[str, Table] = {t.name: t for t in TABLES}
KIND_LABELS = {
    Kind.PLAN: ("项目进度计划", "Schedule plan"),
    Kind.BUDGET: ("项目投资预算", "Investment budget"),
    Kind.FORECAST: ("项目销售预测", "Sales forecast"),
    Kind.MONTHLY: ("月度实际数据", "Monthly actuals"),
}
PACK = tuple(Kind)  # the "subsidiary pack" holds every kind


def tables_of(kinds: tuple[Kind, ...] | list[Kind]) -> tuple[Table, ...]:
    """The tables a workbook holding these kinds carries, in contract order."""
    wanted = set(kinds)
    return tuple(t for t in TABLES if t.kind in wanted)


def header_fields_of(kinds: tuple[Kind, ...] | list[Kind]) -> tuple[HeaderField, ...]:
    wanted = set(kinds)
    return tuple(f for f in HEADER_FIELDS if not f.kinds or wanted & set(f.kinds))


def header_field(name: str) -> HeaderField:
    for f in HEADER_FIELDS:
        if f.name == name:
            return f
    raise KeyError(name)


def field_label(sheet: str, key: str, lang: str) -> str:
    """What the template calls a finding's field: the column `key` of the table on `sheet`
    (named as either language's template names it), or the cover field `key`; else `key`."""
    for table in TABLES:
        if sheet in (table.label_zh, table.label_en):
            for column in table.columns:
                if column.key == key:
                    return column.label(lang)
    for header in HEADER_FIELDS:
        if header.name == key:
            return header.label_zh if lang == "zh" else header.label_en
    return key
