"""What people type into a written report (.docx), read back and written again.

A rewrite drafts the document anew, so what a person typed is carried explicitly:

- Every paragraph xltrack writes carries a hidden bookmark (Word and LibreOffice keep a
  bookmark whose name starts with `_` and do not list it). A paragraph without one is a
  person's: typed after a drafted paragraph (Enter at its end makes a paragraph of its
  own), or under a heading of a drafted section. Under the assessment's headings every
  text but the placeholder is a person's, even typed over the placeholder itself.
- Each is carried under the same heading, after what xltrack writes there, with the look of
  its words (bold, italic, underline, strike-through, colour, size, highlight), line breaks
  and tabs, and as a bulleted or numbered list item where it was one; a heading a person
  added stays a heading.
- Text typed on the line of one of xltrack's headings (`原因分析：钢材涨价`) is kept as a
  paragraph under it.
- A document written before the bookmarks (or whose bookmarks are gone) is read as before:
  only the paragraphs under the assessment's headings are a person's.

Tables and pictures added in Word are not carried (placement names them as left in the
backup), nor are edits made inside xltrack's drafted paragraphs: those are redrafted.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from docx.document import Document
from docx.enum.text import WD_COLOR_INDEX
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Pt, RGBColor
from docx.text.paragraph import Paragraph

_HIGHLIGHTS = {int(m.value): m for m in WD_COLOR_INDEX}
MARK = "_xt"  # the hidden bookmarks' names: _xt1, _xt2, …
_START, _NAME = qn("w:bookmarkStart"), qn("w:name")


@dataclass
class Words:
    """A run's text and look (None: as the paragraph's style has it)."""
    text: str
    bold: bool | None = None
    italic: bool | None = None
    underline: bool | None = None
    strike: bool | None = None
    color: str | None = None  # RRGGBB
    size: float | None = None  # points
    highlight: int | None = None  # WD_COLOR_INDEX's value


@dataclass
class Typed:
    """A paragraph a person typed."""
    words: list[Words] = field(default_factory=list)
    kind: str | None = None  # "bullet", "number", "Heading 1".."Heading 3", or None

    @property
    def text(self) -> str:
        return "".join(w.text for w in self.words)


def mark(doc: Document, theirs: Collection[Any] = ()) -> None:
    """Every body paragraph of `doc` but `theirs` (the typed ones carried) as xltrack's: a
    collapsed hidden bookmark at its start."""
    paragraphs = [p for p in doc.element.body.iterchildren(qn("w:p")) if p not in theirs]
    for n, p in enumerate(paragraphs, start=1):
        start, end = OxmlElement("w:bookmarkStart"), OxmlElement("w:bookmarkEnd")
        start.set(qn("w:id"), str(n))
        start.set(_NAME, f"{MARK}{n}")
        end.set(qn("w:id"), str(n))
        at = 1 if p.pPr is not None else 0
        p.insert(at, start)
        p.insert(at + 1, end)


def _marked(p: Any) -> bool:
    return any(str(b.get(_NAME, "")).startswith(MARK) for b in p.iter(_START))


def read_typed(previous: Document, headings: Collection[str], labels: Collection[str],
               placeholders: Collection[str]) -> dict[str, list[Typed]]:
    """The paragraphs a person typed into `previous`, by the heading they stand under: one of
    xltrack's `headings` (sections and assessment `labels`), "" before the first. Where the
    document has no marks, only the paragraphs under `labels` that are not `placeholders`."""
    marked_doc = any(_marked(p._p) for p in previous.paragraphs)
    numbering = _numbering(previous)
    typed: dict[str, list[Typed]] = {}
    current: str | None = ""
    for paragraph in previous.paragraphs:
        text = paragraph.text.strip()
        style = str(paragraph.style.name) if paragraph.style is not None else ""
        ours = _marked(paragraph._p) if marked_doc else style.startswith("Heading")
        if ours and style == "Title":
            current = ""
            continue
        known = next((h for h in headings if text == h or text.startswith(h)), None) \
            if style.startswith("Heading") else None
        if known is not None or (ours and style.startswith("Heading")):
            # One of xltrack's headings (a person's own heading is a typed paragraph).
            current = known if (marked_doc or known in labels) else None
            if known is not None and text != known:  # typed on the heading's line
                rest = text[len(known):].lstrip(" ：:　")
                if rest:
                    typed.setdefault(known, []).append(Typed([Words(rest)]))
            continue
        if current is None or not text:
            continue
        # Under an assessment heading xltrack writes only the placeholder: any other text is
        # a person's, even where they typed over the placeholder's own paragraph.
        if current in labels:
            if text in placeholders:
                continue
        elif ours or not marked_doc:
            continue
        typed.setdefault(current, []).append(_typed(paragraph, style, numbering))
    return typed


def _typed(paragraph: Paragraph, style: str, numbering: Mapping[tuple[str, str], str]) -> Typed:
    words = []
    for run in paragraph.runs:
        if not run.text:
            continue
        font = run.font
        color = font.color.rgb if font.color is not None and font.color.type is not None \
            else None
        words.append(Words(
            run.text, run.bold, run.italic, None if run.underline is None else bool(
                run.underline), font.strike, str(color) if color is not None else None,
            font.size.pt if font.size is not None else None,
            int(font.highlight_color) if font.highlight_color is not None else None))
    if not words:  # text in a hyperlink or a field: kept as plain text
        words = [Words(paragraph.text)]
    return Typed(words, _kind(paragraph, style, numbering))


def _kind(paragraph: Paragraph, style: str, numbering: Mapping[tuple[str, str], str]
          ) -> str | None:
    if style in ("Heading 1", "Heading 2", "Heading 3"):
        return style
    num = paragraph._p.find(f"{qn('w:pPr')}/{qn('w:numPr')}")
    num_id = num.find(qn("w:numId")) if num is not None else None
    if num is not None and num_id is not None:
        ilvl = num.find(qn("w:ilvl"))
        level = str(ilvl.get(qn("w:val"))) if ilvl is not None else "0"
        return "bullet" if numbering.get((str(num_id.get(qn("w:val"))), level)) == "bullet" \
            else "number"
    if style.startswith("List Bullet"):
        return "bullet"
    if style.startswith("List Number"):
        return "number"
    return None


def _numbering(doc: Document) -> dict[tuple[str, str], str]:
    """(numId, level) -> its number format (bullet, decimal …), from the numbering part."""
    try:
        root = doc.part.numbering_part.element
    except (KeyError, NotImplementedError, AttributeError):
        return {}
    formats: dict[tuple[str, str], str] = {}
    abstract = {a.get(qn("w:abstractNumId")): a for a in root.iterchildren(qn("w:abstractNum"))}
    for num in root.iterchildren(qn("w:num")):
        ref = num.find(qn("w:abstractNumId"))
        definition = abstract.get(ref.get(qn("w:val"))) if ref is not None else None
        if definition is None:
            continue
        for lvl in definition.iterchildren(qn("w:lvl")):
            fmt = lvl.find(qn("w:numFmt"))
            formats[(str(num.get(qn("w:numId"))), str(lvl.get(qn("w:ilvl"))))] = (
                fmt.get(qn("w:val")) if fmt is not None else "decimal")
    return formats


def add_typed(doc: Document, paragraphs: Sequence[Typed],
              style_ids: Mapping[str, str | None]) -> list[Any]:
    """The paragraphs written at the end of `doc`; their elements, to be left unmarked (they
    stay a person's)."""
    made = []
    for typed in paragraphs:
        p = doc.add_paragraph()
        made.append(p._p)
        style = {"bullet": "List Bullet", "number": "List Number"}.get(
            typed.kind or "", typed.kind)
        if style is not None and style_ids.get(style):
            p._p.style = style_ids[style]
        for w in typed.words:
            run = p.add_run(w.text)
            run.bold, run.italic, run.underline = w.bold, w.italic, w.underline
            run.font.strike = w.strike
            if w.color:
                run.font.color.rgb = RGBColor.from_string(w.color)
            if w.size:
                run.font.size = Pt(w.size)
            if w.highlight in _HIGHLIGHTS:
                run.font.highlight_color = _HIGHLIGHTS[w.highlight]
    return made


def typed_in(path: Path) -> Document | None:
    """The previous document, or None where there is none or it cannot be read (a damaged
    old copy must not stop the new report; it stays whole in the backup)."""
    import docx

    if not path.exists():
        return None
    try:
        return docx.Document(str(path))
    except Exception:  # noqa: BLE001 - whatever python-docx raises on a damaged file
        return None
