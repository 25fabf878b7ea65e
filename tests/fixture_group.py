"""A small group, filled by hand through the contract, with figures computed by hand.

2 segments, 3 subsidiaries, 4 projects; actuals for Dec 2025 and Jan–Mar 2026; a budget
revision; one correction (A2 resends February). B1 never sends March. Consolidated at 2026-03.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any

from xltrack import contract as c
from xltrack.filler import fill_template
from xltrack.settings import Register, parse_register
from xltrack.templates import write_template

PERIOD = "2026-03"


def fixture_register() -> Register:
    def project(pid: str, sub: str, approved: float, study: float) -> dict[str, Any]:
        # The study's total is the baseline budget's, so that only real changes show.
        return {"id": pid, "name": f"项目{pid}", "subsidiary": sub,
                "approved_investment": approved,
                "feasibility": {"total_investment": study, "start": "2025-12-01",
                                "finish": "2026-12-31", "sales_amount": study * 1.2}}
    return parse_register({
        "segments": [{"code": "RE", "name_zh": "房地产", "name_en": "Real estate",
                      "major_threshold": 20_000_000},
                     {"code": "TRD", "name_zh": "贸易", "name_en": "Trading",
                      "major_threshold": 5_000_000}],
        "subsidiaries": [{"code": "A1", "name": "甲一公司", "segment": "RE"},
                         {"code": "A2", "name": "甲二公司", "segment": "RE"},
                         {"code": "B1", "name": "乙一公司", "segment": "TRD"}],
        "projects": [project("A1-P1", "A1", 30_000_000, 4_100_001.00),
                     project("A1-P2", "A1", 10_000_000, 300_000.30),
                     project("A2-P1", "A2", 25_000_000, 623_456.50),
                     project("B1-P1", "B1", 6_000_000, 150_000.00)],
        "cost_codes": [{"code": "0101", "name": "土地"}, {"code": "0201", "name": "建安"},
                       {"code": "0301", "name": "设备"}],
        "products": ["住宅", "大宗商品"]}, "fixture")


def _budget(pid: str, code: str, year: int, **months: float) -> dict[str, Any]:
    return {"project_id": pid, "cost_code": code, "year": year, **months}


def _cost(pid: str, code: str, amount: float) -> dict[str, Any]:
    return {"project_id": pid, "cost_code": code, "amount": amount}


A1_BUDGET_R1 = [_budget("A1-P1", "0101", 2025, m12=1_000_000.00),
                _budget("A1-P1", "0101", 2026, m01=500_000.00, m02=600_000.00, m03=700_000.00,
                        m04=800_000.00),
                _budget("A1-P1", "0201", 2026, m02=250_000.50, m03=250_000.50),
                _budget("A1-P2", "0201", 2026, m01=100_000.10, m02=100_000.10, m03=100_000.10)]
A1_BUDGET_R2 = [{**A1_BUDGET_R1[1], "m03": 900_000.00} if i == 1 else row
                for i, row in enumerate(A1_BUDGET_R1)]

# (subsidiary, kind, period, revision, unit, rows, received day offset, file name suffix)
SUBMISSIONS: list[tuple[str, c.Kind, str, int, str, dict[str, Any], int, str]] = [
    ("A1", c.Kind.BUDGET, "2025-12", 1, "元", {"Budget": A1_BUDGET_R1}, 0, ""),
    ("A1", c.Kind.BUDGET, "2026-02", 2, "元", {"Budget": A1_BUDGET_R2}, 0, ""),
    ("A2", c.Kind.BUDGET, "2025-12", 1, "万元", {"Budget": [
        _budget("A2-P1", "0101", 2026, m01=12.3456, m02=20, m03=30.00005)]}, 0, ""),
    ("B1", c.Kind.BUDGET, "2025-12", 1, "元", {"Budget": [
        _budget("B1-P1", "0301", 2026, m01=50_000, m02=50_000, m03=50_000)]}, 0, ""),
    ("B1", c.Kind.FORECAST, "2025-12", 1, "元", {"SalesForecast": [
        {"project_id": "B1-P1", "product": "大宗商品", "measure": "AMOUNT", "year": 2026,
         "m01": 80_000, "m02": 80_000, "m03": 80_000}]}, 0, ""),
    ("A1", c.Kind.MONTHLY, "2025-12", 1, "元", {"ActualCost": [
        _cost("A1-P1", "0101", 980_000.00)]}, 0, ""),
    ("A1", c.Kind.MONTHLY, "2026-01", 1, "元", {"ActualCost": [
        _cost("A1-P1", "0101", 510_000.25), _cost("A1-P2", "0201", 99_000.00)]}, 0, ""),
    ("A1", c.Kind.MONTHLY, "2026-02", 1, "元", {"ActualCost": [
        _cost("A1-P1", "0101", 590_000.00), _cost("A1-P1", "0201", 250_000.50),
        _cost("A1-P2", "0201", 100_500.00)]}, 0, ""),
    ("A1", c.Kind.MONTHLY, "2026-03", 1, "元", {"ActualCost": [
        _cost("A1-P1", "0101", 950_000.00), _cost("A1-P1", "0201", 240_000.00),
        _cost("A1-P2", "0201", 101_000.00)]}, 0, ""),
    ("A2", c.Kind.MONTHLY, "2026-01", 1, "万元", {"ActualCost": [
        _cost("A2-P1", "0101", 12.0)]}, 0, ""),
    ("A2", c.Kind.MONTHLY, "2026-02", 1, "万元", {"ActualCost": [
        _cost("A2-P1", "0101", 21.5)]}, 0, ""),
    ("A2", c.Kind.MONTHLY, "2026-02", 1, "万元", {"ActualCost": [
        _cost("A2-P1", "0101", 21.55)]}, 6, "-corrected"),
    ("A2", c.Kind.MONTHLY, "2026-03", 1, "万元", {"ActualCost": [
        _cost("A2-P1", "0101", 30.12345)]}, 0, ""),
    ("B1", c.Kind.MONTHLY, "2026-01", 1, "元", {"ActualCost": [
        _cost("B1-P1", "0301", 48_000)], "ActualSales": [
        {"project_id": "B1-P1", "product": "大宗商品", "measure": "AMOUNT", "amount": 70_000}]},
     0, ""),
    ("B1", c.Kind.MONTHLY, "2026-02", 1, "元", {"ActualCost": [
        _cost("B1-P1", "0301", 52_000.75)], "ActualSales": [
        {"project_id": "B1-P1", "product": "大宗商品", "measure": "AMOUNT", "amount": 90_000}]},
     0, ""),
]

# Investment figures by level, key, basis and span, worked out by hand from the rows above.
EXPECTED_INVESTMENT = {
    ("project", "A1-P1", "actual"): {"month": 1_190_000.00, "ytd": 2_540_000.75,
                                     "to_date": 3_520_000.75},
    ("project", "A1-P1", "plan"): {"month": 1_150_000.50, "ytd": 2_500_001.00,
                                   "to_date": 3_500_001.00, "at_completion": 4_300_001.00},
    ("project", "A1-P1", "baseline"): {"month": 950_000.50, "ytd": 2_300_001.00,
                                       "to_date": 3_300_001.00, "at_completion": 4_100_001.00},
    ("project", "A1-P2", "actual"): {"month": 101_000.00, "ytd": 300_500.00,
                                     "to_date": 300_500.00},
    ("project", "A1-P2", "plan"): {"month": 100_000.10, "ytd": 300_000.30,
                                   "to_date": 300_000.30, "at_completion": 300_000.30},
    ("project", "A2-P1", "actual"): {"month": 301_234.50, "ytd": 636_734.50,
                                     "to_date": 636_734.50},
    ("project", "A2-P1", "plan"): {"month": 300_000.50, "ytd": 623_456.50,
                                   "to_date": 623_456.50, "at_completion": 623_456.50},
    ("project", "B1-P1", "actual"): {"month": 0.00, "ytd": 100_000.75, "to_date": 100_000.75},
    ("project", "B1-P1", "plan"): {"month": 50_000.00, "ytd": 150_000.00,
                                   "to_date": 150_000.00, "at_completion": 150_000.00},
    ("subsidiary", "A1", "actual"): {"month": 1_291_000.00, "ytd": 2_840_500.75,
                                     "to_date": 3_820_500.75},
    ("subsidiary", "A1", "plan"): {"month": 1_250_000.60, "ytd": 2_800_001.30,
                                   "to_date": 3_800_001.30, "at_completion": 4_600_001.30},
    ("subsidiary", "A1", "baseline"): {"month": 1_050_000.60, "ytd": 2_600_001.30,
                                       "to_date": 3_600_001.30, "at_completion": 4_400_001.30},
    ("segment", "RE", "actual"): {"month": 1_592_234.50, "ytd": 3_477_235.25,
                                  "to_date": 4_457_235.25},
    ("segment", "RE", "plan"): {"month": 1_550_001.10, "ytd": 3_423_457.80,
                                "to_date": 4_423_457.80, "at_completion": 5_223_457.80},
    ("segment", "TRD", "actual"): {"month": 0.00, "ytd": 100_000.75, "to_date": 100_000.75},
    ("group", "GROUP", "actual"): {"month": 1_592_234.50, "ytd": 3_577_236.00,
                                   "to_date": 4_557_236.00},
    ("group", "GROUP", "plan"): {"month": 1_600_001.10, "ytd": 3_573_457.80,
                                 "to_date": 4_573_457.80, "at_completion": 5_373_457.80},
    ("group", "GROUP", "baseline"): {"month": 1_400_001.10, "ytd": 3_373_457.80,
                                     "to_date": 4_373_457.80, "at_completion": 5_173_457.80},
}
EXPECTED_SALES = {  # B1-P1, sales:AMOUNT
    "actual": {"month": 0.0, "ytd": 160_000.0, "to_date": 160_000.0},
    "plan": {"month": 80_000.0, "ytd": 240_000.0, "to_date": 240_000.0,
             "at_completion": 240_000.0},
}


def write_fixture_inbox(folder: Path) -> list[Path]:
    register = fixture_register()
    templates = folder / "_templates"
    templates.mkdir(parents=True, exist_ok=True)
    paths = []
    for sub, kind, period, revision, unit, rows, late_days, suffix in SUBMISSIONS:
        template = templates / f"{kind.value}.xlsx"
        if not template.exists():
            write_template(template, (kind,), "zh", register)
        year, month = (int(x) for x in period.split("-"))
        received = dt.datetime(year + month // 12, month % 12 + 1, 5 + late_days, 9)
        # The cover's preparation date is the evidence of order and lateness; the file time
        # is set alike, as a hint only.
        head: dict[str, Any] = {"xt_subsidiary": sub, "xt_period": period, "xt_unit": unit,
                                "xt_preparer": "会计", "xt_prepared_on": received.date()}
        if kind is not c.Kind.MONTHLY:
            head["xt_revision"] = revision
        path = folder / "inbox" / f"{sub}-{kind.value}-{period}-r{revision}{suffix}.xlsx"
        fill_template(template, path, head, rows)
        os.utime(path, (received.timestamp(), received.timestamp()))
        paths.append(path)
    return paths
