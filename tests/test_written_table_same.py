"""The written report's trend table, its rows copied from one python-docx made (issue 22,
fourth round), is the table Table.add_row() and each cell's .text made row by row: every
part of every document byte for byte, for the demo month and for texts python-docx writes
otherwise (empty, a tab or a line break, spaces at an end). The old way is kept here as the
reference."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from docx.opc.parts.coreprops import CorePropertiesPart
from docx.shared import Cm

from xltrack.monthly import MonthResult, write_special_reports
from xltrack.report import written
from xltrack.report.picture import BLUE, RED, line_chart


def _trend_row_by_row(doc: Any, trend: pd.DataFrame, lang: str) -> None:
    """written._trend before the fourth round."""
    zh = lang == "zh"
    if trend.empty:
        doc.add_paragraph("本年尚无投资数据。" if zh else "No investment figures this year.")
        return
    months = list(trend.month)
    actual = trend.actual.astype(float).cumsum().tolist()
    plan = trend.plan.astype(float).cumsum().tolist()
    picture = line_chart([(plan, BLUE), (actual, RED)])
    doc.add_picture(io.BytesIO(picture), width=Cm(15))
    doc.add_paragraph(f"图：本年累计投资，蓝线为累计预算，红线为累计实际（{months[0]} 至 "
                      f"{months[-1]}，万元）" if zh else
                      f"Figure: cumulative investment this year; blue the budget, red the "
                      f"actual ({months[0]} to {months[-1]}, 10k yuan)")
    heads = (("月份", "本月实际", "本月预算", "累计实际", "累计预算") if zh
             else ("Month", "Actual", "Budget", "Cum. actual", "Cum. budget"))
    table = doc.add_table(rows=1, cols=len(heads))
    table.style = "Light Grid Accent 1"
    for cell, text in zip(table.rows[0].cells, heads, strict=True):
        cell.text = text
    wan = written.wan
    for i, month in enumerate(months):
        values = (month, wan(trend.actual.iloc[i]), wan(trend.plan.iloc[i]), wan(actual[i]),
                  wan(plan[i]))
        for cell, text in zip(table.add_row().cells, values, strict=True):
            cell.text = text


def _parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as package:  # the core properties carry the time of writing
        return {n: package.read(n) for n in package.namelist() if n != "docProps/core.xml"}


_AWKWARD = ["", " 1.00", "2.00 ", "3\t4", "5\n6", "7\r8", "9,999.00", "  "]


def _awkward_wan(yuan: float) -> str:
    return _AWKWARD[int(abs(yuan)) // 7 % len(_AWKWARD)]


@pytest.mark.parametrize("case", ["zh", "en", "awkward texts"])
def test_the_trend_table_is_the_one_made_row_by_row(demo_month: MonthResult, tmp_path: Path,
                                                    case: str) -> None:
    lang = "en" if case == "en" else "zh"
    with pytest.MonkeyPatch.context() as patch:
        if case == "awkward texts":
            patch.setattr(written, "wan", _awkward_wan)
        fast = write_special_reports(demo_month, tmp_path / "fast", lang)
        patch.setattr(written, "_trend", _trend_row_by_row)
        before = write_special_reports(demo_month, tmp_path / "before", lang)
    documents = [p for p in fast if p.name.startswith(("专项书面报告", "special-report"))]
    assert len(documents) >= 3
    assert [p.name for p in fast] == [p.name for p in before]
    for mine, theirs in zip(fast, before, strict=True):
        if mine.suffix == ".docx":
            assert _parts(mine) == _parts(theirs), mine.name
    if case == "awkward texts":  # the texts python-docx writes otherwise were written
        with zipfile.ZipFile(documents[0]) as package:
            xml = package.read("word/document.xml")
        assert b"<w:tab/>" in xml and b"<w:br/>" in xml and b'xml:space="preserve"' in xml


def test_the_parts_shared_by_every_copy_stay_the_templates(demo_month: MonthResult,
                                                           tmp_path: Path) -> None:
    """The parts no report changes are shared by the copies of the template, not copied: a
    month's reports leave them as they were, and a copy has its own body and properties."""
    template = written.prepare_documents("zh")
    shared = written._SHARED["zh"]
    before = {i: part.blob for i, part in shared.items()}
    assert len(shared) >= 8 and any(len(blob) > 300_000 for blob in before.values())
    write_special_reports(demo_month, tmp_path, "zh")
    assert {i: part.blob for i, part in shared.items()} == before
    copy = written._new_document("zh")
    mine = {id(p) for p in copy.part.package.iter_parts()}
    assert set(shared) <= mine and id(copy.part) not in {id(template.part), *shared}
    assert not any(isinstance(p, CorePropertiesPart) for p in shared.values())


def _monthly_in_filtered(status: pd.DataFrame, state: str) -> list[Any]:
    """The overview's subsidiaries of a monthly state before the fourth round."""
    monthly = status[status.kind == "monthly"]
    return [name or code for code, name in
            zip(monthly[monthly.status == state].subsidiary,
                monthly[monthly.status == state].name, strict=True)]


def test_the_overviews_subsidiaries_are_those_filtered(demo_month: MonthResult) -> None:
    status = demo_month.status
    awkward = pd.concat([status, pd.DataFrame({  # no name, no kind, another kind
        "kind": ["monthly", None, "budget", "monthly"], "status": ["late", "late", "late", None],
        "subsidiary": ["ZZ1", "ZZ2", "ZZ3", "ZZ4"], "name": [None, "n", "m", "o"]})],
        ignore_index=True)
    for board in (status, awkward, status.iloc[:0]):
        for state in ("missing", "late", "rejected", "received"):
            assert written._monthly_in(board, state) == _monthly_in_filtered(board, state)
    assert len(written._monthly_in(awkward, "late")) == len(written._monthly_in(status, "late")) + 1
