"""The Excel door: what the control workbook's buttons and ribbon call through xlwings.

`RunPython "import xltrack.excel.entry as e; e.run_month()"` lands here. This is the only
module that asks xlwings for the calling workbook; every command then works through the
workbook port, so the same function runs from a button, from the CLI and in the tests (pass a
`FilePort`). A person never sees a traceback: errors become a message box in 中文 and English,
and the traceback goes to the log beside the workbook.
"""

from __future__ import annotations

import datetime as dt
import logging
import tempfile
import traceback
from collections.abc import Callable
from pathlib import Path

from ..control import load_control
from ..errors import RegisterError, XltrackError
from . import commands, outbound
from .build import xlwings_mismatch
from .port import WorkbookPort, XlwingsPort

__all__ = ["chase", "check_settings", "generate_templates", "issue_templates",
           "key_work_follow_ups", "open_report", "run_month", "special_reports",
           "validate_inbox"]

LOG = logging.getLogger("xltrack.excel")
# Nothing to stderr unless the host configured logging: xlwings shows whatever Python writes
# there in a box of its own (on macOS, after every run), and our own box and log say it all.
LOG.addHandler(logging.NullHandler())
TITLE = "xltrack"
_SHOWN_PROBLEMS = 15


def validate_inbox(port: WorkbookPort | None = None) -> None:
    _door(port, commands.validate_inbox)


def run_month(port: WorkbookPort | None = None) -> None:
    _door(port, commands.run_month_command)


def open_report(port: WorkbookPort | None = None) -> None:
    _door(port, commands.open_report, quiet=True)


def special_reports(port: WorkbookPort | None = None) -> None:
    _door(port, commands.special_reports)


def key_work_follow_ups(port: WorkbookPort | None = None) -> None:
    _door(port, commands.key_work_follow_ups)


def generate_templates(port: WorkbookPort | None = None) -> None:
    _door(port, commands.generate_templates)


def check_settings(port: WorkbookPort | None = None) -> None:
    _door(port, commands.check_settings)


def issue_templates(port: WorkbookPort | None = None) -> None:
    _door(port, outbound.issue_templates_command)


def chase(port: WorkbookPort | None = None) -> None:
    _door(port, outbound.chase_command)


def _caller() -> WorkbookPort:
    import xlwings as xw

    return XlwingsPort(xw.Book.caller())


def _door(port: WorkbookPort | None, command: commands.Command, quiet: bool = False) -> None:
    """Run one command; whatever happens, the person gets a message, never a traceback.

    Everything is inside a guard: finding the calling workbook, the status bar, the command,
    the message box and the log. RunPython shows any exception that leaves here as a
    traceback, so none does."""
    try:
        _guarded(port, command, quiet)
    except Exception:  # the guards below failed themselves: the log is the last resort
        _log(Path(tempfile.gettempdir()) / "xltrack.xlsm", traceback.format_exc())


def _guarded(port: WorkbookPort | None, command: commands.Command, quiet: bool) -> None:
    try:
        port = port or _caller()
    except Exception:  # not called from a workbook, or xlwings cannot reach it
        _no_workbook(traceback.format_exc())
        return
    mismatch = _xlwings_mismatch()
    problem, message = (True, mismatch) if mismatch else _run(port, command)
    if message and (problem or not quiet):
        try:
            port.alert(message, TITLE)
        except Exception:  # the box could not be shown: the log says what it would have said
            _log(port.path, f"{message}\n\n{traceback.format_exc()}")


def _xlwings_mismatch() -> str | None:
    try:
        return xlwings_mismatch()
    except Exception:  # xlwings itself cannot be imported: the button could not have called
        return None


def _run(port: WorkbookPort, command: commands.Command) -> tuple[bool, str]:
    """(whether it went wrong, the message for the person). An error is shown in the
    workbook's language once its settings are read, in both before."""
    lang = ""
    try:
        port.status("xltrack…")
        settings = load_control(port)
        lang = settings.values.get("language", "")
        message = command(port, settings)
        port.save()
        return False, message
    except RegisterError as exc:
        shown = exc.problems[:_SHOWN_PROBLEMS]
        more = len(exc.problems) - len(shown)
        return True, (f"设置有 {len(exc.problems)} 处问题 The settings have "
                      f"{len(exc.problems)} problem(s):\n" + "\n".join(f"• {p}" for p in shown)
                      + (f"\n… and {more} more" if more else ""))
    except XltrackError as exc:
        if lang in ("zh", "en"):
            return True, ("未完成：\n" if lang == "zh" else "Not done:\n") + exc.text(lang)
        return True, f"未完成 Not done:\n{exc}"
    except OSError as exc:
        return True, f"文件错误 A file could not be used:\n{exc}"
    except Exception:  # a bug of ours: the person gets a pointer to the log, not a traceback
        return True, _internal(port.path, traceback.format_exc())
    finally:
        try:
            port.status(None)
        except Exception:  # Excel takes the status bar back when the macro ends anyway
            LOG.warning("the status bar could not be reset")


def _internal(workbook: Path, text: str) -> str:
    log = _log(workbook, text)
    where = f"详见日志 Details in the log:\n{log}" if log else \
        "日志无法写入 The log could not be written either."
    return f"内部错误 Internal error. {where}"


def _no_workbook(text: str) -> None:
    """No calling workbook to show a box in: Excel's own box, and the log in ~/xltrack/logs."""
    try:
        home = Path.home() / "xltrack"
    except RuntimeError:  # no home folder to be found
        home = Path(tempfile.gettempdir())
    log = _log(home / "xltrack.xlsm", text)
    message = ("xltrack 找不到调用的工作簿 could not reach the workbook that called it. "
               "请在 Excel 中点按钮运行 Run it from a button in Excel."
               + (f"\n详见日志 Details in the log:\n{log}" if log else ""))
    try:
        import xlwings as xw

        app = xw.apps.active
        if app is not None:
            app.alert(message, title=TITLE)
    except Exception:  # no Excel to show it in: the log holds it
        LOG.error("%s", message)


def _log(workbook: Path, text: str) -> Path | None:
    """The traceback in logs/ beside the workbook, else in the temporary folder; None if
    neither can be written."""
    name = f"xltrack-excel-{dt.datetime.now():%Y%m%d-%H%M%S-%f}.log"
    folders: tuple[Callable[[], Path], ...] = (
        lambda: workbook.parent / "logs", lambda: Path(tempfile.gettempdir()) / "xltrack-logs")
    for where in folders:
        try:
            folder = where()
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / name
            path.write_text(text, encoding="utf-8")
        except (OSError, ValueError):  # unwritable, or no temporary folder at all
            continue
        LOG.error("internal error, see %s", path)
        return path
    return None
