"""Checking a set of submissions: the first half of the monthly run (intake → read → validate).

This is the one function the CLI, the Excel buttons and the tests call to check files.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from .errors import UsageError
from .intake import is_lock_file
from .models import Severity, check_period
from .reader import Submission
from .settings import Register
from .store_rows import Rows
from .units import UnitCheck, unit_findings
from .validate import validate_all
from .workers import Isolation, examine_all, unpack, write_all_feedback


@dataclass
class CheckResult:
    submissions: list[Submission]
    lock_files: list[Path] = field(default_factory=list)
    feedback: list[Path] = field(default_factory=list)
    feedback_of: dict[str, Path] = field(default_factory=dict)  # sha256 -> its feedback
    already_stored: int = 0  # files skipped because their bytes are in the history
    stored_before: dict[Path, str] = field(default_factory=dict)  # those files' digests
    # The tables of submissions[i] that wait packed until it is stored (check_files(pack=)).
    packed: dict[int, bytes] = field(default_factory=dict)

    def unpack(self, index: int) -> dict[str, Rows] | None:
        """Give submissions[index] back the tables it waited without (once), but for those the
        reader made into the history's rows: those rows, by table (None: nothing packed)."""
        blob = self.packed.pop(index, None)
        if blob is None:
            return None
        return unpack(self.submissions[index], blob)

    @property
    def rejected(self) -> list[Submission]:
        return [s for s in self.submissions if s.has_errors]

    def status(self, sub: Submission) -> str:
        return "rejected" if sub.has_errors else "accepted"

    def counts(self) -> dict[str, int]:
        findings = [f for s in self.submissions for f in s.findings]
        return {"files": len(self.submissions), "rejected": len(self.rejected),
                "accepted": len(self.submissions) - len(self.rejected),
                "lock_files_skipped": len(self.lock_files),
                "already_in_history": self.already_stored,
                **{s.value + "s": sum(f.severity is s for f in findings) for s in Severity}}


# Files an operating system writes into any folder by itself (Windows' folder settings and
# thumbnail caches): never a submission, so a folder's scan leaves them out, as it does hidden
# (dot) files. Compared in lower case, as Windows names them either way.
SYSTEM_FILES = frozenset({"desktop.ini", "thumbs.db", "ehthumbs.db", "ehthumbs_vista.db"})


def find_files(paths: Iterable[Path]) -> list[Path]:
    """Files named, and every file under folders named, in a stable order; in a folder,
    hidden files and SYSTEM_FILES are left out."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(sorted(p for p in path.rglob("*") if p.is_file()
                                and p.name.lower() not in SYSTEM_FILES
                                and not any(part.startswith(".") for part in
                                            p.relative_to(path).parts)))
        elif path.is_file():
            found.append(path)
        else:
            raise UsageError(f"{path}：文件或文件夹不存在", f"{path}: no such file or folder")
    return found


def check_files(paths: Iterable[Path], register: Register, period: str | None = None,
                feedback_dir: Path | None = None, isolation: Isolation | None = None,
                progress: Callable[[int, int], None] | None = None,
                milestones: dict[str, set[str]] | None = None,
                units: UnitCheck | None = None, pack: bool = False) -> CheckResult:
    """Intake, read and validate every file; write feedback workbooks when asked.

    `milestones` are the plans already on file (project -> milestone ids); plans among the
    files checked take precedence over them. `units`: what amounts are expected to be near
    (the budgets and recent months on file; without it, the feasibility studies). `pack`:
    the submissions keep only their plans and progress, the rest of their tables waits
    packed (CheckResult.unpack), so that a run holding thousands of files until it stores
    them stays small."""
    if period is not None:
        check_period(period)
    files = find_files(paths)
    locks = [p for p in files if is_lock_file(p)]
    # Each file's own checks run in the readers, in parallel, and so does the unit check
    # (what a project's amounts should be near is known before reading); only Progress
    # milestones, which depend on the plans among all the files, are checked here.
    packed: dict[int, bytes] | None = {} if pack else None
    subs = examine_all([p for p in files if not is_lock_file(p)], isolation or Isolation(),
                       progress, (register, period, units or UnitCheck()), packed)
    # The unit findings are said after the milestones', and a file's plan counts for the
    # milestones whatever its units: they wait aside meanwhile.
    aside = [unit_findings(sub) for sub in subs]
    validate_all(subs, register, period, milestones, files_checked=True)
    for sub, found in zip(subs, aside, strict=True):
        sub.findings.extend(found)
    result = CheckResult(subs, locks, packed=packed or {})
    if feedback_dir is not None:
        write_feedback_of(result, feedback_dir, isolation)
    return result


def write_feedback_of(result: CheckResult, feedback_dir: Path,
                      isolation: Isolation | None = None) -> None:
    """A feedback workbook for every file of `result` with findings, in worker processes like
    reading: a copy that fails is its file's finding."""
    from .report.feedback import feedback_names  # openpyxl: only when feedback is written

    subs = result.submissions
    result.feedback = write_all_feedback(subs, feedback_dir, isolation)
    wanted = [s for s in subs if s.findings]
    written = set(result.feedback)
    result.feedback_of = {s.sha256: feedback_dir / name for s, name in zip(
        wanted, feedback_names(wanted), strict=True) if feedback_dir / name in written}
