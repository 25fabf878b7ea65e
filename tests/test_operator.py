"""The operator's experience: the README's commands run as written, failures are one line."""

from __future__ import annotations

import json
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

from xltrack import contract as c

from .conftest import Fill, cost_row

README = Path(__file__).resolve().parents[1] / "README.md"


def _xltrack(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "xltrack", *args], cwd=cwd, text=True,
                          capture_output=True, timeout=300)


def test_the_readmes_commands_run_as_written(demo: Path, tmp_path: Path) -> None:
    """Every command in the README's sh blocks, in order, in a fresh working folder."""
    blocks = re.findall(r"```sh\n(.*?)```", README.read_text(encoding="utf-8"), re.S)
    lines = [line.split("  #")[0].strip() for block in blocks for line in block.splitlines()]
    cwd, ran = tmp_path, []
    for line in filter(None, lines):
        if line.startswith("make "):
            continue  # the two make commands are what CI and the demo run
        if line.startswith("cd "):
            cwd = cwd / line[3:]
            continue
        args = shlex.split(line)
        assert args[0] == "xltrack", line
        result = _xltrack(*args[1:], cwd=cwd)
        assert result.returncode in (0, 1), (line, result.stdout, result.stderr)
        assert "Traceback" not in result.stderr, line
        ran.append(args[1])
        if args[1] == "init":  # the month's files arrive in the inbox
            shutil.copytree(demo / "inbox", cwd / args[2] / "inbox", dirs_exist_ok=True)
    assert {"init", "validate", "run", "explain", "special-reports", "report",
            "actions"} <= set(ran)
    ops = tmp_path / "ops"
    assert (ops / "reports" / "重大项目监控报告-2026-10.xlsx").exists()
    assert list((ops / "logs").glob("xltrack-*.log"))  # a log per run in the working folder
    assert len(list((ops / "reports" / "special").glob("*.xlsx"))) == 5


def test_init_refuses_a_folder_in_use(tmp_path: Path) -> None:
    (tmp_path / "ops").mkdir()
    (tmp_path / "ops" / "mine.txt").write_text("x")
    result = _xltrack("init", "ops", cwd=tmp_path)
    assert result.returncode == 2 and "not empty" in result.stderr


def test_an_internal_error_is_one_line_and_the_traceback_goes_to_the_log(
        tmp_path: Path) -> None:
    (tmp_path / "logs").mkdir()
    # The command imports generate_all when it runs: patched where it is defined.
    code = ("import sys, xltrack.cli as c, xltrack.cli_setup, xltrack.templates as t\n"
            "def boom(*a, **k): raise RuntimeError('disk on fire')\n"
            "t.generate_all = boom\n"
            "sys.argv = ['xltrack', '--quiet', 'templates', 'out']\n"
            "c.main()\n")
    result = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, text=True,
                            capture_output=True, timeout=120)
    assert result.returncode == 3
    assert result.stderr.count("\n") == 1 and "disk on fire" in result.stderr
    assert "Traceback" not in result.stderr
    [log] = (tmp_path / "logs").glob("xltrack-*.log")
    text = log.read_text(encoding="utf-8")
    assert "Traceback" in text and "RuntimeError: disk on fire" in text
    assert str(log.name) in result.stderr


def test_json_and_quiet_on_any_command(tmp_path: Path) -> None:
    result = _xltrack("--json", "templates", "t", "--lang", "en", "--kind", "plan",
                      cwd=tmp_path)
    assert json.loads(result.stdout) == ["t/plan-en.xlsx"]
    result = _xltrack("templates", "t2", "--kind", "plan", "--json", cwd=tmp_path)
    assert len(json.loads(result.stdout)) == 2
    quiet = _xltrack("--quiet", "templates", "t3", "--kind", "plan", cwd=tmp_path)
    assert "demo register" not in quiet.stderr
    loud = _xltrack("templates", "t4", "--kind", "plan", cwd=tmp_path)
    assert "built-in demo register" in loud.stderr


def test_a_progress_bar_when_a_person_watches_and_none_for_scripts(fill: Fill,
                                                                   tmp_path: Path) -> None:
    import os
    import pty

    for i in range(3):
        fill(c.Kind.MONTHLY, {"ActualCost": [cost_row()]}, name=f"f{i}.xlsx")
    files = [str(tmp_path / f"f{i}.xlsx") for i in range(3)]
    leader, follower = pty.openpty()
    env = {**os.environ, "COLUMNS": "100", "TERM": "xterm"}
    process = subprocess.Popen([sys.executable, "-m", "xltrack", "validate", *files],
                               stdout=subprocess.DEVNULL, stderr=follower, cwd=tmp_path, env=env)
    os.close(follower)
    seen = b""
    while True:
        try:
            chunk = os.read(leader, 4096)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        seen += chunk
    assert process.wait(timeout=120) == 0
    os.close(leader)
    text = seen.decode("utf-8", errors="replace")
    assert "Checking" in text and "3/3" in text
    piped = _xltrack("validate", *files, cwd=tmp_path)
    assert "Checking" not in piped.stderr and "3/3" not in piped.stderr
