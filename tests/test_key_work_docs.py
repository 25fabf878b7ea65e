"""Every key-work command shown in --help, the README and the docs runs as shown."""

from __future__ import annotations

import datetime as dt
import json
import re
import shlex
import subprocess
import sys
from contextlib import chdir
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from xltrack.action_book import write_table
from xltrack.action_table import SHEET, read_key_work
from xltrack.actions import ActionItem, Note, Source, next_follow_up
from xltrack.cli import cli
from xltrack.monthly import MonthResult

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", ROOT / "docs" / "user-guide.md", ROOT / "docs" / "scheduling.md"]
_COMMAND = re.compile(r"xltrack actions[^`\n#>]*")


def _shown_commands() -> list[str]:
    texts = [p.read_text(encoding="utf-8") for p in DOCS]
    texts.append(CliRunner().invoke(cli, ["actions", "--help"]).output)
    for sub in ("init", "rollover"):
        texts.append(CliRunner().invoke(cli, ["actions", sub, "--help"]).output)
    found = {m.group(0).strip().rstrip(".,;:)") for t in texts for m in _COMMAND.finditer(t)}
    # Synopsis lines ("[--as-of DATE|today]", "…") describe options; they are not examples.
    return sorted(c for c in found if "[" not in c and "…" not in c and not c.endswith("init"))


def _table(folder: Path) -> Path:
    today = dt.date.today()
    items = [ActionItem(id="KW-1", source=Source.MINUTES, source_date=dt.date(2026, 11, 2),
                        content="整改方案", department="运营管理部", person="王敏",
                        original_deadline=dt.date(2026, 11, 30),
                        deadline=dt.date(2026, 11, 30)),
             ActionItem(id="KW-2", source=Source.INSTRUCTION, source_date=today,
                        content="督办", department="财务管理部", person="李娜",
                        original_deadline=today, deadline=today)]
    path = write_table(folder / "key-work.xlsx", items, today)
    wb = load_workbook(path)
    wb[SHEET]["R4"], wb[SHEET]["R5"] = dt.date(2027, 1, 10), dt.date(2027, 1, 31)
    wb.save(path)
    return path


def test_the_documented_commands_are_found() -> None:
    commands = _shown_commands()
    for wanted in ("xltrack actions rollover --month 2026-11 --table key-work.xlsx",
                   "xltrack actions --as-of today", "xltrack actions --as-of 2026-11-20",
                   "xltrack actions init key-work.xlsx"):
        assert wanted in commands


@pytest.mark.parametrize("command", _shown_commands())
def test_every_documented_key_work_command_runs(command: str, tmp_path: Path) -> None:
    args = shlex.split(command)[1:]
    if "init" not in args:
        _table(tmp_path)
    with chdir(tmp_path):  # in-process: the same click command the console script runs
        result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, (result.output, result.exception)
    if "rollover" in args:
        assert (tmp_path / "key-work-2026-12.xlsx").exists()
        with chdir(tmp_path):
            again = CliRunner().invoke(cli, [*args, "--json"])
        assert "exists already" in str(again.exception)  # the second time: refused
    if "--json" in args:
        assert "follow_up" in json.loads(result.stdout)


def test_rollover_json_gives_the_counts_for_the_performance_review(tmp_path: Path) -> None:
    _table(tmp_path)
    with chdir(tmp_path):
        result = CliRunner().invoke(cli, ["actions", "rollover", "--month", "2026-11",
                                          "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)["summary"]
    assert [(r["department"], r["person"], r["open"]) for r in summary] == [
        ("财务管理部", "李娜", 1), ("运营管理部", "王敏", 1)]


def test_special_reports_track_adds_to_the_table_in_force(demo: Path, demo_month: MonthResult,
                                                          tmp_path: Path) -> None:
    table = _table(tmp_path)
    args = ["special-reports", "--period", "2026-10", "--db", str(demo_month.db), "--register",
            str(demo / "register.json"), "--out", str(tmp_path / "special"),
            "--track", "key-work.xlsx", "--json"]
    result = subprocess.run([sys.executable, "-m", "xltrack", *args], cwd=tmp_path, text=True,
                            capture_output=True, timeout=300)
    assert result.returncode == 0, result.stderr
    tracked = json.loads(result.stdout)["tracked"]
    assert len(tracked) == 5
    work = read_key_work(table)
    assert [i.id for i in work.items][:2] == ["KW-1", "KW-2"] and not work.problems
    contact = "集团运营管理部 王敏 0571-88886666 ops@example.com"  # no owner typed: operations
    assert {i.person for i in work.items[2:]} == {contact}
    # The responsible department is the subsidiary by its name, not its code.
    names = dict(zip(demo_month.consolidation.projects.project,
                     demo_month.consolidation.projects.subsidiary_name, strict=True))
    assert {i.department for i in work.items[2:]} == {names[i.project] for i in work.items[2:]}
    assert not any(re.fullmatch(r"[A-Z]+\d+", i.department) for i in work.items[2:])


def test_the_user_guides_cadence_examples() -> None:
    def on(deadline: dt.date) -> dt.date:
        item = ActionItem(id="A", source=Source.MINUTES, source_date=dt.date(2026, 10, 1),
                          content="c", department="d", person="p", original_deadline=deadline,
                          deadline=deadline, notes=(Note(on=dt.date(2026, 11, 2), text="x"),))
        return next_follow_up(item, dt.date(2026, 11, 2))
    assert on(dt.date(2026, 11, 30)) == dt.date(2026, 11, 9)
    assert on(dt.date(2026, 11, 12)) == dt.date(2026, 11, 5)
