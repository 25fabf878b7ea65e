"""After a roll-over every door uses the new month's table; the Control sheet sets the cadence."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import pytest
from openpyxl import load_workbook

from xltrack.action_book import write_table
from xltrack.action_month import close_month
from xltrack.action_table import SHEET
from xltrack.actions import ActionItem, Cadence, Source
from xltrack.cli import resolve_actions
from xltrack.control import load_control
from xltrack.excel import commands
from xltrack.excel.build import build_workbook
from xltrack.excel.port import FilePort
from xltrack.settings import load_register
from xltrack.variance import default_rules


def test_every_door_uses_the_new_months_table_and_the_control_sheets_cadence(
        demo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    control = build_workbook(tmp_path / "xltrack.xlsm", load_register(demo / "register.json"),
                             default_rules(), {"period": "2026-10", "output": "out",
                                               "follow_up_near_days": "14",
                                               "follow_up_near_every": "2",
                                               "key_work_cutoff_day": "20"})
    today = dt.date.today()
    soon = ActionItem(id="KW-1", source=Source.MINUTES, source_date=today - dt.timedelta(days=2),
                      content="整改", department="运营管理部", person="王敏",
                      original_deadline=dt.date(2026, 11, 30), deadline=dt.date(2026, 11, 30))
    table = write_table(tmp_path / "key-work.xlsx", [soon], today)
    wb = load_workbook(table)
    wb[SHEET]["R4"] = today + dt.timedelta(days=10)  # the new deadline, 10 days away
    wb.save(table)
    settings = load_control(FilePort(control))
    closed = close_month(table, "2026-11", Cadence(cutoff_day=20))
    assert closed.cutoff == dt.date(2026, 11, 20)
    december = tmp_path / "key-work-2026-12.xlsx"
    # The control workbook's button: December's table, followed up every 2 days within 14.
    message = commands.key_work_follow_ups(FilePort(control), settings, today)
    assert "key-work-2026-12.xlsx" in message and "1 项待跟进" in message
    # The report of run / report: the same table.
    monkeypatch.chdir(tmp_path)
    work = resolve_actions(None, None)
    assert work is not None and work.path.resolve() == december.resolve()
    assert work.cadence.near_every == 2 and work.cadence.cutoff_day == 20
    # The CLI: the same table and cadence, with no path given.
    shown = subprocess.run([sys.executable, "-m", "xltrack", "actions", "--as-of", "today",
                            "--json"], cwd=tmp_path, text=True, capture_output=True,
                           timeout=120)
    assert shown.returncode == 0, shown.stderr
    data = json.loads(shown.stdout)
    assert Path(data["table"]).name == "key-work-2026-12.xlsx"
    assert data["items"][0]["next_follow_up"] == today.isoformat()  # 2 days since the last
    assert data["items"][0]["flag"] == "due soon 临期"  # 10 days left is within 14
