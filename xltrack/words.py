"""Display words: every code a person sees, in 中文 and English, defined once beside its code.

Writers and the CLI show `word(GROUP, code, lang)`; the code itself stays in a key column
(hidden in the workbooks, a plain column in the CSV files) for filters and scripts. A code
missing from its group is shown as it is, never dropped: a new code is visible, not lost.
Segment and subsidiary names are not here: they come from the register.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from . import contract as c

if TYPE_CHECKING:
    from .variance import AmountRule, ScheduleRule

Words = dict[str, tuple[str, str]]  # code → (中文, English)
LANGS = ("zh", "en")

SEVERITY: Words = {
    "major": ("重大", "Major"), "attention": ("关注", "Attention"), "normal": ("正常", "Normal"),
    # a finding's severity
    "error": ("错误", "Error"), "warning": ("警告", "Warning"), "info": ("提示", "Info")}

COMPARISON: Words = {
    "actual_vs_plan": ("实际与计划", "Actual vs plan"),
    "plan_vs_baseline": ("当前计划与基准", "Plan vs baseline"),
    "plan_vs_feasibility": ("计划与可研", "Plan vs feasibility study"),
    "persistence": ("连续偏差", "Persistent deviation"),
    "milestone_slip": ("里程碑延误", "Milestone slip"),
    "finish_vs_feasibility": ("完工与可研", "Completion vs feasibility study"),
    "missing_explanation": ("缺少说明", "No explanation given"),
    "missing_actuals": ("未报送", "No figures received")}

INDICATOR: Words = {
    "investment": ("投资", "Investment"), "sales:AMOUNT": ("销售金额", "Sales amount"),
    "sales:AREA": ("销售面积", "Sales area"), "sales:UNITS": ("销售套数", "Units sold"),
    "schedule": ("进度", "Schedule"), "sales": ("销售", "Sales"), "plan": ("计划", "Plan")}

BASIS: Words = {"actual": ("实际", "Actual"), "plan": ("计划", "Plan"),
                "baseline": ("基准", "Baseline")}

SPAN: Words = {"month": ("本月", "Month"), "ytd": ("本年累计", "Year to date"),
               "to_date": ("开工累计", "To date"), "at_completion": ("完工", "At completion")}

STATUS: Words = {
    "received": ("已报送", "Received"), "late": ("迟报", "Late"),
    "missing": ("未报送", "Missing"), "rejected": ("被退回", "Rejected"),
    "accepted": ("已接收", "Accepted")}

KIND: Words = {"plan": ("进度计划", "Schedule plan"), "budget": ("投资预算", "Budget"),
               "forecast": ("销售预测", "Sales forecast"), "monthly": ("月报", "Monthly actuals")}

MILESTONE: Words = {"done": ("已完成", "Done"), "overdue": ("已逾期", "Overdue"),
                    "in progress": ("进行中", "In progress"),
                    "not started": ("未开始", "Not started")}

FLAG: Words = {"Y": ("是", "Yes"), "N": ("否", "No"), "overdue": ("逾期", "Overdue")}

# The status board's evidence: why a version follows the one before it (versions.py), and
# what a file's subsidiary and month were taken from (status.attribute; a refused file's
# several, joined by ", ").
ORDER_EVIDENCE: Words = {"first": ("首个版本", "First version"),
                         "later_prepared_on": ("填表日期较晚", "Prepared later"),
                         "received_later": ("后一次运行收到", "Received in a later run"),
                         "same_amounts": ("数字相同", "Same figures"),
                         "unordered": ("无法排序", "Cannot be ordered")}
ATTRIBUTED_BY: Words = {"cover": ("封面", "Cover"), "cover code": ("封面单位代码", "Cover code"),
                        "file name": ("文件名", "File name"),
                        "folder month": ("月份文件夹", "Month folder"),
                        "cover period": ("封面期间", "Cover period")}

# The key-work table: the drop-downs' words (the English table offers the codes themselves;
# both are read back) and the 提示 Flag its formula writes, "overdue 逾期" (key_work_flag).
KEY_WORK_SOURCE: Words = {"instruction": ("领导批示", "instruction"),
                          "minutes": ("会议纪要", "minutes"),
                          "resolution": ("董事会决议", "resolution")}
KEY_WORK_STATUS: Words = {"open": ("未开始", "open"), "in progress": ("进行中", "in progress"),
                          "done": ("已完成", "done")}
KEY_WORK_FLAG: Words = {"overdue": ("逾期", "overdue"), "due_soon": ("临期", "due soon")}

# What an amount is compared with, in a drafted sentence ("较预算 … 超支"); a sales figure is
# compared with the forecast, not the budget (against()).
AGAINST: Words = {"actual_vs_plan": ("预算", "the budget"),
                  "actual_vs_forecast": ("预测", "the forecast"),
                  "plan_vs_baseline": ("基准版本", "the baseline"),
                  "plan_vs_feasibility": ("可研批复", "the feasibility study")}

REASON: Words = {
    "lock_file": ("Excel 锁文件", "Excel lock file"), "empty_file": ("空文件", "Empty file"),
    "too_large": ("文件过大", "File too large"), "wrong_format": ("格式不符", "Wrong format"),
    "encrypted": ("文件加密", "Encrypted"), "corrupt_zip": ("文件损坏", "Corrupt file"),
    "zip_bomb": ("压缩异常", "Compression bomb"), "xml_unsafe": ("不安全内容", "Unsafe XML"),
    "sheet_too_large": ("工作表过大", "Sheet too large"), "macros": ("含宏", "Macros"),
    "embedded_object": ("嵌入对象", "Embedded object"),
    "reader_failed": ("无法读取", "Could not be read"),
    "not_a_template": ("非标准模板", "Not a template"),
    "unsupported_version": ("模板版本不支持", "Unsupported version"),
    "missing_table": ("缺少数据表", "Missing table"),
    "missing_column": ("缺少列", "Missing column"),
    "missing_header": ("缺少表头信息", "Missing header"), "required": ("必填", "Required"),
    "bad_number": ("数值无效", "Not a number"), "bad_date": ("日期无效", "Not a date"),
    "bad_percent": ("比例无效", "Not a percentage"), "bad_choice": ("选项无效", "Not allowed"),
    "bad_period": ("期间无效", "Bad period"), "error_value": ("错误值", "Error value"),
    "formula": ("含公式", "Formula"), "out_of_range": ("超出范围", "Out of range"),
    "total_mismatch": ("合计不符", "Total mismatch"), "duplicate_row": ("重复行", "Duplicate row"),
    "unknown_subsidiary": ("未知单位", "Unknown subsidiary"),
    "unknown_project": ("未知项目", "Unknown project"),
    "foreign_project": ("非本单位项目", "Another subsidiary's project"),
    "unknown_milestone": ("未知里程碑", "Unknown milestone"),
    "wrong_period": ("期间不符", "Wrong period"), "hidden": ("隐藏内容", "Hidden content"),
    "feedback_failed": ("反馈文件未能生成", "Feedback copy failed"),
    "folder_period": ("文件夹与封面期间不符", "Folder and cover disagree"),
    "older_version": ("已有更新版本", "A newer version is in force"),
    "unordered_versions": ("版本无法排序", "Versions cannot be ordered"),
    "implausible_unit": ("金额单位存疑", "Implausible unit"),
    "code_as_typed": ("编码大小写或空格已规范", "Code matched after normalising"),
    "sheet_xml": ("工作表内容异常", "Damaged sheet"),
    "duplicate_table": ("数据表重名", "Duplicate table"),
    "map_mismatch": ("模板映射不符", "Column map mismatch"),
    "table_shape": ("数据表结构异常", "Malformed table"),
    "outside_table": ("表格外的数据未读取", "Outside the table, not read"),
    "no_data": ("无数据", "No data")}

# Choice columns: the contract's codes, worded; the Chinese words are also accepted on reading.
CHOICE: Words = {code: (zh, code.title()) for code, zh in c.CHOICE_WORDS_ZH.items()}

CATALOGUE: dict[str, Words] = {
    "severity": SEVERITY, "comparison": COMPARISON, "indicator": INDICATOR, "basis": BASIS,
    "span": SPAN, "status": STATUS, "kind": KIND, "milestone": MILESTONE, "flag": FLAG,
    "order_evidence": ORDER_EVIDENCE, "attributed_by": ATTRIBUTED_BY,
    "reason": REASON, "choice": CHOICE, "key_work_source": KEY_WORK_SOURCE,
    "key_work_status": KEY_WORK_STATUS, "key_work_flag": KEY_WORK_FLAG, "against": AGAINST}


def word(words: Words, code: object, lang: str = "zh") -> str:
    """The word for `code` in `lang`; an unknown code is shown as it is, a blank stays blank."""
    if code is None or code == "" or (isinstance(code, float) and code != code):
        return ""
    pair = words.get(str(code))
    if pair is None:
        return str(code)
    return pair[0] if lang == "zh" else pair[1]


def attributed_by(codes: object, lang: str = "zh") -> str:
    """What a file's place was taken from (status.attribute's "cover code, folder month"),
    each part worded."""
    parts = [word(ATTRIBUTED_BY, part, lang) for part in str(codes or "").split(", ") if part]
    return ("、" if lang == "zh" else ", ").join(parts)


def looked_again(note: object, lang: str = "zh") -> str:
    """The note the store keeps on a refused file read again and accepted (store._look_again:
    "rejected before (wrong_period); looked at again and accepted 2026-11-05"), worded; any
    other note as it is."""
    text = "" if note is None or note != note else str(note)
    found = _LOOKED_AGAIN.fullmatch(text)
    if not found:
        return text
    reasons = [word(REASON, code, lang) for code in found["reasons"].split(", ")]
    if lang == "zh":
        return f"曾被退回（{'、'.join(reasons)}），{found['day']} 重新审核后接收"
    return f"Rejected before ({', '.join(reasons)}); looked at again and accepted {found['day']}"


_LOOKED_AGAIN = re.compile(
    r"rejected before \((?P<reasons>[^)]*)\); looked at again and accepted "
    r"(?P<day>\d{4}-\d{2}-\d{2})")


def both(words: Words, code: object) -> str:
    """Both words, 中文 first, for the bilingual sheets (feedback, special report)."""
    zh, en = word(words, code, "zh"), word(words, code, "en")
    return zh if zh == en else f"{zh} {en}"


def words_of(words: Words, codes: object, lang: str = "zh") -> list[str]:
    """`word` for each code of a column (a Series or any iterable)."""
    return [word(words, code, lang) for code in codes]  # type: ignore[attr-defined]


def key_work_flag(code: str) -> str:
    """The key-work table's 提示 Flag as its formula writes it: English then 中文, as in every
    table already filled (and in --json)."""
    zh, en = KEY_WORK_FLAG[code]
    return f"{en} {zh}"


def against(comparison: object, indicator: object, lang: str = "zh") -> str:
    """What an amount is compared with: the forecast for sales against plan, else by the
    comparison; blank for a comparison with nothing to name (persistence …)."""
    if comparison == "actual_vs_plan" and str(indicator).startswith("sales"):
        comparison = "actual_vs_forecast"
    return word(AGAINST, comparison, lang) if comparison in AGAINST else ""


# How a flag's item marks a key milestone ("M2 主体结构封顶 (key)", variance.py), and how
# 中文 shows it.
KEY_MILESTONE = (" (key)", "（关键）")


def shown_item(item: object, lang: str = "zh") -> str:
    """A flag's item for a person: a key milestone marked in the language."""
    text = "" if item is None or item != item else str(item)
    mark, zh = KEY_MILESTONE
    return text[:-len(mark)] + zh if lang == "zh" and text.endswith(mark) else text


def indicator_item(indicator: object, item: object, lang: str = "zh") -> str:
    """A flag's indicator with its item (a milestone), e.g. "进度 M2 主体结构封顶（关键）"."""
    text = word(INDICATOR, indicator, lang)
    shown = shown_item(item, lang)
    return f"{text} {shown}".strip() if shown else text


def rule_text(rule: AmountRule | ScheduleRule, lang: str = "zh") -> str:
    """What a variance rule says, for a person (the English text is the rule's describe())."""
    from .variance import AmountRule, Comparison

    if lang != "zh":
        return rule.describe()
    if isinstance(rule, AmountRule):
        if rule.comparison is Comparison.PERSISTENCE:
            return f"连续 {rule.months} 个月偏差超过 ±{rule.normal_pct:.0%}"
        joiner = "且" if rule.combine == "both" else "或"
        return (f"±{rule.normal_pct:.0%} 以内为正常；偏差超过 {rule.major_pct:.0%} {joiner}"
                f"金额不低于 {rule.major_amount / 10_000:,.0f} 万元为重大")
    return (f"延误超过 {rule.attention_days} 天需关注，{rule.major_days} 天起为重大"
            f"（非关键节点按 1/{rule.key_weight:g} 计）")


MISSING_RULE = ("本期未收到已接收的数据", "no accepted figures for the period")
