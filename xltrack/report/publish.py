"""Publishing the monitoring report: build, carry comments over, place safely."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..language import zone as local_zone
from ..monthly import MonthResult
from .carried import left_out, read_columns, read_sheets
from .monitoring import (
    COMMENT_HEADER,
    KEY_HEADER,
    ORPHANS_SHEET,
    SHEETS,
    SUMMARY_SHEET,
    write_report,
)
from .placement import Placed, place
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
    previous = read_columns(target, SUMMARY_SHEET, KEY_HEADER, ours, theirs_from=COMMENT_HEADER)
    previous_orphans = read_columns(target, ORPHANS_SHEET, KEY_HEADER, ())
    keys = {str(k) for k in data.summary.get(KEY_HEADER, [])}
    headers = list(dict.fromkeys([COMMENT_HEADER, *previous, *previous_orphans]))
    everything = {h: {**previous_orphans.get(h, {}), **previous.get(h, {})} for h in headers}
    typed = {h: {k: v for k, v in values.items() if k in keys}
             for h, values in everything.items()}
    orphans = {h: values for h, values in (
        (h, {k: v for k, v in values.items() if k not in keys}) for h, values in
        everything.items()) if values}
    added = read_sheets(target, SHEETS)
    placed = place(target, lambda temp: write_report(temp, data, typed, orphans, added),
                   left=lambda: left_out(added))
    return Published(placed, len(typed[COMMENT_HEADER]),
                     len({k for values in orphans.values() for k in values}))
