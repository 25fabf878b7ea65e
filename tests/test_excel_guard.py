"""No traceback, ever: whatever breaks behind a button — finding the calling workbook, the
status bar, the command, the message box, the log — the entry point returns, the person gets a
box in 中文 and English where one can be shown, and the details go to a log file."""

from __future__ import annotations

import logging
import shutil
import tempfile
from pathlib import Path
from typing import Any

import pytest
import xlwings as xw

from tests import xlwings_memory_engine as memory
from xltrack.excel import commands, entry
from xltrack.excel.build import build_workbook
from xltrack.settings import load_register
from xltrack.variance import default_rules

ENTRY_POINTS = ["validate_inbox", "run_month", "open_report", "special_reports",
                "key_work_follow_ups", "generate_templates", "check_settings"]
COMMANDS = {"validate_inbox": "validate_inbox", "run_month": "run_month_command",
            "open_report": "open_report", "special_reports": "special_reports",
            "key_work_follow_ups": "key_work_follow_ups",
            "generate_templates": "generate_templates", "check_settings": "check_settings"}


@pytest.fixture(scope="module")
def built(demo: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_workbook(tmp_path_factory.mktemp("guard") / "xltrack.xlsm",
                          load_register(demo / "register.json"), default_rules(),
                          {"period": "2026-10", "inbox": str(demo / "inbox")})


@pytest.fixture
def caller(built: Path, tmp_path: Path, excel: memory.App) -> Any:
    path = Path(shutil.copyfile(built, tmp_path / built.name))
    book = xw.Book(str(path))
    book.set_mock_caller()
    return book


def _broken(port: object, settings: object) -> str:
    raise RuntimeError("a bug")


@pytest.mark.parametrize("name", ENTRY_POINTS)
def test_a_bug_in_any_command_is_a_box_and_a_log(name: str, caller: Any, excel: memory.App,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(commands, COMMANDS[name], _broken)
    getattr(entry, name)()  # raises nothing
    text, title = excel.alerts[-1]
    assert title == "xltrack" and text.startswith("内部错误 Internal error.")
    log = Path(text.splitlines()[-1])
    assert log.parent == Path(caller.fullname).parent / "logs"
    assert "RuntimeError: a bug" in log.read_text(encoding="utf-8")
    assert excel.status_bar is False  # the status bar is handed back to Excel


def test_no_calling_workbook_is_a_box_in_excel_and_a_log(excel: memory.App, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """RunPython from a workbook xlwings cannot find (here: no caller at all)."""
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("USERPROFILE", str(tmp_path))
    entry.check_settings()
    text, _ = excel.alerts[-1]
    assert "could not reach the workbook" in text and "找不到" in text
    log = Path(text.splitlines()[-1])
    assert log.parent == tmp_path / "xltrack" / "logs"
    assert "Book.caller()" in log.read_text(encoding="utf-8")


def test_no_excel_at_all_still_returns(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("USERPROFILE", str(tmp_path))
    monkeypatch.setattr(xw.engines, "active", None)
    entry.run_month()
    assert list((tmp_path / "xltrack" / "logs").glob("*.log"))


def test_a_status_bar_that_fails_still_gives_the_message(caller: Any, excel: memory.App,
                                                         monkeypatch: pytest.MonkeyPatch,
                                                         capfd: pytest.CaptureFixture[str]
                                                         ) -> None:
    def refuse(self: memory.App, value: Any) -> None:
        raise OSError("the status bar is gone")
    monkeypatch.setattr(memory.App, "status_bar", property(lambda self: False, refuse))
    entry.check_settings()  # the status bar is a courtesy: the command runs all the same
    assert excel.alerts[-1][0].startswith("设置无误 Settings are valid")
    monkeypatch.setattr(commands, "check_settings", _broken)
    monkeypatch.setattr(logging.root, "handlers", [])  # as in Python started by RunPython
    entry.check_settings()
    assert excel.alerts[-1][0].startswith("内部错误")
    # xlwings shows anything written to stderr in a box of its own (on macOS after every run)
    assert capfd.readouterr().err == ""


def test_a_message_box_that_fails_goes_to_the_log(caller: Any, excel: memory.App,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(self: memory.App, *args: Any) -> str:
        raise RuntimeError("no box")
    monkeypatch.setattr(memory.App, "alert", refuse)
    entry.check_settings()
    logs = list((Path(caller.fullname).parent / "logs").glob("*.log"))
    assert len(logs) == 1 and "设置无误 Settings are valid" in logs[0].read_text("utf-8")


def test_an_unwritable_log_folder_falls_back_to_the_temporary_folder(
        caller: Any, excel: memory.App, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    (Path(caller.fullname).parent / "logs").write_text("a file where the folder should be")
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    monkeypatch.setattr(commands, "check_settings", _broken)
    entry.check_settings()
    log = Path(excel.alerts[-1][0].splitlines()[-1])
    assert log.parent == tmp_path / "tmp" / "xltrack-logs" and log.exists()


def test_when_every_guard_fails_the_button_still_returns(excel: memory.App, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """No caller, no home folder, no box: the traceback still lands in the temporary folder."""
    def nowhere() -> Path:
        raise RuntimeError("Could not determine home directory.")

    def refuse(self: memory.App, *args: Any) -> str:
        raise RuntimeError("no box")
    monkeypatch.setattr(Path, "home", staticmethod(nowhere))
    monkeypatch.setattr(memory.App, "alert", refuse)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    monkeypatch.setattr(entry, "_no_workbook", lambda text: nowhere())  # the guard's guard
    entry.run_month()
    logs = list(tmp_path.glob("*/xltrack-excel-*.log"))
    assert len(logs) == 1 and "home directory" in logs[0].read_text(encoding="utf-8")
