"""A1 references: column letters and numbers, cells and ranges, as Excel writes them.

The reading path needs only these few conversions; taking them from openpyxl imported the
whole of openpyxl (its workbook, reader and writer, about 0.5 s) into every command and every
reader process. Results and refusals are openpyxl's (tests/test_a1.py compares them): a
malformed reference raises ValueError.
"""

from __future__ import annotations

import re

MAX_COLUMN = 18_278  # ZZZ: three letters, as far as an A1 reference reaches
_CELL = re.compile(r"\$?([A-Za-z]{1,3})\$?(\d+)")
_RANGE = re.compile(r"\$?([A-Za-z]{1,3})?\$?(\d+)?(?::\$?([A-Za-z]{1,3})?\$?(\d+)?)?")


def column_letter(index: int) -> str:
    """1 → A, 27 → AA, 18278 → ZZZ."""
    if not 1 <= index <= MAX_COLUMN:
        raise ValueError(f"column {index} is outside A to ZZZ")
    letters = ""
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def column_index(letters: str) -> int:
    """A → 1, AA → 27 (either case); refuses anything but one to three letters."""
    if not 1 <= len(letters) <= 3 or not letters.isascii() or not letters.isalpha():
        raise ValueError(f"{letters!r} is not a column")
    index = 0
    for ch in letters.upper():
        index = index * 26 + ord(ch) - 64
    return index


def split_cell(cell: str) -> tuple[str, int]:
    """'$B$3' → ('B', 3)."""
    m = _CELL.fullmatch(cell)
    if not m or int(m.group(2)) == 0:
        raise ValueError(f"{cell!r} is not a cell reference")
    return m.group(1), int(m.group(2))


def range_bounds(ref: str) -> tuple[int | None, int | None, int | None, int | None]:
    """'A1:C9' → (1, 1, 3, 9) as (min_col, min_row, max_col, max_row); a whole column ('A:C')
    or row ('1:9') leaves the other pair None; one cell is a range of one."""
    m = _RANGE.fullmatch(ref)
    if not m:
        raise ValueError(f"{ref!r} is not a cell range")
    first_col, first_row, last_col, last_row = m.groups()
    if ":" not in ref:
        last_col, last_row = first_col, first_row
    cols, rows = (first_col, last_col), (first_row, last_row)
    whole = all(cols) and all(rows)
    if ":" in ref and not (whole or (all(cols) and not any(rows))
                           or (all(rows) and not any(cols))):
        raise ValueError(f"{ref!r} is not a cell range")
    return (column_index(first_col) if first_col else None,
            int(first_row) if first_row else None,
            column_index(last_col) if last_col else None,
            int(last_row) if last_row else None)
