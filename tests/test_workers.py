"""A reader that dies or hangs costs its own file a finding; the run and the rest go on."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from xltrack import contract as c
from xltrack import workers
from xltrack.models import Reason
from xltrack.reader import Submission
from xltrack.workers import Isolation, examine_all

from .conftest import Fill, cost_row

_real_examine = workers.examine


def _hostile(path: Path, against: object = None) -> Submission:
    if "abort" in path.name:
        os.abort()  # what a Rust panic or a failed allocation does to the process
    if "hang" in path.name:
        time.sleep(60)
    if "hog" in path.name:
        hoard = bytearray(4 * 2**30)  # beyond the memory cap
        del hoard
    return _real_examine(path, against)  # type: ignore[arg-type]


@pytest.fixture
def files(fill: Fill) -> list[Path]:
    names = ["ok-1.xlsx", "abort.xlsx", "ok-2.xlsx", "hang.xlsx", "hog.xlsx", "ok-3.xlsx"]
    return [fill(c.Kind.MONTHLY, {"ActualCost": [cost_row(amount=float(i))]}, name=name)
            for i, name in enumerate(names)]


def test_deaths_hangs_and_hogs_become_findings(files: list[Path],
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(workers, "examine", _hostile)  # workers are forked after this
    results = examine_all(files, Isolation(workers=2, timeout_s=3, memory_bytes=2**30))
    assert [r.path for r in results] == files
    by_name = {r.path.name: r for r in results}
    for name in ("abort.xlsx", "hang.xlsx", "hog.xlsx"):
        assert [f.reason for f in by_name[name].findings] == [Reason.READER_FAILED], name
    assert "took longer" in by_name["hang.xlsx"].findings[0].message_en
    for i, name in enumerate(["ok-1.xlsx", "ok-2.xlsx", "ok-3.xlsx"]):
        sub = by_name[name]
        assert not sub.findings
        assert sub.tables["ActualCost"].frame["amount"].tolist() == [float([0, 2, 5][i])]


def test_the_file_sent_behind_one_that_kills_its_worker_is_read_all_the_same(
        files: list[Path], monkeypatch: pytest.MonkeyPatch) -> None:
    """A worker is sent its next file before it finishes the one it is on (workers.
    _IN_FLIGHT): when it dies or overruns, the file waiting behind is sent to its
    replacement and read as if nothing had happened. One worker, so it is always so."""
    monkeypatch.setattr(workers, "examine", _hostile)
    assert workers._IN_FLIGHT >= 2
    order = ["ok-1.xlsx", "abort.xlsx", "ok-2.xlsx", "hang.xlsx", "ok-3.xlsx"]
    chosen = sorted((f for f in files if f.name in order), key=lambda f: order.index(f.name))
    results = examine_all(chosen, Isolation(workers=1, timeout_s=3))
    assert [r.path.name for r in results] == order
    failed = {r.path.name for r in results if r.findings}
    assert failed == {"abort.xlsx", "hang.xlsx"}
    assert [r.tables["ActualCost"].frame["amount"].tolist() for r in results
            if r.path.name.startswith("ok")] == [[0.0], [2.0], [5.0]]


def test_results_do_not_depend_on_the_number_of_workers(files: list[Path]) -> None:
    good = [f for f in files if f.name.startswith("ok")]
    one = examine_all(good, Isolation(workers=1))
    two = examine_all(good, Isolation(workers=2))
    for a, b in zip(one, two, strict=True):
        assert a.sha256 == b.sha256
        assert a.tables["ActualCost"].frame.equals(b.tables["ActualCost"].frame)


def test_a_dask_cluster_reads_the_same_as_local_processes(files: list[Path]) -> None:
    """A LocalCluster on loopback, processes as workers: results equal the local run."""
    from distributed import LocalCluster

    good = [f for f in files if f.name.startswith("ok")]
    local = examine_all(good, Isolation(workers=1))
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None) as cluster:
        remote = examine_all(good, Isolation(scheduler=cluster.scheduler_address))
    for a, b in zip(local, remote, strict=True):
        assert (a.path, a.sha256, a.findings) == (b.path, b.sha256, b.findings)
        assert a.tables["ActualCost"].frame.equals(b.tables["ActualCost"].frame)


def test_an_unreachable_scheduler_is_a_clear_usage_error(files: list[Path],
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    from xltrack.errors import UsageError

    monkeypatch.setattr(workers, "CONNECT_TIMEOUT_S", 2)
    with pytest.raises(UsageError, match="Dask scheduler"):
        examine_all(files[:1], Isolation(scheduler="tcp://127.0.0.1:9"))
