"""Putting a report in place without losing anything.

The new file is written beside the target under a temporary name and moved into place in one
step; the previous report is kept in `backup/`; when the target is open in Excel or Word (its
`~$` owner file exists, or the move is refused) the new report goes under another name and
the caller is told; what a person added that the new file does not hold is named with the
backup that keeps it. (What is carried into the new file is read by report/carried.py.) The
same rules place the workbooks and the written reports (.docx).
"""

from __future__ import annotations

import datetime as dt
import html
import itertools
import os
import re
import shutil
import tempfile
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from xlsxwriter.exceptions import XlsxFileError

from ..errors import Said

TEMP_PREFIX = ".~xltrack-"


@dataclass
class Placed:
    path: Path  # where the report is now
    backup: Path | None = None  # the previous report, kept
    redirected: bool = False  # the target was open: written under another name
    notes: list[str] = field(default_factory=list)  # Said: English, with its Chinese


def is_open(path: Path) -> bool:
    """Excel and Word keep an owner file ~$name beside a file while it is open (Word drops the
    first two letters of a long name: ~$ecial-report.docx)."""
    return (path.parent / f"~${path.name}").exists() or \
        (path.parent / f"~${path.name[2:]}").exists()


def clean_stray_temps(folder: Path) -> list[Path]:
    """Remove temporary files left by a writer that was killed (its process is gone)."""
    removed = []
    for temp in folder.glob(f"{TEMP_PREFIX}*"):
        pid = temp.name[len(TEMP_PREFIX):].split("-", 1)[0]
        if pid.isdigit() and not _alive(int(pid)):
            temp.unlink(missing_ok=True)
            removed.append(temp)
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


_UMASK = _current_umask()


def _temp_beside(target: Path) -> Path:
    """A new temporary file in the target's folder (a move within a folder is atomic), named
    with this process's id so that a later run can tell a dead writer's leftovers."""
    target.parent.mkdir(parents=True, exist_ok=True)
    clean_stray_temps(target.parent)
    handle, name = tempfile.mkstemp(prefix=f"{TEMP_PREFIX}{os.getpid()}-",
                                    suffix=target.suffix, dir=target.parent)
    os.close(handle)
    # mkstemp makes the file private; a report is for everyone the folder is shared with.
    os.chmod(name, 0o666 & ~_UMASK)
    return Path(name)


def _save(save: Callable[[Path], None], temp: Path) -> None:
    """Run the writer; a full disk or a refused write surfaces as the OSError it is (XlsxWriter
    wraps it in an exception of its own)."""
    try:
        save(temp)
    except XlsxFileError as exc:
        cause = exc.args[0] if exc.args else None
        if isinstance(cause, OSError):
            raise cause from exc
        raise


def write_atomically(path: Path, save: Callable[[Path], None]) -> None:
    """Save through a temporary file, then move it into place: a crash or a full disk leaves
    the previous file untouched and no half-written one."""
    temp = _temp_beside(path)
    try:
        _save(save, temp)
        os.replace(temp, path)
    finally:
        temp.unlink(missing_ok=True)


def place(target: Path, save: Callable[[Path], None], now: dt.datetime | None = None,
          program: str = "Excel",
          left: Callable[[], Sequence[tuple[str, Sequence[str], Sequence[str]]]] | None = None
          ) -> Placed:
    """Write through `save` into a temporary file, then move it to `target` safely; `program`
    is the one that may hold the previous file open (Excel, Word), for the note. `left()`,
    asked once `save` is done: what the writer did not carry of a sheet it carried (sheet,
    Chinese words, English words), said with the backup that holds it."""
    stamp = (now or dt.datetime.now()).strftime("%Y%m%d-%H%M%S")
    temp = _temp_beside(target)
    try:
        _save(save, temp)
        placed = Placed(target)
        if target.exists() and is_open(target):
            return _redirect(temp, target, stamp, placed, program)
        left_behind = _left_behind(target, temp) if target.exists() else None
        if target.exists():
            placed.backup = keep_backup(target, stamp)
        try:
            os.replace(temp, target)
        except PermissionError:  # Windows refuses to replace a file Excel or Word holds open
            return _redirect(temp, target, stamp, placed, program)
        if placed.backup is not None:
            said = [left_behind] if left_behind is not None else []
            said += [(f"工作表“{sheet}”中的{'、'.join(zh)}", f"the {', '.join(en)} of sheet "
                      f"{sheet}") for sheet, zh, en in (left() if left else ())]
            for zh, en in said:
                placed.notes.append(Said(
                    f"{target.name}：{zh}，未带入新文件；原文件已保留为 backup/"
                    f"{placed.backup.name}",
                    f"{target.name}: {en}, not carried into the new file; the previous one is "
                    f"kept as backup/{placed.backup.name}"))
        return placed
    finally:
        temp.unlink(missing_ok=True)


def _left_behind(previous: Path, new: Path) -> tuple[str, str] | None:
    """What a person added to the previous file that the new one does not hold, in words, or
    None: sheets of a workbook the new one lacks (xltrack carries the fields it knows, by
    their keys), or tables and pictures of a document beyond the new one's (the assessment is
    carried as text). Looked at in the packages' XML, never by opening the file."""
    if previous.suffix.lower() == ".xlsx":
        kept = set(_sheet_names(new))
        gone = [name for name in _sheet_names(previous) if name not in kept]
        if gone:
            names = "、".join(gone)
            return f"工作表“{names}”", f"the sheet(s) {', '.join(gone)}"
    elif previous.suffix.lower() == ".docx":
        before, after = _objects(previous), _objects(new)
        tables, pictures = max(before[0] - after[0], 0), max(before[1] - after[1], 0)
        if tables or pictures:
            return (f"文中另加的表格 {tables} 个、图片 {pictures} 张（意见只按文字保留）",
                    f"{tables} table(s) and {pictures} picture(s) added in Word (the "
                    "assessment is kept as text)")
    return None


def _sheet_names(path: Path) -> list[str]:
    try:
        with zipfile.ZipFile(path) as zf:
            xml = zf.read("xl/workbook.xml")
    except (OSError, KeyError, zipfile.BadZipFile):
        return []
    return [html.unescape(name.decode("utf-8", "replace"))
            for name in re.findall(rb'<(?:\w+:)?sheet\b[^>]*?\bname="([^"]*)"', xml)]


def _objects(path: Path) -> tuple[int, int]:
    """The tables and pictures of a .docx's body."""
    try:
        with zipfile.ZipFile(path) as zf:
            xml = zf.read("word/document.xml")
    except (OSError, KeyError, zipfile.BadZipFile):
        return 0, 0
    return len(re.findall(rb"<w:tbl>", xml)), len(re.findall(rb"<w:drawing>", xml))


def keep_backup(target: Path, stamp: str) -> Path:
    """The previous `target`, kept whole in backup/ or not at all: a second name for the same
    bytes (a hard link costs no space, so a full disk cannot cut it short); where links are
    not allowed, a copy made under a temporary name and moved into place only when complete
    (a full disk removes the partial copy and raises). Never over an earlier backup: a second
    one of the same second (a warm button pressed twice) is named -2, -3, …"""
    folder = target.parent / "backup"
    folder.mkdir(exist_ok=True)
    for n in itertools.count(1):
        backup = folder / f"{target.stem}-{stamp}{'' if n == 1 else f'-{n}'}{target.suffix}"
        try:
            os.link(target, backup)
            return backup
        except FileExistsError:
            continue
        except OSError:  # FAT, some network shares: no links
            if not backup.exists():
                break

    def copy(temp: Path) -> None:
        shutil.copy2(target, temp)

    write_atomically(backup, copy)
    return backup


def redirected_copies(target: Path) -> list[Path]:
    """The copies written beside `target` while it was open (`name-YYYYMMDD-HHMMSS.xlsx`,
    _redirect's names), oldest first by the time in their names; a copy open itself (its
    owner file beside it) is left for a later run."""
    pattern = re.compile(rf"{re.escape(target.stem)}-(\d{{8}}-\d{{6}})(?:-\d+)?"
                         rf"{re.escape(target.suffix)}")
    found = [(m.group(1), path) for path in target.parent.glob(f"{target.stem}-*{target.suffix}")
             if (m := pattern.fullmatch(path.name)) and not is_open(path)]
    return [path for _, path in sorted(found)]


def retire(copy: Path, target: Path) -> Said:
    """A copy written beside `target` while it was open, its typing now carried into
    `target`, moved into backup/ under its own name (-2, -3 … where that is taken); the
    note that says so."""
    folder = copy.parent / "backup"
    folder.mkdir(exist_ok=True)
    for n in itertools.count(1):
        moved = folder / (copy.name if n == 1 else f"{copy.stem}-{n}{copy.suffix}")
        if not moved.exists():
            os.replace(copy, moved)
            break
    return Said(f"{copy.name}（{target.name} 打开时写出的副本）中填写的内容已并入 {target.name}；"
                f"该副本移至 backup/{moved.name}",
                f"{copy.name} (written while {target.name} was open): what was typed in it is "
                f"carried into {target.name}; the copy is moved to backup/{moved.name}")


def _redirect(temp: Path, target: Path, stamp: str, placed: Placed, program: str) -> Placed:
    other = target.with_name(f"{target.stem}-{stamp}{target.suffix}")
    os.replace(temp, other)
    placed.path, placed.redirected = other, True
    placed.notes.append(Said(f"{target.name} 正在 {program} 中打开；新报告为 {other.name}。"
                             "请关闭旧文件后改名，或两份都保留。",
                             f"{target.name} is open in {program}; the new report is "
                             f"{other.name}. Close the old one and rename, or keep both."))
    return placed
