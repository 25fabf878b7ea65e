"""The written reports (.docx): drafted from the facts to the cent, the assessment kept across
re-runs, in Chinese and in English; the trend picture is a real PNG."""

from __future__ import annotations

import os
import re
import struct
import zlib
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import docx
import pytest
from docx.oxml.ns import qn
from docx.shared import RGBColor

from xltrack.errors import text_in
from xltrack.monthly import MonthResult, write_special_reports
from xltrack.report.drafting import flag_paragraph
from xltrack.report.picture import BLUE, HEIGHT, RED, WIDTH, line_chart
from xltrack.report.typed_text import _numbering
from xltrack.report.written import (
    PLACEHOLDER,
    overview_name,
    placement_notes,
    special_docx_name,
)


def _wan(yuan: float) -> str:
    """The expected 万元 text, computed apart from the code under test."""
    cents = Decimal(str(round(float(yuan), 2)))
    return f"{(cents / 10_000).quantize(Decimal('0.01'), ROUND_HALF_UP):,.2f}"


def _paragraphs(path: Path) -> list[str]:
    return [p.text for p in docx.Document(str(path)).paragraphs]


@pytest.fixture(scope="module")
def written(demo_month: MonthResult, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("written")
    write_special_reports(demo_month, folder)
    return folder


def test_a_written_report_per_major_project_and_an_overview(demo_month: MonthResult,
                                                           written: Path) -> None:
    flags = demo_month.variances
    majors = sorted(set(flags[flags.severity == "major"].project))
    assert majors and all((written / special_docx_name(p, "2026-10")).exists() for p in majors)
    overview = _paragraphs(written / overview_name("2026-10"))
    assert f"本月共 {len(majors)} 个项目出现重大差异：" + "、".join(majors) in overview
    # Each major project is said in section 二, a schedule-only one too (no amount to rank).
    bullets = overview[overview.index("二、主要差异") + 1:overview.index("三、报送情况")]
    slips = flags[(flags.severity == "major") & (flags.indicator == "schedule")]
    assert len(slips) and all(any(b.startswith(f"{p}（重大，") for b in bullets)
                              for p in slips.project)
    late = demo_month.status[(demo_month.status.kind == "monthly")
                             & (demo_month.status.status == "late")]
    assert any(p.startswith("迟报：") and all(n in p for n in late.name) for p in overview)


def test_the_drafted_paragraphs_carry_the_figures_to_the_cent(demo_month: MonthResult,
                                                              written: Path) -> None:
    text = _paragraphs(written / special_docx_name("RE01-P01", "2026-10"))
    assert ("本年累计投资 4,942.40 万元，较预算 4,339.09 万元超支 603.31 万元（13.9%）"
            "，属重大差异") in "\n".join(text)
    flags = demo_month.variances
    mine = flags[(flags.project == "RE01-P01") & flags.actual.notna()]
    assert len(mine) >= 2
    for flag in mine.to_dict("records"):
        paragraph = next(p for p in text if f"{_wan(flag['actual'])} 万元" in p
                         and "判定规则：" in p)
        assert flag["rule_id"] not in paragraph  # a code: the workbooks' 规则 column has it
        numbers = re.findall(r"-?[\d,]+\.\d\d(?= 万元)", paragraph)
        assert numbers == [_wan(flag["actual"]), _wan(flag["expected"]),
                           _wan(abs(flag["variance"]))], paragraph
        assert f"{abs(flag['variance_pct']) * 100:.1f}%" in paragraph
    assert "“钢材价格上涨及地下室支护方案调整，近三个月投资超预算。”" in text or any(
        p.startswith("“钢材价格上涨") for p in text)  # the explanation, quoted
    doc = docx.Document(str(written / special_docx_name("RE01-P01", "2026-10")))
    [picture] = doc.inline_shapes
    assert picture.width > 0
    earned = demo_month.earned_value.set_index("project").loc["RE01-P01"]
    assert any(f"挣值（EV）{_wan(earned['ev'])} 万元" in p for p in text)


def test_the_assessment_is_kept_across_re_runs(demo_month: MonthResult, tmp_path: Path) -> None:
    write_special_reports(demo_month, tmp_path)
    path = tmp_path / special_docx_name("RE01-P01", "2026-10")
    doc = docx.Document(str(path))
    paragraphs = doc.paragraphs
    at = next(i for i, p in enumerate(paragraphs) if p.text == "纠偏措施")
    paragraphs[at + 1].text = "=1+1 暂停地下室二期施工，重新招标支护方案"
    doc.save(str(path))
    write_special_reports(demo_month, tmp_path)  # the next run of the month
    text = _paragraphs(path)
    at = text.index("纠偏措施")
    assert text[at + 1] == "=1+1 暂停地下室二期施工，重新招标支护方案"
    assert text[text.index("原因分析") + 1] == PLACEHOLDER["zh"]  # still to be completed


def _after(paragraph: Any, text: str, style: str | None = None) -> Any:
    """A paragraph typed after `paragraph`, as Enter at its end and typing make it."""
    from docx.text.paragraph import Paragraph

    new = paragraph._p.makeelement(qn("w:p"), {})
    paragraph._p.addnext(new)
    typed = Paragraph(new, paragraph._parent)
    if style:
        typed.style = style
    typed.add_run(text)
    return typed


def test_what_people_type_anywhere_in_a_written_report_is_kept_with_its_look(
        demo_month: MonthResult, tmp_path: Path) -> None:
    """A paragraph typed after a drafted one, a bulleted list, bold and coloured words, text
    typed on a heading's line: every rewrite keeps them once, under the same heading."""
    write_special_reports(demo_month, tmp_path)
    path = tmp_path / special_docx_name("RE01-P01", "2026-10")
    doc = docx.Document(str(path))
    texts = [p.text for p in doc.paragraphs]
    first_flag = doc.paragraphs[texts.index("一、差异情况") + 1]
    note = _after(first_flag, "总包已提交索赔，金额待审。")
    bold = note.runs[0]
    note.runs[0].text = "补充："
    bold.bold = True
    note.add_run("总包已提交索赔，金额待审。")
    cause = next(p for p in doc.paragraphs if p.text == "原因分析")
    placeholder = doc.paragraphs[[p.text for p in doc.paragraphs].index("原因分析") + 1]
    placeholder._p.getparent().remove(placeholder._p)
    second = _after(cause, "钢材价格上涨", "List Bullet")
    red = second.add_run("（约 12%）")
    red.italic, red.font.color.rgb = True, RGBColor(0xC0, 0, 0)
    _after(second, "总包单价调整", "List Bullet")
    heading = next(p for p in doc.paragraphs if p.text == "纠偏措施")
    heading.add_run("：重新招标支护方案")
    doc.save(str(path))

    for _ in range(2):  # every later run of the month
        write_special_reports(demo_month, tmp_path)
        doc = docx.Document(str(path))
        texts = [p.text for p in doc.paragraphs]
        assert texts.count("补充：总包已提交索赔，金额待审。") == 1
        at = texts.index("补充：总包已提交索赔，金额待审。")
        assert texts.index("一、差异情况") < at < texts.index("二、子公司说明")
        assert texts[at + 1] == "二、子公司说明"  # after the drafted paragraphs
        runs = doc.paragraphs[at].runs
        assert runs[0].text == "补充：" and runs[0].bold and not runs[1].bold
        c = texts.index("原因分析")
        assert texts[c + 1:c + 3] == ["钢材价格上涨（约 12%）", "总包单价调整"]
        item = doc.paragraphs[c + 1]
        assert item.style.name == "List Bullet" and doc.paragraphs[c + 2].style.name == (
            "List Bullet")
        assert item.runs[1].italic and item.runs[1].font.color.rgb == RGBColor(0xC0, 0, 0)
        assert PLACEHOLDER["zh"] not in texts[c + 1:c + 3]
        m = texts.index("纠偏措施")
        assert texts[m + 1] == "重新招标支护方案"
        assert texts.count("重新招标支护方案") == 1


def test_a_list_numbered_by_words_numbering_stays_a_numbered_list(
        demo_month: MonthResult, tmp_path: Path) -> None:
    """Word's numbering button gives a paragraph a numbering reference (w:numPr) rather than
    a list style: a decimal one is carried as a numbered item, a bullet one as a bullet."""
    from docx.oxml import parse_xml

    write_special_reports(demo_month, tmp_path)
    path = tmp_path / special_docx_name("RE01-P01", "2026-10")
    doc = docx.Document(str(path))
    texts = [p.text for p in doc.paragraphs]
    placeholder = doc.paragraphs[texts.index("纠偏措施") + 1]
    heading = doc.paragraphs[texts.index("纠偏措施")]
    placeholder._p.getparent().remove(placeholder._p)
    # a numbering of each format the template defines: (numId, level) -> format
    formats = {fmt: key[0] for key, fmt in _numbering(doc).items() if key[1] == "0"}
    last = heading
    for text, fmt in (("暂停二期施工", "decimal"), ("重新招标", "decimal"), ("月报", "bullet")):
        last = _after(last, text)
        last._p.insert(0, parse_xml(
            f'<w:pPr xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
            f'<w:numPr><w:ilvl w:val="0"/><w:numId w:val="{formats[fmt]}"/></w:numPr>'
            f'</w:pPr>'))
    doc.save(str(path))
    write_special_reports(demo_month, tmp_path)
    doc = docx.Document(str(path))
    texts = [p.text for p in doc.paragraphs]
    at = texts.index("纠偏措施")
    assert texts[at + 1:at + 4] == ["暂停二期施工", "重新招标", "月报"]
    assert [doc.paragraphs[at + i].style.name for i in (1, 2, 3)] == [
        "List Number", "List Number", "List Bullet"]


def test_a_document_without_marks_is_read_as_before(demo_month: MonthResult,
                                                    tmp_path: Path) -> None:
    """A document written before the marks (or whose marks a program dropped): only the
    text under the assessment's headings is taken as typed; nothing drafted is kept twice."""
    write_special_reports(demo_month, tmp_path)
    path = tmp_path / special_docx_name("RE01-P01", "2026-10")
    fresh = _paragraphs(path)
    doc = docx.Document(str(path))
    for mark in [*doc.element.body.iter(qn("w:bookmarkStart")),
                 *doc.element.body.iter(qn("w:bookmarkEnd"))]:
        mark.getparent().remove(mark)
    doc.paragraphs[fresh.index("原因分析") + 1].text = "钢材价格上涨"
    doc.save(str(path))
    write_special_reports(demo_month, tmp_path)
    again = _paragraphs(path)
    assert again[again.index("原因分析") + 1] == "钢材价格上涨"
    assert len(again) == len(fresh)


def test_a_document_saved_by_libreoffice_keeps_xltracks_paragraphs_its_own(
        demo_month: MonthResult, tmp_path: Path) -> None:
    """Opened and saved in another word processor, the drafted paragraphs keep their marks:
    a rewrite drafts them anew rather than keeping them as typed (no paragraph twice)."""
    import shutil
    import subprocess

    from xltrack.report.written import read_typed

    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    assert soffice, "LibreOffice is needed: make office installs it"
    write_special_reports(demo_month, tmp_path)
    path = tmp_path / special_docx_name("RE01-P01", "2026-10")
    fresh = _paragraphs(path)
    out = tmp_path / "saved"
    subprocess.run([soffice, f"-env:UserInstallation=file://{tmp_path / 'lo'}", "--headless",
                    "--convert-to", "docx:MS Word 2007 XML", "--outdir", str(out), str(path)],
                   check=True, capture_output=True, timeout=180)
    shutil.copy(out / path.name, path)
    assert read_typed(path, "zh") == {}
    write_special_reports(demo_month, tmp_path)
    assert _paragraphs(path) == fresh


def test_a_document_open_in_word_is_left_alone_and_the_new_one_goes_beside_it(
        demo_month: MonthResult, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_special_reports(demo_month, tmp_path)
    path = tmp_path / special_docx_name("RE01-P01", "2026-10")
    doc = docx.Document(str(path))
    at = next(i for i, p in enumerate(doc.paragraphs) if p.text == "责任人")
    doc.paragraphs[at + 1].text = "张三"
    doc.save(str(path))
    before = path.read_bytes()
    placement_notes()
    # Word's owner file drops the first two letters of a long name (~$ecial…), as Excel's does.
    (tmp_path / f"~${path.name[2:]}").write_bytes(b"owner")
    written = write_special_reports(demo_month, tmp_path)
    assert path.read_bytes() == before  # what operations typed, untouched
    beside = next(p for p in written if p.name.startswith(path.stem) and p != path)
    assert beside.parent == tmp_path and beside.suffix == ".docx"
    assert _paragraphs(beside)[_paragraphs(beside).index("责任人") + 1] == "张三"
    [note] = placement_notes()
    assert note == (f"{path.name} is open in Word; the new report is {beside.name}. Close the "
                    "old one and rename, or keep both.")
    assert text_in(note, "zh").startswith(f"{path.name} 正在 Word 中打开；新报告为 {beside.name}")
    assert placement_notes() == []  # said once
    # Typed into the copy beside it, then both closed: the next run carries what the copy
    # holds and moves the copy to backup/.
    doc = docx.Document(str(beside))
    at = [p.text for p in doc.paragraphs].index("纠偏措施")
    doc.paragraphs[at + 1].text = "重新招标"
    doc.save(str(beside))
    (tmp_path / f"~${path.name[2:]}").unlink()
    write_special_reports(demo_month, tmp_path)
    assert _paragraphs(path)[_paragraphs(path).index("纠偏措施") + 1] == "重新招标"
    assert _paragraphs(path)[_paragraphs(path).index("责任人") + 1] == "张三"
    assert not beside.exists() and (tmp_path / "backup" / beside.name).exists()
    assert any(beside.name in n and "moved to backup/" in n for n in placement_notes())
    (tmp_path / f"~${path.name[2:]}").write_bytes(b"owner")
    # Windows refuses the rename instead (no owner file seen): the same, for the overview too.
    (tmp_path / f"~${path.name[2:]}").unlink()
    overview = tmp_path / overview_name("2026-10")
    real_replace = os.replace

    def refused(src: object, dst: object) -> None:
        if Path(str(dst)) == overview:
            raise PermissionError(13, "in use", str(dst))
        real_replace(src, dst)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "replace", refused)
    *_, moved = write_special_reports(demo_month, tmp_path)
    assert moved != overview and moved.name.startswith(overview.stem) and moved.exists()
    assert any("is open in Word" in n for n in placement_notes())
    monkeypatch.undo()
    # Closed again: the next run replaces it and keeps the previous one in backup/.
    write_special_reports(demo_month, tmp_path)
    kept = sorted((tmp_path / "backup").glob(f"{path.stem}-*.docx"))
    assert kept and _paragraphs(path)[_paragraphs(path).index("责任人") + 1] == "张三"


def test_english_with_lang_en(demo_month: MonthResult, tmp_path: Path) -> None:
    write_special_reports(demo_month, tmp_path, "en")
    text = _paragraphs(tmp_path / special_docx_name("RE01-P01", "2026-10", "en"))
    drafted = next(p for p in text if "rule INV-YTD" in p)
    assert drafted.startswith("Year to date investment is 4,942.40 (10k yuan), over by 603.31 "
                              "(13.9%) against the budget of 4,339.09")
    assert not re.search(r"[\u4e00-\u9fff]", drafted)
    assert (tmp_path / overview_name("2026-10", "en")).exists()


def test_every_kind_of_flag_is_drafted_in_both_languages() -> None:
    base = {"project": "P", "indicator": "schedule", "span": "to_date", "item": "M2 封顶 (key)",
            "severity": "major", "rule_id": "R", "rule": "r", "rule_zh": "规则",
            "actual": None, "expected": None, "variance": None, "variance_pct": None,
            "days": 45, "months_in_row": 3}
    kinds = {"milestone_slip": "延误 45 天", "finish_vs_feasibility": "推迟 45 天",
             "persistence": "连续 3 个月", "missing_explanation": "未提交差异说明",
             "missing_actuals": "未收到"}
    for comparison, expected in kinds.items():
        flag = {**base, "comparison": comparison}
        assert expected in flag_paragraph(flag, "zh")
        assert not re.search(r"[\u4e00-\u9fff]", flag_paragraph(
            {**flag, "item": "M2"}, "en")), comparison
    under = {**base, "comparison": "actual_vs_plan", "indicator": "investment", "span": "month",
             "actual": 800_000.0, "expected": 1_000_000.0, "variance": -200_000.0,
             "variance_pct": -0.2}
    assert flag_paragraph(under).startswith(
        "本月投资 80.00 万元，较预算 100.00 万元节约 20.00 万元（20.0%）")


def test_the_trend_picture_is_a_png_with_its_lines() -> None:
    png = line_chart([([0.0, 5.0, 10.0], BLUE), ([0.0, 6.0, None], RED)])
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", png[16:24])
    assert (width, height) == (WIDTH, HEIGHT)
    raw = zlib.decompress(png[png.index(b"IDAT") + 4:png.index(b"IEND") - 8])
    stride = width * 3 + 1
    pixels = [raw[r * stride + 1:(r + 1) * stride] for r in range(height)]
    colours = {bytes(row[i:i + 3]) for row in pixels for i in range(0, len(row), 3)}
    assert bytes(BLUE) in colours and bytes(RED) in colours
    right = {bytes(row[i:i + 3]) for row in pixels for i in range((width - 30) * 3, width * 3, 3)}
    assert bytes(BLUE) in right and bytes(RED) not in right  # no point: the red line stops
