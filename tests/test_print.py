"""Print-ready: the documents rendered by LibreOffice are A4, legible (no text under 8 pt at
the print scale), paginated as promised, and the Chinese ones show no internal code.

Every document is converted in one soffice call (a conversion costs seconds)."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from xltrack.action_book import write_table
from xltrack.actions import ActionItem, Source
from xltrack.inbox import check_files
from xltrack.monthly import MonthResult, write_special_reports
from xltrack.report.publish import publish_report
from xltrack.report.written import overview_name, special_docx_name
from xltrack.settings import load_register

TEMPLATES = Path(__file__).resolve().parents[1] / "workbooks" / "templates"
RUN_TIME = dt.datetime(2026, 11, 8, 9, 30, tzinfo=dt.UTC)
LEGIBLE_PT = 7.9  # 9 pt at 90%, the smallest scale xltrack prints at, is 8.1 pt
A4 = (595, 842)
# Codes that must not reach a Chinese page. Bilingual headers such as "严重程度 Severity" are
# words, not codes; project and rule IDs such as RE01-P01 and INV-FS-INF are keys people use.
# "major" is left to test_words, which reads the cells: the titles say "major projects".
CODES = re.compile(r"(?<![\w-])(attention|actual_vs_plan|plan_vs_baseline|plan_vs_feasibility|"
                   r"persistence|milestone_slip|finish_vs_feasibility|missing_explanation|"
                   r"missing_actuals|to_date|at_completion|ytd|sales:AMOUNT|not started|"
                   r"in progress|INF|RE|TRD)(?![\w-])")  # not inside IDs: INV-FS-INF, RE01


def _pages(pdf: Path) -> list[dict[str, Any]]:
    """Per page: its size in points, the smallest text size as printed, its text, and where
    each piece of text starts (x, y, size as printed)."""
    pages = []
    for page in PdfReader(pdf).pages:
        sizes: list[float] = []
        starts: list[tuple[float, float, float]] = []

        def visit(text: str, cm: list[float], tm: list[float], _font: Any, size: float,
                  sizes: list[float] = sizes,
                  starts: list[tuple[float, float, float]] = starts) -> None:
            if text.strip():
                a, b, c, d = (tm[0] * cm[0] + tm[1] * cm[2], tm[0] * cm[1] + tm[1] * cm[3],
                              tm[2] * cm[0] + tm[3] * cm[2], tm[2] * cm[1] + tm[3] * cm[3])
                sizes.append(size * abs(a * d - b * c) ** 0.5)
                starts.append((tm[4] * cm[0] + tm[5] * cm[2] + cm[4],
                               tm[4] * cm[1] + tm[5] * cm[3] + cm[5], sizes[-1]))
        text = page.extract_text(visitor_text=visit)
        pages.append({"size": tuple(sorted((round(float(page.mediabox.width)),
                                            round(float(page.mediabox.height))))),
                      "smallest": min(sizes, default=99.0), "text": text, "starts": starts})
    return pages


def _overprinted(starts: list[tuple[float, float, float]]) -> list[tuple[float, float]]:
    """Lines printed over one another: two pieces of text starting at the same x (a column's
    left edge, where every wrapped line starts) less than a line apart."""
    clashes = []
    by_x: dict[int, list[tuple[float, float]]] = {}
    for x, y, size in starts:
        by_x.setdefault(round(x), []).append((y, size))
    for x, lines in by_x.items():
        ys = sorted(lines)
        for (y1, s1), (y2, s2) in zip(ys, ys[1:], strict=False):
            if 0.5 < y2 - y1 < 0.8 * min(s1, s2):
                clashes.append((x, y2))
    return clashes


@pytest.fixture(scope="module")
def rendered(demo: Path, demo_month: MonthResult, tmp_path_factory: pytest.TempPathFactory
             ) -> dict[str, list[dict[str, Any]]]:
    assert shutil.which("soffice"), "LibreOffice is needed: make office installs it"
    folder = tmp_path_factory.mktemp("print")
    publish_report(demo_month, folder / "report.xlsx", RUN_TIME)
    write_special_reports(demo_month, folder)
    shutil.copyfile(TEMPLATES / "pack-zh.xlsx", folder / "template.xlsx")
    shutil.copyfile(TEMPLATES.parent / "xltrack.xlsm", folder / "control.xlsm")
    items = [ActionItem(id=f"K{i}", source=Source.MINUTES, source_date=dt.date(2026, 10, 9),
                        project="RE01-P01", content="落实地下室支护方案调整的审批与招标" * 2,
                        department="运营管理部", person="张三",
                        original_deadline=dt.date(2026, 10, 30 - i),
                        deadline=dt.date(2026, 10, 30 - i)) for i in range(12)]
    write_table(folder / "key-work.xlsx", items, dt.date(2026, 11, 8))
    # Feedback: the demo's rejected file marked (their sheets after the findings), and the
    # findings alone for a file that is not a workbook at all.
    (folder / "not-a-workbook.xlsx").write_bytes(b"PK not really a workbook")
    checked = check_files([next((demo / "inbox" / "2026-10").glob("INF03-monthly-*.xlsx")),
                           folder / "not-a-workbook.xlsx"],
                          load_register(demo / "register.json"), "2026-10", folder / "fb")
    marked, alone = sorted(checked.feedback, key=lambda p: not p.name.startswith("INF03"))
    documents = {"report": folder / "report.xlsx",
                 "special": folder / "专项报告-RE01-P01-2026-10.xlsx",
                 "written": folder / special_docx_name("RE01-P01", "2026-10"),
                 "overview": folder / overview_name("2026-10"),
                 "template": folder / "template.xlsx", "key-work": folder / "key-work.xlsx",
                 "control": folder / "control.xlsm", "feedback": marked,
                 "feedback-alone": alone}
    done = subprocess.run(
        ["soffice", f"-env:UserInstallation=file://{folder}/lo-profile", "--headless",
         "--convert-to", "pdf", "--outdir", str(folder / "pdf"),
         *(str(p) for p in documents.values())],
        capture_output=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    return {name: _pages(folder / "pdf" / f"{path.stem}.pdf") for name, path in documents.items()}


def test_every_page_is_a4_and_legible(rendered: dict[str, list[dict[str, Any]]]) -> None:
    for name, pages in rendered.items():
        assert pages, name
        for number, page in enumerate(pages, start=1):
            assert page["size"] == A4, (name, number, page["size"])
            assert page["smallest"] >= LEGIBLE_PT, (name, number, page["smallest"])


def test_the_feedback_prints_its_messages_wrapped_not_overprinted(
        rendered: dict[str, list[dict[str, Any]]]) -> None:
    for name in ("feedback", "feedback-alone"):
        findings = rendered[name][0]  # the findings sheet comes first
        assert "Problem and how to fix it" in findings["text"], name
        assert not _overprinted(findings["starts"]), (name, _overprinted(findings["starts"]))
        assert "第 1 页 / 共" in findings["text"]
    # Every finding's message is on the page whole (nothing cut off at a column's edge).
    assert "type a number such" in rendered["feedback"][0]["text"].lower()
    assert len(rendered["feedback-alone"]) == 1


def test_page_counts(rendered: dict[str, list[dict[str, Any]]], demo_month: MonthResult) -> None:
    assert len(rendered["overview"]) == 1  # read at a glance
    assert len(rendered["written"]) <= 3
    assert len(rendered["special"]) <= 3
    # The pack: cover, plan, progress, issues, explanations, actual cost and sales on a page
    # each; budget and sales forecast two each (January–June, July–December).
    assert len(rendered["template"]) == 11
    c = demo_month.consolidation
    majors = c.projects[c.projects.major]
    cards = [p for p in rendered["report"] if "S 曲线" in p["text"]]
    assert len(cards) == len(majors)  # one page per card, the curve on the card's page
    for project, name in zip(majors.project, majors.name, strict=True):
        [card] = [p for p in cards if f"{project} S 曲线" in p["text"]]
        assert f"{project} {name}" in card["text"] and card["text"].count("S 曲线") == 1
    assert len(rendered["report"]) < 80


def test_chinese_documents_show_no_internal_code(
        rendered: dict[str, list[dict[str, Any]]]) -> None:
    for name in ("report", "written", "overview", "template", "special"):
        for number, page in enumerate(rendered[name], start=1):
            if name == "report" and "审核发现 Findings" in page["text"]:
                continue  # the findings quote the English message beside the Chinese one
            found = CODES.findall(page["text"])
            assert not found, (name, number, sorted(set(found)))
    header = rendered["report"][0]["text"]
    assert "重大项目监控报告" in header and "第 1 页 / 共" in header  # period and page X of Y
