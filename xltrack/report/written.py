"""The written reports for the VP / GM, as Word documents (python-docx).

- The special report (专项书面报告) of a project with a major variance: a paragraph per flag,
  drafted from the facts (drafting.py), the subsidiary's explanation quoted, earned value, the
  trend as a picture and a table, and the assessment sections operations completes. What
  operations typed under those sections is read back from the previous document and kept.
- The monthly overview (月度监控简报), one page: majors, the largest variances, missing and
  late subsidiaries, overdue key work.

Text from submissions goes into runs as plain text: a document has no formulas to fear, but
it is never interpreted either.
"""

from __future__ import annotations

import copy
import datetime as dt
import io
import time
import zlib
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zipfile import ZIP_DEFLATED, ZipFile, ZipInfo

import docx
import pandas as pd
from docx.document import Document
from docx.enum.section import WD_ORIENT
from docx.enum.style import WD_STYLE_TYPE
from docx.opc.part import Part
from docx.opc.parts.coreprops import CorePropertiesPart
from docx.opc.pkgwriter import PackageWriter
from docx.oxml.ns import qn
from docx.parts.document import DocumentPart
from docx.shared import Cm, Mm, Pt, RGBColor
from docx.text.paragraph import Paragraph

from ..safe import file_name
from ..words import COMPARISON, SEVERITY, STATUS, word
from .cells import records
from .drafting import earned_value_paragraph, flag_paragraph, wan
from .picture import BLUE, RED, line_chart
from .placement import place, redirected_copies, retire
from .typed_text import Typed, add_typed, mark, typed_in
from .typed_text import read_typed as read_typed_paragraphs

if TYPE_CHECKING:
    from ..actions import ActionItem

FONT = "Microsoft YaHei"
PLACEHOLDER = {"zh": "（请运营管理部填写）", "en": "(to be completed by operations)"}
ASSESSMENT = (("原因分析", "Cause"), ("对投资价值的影响", "Impact on investment value"),
              ("纠偏措施", "Corrective action"), ("责任人", "Owner"), ("完成期限", "Due date"),
              ("领导批示", "Instruction of the VP / GM"))
_ASSESSMENT_HEADING = {"zh": "五、运营管理部意见", "en": "5. Operations' assessment"}


def special_docx_name(project: str, period: str, lang: str = "zh") -> str:
    """The written report's file name: the project ID made safe for a file name (safe.py)."""
    stem = f"专项书面报告-{project}" if lang == "zh" else f"special-report-{project}"
    return file_name(stem, f"-{period}.docx")


def overview_name(period: str, lang: str = "zh") -> str:
    return f"月度监控简报-{period}.docx" if lang == "zh" else f"monthly-overview-{period}.docx"


def _fresh_document(lang: str) -> Document:
    """python-docx's default template, A4, the report's fonts and properties."""
    doc = docx.Document()
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)  # A4, not Letter
    for side in ("left_margin", "right_margin"):
        setattr(section, side, Cm(2.2))
    section.top_margin = section.bottom_margin = Cm(2.0)
    for name, size in (("Normal", 10.5), ("Heading 1", 16), ("Heading 2", 13),
                       ("Heading 3", 11), ("Title", 18)):
        style = doc.styles[name]
        style.font.name, style.font.size = FONT, Pt(size)
        fonts = style.element.get_or_add_rPr().get_or_add_rFonts()
        fonts.set(qn("w:eastAsia"), FONT)
    doc.core_properties.author = "xltrack"
    doc.core_properties.language = "zh-CN" if lang == "zh" else "en-GB"
    return doc


# The paragraph styles the reports use. python-docx finds a style's ID for every styled
# paragraph by scanning all 164 styles of its template twice (about 0.7 ms a paragraph);
# here the IDs are looked up once, in the first template built (python-docx's default
# template, the same for both languages).
_STYLES = ("Title", "Heading 1", "Heading 2", "Heading 3", "Quote", "List Bullet",
           "List Number")
_STYLE_IDS: dict[str, str | None] = {}
_TEMPLATES: dict[str, Document] = {}
_SHARED: dict[str, dict[int, Any]] = {}  # the template's parts no report changes, by id
# Those parts as every saved report has them, by id: (their bytes, the bytes deflated).
# The parts live as long as _SHARED holds them, so no other part gets one of their ids.
_SAVED: dict[int, tuple[bytes, bytes]] = {}
_TABLE_STYLE = "Light Grid Accent 1"  # the trend table's
_TABLE_STYLE_ID: str | None = None


def _new_document(lang: str) -> Document:
    """A copy of the styled template, built once per language (deepcopy: about half the time
    of reading python-docx's template package and styling it again; the same parts, as
    tests/test_written_same.py checks). The parts a report never changes (the styles, 350 KB
    of XML, their 440 KB with effects, the theme, numbering, settings, fonts, thumbnail)
    are shared by every copy rather than copied: a fifth of the time."""
    template = prepare_documents(lang)
    return copy.deepcopy(template, dict(_SHARED[lang]))  # deepcopy adds to its memo


def prepare_documents(lang: str) -> Document:
    """The styled template of `lang`, built now if not yet: before forking report writers,
    so that each has it rather than building its own."""
    global _TABLE_STYLE_ID
    if lang not in _TEMPLATES:
        _TEMPLATES[lang] = _fresh_document(lang)
        if not _STYLE_IDS:
            part = _TEMPLATES[lang].part
            _STYLE_IDS.update({name: part.get_style_id(  # type: ignore[no-untyped-call]
                name, WD_STYLE_TYPE.PARAGRAPH) for name in _STYLES})
            _TABLE_STYLE_ID = part.get_style_id(  # type: ignore[no-untyped-call]
                _TABLE_STYLE, WD_STYLE_TYPE.TABLE)
        # Every part but the two a report writes into (the body and the core properties);
        # a report adds parts of its own (the picture, the footer) to its copy.
        _SHARED[lang] = {id(p): p for p in _TEMPLATES[lang].part.package.iter_parts()
                         if not isinstance(p, DocumentPart | CorePropertiesPart)}
        _SAVED.update({key: _deflated(part.blob) for key, part in _SHARED[lang].items()})
    return _TEMPLATES[lang]


def _deflated(blob: bytes) -> tuple[bytes, bytes]:
    """A part's bytes and those bytes as zipfile deflates a member (its default level, raw
    deflate): the same compressor, given the whole part at once."""
    compressor = zlib.compressobj(zlib.Z_DEFAULT_COMPRESSION, zlib.DEFLATED, -15)
    return blob, compressor.compress(blob) + compressor.flush()


class _Deflated:
    """A compressor that gives bytes deflated before (zipfile's member writer calls compress
    with the part's bytes, then flush): the CRC and the sizes are still zipfile's own."""

    def __init__(self, deflated: bytes) -> None:
        self._deflated = deflated

    def compress(self, data: bytes) -> bytes:
        return b""

    def flush(self) -> bytes:
        return self._deflated


def _save_document(doc: Document, path: Path) -> None:
    """doc.save(path): the same members in the same order, the same bytes. The template's
    shared parts (the styles alone are 790 KB of XML) are not serialized and deflated again
    for each report: their bytes and deflated bytes were kept when the template was built
    (two thirds of a report's save)."""
    if not _WRITER_KNOWN:  # another python-docx than the one this was written against
        doc.save(str(path))
        return
    package = doc.part.package
    parts: list[Part] = package.parts
    for part in parts:
        part.before_marshal()  # type: ignore[no-untyped-call]
    with ZipFile(path, "w", compression=ZIP_DEFLATED) as archive:
        writer = _Members(archive)
        PackageWriter._write_content_types_stream(writer, parts)  # type: ignore[no-untyped-call]
        PackageWriter._write_pkg_rels(writer, package.rels)  # type: ignore[no-untyped-call]
        for part in parts:  # PackageWriter._write_parts, the shared parts as kept
            saved = _SAVED.get(id(part))
            if saved is None:
                writer.write(part.partname, part.blob)
            else:
                writer.write_deflated(part.partname.membername, *saved)
            if len(part.rels):
                writer.write(part.partname.rels_uri, part.rels.xml)


# The pieces of python-docx's Document.save that _save_document calls (not its public API).
_WRITER_KNOWN = all(hasattr(PackageWriter, name)
                    for name in ("_write_content_types_stream", "_write_pkg_rels"))


class _Members:
    """python-docx's zip writer (docx.opc.phys_pkg._ZipPkgWriter) on an open archive, and
    members deflated before."""

    def __init__(self, archive: ZipFile) -> None:
        self._archive = archive

    def write(self, pack_uri: Any, blob: bytes) -> None:
        self._archive.writestr(pack_uri.membername, blob)

    def write_deflated(self, name: str, blob: bytes, deflated: bytes) -> None:
        """What ZipFile.writestr(name, blob) writes, `deflated` being blob deflated."""
        member = ZipInfo(filename=name, date_time=time.localtime(time.time())[:6])
        member.compress_type = ZIP_DEFLATED
        member.external_attr = 0o600 << 16
        member.file_size = len(blob)
        with self._archive.open(member, mode="w") as out:
            if hasattr(out, "_compressor"):  # else another zipfile: it deflates blob itself
                out._compressor = _Deflated(deflated)
            out.write(blob)


def _add(doc: Document, text: str, style: str | None = None) -> Paragraph:
    """doc.add_paragraph(text, style), for no style or one of _STYLES: the paragraph gets
    the template's style ID as add_paragraph gives it (w:pPr/w:pStyle), without the lookup.
    A text python-docx writes as one w:t (no tab, line break or empty text) goes into a copy
    of a paragraph it made with another such text, of the same style: a copy and a text,
    not the paragraph, its run and its text built again."""
    style_id = None if style is None else _STYLE_IDS[style]
    plain = _plain((text,))
    pattern = _PARAGRAPHS.get(style_id) if plain else None
    if pattern is not None:
        p = _paragraph_like(pattern, text)
        doc.element.body._insert_p(p)  # where add_paragraph puts it: before w:sectPr
        return Paragraph(p, doc._body)
    paragraph = doc.add_paragraph(text)
    if style_id is not None:
        paragraph._p.style = style_id  # what Paragraph.style's setter does with the ID
    if plain:
        _PARAGRAPHS[style_id] = copy.deepcopy(paragraph._p)
    return paragraph


# A paragraph as python-docx made it with a plain text, by its style ID (None: no style)
_PARAGRAPHS: dict[str | None, Any] = {}


def _paragraph_like(pattern: Any, text: str) -> Any:
    """A paragraph as add_paragraph(text) and the style make it, copied from one they made
    with another plain text (its one w:t, spaces kept when at an end)."""
    p = copy.deepcopy(pattern)
    _set_text(next(p.iter(_T)), text)
    return p


def _heading(doc: Document, text: str, level: int) -> Paragraph:
    """doc.add_heading(text, level): "Title" for 0, "Heading n" else."""
    return _add(doc, text, "Title" if level == 0 else f"Heading {level}")


def _footer(doc: Document, text: str) -> None:
    paragraph = doc.sections[0].footer.paragraphs[0]
    paragraph.text = text
    paragraph.runs[0].font.size = Pt(9)


def read_assessment(path: Path, lang: str) -> dict[str, list[str]]:
    """What operations typed under each assessment heading of the previous document, as
    text (read_typed: with its look, and under every heading)."""
    labels = {_label(zh, en, lang) for zh, en in ASSESSMENT}
    return {label: [t.text for t in typed] for label, typed in read_typed(path, lang).items()
            if label in labels}


def read_typed(path: Path, lang: str) -> dict[str, list[Typed]]:
    """The paragraphs people typed into the previous document, by the heading they stand
    under (typed_text.py); nothing where there is none or it cannot be read."""
    previous = typed_in(path)
    if previous is None:
        return {}
    labels = [_label(zh, en, lang) for zh, en in ASSESSMENT]
    headings = [*_SECTIONS[lang], _ASSESSMENT_HEADING[lang], *labels]
    return read_typed_paragraphs(previous, headings, labels, list(PLACEHOLDER.values()))


def _label(zh: str, en: str, lang: str) -> str:
    return zh if lang == "zh" else en


_NOTES: list[str] = []  # what placing the documents had to say, until the caller takes it


def placement_notes() -> list[str]:
    """The notes of the documents placed since the last call (a previous document open in
    Word: the new one went beside it), each an errors.Said; taken, so said once."""
    notes = _NOTES[:]
    _NOTES.clear()
    return notes


def keep_placement_notes(notes: list[str]) -> None:
    """Notes of documents placed in another process (monthly's forked report writers), to be
    said with this process's own."""
    _NOTES.extend(notes)


def _place(path: Path, doc: Document) -> Path:
    """The workbooks' rules (placement.place): written through a temporary file, the previous
    document kept in backup/, and one open in Word (its ~$ owner file, or a refused rename)
    left as it is, the new one written beside it and the caller told. Where it went."""
    placed = place(path, lambda temp: _save_document(doc, temp), program="Word")
    _NOTES.extend(placed.notes)
    return placed.path


# Said in red under the title of a written report whose project a re-run found no longer
# major: its figures are the month's as they now stand, its assessment kept.
NO_LONGER_MAJOR = {
    "zh": "本期重新运行后该项目已无重大差异；以下为现时数据，已填写的意见保留备查。",
    "en": "After the latest run this project no longer has a major variance; the figures "
          "below are the month's as they now stand, and the assessment is kept for the record."}


def write_special_docx(path: Path, period: str, project: dict[str, Any], flags: pd.DataFrame,
                       trend: pd.DataFrame, earned: dict[str, Any] | None,
                       lang: str = "zh", no_longer_major: bool = False) -> Path:
    """Write one project's written special report to `path` (or beside it, when it is open),
    keeping the assessment typed into the previous one; `no_longer_major`: rewritten with a
    red line saying so (a re-run of the month found no major variance left)."""
    kept = read_typed(path, lang)
    # The copies written beside it while it was open in Word: what was typed there too, a
    # paragraph the document already holds not twice.
    copies = redirected_copies(path)
    for twin in copies:
        for heading, typed in read_typed(twin, lang).items():
            have = {t.text for t in kept.get(heading, [])}
            kept.setdefault(heading, []).extend(t for t in typed if t.text not in have)
    doc = _special(period, project, flags, trend, earned, lang, kept, no_longer_major)
    placed = _place(path, doc)
    if placed == path:  # in place: what the copies held is in it now
        _NOTES.extend(retire(twin, path) for twin in copies)
    return placed


# The drafted sections' headings: what a person types under one is carried under it.
_SECTIONS = {"zh": ("一、差异情况", "二、子公司说明", "三、挣值分析", "四、投资趋势"),
             "en": ("1. What deviated", "2. The subsidiary's explanation", "3. Earned value",
                    "4. Investment trend")}


def _special(period: str, project: dict[str, Any], flags: pd.DataFrame, trend: pd.DataFrame,
             earned: dict[str, Any] | None, lang: str, kept: dict[str, list[Typed]],
             no_longer_major: bool = False) -> Document:
    zh = lang == "zh"
    doc = _new_document(lang)
    theirs: list[Any] = []  # the typed paragraphs carried: left unmarked
    after: list[str] = [""]  # the heading whose typed paragraphs come before the next one

    def section(text: str, level: int) -> None:
        theirs.extend(add_typed(doc, kept.get(after[0], []), _STYLE_IDS))
        after[0] = text
        _heading(doc, text, level)

    name, pid = project["name"], project["project"]
    _heading(doc, f"关于{name}（{pid}）重大差异的专项报告" if zh
                    else f"Special report on the major variance of {name} ({pid})", 0)
    if no_longer_major:
        run = doc.add_paragraph().add_run(NO_LONGER_MAJOR[lang])
        run.bold, run.font.color.rgb = True, RGBColor(0xC0, 0x00, 0x00)
    # the register's names (consolidate's projects frame), the codes when a frame lacks them
    segment = project.get("segment_zh" if zh else "segment_en") or project["segment"]
    subsidiary = project.get("subsidiary_name") or project["subsidiary"]
    _add(doc, f"期间：{period}　板块：{segment}　单位：{subsidiary}　金额单位：万元" if zh
                      else f"Period {period} · segment {segment} · subsidiary {subsidiary} · "
                           "amounts in 10k yuan (万元)")
    deviated, explained, earned_value, trend_heading = _SECTIONS[lang]
    section(deviated, 1)
    for flag in records(flags):
        _add(doc, flag_paragraph({str(k): v for k, v in flag.items()}, lang))
    section(explained, 1)
    given = [e for e in dict.fromkeys(flags.explanation) if isinstance(e, str) and e]
    for text in given:
        _add(doc, f"“{text}”" if zh else f"“{text}”", "Quote")
    if not given:
        _add(doc, "子公司未提供说明。" if zh else "The subsidiary gave no explanation.")
    section(earned_value, 1)
    _add(doc, earned_value_paragraph(earned, lang))
    section(trend_heading, 1)
    _trend(doc, trend, lang)
    section(_ASSESSMENT_HEADING[lang], 1)
    for zh_label, en_label in ASSESSMENT:
        label = _label(zh_label, en_label, lang)
        section(label, 3)
        if not kept.get(label):
            _add(doc, PLACEHOLDER[lang])
    theirs.extend(add_typed(doc, kept.get(after[0], []), _STYLE_IDS))
    mark(doc, set(theirs))
    _footer(doc, f"xltrack · {pid} · {period}")
    return doc


def _trend(doc: Document, trend: pd.DataFrame, lang: str) -> None:
    zh = lang == "zh"
    if trend.empty:
        _add(doc, "本年尚无投资数据。" if zh else "No investment figures this year.")
        return
    months = list(trend.month)
    actual = trend.actual.astype(float).cumsum().tolist()
    plan = trend.plan.astype(float).cumsum().tolist()
    picture = line_chart([(plan, BLUE), (actual, RED)])
    doc.add_picture(io.BytesIO(picture), width=Cm(15))
    _add(doc, f"图：本年累计投资，蓝线为累计预算，红线为累计实际（{months[0]} 至 "
                      f"{months[-1]}，万元）" if zh else
                      f"Figure: cumulative investment this year; blue the budget, red the "
                      f"actual ({months[0]} to {months[-1]}, 10k yuan)")
    heads = (("月份", "本月实际", "本月预算", "累计实际", "累计预算") if zh
             else ("Month", "Actual", "Budget", "Cum. actual", "Cum. budget"))
    table = doc.add_table(rows=1, cols=len(heads))
    table._tbl.tblStyle_val = _TABLE_STYLE_ID  # what table.style = "Light Grid Accent 1" sets
    for cell, text in zip(table.rows[0].cells, heads, strict=True):
        cell.text = text
    pattern = None  # a row as python-docx made it, copied for the next rows
    for i, (month, spent, planned) in enumerate(zip(months, trend.actual, trend.plan,
                                                    strict=True)):
        values = (month, wan(spent), wan(planned), wan(actual[i]), wan(plan[i]))
        if pattern is not None and _plain(values):
            table._tbl.append(_row_like(pattern, values))
            continue
        for cell, text in zip(table.add_row().cells, values, strict=True):
            cell.text = text
        if _plain(values):
            pattern = table._tbl.tr_lst[-1]


def _plain(values: Sequence[str]) -> bool:
    """Texts that python-docx writes as one w:t each (no tab, line break or empty text)."""
    return all(text and not _BREAKS.intersection(text) for text in values)


_BREAKS = frozenset("\t\r\n")
_T, _SPACE = qn("w:t"), qn("xml:space")


def _row_like(pattern: Any, values: Sequence[str]) -> Any:
    """A table row as Table.add_row() and each cell's .text = value make it (its cells'
    widths, a paragraph with a run of one w:t each, spaces kept when at an end), copied from
    one they made with other plain texts: a copy and five texts, not five cells rebuilt."""
    row = copy.deepcopy(pattern)
    for t, text in zip(row.iter(_T), values, strict=True):
        _set_text(t, text)
    return row


def _set_text(t: Any, text: str) -> None:
    """A w:t's text as CT_R.add_t sets it: spaces kept (xml:space) when at an end."""
    t.text = text
    if len(text.strip()) < len(text):
        t.set(_SPACE, "preserve")
    else:
        t.attrib.pop(_SPACE, None)


def overdue_work(items: list[ActionItem] | None,
                 as_of: dt.date) -> list[tuple[str, str, dt.date]]:
    """Key-work items past their deadline, oldest first: (id, content, deadline)."""
    if not items:  # no key-work table: its modules are not loaded for nothing
        return []
    from ..actions import is_overdue, is_tracked

    late = [i for i in items if is_tracked(i) and is_overdue(i, as_of)]
    return [(i.id, i.content, i.deadline) for i in sorted(late, key=lambda i: i.deadline)]


def write_overview_docx(path: Path, period: str, variances: pd.DataFrame,
                        status: pd.DataFrame, overdue: list[tuple[str, str, dt.date]],
                        lang: str = "zh", top: int = 5) -> Path:
    """The one-page monthly overview for leadership (atomically)."""
    doc = _overview(period, variances, status, overdue, lang, top)
    return _place(path, doc)


def _monthly_in(status: pd.DataFrame, state: str) -> list[Any]:
    """The subsidiaries whose monthly file is in `state`, by name (the code without one), in
    the board's order: one pass over the board's columns, not a filter of the frame."""
    return [name or code for kind, was, code, name in
            zip(status.kind, status.status, status.subsidiary, status.name, strict=True)
            if kind == "monthly" and was == state]


def _overview(period: str, variances: pd.DataFrame, status: pd.DataFrame,
              overdue: list[tuple[str, str, dt.date]], lang: str, top: int) -> Document:
    zh = lang == "zh"
    doc = _new_document(lang)
    _heading(doc, f"重大项目月度监控简报 {period}" if zh
                    else f"Major projects: monthly overview {period}", 0)
    majors = variances[variances.severity == "major"]
    projects = sorted(set(majors.project))
    _heading(doc, "一、重大差异项目" if zh else "1. Projects with a major variance", 2)
    _add(doc, (f"本月共 {len(projects)} 个项目出现重大差异：" if zh else
                       f"{len(projects)} project(s) with a major variance: ")
                      + ("、" if zh else ", ").join(projects) if projects else
                      ("本月无重大差异。" if zh else "No major variance this month."))
    _heading(doc, "二、主要差异" if zh else "2. The main variances", 2)
    money = variances[variances.variance.notna()].copy()
    money = money[money.indicator.isin(["investment", "sales:AMOUNT"])
                  & (money.comparison != "missing_explanation")]  # a copy of its major flag
    money["size"] = money.variance.abs()
    # The largest money variances, then every major schedule variance (a milestone's slip,
    # a finish beyond the study), which has no amount to rank by but must not go unsaid.
    schedule = variances[(variances.severity == "major") & (variances.indicator == "schedule")]
    for flag in [*records(money.sort_values("size", ascending=False).head(top)),
                 *records(schedule.sort_values(["project", "rule_id"]))]:
        lead = (f"{flag['project']}（{word(SEVERITY, flag['severity'], lang)}，"
                f"{word(COMPARISON, flag['comparison'], lang)}）：" if zh else
                f"{flag['project']} ({word(SEVERITY, flag['severity'], lang)}, "
                f"{word(COMPARISON, flag['comparison'], lang)}): ")
        drafted = flag_paragraph({str(k): v for k, v in flag.items()}, lang)
        _add(doc, lead + drafted, "List Bullet")
    _heading(doc, "三、报送情况" if zh else "3. Submissions", 2)
    for state, label in ((s, word(STATUS, s, lang)) for s in ("missing", "late", "rejected")):
        who = _monthly_in(status, state)
        _add(doc, f"{label}：{'、'.join(who) if who else '无'}" if zh else
                          f"{label}: {', '.join(who) if who else 'none'}")
    _heading(doc, "四、逾期重点工作" if zh else "4. Overdue key work", 2)
    for item_id, content, deadline in overdue:
        _add(doc, f"{item_id} {content}（期限 {deadline:%Y-%m-%d}）" if zh else
             f"{item_id} {content} (due {deadline:%Y-%m-%d})", "List Bullet")
    if not overdue:
        _add(doc, "无逾期事项。" if zh else "Nothing overdue.")
    _footer(doc, f"xltrack · {period}")
    for paragraph in doc.paragraphs:  # one page: the overview is read at a glance
        paragraph.paragraph_format.space_after = Pt(3)
    return doc
