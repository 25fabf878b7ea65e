"""Writing cells safely: text from submissions is always text, never a formula."""

from __future__ import annotations

from openpyxl.cell.cell import Cell


def put_text(cell: Cell, text: object) -> None:
    """Write `text` as a text cell even when it starts with = + - or @."""
    cell.value = "" if text is None else str(text)
    cell.data_type = "s"
