"""A realistic demo group and its submissions, filled through the contract.

`demo_register()` is the embedded default register: 3 segments, 12 subsidiaries, 40 projects.
`write_demo(out_dir, period)` fills the templates the way the subsidiaries would: baseline plan,
budget and forecast, monthly actuals up to the period, and deliberate faults and variances of
every kind, listed in `expected.json` so that tests can check each one is found — and nothing
else.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import contract as c
from .models import add_months, period_months
from .settings import CostCode, Feasibility, Project, Register, Segment, Subsidiary, save_register

START = "2026-01"  # every demo project starts between here and three months later

_SEGMENTS = (
    ("RE", "房地产", "Real estate", 20_000_000, "华润",
     ("城市花园", "滨江壹号", "云栖里", "锦绣府", "翠湖苑", "天悦湾", "星河城", "观澜府")),
    ("INF", "基础设施", "Infrastructure", 10_000_000, "交投",
     ("环城高速", "产业园道路", "污水处理厂", "物流园", "综合管廊", "跨江大桥")),
    ("TRD", "贸易", "Trading", 5_000_000, "供应链", ("保税仓", "冷链中心", "大宗商品平台",
                                                   "跨境电商仓")),
)
_CITIES = ("杭州", "宁波", "苏州", "合肥", "成都", "武汉",
           "南京", "长沙", "西安", "青岛", "厦门", "昆明")
_PROJECTS_PER_SUB = {"RE": (4, 4, 4, 4, 4), "INF": (3, 3, 3, 3), "TRD": (3, 3, 2)}
COST_CODES = (
    ("0101", "土地出让金"), ("0102", "前期工程费"), ("0201", "建筑安装工程费"),
    ("0202", "基础设施配套费"), ("0301", "设备购置费"), ("0401", "财务费用"), ("0901", "其他费用"),
)
_COST_SHARE = {"0101": 0.30, "0102": 0.05, "0201": 0.40, "0202": 0.10, "0301": 0.06,
               "0401": 0.05, "0901": 0.04}
PRODUCTS = ("住宅", "商铺", "车位", "通行费", "仓储服务", "大宗商品")
_SEGMENT_SALES = {"RE": (("住宅", "AMOUNT"), ("住宅", "AREA"), ("车位", "UNITS")),
                  "INF": (("通行费", "AMOUNT"),),
                  "TRD": (("仓储服务", "AMOUNT"), ("大宗商品", "AMOUNT"))}


def demo_register() -> Register:
    rng = random.Random(20261)
    segments, subsidiaries, projects = [], [], []
    city = iter(_CITIES)
    for code, zh, en, threshold, brand, names in _SEGMENTS:
        segments.append(Segment(code=code, name_zh=zh, name_en=en, major_threshold=threshold))
        for n, count in enumerate(_PROJECTS_PER_SUB[code], start=1):
            sub = f"{code}{n:02d}"
            where = next(city)
            phone = f"0{rng.randint(10, 99)}-8{rng.randint(1000000, 9999999)}"
            subsidiaries.append(Subsidiary(code=sub, name=f"{where}{brand}有限公司", segment=code,
                                           contact=f"财务部 {where} {phone}",
                                           email=f"finance.{sub.lower()}@example.com"))
            for p in range(1, count + 1):
                # Most projects are above the threshold; every subsidiary's last one is smaller.
                factor = rng.uniform(1.5, 12) if p < count else rng.uniform(0.3, 0.8)
                total = round(threshold * factor, -4)
                start = dt.date(2026, 1 + rng.randint(0, 3), 1)
                months = rng.choice((24, 30, 36))
                finish = _month_end(start, months - 1)
                projects.append(Project(
                    id=f"{sub}-P{p:02d}", name=f"{where}{rng.choice(names)}{'一二三四'[p - 1]}期",
                    subsidiary=sub, approved_investment=total,
                    feasibility=Feasibility(total_investment=total, start=start, finish=finish,
                                            sales_amount=round(total * rng.uniform(1.1, 1.5), -4)),
                    board_designated=False,
                ))
    # The board designates one small project for tracking (DOMAIN.md: "any: designated").
    small = next(i for i, p in enumerate(projects) if p.subsidiary == "TRD02" and
                 p.approved_investment < 5_000_000)
    projects[small] = projects[small].model_copy(update={"board_designated": True})
    return Register(
        segments=segments, subsidiaries=subsidiaries, projects=projects,
        cost_codes=[CostCode(code=k, name=v) for k, v in COST_CODES], products=list(PRODUCTS),
        operations_contact="集团运营管理部 王敏 0571-88886666 ops@example.com", deadline_day=10)


def _month_end(start: dt.date, months_after: int) -> dt.date:
    index = start.year * 12 + start.month - 1 + months_after + 1
    return dt.date(index // 12, index % 12 + 1, 1) - dt.timedelta(days=1)


def _period_of(day: dt.date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


# --- the deliberate story of the demo month -------------------------------------------------

@dataclass(frozen=True)
class Story:
    """Which demo projects carry which deliberate variance or fault."""

    overspend: str = "RE01-P01"  # actual investment well over budget for three months
    under_sales: str = "RE02-P02"  # sales far below the forecast
    slipped: str = "INF01-P01"  # a key milestone finishes 45 days late
    drift: str = "INF02-P01"  # current budget 18% above the feasibility study
    revised: str = "RE03-P01"  # budget revision 2 in mid-year: the rest of the plan +25%
    minor: str = "RE04-P04"  # a small project overspends: attention, never major
    unexplained: str = "RE02-P02"  # under-sales given no explanation
    late_subsidiary: str = "TRD02"  # October figures sent after the deadline
    corrected_subsidiary: str = "RE03"  # resends last month's figures with one amount fixed
    invalid_subsidiary: str = "INF03"  # October file with typing errors
    drift_factor: float = 1.18
    slip_days: int = 45

    def major_variances(self) -> list[tuple[str, str, str]]:
        """(project, comparison, indicator) of every variance the story makes major."""
        return [(self.slipped, "milestone_slip", "schedule"),
                (self.drift, "plan_vs_feasibility", "investment"),
                (self.overspend, "actual_vs_plan", "investment"),
                (self.under_sales, "actual_vs_plan", "sales:AMOUNT"),
                (self.revised, "plan_vs_baseline", "investment"),
                (self.revised, "plan_vs_feasibility", "investment")]


@dataclass
class _Project:
    project: Project
    segment: str
    rng: random.Random
    budget: dict[str, dict[str, float]] = field(default_factory=dict)  # code -> period -> cents
    forecast: dict[tuple[str, str], dict[str, float]] = field(default_factory=dict)
    milestones: list[dict[str, Any]] = field(default_factory=list)
    share: dict[str, float] = field(default_factory=dict)  # month -> share of the budget
    windows: list[list[str]] = field(default_factory=list)  # months of each milestone


def _s_curve(n: int) -> list[float]:
    # A bell-shaped spend profile: slow start, peak in the middle, slow finish.
    weights = [1 + 3 * (1 - abs((i + 0.5) / n * 2 - 1)) for i in range(n)]
    total = sum(weights)
    return [w / total for w in weights]


def _months(start: dt.date, finish: dt.date) -> list[str]:
    first = _period_of(start)
    count = (finish.year - start.year) * 12 + finish.month - start.month + 1
    return [add_months(first, i) for i in range(count)]


def _plan_project(project: Project, segment: str, story: Story) -> _Project:
    p = _Project(project, segment, random.Random(project.id))
    fs = project.feasibility
    months = _months(fs.start, fs.finish)
    bac = fs.total_investment * (story.drift_factor if project.id == story.drift else 1)
    p.share = dict(zip(months, _s_curve(len(months)), strict=True))
    for code, share in _COST_SHARE.items():
        p.budget[code] = {m: round(bac * share * w * 100) for m, w in p.share.items()}
    sales_months = months[3:]
    for product, measure in _SEGMENT_SALES[segment]:
        per_month = {"AMOUNT": fs.sales_amount, "AREA": fs.sales_amount / 18000,
                     "UNITS": fs.sales_amount / 2_000_000}[measure] / len(sales_months)
        p.forecast[(product, measure)] = {m: round(per_month * p.rng.uniform(0.8, 1.2), 2)
                                          for m in sales_months}
    names = ("开工", "基础施工", "主体施工", "主体封顶", "竣工验收", "交付运营")
    n = len(months)
    bounds = [0, n // 8, n // 3, 2 * n // 3, 5 * n // 6, n - 1, n]
    p.windows = [months[bounds[i]:bounds[i + 1]] for i in range(len(names))]
    # Each milestone weighs what the budget spends in its window, so that a project on plan
    # earns what it was scheduled to (SPI and CPI near 1); the last weight takes the rounding.
    weights = [round(sum(p.share[m] for m in window), 4) for window in p.windows]
    weights[-1] = round(1 - sum(weights[:-1]), 4)
    for i, (name, weight) in enumerate(zip(names, weights, strict=True)):
        start = dt.date.fromisoformat(p.windows[i][0] + "-01")
        finish = _month_end(dt.date.fromisoformat(p.windows[i][-1] + "-01"), 0)
        p.milestones.append({"project_id": project.id, "milestone_id": f"M{i + 1:02d}",
                             "milestone": name, "planned_start": start,
                             "planned_finish": finish, "weight_pct": weight,
                             "key_milestone": "Y" if name in _KEY_MILESTONES else "N",
                             "owner": p.rng.choice(("张伟", "李娜", "王强", "刘洋", "陈静"))})
    return p


_KEY_MILESTONES = ("开工", "主体封顶", "竣工验收")
_PREPARERS = ("财务部 赵敏", "财务部 孙丽", "财务部 周杰")


def _budget_rows(p: _Project, unit: str, revision_factor: float = 1.0,
                 revised_from: str = "") -> list[dict[str, Any]]:
    """Budget rows by cost code and year; a revision re-plans the months from `revised_from`."""
    rows = []
    years = sorted({m[:4] for m in next(iter(p.budget.values()))})
    for code, by_month in p.budget.items():
        for year in years:
            row: dict[str, Any] = {"project_id": p.project.id, "cost_code": code,
                                   "description": dict(COST_CODES)[code], "year": int(year)}
            for month in c.MONTH_KEYS:
                cents = by_month.get(f"{year}-{month[1:]}")
                if cents is not None:
                    revised = revision_factor if f"{year}-{month[1:]}" >= revised_from else 1
                    row[month] = _money(round(cents * revised), unit)
            rows.append(row)
    return rows


def _money(cents: int, unit: str) -> float:
    return round(cents / 100 / c.UNIT_FACTOR[unit], 6)


def _forecast_rows(p: _Project, unit: str) -> list[dict[str, Any]]:
    rows = []
    for (product, measure), by_month in p.forecast.items():
        for year in sorted({m[:4] for m in by_month}):
            row: dict[str, Any] = {"project_id": p.project.id, "product": product,
                                   "measure": measure, "year": int(year)}
            for month in c.MONTH_KEYS:
                value = by_month.get(f"{year}-{month[1:]}")
                if value is not None:
                    row[month] = (_money(round(value * 100), unit) if measure == c.MONEY_MEASURE
                                  else value)
            rows.append(row)
    return rows


def _monthly_rows(p: _Project, period: str, final: str, unit: str, story: Story,
                  as_text: bool) -> dict[str, list[dict[str, Any]]]:
    """What the subsidiary reports for `period`; the story's events happen near `final`."""
    pid, rng, last = p.project.id, p.rng, final
    rows: dict[str, list[dict[str, Any]]] = {t.name: [] for t in c.tables_of((c.Kind.MONTHLY,))}
    late_months = {add_months(last, -i) for i in range(3)}
    for code, by_month in p.budget.items():
        cents = by_month.get(period)
        if cents is None:
            continue
        factor = rng.uniform(0.985, 1.015)
        if pid in (story.overspend, story.minor) and period in late_months:
            factor = 1.35
        if pid == story.revised and period >= _REVISION_PERIOD:
            factor *= _REVISION_FACTOR
        amount = _money(round(cents * factor), unit)
        rows["ActualCost"].append({"project_id": pid, "cost_code": code,
                                   "amount": f"{amount:,.2f}" if as_text else amount,
                                   "remark": "按合同进度付款"})
    for (product, measure), by_month in p.forecast.items():
        value = by_month.get(period)
        if value is None:
            continue
        factor = 0.55 if pid == story.under_sales else rng.uniform(0.985, 1.015)
        sold = round(value * factor, 2)
        rows["ActualSales"].append({"project_id": pid, "product": product, "measure": measure,
                                    "amount": (_money(round(sold * 100), unit)
                                               if measure == c.MONEY_MEASURE else sold)})
    month_end = _month_end(dt.date.fromisoformat(period + "-01"), 0)
    slip = dt.timedelta(days=story.slip_days if pid == story.slipped else 0)
    as_of = _period_of(month_end - slip)  # a late project is as far as it was weeks ago
    for m, window in zip(p.milestones, p.windows, strict=True):
        start, finish = m["planned_start"], m["planned_finish"] + slip
        if start > month_end:
            continue
        done = finish <= month_end
        spent = sum(p.share[month] for month in window if month <= as_of)
        rows["Progress"].append({
            "project_id": pid, "milestone_id": m["milestone_id"], "actual_start": start,
            "actual_finish": finish if done else None,
            "pct_complete": 1.0 if done else round(min(spent / m["weight_pct"], 0.99), 3),
            "forecast_finish": finish,
            "status_note": "已完成" if done else "受征地拆迁影响延误" if slip else "按计划推进"})
    if period == last and pid in _ISSUES:
        rows["Issues"].append({"project_id": pid, **_ISSUES[pid],
                               "due_date": month_end + dt.timedelta(days=30)})
    return rows


_REVISION_PERIOD = "2026-07"
_REVISION_FACTOR = 1.25
_ISSUES = {
    "RE01-P01": {"category": "成本", "description": "钢材价格上涨，地下室支护方案调整",
                 "impact": "总投资预计增加约8%", "action": "重新招标支护工程，申请调整预算",
                 "owner": "张伟"},
    "INF01-P01": {"category": "进度", "description": "征地拆迁未按期完成",
                  "impact": "开工节点延误45天", "action": "协调区政府加快拆迁", "owner": "李娜"},
}
_EXPLANATIONS = {
    "RE01-P01": ("investment", "钢材价格上涨及地下室支护方案调整，近三个月投资超预算。"),
    "RE04-P04": ("investment", "提前支付设备款。"),
    "INF01-P01": ("schedule", "征地拆迁滞后，开工延误约45天，后续节点相应顺延。"),
    "INF02-P01": ("plan", "设计变更增加匝道，投资预算较可研增加约18%。"),
    "RE03-P01": ("plan", "增加地下车库一层，7月起预算调增25%，已经董事会批准。"),
}


def _explanations(pids: list[str], story: Story) -> list[dict[str, Any]]:
    return [{"project_id": pid, "indicator": _EXPLANATIONS[pid][0],
             "explanation": _EXPLANATIONS[pid][1]}
            for pid in pids if pid in _EXPLANATIONS and pid != story.unexplained]


def _invalid(rows: dict[str, list[dict[str, Any]]], foreign_project: str,
             ) -> tuple[dict[str, list[dict[str, Any]]], list[dict[str, Any]]]:
    """Typing errors a real accountant makes, and the findings they must give."""
    cost = rows["ActualCost"]
    cost[1]["amount"] = "1,2O0.00"  # the letter O typed for a zero
    cost[2]["cost_code"] = "0999"  # not in the register's cost codes
    cost.append({**cost[0], "project_id": foreign_project})  # another subsidiary's project
    expected = [
        {"reason": "bad_number", "table": "ActualCost", "row": 1, "key": "amount"},
        {"reason": "bad_choice", "table": "ActualCost", "row": 2, "key": "cost_code"},
        {"reason": "foreign_project", "table": "ActualCost", "row": len(cost) - 1,
         "key": "project_id"},
    ]
    return rows, expected


def write_demo(out_dir: Path, period: str = "2026-10", subsidiaries: int | None = None,
               seed: int = 1, story: Story | None = None) -> dict[str, Any]:
    """Write the demo register, templates and inbox under `out_dir`; return the manifest."""
    # openpyxl (the filler's) only to write the files: the demo register is a month's
    # default, and a run loads openpyxl only to write feedback.
    from .filler import fill_template

    story = story or Story()
    register = demo_register()
    year, month = period_months(period)
    if period < START:
        raise ValueError(f"the demo starts in {START}; choose a later period than {period}")
    subs = _pick_subsidiaries(register, subsidiaries)
    out_dir.mkdir(parents=True, exist_ok=True)
    save_register(register, out_dir / "register.json")
    templates = out_dir / "templates"
    templates.mkdir(exist_ok=True)
    inbox = out_dir / "inbox"
    manifest: dict[str, Any] = {"period": period, "files": [], "faults": [], "corrections": [],
                                "story": {
        k: v for k, v in story.__dict__.items()}}
    for sub in subs:
        lang = "en" if sub.segment == "TRD" else "zh"
        unit = "万元" if sub.segment == "RE" else "元"
        template = {k: _template(templates, (k,), lang, register) for k in c.Kind}
        planned = [_plan_project(p, sub.segment, story) for p in register.projects
                   if p.subsidiary == sub.code]
        for p in planned:
            p.rng.seed(f"{seed}-{p.project.id}")

        def submit(kind: c.Kind, file_period: str, rows: dict[str, list[dict[str, Any]]],
                   revision: int = 1, late: bool = False, sub: Subsidiary = sub,
                   unit: str = unit, template: dict[c.Kind, Path] = template,
                   suffix: str = "", days: int = 4) -> Path:
            due = dt.date.fromisoformat(add_months(file_period, 1) + "-01")
            received = due + dt.timedelta(days=register.deadline_day + 5 if late else days)
            name = f"{sub.code}-{kind.value}-{file_period}" + (f"-r{revision}" if revision > 1
                                                                else "") + suffix + ".xlsx"
            path = inbox / file_period / name
            header = {"xt_subsidiary": sub.code, "xt_period": file_period,
                      "xt_preparer": random.Random(sub.code).choice(_PREPARERS),
                      "xt_prepared_on": received, "xt_unit": unit}
            if kind is not c.Kind.MONTHLY:
                header["xt_revision"] = revision
            fill_template(template[kind], path, header, rows)
            stamp = dt.datetime.combine(received, dt.time(10)).timestamp()
            os.utime(path, (stamp, stamp))
            manifest["files"].append({"file": str(path.relative_to(out_dir)), "kind": kind.value,
                                      "subsidiary": sub.code, "period": file_period,
                                      "late": late, "revision": revision})
            return path

        submit(c.Kind.PLAN, START, {"Plan": [m for p in planned for m in p.milestones]})
        submit(c.Kind.BUDGET, START, {"Budget": [r for p in planned
                                                 for r in _budget_rows(p, unit)]})
        submit(c.Kind.FORECAST, START, {"SalesForecast": [r for p in planned
                                                          for r in _forecast_rows(p, unit)]})
        if any(p.project.id == story.revised for p in planned) and period >= _REVISION_PERIOD:
            submit(c.Kind.BUDGET, _REVISION_PERIOD, {"Budget": [
                r for p in planned for r in _budget_rows(
                    p, unit, _REVISION_FACTOR if p.project.id == story.revised else 1.0,
                    _REVISION_PERIOD)]},
                revision=2)
        for i in range(month):
            month_period = f"{year:04d}-{i + 1:02d}"
            if month_period < START:
                continue
            rows = _merge([_monthly_rows(p, month_period, period, unit, story,
                                         as_text=sub.code == "RE05")
                           for p in planned if _period_of(p.project.feasibility.start)
                           <= month_period])
            rows["Explanations"] = (_explanations([p.project.id for p in planned], story)
                                    if month_period == period else [])
            expected: list[dict[str, Any]] = []
            if month_period == period and sub.code == story.invalid_subsidiary:
                other = next(p.id for p in register.projects if p.subsidiary != sub.code)
                rows, expected = _invalid(rows, other)
            path = submit(c.Kind.MONTHLY, month_period, rows,
                          late=month_period == period and sub.code == story.late_subsidiary)
            if month_period == add_months(period, -1) and sub.code == story.corrected_subsidiary:
                # A correction: the same month sent again a week later, one amount fixed.
                first = rows["ActualCost"][0]
                first["amount"] = round(first["amount"] + _money(1_234_500, unit), 6)
                submit(c.Kind.MONTHLY, month_period, rows, suffix="-corrected", days=11)
                manifest["corrections"].append({
                    "file": f"inbox/{month_period}/{sub.code}-monthly-{month_period}"
                            "-corrected.xlsx", "project": first["project_id"],
                    "cost_code": first["cost_code"], "month": month_period,
                    "change_yuan": 12_345.0})
            for fault in expected:
                manifest["faults"].append({"file": str(path.relative_to(out_dir)), **fault})
    included = {s.code for s in subs}
    manifest["major_variances"] = [
        {"project": pid, "comparison": comparison, "indicator": indicator}
        for pid, comparison, indicator in story.major_variances()
        if pid.split("-")[0] in included]
    (out_dir / "expected.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2),
                                           encoding="utf-8")
    return manifest


def _template(folder: Path, kinds: tuple[c.Kind, ...], lang: str, register: Register) -> Path:
    from .templates import template_name, write_template

    path = folder / template_name(kinds, lang)
    if not path.exists():
        write_template(path, kinds, lang, register)
    return path


def _merge(parts: list[dict[str, list[dict[str, Any]]]]) -> dict[str, list[dict[str, Any]]]:
    merged: dict[str, list[dict[str, Any]]] = {t.name: [] for t in
                                               c.tables_of((c.Kind.MONTHLY,))}
    for part in parts:
        for name, rows in part.items():
            merged[name].extend(rows)
    return merged


def _pick_subsidiaries(register: Register, count: int | None) -> list[Subsidiary]:
    """The first `count` subsidiaries, taken in turn from each segment so all stay present;
    the story's subsidiaries come first so a small demo still shows every case."""
    by_segment = [[s for s in register.subsidiaries if s.segment == seg.code]
                  for seg in register.segments]
    order = [s for group in _interleave(by_segment) for s in [group]]
    if count is None or count >= len(order):
        return list(register.subsidiaries)
    if count < 1:
        raise ValueError("--subsidiaries must be at least 1")
    return sorted(order[:count], key=lambda s: register.subsidiaries.index(s))


def _interleave(groups: list[list[Subsidiary]]) -> list[Subsidiary]:
    out: list[Subsidiary] = []
    for i in range(max(len(g) for g in groups)):
        out.extend(g[i] for g in groups if i < len(g))
    return out


def temporary_demo(period: str = "2026-10", subsidiaries: int | None = None) -> Path:
    folder = Path(tempfile.mkdtemp(prefix="xltrack-demo-"))
    write_demo(folder, period, subsidiaries)
    return folder
