"""Publishing the monitoring report: build, carry comments over, place safely."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..language import zone as local_zone
from ..monthly import MonthResult
from .monitoring import COMMENT_HEADER, KEY_HEADER, ORPHANS_SHEET, SUMMARY_SHEET, write_report
from .placement import Placed, place, read_comments
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

    Comments are carried over by project key; a comment whose project is no longer in the
    summary goes to the orphaned-comments sheet (and stays there until its project returns).
    """
    data = build_report_data(result, run_time or dt.datetime.now(dt.UTC), actions, lang,
                             zone or local_zone(None))
    previous = read_comments(target, SUMMARY_SHEET, KEY_HEADER, COMMENT_HEADER)
    previous_orphans = read_comments(target, ORPHANS_SHEET, KEY_HEADER, COMMENT_HEADER)
    keys = {str(k) for k in data.summary.get(KEY_HEADER, [])}
    everything = {**previous_orphans, **previous}
    comments = {k: v for k, v in everything.items() if k in keys}
    orphans = {k: v for k, v in everything.items() if k not in keys}
    placed = place(target, lambda temp: write_report(temp, data, comments, orphans))
    return Published(placed, len(comments), len(orphans))
