"""Moving a history: every submission, record, amount and restatement copied from one
history into a new, empty one (SQLite into PostgreSQL, or back), then verified count for count
and sum for sum before it is committed. The source is only read: a SQLite file is copied
first (SQLite's backup, a consistent snapshot) and read from that copy, brought up to this
xltrack's schema there; a PostgreSQL source is read in one snapshot transaction.
"""

from __future__ import annotations

import sqlite3
import tempfile
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import backend, store
from .backend import Connection, Location
from .errors import UsageError
from .locking import run_lock

# Each table's columns, in the order they are copied. `superseded_by` points at later rows,
# so it is set once every submission is in.
_SUBMISSION_COLUMNS = ("id", "path", "file", "sha256", "size", "received_at", "imported_at",
                       "kind", "subsidiary", "period", "revision", "contract_version", "unit",
                       "preparer", "prepared_on", "status", "errors", "warnings", "findings",
                       "file_modified", "order_evidence", "notes")
_MONTHS = tuple(f"m{m:02d}" for m in range(1, 13))
TABLES: dict[str, tuple[str, ...]] = {
    "submissions": _SUBMISSION_COLUMNS,
    "records": ("submission_id", "tbl", "excel_row", "project", "data"),
    "amounts": ("submission_id", "project", "tbl", "item", "measure", "sheet", "excel_row",
                "year", "month", "letters", *_MONTHS, "amount"),
    "restatements": ("submission_id", "superseded_id", "project", "tbl", "item", "measure",
                     "month", "old_amount", "new_amount", "cell"),
}
# What is summed to verify the copy: the numbers (exactly: math.fsum does not depend on the
# order the rows come in).
_SUMMED = {"submissions": ("size", "errors", "warnings", "revision"),
           "records": ("excel_row",),
           "amounts": ("amount", *_MONTHS),
           "restatements": ("old_amount", "new_amount")}
_BATCH = 5_000


@dataclass(frozen=True)
class Tally:
    """A history's rows per table and sums per numeric column: what two copies must share."""

    counts: dict[str, int]
    sums: dict[str, float]


def copy_history(source: Location, dest: Location) -> Tally:
    """Copy the history at `source` into `dest`, which must hold no submission yet; return
    the tally both share. Raises UsageError (and commits nothing) when they differ."""
    if backend.shown(source) == backend.shown(dest):
        raise UsageError("复制的来源与目标是同一个历史库",
                         "the source and the destination of a copy are the same history")
    with _source(source) as src, run_lock(dest, wait_s=10), store.open_store(dest) as out:
        if out.execute("SELECT COUNT(*) FROM submissions").fetchone()[0]:
            raise UsageError(f"目标 {backend.shown(dest)} 已有历史数据：请复制到一个新的空库",
                             f"the destination {backend.shown(dest)} already holds a history: "
                             "copy into a new, empty one")
        expected = tally(src)
        with store._transaction(out):
            for table in TABLES:
                _copy_table(src, out, table)
            _link_supersessions(src, out)
            if backend.on_postgres(out):  # new rows get ids after the copied ones
                out.execute("SELECT setval(pg_get_serial_sequence('submissions', 'id'),"
                            " (SELECT MAX(id) FROM submissions))")
            copied = tally(out)
            if copied != expected:
                raise UsageError(f"复制结果与来源不一致（{_difference(expected, copied)}）；"
                                 "目标中未写入任何内容",
                                 "the copy does not match its source ("
                                 f"{_difference(expected, copied)}); nothing was written to "
                                 "the destination")
    return copied


@contextmanager
def _source(source: Location) -> Iterator[Connection]:
    if isinstance(source, str):
        conn = backend.connect_postgres(source)
        with closing(conn):
            if conn.execute("SELECT to_regclass('schema_version')").fetchone()[0] is None:
                raise UsageError(f"{source} 中没有 xltrack 历史库",
                                 f"no xltrack history in {source}")
            if store.schema_version(conn) != store.SCHEMA_VERSION:
                raise UsageError(f"历史库 {source} 的版本不是本 xltrack 的版本 "
                                 f"{store.SCHEMA_VERSION}：请先用本 xltrack 打开它",
                                 f"the history {source} is not at this xltrack's version "
                                 f"{store.SCHEMA_VERSION}: open it with this xltrack first")
            conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")  # one snapshot
            yield conn
        return
    if not source.is_file():
        raise UsageError(f"{source} 处没有历史库", f"no history at {source}")
    with tempfile.TemporaryDirectory(prefix="xltrack-copy-") as folder:
        snapshot = Path(folder) / "snapshot.sqlite"
        with closing(sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True)) as ro, \
                closing(sqlite3.connect(snapshot)) as copy:
            ro.backup(copy)
        with store.open_store(snapshot) as taken:  # brought up to date here, not in the source
            yield taken


def _rows(conn: Connection, sql: str) -> Iterator[list[Any]]:
    cursor = conn.execute(sql, ())
    while batch := cursor.fetchmany(_BATCH):
        yield batch


def _copy_table(src: Connection, out: Connection, table: str) -> None:
    columns = TABLES[table]
    order = {"submissions": "id", "restatements": "seq" if backend.on_postgres(src) else "rowid"}
    select = (f"SELECT {', '.join(columns)} FROM {table}"
              + (f" ORDER BY {order[table]}" if table in order else ""))
    insert = (f"INSERT INTO {table} ({', '.join(columns)})"
              f" VALUES ({','.join('?' * len(columns))})")
    for batch in _rows(src, select):
        out.executemany(insert, batch)


def _link_supersessions(src: Connection, out: Connection) -> None:
    for batch in _rows(src, "SELECT superseded_by, id FROM submissions"
                            " WHERE superseded_by IS NOT NULL"):
        out.executemany("UPDATE submissions SET superseded_by = ? WHERE id = ?", batch)


def tally(conn: Connection) -> Tally:
    """Count every table's rows and sum its numbers exactly, reading them all."""
    counts: dict[str, int] = {}
    sums: dict[str, float] = {}
    for table, summed in _SUMMED.items():
        totals = [0] * len(summed)
        counts[table] = 0
        for batch in _rows(conn, f"SELECT {', '.join(summed)} FROM {table}"):
            counts[table] += len(batch)
            for i, values in enumerate(zip(*batch, strict=True)):
                totals[i] += sum(_exact(v) for v in values if v is not None)
        for name, total in zip(summed, totals, strict=True):
            sums[f"{table}.{name}"] = total / _UNIT  # correctly rounded: int / int
    statuses = conn.execute("SELECT status, COUNT(*) FROM submissions GROUP BY status").fetchall()
    counts.update({f"submissions.{status}": int(n) for status, n in statuses})
    superseded = conn.execute("SELECT COUNT(*) FROM submissions WHERE superseded_by IS NOT NULL")
    counts["submissions.superseded_by"] = int(superseded.fetchone()[0])
    return Tally(counts, sums)


# A sum that is the same whatever order the rows come in (each database returns them in its
# own): every number as a whole count of 2**-1074, the smallest step a float has, added up
# as integers, with no rounding until the end.
_SCALE = 1074
_UNIT = 2 ** _SCALE


def _exact(value: float | int) -> int:
    numerator, denominator = float(value).as_integer_ratio() if isinstance(value, float) \
        else (int(value), 1)
    return numerator << (_SCALE - denominator.bit_length() + 1)


def _difference(expected: Tally, copied: Tally) -> str:
    wrong = [f"{key}: {expected.counts.get(key)} → {copied.counts.get(key)}"
             for key in sorted({*expected.counts, *copied.counts})
             if expected.counts.get(key) != copied.counts.get(key)]
    wrong += [f"{key}: {expected.sums[key]!r} → {copied.sums.get(key)!r}"
              for key in expected.sums if expected.sums[key] != copied.sums.get(key)]
    return "; ".join(wrong)
