"""The Issue templates and Chase buttons, run through the workbook port as Excel runs them."""

from __future__ import annotations

import shutil
from pathlib import Path

from xltrack.excel import entry
from xltrack.excel.build import build_workbook
from xltrack.excel.port import FilePort
from xltrack.monthly import MonthResult
from xltrack.settings import Register
from xltrack.variance import default_rules


def _control(folder: Path, register: Register, demo_month: MonthResult) -> FilePort:
    shutil.copyfile(demo_month.db, folder / "history.sqlite")
    built = build_workbook(folder / "xltrack.xlsm", register, default_rules(),
                           {"period": "2026-10", "database": "history.sqlite",
                            "output": "out"})
    return FilePort(built)


def test_the_issue_button_writes_a_template_per_subsidiary(
        tmp_path: Path, register: Register, demo_month: MonthResult) -> None:
    port = _control(tmp_path, register, demo_month)
    entry.issue_templates(port)
    written = sorted((tmp_path / "outbox" / "2026-10").glob("*.xlsx"))
    assert [p.name for p in written] == sorted(f"{s.code}-monthly-2026-10.xlsx"
                                               for s in register.subsidiaries)
    assert port.messages[-1].removeprefix("xltrack: ").startswith(
        f"已生成 {len(written)} 份 2026-10 预填模板")


def test_the_chase_button_drafts_reminders_and_sends_nothing(
        tmp_path: Path, register: Register, demo_month: MonthResult) -> None:
    port = _control(tmp_path, register, demo_month)
    entry.chase(port)
    drafts = sorted(p.name for p in (tmp_path / "outbox" / "chase-2026-10").glob("*.eml"))
    # The demo's October: INF03's file has errors, TRD02's came after the deadline.
    assert drafts == ["INF03-chase-2026-10.eml", "TRD02-chase-2026-10.eml"]
    assert "INF03, TRD02" in port.messages[-1]
    empty = tmp_path / "empty"
    empty.mkdir()
    port = FilePort(build_workbook(empty / "xltrack.xlsm", register, default_rules(),
                                   {"period": "2026-10"}))
    entry.chase(port)
    # The workbook's language (zh) is known once its settings are read: the error is in it.
    assert port.messages[-1].removeprefix("xltrack: ").startswith("未完成：")
    assert "请先点击“运行本月”" in port.messages[-1]
