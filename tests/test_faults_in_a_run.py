"""Faults inside a whole run: hostile files among good ones, kills at random moments, a
read-only output folder. The good files must consolidate exactly as in a clean run."""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from xltrack import store
from xltrack.intake import OLE_MAGIC
from xltrack.monthly import consolidate_period, run_month

from .fixture_group import EXPECTED_INVESTMENT, PERIOD, fixture_register, write_fixture_inbox


def _figures(db: Path) -> list[tuple[object, ...]]:
    with store.open_store(db) as conn:
        figures = consolidate_period(conn, fixture_register(), PERIOD).figures
    return sorted(map(tuple, figures.itertuples(index=False)))


@pytest.fixture(scope="module")
def group(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("group")
    write_fixture_inbox(folder)
    return folder


def _rezip(source: Path, target: Path, part: str, body: bytes) -> None:
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as z:
        for item in zin.infolist():
            z.writestr(item, body if item.filename == part else zin.read(item.filename))


def test_hostile_files_among_good_ones(group: Path, tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    shutil.copytree(group / "inbox", inbox)
    good = sorted(inbox.glob("*.xlsx"))
    sample = good[-1]
    hostile = {
        "bomb.xlsx": "zip_bomb", "xxe.xlsx": "xml_unsafe", "renamed-csv.xlsx": "wrong_format",
        "secret.xlsx": "encrypted", "empty.xlsx": "empty_file", "cut.xlsx": "corrupt_zip",
        "styles.xlsx": "reader_failed", "sheet.xlsx": "reader_failed",
    }
    with zipfile.ZipFile(inbox / "bomb.xlsx", "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/sharedStrings.xml", b"A" * (64 * 2**20))
    _rezip(sample, inbox / "xxe.xlsx", "xl/workbook.xml",
           b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x/>')
    (inbox / "renamed-csv.xlsx").write_text("a,b\n1,2\n3,4\n")
    (inbox / "secret.xlsx").write_bytes(OLE_MAGIC + b"\0" * 600
                                        + "EncryptedPackage".encode("utf-16-le"))
    (inbox / "empty.xlsx").write_bytes(b"")
    (inbox / "cut.xlsx").write_bytes(sample.read_bytes()[:3000])
    _rezip(sample, inbox / "styles.xlsx", "xl/styles.xml", b"<styleSheet><<broken")
    _rezip(sample, inbox / "sheet.xlsx", "xl/worksheets/sheet2.xml", b"<worksheet><sheetData><row")
    (inbox / "~$A1-monthly.xlsx").write_bytes(b"owner")  # Excel's lock file: skipped

    result = run_month(inbox, fixture_register(), PERIOD, tmp_path / "h.sqlite")
    found = {s.path.name: s.findings[0].reason.value for s in result.checked.submissions
             if s.has_errors}
    assert {k: found.get(k) for k in hostile} == hostile
    assert len(result.checked.lock_files) == 1
    clean = run_month(group / "inbox", fixture_register(), PERIOD, tmp_path / "clean.sqlite")
    assert _figures(tmp_path / "h.sqlite") == _figures(tmp_path / "clean.sqlite")
    expected = EXPECTED_INVESTMENT[("group", "GROUP", "actual")]["ytd"]
    assert clean.consolidation.figure("group", "GROUP", "investment", "actual", "ytd") == expected


def test_runs_killed_at_random_moments_then_rerun(group: Path, tmp_path: Path) -> None:
    """Kill `xltrack run` at random points; each later run finds a consistent history and
    the last one ends exactly where an undisturbed run ends."""
    from xltrack.settings import save_register

    command = [sys.executable, "-m", "xltrack", "--quiet", "run", "--period", PERIOD]
    work, cold = tmp_path / "work", tmp_path / "cold"
    for folder in (work, cold):
        shutil.copytree(group / "inbox", folder / "inbox")
        save_register(fixture_register(), folder / "register.json")
    # Kill moments are drawn within an undisturbed run's duration on this machine, so that a
    # faster machine still kills runs mid-way instead of after they finished.
    started = time.monotonic()
    subprocess.run(command, cwd=cold, capture_output=True, timeout=300, check=True)
    duration = time.monotonic() - started
    rng = random.Random(7)
    kills = 0
    for _ in range(5):
        child = subprocess.Popen(command, cwd=work, stdout=subprocess.DEVNULL,
                                 stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.1, 0.8) * duration)
        if child.poll() is None:
            os.kill(child.pid, signal.SIGKILL)
            kills += 1
        child.wait()
        with store.open_store(work / "xltrack.sqlite") as conn:  # consistent after each kill
            orphans = conn.execute("SELECT COUNT(*) FROM facts WHERE submission_id NOT IN "
                                   "(SELECT id FROM submissions)").fetchone()[0]
            assert orphans == 0
    assert kills >= 1
    final = subprocess.run([sys.executable, "-m", "xltrack", "--quiet", "run", "--period",
                            PERIOD], cwd=work, capture_output=True, text=True, timeout=300)
    assert final.returncode == 0, final.stderr
    run_month(group / "inbox", fixture_register(), PERIOD, tmp_path / "clean.sqlite")
    assert _figures(work / "xltrack.sqlite") == _figures(tmp_path / "clean.sqlite")
    report = work / "reports" / "重大项目监控报告-2026-03.xlsx"
    assert zipfile.is_zipfile(report)  # never a half-written report


def test_a_read_only_output_folder_is_one_line(group: Path, tmp_path: Path) -> None:
    """/proc refuses new files even to root, so this holds however the tests are run."""
    from xltrack.settings import save_register

    save_register(fixture_register(), tmp_path / "register.json")
    shutil.copytree(group / "inbox", tmp_path / "inbox")
    if not Path("/proc/self").exists():
        pytest.skip("no /proc on this system")
    result = subprocess.run([sys.executable, "-m", "xltrack", "run", "--period", PERIOD,
                             "--out", "/proc/xltrack-reports"], cwd=tmp_path,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr and "/proc/xltrack-reports" in result.stderr
