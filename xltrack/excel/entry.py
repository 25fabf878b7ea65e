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
import traceback
from pathlib import Path

from ..control import load_control
from ..errors import RegisterError, XltrackError
from . import commands
from .port import WorkbookPort, XlwingsPort

__all__ = ["check_settings", "generate_templates", "key_work_follow_ups", "open_report",
           "run_month", "special_reports", "validate_inbox"]

LOG = logging.getLogger("xltrack.excel")
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


def _caller() -> WorkbookPort:
    import xlwings as xw

    return XlwingsPort(xw.Book.caller())


def _door(port: WorkbookPort | None, command: commands.Command, quiet: bool = False) -> None:
    """Run one command; whatever happens, the person gets a message, never a traceback."""
    port = port or _caller()
    message = ""
    try:
        port.status("xltrack…")
        message = command(port, load_control(port))
        port.save()
    except RegisterError as exc:
        shown = exc.problems[:_SHOWN_PROBLEMS]
        more = len(exc.problems) - len(shown)
        message = (f"设置有 {len(exc.problems)} 处问题 The settings have {len(exc.problems)} "
                   "problem(s):\n" + "\n".join(f"• {p}" for p in shown)
                   + (f"\n… and {more} more" if more else ""))
    except XltrackError as exc:
        message = f"未完成 Not done:\n{exc}"
    except OSError as exc:
        message = f"文件错误 A file could not be used:\n{exc}"
    except Exception:  # a bug of ours: the person gets a pointer to the log, not a traceback
        log = _log(port.path, traceback.format_exc())
        message = f"内部错误 Internal error. 详见日志 Details in the log:\n{log}"
    finally:
        port.status(None)
    if message and not (quiet and not message.startswith(("设置", "未完成", "文件", "内部"))):
        port.alert(message, TITLE)


def _log(workbook: Path, text: str) -> Path:
    folder = workbook.parent / "logs"
    folder.mkdir(exist_ok=True)
    path = folder / f"xltrack-excel-{dt.datetime.now():%Y%m%d-%H%M%S}.log"
    path.write_text(text, encoding="utf-8")
    LOG.error("internal error, see %s", path)
    return path
