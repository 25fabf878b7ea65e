"""One run at a time per history, and a word of warning about network shares.

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

from .errors import UsageError

NETWORK_FILESYSTEMS = {"nfs", "nfs4", "cifs", "smb3", "smbfs", "9p", "fuse.sshfs",
                       "afs", "glusterfs", "ceph", "davfs"}


@contextmanager
def run_lock(db: Path, wait_s: float = 120.0) -> Iterator[None]:
    """Hold `<db>.lock` for the duration of a run; wait up to `wait_s`, then refuse."""
    db.parent.mkdir(parents=True, exist_ok=True)
    lock = db.with_name(db.name + ".lock")
    handle = lock.open("a+b")
    deadline = time.monotonic() + wait_s
    try:
        while not _try_lock(handle.fileno()):
            if time.monotonic() >= deadline:
                raise UsageError(f"another xltrack run is using {db} (lock {lock}); wait for it "
                                 "to finish, then run again")
            time.sleep(0.2)
        yield
    finally:
        _unlock(handle.fileno())
        handle.close()


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
