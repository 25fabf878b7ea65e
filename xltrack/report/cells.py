"""Writing cells safely: text from submissions is always text, never a formula."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from openpyxl.cell.cell import Cell


def put_text(cell: Cell, text: object) -> None:
    """Write `text` as a text cell even when it starts with = + - or @."""
    cell.value = "" if text is None else str(text)
    cell.data_type = "s"


def write_atomically(path: Path, save: Callable[[Path], None]) -> None:
    """Save through a temporary file in the same folder, then move it into place.

    A crash or a full disk leaves the previous file untouched and no half-written one.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(prefix=".~xltrack-", suffix=path.suffix, dir=path.parent)
    os.close(handle)
    try:
        save(Path(temp))
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
