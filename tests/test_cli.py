"""The command line: every command has help, exit codes are as documented, JSON parses."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from xltrack import contract as c
from xltrack.cli import cli

from .conftest import Fill, cost_row

README = Path(__file__).resolve().parents[1] / "README.md"


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "xltrack", *args], capture_output=True,
                          text=True, timeout=120)


@pytest.mark.parametrize("command", sorted(cli.commands))
def test_every_command_has_help_an_example_and_is_documented(command: str) -> None:
    result = CliRunner().invoke(cli, [command, "--help"])
    assert result.exit_code == 0
    assert "Example" in result.output
    assert f"xltrack {command}" in README.read_text(encoding="utf-8")


def _commands(group: click.Group, prefix: str = "") -> list[tuple[str, click.Command]]:
    found = []
    for name, command in sorted(group.commands.items()):
        if isinstance(command, click.Group):
            found += _commands(command, f"{prefix}{name} ")
        if not isinstance(command, click.Group) or command.invoke_without_command:
            found.append((prefix + name, command))
    return found


@pytest.mark.parametrize(("name", "command"), _commands(cli), ids=lambda x: str(x))
def test_every_command_takes_lang_json_and_quiet_after_its_name(
        name: str, command: click.Command) -> None:
    """As the README says: every command has --lang and --json; and --quiet, like --json,
    goes before or after the command's name."""
    options = {opt for param in command.params for opt in getattr(param, "opts", ())}
    assert {"--lang", "--json", "--quiet"} <= options, name


def test_validate_exit_codes_and_json(fill: Fill, tmp_path: Path) -> None:
    good = fill(c.Kind.MONTHLY, {"ActualCost": [cost_row()]}, name="good.xlsx")
    fill(c.Kind.MONTHLY, {"ActualCost": [cost_row(amount="abc")]}, name="bad.xlsx")
    (tmp_path / "~$good.xlsx").write_bytes(b"lock")
    ok = _run("validate", str(good), "--period", "2026-10")
    assert ok.returncode == 0, ok.stderr
    result = _run("validate", str(tmp_path), "--json", "--period", "2026-10")
    assert result.returncode == 1
    data = json.loads(result.stdout)
    assert data["summary"]["lock_files_skipped"] == 1
    statuses = {Path(f["file"]).name: f["status"] for f in data["files"]}
    assert statuses == {"good.xlsx": "accepted", "bad.xlsx": "rejected"}
    assert all(re.fullmatch(r"[0-9a-f]{64}", f["sha256"]) for f in data["files"])


@pytest.mark.parametrize("args", [["validate", "no/such/file.xlsx"],
                                  ["validate", ".", "--period", "2026-13"],
                                  ["validate", ".", "--register", "missing.json"],
                                  ["frobnicate"]])
def test_usage_problems_exit_2_with_one_line(args: list[str]) -> None:
    result = _run(*args)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.strip()


def test_templates_and_demo_data(tmp_path: Path) -> None:
    result = _run("templates", str(tmp_path / "t"), "--lang", "en", "--kind", "budget")
    assert result.returncode == 0, result.stderr
    assert [p.name for p in (tmp_path / "t").iterdir()] == ["budget-en.xlsx"]
    result = _run("demo-data", str(tmp_path / "d"), "--period", "2026-02", "--subsidiaries", "3")
    assert result.returncode == 0, result.stderr
    manifest = json.loads((tmp_path / "d" / "expected.json").read_text(encoding="utf-8"))
    assert {f["subsidiary"] for f in manifest["files"]} == {"RE01", "INF01", "TRD01"}


def test_run_and_explain(tmp_path: Path) -> None:
    from .fixture_group import fixture_register, write_fixture_inbox

    write_fixture_inbox(tmp_path)
    register = tmp_path / "register.json"
    from xltrack.settings import save_register

    save_register(fixture_register(), register)
    db = tmp_path / "h.sqlite"
    result = _run("run", "--period", "2026-03", "--inbox", str(tmp_path / "inbox"), "--db",
                  str(db), "--out", str(tmp_path / "out"), "--register", str(register),
                  "--json")
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["group"]["investment actual ytd"] == 3_577_236.00
    assert summary["restatements"] == 1
    assert (tmp_path / "out" / "figures-2026-03.csv").exists()
    explained = _run("explain", "A2-P1", "--period", "2026-03", "--db", str(db), "--basis",
                     "actual", "--span", "ytd")
    assert explained.returncode == 0, explained.stderr
    assert "636,734.50" in explained.stdout and "-corrected.xlsx" in explained.stdout
    missing = _run("explain", "NOPE", "--period", "2026-03", "--db", str(db))
    assert missing.returncode == 2 and "NOPE" in missing.stderr
    quiet = _run("special-reports", "--period", "2026-03", "--db", str(db), "--out",
                 str(tmp_path / "none"), "--register", str(register))
    assert quiet.returncode == 0 and "No major variance" in quiet.stdout


def test_special_reports_command(demo: Path, demo_month: object, tmp_path: Path) -> None:
    db = tmp_path / "h.sqlite"
    ran = _run("run", "--period", "2026-10", "--inbox", str(demo / "inbox"), "--db", str(db),
               "--out", str(tmp_path / "out"), "--register", str(demo / "register.json"))
    assert ran.returncode == 1  # a rejected file and major variances: something to act on
    assert "major in INF01-P01, INF02-P01, RE01-P01, RE02-P02, RE03-P01" in ran.stdout
    result = _run("special-reports", "--period", "2026-10", "--db", str(db), "--out",
                  str(tmp_path / "special"), "--register", str(demo / "register.json"))
    assert result.returncode == 0, result.stderr
    assert len(list((tmp_path / "special").glob("专项报告-*.xlsx"))) == 5


def test_validate_and_actions_speak_chinese(fill: Fill, tmp_path: Path) -> None:
    bad = fill(c.Kind.MONTHLY, {"ActualCost": [cost_row(amount="abc")]}, name="bad.xlsx")
    zh = _run("validate", str(bad), "--period", "2026-10", "--lang", "zh")
    assert zh.returncode == 1
    lines = zh.stdout.splitlines()
    assert lines[0] == f"被退回    {bad}"  # the status word, padded to the English width
    assert lines[1].startswith("  错误     数值无效") and "实际投资!" in lines[1]
    assert re.search(r"实际投资!C\d+ \(amount\)", lines[1])  # file, sheet, cell and key
    assert lines[-1] == ("1 个文件：接收 0 个，退回 1 个；错误 1 项，警告 0 项，提示 0 项；"
                         "跳过 Excel 锁文件 0 个")
    en = _run("validate", str(bad), "--period", "2026-10", "--lang", "en")
    assert en.stdout.splitlines()[-1] == ("1 files: 0 accepted, 1 rejected; 1 errors, 0 "
                                          "warnings, 0 notes; 0 lock files skipped")
    assert json.loads(_run("validate", str(bad), "--period", "2026-10", "--lang", "zh",
                           "--json").stdout)["files"][0]["status"] == "rejected"  # codes
    table = tmp_path / "kw.xlsx"
    made = _run("actions", "--lang", "zh", "init", str(table))
    assert made.stdout.strip() == f"已生成 {table}：每条指示、会议纪要事项或决议一行"
    again = _run("actions", "init", str(table), "--lang", "zh")
    assert again.returncode == 2 and again.stderr.strip() == f"错误：{table} 已存在；请换一个名称"
    listed = _run("actions", "--as-of", "2026-11-20", "--table", str(table), "--lang", "zh")
    assert listed.stdout.strip() == "2026-11-20（kw.xlsx）：待跟进 0 项，逾期 0 项，未完成 0 项"
