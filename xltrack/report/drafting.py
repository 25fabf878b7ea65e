"""The written report's sentences, drafted from the facts (pure text, no document code).

A paragraph per variance flag, worded for the VP / GM: the figures in 万元 to two decimals
(rounded half up from the exact yuan), the variance and its percentage to one decimal, the
rule that made it a variance. Chinese by default, English with lang="en".
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pandas as pd

from ..words import INDICATOR, SEVERITY, SPAN, against, shown_item, word

_CENT = Decimal("0.01")


def wan(yuan: float) -> str:
    """Yuan as 万元 with two decimals and thousands separators: 49424000.0 → "4,942.40"."""
    amount = (Decimal(repr(float(yuan))) / 10_000).quantize(_CENT, ROUND_HALF_UP)
    return f"{amount:,.2f}"


def percent(fraction: float | None) -> str:
    if fraction is None or pd.isna(fraction):
        return "—"
    value = (Decimal(repr(float(fraction))) * 100).quantize(Decimal("0.1"), ROUND_HALF_UP)
    return f"{abs(value)}%"


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, float) and pd.isna(value))


def _subject(flag: dict[str, Any], lang: str) -> str:
    """"本年累计投资" / "Year-to-date investment" for a flag's span and indicator."""
    span, indicator = word(SPAN, flag["span"], lang), word(INDICATOR, flag["indicator"], lang)
    return f"{span}{indicator}" if lang == "zh" else f"{span} {indicator.lower()}"


def _against(flag: dict[str, Any], lang: str) -> str:
    """What the actual is compared with, by comparison and indicator."""
    return against(flag["comparison"], flag["indicator"], lang)


def _direction(flag: dict[str, Any], lang: str) -> str:
    over = float(flag["variance"]) > 0
    if flag["comparison"] == "actual_vs_plan" and flag["indicator"] == "investment":
        return ("超支" if over else "节约") if lang == "zh" else ("over by" if over else
                                                                  "under by")
    if lang == "zh":
        return "增加" if over else "减少"
    return "above by" if over else "below by"


def amount_sentence(flag: dict[str, Any], lang: str = "zh") -> str:
    """"本年累计投资 4,942.40 万元，较预算 4,339.09 万元超支 603.31 万元（13.9%）"."""
    subject = _subject(flag, lang)
    actual, expected = wan(flag["actual"]), wan(flag["expected"])
    diff, pct = wan(abs(float(flag["variance"]))), percent(flag["variance_pct"])
    if flag["comparison"] in ("plan_vs_baseline", "plan_vs_feasibility"):
        subject = f"{subject}计划" if lang == "zh" else f"Planned {subject.lower()}"
    if lang == "zh":
        return (f"{subject} {actual} 万元，较{_against(flag, lang)} {expected} 万元"
                f"{_direction(flag, lang)} {diff} 万元（{pct}）")
    return (f"{subject[0].upper()}{subject[1:]} is {actual} (10k yuan), {_direction(flag, lang)}"
            f" {diff} ({pct}) against {_against(flag, lang)} of {expected}")


def flag_paragraph(flag: dict[str, Any], lang: str = "zh") -> str:
    """One flag as a paragraph: what deviated, by how much, and the rule that fired."""
    comparison = flag["comparison"]
    severity = word(SEVERITY, flag["severity"], lang)
    rule = flag.get("rule_zh") if lang == "zh" else flag.get("rule")
    if comparison == "persistence":
        months = int(flag["months_in_row"])
        fact = (f"月度投资已连续 {months} 个月偏离预算" if lang == "zh"
                else f"Monthly investment has deviated from the budget {months} months in a row")
    elif comparison == "milestone_slip":
        fact = (f"里程碑 {shown_item(flag['item'], lang)} 较计划延误 {int(flag['days'])} 天"
                if lang == "zh"
                else f"Milestone {flag['item']} is {int(flag['days'])} days behind the plan")
    elif comparison == "finish_vs_feasibility":
        days = int(flag["days"])
        fact = (f"计划完工日期较可研{'推迟' if days > 0 else '提前'} {abs(days)} 天" if lang == "zh"
                else f"The planned completion is {abs(days)} days "
                     f"{'later' if days > 0 else 'earlier'} than the feasibility study")
    elif comparison == "missing_explanation":
        return ("上述重大差异，子公司未提交差异说明，请督促补报。" if lang == "zh" else
                "The subsidiary gave no explanation for the major variance above; ask for one.")
    elif comparison == "missing_actuals":
        return ("本期未收到子公司已接收的月度数据，相关差异无法判断。" if lang == "zh" else
                "No accepted monthly figures arrived for the period; no variance can be judged.")
    elif _blank(flag.get("actual")) or _blank(flag.get("expected")):
        fact = _subject(flag, lang)
    else:
        fact = amount_sentence(flag, lang)
    if lang == "zh":  # the rule in words: its ID is a code, kept in the workbooks' 规则 column
        return f"{fact}，属{severity}差异（判定规则：{rule}）。"
    return f"{fact}: a {severity.lower()} variance (rule {flag['rule_id']}: {rule})."


def earned_value_paragraph(earned: dict[str, Any] | None, lang: str = "zh") -> str:
    if not earned or _blank(earned.get("bac")):
        return ("本项目尚无进度计划或进度数据，无法计算挣值。" if lang == "zh"
                else "No schedule plan or progress yet: earned value cannot be computed.")

    def ratio(key: str) -> str:
        value: Any = earned.get(key)
        return "—" if _blank(value) else f"{float(value):.2f}"

    def money(key: str) -> str:
        value: Any = earned.get(key)
        return "—" if _blank(value) else wan(float(value))
    if lang == "zh":
        return (f"完工预算（BAC）{money('bac')} 万元，计划值（PV）{money('pv')} 万元，"
                f"挣值（EV）{money('ev')} 万元，实际成本（AC）{money('ac')} 万元；"
                f"进度绩效指数 SPI {ratio('spi')}，成本绩效指数 CPI {ratio('cpi')}；"
                f"按当前绩效预计完工估算（EAC）{money('eac')} 万元，"
                f"完工偏差（VAC）{money('vac')} 万元。")
    return (f"Budget at completion (BAC) {money('bac')}, planned value (PV) {money('pv')}, "
            f"earned value (EV) {money('ev')}, actual cost (AC) {money('ac')} (10k yuan); "
            f"SPI {ratio('spi')}, CPI {ratio('cpi')}; at the current performance the estimate "
            f"at completion (EAC) is {money('eac')}, the variance at completion (VAC) "
            f"{money('vac')}.")
