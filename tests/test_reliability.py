"""Faults and hostile inputs, tried and survived (issue: reliability and security)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook

from xltrack import contract as c
from xltrack import store, workers
from xltrack.errors import UsageError
from xltrack.intake import check
from xltrack.locking import network_filesystem, run_lock
from xltrack.models import Reason
from xltrack.reader import read_submission
from xltrack.settings import Register
from xltrack.workers import Isolation, examine, examine_all

from .conftest import Fill, cost_row
from .fixture_group import PERIOD, fixture_register, write_fixture_inbox

COST = c.TABLES_BY_NAME["ActualCost"].label("zh")


def _cli(*args: str, cwd: Path, **kw: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "xltrack", *args], cwd=cwd, text=True,
                          capture_output=True, timeout=300, **kw)  # type: ignore[call-overload]


def test_a_real_one_gib_zip_bomb_costs_nothing(fill: Fill, tmp_path: Path) -> None:
    valid = fill(c.Kind.MONTHLY, {"ActualCost": [cost_row()]})
    bomb = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(valid) as zin, zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
        for item in zin.infolist():
            z.writestr(item, zin.read(item.filename))
        with z.open("xl/sharedStrings2.xml", "w", force_zip64=True) as part:
            chunk = b"A" * 2**20
            for _ in range(1024):  # one GiB, streamed: the test holds 1 MiB at a time
                part.write(chunk)
    assert bomb.stat().st_size < 2 * 2**20
    started = time.monotonic()
    [finding] = check(bomb)
    assert finding.reason is Reason.ZIP_BOMB and time.monotonic() - started < 1


def test_two_runs_at_once_lose_nothing(tmp_path: Path) -> None:
    from xltrack.settings import save_register

    write_fixture_inbox(tmp_path)
    save_register(fixture_register(), tmp_path / "register.json")
    runs = [subprocess.Popen([sys.executable, "-m", "xltrack", "--quiet", "run", "--period",
                              PERIOD, "--out", f"out{i}"], cwd=tmp_path,
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            for i in range(2)]
    outcomes = [(r.communicate(timeout=300)[1], r.returncode) for r in runs]
    assert [code for _, code in outcomes] == [0, 0], outcomes
    with store.open_store(tmp_path / "xltrack.sqlite") as conn:
        files = conn.execute("SELECT COUNT(DISTINCT sha256) FROM submissions").fetchone()[0]
        twice = conn.execute("SELECT COUNT(*) - COUNT(DISTINCT sha256 || kind) "
                             "FROM submissions").fetchone()[0]
    assert files == len(list((tmp_path / "inbox").glob("*.xlsx"))) and twice == 0


def test_a_run_refuses_clearly_while_another_holds_the_history(tmp_path: Path) -> None:
    db = tmp_path / "h.sqlite"
    holder = subprocess.Popen([sys.executable, "-c",
                               "import sys, time; from pathlib import Path; "
                               "from xltrack.locking import run_lock\n"
                               f"with run_lock(Path({str(db)!r})):\n"
                               "    print('held', flush=True); time.sleep(30)"],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        with pytest.raises(UsageError, match="another xltrack run"), run_lock(db, wait_s=0.5):
            pass
    finally:
        holder.kill()
        holder.communicate()
    with run_lock(db, wait_s=5):  # and it is free again once the holder is gone
        pass


DISK_FULL_WRITE = """
import errno, pathlib, resource, signal, sys
from xltrack.monthly import run_month
from xltrack.report.publish import publish_report
sys.path.insert(0, sys.argv[3])
from tests.fixture_group import PERIOD, fixture_register
folder = pathlib.Path(sys.argv[1])
result = run_month(folder / "inbox", fixture_register(), PERIOD, folder / "h.sqlite")
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # writes past the limit fail with EFBIG
limit = int(sys.argv[2])
resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))  # like `ulimit -f`
try:
    publish_report(result, folder / "r.xlsx")
except OSError as exc:
    print("refused", errno.errorcode.get(exc.errno))
"""


def test_disk_full_while_writing_the_report(tmp_path: Path) -> None:
    write_fixture_inbox(tmp_path)
    report = tmp_path / "r.xlsx"
    report.write_bytes(b"the previous report")
    result = subprocess.run([sys.executable, "-c", DISK_FULL_WRITE, str(tmp_path), "20000",
                             str(Path(__file__).resolve().parents[1])],
                            capture_output=True, text=True, timeout=300)
    assert result.stdout.strip() == "refused EFBIG", result.stderr
    assert report.read_bytes() == b"the previous report"
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".~xltrack")]


def test_a_full_disk_under_the_history_is_one_line(tmp_path: Path) -> None:
    from xltrack.settings import save_register

    write_fixture_inbox(tmp_path)
    save_register(fixture_register(), tmp_path / "register.json")

    def tiny_disk() -> None:
        import resource
        import signal

        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (8192, 8192))

    result = _cli("--quiet", "run", "--period", PERIOD, cwd=tmp_path, preexec_fn=tiny_disk)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.startswith("Error:") and result.stderr.count("\n") == 1


@pytest.mark.parametrize("damage", ["not a database", "a page overwritten", "cut short"])
def test_a_damaged_history_is_refused_and_left_as_it_was(tmp_path: Path, damage: str) -> None:
    from xltrack.settings import save_register

    write_fixture_inbox(tmp_path)
    save_register(fixture_register(), tmp_path / "register.json")
    history = tmp_path / "xltrack.sqlite"
    assert _cli("--quiet", "run", "--period", PERIOD, cwd=tmp_path).returncode == 0
    good = history.read_bytes()
    assert len(good) > 8 * 4096
    if damage == "not a database":
        bad = os.urandom(len(good))
    elif damage == "a page overwritten":  # a b-tree page of the facts, as a disk fault leaves it
        bad = good[:4 * 4096] + b"\xff" * 4096 + good[5 * 4096:]
    else:
        bad = good[:len(good) // 2]
    history.write_bytes(bad)
    result = _cli("--quiet", "run", "--period", PERIOD, cwd=tmp_path)
    assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
    assert result.stderr.startswith("Error: the history xltrack.sqlite is damaged (")
    assert "has not changed it" in result.stderr and result.stderr.count("\n") == 1
    assert history.read_bytes() == bad


def test_a_file_saved_over_while_being_read(fill: Fill, monkeypatch: pytest.MonkeyPatch) -> None:
    path = fill(c.Kind.MONTHLY, {"ActualCost": [cost_row(amount=123.45)]})
    original = path.read_bytes()
    real_check = workers.check

    def save_over(p: Path, **kw: object) -> object:
        p.write_bytes(b"someone saved a different file here")
        return real_check(p, **kw)  # type: ignore[arg-type]
    monkeypatch.setattr(workers, "check", save_over)
    sub = examine(path)
    import hashlib

    assert sub.sha256 == hashlib.sha256(original).hexdigest()  # the hash of what was parsed
    assert sub.tables["ActualCost"].frame["amount"].tolist() == [123.45]


def test_a_history_on_a_network_share_is_recognised(tmp_path: Path) -> None:
    mounts = tmp_path / "mounts"
    mounts.write_text(f"server:/exports {tmp_path}/share nfs4 rw 0 0\n"
                      f"/dev/sda1 / ext4 rw 0 0\n")
    assert network_filesystem(tmp_path / "share" / "h.sqlite", mounts) == "nfs4"
    assert network_filesystem(tmp_path / "local" / "h.sqlite", mounts) is None
    assert network_filesystem(Path("//server/share/h.sqlite")) == "network share"


def test_merged_key_cells_and_duplicate_headers(fill: Fill, register: Register) -> None:
    path = fill(c.Kind.MONTHLY, {"ActualCost": [cost_row(), cost_row(code="0102")]})
    wb = load_workbook(path)
    wb[COST].merge_cells("A5:A6")  # one project ID for two rows, as people like to do
    wb[COST]["D4"] = "本月金额"  # the remark column renamed like the amount column
    wb[COST].tables["ActualCost"].tableColumns[3].name = "本月金额"
    wb.save(path)
    findings = read_submission(path).findings
    assert [(f.reason, f.key) for f in findings] == [(Reason.MISSING_COLUMN, "remark")]
    wb = load_workbook(path)
    wb[COST]["D4"] = "备注"
    wb[COST].tables["ActualCost"].tableColumns[3].name = "备注"
    wb.save(path)
    from xltrack.validate import validate

    sub = validate(read_submission(path), register, "2026-10")
    assert [(f.reason, f.cell) for f in sub.findings] == [(Reason.REQUIRED, "A6")]


def test_a_200000_row_table(fill: Fill) -> None:
    rows = [cost_row(amount=float(i % 1000)) for i in range(200_000)]
    path = fill(c.Kind.MONTHLY, {"ActualCost": rows})
    [sub] = examine_all([path], Isolation(workers=1, timeout_s=300))
    frame = sub.tables["ActualCost"].frame
    assert len(frame) == 200_000 and frame.amount.sum() == sum(i % 1000 for i in range(200_000))
    assert os.getpid()  # the parent is alive and well


def test_a_killed_run_leaves_neither_its_lock_nor_its_readers_behind(tmp_path: Path) -> None:
    """The run forks reader processes while it holds the lock; SIGKILL of the run must free
    the lock at once, even while a forked process lives on, and take the readers with it."""
    import signal

    script = (
        "import os, sys, time, xltrack.workers as w\n"
        "from pathlib import Path\n"
        "from xltrack.locking import run_lock\n"
        "with run_lock(Path(sys.argv[1])):\n"
        "    s = w._Supervisor([], w.Isolation(), 2)\n"
        "    slots = [s._start() for _ in range(2)]\n"
        "    other = os.fork()\n"
        "    if other == 0:\n"
        "        os.close(1)\n"
        "        time.sleep(60)\n"
        "        os._exit(0)\n"
        "    print(other, *(x.process.pid for x in slots), flush=True)\n"
        "    time.sleep(300)\n")
    db = tmp_path / "xltrack.sqlite"
    run = subprocess.Popen([sys.executable, "-c", script, str(db)], stdout=subprocess.PIPE,
                           text=True)
    assert run.stdout is not None
    other, *readers = (int(pid) for pid in run.stdout.readline().split())
    run.stdout.close()
    try:
        assert len(readers) == 2
        os.kill(run.pid, signal.SIGKILL)
        run.wait()
        started = time.monotonic()
        with run_lock(db, wait_s=5):  # a forked process that lives on holds no lock
            assert time.monotonic() - started < 2
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and not all(_gone(p) for p in readers):
            time.sleep(0.1)
        assert all(_gone(p) for p in readers)
    finally:
        for pid in (other, *readers):
            if not _gone(pid):
                os.kill(pid, signal.SIGKILL)


def _gone(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] == "Z"
    except OSError:
        return True
