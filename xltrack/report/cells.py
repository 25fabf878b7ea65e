"""Writing cells safely: text from submissions is always text, never a formula."""

from __future__ import annotations

import unicodedata
from collections.abc import Hashable, Iterable, Sequence
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import xlsxwriter
from pandas.api.extensions import ExtensionDtype
from xlsxwriter.worksheet import Worksheet

try:  # how to_dict boxes values: pandas' own function, which is not its public API
    from pandas.core.dtypes.cast import maybe_box_native  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - a later pandas: to_dict itself, below
    maybe_box_native = None

if TYPE_CHECKING:  # openpyxl loads where its cells are written (feedback, key work)
    from openpyxl.cell.cell import Cell


def put_text(cell: Cell, text: object) -> None:
    """Write `text` as a text cell even when it starts with = + - or @."""
    cell.value = "" if text is None else str(text)
    cell.data_type = "s"


def records(frame: pd.DataFrame) -> list[dict[Hashable, Any]]:
    """frame.to_dict("records"): a dict per row, of the same Python values (a column of
    objects or of an extension type boxed to native values as to_dict boxes them), each
    column's values taken out at once rather than a row at a time: a report's small frames
    (a project's flags, its trend) in a third of the time."""
    names = frame.columns.tolist()
    if not names:
        return [{} for _ in range(len(frame))]
    if maybe_box_native is None:
        return frame.to_dict("records")
    columns = []
    for _, column in frame.items():
        values = column.tolist()
        if column.dtype == np.dtype(object) or isinstance(column.dtype, ExtensionDtype):
            values = list(map(maybe_box_native, values))
        columns.append(values)
    return [dict(zip(names, row, strict=True)) for row in zip(*columns, strict=True)]


def new_workbook(path: Path) -> xlsxwriter.Workbook:
    """An XlsxWriter workbook for a report. Text is written as text, never as a formula, a
    number or a link; the parts are built in memory rather than in a temporary file each (a
    report is small, and that halves the time to write a small one)."""
    return xlsxwriter.Workbook(str(path), {"strings_to_formulas": False,
                                           "strings_to_numbers": False,
                                           "strings_to_urls": False, "in_memory": True})


# Printing. Widths are in Excel's character units: 7 px at 96 dpi in Excel's Calibri, about
# 7.5 in LibreOffice (measured: width 24 prints 1.905 in); reckoned at 7.6, so a page said to
# fit does fit in both.
_PORTRAIT_PX, _LANDSCAPE_PX = 698, 1026  # A4 less 0.5 in margins, at 96 dpi
_SPLIT_SCALE = 90  # a 9 pt report font prints at 8.1 pt: the smallest we call legible


def _px(width: float) -> float:
    return width * 7.6 + 5 if width else 0


def text_width(text: str) -> int:
    """Characters as printed: a Chinese character is as wide as two Latin ones."""
    if text.isascii():  # no ASCII character is wide (W) or full-width (F)
        return len(text)
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def column_width(header: str, values: Iterable[object], cap: float) -> float:
    """A column as wide as its widest value (the header wraps at its spaces), within `cap`."""
    head = max((text_width(part) for part in header.split()), default=4)
    longest = max((text_width(str(v)) for v in islice(values, 200)  # not a list of all
                   if v is not None and v == v), default=0)
    return float(min(max(head, longest, 6) + 2, cap))


def set_print_pages(ws: Worksheet, widths: Sequence[float], header_row: int | None,
                    repeat_columns: int, title: str, lang: str) -> None:
    """A4, portrait when the printed columns fit, else landscape; a sheet wider than a
    legible landscape page is split into pages of whole columns, the first `repeat_columns`
    (the keys) repeated on each, so that no text is shrunk below about 8 pt."""
    ws.set_paper(9)
    ws.set_margins(left=0.5, right=0.5, top=0.75, bottom=0.75)
    total = sum(_px(w) for w in widths)
    # A fixed scale, not "fit to width": were the columns wider than reckoned (another font),
    # a fit would shrink the text; a fixed scale moves a column to the next page instead.
    if total <= _PORTRAIT_PX:
        ws.set_portrait()
    elif total <= _LANDSCAPE_PX:
        ws.set_landscape()
    else:
        ws.set_landscape()
        ws.set_print_scale(_SPLIT_SCALE)
        ws.set_v_pagebreaks(_column_breaks(widths, repeat_columns))
        if repeat_columns:
            ws.repeat_columns(0, repeat_columns - 1)
    if header_row is not None:
        ws.repeat_rows(header_row)
    pages = "第 &P 页 / 共 &N 页" if lang == "zh" else "Page &P of &N"
    ws.set_header(f"&L{title.replace('&', '&&')}&R&A")
    ws.set_footer(f"&L&F&C{pages}&Rxltrack")


def _column_breaks(widths: Sequence[float], repeat_columns: int) -> list[int]:
    room = _LANDSCAPE_PX * 100 / _SPLIT_SCALE
    repeated = sum(_px(w) for w in widths[:repeat_columns])
    breaks: list[int] = []
    used = 0.0
    for col, width in enumerate(widths):
        if used + _px(width) > (room if not breaks else room - repeated) and used:
            breaks.append(col)
            used = 0.0
        used += _px(width)
    return breaks
