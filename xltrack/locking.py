"""One run at a time per history, and a word of warning about network shares.

On PostgreSQL the lock is the database's own (an advisory lock), so clerks on different PCs
sharing one history are serialised the same way.

SQLite already serialises writers (BEGIN IMMEDIATE, busy timeout), so rows are never lost;
the run lock makes a second run wait its turn, or refuse clearly after a while, instead of
interleaving reports and status boards.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .backend import Location, connect_postgres
from .errors import UsageError

NETWORK_FILESYSTEMS = {"nfs", "nfs4", "cifs", "smb3", "smbfs", "9p", "fuse.sshfs",
                       "afs", "glusterfs", "ceph", "davfs"}


# The run lock of a PostgreSQL history: one advisory lock, the same key in every xltrack.
RUN_LOCK_KEY = 0x78_6C_74_72_61_63_6B_00  # "xltrack" + 0


@contextmanager
def run_lock(db: Location, wait_s: float = 120.0) -> Iterator[None]:
    """Hold the history's run lock for the duration of a run; wait up to `wait_s`, then
    refuse: `<db>.lock` beside a SQLite file, an advisory lock in a PostgreSQL database."""
    if isinstance(db, str):
        with _advisory_lock(db, wait_s):
            yield
        return
    db.parent.mkdir(parents=True, exist_ok=True)
    lock = db.with_name(db.name + ".lock")
    handle = lock.open("a+b")
    deadline = time.monotonic() + wait_s
    try:
        while not _try_lock(handle.fileno()):
            if time.monotonic() >= deadline:
                raise UsageError(f"另一个 xltrack 运行正在使用 {db}（锁文件 {lock}）；请等它结束后"
                                 "重新运行",
                                 f"another xltrack run is using {db} (lock {lock}); wait for it "
                                 "to finish, then run again")
            time.sleep(0.2)
        yield
    finally:
        _unlock(handle.fileno())
        handle.close()


@contextmanager
def _advisory_lock(url: str, wait_s: float) -> Iterator[None]:
    """A session advisory lock on a connection of its own, held while the run lasts. The
    server frees it when that connection ends, however the run ends: killed, its PC switched
    off (once the server notices the connection is gone)."""
    holder = connect_postgres(url, application="xltrack run lock")
    try:
        deadline = time.monotonic() + wait_s
        while not holder.execute("SELECT pg_try_advisory_lock(?)",
                                 (RUN_LOCK_KEY,)).fetchone()[0]:
            if time.monotonic() >= deadline:
                raise UsageError(f"另一个 xltrack 运行正在使用历史库 {url}（有人正在运行本月）；"
                                 "请等它结束后重新运行",
                                 f"another xltrack run is using the history {url} (someone "
                                 "else is running the month); wait for it to finish, then run "
                                 "again")
            time.sleep(0.5)
        yield
    finally:
        holder.close()  # frees the lock with the session


def _try_lock(fd: int) -> bool:
    if sys.platform == "win32":  # pragma: no cover - Windows
        import msvcrt
        import os

        # msvcrt locks bytes from the current position: always the first byte, in every run.
        os.lseek(fd, 0, os.SEEK_SET)
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
            return True
        except OSError:
            return False
    import fcntl

    # A POSIX record lock, not flock: it belongs to this process alone, so the reader processes
    # forked during the run do not inherit it, and it is gone the moment this process dies,
    # even by SIGKILL while a reader is still busy.
    try:
        fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except OSError:  # EAGAIN or EACCES, by platform: held by another process
        return False


def _unlock(fd: int) -> None:
    if sys.platform == "win32":  # pragma: no cover - Windows
        import msvcrt
        import os

        os.lseek(fd, 0, os.SEEK_SET)
        try:
            msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
        except OSError:
            pass
        return
    import fcntl

    fcntl.lockf(fd, fcntl.LOCK_UN)


def network_filesystem(path: Path, mounts: Path = Path("/proc/mounts")) -> str | None:
    """The file-system type when `path` lies on a network share, else None.

    SQLite's locking is unreliable over NFS and SMB, so the history should live on a local
    disk. Windows UNC paths (\\\\server\\share) count as network shares."""
    text = str(path)
    if text.startswith(("\\\\", "//")):
        return "network share"
    try:
        entries = [line.split() for line in mounts.read_text().splitlines()]
    except OSError:
        return None
    resolved = str(path.resolve())
    best = ("", "")
    for entry in entries:
        if len(entry) >= 3 and (resolved == entry[1] or resolved.startswith(
                entry[1].rstrip("/") + "/")) and len(entry[1]) > len(best[0]):
            best = (entry[1], entry[2])
    return best[1] if best[1] in NETWORK_FILESYSTEMS else None
