"""Names and text that come from outside, made safe to write: file names and CSV fields.

Codes, project IDs and file stems come from submissions and from the register people type;
every writer that builds a file name from them, or puts them in a CSV, goes through here.

File names (`file_name`): a path separator, a control character or a character Windows
refuses (``< > : " | ? *``) becomes ``_``; a name that would start with a dot (``..``, hidden
files) or that Windows reserves (CON, PRN, AUX, NUL, COM1-9, LPT1-9, with or without an
extension) is prefixed with ``_``; trailing dots and spaces, which Windows drops, are removed;
the whole name, suffix included, is cut to 255 bytes of UTF-8 (the limit of Linux and macOS
file systems; Windows counts 255 UTF-16 units, never fewer) at a character boundary.
`unique_names` then gives names that would land on the same file (the same stem from two
folders; Windows and macOS ignore case) the suffixes ``-2``, ``-3`` … in the order given.

CSV fields (`csv_text`): a text that Excel would evaluate as a formula — its first character,
after any leading spaces, is ``= + - @``, a tab or a carriage return (or their full-width
forms ＝ ＋ － ＠) — gets a leading apostrophe, as OWASP recommends for CSV injection.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import pandas as pd

MAX_NAME_BYTES = 255
_UNSAFE = re.compile(r'[\x00-\x1f\x7f/\\<>:"|?*]')
_RESERVED = {"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$",
             *(f"{p}{n}" for p in ("COM", "LPT") for n in (*"123456789", "¹", "²", "³"))}
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")


def file_name(stem: str, suffix: str = "", limit: int = MAX_NAME_BYTES) -> str:
    """`stem` + `suffix` as one safe file name of at most `limit` bytes (`suffix` is ours,
    e.g. "-feedback.xlsx", and kept whole)."""
    name = _UNSAFE.sub("_", stem).rstrip(" .") or "_"
    if name.startswith(".") or name.split(".", 1)[0].rstrip(" ").upper() in _RESERVED:
        name = "_" + name
    room = limit - len(suffix.encode("utf-8"))
    if room < 1:
        raise ValueError(f"the suffix {suffix!r} leaves no room for a name")
    encoded = name.encode("utf-8")
    if len(encoded) > room:
        # Cut at a character boundary: drop the bytes of a character cut in half.
        name = encoded[:room].decode("utf-8", errors="ignore").rstrip(" .") or "_"
    return name + suffix


def unique_names(stems: Iterable[str], suffix: str = "",
                 limit: int = MAX_NAME_BYTES) -> list[str]:
    """A safe, distinct file name for each stem, in order: a name already given (ignoring
    case, as Windows and macOS do) gets -2, -3 … before its suffix."""
    taken: set[str] = set()
    names = []
    for stem in stems:
        name = file_name(stem, suffix, limit)
        n = 1
        while name.casefold() in taken:
            n += 1
            tail = f"-{n}{suffix}"
            name = file_name(stem, tail, limit)
        taken.add(name.casefold())
        names.append(name)
    return names


def csv_text(value: object) -> object:
    """A value for a CSV field: text Excel would evaluate gets a leading apostrophe; every
    other value (numbers, dates, blanks) is returned as it is."""
    if isinstance(value, str) and value.lstrip(" ").startswith(_FORMULA_START):
        return "'" + value
    return value


def csv_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """`frame` with every text field neutralised by `csv_text` (a copy; numbers untouched).

    Only a column with a text to neutralise is replaced: the others are written as they are,
    the same fields (replacing every text column cost more than finding the few to change)."""
    safe = frame.copy()
    for column in safe.columns:
        values = safe[column]
        if (values.dtype == object or pd.api.types.is_string_dtype(values)) and any(
                csv_text(v) is not v for v in values.to_numpy(dtype=object)):
            safe[column] = values.map(csv_text)
    return safe
