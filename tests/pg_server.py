"""A throw-away PostgreSQL server for the suite: initdb in a temporary folder, listening on a
free loopback port only, a password login for its superuser, stopped and deleted at the end.
PostgreSQL refuses to run as root, so as root the cluster belongs to the `postgres` user
(Debian's package creates it)."""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def _tool(name: str) -> str:
    found = shutil.which(name) or next(iter(sorted(glob.glob(
        f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)), None)
    if not found:
        raise RuntimeError(f"PostgreSQL's {name} is not installed: apt-get install -y "
                           "postgresql (make test does it)")
    return found


PASSWORD = "suite-only-secret"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _as_owner(command: list[str], owner: str | None) -> list[str]:
    return ["runuser", "-u", owner, "--", *command] if owner else command


@contextmanager
def server() -> Iterator[str]:
    """Yield the server's URL (superuser `xltrack`, database `postgres`). Logins over TCP
    need the password, as on a department's server: the suite gives it as xltrack is told to
    take it, in PGPASSWORD, never in the URL."""
    owner = "postgres" if os.geteuid() == 0 else None
    folder = Path(tempfile.mkdtemp(prefix="xltrack-pg-"))
    data = folder / "data"
    if owner:
        entry = pwd.getpwnam(owner)
        os.chown(folder, entry.pw_uid, entry.pw_gid)
    port = _free_port()
    secret = folder / "password"
    secret.write_text(PASSWORD)
    if owner:
        os.chown(secret, entry.pw_uid, entry.pw_gid)
    run = {"check": True, "capture_output": True, "timeout": 120}
    subprocess.run(_as_owner([_tool("initdb"), "-D", str(data), "-U", "xltrack",
                              "--auth-host=scram-sha-256", "--auth-local=trust",
                              f"--pwfile={secret}", "-E", "UTF8", "--locale=C", "--no-sync"],
                             owner), **run)
    options = (f"-c listen_addresses=127.0.0.1 -c port={port} -c unix_socket_directories="
               f"{folder} -c fsync=off -c full_page_writes=off -c max_connections=40")
    subprocess.run(_as_owner([_tool("pg_ctl"), "-D", str(data), "-o", options, "-w",
                              "-l", str(folder / "log"), "start"], owner), **run)
    try:
        yield f"postgresql://xltrack@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(_as_owner([_tool("pg_ctl"), "-D", str(data), "-m", "immediate", "-w",
                                  "stop"], owner), check=False, capture_output=True, timeout=60)
        shutil.rmtree(folder, ignore_errors=True)


def new_database(url: str) -> str:
    """A fresh empty database on the server at `url`; its URL."""
    import psycopg

    name = f"h_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}".encode())
    return url.rsplit("/", 1)[0] + "/" + name
