"""`xltrack run` writes the monitoring report in a forked process beside the CSVs and the
special reports (monthly.each_task, where processes fork): the same files listed in the same
order as written one after the other, the notes of documents left open said in that order,
and what the report's writer raises said as the one line it would be in the run."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from xltrack.report.monitoring import report_name

PERIOD = "2026-10"


def _run(demo: Path, db: Path, out: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "xltrack", "run", "--period", PERIOD,
                           "--inbox", str(demo / "inbox"), "--db", str(db), "--out", str(out),
                           "--register", str(demo / "register.json"), *extra],
                          capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def history(demo: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo month stored once: every later run reads nothing new."""
    folder = tmp_path_factory.mktemp("beside")
    ran = _run(demo, folder / "h.sqlite", folder / "first")
    assert ran.returncode == 1, ran.stderr  # a rejected file and major variances
    return folder / "h.sqlite"


def test_the_files_are_listed_in_the_order_they_were_written_one_by_one(
        demo: Path, history: Path, tmp_path: Path) -> None:
    shutil.copy(history, tmp_path / "h.sqlite")
    ran = _run(demo, tmp_path / "h.sqlite", tmp_path / "out", "--json")
    written = [Path(p) for p in json.loads(ran.stdout)["written"]]
    out = tmp_path / "out"
    csvs = [out / f"{name}-{PERIOD}.csv" for name in
            ("figures", "milestones", "status", "submissions", "variances", "earned-value")]
    special = sorted((out / "special").iterdir())
    overview = out / "special" / f"月度监控简报-{PERIOD}.docx"
    projects = [p for p in special if p != overview]
    assert written[:6] == csvs and written[-2:] == [overview, out / report_name(PERIOD)]
    assert sorted(written[6:-2]) == projects and len(projects) == 10
    assert all(p.exists() for p in written)


def test_documents_left_open_are_said_in_the_order_written(demo: Path, history: Path,
                                                          tmp_path: Path) -> None:
    shutil.copy(history, tmp_path / "h.sqlite")
    out = tmp_path / "out"
    assert _run(demo, tmp_path / "h.sqlite", out).returncode == 1
    docx = sorted((out / "special").glob("专项书面报告-*.docx"))
    for document in (docx[0], docx[-1]):  # one in each share of the special reports
        (document.parent / f"~${document.name[2:]}").write_bytes(b"owner")  # Word's
    report = out / report_name(PERIOD)
    (out / f"~${report.name}").write_bytes(b"owner")  # Excel's
    again = _run(demo, tmp_path / "h.sqlite", out)
    assert again.returncode == 1, again.stderr
    said = [line for line in again.stderr.splitlines() if " is open in " in line]
    assert [line.split(" is open in ")[0] for line in said] == [
        docx[0].name, docx[-1].name, report.name]
    assert len(list(out.glob(f"{report.stem}-*.xlsx"))) == 1  # the new report beside it


def test_what_the_reports_writer_raises_is_the_runs_one_line(demo: Path, history: Path,
                                                            tmp_path: Path) -> None:
    shutil.copy(history, tmp_path / "h.sqlite")
    out = tmp_path / "out"
    (out / report_name(PERIOD)).mkdir(parents=True)  # no report can replace a folder
    ran = _run(demo, tmp_path / "h.sqlite", out)
    assert ran.returncode == 2
    assert "Traceback" not in ran.stderr and "Is a directory" in ran.stderr
    assert len(list((out / "special").iterdir())) == 11  # the other files are written


def test_a_large_month_writes_its_report_after_the_others(
        demo_month: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A forked writer copies the pages it touches: past BESIDE_BELOW_BYTES of resident
    memory the report is written in this process after the others (no fork for it), below it
    beside them; the files are the same either way."""
    import os

    from xltrack import monthly

    forks: list[int] = []
    real_fork = os.fork

    def counted() -> int:
        forks.append(1)
        return real_fork()

    monkeypatch.setattr(os, "fork", counted)
    monkeypatch.setattr(monthly, "PARALLEL_FROM", 10_000)  # the special reports one by one
    listed = {}
    for name, limit in (("large", 0), ("small", 2**62)):
        monkeypatch.setattr(monthly, "BESIDE_BELOW_BYTES", limit)
        forks.clear()
        out = tmp_path / name
        written, _ = monthly.write_month(demo_month, out, out / report_name(PERIOD))
        listed[name] = ([p.relative_to(out) for p in written], len(forks))
    assert listed["large"][1] == 0
    assert listed["small"][1] == (1 if sys.platform.startswith("linux")
                                  and (os.cpu_count() or 1) > 1 else 0)
    assert listed["large"][0] == listed["small"][0]
    assert monthly._resident_bytes() > 0 or not Path("/proc/self/statm").exists()
