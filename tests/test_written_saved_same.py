"""The written reports saved with the template's shared parts kept serialized and deflated
(written._save_document) are the files python-docx's Document.save writes: the same members
in the same order, with the same attributes, CRC, sizes and deflated bytes (issue 22). The
only difference a zip may have is each member's time of writing, which no test can fix. The
trend picture deflated at zlib's level 1 is the picture deflated at level 6, as a PNG reader
reads it. A paragraph copied from one python-docx made is the paragraph it makes."""

from __future__ import annotations

import io
import random
import struct
import zipfile
import zlib
from itertools import accumulate
from pathlib import Path
from typing import Any

import pytest
from lxml import etree
from PIL import Image

from xltrack.monthly import MonthResult, write_special_reports
from xltrack.report import picture, written


def _members(path: Path) -> list[tuple[Any, ...]]:
    """Each member as written: name, method, flags, attributes, CRC, sizes, its bytes as
    stored (deflated) and as read."""
    with zipfile.ZipFile(path) as package, open(path, "rb") as raw:
        out = []
        for m in package.infolist():
            raw.seek(m.header_offset + 26)
            name_length, extra_length = int.from_bytes(raw.read(2), "little"), \
                int.from_bytes(raw.read(2), "little")
            raw.seek(m.header_offset + 30 + name_length + extra_length)
            out.append((m.filename, m.compress_type, m.flag_bits, m.external_attr,
                        m.create_system, m.extract_version, m.CRC, m.file_size,
                        m.compress_size, raw.read(m.compress_size), package.read(m)))
        return out


def _python_docx_save(doc: Any, path: Path) -> None:
    doc.save(str(path))


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_documents_are_those_document_save_writes(demo_month: MonthResult, tmp_path: Path,
                                                       lang: str) -> None:
    fast = write_special_reports(demo_month, tmp_path / "fast", lang)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(written, "_save_document", _python_docx_save)
        before = write_special_reports(demo_month, tmp_path / "before", lang)
    documents = [p for p in fast if p.suffix == ".docx"]
    assert len(documents) >= 3  # the demo month's majors and the overview
    assert [p.name for p in fast] == [p.name for p in before]
    for mine, theirs in zip(fast, before, strict=True):
        if mine.suffix == ".docx":
            assert _members(mine) == _members(theirs), mine.name


def test_another_python_docx_or_zipfile_gets_the_plain_save(demo_month: MonthResult,
                                                           tmp_path: Path) -> None:
    """_save_document calls pieces of python-docx's save and of zipfile's member writer that
    are not their public API: where a later version lacks them, the reports are saved the
    plain way, with the same contents (the kept deflated bytes are not used)."""
    fast = write_special_reports(demo_month, tmp_path / "fast")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(written, "_WRITER_KNOWN", False)
        plain = write_special_reports(demo_month, tmp_path / "plain")
    with pytest.MonkeyPatch.context() as patch:
        real_open = zipfile.ZipFile.open

        def without_compressor(self: zipfile.ZipFile, *args: Any, **kwargs: Any) -> Any:
            member = real_open(self, *args, **kwargs)
            if kwargs.get("mode", args[1] if len(args) > 1 else "r") == "w":
                return _NoCompressor(member)
            return member
        patch.setattr(zipfile.ZipFile, "open", without_compressor)
        other_zip = write_special_reports(demo_month, tmp_path / "other-zip")
    for mine, *others in zip(fast, plain, other_zip, strict=True):
        if mine.suffix == ".docx":
            expected = [(m[0], m[6], m[7], m[10]) for m in _members(mine)]  # name, CRC, size
            for other in others:
                assert [(m[0], m[6], m[7], m[10]) for m in _members(other)] == expected


class _NoCompressor:
    """A zipfile member writer without the attribute _save_document replaces."""

    def __init__(self, member: Any) -> None:
        self._member = member

    def write(self, data: bytes) -> int:
        return int(self._member.write(data))

    def __enter__(self) -> _NoCompressor:
        return self

    def __exit__(self, *exc: object) -> None:
        self._member.close()


def test_a_document_saved_twice_and_a_second_template(tmp_path: Path) -> None:
    """Saving again, and a template of the other language built after the first (its shared
    parts kept as well), give python-docx's files."""
    for lang in ("en", "zh", "en"):
        doc = written._new_document(lang)
        written._heading(doc, f"标题 {lang}", 1)
        written._add(doc, "“说明”", "Quote")
        for name in ("a", "b"):
            written._save_document(doc, tmp_path / f"{name}.docx")
            doc.save(str(tmp_path / f"{name}-docx.docx"))
            assert _members(tmp_path / f"{name}.docx") == _members(tmp_path / f"{name}-docx.docx")
    assert written._SAVED  # the shared parts were kept, so the kept ones were compared


def _level_6_png(canvas: picture._Canvas) -> bytes:
    """picture._Canvas.png before the fifth round: the pixel rows deflated at zlib's level 6."""
    view, stride = memoryview(canvas.pixels), canvas.width * 3
    rows = b"".join(b"\x00" + view[y * stride:(y + 1) * stride] for y in range(canvas.height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))
    header = struct.pack(">IIBBBBB", canvas.width, canvas.height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(rows, 6)) + chunk(b"IEND", b""))


@pytest.mark.parametrize("seed", range(5))
def test_the_trend_picture_decodes_to_the_level_6_pictures_pixels(seed: int) -> None:
    """The picture deflated at level 1 is, as Pillow reads it, the picture it was: the same
    size, mode and pixels."""
    rng = random.Random(seed)
    plan = list(accumulate(rng.uniform(0, 5e7) for _ in range(rng.randint(1, 12))))
    actual = [v * rng.uniform(0.5, 1.5) if i < len(plan) - 2 else None
              for i, v in enumerate(plan)]
    series = [(plan, picture.BLUE), (actual, picture.RED)]
    fast = picture.line_chart(series)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(picture._Canvas, "png", _level_6_png)
        before = picture.line_chart(series)
    assert fast != before  # the bytes differ, not the picture
    mine, theirs = Image.open(io.BytesIO(fast)), Image.open(io.BytesIO(before))
    assert (mine.size, mine.mode) == (theirs.size, theirs.mode) == ((640, 300), "RGB")
    assert mine.tobytes() == theirs.tobytes()


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_paragraphs_copied_are_those_add_paragraph_makes(lang: str) -> None:
    """Each text in each style twice (the second from the copy of the first's paragraph):
    the body is the XML of add_paragraph(text) given the style's ID, whatever the text."""
    texts = ["一般文字", " 前后空格 ", "\u3000全角空格", "tab\there", "line\nbreak", "", "x",
             "trailing ", "“引文”", "a\rb", "<&>\"'", "🙂 emoji"]
    styles = [None, "Title", "Heading 1", "Heading 3", "Quote", "List Bullet"]
    mine, theirs = written._new_document(lang), written._new_document(lang)
    for _ in range(2):
        for style in styles:
            for text in texts:
                written._add(mine, text, style)
                paragraph = theirs.add_paragraph(text)
                if style is not None:
                    paragraph.style = theirs.styles[style]
    body = [etree.tostring(d.element.body) for d in (mine, theirs)]
    assert body[0] == body[1]
    assert len(mine.paragraphs) == 2 * len(styles) * len(texts)
