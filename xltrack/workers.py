"""Reading in worker processes, so that no submission can take the run down.

python-calamine can abort the whole process (a Rust panic or a failed allocation is not an
exception Python can catch), and a hostile file can make any parser hang. Each file is read in
a worker with a memory cap; the parent watches every worker, and a worker that dies or overruns
its time is replaced, its file getting a finding. The other files go on.
"""

from __future__ import annotations

import faulthandler
import hashlib
import multiprocessing as mp
import os
import pickle
import sys
import time
import zipfile
import zlib
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from functools import partial
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Any

from .errors import UsageError
from .intake import DEFAULT_LIMITS, check, is_lock_file
from .models import Finding, Reason, Severity
from .reader import Submission, TableData, file_digest, read_submission
from .settings import Register
from .store_rows import Rows, table_rows
from .units import UnitCheck, check_units
from .validate import check_file


@dataclass(frozen=True)
class Isolation:
    workers: int = 0  # 0: one per core
    timeout_s: float = 60.0
    memory_bytes: int = 2 * 2**30
    # A Dask scheduler (tcp://host:port): read on its workers instead, which must see the
    # same paths (a shared folder). Needs the optional extra xltrack[distributed].
    scheduler: str | None = None
    # How reader processes start: None is fork on Linux, spawn elsewhere (Windows and macOS
    # have no safe fork). "spawn" on Linux runs them as Windows does, for the tests.
    start_method: str | None = None


# What a file is checked against inside the reader: the register and the period, and what its
# amounts are expected to be near (the unit check: from the history and the register, known
# before reading), when the units are to be checked.
Against = tuple[Register, str | None] | tuple[Register, str | None, UnitCheck]


def examine(path: Path, against: Against | None = None, compact: bool = True) -> Submission:
    """Intake guards, reading, and (given `against`) the checks that need this file alone: the
    whole of one file's work, in whatever process.

    The file is read once (unless it is too large to be a submission at all). `compact`: the
    tables compacted for the pipe (pack compacts only those it keeps as tables)."""
    too_large = path.stat().st_size > DEFAULT_LIMITS.max_file_bytes
    data = None if too_large else path.read_bytes()
    sheets: dict[str, bytes] = {}  # unzipped once, by the guards, for the reader too
    opened: list[zipfile.ZipFile] = []  # and its directory read once
    guards = check(path, data=data, sheets=sheets, opened=opened)
    if any(f.severity is Severity.ERROR for f in guards):
        digest, size = file_digest(path) if data is None else (
            hashlib.sha256(data).hexdigest(), len(data))
        return Submission(path=path, sha256=digest, size=size, findings=guards)
    sub = read_submission(path, data, sheets, opened=opened[0] if opened else None)
    sub.findings[:0] = guards
    if against is not None:
        check_file(sub, against[0], against[1])
        if len(against) == 3 and sub.kinds:
            check_units(sub, against[0], against[2])  # last: check_files moves its findings
    if compact:
        for table in sub.tables.values():  # checked: compact for the pipe and the parent's wait
            table.compact()
    return sub


def examine_all(paths: Sequence[Path], isolation: Isolation | None = None,
                progress: Callable[[int, int], None] | None = None,
                against: Against | None = None,
                packs: dict[int, bytes] | None = None) -> list[Submission]:
    """Every file examined, in the order given; lock files (~$) are left out.

    Given `packs`, each reader packs its file (pack): the submissions come back with their
    plans and progress, and `packs` gets the rows of every table and any other table whose
    rows could not be made, by the file's place in the result."""
    isolation = isolation or Isolation()
    files = [p for p in paths if not is_lock_file(p)]
    results: dict[int, Submission] = {}
    workers = isolation.workers or os.cpu_count() or 1
    packing = packs is not None
    source = (_on_dask(files, isolation, against, packing) if isolation.scheduler else
              _Supervisor(files, isolation, min(workers, max(len(files), 1)),
                          partial(_examine_task, against, packing), _failed).run())
    for index, result in source:
        if isinstance(result, tuple):
            results[index], blob = result
            if packs is not None:
                packs[index] = blob
        else:
            results[index] = result
        if progress:
            progress(len(results), len(files))
    return [results[i] for i in range(len(files))]


# What the run needs of every file before it stores the first: the plans and the progress
# (validate_all checks Progress milestones against the plans among all the files).
NEEDED_BEFORE_STORING = frozenset({"Plan", "Progress"})


def pack(sub: Submission) -> tuple[Submission, bytes]:
    """`sub` with only the tables needed before storing, and the rows every table makes in the
    history (store_rows.table_rows: the readers make them, in parallel, rather than the
    parent, which stores the files one after another; the plans and progress too, although
    they are held as tables for the milestones, which read but do not change them) as one
    compressed pickle, which is what the parent holds of them until it stores the file:
    smaller than the tables were, where the parent holds every file of a run (zlib's fastest
    level: the readers pay for it, in parallel). A table whose rows cannot be made (a value
    the history would refuse) goes in the pickle as it is (or, needed before storing, stays
    held), and the store makes its rows, and refuses them, as from a table held.

    `sub`'s tables may come uncompacted (examine(compact=False)): those kept are compacted
    here."""
    rows: dict[str, Rows] = {}
    rest: dict[str, TableData] = {}
    for name, table in sub.tables.items():
        try:
            rows[name] = table_rows(table)
        except Exception:  # noqa: BLE001 - the store's to refuse, with its finding
            if name not in NEEDED_BEFORE_STORING:  # those are held as tables anyway
                rest[name] = table
    for table in (*rest.values(), *(sub.tables[k] for k in NEEDED_BEFORE_STORING
                                    if k in sub.tables)):
        table.compact()  # idempotent: tables compacted already are left as they are
    blob = zlib.compress(pickle.dumps((list(sub.tables), rest, rows),
                                      pickle.HIGHEST_PROTOCOL), 1)
    sub.tables = {k: v for k, v in sub.tables.items() if k in NEEDED_BEFORE_STORING}
    return sub, blob


def unpack(sub: Submission, blob: bytes) -> dict[str, Rows]:
    """Every table `pack` did not make into rows back in `sub`, with those it held (the plans
    and progress), in the order they were read; and the rows made, by table."""
    order, rest, rows = pickle.loads(zlib.decompress(blob))
    tables: dict[str, TableData] = {**sub.tables, **rest}
    sub.tables.clear()
    sub.tables.update((name, tables[name]) for name in order if name in tables)
    return rows  # type: ignore[no-any-return]


CONNECT_TIMEOUT_S = 20  # how long to look for a Dask scheduler before saying it is unreachable


def _on_dask(files: Sequence[Path], isolation: Isolation, against: Against | None,
             packed: bool) -> Iterator[tuple[int, Submission | tuple[Submission, bytes]]]:
    """Read on a Dask cluster through its concurrent.futures executor; a task that fails
    (its worker died, or it raised) becomes that file's finding, as with local workers."""
    try:
        from distributed import Client
    except ImportError:
        raise UsageError("--scheduler 需要 Dask distributed：pip install 'xltrack[distributed]'",
                         "--scheduler needs Dask distributed: pip install "
                         "'xltrack[distributed]'") from None
    try:
        client = Client(isolation.scheduler, timeout=CONNECT_TIMEOUT_S)  # type: ignore[no-untyped-call]
    except OSError as exc:
        raise UsageError(f"无法连接 Dask 调度器 {isolation.scheduler}：{exc}",
                         f"cannot reach the Dask scheduler {isolation.scheduler}: {exc}") from None
    with client:
        executor = client.get_executor()  # type: ignore[no-untyped-call]
        futures = [executor.submit(_examine_packed if packed else examine, path, against)
                   for path in files]
        for index, (path, future) in enumerate(zip(files, futures, strict=True)):
            try:
                yield index, future.result(timeout=isolation.timeout_s)
            except TimeoutError:
                future.cancel()
                yield index, _failed(path, f"读取超时（{isolation.timeout_s:.0f} 秒）",
                                     f"reading took longer than {isolation.timeout_s:.0f} s")
            except Exception as exc:  # noqa: BLE001 - the cluster's failure is the file's
                yield index, _failed(path, f"读取出错：{type(exc).__name__}",
                                     f"the reader failed on the cluster: {exc}")


def _cap_memory(limit: int) -> None:
    try:
        import resource
    except ImportError:  # Windows: no rlimits; the timeout still applies
        return
    try:
        with open("/proc/self/statm") as statm:
            current = int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except OSError:
        current = 0
    cap = current + limit
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))


def _die_with_parent(parent: int) -> None:
    """A reader outlives a killed run otherwise: a forked worker holds copies of every pipe, so
    it never sees the end of its own. Linux can kill it when the parent dies."""
    if not sys.platform.startswith("linux"):
        return  # spawned workers (macOS, Windows) see their pipe close instead
    import ctypes
    import signal

    pr_set_pdeathsig = 1
    ctypes.CDLL(None).prctl(pr_set_pdeathsig, signal.SIGKILL)
    if os.getppid() != parent:  # the parent died before the request was made
        os._exit(1)


def _examine_task(against: Against | None, packed: bool,
                  path: Path) -> Submission | tuple[Submission, bytes]:
    if packed:  # looked up at each call: tests replace it
        return pack(examine(path, against, compact=False))
    return examine(path, against)


def _examine_packed(path: Path, against: Against | None) -> tuple[Submission, bytes]:
    return pack(examine(path, against, compact=False))


@dataclass(frozen=True)
class _Failure:
    """What a job raised, worded for the finding of its file."""
    zh: str
    en: str


def _worker(conn: Connection, memory: int, parent: int, job: Callable[[Any], Any]) -> None:
    _die_with_parent(parent)
    # A worker that dies is reported as a finding; its stack dump would only alarm the operator.
    faulthandler.disable()
    _cap_memory(memory)
    while True:
        try:
            message = conn.recv()
        except EOFError:
            return
        if message is None:
            return
        index, task = message
        try:
            result = job(task)
        except MemoryError:
            result = _Failure("内存不足", "it needs more memory than allowed")
        except Exception as exc:  # noqa: BLE001 - any fault in a file's work is its finding
            result = _Failure(f"出错：{type(exc).__name__}", f"{type(exc).__name__}: {exc}")
        conn.send((index, result))


def _failed(path: Path, zh: str, en: str) -> Submission:
    """The finding of a file whose reading failed (`zh`, `en`: how)."""
    try:
        digest, size = file_digest(path)
    except OSError:
        digest, size = "", 0
    return Submission(path=path, sha256=digest, size=size, findings=[Finding(
        severity=Severity.ERROR, reason=Reason.READER_FAILED, file=path.name,
        message_zh=f"文件无法读取（{zh}），请在 Excel 中打开并另存为 .xlsx 后重新发送",
        message_en=f"the file could not be read ({en}); open it in Excel, save it as .xlsx "
                   "and send it again")])


@dataclass
class _Slot:
    process: mp.process.BaseProcess
    conn: Connection
    # The tasks sent, in order: the first is the one being worked on; the one behind it
    # waits in the pipe, so that the worker starts it the moment it sends its result rather
    # than after the parent has received that result and answered.
    sent: list[tuple[int, Any]] = field(default_factory=list)
    started: float = 0.0  # when the first of `sent` began (as far as the parent can tell)

    @property
    def task(self) -> tuple[int, Any] | None:
        return self.sent[0] if self.sent else None


_IN_FLIGHT = 2  # tasks sent to a worker at a time (see _Slot.sent)


class _Supervisor:
    """Runs `job` on each task in worker processes; a job that raises, dies or overruns the
    time becomes `failed(task, zh, en)` (by default: reading files, examine)."""

    def __init__(self, tasks: Sequence[Any], isolation: Isolation, workers: int,
                 job: Callable[[Any], Any] | None = None,
                 failed: Callable[[Any, str, str], Any] = _failed) -> None:
        self.tasks, self.isolation, self.workers = tasks, isolation, workers
        self.job, self.failed = job or partial(_examine_task, None, False), failed
        method = isolation.start_method or (
            "fork" if sys.platform.startswith("linux") else "spawn")
        self.context: Any = mp.get_context(method)

    def _start(self) -> _Slot:
        parent, child = self.context.Pipe()
        process = self.context.Process(
            target=_worker, args=(child, self.isolation.memory_bytes, os.getpid(), self.job),
            daemon=True)
        process.start()
        child.close()
        return _Slot(process, parent)

    def run(self) -> Iterator[tuple[int, Any]]:
        pending = list(enumerate(self.tasks))[::-1]
        slots = [self._start() for _ in range(self.workers)] if pending else []
        try:
            yield from self._loop(pending, slots)
        finally:
            _stop(*slots)

    def _loop(self, pending: list[tuple[int, Any]],
              slots: list[_Slot]) -> Iterator[tuple[int, Any]]:
        while pending or any(s.sent for s in slots):
            for slot in slots:
                while len(slot.sent) < _IN_FLIGHT and pending:
                    if not slot.sent:
                        slot.started = time.monotonic()
                    slot.sent.append(pending.pop())
                    slot.conn.send(slot.sent[-1])
            waiting = {s.conn: s for s in slots if s.sent} | {
                s.process.sentinel: s for s in slots if s.sent}
            for ready in wait(list(waiting), timeout=0.5):
                slot = waiting[ready]  # type: ignore[index]
                if not slot.sent:
                    continue
                index, task = slot.sent[0]
                result = self._receive(slot)
                if result is None:
                    code = slot.process.exitcode
                    result = self.failed(task, f"处理进程异常退出（代码 {code}）",
                                         f"the worker process died (exit code {code})")
                    self._replace(slots, slot, pending)
                else:
                    slot.sent.pop(0)
                    slot.started = time.monotonic()  # the next one began as this one ended
                    if isinstance(result, _Failure):
                        result = self.failed(task, result.zh, result.en)
                yield index, result
            now = time.monotonic()
            for slot in list(slots):
                if slot.sent and now - slot.started > self.isolation.timeout_s:
                    index, task = slot.sent[0]
                    self._replace(slots, slot, pending)
                    yield index, self.failed(task, f"超时（{self.isolation.timeout_s:.0f} 秒）",
                                             f"it took longer than "
                                             f"{self.isolation.timeout_s:.0f} s")

    def _receive(self, slot: _Slot) -> Any:
        try:
            if slot.conn.poll():
                index, result = slot.conn.recv()
                return result
        except (EOFError, OSError):
            pass
        return None

    def _replace(self, slots: list[_Slot], slot: _Slot,
                 pending: list[tuple[int, Any]]) -> None:
        """A worker that died or overran replaced; the tasks waiting behind the one it was
        on go back to be sent again (it never began them)."""
        _stop(slot)
        pending.extend(reversed(slot.sent[1:]))  # popped from the end: first back first
        slot.sent.clear()
        slots[slots.index(slot)] = self._start()


def _stop(*slots: _Slot) -> None:
    """Every worker told to end before any is waited for, so that they end together."""
    for slot in slots:
        try:
            slot.conn.send(None)
        except (OSError, ValueError):
            pass
    for slot in slots:
        slot.process.join(timeout=0.2)
        if slot.process.is_alive():
            slot.process.kill()
            slot.process.join()
        slot.conn.close()


# Feedback workbooks: openpyxl opens the submission again, and it fails (merged cells, bytes
# only calamine forgives) or takes long (it is quadratic in nothing, but slow on big sheets)
# where the reader did not. So each is written in a worker under the same limits as reading,
# and whatever goes wrong is that file's finding.

@dataclass(frozen=True)
class _Feedback:
    path: Path | None  # the workbook written, or None
    note: Finding | None = None  # what went wrong, for the submission's findings


def write_all_feedback(subs: Sequence[Submission], folder: Path,
                       isolation: Isolation | None = None) -> list[Path]:
    """A feedback workbook in `folder` for every submission with findings, each written in a
    worker process with the reader's time and memory limits. A copy that cannot be made or
    marked in time gives the findings alone and a note; a workbook that cannot be written at
    all gives its file a warning (feedback_failed). Returns the workbooks written."""
    # Feedback workbooks need openpyxl and XlsxWriter; reading and validating do not.
    from .report.feedback import feedback_names

    isolation = isolation or Isolation()
    wanted = [s for s in subs if s.findings]
    if not wanted:
        return []
    folder.mkdir(parents=True, exist_ok=True)
    # Their copy gets half the time: the findings alone must still fit in the rest.
    tasks = [(replace(s, tables={}), folder / name, isolation.timeout_s / 2)
             for s, name in zip(wanted, feedback_names(wanted), strict=True)]
    workers = min(isolation.workers or os.cpu_count() or 1, len(tasks))
    done = dict(_Supervisor(tasks, isolation, workers, _feedback_task, _feedback_failed).run())
    written = []
    for i, sub in enumerate(wanted):
        outcome: _Feedback = done[i]
        if outcome.note is not None:
            sub.findings.append(outcome.note)
        if outcome.path is not None:
            written.append(outcome.path)
    return written


def _feedback_task(task: tuple[Submission, Path, float]) -> _Feedback:
    from .report.feedback import already_said, their_copy, what_is_said, write_feedback

    sub, path, copy_seconds = task
    said = what_is_said(sub)
    if already_said(path, said):  # the same file read again: its feedback stands as it is
        return _Feedback(path)
    try:
        with _time_limit(copy_seconds):  # opening, marking and saving their copy
            write_feedback(sub, path, their_copy(sub), said)
        return _Feedback(path)
    except Exception as exc:  # noqa: BLE001 - their file, not ours: the findings alone
        note = _feedback_note(sub, Severity.INFO, f"无法在您文件的副本上标注问题（{_why(exc)}），"
                              "问题均列在“审核意见 Findings”工作表中",
                              f"your file could not be copied with the problems marked "
                              f"({_why(exc)}); the Findings sheet lists them all")
    sub.findings.append(note)
    write_feedback(sub, path, None, said)
    return _Feedback(path, note)


def _why(exc: Exception) -> str:
    return "time is up" if isinstance(exc, _OutOfTime) else f"{type(exc).__name__}: {exc}"


def _feedback_failed(task: tuple[Submission, Path, float], zh: str, en: str) -> _Feedback:
    sub, path, _ = task
    return _Feedback(None, _feedback_note(
        sub, Severity.WARNING, f"反馈文件 {path.name} 未能生成（{zh}）；本文件的审核与入库不受影响",
        f"the feedback workbook {path.name} could not be written ({en}); the checks and the "
        "storing of this file are not affected"))


def _feedback_note(sub: Submission, severity: Severity, zh: str, en: str) -> Finding:
    return Finding(severity=severity, reason=Reason.FEEDBACK_FAILED, file=sub.file,
                   message_zh=zh, message_en=en)


class _OutOfTime(Exception):
    pass


@contextmanager
def _time_limit(seconds: float) -> Iterator[None]:
    """Interrupt the block after `seconds` (SIGALRM: only in a worker's main thread, and only
    where there are signals; elsewhere the worker's own timeout still applies)."""
    import signal

    if not hasattr(signal, "setitimer"):
        yield
        return

    def out_of_time(signum: int, frame: object) -> None:
        raise _OutOfTime

    previous = signal.signal(signal.SIGALRM, out_of_time)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
