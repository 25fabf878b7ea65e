"""How a file arrived, as evidence that survives copying: the day that counts as received, the
month folder it lies in, and what its name says when its cover cannot be read.

A copy (`cp -r`, an unzipped e-mail, a download) resets a file's modification time, so that
time is kept as a hint for people and decides nothing. What decides is written in the file
(the cover's 填表日期, its revision) or recorded by xltrack (when it first received the bytes).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from pathlib import Path

from . import contract as c

_MONTH_FOLDER = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
_MONTH_IN_NAME = re.compile(r"(?<!\d)(\d{4})-?(0[1-9]|1[0-2])(?!\d)")


def now() -> str:
    """The moment of an import, in UTC to the microsecond: every file of one run shares it,
    so that files which arrived together are known to have arrived together."""
    return dt.datetime.now(dt.UTC).isoformat(timespec="microseconds")


def received_day(prepared_on: object, first_seen: str) -> str:
    """The day a file counts as received: the cover's preparation date, unless that is after
    the day xltrack first received the bytes (a date not yet come is a typing slip) or missing;
    then that day. ISO date text."""
    seen = dt.datetime.fromisoformat(first_seen).astimezone().date()
    if isinstance(prepared_on, dt.datetime):
        prepared_on = prepared_on.date()
    if isinstance(prepared_on, dt.date) and prepared_on <= seen:
        return prepared_on.isoformat()
    return seen.isoformat()


def file_time(path: Path) -> str | None:
    """The file's modification time (a hint only), in UTC; None if it cannot be read."""
    try:
        stamp = path.stat().st_mtime
    except OSError:
        return None
    return dt.datetime.fromtimestamp(stamp, dt.UTC).isoformat(timespec="seconds")


def folder_period(path: Path | str) -> str | None:
    """The month of the nearest enclosing folder named YYYY-MM (inbox/2026-10/…), if any."""
    for parent in Path(path).parents:
        if _MONTH_FOLDER.match(parent.name):
            return parent.name
    return None


def name_evidence(file: str, codes: Iterable[str]) -> tuple[str | None, str | None,
                                                             str | None]:
    """(subsidiary, period, kind) that a file's name shows, for a file whose cover could not
    be read (sent as .xls, say): a registered code at the start of the name (as typed, any
    case), a YYYY-MM or YYYYMM in it, a kind's word in it."""
    stem = Path(file).stem.strip()
    upper = stem.upper()
    subsidiary = next((code for code in sorted(codes, key=len, reverse=True)
                       if code and upper.startswith(code.upper()) and
                       not upper[len(code):len(code) + 1].isalnum()), None)
    month = _MONTH_IN_NAME.search(stem)
    period = f"{month.group(1)}-{month.group(2)}" if month else None
    lower = stem.lower()
    kind = next((k.value for k in c.Kind if k.value in lower), None)
    return subsidiary, period, kind
