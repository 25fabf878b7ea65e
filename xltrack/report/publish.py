"""Publishing the monitoring report: build, carry comments over, place safely."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import Said
from ..language import zone as local_zone
from ..monthly import MonthResult
from .carried import Sheet, Value, differs, joined, left_out, read_columns, read_sheets
from .monitoring import (
    COMMENT_HEADER,
    KEY_HEADER,
    ORPHANS_SHEET,
    SHEETS,
    SUMMARY_SHEET,
    write_report,
)
from .placement import Placed, place, redirected_copies, retire
from .report_data import build_report_data

if TYPE_CHECKING:  # the key-work modules (openpyxl, their models) load when a table is given
    from ..action_table import KeyWork
    from ..actions import ActionItem


@dataclass
class Published:
    placed: Placed
    comments_kept: int
    orphaned: int


def publish_report(result: MonthResult, target: Path, run_time: dt.datetime | None = None,
                   actions: list[ActionItem] | KeyWork | None = None, lang: str = "zh",
                   zone: dt.tzinfo | None = None) -> Published:
    """Write the month's report to `target`, keeping what people typed into the last one.

    The Summary's Comments, and any column people added to it, are carried over by project
    key; a project no longer in the summary takes its values to the orphaned-comments sheet
    (where they stay until it returns). Sheets people added are written again after
    xltrack's (report/carried.py), and what of them is not carried is said.
    """
    data = build_report_data(result, run_time or dt.datetime.now(dt.UTC), actions, lang,
                             zone or local_zone(None))
    # With no major project this month the new Summary names no columns of xltrack's: only
    # Comments and those right of it are then known to be people's.
    ours = list(data.summary.columns) if len(data.summary.columns) else None
    # The report itself, then the copies written beside it while it was open in Excel
    # (their names say when): people may have typed into either.
    sources = [target, *(copies := redirected_copies(target))]
    notes: list[Said] = []
    everything: dict[str, dict[str, Value]] = {COMMENT_HEADER: {}}
    added: list[Sheet] = []
    for source in sources:
        found = read_columns(source, ORPHANS_SHEET, KEY_HEADER, ())
        for header, values in read_columns(source, SUMMARY_SHEET, KEY_HEADER, ours,
                                           theirs_from=COMMENT_HEADER).items():
            found[header] = {**found.get(header, {}), **values}
        for header, values in found.items():
            kept = everything.setdefault(header, {})
            for key, value in values.items():
                if key in kept and kept[key] != value:
                    kept[key] = joined(kept[key], value)
                    notes.append(differs(f"{key} {header}", target, source))
                else:
                    kept.setdefault(key, value)
        have = {sheet.name for sheet in added}
        added += [sheet for sheet in read_sheets(source, SHEETS) if sheet.name not in have]
    everything = _distinct(everything, [*data.summary.columns, KEY_HEADER])
    keys = {str(k) for k in data.summary.get(KEY_HEADER, [])}
    typed = {h: {k: v for k, v in values.items() if k in keys}
             for h, values in everything.items()}
    orphans = {h: values for h, values in (
        (h, {k: v for k, v in values.items() if k not in keys}) for h, values in
        everything.items()) if values}
    placed = place(target, lambda temp: write_report(temp, data, typed, orphans, added),
                   left=lambda: left_out(added))
    placed.notes[:0] = notes
    if not placed.redirected:  # all they held is in the report now: out of the way
        placed.notes += [retire(copy, target) for copy in copies]
    return Published(placed, len(typed[COMMENT_HEADER]),
                     len({k for values in orphans.values() for k in values}))


def _distinct(columns: dict[str, dict[str, Value]], ours: list[str]
              ) -> dict[str, dict[str, Value]]:
    """The typed columns under headers an Excel table takes: none the same as another's or
    one of xltrack's but for case (`备注 comments` beside `备注 Comments`); such a one is
    numbered (`备注 comments 2`), as Excel numbers a second column of one name."""
    taken = {h.lower() for h in ours if h != COMMENT_HEADER}
    out: dict[str, dict[str, Value]] = {}
    for header, values in columns.items():
        name, n = header, 1
        while name.lower() in taken:
            n += 1
            name = f"{header} {n}"
        taken.add(name.lower())
        out[name] = values
    return out
