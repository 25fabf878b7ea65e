"""The faster ways of the written reports give what the slower ones gave: the trend picture's
pixels (the canvas that drew every point of a line as its own dot, kept here as the
reference) and the documents built on a copy of the styled template (against a fresh
python-docx Document each time)."""

from __future__ import annotations

import zipfile
import zlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from xltrack.monthly import MonthResult, write_special_reports
from xltrack.report import picture, written
from xltrack.report.picture import BLUE, GREEN, HEIGHT, RED, WIDTH, Colour, line_chart


class _DotByDot:
    """The canvas as it was before issue 22: a Python call per pixel (the reference)."""

    def __init__(self, width: int, height: int) -> None:
        self.width, self.height = width, height
        self.pixels = bytearray(b"\xff" * (width * height * 3))

    def dot(self, x: int, y: int, colour: Colour, size: int = 1) -> None:
        for dx in range(-(size // 2), size - size // 2):
            for dy in range(-(size // 2), size - size // 2):
                px, py = x + dx, y + dy
                if 0 <= px < self.width and 0 <= py < self.height:
                    at = (py * self.width + px) * 3
                    self.pixels[at:at + 3] = bytes(colour)

    def line(self, a: tuple[int, int], b: tuple[int, int], colour: Colour, size: int = 1) -> None:
        steps = max(abs(b[0] - a[0]), abs(b[1] - a[1]), 1)
        for i in range(steps + 1):
            self.dot(round(a[0] + (b[0] - a[0]) * i / steps),
                     round(a[1] + (b[1] - a[1]) * i / steps), colour, size)

    def png(self) -> bytes:
        return _PNG(self)  # type: ignore[arg-type]


_PNG = picture._Canvas.png


def _pixels(png: bytes) -> bytes:
    return zlib.decompress(png[png.index(b"IDAT") + 4:png.index(b"IEND") - 8])


def _reference(series: Sequence[tuple[Sequence[float | None], Colour]],
               monkeypatch: pytest.MonkeyPatch) -> bytes:
    with monkeypatch.context() as patch:
        patch.setattr(picture, "_Canvas", _DotByDot)
        return line_chart(series)


_values = st.lists(st.one_of(st.none(), st.floats(-5e9, 5e9, allow_nan=False)),
                   min_size=0, max_size=13)


@settings(max_examples=25, deadline=None)  # the reference takes about 0.3 s a chart
@given(plan=_values, actual=_values, third=_values)
@example(plan=[i * 4.1e6 for i in range(1, 11)], actual=[i * 4.6e6 - 3e5 for i in range(1, 11)],
         third=[]).via("a report's trend: ten months, cumulative")
def test_the_chart_has_the_pixels_of_the_dot_by_dot_canvas(
        plan: list[float | None], actual: list[float | None], third: list[float | None]) -> None:
    assume(any(v is not None for v in [*plan, *actual, *third]))  # the caller's: a figure
    series = [(plan, BLUE), (actual, RED), (third, GREEN)]
    with pytest.MonkeyPatch.context() as patch:
        expected = _reference(series, patch)
    drawn = line_chart(series)
    assert drawn[:33] == expected[:33]  # the signature and the header: size, depth, colour
    assert _pixels(drawn) == _pixels(expected)  # zlib's level may differ, not the pixels


_point = st.tuples(st.integers(-20, WIDTH + 20), st.integers(-20, HEIGHT + 20))


@settings(max_examples=200, deadline=None)
@given(a=_point, b=_point, size=st.integers(1, 8), dot=_point)
def test_lines_and_dots_even_off_the_canvas_match_the_reference(
        a: tuple[int, int], b: tuple[int, int], size: int, dot: tuple[int, int]) -> None:
    fast, slow = picture._Canvas(WIDTH, HEIGHT), _DotByDot(WIDTH, HEIGHT)
    for canvas in (fast, slow):
        canvas.line(a, b, RED, size)
        canvas.line((a[0], b[1]), (b[0], b[1]), BLUE, size)  # level
        canvas.line((a[0], a[1]), (a[0], b[1]), GREEN, size)  # upright
        canvas.dot(*dot, BLUE, size)
    assert fast.pixels == slow.pixels


def _parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as package:
        return {name: package.read(name) for name in package.namelist()}


def _fresh_add(doc: Any, text: str, style: str | None = None) -> Any:
    return doc.add_paragraph(text, style)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_documents_on_the_copied_template_are_those_of_a_fresh_document(
        demo_month: MonthResult, tmp_path: Path, lang: str) -> None:
    """Every part of every written report and of the overview, byte for byte, built on copies
    of the one styled template with the style IDs looked up once, against python-docx's
    Document() and add_paragraph(text, style) for each (the way before issue 22)."""
    fast = write_special_reports(demo_month, tmp_path / "fast", lang)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(written, "_new_document", written._fresh_document)
        patch.setattr(written, "_add", _fresh_add)
        fresh = write_special_reports(demo_month, tmp_path / "fresh", lang)
    documents = [p for p in fast if p.suffix == ".docx"]
    assert len(documents) >= 3  # the demo month's majors and the overview
    assert [p.name for p in fast] == [p.name for p in fresh]
    for mine, theirs in zip(fast, fresh, strict=True):
        if mine.suffix == ".docx":
            assert _parts(mine) == _parts(theirs), mine.name
