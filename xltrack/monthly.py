"""The monthly run: intake → validate → store → consolidate, the one function every door calls.

Variances and the summary report are added to this run by their own modules as they land.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import pandas as pd

from . import store
from .consolidate import Consolidation, consolidate
from .inbox import CheckResult, check_files
from .models import check_period
from .report.cells import write_atomically
from .settings import Register
from .status import status_board
from .workers import Isolation


@dataclass
class MonthResult:
    period: str
    checked: CheckResult
    consolidation: Consolidation
    status: pd.DataFrame
    restatements: pd.DataFrame
    db: Path


def run_month(inbox: Path, register: Register, period: str, db: Path,
              feedback_dir: Path | None = None, isolation: Isolation | None = None,
              progress: Callable[[Path], None] | None = None) -> MonthResult:
    """Check every file in `inbox`, store it (accepted or rejected), and consolidate."""
    check_period(period)
    checked = check_files([inbox], register, period, feedback_dir, isolation, progress)
    with store.open_store(db) as conn:
        for sub in checked.submissions:
            store.import_submission(conn, sub)
        return MonthResult(period, checked, consolidate_period(conn, register, period),
                           status_board(store.submissions(conn), register, period),
                           store.restatements(conn), db)


def write_outputs(result: MonthResult, out_dir: Path) -> list[Path]:
    """The consolidated figures, milestones and status board as CSV (UTF-8 with BOM, so Excel
    shows the Chinese names)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    frames = {"figures": result.consolidation.figures,
              "milestones": result.consolidation.milestones, "status": result.status}
    written = []
    for name, frame in frames.items():
        path = out_dir / f"{name}-{result.period}.csv"
        write_atomically(path, partial(_csv, frame))
        written.append(path)
    return written


def _csv(frame: pd.DataFrame, path: Path) -> None:
    frame.to_csv(path, index=False, encoding="utf-8-sig")


def consolidate_period(conn: sqlite3.Connection, register: Register,
                       period: str) -> Consolidation:
    """Consolidate what the store holds for `period` (no files are read)."""
    return consolidate(store.facts_in_force(conn, period), register, period,
                       store.records_in_force(conn, period, "Plan"),
                       store.records_in_force(conn, period, "Progress"))
