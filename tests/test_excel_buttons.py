"""The Control sheet's buttons and the ribbon as a person sees them: every caption fits on its
button in Excel's default font, and every ribbon icon is one Excel has."""

from __future__ import annotations

import re
import sys
import zipfile
from pathlib import Path

import pytest
from defusedxml import ElementTree

from xltrack.excel.build import BUTTONS, macros_folder

ROOT = Path(__file__).resolve().parents[1]
COMMITTED = ROOT / "workbooks" / "xltrack.xlsm"
# The VML text box's default inset: 0.1 inch left and right.
INSET_PT = 7.2
# Excel's default font is Calibri; Carlito has the same metrics. Chinese characters come from
# the system's CJK font (Microsoft YaHei, DengXian, PingFang, Noto Sans CJK): all full width.
LATIN = ["/usr/share/fonts/truetype/crosextra/Carlito-Regular.ttf",
         "C:/Windows/Fonts/calibri.ttf", "/Library/Fonts/Microsoft/Calibri.ttf"]
CJK = ["/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
       "C:/Windows/Fonts/msyh.ttc", "/System/Library/Fonts/PingFang.ttc"]


def _font(candidates: list[str], size: float) -> object:
    from PIL import ImageFont

    for path in candidates:
        if Path(path).exists():
            return ImageFont.truetype(path, round(size * 100))
    if not sys.platform.startswith("linux"):
        pytest.skip("no Calibri-metric or CJK font here; the Linux job measures the captions")
    raise AssertionError(f"no font among {candidates}: make office installs "
                         "fonts-crosextra-carlito and fonts-noto-cjk")


def width_pt(text: str, size: float) -> float:
    """The text's advance width in points, as Excel lays it out on one line."""
    latin, cjk = _font(LATIN, size), _font(CJK, size)
    return sum((cjk if ord(ch) >= 0x2E80 else latin).getlength(ch)  # type: ignore[attr-defined]
               for ch in text) / 100


def _buttons(path: Path) -> list[tuple[str, float, float, float]]:
    """(caption, button width pt, height pt, font size pt) of each form button."""
    with zipfile.ZipFile(path) as archive:
        vml = archive.read("xl/drawings/vmlDrawing1.vml").decode("utf-8")
    found = []
    for shape in re.findall(r"<v:shape .*?</v:shape>", vml, re.S):
        style = dict(re.findall(r"([\w-]+):([^;\"]+)", re.search(r'style="([^"]*)"',
                                                                 shape).group(1)))  # type: ignore[union-attr]
        font = re.search(r'<font face="([^"]+)" size="(\d+)"[^>]*>([^<]*)</font>', shape)
        assert font is not None, shape
        found.append((font.group(3), float(style["width"].removesuffix("pt")),
                      float(style["height"].removesuffix("pt")), int(font.group(2)) / 20))
    return found


def test_every_caption_fits_on_one_line_of_its_button() -> None:
    buttons = _buttons(COMMITTED)
    assert [b[0] for b in buttons] == [caption for _, caption in BUTTONS]
    for caption, width, height, size in buttons:
        assert size == 11 and height >= size * 1.3, caption  # one line, not clipped
        assert width_pt(caption, size) <= width - 2 * INSET_PT, \
            f"{caption!r} is {width_pt(caption, size):.1f} pt, wider than its button"


def test_the_measure_tells_a_caption_too_wide() -> None:
    """The caption that did not fit before (the measure would let nothing through if wrong)."""
    assert width_pt("重点工作跟进 Key-work follow-ups", 11) > 165 - 2 * INSET_PT
    assert width_pt("重点", 11) == pytest.approx(22, abs=0.5)  # CJK: one em each


def test_every_ribbon_icon_is_one_excel_has() -> None:
    folder = macros_folder()
    known = {line.strip() for line in (folder / "imagemso.txt").read_text("utf-8").splitlines()
             if line.strip() and not line.startswith("#")}
    ui = ElementTree.fromstring((folder / "ribbon.xml").read_bytes())
    used = [e.get("imageMso") for e in ui.iter() if e.get("imageMso")]
    assert used and set(used) <= known, sorted(set(used) - known)
    with zipfile.ZipFile(COMMITTED) as archive:  # and the workbook carries this ribbon
        assert archive.read("customUI/customUI14.xml") == (folder / "ribbon.xml").read_bytes()


def test_the_docs_list_the_buttons_as_they_are() -> None:
    doc = (ROOT / "docs" / "excel.md").read_text(encoding="utf-8")
    table = doc[doc.index("| button | what it does |"):]
    rows = re.findall(r"^\| ([^|]+?) \|", table.split("\n\n")[0], re.M)[1:]  # past the header
    assert rows == [caption for _, caption in BUTTONS]
