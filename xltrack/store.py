"""The history: every submission and every number, kept in one SQLite file or, for a
department sharing it, in a PostgreSQL database (backend.py: the one seam; the SQL here is
SQLite's, translated there).

One transaction per submission (BEGIN IMMEDIATE), so a crash leaves the store as it was before
that submission. The same bytes imported twice change nothing. A later file for the same
subsidiary, kind, period and revision supersedes the earlier one, which is kept, and the values
that changed are recorded as restatements.

Which version is later is decided by evidence that survives copying, never by file times or
the order of import: the cover's preparation date (填表日期), then the moment xltrack first
received the bytes (`imported_at`, the same for every file of one run). A preparation date
after that moment is not believed; a cover without one counts as prepared that day. The day so
found is `received_at`, which also decides lateness. The file's modification time is kept as a
hint for people (`file_modified`) and decides nothing.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from dataclasses import replace
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from . import arrival, backend, versions
from . import contract as c
from .backend import Connection, Location
from .errors import HistoryError, HistoryNotWritten, HistoryTooNew, HistoryUnreachable
from .models import CONTEXT_REASONS, Finding, Reason, Severity, add_months
from .reader import Submission, TableData
from .schema import MIGRATIONS, POSTGRES_BASE, POSTGRES_MIGRATIONS
from .store_rows import AMOUNTS, Rows, amount_rows, bind_amounts, bind_records, record_rows

DEFAULT_DB = "xltrack.sqlite"
_MIGRATIONS = MIGRATIONS
# The history's door: an amount that is not finite (infinity: 1e308 typed under 万元) would
# break every later sum, so none is let in, whatever the checks before let through. Triggers,
# not a CHECK: they reach histories created before them, and survive a migration that
# rebuilds the table (they are created again after every migration).
_AMOUNT_COLUMNS = ("amount", *c.MONTH_KEYS)
_FINITE = " OR ".join(f"abs(NEW.{k}) > 1.7976931348623157e308" for k in _AMOUNT_COLUMNS)
_GUARDS = tuple(
    f"CREATE TRIGGER IF NOT EXISTS amounts_finite_{event.lower()} BEFORE {event} ON amounts"
    f" WHEN {_FINITE} BEGIN SELECT RAISE(ABORT, 'an amount is not finite'); END"
    for event in ("INSERT", "UPDATE"))
# A year row's amounts: the months, in this order, their column letters padded to three.
_MONTHS = c.MONTH_KEYS
SCHEMA_VERSION = len(_MIGRATIONS)


def connect(path: Location) -> Connection:
    """Open (creating or migrating) the store at `path`: a SQLite file or a PostgreSQL URL."""
    if isinstance(path, str):
        return _connect_postgres(path)
    conn = backend.connect_sqlite(path)
    try:
        conn.execute("PRAGMA busy_timeout=30000")
        # Read before anything writes: a file that is not a database fails here, untouched.
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            conn.close()
            raise HistoryTooNew(path, version, SCHEMA_VERSION)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA foreign_keys=ON")
        _migrate(conn)
    except sqlite3.DatabaseError as exc:
        conn.close()
        if isinstance(exc, sqlite3.OperationalError) and "locked" in str(exc):
            raise
        if getattr(exc, "sqlite_errorname", "") in _WRITE_REFUSED:  # not damage: say so
            raise HistoryNotWritten(path, str(exc)) from None
        raise HistoryError(path, str(exc)) from None
    return conn


# How SQLite says the disk refused a write: ENOSPC is SQLITE_FULL; EFBIG (the file may not
# grow, `ulimit -f`) and a failed fsync or resize are I/O errors of these kinds.
_WRITE_REFUSED = {"SQLITE_FULL", "SQLITE_IOERR_WRITE", "SQLITE_IOERR_SHMSIZE",
                  "SQLITE_IOERR_FSYNC", "SQLITE_IOERR_DIR_FSYNC", "SQLITE_IOERR_TRUNCATE"}


# Which migrations a PostgreSQL history runs at once: a second xltrack opening an empty
# database at the same moment waits for the first to build it (a transaction-scoped lock).
_MIGRATION_LOCK = 0x78_6C_74_72_61_63_6B_01  # "xltrack" + 1


def _connect_postgres(url: str) -> Connection:
    conn = backend.connect_postgres(url)
    try:
        with _transaction(conn):
            conn.execute("SELECT pg_advisory_xact_lock(?)", (_MIGRATION_LOCK,))
            if conn.execute("SELECT to_regclass('schema_version')").fetchone()[0] is None:
                version = POSTGRES_BASE - 1
            else:
                version = conn.execute("SELECT version FROM schema_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise HistoryTooNew(url, version, SCHEMA_VERSION)
            for number, script in enumerate(POSTGRES_MIGRATIONS[version - POSTGRES_BASE + 1:],
                                            start=version + 1):
                conn.execute(script)
                conn.execute("UPDATE schema_version SET version = ?", (number,))
    except backend.driver().Error as exc:  # a role that may not create the tables …
        conn.close()
        raise HistoryUnreachable(url, (str(exc).strip().splitlines() or [""])[0]) from None
    except BaseException:
        conn.close()
        raise
    return conn


def schema_version(conn: Connection) -> int:
    if backend.on_postgres(conn):
        return int(conn.execute("SELECT version FROM schema_version").fetchone()[0])
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def check_integrity(conn: Connection, path: Location) -> None:
    """Refuse a history whose pages are damaged (a disk fault, a copy cut short), before a run
    adds to it. quick_check reads every page once: a second or so for a large history. A
    PostgreSQL server checks its own pages (and its administrator keeps the backups)."""
    if backend.on_postgres(conn):
        return
    try:
        problems = [row[0] for row in conn.execute("PRAGMA quick_check(5)")]
    except sqlite3.DatabaseError as exc:
        raise HistoryError(path, str(exc)) from None
    if problems != ["ok"]:
        raise HistoryError(path, "; ".join(problems))


def _migrate(conn: Connection) -> None:
    with _transaction(conn):
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        for number, script in enumerate(_MIGRATIONS[version:], start=version + 1):
            for statement in script.split(";"):
                if statement.strip():
                    conn.execute(statement)
            conn.execute(f"PRAGMA user_version={number}")
        for guard in _GUARDS:
            conn.execute(guard)


@contextmanager
def _transaction(conn: Connection) -> Iterator[None]:
    # SQLite: take the write lock now, not at the first write (no deadlock between two
    # writers). PostgreSQL locks rows as they are written, and one run at a time holds the
    # run lock (locking.py).
    conn.execute("BEGIN" if backend.on_postgres(conn) else "BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def import_submission(conn: Connection, sub: Submission,
                      first_seen: str | None = None) -> list[int]:
    """Store one checked submission (one row per kind it holds); return the row ids.

    Importing the same bytes again changes nothing and returns the existing ids, but for a
    file refused only for its context (models.CONTEXT_REASONS), which is taken now if it
    passes. `first_seen`: when xltrack received the bytes (default: now).
    """
    with _transaction(conn):
        return _import(conn, sub, first_seen or arrival.now())


def import_submissions(conn: Connection, subs: list[Submission],
                       first_seen: str | None = None,
                       unpack: Callable[[int], dict[str, Rows] | None] | None = None
                       ) -> list[list[int]]:
    """Store a run's submissions in one transaction: all of them or, if the run is stopped,
    none (the files are still in the inbox, and the next run reads them again). One commit
    rather than one per file: each commit waits for the disk. Every file of the run is
    received at the same moment; they are stored in their evidence's order, so the order they
    came in changes nothing. `unpack(i)`: gives subs[i] its tables just before it is stored
    (a run holds them packed until then), and returns the rows the reader made of them
    (store_rows.table_rows) by table, if it did; they are let go once it is stored."""
    moment = first_seen or arrival.now()
    # The same bytes twice in one run (a copy also saved in the wrong month's folder): the
    # copy its context refuses is stored after the one it does not, so the file is taken as
    # sent, not "refused, then looked at again".
    order = sorted(range(len(subs)), key=lambda i: (
        arrival.received_day(subs[i].header.get("xt_prepared_on"), moment), subs[i].sha256,
        any(f.severity is Severity.ERROR and f.reason in CONTEXT_REASONS
            for f in subs[i].findings)))
    ids: dict[int, list[int]] = {}
    # Within each file's savepoint every row written is a statement that may abort (the
    # finite-amount trigger), whose undo SQLite journals page by page: in memory rather than
    # in a temporary file (twice as fast to store amounts), for this transaction only.
    temp_store = None if backend.on_postgres(conn) else int(
        conn.execute("PRAGMA temp_store").fetchone()[0])
    if temp_store is not None:
        conn.execute("PRAGMA temp_store=MEMORY")
    try:
        with _transaction(conn):
            for i in order:
                made = unpack(i) if unpack is not None else None
                ids[i] = _import_contained(conn, subs[i], moment, made)
                del made
                if unpack is not None:
                    subs[i].tables.clear()
    finally:
        if temp_store is not None:
            try:
                conn.execute(f"PRAGMA temp_store={temp_store}")
            except sqlite3.Error:  # the connection failed: its own error is the one to say
                pass
    return [ids[i] for i in range(len(subs))]


def _import_contained(conn: Connection, sub: Submission, first_seen: str,
                      made: dict[str, Rows] | None = None) -> list[int]:
    """One file's storing, undone alone if the history refuses it (a non-finite amount, a
    number too large for SQLite): the file is then stored as rejected, with the reason.
    `made`: its tables' rows as the reader made them, by table (else they are made here)."""
    conn.execute("SAVEPOINT one_file")
    try:
        ids = _import(conn, sub, first_seen, made)
    except backend.refusals() as exc:
        conn.execute("ROLLBACK TO one_file")
        conn.execute("RELEASE one_file")
        sub.add(Severity.ERROR, Reason.OUT_OF_RANGE,
                f"历史库拒收本文件（{exc}），已作为退回文件保存；请核对各数值后重新发送",
                f"the history refused this file as it is ({exc}); it is kept as rejected. "
                "Check its numbers and send it again")
        return _import(conn, _storable(sub), first_seen)  # rejected: no figure stored
    conn.execute("RELEASE one_file")
    return ids


def _storable(sub: Submission) -> Submission:
    """`sub` without the header numbers SQLite cannot hold (beyond 64 bits), and with the NUL
    characters PostgreSQL's text cannot hold (a cover cell typed with Excel's `_x0000_`)
    shown as U+FFFD: what is stored of a rejected file is its findings, which say what was
    wrong."""
    def fits(value: object) -> bool:
        return not isinstance(value, int) or -2**63 <= value < 2**63

    def shown(value: object) -> object:
        return value.replace("\x00", "\ufffd") if isinstance(value, str) else value

    version = sub.contract_version if fits(sub.contract_version) else None
    return replace(sub, header={k: shown(v) for k, v in sub.header.items() if fits(v)},
                   contract_version=version)


def _import(conn: Connection, sub: Submission, first_seen: str,
            made: dict[str, Rows] | None = None) -> list[int]:
    known = conn.execute("SELECT id, kind, status, findings FROM submissions WHERE sha256 = ?"
                         " ORDER BY id", (sub.sha256,)).fetchall()
    if not known:
        receipt = _receipt(sub, first_seen)  # the same for each kind the file is stored as
        return [_insert(conn, sub, kind, receipt, made) for kind in sub.kinds or (None,)]
    if all(status == "rejected" and _context_only(findings)
           for _, _, status, findings in known):
        _look_again(conn, sub, {kind: sub_id for sub_id, kind, _, _ in known}, made)
    return [row[0] for row in known]


def _context_only(findings: str) -> bool:
    errors = {f["reason"] for f in json.loads(findings) if f["severity"] == Severity.ERROR}
    return bool(errors) and errors <= CONTEXT_REASONS


def findings_in_history(conn: Connection, sub: Submission) -> list[Finding]:
    """Findings the history gave a file's record when storing it (its version's order, a
    refusal at the door) that the file does not hold yet: so that its feedback says them."""
    have = [f.to_json() for f in sub.findings]
    found = []
    for (text,) in conn.execute("SELECT findings FROM submissions WHERE sha256 = ?"
                                " ORDER BY id", (sub.sha256,)):
        for finding in json.loads(text):
            if finding not in have:
                have.append(finding)
                found.append(Finding.model_validate(finding))
    return found


def add_findings(conn: Connection, found: dict[str, list[Finding]]) -> None:
    """Findings made after files were stored (about their feedback copy), added to their
    records: sha256 -> findings."""
    with _transaction(conn):
        for sha, findings in found.items():
            for sub_id, text in conn.execute("SELECT id, findings FROM submissions"
                                             " WHERE sha256 = ?", (sha,)).fetchall():
                kept = json.loads(text)
                new = [f.to_json() for f in findings if f.to_json() not in kept]
                if new:
                    versions.set_findings(conn, sub_id, kept + new)


def reconsidered_digests(conn: Connection) -> set[str]:
    """Bytes refused only for their context: every run reads them again (they are few)."""
    return {sha for sha, findings in conn.execute(
        "SELECT sha256, findings FROM submissions WHERE status = 'rejected'")
        if _context_only(findings)}


def _look_again(conn: Connection, sub: Submission, rows: dict[str | None, int],
                made: dict[str, Rows] | None = None) -> None:
    """A file refused for its context, read again: taken if it passes now (its first receipt
    still counts for lateness), else its findings brought up to date."""
    if set(rows) != {k.value for k in sub.kinds}:
        return  # read as other kinds than before: keep the record as it was
    errors, warnings, findings = _counts(sub)
    for kind in sub.kinds:
        sub_id = rows[kind.value]
        refused = conn.execute("SELECT findings FROM submissions WHERE id = ?",
                               (sub_id,)).fetchone()[0]
        conn.execute("UPDATE submissions SET path=?, file=?, errors=?, warnings=?, findings=?"
                     " WHERE id=?", (str(sub.path), sub.file, errors, warnings, findings,
                                     sub_id))
        if sub.has_errors:
            continue
        reasons = sorted({f["reason"] for f in json.loads(refused)
                          if f["severity"] == Severity.ERROR})
        note = (f"rejected before ({', '.join(reasons)}); looked at again and accepted "
                f"{arrival.now()[:10]}")
        conn.execute("UPDATE submissions SET status='accepted', notes=? WHERE id=?",
                     (note, sub_id))
        _insert_tables(conn, sub, kind, sub_id, made)


def _counts(sub: Submission) -> tuple[int, int, str]:
    return (sum(f.severity is Severity.ERROR for f in sub.findings),
            sum(f.severity is Severity.WARNING for f in sub.findings),
            json.dumps([f.to_json() for f in sub.findings], ensure_ascii=False))


class _Receipt(NamedTuple):
    """What a file's record says of its receipt and findings, whatever kind it is stored as."""
    received_at: str
    first_seen: str
    prepared_on: str | None
    counts: tuple[int, int, str]  # _counts
    file_modified: str | None


def _receipt(sub: Submission, first_seen: str) -> _Receipt:
    prepared = sub.header.get("xt_prepared_on")
    return _Receipt(arrival.received_day(prepared, first_seen), first_seen,
                    prepared.isoformat() if prepared else None, _counts(sub),
                    arrival.file_time(sub.path))


def _insert(conn: Connection, sub: Submission, kind: c.Kind | None,
            receipt: _Receipt, made: dict[str, Rows] | None = None) -> int:
    h = sub.header
    status = "rejected" if sub.has_errors or kind is None else "accepted"
    revision = int(h.get("xt_revision") or 1) if kind not in (None, c.Kind.MONTHLY) else 1
    errors, warnings, findings = receipt.counts
    cursor = conn.execute(
        "INSERT INTO submissions (path, file, sha256, size, received_at, imported_at, kind,"
        " subsidiary, period, revision, contract_version, unit, preparer, prepared_on, status,"
        " errors, warnings, findings, file_modified)"
        " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) RETURNING id",
        (str(sub.path), sub.file, sub.sha256, sub.size, receipt.received_at,
         receipt.first_seen, kind and kind.value, h.get("xt_subsidiary"), h.get("xt_period"),
         revision, sub.contract_version, h.get("xt_unit"), h.get("xt_preparer"),
         receipt.prepared_on, status, errors, warnings, findings, receipt.file_modified))
    sub_id = int(cursor.fetchone()[0])
    if status == "accepted" and kind is not None:
        _insert_tables(conn, sub, kind, sub_id, made)
    return sub_id


def _insert_tables(conn: Connection, sub: Submission, kind: c.Kind,
                   sub_id: int, made: dict[str, Rows] | None = None) -> None:
    h = sub.header
    for table in c.tables_of((kind,)):
        rows = made.get(table.name) if made else None
        if rows is not None:  # made by the reader: only the id and the period put in
            conn.executemany(_RECORDS_INSERT, bind_records(sub_id, rows.name, rows.records))
            if rows.amounts is not None:
                conn.executemany(_AMOUNTS_INSERT[rows.amounts[0]], bind_amounts(
                    sub_id, rows.name, rows.amounts, str(h.get("xt_period"))))
            continue
        data = sub.tables.get(table.name)
        if data is not None:
            _insert_records(conn, sub_id, data)
            _insert_amounts(conn, sub_id, data, str(h.get("xt_period")))
    revision = int(h.get("xt_revision") or 1) if kind is not c.Kind.MONTHLY else 1
    versions.rebuild_chain(conn, (h.get("xt_subsidiary"), kind.value, h.get("xt_period"),
                                  revision), sub_id)


def _insert_records(conn: Connection, sub_id: int, data: TableData) -> None:
    conn.executemany(_RECORDS_INSERT, record_rows(sub_id, data))


def _insert_amounts(conn: Connection, sub_id: int, data: TableData,
                    period: str) -> None:
    if data.spec.name not in AMOUNTS or not len(data):
        return
    conn.executemany(_AMOUNTS_INSERT[bool(data.spec.month_keys)],
                     amount_rows(sub_id, data, period))


def _marks(values: list[Any]) -> str:
    return ",".join("?" * len(values))


_RECORDS_INSERT = "INSERT INTO records VALUES (?,?,?,?,?)"
# A plan's rows (a year's twelve months), a monthly table's (one amount in the period).
_AMOUNTS_INSERT = {
    True: "INSERT INTO amounts (submission_id, tbl, project, item, measure, sheet, excel_row,"
          f" year, letters, {', '.join(_MONTHS)}) VALUES ({_marks([0] * 21)})",
    False: "INSERT INTO amounts (submission_id, tbl, project, item, measure, sheet, excel_row,"
           " month, letters, amount) VALUES (?,?,?,?,?,?,?,?,?,?)"}


def known_digests(conn: Connection) -> set[str]:
    return {row[0] for row in conn.execute("SELECT DISTINCT sha256 FROM submissions")}


def plan_milestones(conn: Connection, period: str) -> dict[str, set[str]]:
    """Each project's milestone ids in its newest plan on file (revision, then period)."""
    best: dict[str, tuple[tuple[int, str, str], set[str]]] = {}
    rows = conn.execute(
        "SELECT r.project, s.revision, s.period, s.received_at, r.data FROM records r"
        " JOIN submissions s ON s.id = r.submission_id WHERE s.status = 'accepted'"
        " AND r.tbl = 'Plan' AND s.period <= ?", (period,))
    for project, revision, when, received, data in rows:
        version = (revision, when, received)
        if project not in best or version > best[project][0]:
            best[project] = (version, set())
        if version == best[project][0]:
            best[project][1].add(str(json.loads(data).get("milestone_id")))
    return {project: ids for project, (_, ids) in best.items()}


def unit_expectations(conn: Connection, period: str
                      ) -> tuple[dict[tuple[str, str], float], dict[tuple[str, str], float]]:
    """What the unit check compares a project's month with, in yuan, per (project, "cost" or
    "sales"): the month's budget or forecast in force (the highest revision, then the latest
    period), and the mean of the three months before. Read through the submissions, so the
    amounts' index is used: a few queries however large the history."""
    month, year = f"m{period[5:]}", int(period[:4])
    planned: dict[tuple[str, str], float] = {}
    plans = conn.execute(
        "SELECT id, kind FROM submissions WHERE status = 'accepted' AND kind IN ('budget',"
        " 'forecast') AND period <= ? ORDER BY revision, period, id", (period,)).fetchall()
    for sub_id, kind in plans:
        what = "cost" if kind == c.Kind.BUDGET else "sales"
        for project, amount in conn.execute(
                f"SELECT project, SUM({month}) FROM amounts WHERE submission_id = ? AND"
                " year = ? AND measure = ? GROUP BY project", (sub_id, year, c.MONEY_MEASURE)):
            if amount:
                planned[(project, what)] = float(amount)
    recent = {(project, "cost" if tbl == "ActualCost" else "sales"): float(total) / months
              for project, tbl, total, months in conn.execute(
        "SELECT a.project, a.tbl, SUM(a.amount), COUNT(DISTINCT a.month) FROM submissions s"
        " JOIN amounts a ON a.submission_id = s.id WHERE s.status = 'accepted'"
        " AND s.kind = 'monthly' AND s.period >= ? AND s.period < ? AND a.measure = ?"
        " GROUP BY a.project, a.tbl", (add_months(period, -3), period, c.MONEY_MEASURE))
              if total and months}
    return planned, recent


def submissions(conn: Connection) -> pd.DataFrame:
    return _read(conn, "SELECT * FROM submissions ORDER BY id")


def _read(conn: Connection, sql: str) -> pd.DataFrame:
    """A query as a frame, made as pandas.read_sql_query makes it from a DB-API cursor (which
    it does not accept but from SQLite and SQLAlchemy)."""
    cursor = conn.execute(sql, ())
    names = [d[0] for d in cursor.description]
    return pd.DataFrame.from_records(cursor.fetchall(), columns=names, coerce_float=True)


_WITH_ORIGINS = ("SELECT f.*, s.kind, s.subsidiary, s.period, s.revision, s.received_at, s.file"
                 " FROM facts f JOIN submissions s ON s.id = f.submission_id"
                 " WHERE s.status = 'accepted' AND s.period <= ?")
_IN_FORCE = "SELECT id FROM submissions WHERE status = 'accepted' AND period <= ?"
_SLOT = ["submission_id", "project", "tbl", "measure"]  # what a sum is per, with the month
# The rows of one slot and year (or month) summed by SQLite: items are left behind, and a
# submission's plan comes back as a row per project, measure and year. The amounts alone are
# grouped (their submission's period, revision and receipt are put beside them after, from
# a row per submission): a join and three more keys in the grouping would cost a sixth more.
_FOR_SUMS = (f"SELECT {', '.join(_SLOT)}, year, month, SUM(amount) AS amount,"
             f" {', '.join(f'SUM({m}) AS {m}' for m in _MONTHS)} FROM amounts"
             f" WHERE submission_id IN ({_IN_FORCE})"
             f" GROUP BY {', '.join(_SLOT)}, year, month")
_VERSIONS = f"SELECT id, period, revision, received_at FROM submissions WHERE id IN ({_IN_FORCE})"
_NUMBERS = {"submission_id", "amount", "revision", "year", *_MONTHS}


def facts_in_force(conn: Connection, period: str, origins: bool = True) -> pd.DataFrame:
    """Amounts of every accepted submission effective up to `period`, one to a row, with
    their origins (file, sheet, cell, item); or, when only the sums are wanted, summed per
    submission, project, table, measure and month."""
    if origins:
        return _frame(conn, _WITH_ORIGINS, (period,))
    sums = _frame(conn, _FOR_SUMS, (period,))
    columns = [*_SLOT, "month", "amount", "period", "revision", "received_at"]
    if sums.empty:
        return pd.DataFrame({name: pd.Series(dtype="object") for name in columns})
    _with_versions(conn, sums, period)
    # The month rows, then each month of the year rows (m01, m02, ...): made column by column
    # from pieces of the sums, so that neither the parts nor a copy of the year rows are held
    # with the whole (a large history's year rows make hundreds of thousands of facts).
    on_month, on_year = sums.month.notna(), sums.year.notna().to_numpy()
    years = sums.year.to_numpy()
    spread = []
    for key in _MONTHS if on_year.any() else ():  # a year's row spread to its months
        has = np.flatnonzero(on_year & sums[key].notna().to_numpy())
        if len(has):
            # each month's name made once and shared by its rows: a few dozen texts, not one
            # per row (a large history holds hundreds of thousands of such rows); taken for
            # each row by its year's place among them (as a Series' map would, without its
            # overhead)
            year = years[has].astype("int64")
            distinct, place = np.unique(year, return_inverse=True)
            names = np.array([f"{y:04d}-{key[1:]}" for y in distinct.tolist()], dtype=object)
            spread.append((key, has, pd.Series(names[place])))
    # which row of the sums each fact is, and from which of its columns its amount comes
    at = [np.flatnonzero(on_month.to_numpy()), *(has for _, has, _ in spread)]
    where = np.concatenate(at)
    amount = np.concatenate([sums[key].to_numpy()[rows] for key, rows in zip(
        ["amount", *(key for key, _, _ in spread)], at, strict=True)])
    del at
    frame = pd.DataFrame(index=pd.RangeIndex(len(where)))
    for column in columns:
        if column == "month":
            frame[column] = pd.concat([sums.month[on_month], *(month for _, _, month in spread)],
                                      ignore_index=True)
        elif column == "amount":
            frame[column] = amount
            del amount
        else:
            frame[column] = sums[column].take(where).set_axis(frame.index)
    return frame


def _with_versions(conn: Connection, sums: pd.DataFrame, period: str) -> None:
    """The sums' columns of their submission's period, revision and receipt, as the join
    gave them: texts (each submission's once), and the revisions (NOT NULL INTEGER) as
    integers."""
    ids, periods, revisions, received = (list(c) for c in zip(
        *conn.execute(_VERSIONS, (period,)).fetchall(), strict=True))
    seen: dict[str, str] = {}  # each distinct text once, not once per submission
    periods, received = ([seen.setdefault(t, t) for t in texts] for texts in (periods, received))
    order = np.argsort(np.array(ids, dtype=np.int64), kind="stable")
    at = order[np.searchsorted(np.array(ids, dtype=np.int64)[order],
                               sums.submission_id.to_numpy(dtype=np.int64))]
    sums["period"] = np.array(periods, dtype=object)[at].tolist()
    sums["revision"] = np.array(revisions, dtype=np.int64)[at]
    sums["received_at"] = np.array(received, dtype=object)[at].tolist()


def _frame(conn: Connection, sql: str, params: tuple[Any, ...]) -> pd.DataFrame:
    """A query's rows as a frame. A history holds millions of amounts but few distinct
    projects, months, files and so on: each distinct text is kept once, which makes the frame
    several times smaller. Rows are taken a batch at a time and turned into columns in C; the
    numbers of a batch into an array at once (not a Python number each), of the dtype pandas
    gives such a list: int64 for integers alone, float64 for numbers with NULLs, object for
    NULLs alone. A number column holding anything else is made as before (_frame_of_objects)."""
    cursor = conn.execute(sql, params)
    names = [d[0] for d in cursor.description]
    columns: list[list[Any]] = [[] for _ in names]
    kinds: list[set[type]] = [set() for _ in names]
    seen: dict[Any, Any] = {}
    rows = 0
    while batch := cursor.fetchmany(_BATCH):
        rows += len(batch)
        for i, (name, values) in enumerate(zip(names, zip(*batch, strict=True), strict=True)):
            if name not in _NUMBERS:
                columns[i].extend(map(seen.setdefault, values, values))
                continue
            kind = set(map(type, values))
            kinds[i] |= kind
            if kind <= {int}:
                columns[i].append(np.array(values, dtype=np.int64))
            elif kind <= _PLAIN_NUMBERS:
                columns[i].append(np.array(values, dtype=np.float64))  # NULL as NaN
            else:  # Decimal, bool, text...: the whole frame as before
                cursor.close()
                return _frame_of_objects(conn.execute(sql, params))
    if not rows:
        return pd.DataFrame({name: pd.Series(dtype="object") for name in names})
    frame = pd.DataFrame(index=pd.RangeIndex(rows))
    for i, name in enumerate(names):  # column by column, each list let go once it is in
        if name not in _NUMBERS:
            frame[name] = columns[i]
        elif kinds[i] == {type(None)}:
            frame[name] = np.full(rows, None, dtype=object)
        else:
            frame[name] = np.concatenate(columns[i])  # int64, or float64 once any is not
        columns[i] = []
    return frame


_PLAIN_NUMBERS = {int, float, type(None)}
_BATCH = 5_000  # rows fetched at a time: a batch is held as Python values, ~1 kB a row


def _frame_of_objects(cursor: backend.Cursor) -> pd.DataFrame:
    """_frame's frame from a Python value each, the dtypes pandas infers."""
    names = [d[0] for d in cursor.description]
    columns: list[list[Any]] = [[] for _ in names]
    seen: dict[Any, Any] = {}
    while batch := cursor.fetchmany(50_000):
        for name, column, values in zip(names, columns, zip(*batch, strict=True), strict=True):
            column.extend(values if name in _NUMBERS else map(seen.setdefault, values, values))
    if not columns[0]:
        return pd.DataFrame({name: pd.Series(dtype="object") for name in names})
    frame = pd.DataFrame(index=pd.RangeIndex(len(columns[0])))
    for i, name in enumerate(names):
        frame[name] = columns[i]
        columns[i] = []
    return frame


_RECORDS = ("SELECT r.submission_id, r.excel_row, r.data, s.period, s.revision, s.received_at,"
            " s.file FROM records r JOIN submissions s ON s.id = r.submission_id"
            " WHERE s.status = 'accepted' AND s.period <= ? AND r.tbl = ?")
_ORIGIN = ("submission_id", "excel_row", "period", "revision", "received_at", "file")


def records_in_force(conn: Connection, period: str, table: str) -> pd.DataFrame:
    """The records of `table` of every accepted submission effective up to `period`, each
    row's data with its submission and origin. Made column by column, each distinct text kept
    once, rather than as a dict per row: the frame pandas made from such dicts, in a fraction
    of the memory (rows whose data do not all have the same fields are made as before). A
    batch of rows is turned into columns at once (zip), and a column of texts alone has its
    texts shared in one pass (map): no Python step per value."""
    cursor = conn.execute(_RECORDS, (period, table))
    fields: list[str] | None = None
    columns: list[list[Any]] = []
    seen: dict[str, str] = {}
    while batch := cursor.fetchmany(_BATCH):
        rows = []
        # the batch's data parsed at once, as one JSON array of its rows' objects: the same
        # dicts as a json.loads each, without a call per row
        parsed = json.loads(f"[{','.join([r[2] for r in batch])}]")
        for (sid, row, _, p, rev, rec, file), values in zip(batch, parsed, strict=True):
            if fields is None:
                fields = list(values)
                if set(fields) & set(_ORIGIN):  # a field named like an origin: as before
                    return _records_as_dicts(conn, period, table)
                columns = [[] for _ in range(len(fields) + len(_ORIGIN))]
            if len(values) != len(fields) or list(values) != fields:
                return _records_as_dicts(conn, period, table)
            rows.append((*values.values(), sid, row, p, rev, rec, file))
        for column, values in zip(columns, zip(*rows, strict=True), strict=True):
            kinds = set(map(type, values))
            if str not in kinds:
                column.extend(values)
            elif kinds <= _TEXTS:  # None is None, whatever it is shared with
                column.extend(map(seen.setdefault, values, values))
            else:
                column.extend(seen.setdefault(value, value) if type(value) is str else value
                              for value in values)
        del rows
    if fields is None:
        return pd.DataFrame()
    return pd.DataFrame(dict(zip([*fields, *_ORIGIN], columns, strict=True)))


_TEXTS = {str, type(None)}


def _records_as_dicts(conn: Connection, period: str, table: str) -> pd.DataFrame:
    """records_in_force's frame made from a dict per row (rows with differing fields)."""
    out = [{**json.loads(data), "submission_id": sid, "excel_row": row, "period": p,
            "revision": rev, "received_at": rec, "file": file}
           for sid, row, data, p, rev, rec, file in conn.execute(_RECORDS, (period, table))]
    return pd.DataFrame(out)


_RESTATEMENT_COLUMNS = ("submission_id", "superseded_id", "project", "tbl", "item", "measure",
                        "month", "old_amount", "new_amount", "cell")


def restatements(conn: Connection) -> pd.DataFrame:
    order = "r.seq" if backend.on_postgres(conn) else "r.rowid"  # the order they were made
    return _read(conn, f"SELECT r.{', r.'.join(_RESTATEMENT_COLUMNS)}, s.file, s.subsidiary,"
                 " s.period, o.file AS superseded_file FROM restatements r JOIN submissions s"
                 " ON s.id = r.submission_id JOIN submissions o ON o.id = r.superseded_id"
                 f" ORDER BY {order}")


def open_store(path: Location) -> closing[Connection]:
    return closing(connect(path))
