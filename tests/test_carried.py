"""report/carried.py on small workbooks: what a person added reads back as they made it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from openpyxl import Workbook as OpenWorkbook
from openpyxl import load_workbook
from openpyxl.styles import Color, PatternFill
from xlsxwriter import Workbook

from xltrack.report.carried import left_out, read_columns, read_sheets, write_sheets


def _again(previous: Path, tmp_path: Path, ours: tuple[str, ...] = ("Ours",)) -> Path:
    """The report rewritten the way xltrack rewrites it: its own sheet, then the added."""
    added = read_sheets(previous, ours)
    new = tmp_path / "new.xlsx"
    wb = Workbook(str(new))
    wb.add_worksheet("Ours").write_string(0, 0, "xltrack's")
    write_sheets(wb, added)
    wb.close()
    return new


def test_a_theme_colour_and_its_tint_keep_their_look(tmp_path: Path) -> None:
    """Excel's palette's upper rows are theme colours with a tint: the new file shows the
    same colour, written as RGB (accent 1 of the file's theme, lightened 40 %)."""
    wb = OpenWorkbook()
    wb.active.title = "Ours"
    ws = wb.create_sheet("Mine")
    ws["A1"] = "tinted"
    ws["A1"].fill = PatternFill("solid", fgColor=Color(theme=4, tint=0.3999755851924192))
    wb.save(tmp_path / "old.xlsx")
    cell = load_workbook(_again(tmp_path / "old.xlsx", tmp_path))["Mine"]["A1"]
    accent = load_workbook(tmp_path / "old.xlsx").loaded_theme
    # Accent 1 lightened 40 %, as Excel shows it, in whichever default theme openpyxl wrote.
    rgb = "8FAADC" if b"4472C4" in accent else "95B3D7"
    assert b"4472C4" in accent or b"4F81BD" in accent
    assert cell.value == "tinted" and _close(cell.fill.fgColor.rgb, rgb)


def _close(argb: str, rgb: str) -> bool:
    got = [int(argb[-6:][i:i + 2], 16) for i in (0, 2, 4)]
    want = [int(rgb[i:i + 2], 16) for i in (0, 2, 4)]
    return all(abs(a - b) <= 2 for a, b in zip(got, want, strict=True))


def test_values_types_and_blank_headers_of_a_column_of_their_own(tmp_path: Path) -> None:
    wb = OpenWorkbook()
    ws = wb.active
    ws.title = "Summary"
    ws.append(["title"])
    ws.append(["Project", "Figure", "Comments", "Owner", None, "Due"])
    ws.append(["P1", 1.0, "ok", "李", "x", dt.datetime(2026, 12, 1)])
    ws.append(["P2", 2.0, 7, None, None, None])
    ws.append([None, 3.0, "no key", "z"])
    wb.save(tmp_path / "r.xlsx")
    got = read_columns(tmp_path / "r.xlsx", "Summary", "Project", ["Project", "Figure"],
                       theirs_from="Comments")
    assert got == {"Comments": {"P1": "ok", "P2": 7}, "Owner": {"P1": "李"},
                   "Due": {"P1": dt.datetime(2026, 12, 1)}}
    # No columns of xltrack's to compare with: only Comments and what is right of it.
    assert read_columns(tmp_path / "r.xlsx", "Summary", "Project", None,
                        theirs_from="Comments").keys() == {"Comments", "Owner", "Due"}
    assert read_columns(tmp_path / "missing.xlsx", "Summary", "Project", None) == {}


def test_a_cell_the_writer_refuses_is_counted_not_fatal(tmp_path: Path) -> None:
    """A link beyond Excel's 2,079 characters: XlsxWriter will not write it; the rest of
    the sheet is written and the run says how many cells stayed behind."""
    wb = OpenWorkbook()
    wb.active.title = "Ours"
    ws = wb.create_sheet("Mine")
    ws["A1"] = "link"
    ws["A1"].hyperlink = "https://example.com/" + "a" * 2100
    ws["A2"] = 5
    wb.save(tmp_path / "old.xlsx")
    added = read_sheets(tmp_path / "old.xlsx", ("Ours",))
    new = tmp_path / "new.xlsx"
    book = Workbook(str(new))
    book.add_worksheet("Ours")
    with pytest.warns(UserWarning):
        write_sheets(book, added)
    book.close()
    assert load_workbook(new)["Mine"]["A2"].value == 5
    [(sheet, zh, en)] = left_out(added)
    assert sheet == "Mine" and "1 cell(s)" in en[0] and "1 个" in zh[0]


def test_a_stray_far_cell_and_a_chart_sheet_are_no_trouble(tmp_path: Path) -> None:
    """A cell at XFD1048576 is carried as the one cell it is (not the 17 billion of the
    sheet's extent); a chart sheet is not carried (placement names it as left behind)."""
    from openpyxl.chart import BarChart

    wb = OpenWorkbook()
    wb.active.title = "Ours"
    far = wb.create_sheet("Mine")
    far["A1"], far["XFD1048576"] = "near", "far"
    wb.create_chartsheet("Chart").add_chart(BarChart())
    wb.save(tmp_path / "old.xlsx")
    [sheet] = read_sheets(tmp_path / "old.xlsx", ("Ours",))
    assert [(c.row, c.col, c.value) for c in sheet.cells] == [(0, 0, "near"),
                                                              (1048575, 16383, "far")]
    new = load_workbook(_again(tmp_path / "old.xlsx", tmp_path), read_only=True)
    assert new.sheetnames == ["Ours", "Mine"]


def test_sheets_of_every_kind_from_the_corpus_are_carried_without_a_fault(
        tmp_path: Path) -> None:
    """A sheet people add may hold anything Excel or LibreOffice writes: a tenth of the
    corpus (and every file with pivots, chart sheets or text boxes), each sheet taken as
    one to carry, written again and opened. (All 1,062 pass, in about 30 s.)"""
    from .conftest import SHARED

    books = sorted([*(SHARED / "corpus").rglob("*.xlsx"), *(SHARED / "corpus").rglob("*.xlsm")])
    chosen = [b for i, b in enumerate(books) if i % 10 == 0 or any(
        word in b.name for word in ("pivot", "chartsheet", "textbox", "any_sheets"))]
    assert len(chosen) > 100
    for book in chosen:
        added = read_sheets(book, ())
        new = tmp_path / "new.xlsx"
        wb = Workbook(str(new))
        wb.add_worksheet("Ours")
        write_sheets(wb, added)
        wb.close()
        assert load_workbook(new, read_only=True).sheetnames[1:] == [s.name for s in added]
