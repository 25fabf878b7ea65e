"""Many projects' special reports are written by forked processes: the same files, in the
same order, as written one by one here; what a report raises is raised in the run. A few
tasks are shared between the run and one forked process per further core (each_task)."""

from __future__ import annotations

import inspect
import os
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from xltrack import monthly
from xltrack.errors import UsageError
from xltrack.monthly import MonthResult, write_special_reports
from xltrack.report import written

from . import test_special, test_written

linux = pytest.mark.skipif(not sys.platform.startswith("linux"),
                           reason="reports are written in parallel where processes fork")


def _parts(path: Path) -> dict[str, bytes]:
    """A document's parts but the one that holds the moment it was written."""
    with zipfile.ZipFile(path) as zf:
        return {n: zf.read(n) for n in zf.namelist() if n != "docProps/core.xml"}


@linux
def test_in_parallel_the_same_reports_as_one_by_one(demo_month: MonthResult, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    serial = write_special_reports(demo_month, tmp_path / "serial")
    monkeypatch.setattr(monthly, "PARALLEL_FROM", 1)
    parallel = write_special_reports(demo_month, tmp_path / "parallel")
    assert [p.name for p in parallel] == [p.name for p in serial]
    assert len(serial) > 3
    for one, other in zip(serial, parallel, strict=True):
        assert _parts(one) == _parts(other), one.name


def _pid() -> list[Path]:
    return [Path(str(os.getpid()))]


@linux
def test_several_projects_are_shared_with_other_processes(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    tasks = [_pid] * monthly.PARALLEL_FROM
    pids = [p.name for paths in monthly.each_task(tasks) for p in paths]
    assert len(pids) == len(tasks)
    here = str(os.getpid())
    # this process the first share (the overview's), another process the rest, in order
    assert pids[0] == here and pids[-1] != here
    assert len(set(pids)) == 2 and pids == sorted(pids, key=lambda p: p != here)
    few = {p.name for paths in monthly.each_task(tasks[:-1]) for p in paths}
    assert few == {here}  # a few: here, no process started


def _notes(note: str, paths: list[Path]) -> Callable[[], list[Path]]:
    def task() -> list[Path]:
        written.keep_placement_notes([note])
        return paths
    return task


@linux
def test_shared_tasks_give_their_notes_and_results_in_order(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "cpu_count", lambda: 3)
    written.keep_placement_notes(["before"])
    tasks = [_notes(str(i), [Path(str(i))]) for i in range(7)]
    assert monthly.each_task(tasks) == [[Path(str(i))] for i in range(7)]
    assert written.placement_notes() == ["before", *map(str, range(7))]


def _dies() -> list[Path]:
    os._exit(3)


def _raises() -> list[Path]:
    raise UsageError("无法写入", "cannot be written")


@linux
def test_a_process_that_dies_or_raises_is_said_in_the_run(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    with pytest.raises(ChildProcessError, match="stopped without its result"):
        monthly.each_task([_pid, _pid, _dies])
    with pytest.raises(UsageError):
        monthly.each_task([_pid, _pid, _raises])
    assert written.placement_notes() == []


def _refuse(*args: object, **kwargs: object) -> Path:
    raise UsageError("专项报告无法写入", "the special report cannot be written")


@linux
def test_what_a_report_raises_in_a_process_is_raised_in_the_run(
        demo_month: MonthResult, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(monthly, "PARALLEL_FROM", 1)
    monkeypatch.setattr(monthly, "write_special_docx", _refuse)
    with pytest.raises(UsageError) as raised:
        write_special_reports(demo_month, tmp_path)
    assert raised.value.text("zh") == "专项报告无法写入"


@linux
@pytest.mark.parametrize("case", [
    test_special.test_a_typed_assessment_survives_reruns_and_a_project_leaving,
    test_special.test_a_report_open_in_excel_is_not_replaced,
    test_written.test_the_assessment_is_kept_across_re_runs,
    test_written.test_a_document_open_in_word_is_left_alone_and_the_new_one_goes_beside_it,
], ids=lambda case: case.__name__)
def test_what_people_typed_and_open_reports_are_kept_in_parallel(
        case: Callable[..., None], demo_month: MonthResult, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The special reports' own tests of typing kept and open files left alone (and the
    note saying where a report open in Word went), with every project's reports written by
    the forked processes."""
    monkeypatch.setattr(monthly, "PARALLEL_FROM", 1)
    if "monkeypatch" in inspect.signature(case).parameters:
        with pytest.MonkeyPatch.context() as its_own:  # its undo() leaves ours in place
            case(demo_month, tmp_path, its_own)
    else:
        case(demo_month, tmp_path)
