"""A history the department shares, on the suite's own PostgreSQL server: the demo month gives
the same figures as on SQLite, runs are serialised by an advisory lock a killed run frees,
and `history copy` moves a history there and back, verified and leaving its source alone."""

from __future__ import annotations

import dataclasses
import hashlib
import os
import signal
import sqlite3
import subprocess
import sys
import time
import types
from contextlib import closing
from pathlib import Path

import pytest
from click.testing import CliRunner

from xltrack import arrival, history_copy, store
from xltrack.backend import Connection, Location
from xltrack.cli import cli
from xltrack.errors import UsageError
from xltrack.locking import run_lock
from xltrack.monthly import run_month, write_outputs
from xltrack.safe import csv_frame
from xltrack.settings import load_register
from xltrack.workers import examine

from .fixture_group import write_fixture_inbox
from .pg_server import new_database

COMPARED = ("figures", "milestones", "status", "variances", "earned-value")


def _sorted_lines(path: Path) -> list[str]:
    return sorted(path.read_text(encoding="utf-8-sig").splitlines())


def test_the_demo_month_on_postgresql_gives_the_same_csvs_as_on_sqlite(
        demo: Path, pg_server: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Both runs receive the files at the same moment (the status board shows it).
    monkeypatch.setattr(arrival, "now", lambda: "2026-11-06T09:00:00.000000+00:00")
    register = load_register(demo / "register.json")
    url = new_database(pg_server)
    for db, folder in ((tmp_path / "h.sqlite", tmp_path / "sqlite"), (url, tmp_path / "pg")):
        result = run_month(demo / "inbox", register, "2026-10", db)
        assert len(result.restatements) and len(result.variances)  # something to compare
        write_outputs(result, folder)
        csv_frame(result.restatements).to_csv(folder / "restatements-2026-10.csv", index=False,
                                              encoding="utf-8-sig")
    for name in (*COMPARED, "restatements"):
        sqlite_csv = _sorted_lines(tmp_path / "sqlite" / f"{name}-2026-10.csv")
        assert sqlite_csv == _sorted_lines(tmp_path / "pg" / f"{name}-2026-10.csv"), name
    explained = {db: CliRunner().invoke(cli, ["explain", "RE01-P01", "--period", "2026-10",
                                             "--db", db, "--span", "month", "--json"])
                 for db in (str(tmp_path / "h.sqlite"), url)}  # --db takes the URL as it is
    assert [r.exit_code for r in explained.values()] == [0, 0]
    assert explained[url].output == explained[str(tmp_path / "h.sqlite")].output


HOLD_THE_LOCK = """
import pathlib, sys, time
from xltrack.locking import run_lock
with run_lock(sys.argv[1]):
    pathlib.Path(sys.argv[2]).write_text("holding")
    time.sleep(120)
"""


def test_a_second_run_waits_then_refuses_and_a_killed_run_frees_the_lock(
        pg_server: str, tmp_path: Path) -> None:
    url = new_database(pg_server)
    marker = tmp_path / "holding"
    child = subprocess.Popen([sys.executable, "-c", HOLD_THE_LOCK, url, str(marker)])
    try:
        deadline = time.monotonic() + 60
        while not marker.exists():
            assert child.poll() is None and time.monotonic() < deadline, "never took the lock"
            time.sleep(0.05)
        started = time.monotonic()
        with pytest.raises(UsageError, match="another xltrack run is using the history"):
            with run_lock(url, wait_s=1.0):
                pass
        assert time.monotonic() - started >= 1.0  # it waited its turn first
        with run_lock(new_database(pg_server), wait_s=0):  # the lock is per history
            pass
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.wait()
    with run_lock(url, wait_s=30):  # the killed run's session ended: its lock with it
        pass


def _filled_history(tmp_path: Path) -> Path:
    """A SQLite history with accepted, rejected and superseded files and a restatement."""
    db = tmp_path / "source.sqlite"
    junk = tmp_path / "junk.xlsx"
    junk.write_bytes(b"not a workbook")
    with store.open_store(db) as conn:
        for path in [*write_fixture_inbox(tmp_path / "inbox"), junk]:
            store.import_submission(conn, examine(path))
        assert len(store.restatements(conn)) and "superseded" in set(
            store.submissions(conn).status)
    return db


def _everything(db: Location) -> dict[str, list[tuple[object, ...]]]:
    with store.open_store(db) as conn:
        tables = {table: sorted(tuple(row) for row in conn.execute(
            f"SELECT {', '.join(columns)} FROM {table}").fetchall())
                  for table, columns in history_copy.TABLES.items()}
        tables["superseded_by"] = sorted(tuple(row) for row in conn.execute(
            "SELECT id, superseded_by FROM submissions").fetchall())
    return tables


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_history_copy_to_postgresql_and_back_is_equal_and_leaves_the_source(
        pg_server: str, tmp_path: Path) -> None:
    source = _filled_history(tmp_path)
    before = _digest(source)
    url, back = new_database(pg_server), tmp_path / "back.sqlite"
    runner = CliRunner()
    for src, dest in ((str(source), url), (url, str(back))):
        done = runner.invoke(cli, ["history", "copy", src, dest])
        assert done.exit_code == 0, done.output
        assert "verified" in done.output
    assert _everything(back) == _everything(url) == _everything(source)
    assert _digest(source) == before
    with store.open_store(url) as conn:  # new files after the copy get new ids
        ids = store.import_submission(conn, examine(tmp_path / "junk.xlsx"))
        store.import_submission(conn, examine(write_fixture_inbox(tmp_path / "more")[0]))
        assert ids and len(store.submissions(conn).id.unique()) == len(store.submissions(conn))
    with pytest.raises(UsageError, match="already holds a history"):
        history_copy.copy_history(source, url)


def test_a_copy_that_does_not_add_up_writes_nothing(
        pg_server: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    source, url = _filled_history(tmp_path), new_database(pg_server)
    real = history_copy._copy_table

    def drop_one_amount(src: Connection, out: Connection, table: str) -> None:
        real(src, out, table)
        if table == "amounts":
            out.execute("DELETE FROM amounts WHERE ctid = (SELECT MIN(ctid) FROM amounts)")

    monkeypatch.setattr(history_copy, "_copy_table", drop_one_amount)
    with pytest.raises(UsageError, match="does not match its source.*amounts"):
        history_copy.copy_history(source, url)
    with store.open_store(url) as conn:
        assert conn.execute("SELECT COUNT(*) FROM submissions").fetchone()[0] == 0
    with closing(sqlite3.connect(source)) as conn:
        assert conn.execute("SELECT COUNT(*) FROM amounts").fetchone()[0] > 0


def test_a_postgresql_address_is_kept_whole_by_db_and_the_control_workbook(
        tmp_path: Path) -> None:
    """A URL must reach the store as written: as a Path its "//" would fold into a file name
    (and a SQLite file "postgresql:" would be created beside the workbook)."""
    from xltrack.cli_history import History
    from xltrack.control import ControlSettings
    from xltrack.demo import demo_register
    from xltrack.variance import default_rules

    url = "postgresql://xltrack@dbserver:5432/xltrack"
    assert History(exists=True).convert(url, None, None) == url
    assert History().convert("h.sqlite", None, None) == Path("h.sqlite")
    settings = ControlSettings(demo_register(), default_rules(), {"database": f" {url} "},
                               tmp_path)
    assert settings.history() == url
    local = ControlSettings(demo_register(), default_rules(), {"database": "xltrack.sqlite"},
                            tmp_path)
    assert local.history() == tmp_path / "xltrack.sqlite"


def test_text_postgresql_cannot_hold_rejects_the_file_not_the_run(
        pg_server: str, tmp_path: Path) -> None:
    """A NUL character (a cover cell typed as Excel's `_x0000_`) fits SQLite's text but not
    PostgreSQL's: the file is kept as rejected, saying why, and the others are stored."""
    good, other = (examine(p) for p in write_fixture_inbox(tmp_path)[:2])
    bad = dataclasses.replace(good, header={**good.header, "xt_preparer": "赵\x00敏"})
    with store.open_store(new_database(pg_server)) as conn:
        store.import_submissions(conn, [bad, other])
        stored = store.submissions(conn).set_index("file")
    assert stored.status[bad.file] == "rejected"
    assert stored.preparer[bad.file] == "赵\ufffd敏"
    assert "NUL" in stored.findings[bad.file]
    assert stored.status[other.file] in ("accepted", "superseded")


def test_the_password_comes_from_pgpass_or_the_os_keyring(
        pg_server: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """PGPASSWORD serves the whole suite (pg_server); here a clerk's role logs in with its
    password in a .pgpass file, then in the OS keyring, and with neither is refused."""
    import psycopg

    from xltrack import backend
    from xltrack.errors import HistoryUnreachable

    with psycopg.connect(pg_server, autocommit=True) as admin:
        admin.execute("DROP ROLE IF EXISTS clerk")
        admin.execute("CREATE ROLE clerk LOGIN PASSWORD 'clerk-secret'")
    address = pg_server.split("@", 1)[1].rsplit("/", 1)[0]  # 127.0.0.1:PORT
    url = f"postgresql://clerk@{address}/postgres"
    monkeypatch.delenv("PGPASSWORD")
    monkeypatch.setenv("PGPASSFILE", str(tmp_path / "no-such-file"))
    monkeypatch.setitem(sys.modules, "keyring", None)  # no keyring package
    with pytest.raises(HistoryUnreachable, match="could not be opened"):
        backend.connect_postgres(url)

    pgpass = tmp_path / "pgpass"
    pgpass.write_text(f"{address}:*:clerk:clerk-secret\n")
    pgpass.chmod(0o600)
    monkeypatch.setenv("PGPASSFILE", str(pgpass))
    backend.connect_postgres(url).close()

    monkeypatch.setenv("PGPASSFILE", str(tmp_path / "no-such-file"))
    asked: list[tuple[str, str]] = []
    keyring, errors = types.ModuleType("keyring"), types.ModuleType("keyring.errors")

    def get_password(service: str, key: str) -> str:
        asked.append((service, key))
        return "clerk-secret"

    errors.KeyringError = RuntimeError  # type: ignore[attr-defined]
    keyring.get_password = get_password  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "keyring", keyring)
    monkeypatch.setitem(sys.modules, "keyring.errors", errors)
    backend.connect_postgres(url).close()
    assert asked == [("xltrack-postgresql", f"clerk@{address.split(':')[0]}")]


def test_two_clerks_running_the_month_at_once_on_postgresql_lose_nothing(
        pg_server: str, tmp_path: Path) -> None:
    """Two `xltrack run --db postgresql://…` at once, as two PCs would: the second waits for
    the first's advisory lock, both finish, every file is stored once."""
    from xltrack.settings import save_register

    from .fixture_group import PERIOD, fixture_register

    url = new_database(pg_server)
    write_fixture_inbox(tmp_path)
    save_register(fixture_register(), tmp_path / "register.json")
    runs = [subprocess.Popen([sys.executable, "-m", "xltrack", "--quiet", "run", "--period",
                              PERIOD, "--db", url, "--out", f"out{i}"], cwd=tmp_path,
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            for i in range(2)]
    outcomes = [(r.communicate(timeout=300)[1], r.returncode) for r in runs]
    assert [code for _, code in outcomes] == [0, 0], outcomes
    with store.open_store(url) as conn:
        files = conn.execute("SELECT COUNT(DISTINCT sha256) FROM submissions").fetchone()[0]
        twice = conn.execute("SELECT COUNT(*) - COUNT(DISTINCT sha256 || kind) "
                             "FROM submissions").fetchone()[0]
    assert files == len(list((tmp_path / "inbox").glob("*.xlsx"))) and twice == 0
    assert not list(tmp_path.glob("postgresql*"))  # no SQLite file named after the URL
