"""The monthly run: intake → validate → store → consolidate, the one function every door calls.

Variances and the summary report are added to this run by their own modules as they land.
"""

from __future__ import annotations

import datetime as dt
import json
import multiprocessing as mp
import os
import sys
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import pandas as pd

from . import store
from .backend import Connection, Location
from .consolidate import Consolidation, consolidate
from .earned_value import project_earned_value
from .inbox import CheckResult, check_files, find_files, write_feedback_of
from .locking import run_lock
from .models import Reason, check_period
from .reader import file_digest
from .report.placement import write_atomically
from .report.special import report_name, write_special_report
from .report.written import (
    keep_placement_notes,
    overview_name,
    placement_notes,
    special_docx_name,
    write_overview_docx,
    write_special_docx,
)
from .safe import csv_frame, unique_names
from .settings import Register
from .status import attribute, file_evidence, status_board
from .units import UnitCheck
from .variance import (
    RuleSet,
    default_rules,
    find_variances,
    last_twelve_months,
    monthly_series,
)
from .workers import Isolation


@dataclass
class MonthResult:
    period: str
    checked: CheckResult
    consolidation: Consolidation
    status: pd.DataFrame
    restatements: pd.DataFrame
    variances: pd.DataFrame
    earned_value: pd.DataFrame
    facts: pd.DataFrame  # every amount in force for the period (consolidate.SELECTION_COLUMNS)
    history: pd.DataFrame  # investment actual and plan per project and month, last 12 months
    submissions: pd.DataFrame  # every submission in the store, with status and findings
    progress: pd.DataFrame  # Progress rows of every month up to the period
    db: Location  # the history: a SQLite file or a PostgreSQL URL


def run_month(inbox: Path, register: Register, period: str, db: Location,
              feedback_dir: Path | None = None, isolation: Isolation | None = None,
              progress: Callable[[int, int], None] | None = None,
              rules: RuleSet | None = None,
              accept_units: Iterable[str] = ()) -> MonthResult:
    """Check every new file in `inbox`, store it (accepted or rejected), and consolidate.

    Files whose exact bytes are already in the history are not read again, but for those
    refused only for their context (a period after the run's, the wrong month folder, an
    implausible unit): they are read again and taken once they pass. `accept_units`: names
    of files whose amounts the operator accepts although they look off by a unit."""
    check_period(period)
    with run_lock(db), store.open_store(db) as conn:
        store.check_integrity(conn, db)
        known = store.known_digests(conn) - store.reconsidered_digests(conn)
        everything = find_files([inbox])
        digests = {p: file_digest(p)[0] for p in everything} if known else {}
        files = ([p for p in everything if digests[p] not in known] if known
                 else everything)  # a new history: no file to skip, none to hash for it
        planned, recent = store.unit_expectations(conn, period)
        checked = check_files(files, register, period, None, isolation, progress,
                              store.plan_milestones(conn, period),
                              UnitCheck(planned, recent, frozenset(accept_units)), pack=True)
        checked.already_stored = len(everything) - len(files)
        checked.stored_before = {p: d for p, d in digests.items() if d in known}
        # Until a file is stored its tables wait packed; stored, they live in the history.
        # The run keeps only what it reports (findings, header), so that memory does not grow
        # with the number of files.
        store.import_submissions(conn, checked.submissions, unpack=checked.unpack)
        for sub in checked.submissions:
            sub.tables.clear()
        if feedback_dir is not None:
            _feedback(conn, checked, feedback_dir, isolation)
        return month_from_store(conn, register, period, rules or default_rules(), checked, db)


def _feedback(conn: Connection, checked: CheckResult, feedback_dir: Path,
              isolation: Isolation | None) -> None:
    """Feedback written once the files are stored, so that it also says what storing found
    (an older version than the one in force, two versions that cannot be ordered); what the
    feedback copy itself adds (a copy that failed) goes into the history after."""
    for sub in checked.submissions:
        sub.findings.extend(store.findings_in_history(conn, sub))
    before = {id(sub): len(sub.findings) for sub in checked.submissions}
    write_feedback_of(checked, feedback_dir, isolation)
    store.add_findings(conn, {sub.sha256: sub.findings[before[id(sub)]:]
                              for sub in checked.submissions
                              if len(sub.findings) > before[id(sub)]})


def month_from_store(conn: Connection, register: Register, period: str,
                     rules: RuleSet, checked: CheckResult, db: Location) -> MonthResult:
    """Consolidation, status and variances of `period` from what the store holds."""
    facts = store.facts_in_force(conn, period, origins=False)  # explain reads the origins
    progress = store.records_in_force(conn, period, "Progress")  # read once, for both
    consolidation = consolidate_period(conn, register, period, facts, progress)
    submissions = store.submissions(conn)
    status = status_board(submissions, register, period)
    monthly = status[status.kind == "monthly"]
    missing = set(monthly[monthly.status.isin(["missing", "rejected"])].subsidiary)
    explanations = store.records_in_force(conn, period, "Explanations")
    if not explanations.empty:
        explanations = explanations[explanations.period == period]
    history = monthly_series(facts, last_twelve_months(period))
    variances = find_variances(consolidation, history, rules, explanations, missing)
    return MonthResult(period, checked, consolidation, status, store.restatements(conn),
                       variances, project_earned_value(consolidation), facts, history,
                       submissions, progress, db)


def run_files(result: MonthResult) -> list[dict[str, Any]]:
    """Every file of the run's inbox (read now, or skipped as already in the history), a
    row per kind it was stored as: its status, the subsidiary, period and kind its evidence
    shows, its findings and feedback workbook."""
    new = {s.sha256 for s in result.checked.submissions}
    digests = new | set(result.checked.stored_before.values())
    codes = _codes(result)
    placed = attribute(result.submissions[result.submissions.sha256.isin(digests)], codes)
    feedback = result.checked.feedback_of
    return [{"file": r["file"], "path": r["path"], "status": r["status"],
             "subsidiary": r["att_subsidiary"], "period": r["att_period"],
             "kind": r["att_kind"], "attributed_by": r["attributed_by"],
             "findings": int(r["errors"]) + int(r["warnings"]),
             "errors": int(r["errors"]), "new": r["sha256"] in new,
             "feedback": str(feedback[r["sha256"]]) if r["sha256"] in feedback else None,
             "order_evidence": r["order_evidence"],
             "versions": [f["message_en"] for f in json.loads(r["findings"])
                          if f["reason"] in _VERSION_REASONS]}
            for r in placed.to_dict("records")]


# Findings the history adds when it puts a slot's versions in order (versions.py).
_VERSION_REASONS = {Reason.OLDER_VERSION, Reason.UNORDERED_VERSIONS}


def _codes(result: MonthResult) -> set[str]:
    """The register's subsidiary codes, as the status board has them."""
    return {str(code) for code in result.status.subsidiary if code}


def prior_period_restatements(result: MonthResult) -> pd.DataFrame:
    """Restatements of months before the run's period made by files this run received: an
    earlier month corrected, said in the run's output (the report lists every one)."""
    r = result.restatements
    new = {s.file for s in result.checked.submissions}
    if r.empty:
        return r
    return r[(r.period < result.period) & r.file.isin(new)]


def write_outputs(result: MonthResult, out_dir: Path) -> list[Path]:
    """The consolidated figures, milestones, status board and every file with its evidence as
    CSV (UTF-8 with BOM, so Excel shows the Chinese names)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    frames = {"figures": result.consolidation.figures,
              "milestones": result.consolidation.milestones, "status": result.status,
              "submissions": file_evidence(result.submissions, _codes(result), result.period),
              "variances": result.variances, "earned-value": result.earned_value}
    written = []
    for name, frame in frames.items():
        path = out_dir / f"{name}-{result.period}.csv"
        write_atomically(path, partial(_csv, frame))
        written.append(path)
    return written


def _csv(frame: pd.DataFrame, path: Path) -> None:
    # Text from submissions that Excel would run as a formula gets an apostrophe (safe.py).
    csv_frame(frame).to_csv(path, index=False, encoding="utf-8-sig")


def write_special_reports(result: MonthResult, out_dir: Path, lang: str = "zh",
                          overdue: list[tuple[str, str, dt.date]] | None = None) -> list[Path]:
    """A special report for every project with a major variance (a workbook and a written
    .docx), and the month's one-page overview for leadership (always, last in the list)."""
    flags = result.variances
    majors = sorted(set(flags[flags.severity == "major"].project))
    projects = result.consolidation.projects.set_index("project", drop=False)
    out_dir.mkdir(parents=True, exist_ok=True)
    overview = write_overview_docx(out_dir / overview_name(result.period, lang), result.period,
                                   flags, result.status, overdue or [], lang)
    # A report written earlier for this period is kept and marked when its project no longer
    # has a major variance (what operations typed into it is carried over).
    # Found by each project's own report name: a safe file name cannot be read back as an ID.
    former = [p for p in sorted(projects.index) if p not in majors
              and (out_dir / report_name(p, result.period)).exists()]
    if not majors and not former:
        return [overview]
    trend = result.history[result.history.month >= f"{result.period[:4]}-01"]
    earned = result.earned_value.set_index("project", drop=False)
    written = []
    # Two IDs may make one safe name ("a/b", "a_b"): the second report gets -2.
    reported = majors + former
    names = unique_names([report_name(p, result.period).removesuffix(".xlsx") for p in reported],
                         ".xlsx")
    documents = dict(zip(majors, unique_names(
        [special_docx_name(p, result.period, lang).removesuffix(".docx") for p in majors],
        ".docx"), strict=True))
    jobs = [(out_dir / name,
             # the written report: for a current major variance only
             out_dir / documents[project] if project in documents else None,
             project not in majors,
             (projects.loc[project].to_dict(), flags[flags.project == project],
              trend[trend.project == project],
              earned.loc[project].to_dict() if project in earned.index else None))
            for project, name in zip(reported, names, strict=True)]
    for paths in _each_project(partial(_project_reports, result.period, lang), jobs):
        written.extend(paths)
    return [*written, overview]


# From this many projects on, their reports are written by one process per core: each
# project's reports are files of their own, and a large month has dozens (sixty in the
# bench's), at about 30 ms each. Only where processes fork (Linux): a spawned process would
# start Python and import the report modules anew, which costs more than a few reports.
PARALLEL_FROM = 8


# What a project's reports are made of: its register entry, its flags, its trend, its
# earned value.
_Mine = tuple[dict[str, Any], pd.DataFrame, pd.DataFrame, dict[str, Any] | None]


def _project_reports(period: str, lang: str,
                     job: tuple[Path, Path | None, bool, _Mine]) -> list[Path]:
    """One project's special report, and its written report when it has a major variance."""
    workbook, document, no_longer_major, mine = job
    written = [write_special_report(workbook, period, *mine, no_longer_major=no_longer_major)]
    if document is not None:
        written.append(write_special_docx(document, period, *mine, lang))
    return written


def _each_project(write: Callable[[Any], list[Path]],
                  jobs: list[Any]) -> Iterable[list[Path]]:
    """`write` of every job, in order: in this process, or by forked processes for many jobs.
    What one raises is raised here, and what placing a document had to say (one open in Word)
    is said here, as they would be in this process."""
    workers = min(os.cpu_count() or 1, len(jobs))
    if len(jobs) < PARALLEL_FROM or workers < 2 or not sys.platform.startswith("linux"):
        return map(write, jobs)
    with ProcessPoolExecutor(workers, mp_context=mp.get_context("fork")) as pool:
        done = list(pool.map(partial(_with_notes, write), jobs,
                             chunksize=max(1, len(jobs) // (workers * 4))))
    for _, notes in done:
        keep_placement_notes(notes)
    return [paths for paths, _ in done]


def _with_notes(write: Callable[[Any], list[Path]],
                job: Any) -> tuple[list[Path], list[str]]:
    """`write` in a forked process, with the placement notes it made (they live in each
    process's memory): the notes the run had when it forked are its own to say, not these."""
    placement_notes()
    return write(job), placement_notes()


def consolidate_period(conn: Connection, register: Register, period: str,
                       facts: pd.DataFrame | None = None,
                       progress: pd.DataFrame | None = None) -> Consolidation:
    """Consolidate what the store holds for `period` (no files are read). `facts` and
    `progress`: what the store holds for it, when the caller has read them already."""
    if facts is None:
        facts = store.facts_in_force(conn, period)
    if progress is None:
        progress = store.records_in_force(conn, period, "Progress")
    return consolidate(facts, register, period,
                       store.records_in_force(conn, period, "Plan"), progress)
