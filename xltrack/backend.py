"""Where the history lives: one SQLite file (the default, one clerk on one PC) or a PostgreSQL
database a department shares. The store speaks one SQL, SQLite's, with `?` placeholders; this
module is the seam: it opens either database and, for PostgreSQL, hands the store a connection
that speaks the same way (the placeholders and the few statements that differ translated
here), so the rest of xltrack never asks which one it has.

A PostgreSQL history is named by a URL, `postgresql://user@host:port/dbname`, or a libpq
service, `postgresql:///?service=xltrack`. Its password is never part of it: it comes from
PGPASSWORD, the OS keyring, the user's `.pgpass` or a service file, so that it is in neither
the control workbook nor the shell's history.
"""

from __future__ import annotations

import getpass
import os
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from .errors import HistoryUnreachable, UsageError

if TYPE_CHECKING:
    import psycopg

POSTGRES_SCHEMES = ("postgresql://", "postgres://")
EXTRA = "pip install 'xltrack[postgres]'"
KEYRING_SERVICE = "xltrack-postgresql"
# Where a history is: a SQLite file, or a PostgreSQL URL (kept as text: a Path would fold
# its "//").
Location = Path | str


class Cursor(Protocol):
    """What the store reads from a query, the same on both databases."""

    @property
    def description(self) -> Any: ...
    def fetchone(self) -> Any: ...
    def fetchall(self) -> list[Any]: ...
    def fetchmany(self, size: int = ..., /) -> list[Any]: ...
    def __iter__(self) -> Iterator[Any]: ...


class Connection(Protocol):
    """An open history: sqlite3's connection, or PgConnection below."""

    def execute(self, sql: str, parameters: Any = ..., /) -> Any: ...
    def executemany(self, sql: str, parameters: Iterable[Any], /) -> Any: ...
    def close(self) -> None: ...


def location(text: str | Path) -> Location:
    """`--db` as given: a PostgreSQL URL stays text, anything else is a file."""
    return str(text) if is_postgres(text) else Path(text)


def is_postgres(db: object) -> bool:
    return isinstance(db, str) and db.startswith(POSTGRES_SCHEMES)


def on_postgres(conn: object) -> bool:
    return isinstance(conn, PgConnection)


def shown(db: Location) -> str:
    """The history's name for messages and logs (a PostgreSQL URL carries no password)."""
    return str(db)


class PgConnection:
    """A psycopg connection that takes the store's SQL: `?` placeholders become `%s` (and a
    literal `%` is doubled). Autocommit, as sqlite3's isolation_level=None: the store says
    BEGIN and COMMIT itself."""

    def __init__(self, raw: psycopg.Connection[Any], url: str) -> None:
        self.raw = raw
        self.url = url

    def execute(self, sql: str, parameters: Sequence[Any] = (), /) -> Any:
        if not parameters:  # sent as it is: a script of several statements, a literal `%`
            return self.raw.execute(sql.encode())
        return self.raw.execute(_translated(sql), tuple(parameters))

    def executemany(self, sql: str, parameters: Iterable[Any], /) -> Any:
        cursor = self.raw.cursor()
        cursor.executemany(_translated(sql), [tuple(row) for row in parameters])
        return cursor

    def close(self) -> None:
        self.raw.close()


@lru_cache(maxsize=512)
def _translated(sql: str) -> str:
    # The store's SQL has no `?` inside a string literal: every one is a placeholder. SQLite's
    # `IS ?` (equal, NULL to NULL too) is PostgreSQL's IS NOT DISTINCT FROM.
    sql = sql.replace(" IS NOT ?", " IS DISTINCT FROM ?").replace(" IS ?",
                                                                  " IS NOT DISTINCT FROM ?")
    return sql.replace("%", "%%").replace("?", "%s")


def driver() -> Any:
    """psycopg, or one line saying how to install it."""
    try:
        import psycopg
    except ImportError:
        raise UsageError(f"PostgreSQL 历史库需要 PostgreSQL 驱动，尚未安装：{EXTRA}",
                         "a PostgreSQL history needs the PostgreSQL driver, which is not "
                         f"installed: {EXTRA}") from None
    return psycopg


def check_no_password(url: str) -> None:
    """Refuse a URL that carries a password: it would end up in the control workbook, the
    shell's history and the logs."""
    psycopg = driver()
    try:
        params = psycopg.conninfo.conninfo_to_dict(url)
    except psycopg.ProgrammingError as exc:
        raise UsageError(f"历史库地址“{url}”不是 PostgreSQL 地址（{exc}）",
                         f"the history address {url!r} is not a PostgreSQL URL ({exc})") from None
    if params.get("password"):
        raise UsageError("历史库地址中含有密码：请去掉，改在 PGPASSWORD、系统密钥环（服务 "
                         "xltrack-postgresql）、~/.pgpass（Windows 上为 "
                         "%APPDATA%\\postgresql\\pgpass.conf）或服务文件中提供"
                         "（docs/user-guide.md，Sharing the history）",
                         "the history address carries a password: leave it out and give it in "
                         "PGPASSWORD, the OS keyring (service xltrack-postgresql), ~/.pgpass "
                         "(%APPDATA%\\postgresql\\pgpass.conf on Windows) or a service file "
                         "(docs/user-guide.md, Sharing the history)")


def connect_postgres(url: str, application: str = "xltrack") -> PgConnection:
    """Open a PostgreSQL history (no schema work: store.connect does that)."""
    check_no_password(url)
    psycopg = driver()
    secret = keyring_password(url)
    extra = {"password": secret} if secret else {}
    try:
        raw = psycopg.connect(url, autocommit=True, application_name=application,
                              connect_timeout=15, **extra)
    except psycopg.OperationalError as exc:
        raise HistoryUnreachable(url, _first_line(exc)) from None
    return PgConnection(raw, url)


def keyring_password(url: str) -> str | None:
    """The password kept in the OS keyring (service xltrack-postgresql, key USER@HOST as the
    address names them), when PGPASSWORD is not set and the keyring package is installed;
    else None, and libpq looks in .pgpass and the service file as usual."""
    if os.environ.get("PGPASSWORD"):
        return None
    try:
        import keyring
        from keyring.errors import KeyringError
    except ImportError:
        return None
    params = driver().conninfo.conninfo_to_dict(url)
    user = params.get("user") or os.environ.get("PGUSER") or getpass.getuser()
    host = params.get("host") or os.environ.get("PGHOST") or "localhost"
    try:
        found = keyring.get_password(KEYRING_SERVICE, f"{user}@{host}")
    except KeyringError:  # no keyring on this machine: the other places still count
        return None
    return str(found) if found else None


def connect_sqlite(path: Path) -> sqlite3.Connection:
    path.parent.mkdir(parents=True, exist_ok=True)
    return sqlite3.connect(path, timeout=30, isolation_level=None)


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


def refusals() -> tuple[type[Exception], ...]:
    """The errors with which a database refuses one file's values (a constraint, a number it
    cannot hold), as opposed to failing: the store then keeps the file as rejected."""
    found: tuple[type[Exception], ...] = (sqlite3.IntegrityError, OverflowError, ValueError,
                                          TypeError)
    try:
        import psycopg
    except ImportError:
        return found
    return (*found, psycopg.IntegrityError, psycopg.DataError)


def failures() -> tuple[type[Exception], ...]:
    """How either database says it cannot go on (disk full, locked, server gone): the CLI
    turns them into one line."""
    try:
        import psycopg
    except ImportError:
        return (sqlite3.OperationalError,)
    return (sqlite3.OperationalError, psycopg.OperationalError)
