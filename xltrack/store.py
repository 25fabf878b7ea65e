"""The history: every submission and every number, kept in one SQLite file.

One transaction per submission (BEGIN IMMEDIATE), so a crash leaves the store as it was before
that submission. The same bytes imported twice change nothing. A later file for the same
subsidiary, kind, period and revision supersedes the earlier one, which is kept, and the values
that changed are recorded as restatements. Which version is in force is decided by the time the
file was received, never by the order of import, so shuffling the inbox changes nothing.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any

import pandas as pd

from . import contract as c
from .errors import HistoryError, HistoryNotWritten, HistoryTooNew
from .models import Reason, Severity
from .reader import ROW, Submission, TableData

DEFAULT_DB = "xltrack.sqlite"
_MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE submissions (
        id INTEGER PRIMARY KEY,
        path TEXT NOT NULL,
        file TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        size INTEGER NOT NULL,
        received_at TEXT NOT NULL,
        imported_at TEXT NOT NULL,
        kind TEXT,
        subsidiary TEXT,
        period TEXT,
        revision INTEGER NOT NULL DEFAULT 1,
        contract_version INTEGER,
        unit TEXT,
        preparer TEXT,
        prepared_on TEXT,
        status TEXT NOT NULL CHECK (status IN ('accepted', 'rejected', 'superseded')),
        superseded_by INTEGER REFERENCES submissions(id),
        errors INTEGER NOT NULL,
        warnings INTEGER NOT NULL,
        findings TEXT NOT NULL
    );
    CREATE UNIQUE INDEX submissions_bytes ON submissions (sha256, COALESCE(kind, ''));
    CREATE INDEX submissions_slot ON submissions (subsidiary, kind, period, revision);
    CREATE TABLE facts (
        submission_id INTEGER NOT NULL REFERENCES submissions(id),
        project TEXT NOT NULL,
        tbl TEXT NOT NULL,
        item TEXT NOT NULL,
        measure TEXT NOT NULL,
        month TEXT NOT NULL,
        amount REAL NOT NULL,
        sheet TEXT NOT NULL,
        cell TEXT NOT NULL
    );
    CREATE INDEX facts_submission ON facts (submission_id);
    CREATE INDEX facts_project ON facts (project, tbl);
    CREATE TABLE records (
        submission_id INTEGER NOT NULL REFERENCES submissions(id),
        tbl TEXT NOT NULL,
        excel_row INTEGER NOT NULL,
        project TEXT,
        data TEXT NOT NULL
    );
    CREATE INDEX records_submission ON records (submission_id, tbl);
    CREATE TABLE restatements (
        submission_id INTEGER NOT NULL REFERENCES submissions(id),
        superseded_id INTEGER NOT NULL REFERENCES submissions(id),
        project TEXT NOT NULL,
        tbl TEXT NOT NULL,
        item TEXT NOT NULL,
        measure TEXT NOT NULL,
        month TEXT NOT NULL,
        old_amount REAL,
        new_amount REAL,
        cell TEXT
    );
    """,
    # Version 2: amounts are kept a table row to a row (a plan row's twelve months side by
    # side) rather than an amount to a row: a twelfth of the rows to write and to read.
    # `facts` stays, as a view giving the same amount-to-a-row form as before, so that what
    # reads it (restatements, explain) is unchanged. Version-1 facts are moved over as
    # one-amount rows, their cells split into column letters and row.
    """
    CREATE TABLE amounts (
        submission_id INTEGER NOT NULL REFERENCES submissions(id),
        project TEXT NOT NULL,
        tbl TEXT NOT NULL,
        item TEXT NOT NULL,
        measure TEXT NOT NULL,
        sheet TEXT NOT NULL,
        excel_row INTEGER NOT NULL,
        year INTEGER,
        month TEXT,
        letters TEXT NOT NULL,
        m01 REAL, m02 REAL, m03 REAL, m04 REAL, m05 REAL, m06 REAL,
        m07 REAL, m08 REAL, m09 REAL, m10 REAL, m11 REAL, m12 REAL,
        amount REAL,
        CHECK ((year IS NULL) != (month IS NULL))
    );
    CREATE INDEX amounts_submission ON amounts (submission_id);
    INSERT INTO amounts (submission_id, project, tbl, item, measure, sheet, excel_row, month,
                         letters, amount)
        SELECT submission_id, project, tbl, item, measure, sheet,
               CAST(substr(cell, length(rtrim(cell, '0123456789')) + 1) AS INTEGER), month,
               rtrim(cell, '0123456789'), amount FROM facts;
    DROP TABLE facts;
    CREATE VIEW facts (submission_id, project, tbl, item, measure, month, amount, sheet, cell) AS
    SELECT submission_id, project, tbl, item, measure, month, amount, sheet,
        rtrim(substr(letters, 1, 3)) || excel_row
        FROM amounts WHERE month IS NOT NULL AND amount IS NOT NULL
    UNION ALL SELECT submission_id, project, tbl, item, measure, printf('%04d-01', year),
        m01, sheet, rtrim(substr(letters, 1, 3)) || excel_row
        FROM amounts WHERE year IS NOT NULL AND m01 IS NOT NULL
    UNION ALL SELECT submission_id, project, tbl, item, measure, printf('%04d-02', year),
        m02, sheet, rtrim(substr(letters, 4, 3)) || excel_row
        FROM amounts WHERE year IS NOT NULL AND m02 IS NOT NULL
    UNION ALL SELECT submission_id, project, tbl, item, measure, printf('%04d-03', year),
        m03, sheet, rtrim(substr(letters, 7, 3)) || excel_row
        FROM amounts WHERE year IS NOT NULL AND m03 IS NOT NULL
    UNION ALL SELECT submission_id, project, tbl, item, measure, printf('%04d-04', year),
        m04, sheet, rtrim(substr(letters, 10, 3)) || excel_row
        FROM amounts WHERE year IS NOT NULL AND m04 IS NOT NULL
    UNION ALL SELECT submission_id, project, tbl, item, measure, printf('%04d-05', year),
        m05, sheet, rtrim(substr(letters, 13, 3)) || excel_row
        FROM amounts WHERE year IS NOT NULL AND m05 IS NOT NULL
    UNION ALL SELECT submission_id, project, tbl, item, measure, printf('%04d-06', year),
        m06, sheet, rtrim(substr(letters, 16, 3)) || excel_row
        FROM amounts WHERE year IS NOT NULL AND m06 IS NOT NULL
    UNION ALL SELECT submission_id, project, tbl, item, measure, printf('%04d-07', year),
        m07, sheet, rtrim(substr(letters, 19, 3)) || excel_row
        FROM amounts WHERE year IS NOT NULL AND m07 IS NOT NULL
    UNION ALL SELECT submission_id, project, tbl, item, measure, printf('%04d-08', year),
        m08, sheet, rtrim(substr(letters, 22, 3)) || excel_row
        FROM amounts WHERE year IS NOT NULL AND m08 IS NOT NULL
    UNION ALL SELECT submission_id, project, tbl, item, measure, printf('%04d-09', year),
        m09, sheet, rtrim(substr(letters, 25, 3)) || excel_row
        FROM amounts WHERE year IS NOT NULL AND m09 IS NOT NULL
    UNION ALL SELECT submission_id, project, tbl, item, measure, printf('%04d-10', year),
        m10, sheet, rtrim(substr(letters, 28, 3)) || excel_row
        FROM amounts WHERE year IS NOT NULL AND m10 IS NOT NULL
    UNION ALL SELECT submission_id, project, tbl, item, measure, printf('%04d-11', year),
        m11, sheet, rtrim(substr(letters, 31, 3)) || excel_row
        FROM amounts WHERE year IS NOT NULL AND m11 IS NOT NULL
    UNION ALL SELECT submission_id, project, tbl, item, measure, printf('%04d-12', year),
        m12, sheet, rtrim(substr(letters, 34, 3)) || excel_row
        FROM amounts WHERE year IS NOT NULL AND m12 IS NOT NULL
    """,
)
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
# Amount-bearing tables: (table, the columns that name the item, the measure column or None)
_AMOUNTS = {"Budget": (("cost_code",), None), "SalesForecast": (("product",), "measure"),
            "ActualCost": (("cost_code",), None), "ActualSales": (("product",), "measure")}


def connect(path: Path) -> sqlite3.Connection:
    """Open (creating or migrating) the store at `path`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path, timeout=30, isolation_level=None)
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


def check_integrity(conn: sqlite3.Connection, path: Path) -> None:
    """Refuse a history whose pages are damaged (a disk fault, a copy cut short), before a run
    adds to it. quick_check reads every page once: a second or so for a large history."""
    try:
        problems = [row[0] for row in conn.execute("PRAGMA quick_check(5)")]
    except sqlite3.DatabaseError as exc:
        raise HistoryError(path, str(exc)) from None
    if problems != ["ok"]:
        raise HistoryError(path, "; ".join(problems))


def _migrate(conn: sqlite3.Connection) -> None:
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
def _transaction(conn: sqlite3.Connection) -> Iterator[None]:
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def received_time(path: Path) -> str:
    """When the file arrived: its modification time, in UTC."""
    stamp = path.stat().st_mtime
    return dt.datetime.fromtimestamp(stamp, dt.UTC).isoformat(timespec="seconds")


def import_submission(conn: sqlite3.Connection, sub: Submission,
                      received_at: str | None = None) -> list[int]:
    """Store one checked submission (one row per kind it holds); return the row ids.

    Importing the same bytes again changes nothing and returns the existing ids.
    """
    with _transaction(conn):
        return _import(conn, sub, received_at)


def import_submissions(conn: sqlite3.Connection, subs: list[Submission],
                       received_at: str | None = None) -> list[list[int]]:
    """Store a run's submissions in one transaction: all of them or, if the run is stopped,
    none (the files are still in the inbox, and the next run reads them again). One commit
    rather than one per file: each commit waits for the disk."""
    with _transaction(conn):
        return [_import_contained(conn, sub, received_at) for sub in subs]


def _import_contained(conn: sqlite3.Connection, sub: Submission,
                      received_at: str | None) -> list[int]:
    """One file's storing, undone alone if the history refuses it (a non-finite amount, a
    number too large for SQLite): the file is then stored as rejected, with the reason."""
    conn.execute("SAVEPOINT one_file")
    try:
        ids = _import(conn, sub, received_at)
    except (sqlite3.IntegrityError, OverflowError, ValueError, TypeError) as exc:
        conn.execute("ROLLBACK TO one_file")
        conn.execute("RELEASE one_file")
        sub.add(Severity.ERROR, Reason.OUT_OF_RANGE,
                f"历史库拒收本文件的数值（{exc}），请核对各金额后重新发送",
                f"the history refused this file's figures ({exc}); check its amounts and "
                "send it again")
        return _import(conn, sub, received_at)  # rejected now: its figures are not stored
    conn.execute("RELEASE one_file")
    return ids


def _import(conn: sqlite3.Connection, sub: Submission, received_at: str | None) -> list[int]:
    known = [row[0] for row in conn.execute(
        "SELECT id FROM submissions WHERE sha256 = ? ORDER BY id", (sub.sha256,))]
    if known:
        return known
    received = received_at or received_time(sub.path)
    return [_insert(conn, sub, kind, received) for kind in sub.kinds or (None,)]


def _insert(conn: sqlite3.Connection, sub: Submission, kind: c.Kind | None,
            received: str) -> int:
    h = sub.header
    status = "rejected" if sub.has_errors or kind is None else "accepted"
    revision = int(h.get("xt_revision") or 1) if kind not in (None, c.Kind.MONTHLY) else 1
    findings = [f.to_json() for f in sub.findings]
    cursor = conn.execute(
        "INSERT INTO submissions (path, file, sha256, size, received_at, imported_at, kind,"
        " subsidiary, period, revision, contract_version, unit, preparer, prepared_on, status,"
        " errors, warnings, findings) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        (str(sub.path), sub.file, sub.sha256, sub.size, received,
         dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), kind and kind.value,
         h.get("xt_subsidiary"), h.get("xt_period"), revision, sub.contract_version,
         h.get("xt_unit"), h.get("xt_preparer"),
         h["xt_prepared_on"].isoformat() if h.get("xt_prepared_on") else None, status,
         sum(f.severity is Severity.ERROR for f in sub.findings),
         sum(f.severity is Severity.WARNING for f in sub.findings),
         json.dumps(findings, ensure_ascii=False)))
    sub_id = int(cursor.lastrowid or 0)
    if status == "accepted" and kind is not None:
        for table in c.tables_of((kind,)):
            data = sub.tables.get(table.name)
            if data is not None:
                _insert_records(conn, sub_id, data)
                _insert_amounts(conn, sub_id, data, str(h.get("xt_period")))
        _rebuild_chain(conn, h.get("xt_subsidiary"), kind.value, h.get("xt_period"), revision)
    return sub_id


def _insert_records(conn: sqlite3.Connection, sub_id: int, data: TableData) -> None:
    """Every row as it was read, as JSON (dates as ISO text), with its Excel row; but for
    its amounts (the months, the amount, the total they make), which are kept once, in
    `amounts`, with their cells."""
    amounts = ({*data.spec.month_keys, "amount", "total"} if data.spec.name in _AMOUNTS
               else set())
    keys = [k for k in data.columns if k != ROW and k not in amounts]
    dates = {col.key for col in data.spec.columns if col.type is c.ColumnType.DATE}
    columns = [[None if v is None else v.isoformat() for v in data.columns[k]] if k in dates
               else data.columns[k] for k in keys]
    dumps = json.JSONEncoder(ensure_ascii=False).encode
    projects = data.columns.get("project_id") or [None] * len(data)
    rows = [(sub_id, data.spec.name, excel_row, project,
             dumps(dict(zip(keys, values, strict=True))))
            for excel_row, project, *values in zip(data.columns[ROW], projects, *columns,
                                                   strict=True)]
    conn.executemany("INSERT INTO records VALUES (?,?,?,?,?)", rows)


def _insert_amounts(conn: sqlite3.Connection, sub_id: int, data: TableData,
                    period: str) -> None:
    """The amounts of a table, a row to a row: a plan row with its twelve months and their
    column letters (cells are letters + row), a monthly row with its one amount."""
    if data.spec.name not in _AMOUNTS or not len(data):
        return
    item_keys, measure_key = _AMOUNTS[data.spec.name]
    columns = data.columns
    items = ["|".join(str(v) for v in values)
             for values in zip(*(columns[k] for k in item_keys), strict=True)]
    measures = ([str(m) for m in columns[measure_key]] if measure_key
                else [c.MONEY_MEASURE] * len(data))
    fixed = (sub_id, data.spec.name)
    if data.spec.month_keys:
        if tuple(data.spec.month_keys) != _MONTHS:
            raise ValueError(f"{data.spec.name}: months {data.spec.month_keys}")
        letters = "".join(f"{data.letters[k]:<3}" for k in _MONTHS)
        months = [columns[k] for k in _MONTHS]
        rows = [(*fixed, project, item, measure, data.sheet, excel_row, int(year), letters,
                 *amounts)
                for project, item, measure, excel_row, year, *amounts in zip(
                    columns["project_id"], items, measures, columns[ROW], columns["year"],
                    *months, strict=True)
                if any(a is not None for a in amounts)]
        conn.executemany(
            "INSERT INTO amounts (submission_id, tbl, project, item, measure, sheet, excel_row,"
            f" year, letters, {', '.join(_MONTHS)}) VALUES ({_marks([0] * 21)})", rows)
        return
    letter = data.letters["amount"]
    rows = [(*fixed, project, item, measure, data.sheet, excel_row, period, letter, amount)
            for project, item, measure, excel_row, amount in zip(
                columns["project_id"], items, measures, columns[ROW], columns["amount"],
                strict=True) if amount is not None]
    conn.executemany(
        "INSERT INTO amounts (submission_id, tbl, project, item, measure, sheet, excel_row,"
        " month, letters, amount) VALUES (?,?,?,?,?,?,?,?,?,?)", rows)


def _rebuild_chain(conn: sqlite3.Connection, subsidiary: str | None, kind: str,
                   period: str | None, revision: int) -> None:
    """Put the versions of one slot in received order: the last is in force, each earlier
    one superseded by the next, with the restatements between neighbours recomputed."""
    versions = [row[0] for row in conn.execute(
        "SELECT id FROM submissions WHERE subsidiary IS ? AND kind = ? AND period IS ?"
        " AND revision = ? AND status != 'rejected' ORDER BY received_at, sha256",
        (subsidiary, kind, period, revision))]
    if len(versions) == 1:
        return  # the slot's first version: in force as it was inserted, nothing to restate
    conn.execute(f"DELETE FROM restatements WHERE submission_id IN ({_marks(versions)})",
                 versions)
    for older, newer in zip(versions, versions[1:], strict=False):
        conn.execute("UPDATE submissions SET status='superseded', superseded_by=? WHERE id=?",
                     (newer, older))
        _restate(conn, older, newer)
    conn.execute("UPDATE submissions SET status='accepted', superseded_by=NULL WHERE id=?",
                 (versions[-1],))


def _marks(values: list[Any]) -> str:
    return ",".join("?" * len(values))


def _restate(conn: sqlite3.Connection, old: int, new: int) -> None:
    def amounts(sub_id: int) -> dict[tuple[str, ...], tuple[float, str]]:
        return {tuple(r[:5]): (r[5], r[6]) for r in conn.execute(
            "SELECT project, tbl, item, measure, month, SUM(amount), MIN(cell) FROM facts"
            " WHERE submission_id=? GROUP BY project, tbl, item, measure, month", (sub_id,))}

    before, after = amounts(old), amounts(new)
    changes = []
    for key in sorted(set(before) | set(after)):
        was, now = before.get(key, (None, None)), after.get(key, (None, None))
        if was[0] is None or now[0] is None or round(was[0] - now[0], 2) != 0:
            changes.append((new, old, *key, was[0], now[0], now[1] or was[1]))
    conn.executemany("INSERT INTO restatements VALUES (?,?,?,?,?,?,?,?,?,?)", changes)


def known_digests(conn: sqlite3.Connection) -> set[str]:
    return {row[0] for row in conn.execute("SELECT DISTINCT sha256 FROM submissions")}


def plan_milestones(conn: sqlite3.Connection, period: str) -> dict[str, set[str]]:
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


def submissions(conn: sqlite3.Connection) -> pd.DataFrame:
    return pd.read_sql_query("SELECT * FROM submissions ORDER BY id", conn)


_WITH_ORIGINS = ("SELECT f.*, s.kind, s.subsidiary, s.period, s.revision, s.received_at, s.file"
                 " FROM facts f JOIN submissions s ON s.id = f.submission_id"
                 " WHERE s.status = 'accepted' AND s.period <= ?")
_SLOT = ["submission_id", "project", "tbl", "measure"]  # what a sum is per, with the month
# The rows of one slot and year (or month) summed by SQLite: items are left behind, and a
# submission's plan comes back as a row per project, measure and year.
_FOR_SUMS = (f"SELECT a.{', a.'.join(_SLOT)}, a.year, a.month, SUM(a.amount) AS amount,"
             f" {', '.join(f'SUM(a.{m}) AS {m}' for m in _MONTHS)},"
             " s.period, s.revision, s.received_at"
             " FROM amounts a JOIN submissions s ON s.id = a.submission_id"
             " WHERE s.status = 'accepted' AND s.period <= ?"
             f" GROUP BY a.{', a.'.join(_SLOT)}, a.year, a.month")
_NUMBERS = {"submission_id", "amount", "revision", "year", *_MONTHS}


def facts_in_force(conn: sqlite3.Connection, period: str, origins: bool = True) -> pd.DataFrame:
    """Amounts of every accepted submission effective up to `period`, one to a row, with
    their origins (file, sheet, cell, item); or, when only the sums are wanted, summed per
    submission, project, table, measure and month."""
    if origins:
        return _frame(conn.execute(_WITH_ORIGINS, (period,)))
    sums = _frame(conn.execute(_FOR_SUMS, (period,)))
    columns = [*_SLOT, "month", "amount", "period", "revision", "received_at"]
    if sums.empty:
        return sums[columns]
    keys = [*_SLOT, "period", "revision", "received_at"]
    parts = [sums.loc[sums.month.notna(), columns]]
    years = sums[sums.year.notna()]
    year_text = years.year.astype("int64").map("{:04d}".format)
    for key in _MONTHS if not years.empty else ():  # a year's row spread to its months
        has = years[key].notna()
        parts.append(years.loc[has, keys].assign(month=year_text[has] + "-" + key[1:],
                                                 amount=years.loc[has, key]))
    return pd.concat(parts, ignore_index=True)[columns]


def _frame(cursor: sqlite3.Cursor) -> pd.DataFrame:
    """A query's rows as a frame. A history holds millions of amounts but few distinct
    projects, months, files and so on: each distinct text is kept once, which makes the frame
    several times smaller. Rows are taken a batch at a time and turned into columns in C."""
    names = [d[0] for d in cursor.description]
    columns: list[list[Any]] = [[] for _ in names]
    seen: dict[Any, Any] = {}
    while batch := cursor.fetchmany(50_000):
        for name, column, values in zip(names, columns, zip(*batch, strict=True), strict=True):
            column.extend(values if name in _NUMBERS else map(seen.setdefault, values, values))
    if not columns[0]:
        return pd.DataFrame({name: pd.Series(dtype="object") for name in names})
    frame = pd.DataFrame(index=pd.RangeIndex(len(columns[0])))
    for i, name in enumerate(names):  # column by column, each list let go once it is in
        frame[name] = columns[i]
        columns[i] = []
    return frame


def records_in_force(conn: sqlite3.Connection, period: str, table: str) -> pd.DataFrame:
    rows = conn.execute(
        "SELECT r.submission_id, r.excel_row, r.data, s.period, s.revision, s.received_at,"
        " s.file FROM records r JOIN submissions s ON s.id = r.submission_id"
        " WHERE s.status = 'accepted' AND s.period <= ? AND r.tbl = ?", (period, table))
    out = [{**json.loads(data), "submission_id": sid, "excel_row": row, "period": p,
            "revision": rev, "received_at": rec, "file": file}
           for sid, row, data, p, rev, rec, file in rows]
    return pd.DataFrame(out)


def restatements(conn: sqlite3.Connection) -> pd.DataFrame:
    return pd.read_sql_query(
        "SELECT r.*, s.file, s.subsidiary, s.period, o.file AS superseded_file"
        " FROM restatements r JOIN submissions s ON s.id = r.submission_id"
        " JOIN submissions o ON o.id = r.superseded_id ORDER BY r.rowid", conn)


def open_store(path: Path) -> closing[sqlite3.Connection]:
    return closing(connect(path))
