"""The Windows (and macOS) code paths: spawned readers, the msvcrt run lock, no rlimits,
network-share paths and Chinese folder names. Those that only mean something on Windows skip
elsewhere and run in CI's Windows job (.github/workflows/ci.yml); on Linux the readers also
run with the spawn start method, as on Windows."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path, PureWindowsPath

import pytest

from xltrack.excel import entry
from xltrack.excel.build import build_workbook
from xltrack.excel.port import FilePort
from xltrack.locking import _try_lock, _unlock, network_filesystem, run_lock
from xltrack.reader import Submission
from xltrack.settings import Register, load_register
from xltrack.variance import default_rules
from xltrack.workers import Isolation, _cap_memory, _Supervisor, examine_all

windows_only = pytest.mark.skipif(sys.platform != "win32", reason="a Windows code path")
CHINESE = "集团运营 控制台"  # a space and Chinese characters, as on a real share


def _files(demo: Path, count: int = 3) -> list[Path]:
    return sorted((demo / "inbox" / "2026-10").glob("*.xlsx"))[:count]


def _summary(subs: list[Submission]) -> list[tuple[str, str, list[str], dict[str, object]]]:
    return [(s.file, s.sha256, [f.message_en for f in s.findings], s.header) for s in subs]


def test_readers_started_with_spawn_read_as_forked_ones(demo: Path, register: Register) -> None:
    """Windows has no fork: every reader is a fresh interpreter, given the register by pickle."""
    files = _files(demo)
    against = (register, "2026-10")
    spawned = examine_all(files, Isolation(workers=2, start_method="spawn"), against=against)
    default = examine_all(files, Isolation(workers=2), against=against)
    assert _summary(spawned) == _summary(default)
    assert all(s.header.get("xt_period") == "2026-10" for s in spawned)


@pytest.mark.skipif(sys.platform.startswith("linux"), reason="Linux forks its readers")
def test_readers_are_spawned_off_linux() -> None:
    assert _Supervisor([], Isolation(), 1).context.get_start_method() == "spawn"


def test_the_run_lock_excludes_another_process(tmp_path: Path) -> None:
    """msvcrt.locking on Windows, lockf elsewhere: a second process cannot take it."""
    lock = tmp_path / f"{CHINESE}.lock"
    probe = ("import sys; from xltrack.locking import _try_lock\n"
             "with open(sys.argv[1], 'a+b') as f: print(_try_lock(f.fileno()))")
    with lock.open("a+b") as handle:
        assert _try_lock(handle.fileno())
        held = subprocess.run([sys.executable, "-c", probe, str(lock)], capture_output=True,
                              text=True, timeout=60, check=True)
        assert held.stdout.strip() == "False"
        _unlock(handle.fileno())
    free = subprocess.run([sys.executable, "-c", probe, str(lock)], capture_output=True,
                          text=True, timeout=60, check=True)
    assert free.stdout.strip() == "True"


@windows_only
def test_no_rlimit_on_windows_and_reading_still_works(demo: Path) -> None:
    _cap_memory(1)  # no resource module: nothing to cap, nothing raised
    assert len(bytearray(10 * 2**20)) == 10 * 2**20
    assert not examine_all(_files(demo, 1), Isolation(workers=1))[0].has_errors


def test_unc_paths_are_network_shares() -> None:
    assert network_filesystem(Path(r"\\server\share\xltrack.sqlite")) == "network share"
    assert network_filesystem(Path("//server/share/xltrack.sqlite")) == "network share"


@windows_only
def test_a_mapped_unc_path_on_windows_is_a_network_share() -> None:
    path = Path(str(PureWindowsPath("//server/share/历史/xltrack.sqlite")))
    assert str(path).startswith("\\\\server\\share")
    assert network_filesystem(path) == "network share"


def test_chinese_folder_names_everywhere(demo: Path, tmp_path: Path) -> None:
    """The control workbook, its history and a submission in folders named in Chinese."""
    folder = tmp_path / CHINESE
    inbox = folder / "收件箱" / "2026-10"
    inbox.mkdir(parents=True)
    for path in _files(demo, 2):
        shutil.copyfile(path, inbox / f"报送-{path.name}")
    control = build_workbook(folder / "控制台.xlsm", load_register(demo / "register.json"),
                             default_rules(), {"period": "2026-10", "inbox": "收件箱",
                                               "output": "报告", "database": "历史.sqlite",
                                               "workers": "1"})
    port = FilePort(control)
    entry.validate_inbox(port)
    assert port.messages[-1].startswith("xltrack: 2026-10: 2 个文件 files, 2 通过 accepted")
    with run_lock(folder / "历史.sqlite", wait_s=1):
        assert (folder / "历史.sqlite.lock").exists()
    subs = examine_all(sorted(inbox.glob("*.xlsx")), Isolation(workers=1, start_method="spawn"))
    assert [s.file for s in subs] == sorted(p.name for p in inbox.glob("*.xlsx"))
    assert not any(s.has_errors for s in subs)


def test_ci_runs_the_suite_on_three_systems_and_every_supported_python() -> None:
    yaml = pytest.importorskip("yaml")
    root = Path(__file__).resolve().parents[1]
    workflow = yaml.safe_load((root / ".github" / "workflows" / "ci.yml").read_text("utf-8"))
    job = workflow["jobs"]["test"]
    matrix = job["strategy"]["matrix"]
    assert set(matrix["os"]) == {"ubuntu-latest", "windows-latest", "macos-latest"}
    assert matrix["python-version"] == ["3.11", "3.12", "3.13"]
    runs = "\n".join(step.get("run", "") for step in job["steps"])
    assert "pytest" in runs and "mypy" in runs and "ruff check xltrack tests" in runs
    assert "fonts-noto-cjk" in runs and "libreoffice-calc-nogui" in runs
