"""Display words: every code a person sees has its 中文 and English words, in one catalogue;
the Chinese documents show the words and keep the codes in key columns only."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from openpyxl import load_workbook

from xltrack import contract as c
from xltrack import words as w
from xltrack.demo import demo_register
from xltrack.models import Reason
from xltrack.models import Severity as FindingSeverity
from xltrack.monthly import MonthResult
from xltrack.report.publish import publish_report
from xltrack.report.report_data import CODE_PREFIX
from xltrack.settings import Register
from xltrack.status import LATE, MISSING, RECEIVED, REJECTED
from xltrack.templates import write_template
from xltrack.values import parse_choice
from xltrack.variance import Comparison, Severity, default_rules

RUN_TIME = dt.datetime(2026, 11, 8, 9, 30, tzinfo=dt.UTC)
SPANS = ("month", "ytd", "to_date", "at_completion")
MILESTONE_STATES = ("done", "overdue", "in progress", "not started")


def test_every_code_has_both_words() -> None:
    groups = [(w.SEVERITY, [*Severity, *FindingSeverity]), (w.REASON, list(Reason)),
              (w.COMPARISON, [*Comparison, "missing_explanation", "missing_actuals"]),
              (w.STATUS, [RECEIVED, LATE, MISSING, REJECTED]), (w.KIND, list(c.Kind)),
              (w.SPAN, SPANS), (w.MILESTONE, MILESTONE_STATES),
              (w.INDICATOR, ["investment", "sales:AMOUNT", "sales:AREA", "sales:UNITS",
                             "schedule"])]
    for words, codes in groups:
        for code in codes:
            zh, en = w.word(words, code, "zh"), w.word(words, code, "en")
            assert zh != str(code) and en and any("\u4e00" <= ch <= "\u9fff" for ch in zh), code
    assert w.word(w.SEVERITY, "something new") == "something new"  # shown, never dropped
    assert w.word(w.SEVERITY, None) == ""


def test_the_key_work_words_come_from_the_catalogue() -> None:
    from xltrack import actions
    from xltrack.report.drafting import amount_sentence

    for enum, words in ((actions.Source, w.KEY_WORK_SOURCE), (actions.Status, w.KEY_WORK_STATUS)):
        for code in enum:
            zh, en = words[code.value]
            assert any("\u4e00" <= ch <= "\u9fff" for ch in zh) and en == code.value
    assert actions.SOURCE_WORDS["zh"][actions.Source.MINUTES] == "会议纪要"
    assert actions.STATUS_WORDS["zh"][actions.Status.DONE] == "已完成"
    assert (actions.OVERDUE, actions.DUE_SOON) == ("overdue 逾期", "due soon 临期")
    assert w.against("actual_vs_plan", "investment") == "预算"
    assert w.against("actual_vs_plan", "sales:AMOUNT", "en") == "the forecast"
    assert w.against("persistence", "investment") == ""
    flag = {"project": "P", "indicator": "sales:AMOUNT", "span": "ytd", "severity": "major",
            "comparison": "actual_vs_plan", "actual": 2_000_000.0, "expected": 1_000_000.0,
            "variance": 1_000_000.0, "variance_pct": 1.0}
    assert "较预测 100.00 万元" in amount_sentence(flag)


def test_rule_texts_are_worded_in_both_languages() -> None:
    rules = default_rules()
    ytd = next(r for r in rules.amount if r.id == "INV-YTD")
    assert w.rule_text(ytd, "zh") == "±5% 以内为正常；偏差超过 10% 且金额不低于 500 万元为重大"
    assert w.rule_text(ytd, "en") == ytd.describe()
    persist = next(r for r in rules.amount if r.id == "INV-PERSIST")
    assert w.rule_text(persist, "zh") == "连续 3 个月偏差超过 ±5%"
    assert "天" in w.rule_text(rules.schedule[0], "zh")


def test_chinese_choice_words_are_read_back_as_codes() -> None:
    assert parse_choice("金额", c.MEASURES) == "AMOUNT"
    assert parse_choice("套数", c.MEASURES) == "UNITS"
    assert parse_choice("AREA", c.MEASURES) == "AREA"  # the code still counts
    assert parse_choice("投资", c.EXPLANATION_TOPICS) == "investment"
    assert parse_choice(" 进度 ", c.EXPLANATION_TOPICS) == "schedule"
    assert c.choice_aliases(c.MEASURES) == {"金额": "AMOUNT", "面积": "AREA", "套数": "UNITS"}


def test_chinese_templates_offer_chinese_drop_downs(register: Register, tmp_path: Path) -> None:
    offered = {}
    for lang in ("zh", "en"):
        path = tmp_path / f"monthly-{lang}.xlsx"
        write_template(path, (c.Kind.MONTHLY,), lang, register)
        wb = load_workbook(path)
        offered[lang] = {dv.formula1 for ws in wb.worksheets
                         for dv in ws.data_validations.dataValidation if dv.type == "list"}
    assert '"金额,面积,套数"' in offered["zh"] and '"投资,销售,进度,计划"' in offered["zh"]
    assert '"AMOUNT,AREA,UNITS"' in offered["en"]
    assert not any("AMOUNT" in f or "investment" in f for f in offered["zh"] if f)


def test_the_chinese_report_shows_words_and_keeps_codes_in_key_columns(
        demo_month: MonthResult, tmp_path: Path) -> None:
    path = publish_report(demo_month, tmp_path / "r.xlsx", RUN_TIME).placed.path
    wb = load_workbook(path)
    codes = {*Severity, *Comparison, "missing_explanation", "missing_actuals", *SPANS,
             RECEIVED, LATE, MISSING, REJECTED, *c.Kind, *MILESTONE_STATES, "investment",
             "sales:AMOUNT", "schedule", *(s.code for s in demo_register().segments)}
    for sheet in ("差异 Variances", "报送 Submissions", "项目 Projects", "汇总 Summary",
                  "审核 Findings", "趋势 Trends"):
        ws = wb[sheet]
        rows = list(ws.iter_rows(values_only=True))
        header = next((r for r in rows if r and any(
            isinstance(v, str) and v.startswith(CODE_PREFIX) for v in r)), ())
        keys = {i for i, v in enumerate(header) if isinstance(v, str)
                and v.startswith(CODE_PREFIX)}
        for r in rows:
            shown = [v for i, v in enumerate(r) if i not in keys and isinstance(v, str)]
            assert not set(shown) & codes, (sheet, set(shown) & codes)
        hidden = {i - 1 for d in ws.column_dimensions.values() if d.hidden
                  for i in range(d.min, d.max + 1)}
        assert keys <= hidden, sheet  # the key columns are there, hidden, for filters
    variances = list(wb["差异 Variances"].iter_rows(values_only=True))
    head = variances[2]
    first = dict(zip(head, variances[3], strict=True))
    assert first["严重程度 Severity"] == "重大" and first[f"{CODE_PREFIX}severity"] == "major"
    assert first["板块 Segment"] in {s.name_zh for s in demo_register().segments}
