"""The monthly run: intake → validate → store → consolidate, the one function every door calls.

Variances and the summary report are added to this run by their own modules as they land.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import pickle
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar, cast

import pandas as pd

from . import store
from .backend import Connection, Location
from .consolidate import Consolidation, consolidate
from .earned_value import project_earned_value
from .inbox import CheckResult, check_files, find_files, write_feedback_of
from .locking import run_lock
from .models import Finding, Reason, check_period
from .reader import file_digest
from .report.placement import write_atomically
from .report.special import report_name, write_special_report
from .report.written import (
    keep_placement_notes,
    overview_name,
    placement_notes,
    prepare_documents,
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

if TYPE_CHECKING:
    from .action_table import KeyWork
    from .report.publish import Published

_T = TypeVar("_T")


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
        rules = rules or default_rules()
        if feedback_dir is None:
            return month_from_store(conn, register, period, rules, checked, db)
        finish = _feedback(conn, checked, feedback_dir, isolation)
        try:
            result = month_from_store(conn, register, period, rules, checked, db)
        finally:
            added = finish()
        # A feedback copy that failed is its file's finding, which the month reports: the
        # month again with it (seldom: the copy of a file the reader read failed).
        return month_from_store(conn, register, period, rules, checked, db) if added else result


def _feedback(conn: Connection, checked: CheckResult, feedback_dir: Path,
              isolation: Isolation | None) -> Callable[[], bool]:
    """Start writing the feedback; the function returned waits for it, puts what the feedback
    copies added (a copy that failed) into the history and says whether they added anything.

    Feedback is written once the files are stored, so that it also says what storing found
    (an older version than the one in force, two versions that cannot be ordered). Where
    processes fork, it is written by a forked process beside the month's consolidation (its
    workers are that process's); a month whose run is large writes it here first, so that
    the fork does not double the run's memory."""
    subs = checked.submissions
    for sub in subs:
        sub.findings.extend(store.findings_in_history(conn, sub))
    before = [len(sub.findings) for sub in subs]

    def write() -> tuple[list[Path], dict[str, Path], list[list[Finding]]]:
        write_feedback_of(checked, feedback_dir, isolation)
        return (checked.feedback, checked.feedback_of,
                [sub.findings[n:] for sub, n in zip(subs, before, strict=True)])

    def keep(added: list[list[Finding]]) -> bool:
        found = {sub.sha256: notes for sub, notes in zip(subs, added, strict=True) if notes}
        store.add_findings(conn, found)
        return bool(found)

    beside = (any(sub.findings for sub in subs) and (os.cpu_count() or 1) > 1
              and sys.platform.startswith("linux") and _resident_bytes() < BESIDE_BELOW_BYTES)
    if not beside:
        keep(write()[2])
        return lambda: False  # in the history before the month is consolidated
    wait = _forked(write)

    def finish() -> bool:
        # While the forked writer writes, this process loads what it uses (openpyxl), so
        # that a process that runs another month (the UDF server's) forks writers that have
        # it: the forked writer's own loading was most of a warm month's wait for it.
        from .report import feedback  # noqa: F401

        ok, value = wait()
        if not ok:
            raise value
        checked.feedback, checked.feedback_of, added = value
        for sub, notes in zip(subs, added, strict=True):
            sub.findings.extend(notes)
        return keep(added)
    return finish


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
    rows = [{"file": r["file"], "path": r["path"], "status": r["status"],
             "subsidiary": r["att_subsidiary"], "period": r["att_period"],
             "kind": r["att_kind"], "attributed_by": r["attributed_by"],
             "findings": int(r["errors"]) + int(r["warnings"]),
             "errors": int(r["errors"]), "new": r["sha256"] in new,
             "feedback": str(feedback[r["sha256"]]) if r["sha256"] in feedback else None,
             "order_evidence": r["order_evidence"],
             "versions": [f["message_en"] for f in json.loads(r["findings"])
                          if f["reason"] in _VERSION_REASONS], "same_as": None}
            for r in placed.to_dict("records")]
    # A file whose bytes are stored under another name (sent twice, copied, renamed): listed
    # too, as what it is the same as, so that every file of the inbox has its line.
    by_digest: dict[str, list[dict[str, Any]]] = {}
    for row, digest in zip(rows, placed.sha256, strict=True):
        by_digest.setdefault(digest, []).append(row)
    inbox = [(sub.path, sub.sha256) for sub in result.checked.submissions]
    inbox += sorted(result.checked.stored_before.items())
    for path, digest in inbox:
        stored = by_digest.get(digest, [])
        # (By path: a copy of the same name in another folder, the wrong month's, is a file
        # of the inbox too.)
        if stored and all(row["path"] != str(path) for row in stored):
            rows += [{**row, "file": path.name, "path": str(path), "feedback": None,
                      "same_as": row["file"], "same_as_path": row["path"]}
                     for row in stored if row["same_as"] is None]
    return rows


# Findings the history adds when it puts a slot's versions in order (versions.py).
_VERSION_REASONS = {Reason.OLDER_VERSION, Reason.UNORDERED_VERSIONS}


def _codes(result: MonthResult) -> set[str]:
    """The register's subsidiary codes, as the status board has them."""
    return {str(code) for code in result.status.subsidiary if code}


def prior_period_restatements(result: MonthResult) -> pd.DataFrame:
    """Restatements of months before the run's period made by files this run received and
    now in force: an earlier month corrected, said in the run's output (the report lists every
    one). A file that arrives older than the version in force is put in the chain of versions
    (and restates its neighbour there) but corrects no figure: its finding says so."""
    r = result.restatements
    new = {s.file for s in result.checked.submissions}
    if r.empty:
        return r
    subs = result.submissions
    in_force = set(subs.loc[subs.status == "accepted", "id"])
    return r[(r.period < result.period) & r.file.isin(new) & r.submission_id.isin(in_force)]


def write_outputs(result: MonthResult, out_dir: Path) -> list[Path]:
    """The consolidated figures, milestones, status board and every file with its evidence as
    CSV (UTF-8 with BOM, so Excel shows the Chinese names)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    frames = {"figures": result.consolidation.figures,
              "milestones": result.consolidation.milestones,
              # A missing file has no revision: the others' stay whole numbers (1, not 1.0).
              "status": result.status.astype({"revision": "Int64"}),
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
    overview = partial(write_overview_docx, out_dir / overview_name(result.period, lang),
                       result.period, flags, result.status, overdue or [], lang)
    # A report written earlier for this period is kept and marked when its project no longer
    # has a major variance (what operations typed into it is carried over).
    # Found by each project's own report name: a safe file name cannot be read back as an ID.
    former = [p for p in sorted(projects.index) if p not in majors
              and (out_dir / report_name(p, result.period)).exists()]
    if not majors and not former:
        return [overview()]
    trend = result.history[result.history.month >= f"{result.period[:4]}-01"]
    # Two IDs may make one safe name ("a/b", "a_b"): the second report gets -2.
    reported = majors + former
    names = unique_names([report_name(p, result.period).removesuffix(".xlsx") for p in reported],
                         ".xlsx")
    # The written report: drafted for a current major variance; one written before for a
    # project no longer major is rewritten too (a red line, its assessment kept), never left
    # saying a variance is major that no longer is.
    documents = {project: name for project, name in zip(reported, unique_names(
        [special_docx_name(p, result.period, lang).removesuffix(".docx") for p in reported],
        ".docx"), strict=True) if project in majors or (out_dir / name).exists()}
    jobs = [(out_dir / name,
             out_dir / documents[project] if project in documents else None,
             project not in majors, mine)
            for project, name, mine in zip(reported, names,
                                           _each_project(result, trend, reported), strict=True)]
    prepare_documents(lang)  # once, before any writer forks
    # The overview first, as written one by one: its notes come before the projects'.
    tasks: list[Callable[[], list[Path]]] = [
        lambda: [overview()], *(partial(_project_reports, result.period, lang, job)
                                for job in jobs)]
    done = each_task(tasks)
    return [path for paths in done[1:] for path in paths] + done[0]


def _each_project(result: MonthResult, trend: pd.DataFrame,
                  reported: list[str]) -> list[_Mine]:
    """Each reported project's register entry, flags, trend and earned value. The flags and
    the trend are the rows found in one pass over each frame's project column, taken by
    position: what a filter of the whole frame per project gave, the same rows in the same
    order with their index. The register entry and the earned value are the project's row as
    a dict, what .loc[project].to_dict() gave; for a project of more than one row (never in
    a register), .loc itself."""
    flags = result.variances
    flags_at, trend_at = _positions(flags.project), _positions(trend.project)
    entries = _rows_by_project(result.consolidation.projects)
    values = _rows_by_project(result.earned_value)
    mine: list[_Mine] = []
    for project in reported:
        entry, worth = entries.get(project, _SEVERAL), values.get(project)
        if entry is _SEVERAL:
            entry = cast("dict[str, Any]", result.consolidation.projects.set_index(
                "project", drop=False).loc[project].to_dict())
        if worth is _SEVERAL:
            worth = cast("dict[str, Any]", result.earned_value.set_index(
                "project", drop=False).loc[project].to_dict())
        mine.append((entry, flags.iloc[flags_at.get(project, [])],
                     trend.iloc[trend_at.get(project, [])], worth))
    return mine


_SEVERAL: dict[str, Any] = {}  # a project of more than one row: taken by .loc


def _rows_by_project(frame: pd.DataFrame) -> dict[Any, dict[str, Any]]:
    """Each project's row as a dict (cells.records: to_dict's values); _SEVERAL for a project
    of more than one row."""
    from .report.cells import records

    rows: dict[Any, dict[str, Any]] = {}
    for row in records(frame):
        project = row["project"]
        rows[project] = _SEVERAL if project in rows else {str(k): v for k, v in row.items()}
    return rows


def _positions(column: pd.Series) -> dict[Any, list[int]]:
    """Each value's positions in the column, in order."""
    at: dict[Any, list[int]] = {}
    for i, value in enumerate(column.tolist()):
        at.setdefault(value, []).append(i)
    return at


# From this many tasks on (the overview and each project's reports, about 30-40 ms each), they
# are shared between this process and a forked one per further core: a fork costs this
# process about 3 ms, and the forked one writes its share while this one writes its own. Only
# where processes fork (Linux): a spawned process would start Python and import the report
# modules anew, which costs more than a few reports.
PARALLEL_FROM = 3


# What a project's reports are made of: its register entry, its flags, its trend, its
# earned value.
_Mine = tuple[dict[str, Any], pd.DataFrame, pd.DataFrame, dict[str, Any] | None]


# The resident memory below which write_month writes the monitoring report beside the others.
BESIDE_BELOW_BYTES = 256 * 2**20


def _resident_bytes() -> int:
    """This process's resident memory, where /proc tells it (Linux, where processes fork)."""
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def write_month(result: MonthResult, out_dir: Path, report: Path, lang: str = "zh",
                key_work: KeyWork | None = None, zone: dt.tzinfo | None = None,
                today: dt.date | None = None) -> tuple[list[Path], Published]:
    """Every file of the month from `result`, as each door writes them: the CSVs and the
    special reports in `out_dir` (the overview listing the key-work items past their deadline
    on `today`), and the monitoring report at `report`. The report is written beside the
    others (in a forked process, where processes fork): files of their own, from the same
    result. Returns the files written, in order (the report last), and the report as placed."""
    from .report.publish import publish_report
    from .report.written import overdue_work

    overdue = overdue_work(key_work.items if key_work else None, today or dt.date.today())
    tasks: list[Callable[[], Any]] = [
        lambda: write_outputs(result, out_dir) + write_special_reports(
            result, out_dir / "special", lang, overdue),
        lambda: publish_report(result, report, actions=key_work, lang=lang, zone=zone)]
    # A forked writer copies every page it touches, so beside the others only while this
    # process is small (a month of hundreds of files); a large month's report is written
    # after the others, so that the run's memory does not double at its end.
    beside = _resident_bytes() < BESIDE_BELOW_BYTES
    written, published = each_task(tasks, least=2 if beside else len(tasks) + 1)
    published = cast("Published", published)
    return [*written, published.placed.path], published


def _project_reports(period: str, lang: str,
                     job: tuple[Path, Path | None, bool, _Mine]) -> list[Path]:
    """One project's special report, and its written report (when it has a major variance, or
    had one written)."""
    workbook, document, no_longer_major, mine = job
    written = [write_special_report(workbook, period, *mine, no_longer_major=no_longer_major)]
    if document is not None:
        written.append(write_special_docx(document, period, *mine, lang, no_longer_major))
    return written


def each_task(tasks: list[Callable[[], _T]], least: int | None = None) -> list[_T]:
    """What every task returns, in order: run here, or from `least` tasks on (PARALLEL_FROM)
    shared between this process (the first share) and forked ones (a share each), in order
    of the tasks. What one raises is raised here, and what placing a document had to say
    (one open in Word) is said here, in the order of the tasks, as it would be had they all
    run here."""
    workers = min(os.cpu_count() or 1, len(tasks))
    if len(tasks) < (least or PARALLEL_FROM) or workers < 2 \
            or not sys.platform.startswith("linux"):
        return [task() for task in tasks]
    # Contiguous shares, this process's the smallest (it also forks and collects).
    bounds = [len(tasks) * i // workers for i in range(workers + 1)]
    own, *others = [tasks[a:b] for a, b in zip(bounds, bounds[1:], strict=False)]
    before = placement_notes()  # the run's notes so far, to be said first
    waits: list[Callable[[], _Outcome]] = []
    try:
        for share in others:
            waits.append(_forked(partial(_with_notes, share)))
        done = [_with_notes(own)]
    finally:  # every forked process waited for, whatever happened here
        outcomes = [wait() for wait in waits]
        keep_placement_notes(before)
    results: list[_T] = []
    for ok, value in [(True, done[0]), *outcomes]:
        if not ok:
            raise value
        share_results, notes = value
        results.extend(share_results)
        keep_placement_notes(notes)
    return results


def _with_notes(tasks: list[Callable[[], _T]]) -> tuple[list[_T], list[str]]:
    """The tasks' results, with the placement notes they made (they live in each process's
    memory): in a forked process, the notes the run had when it forked are its own to say,
    not these."""
    placement_notes()
    return [task() for task in tasks], placement_notes()


_Outcome = tuple[bool, Any]  # (True, what the task returned) or (False, what it raised)


def _forked(task: Callable[[], Any]) -> Callable[[], _Outcome]:
    """Start `task` in a forked process; the function returned waits for it and gives its
    outcome. The forked process ends there (os._exit: no exit handler of this process runs
    twice, no buffered output is written twice)."""
    read_end, write_end = os.pipe()
    try:
        pid = os.fork()
    except BaseException:
        os.close(read_end)
        os.close(write_end)
        raise
    if pid == 0:  # pragma: no cover - the forked process (its coverage is not collected)
        try:
            os.close(read_end)
            try:
                outcome: _Outcome = (True, task())
            except BaseException as exc:  # noqa: BLE001 - all of it is the parent's to raise
                outcome = (False, exc)
            try:
                data = pickle.dumps(outcome)
            except Exception as exc:  # noqa: BLE001 - what does not pickle, said in words
                data = pickle.dumps((False, RuntimeError(f"{outcome[1]!r} ({exc})")))
            with os.fdopen(write_end, "wb") as pipe:
                pipe.write(data)
        finally:
            os._exit(0)
    os.close(write_end)

    def wait() -> _Outcome:
        with os.fdopen(read_end, "rb") as pipe:
            data = pipe.read()
        _, status = os.waitpid(pid, 0)
        try:
            outcome: _Outcome = pickle.loads(data)
        except (EOFError, pickle.UnpicklingError):
            return False, ChildProcessError(f"a report writer (process {pid}) stopped "
                                            f"without its result (wait status {status})")
        return outcome
    return wait


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
