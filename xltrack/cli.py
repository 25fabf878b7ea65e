"""The command line: parse, call one library function, map errors to exit codes. Nothing else.

Exit codes: 0 ok · 1 findings with errors (run: or a major variance) · 2 usage or settings
problem · 3 internal error. Every run is logged to logs/ in the working folder (or to the
system's temporary folder); a traceback goes to the log, never to the screen.

Inside a working folder made by `xltrack init`, the control workbook xltrack.xlsm (register,
lists, rules), key-work.xlsx and inbox/ are found without being named. register.json and
rules.json are still read when there is no control workbook, for scripts.
"""

from __future__ import annotations

import datetime as dt
import functools
import glob
import json
import logging
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from . import __version__
from .backend import failures
from .cli_words import said
from .errors import XltrackError, text_in
from .language import document_lang, message_lang, zone

if TYPE_CHECKING:  # each command imports what it uses: `xltrack --help` needs none of these
    from .action_table import KeyWork
    from .actions import Cadence
    from .control import ControlSettings
    from .settings import Register
    from .variance import RuleSet

F = TypeVar("F", bound=Callable[..., Any])
EXIT_OK, EXIT_FINDINGS, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3
KEY_WORK_TABLE = "key-work.xlsx"

_rules_option = click.option(
    "--rules", "rules_path", type=click.Path(path_type=Path, dir_okay=False),
    help="Variance rules (JSON). Default: the built-in rules (5% band; major above 10% and "
         "at least 5,000,000 yuan, 2,000,000 for infrastructure, 1,000,000 for trading).")
_scheduler_option = click.option(
    "--scheduler", help="Read on a Dask cluster (tcp://HOST:PORT) instead of local processes; "
                        "its workers must see the same paths. Needs xltrack[distributed].")
_actions_option = click.option(
    "--actions", "actions_path", type=click.Path(path_type=Path, dir_okay=False, exists=True),
    help="Key-work tracking table (its latest key-work-YYYY-MM.xlsx when there is one): its "
         "open items, month summary and cells to correct go to the report's Actions sheet.")
_register_option = click.option(
    "--register", "register_path", type=click.Path(path_type=Path, dir_okay=False),
    help="Project register (JSON), instead of the control workbook's. Default: the control "
         "workbook's, else the embedded demo register.")
_control_option = click.option(
    "--control", "control_path", type=click.Path(path_type=Path, dir_okay=False),
    help="Control workbook (xltrack.xlsm) holding the register, lists and rules. Default: "
         "xltrack.xlsm in the current folder, when there is one.")


LOG = logging.getLogger("xltrack")
REGISTER_FILE, RULES_FILE, INBOX = "register.json", "rules.json", "inbox"
# store.DEFAULT_DB, templates.LANGS and excel.build.WORKBOOK, named here so that parsing a
# command line imports none of those modules (tests/test_imports.py checks they stay the same).
DEFAULT_DB, LANGS, CONTROL_FILE = "xltrack.sqlite", ("zh", "en"), "xltrack.xlsm"


def _set_root(key: str) -> Any:
    def callback(ctx: click.Context, _param: click.Parameter, value: Any) -> Any:
        if value:
            ctx.find_root().meta[key] = True
        return value
    return callback


_json = click.option("--json", "_json", is_flag=True, expose_value=False,
                     callback=_set_root("json"), help="Print JSON for scripts.")
_quiet = click.option("--quiet", "-q", "_quiet", is_flag=True, expose_value=False,
                      callback=_set_root("quiet"),
                      help="Print only results and errors: no progress, no remarks.")


def _json_option(command: F) -> F:
    """--json and --quiet, which a command takes after its name as well as before it."""
    return _json(_quiet(command))


def wants_json() -> bool:
    ctx = click.get_current_context(silent=True)
    return bool(ctx and ctx.find_root().meta.get("json"))


def quiet() -> bool:
    ctx = click.get_current_context(silent=True)
    return bool(ctx and ctx.find_root().meta.get("quiet"))


def emit(data: Any, text: str) -> None:
    """The command's result: JSON when asked, else one or more lines for a person."""
    if wants_json():
        click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))
    elif text:
        click.echo(text)


def note(text: str) -> None:
    """A remark for the person at the terminal, silenced by --quiet and by --json."""
    if not quiet() and not wants_json():
        click.echo(text, err=True)


def _progress(label: str) -> Any:
    """A progress bar on stderr while files are read, when a person is watching."""
    if quiet() or wants_json() or not sys.stderr.isatty():
        return None
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    state: dict[str, Any] = {}

    def advance(done: int, total: int) -> None:
        if "bar" not in state:
            state["bar"] = Progress(TextColumn(label), BarColumn(), MofNCompleteColumn(),
                                    TimeRemainingColumn(), console=Console(stderr=True))
            state["bar"].start()
            state["task"] = state["bar"].add_task(label, total=total)
        state["bar"].update(state["task"], completed=done)
        if done == total:
            state["bar"].stop()
    return advance


@functools.cache
def _control(path: Path) -> ControlSettings:
    from .control import load_control
    from .excel.port import FilePort

    return load_control(FilePort(path))


def _control_named(path: Path | None) -> ControlSettings | None:
    """The control workbook named, else the working folder's, else none."""
    if path is None and Path(CONTROL_FILE).exists():
        path = Path(CONTROL_FILE)
    return _control(path.resolve()) if path else None


def resolve_register(path: Path | None, control: Path | None = None) -> Register:
    """The register named, else the control workbook's, else register.json, else the demo."""
    from .settings import load_register

    if path is None:
        settings = _control_named(control)
        if settings:
            return settings.register
    if path is None and Path(REGISTER_FILE).exists():
        path = Path(REGISTER_FILE)
    if path is None:
        note(say("demo_register"))
    return load_register(path)


def resolve_rules(path: Path | None, control: Path | None = None) -> RuleSet:
    from .variance import load_rules

    if path is None:
        settings = _control_named(control)
        if settings:
            return settings.rules
    if path is None and Path(RULES_FILE).exists():
        path = Path(RULES_FILE)
    return load_rules(path)


def _setting(key: str, control: Path | None) -> str | None:
    try:
        settings = _control_named(control)
    except XltrackError:
        return None  # a broken control workbook is reported by the command that reads it
    return settings.values.get(key) if settings else None


_MESSAGES_LANG: dict[str, str] = {}  # the language a command chose, for the error guard

LANG_RULE = ("The messages and errors: --lang, else the control workbook's language, else the "
             "locale (LC_ALL, LC_MESSAGES, LANG: zh… 中文, anything else English). The "
             "documents: 中文 unless --lang en or the control workbook's language is en.")


def lang_option(what: str) -> Callable[[F], F]:
    """--lang: the language of `what` (the messages, and the documents a command writes)."""
    return click.option("--lang", type=click.Choice(LANGS),
                        help=f"Language of {what}. {LANG_RULE}")


def resolve_lang(explicit: str | None, control: Path | None = None) -> str:
    """The messages' language: --lang, else the control workbook's, else the locale."""
    lang = message_lang(explicit, _setting("language", control))
    _MESSAGES_LANG["lang"] = lang
    return lang


def messages_lang() -> str:
    """The language a command chose; before it chose, the working folder's or the locale's."""
    if "lang" not in _MESSAGES_LANG:
        try:
            setting = _setting("language", None)
        except Exception:  # noqa: BLE001 - an unreadable control workbook: the locale decides
            setting = None
        return message_lang(None, setting)
    return _MESSAGES_LANG["lang"]


def say(key: str, **values: object) -> str:
    """A sentence of cli_words in the language of the messages."""
    return said(key, messages_lang(), **values)


def in_lang(text: str) -> str:
    """A text that may carry its Chinese (errors.Said) in the language of the messages."""
    return text_in(text, messages_lang())


def resolve_document_lang(explicit: str | None, control: Path | None = None) -> str:
    """The documents' language: --lang, else the control workbook's, else 中文."""
    resolve_lang(explicit, control)
    return document_lang(explicit, _setting("language", control))


def resolve_zone(control: Path | None = None) -> dt.tzinfo:
    """The zone times are shown in: the control workbook's timezone, else the machine's."""
    return zone(_setting("timezone", control))


def resolve_actions(path: Path | None, control: Path | None = None) -> KeyWork | None:
    """The key-work table named, else the control workbook's, else key-work.xlsx; its latest
    month's table (key-work-YYYY-MM.xlsx) when there is one. Never raises: its problems are
    findings for the report."""
    settings = _control_named(control)
    named = path or (settings.path("key_work") if settings else Path(KEY_WORK_TABLE))
    if not named.exists() and not any(
            named.parent.glob(f"{glob.escape(named.stem)}-*{named.suffix}")):
        return None  # no table, nor a month's beside it: the key-work modules stay unloaded
    from .action_book import load_key_work

    return load_key_work(named, resolve_cadence(control))


def resolve_cadence(control: Path | None = None) -> Cadence:
    """The key-work cadence of the control workbook's Control sheet, else the default."""
    from .actions import DEFAULT_CADENCE, cadence_from

    settings = _control_named(control)
    return cadence_from(settings.values) if settings else DEFAULT_CADENCE


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="xltrack")
@_json_option
def cli() -> None:
    """xltrack: collect, check and consolidate the subsidiaries' project workbooks.

    \b
    A month, from a working folder:
      xltrack init ops && cd ops           # once
      xltrack run --period 2026-10         # files in inbox/ → reports/
    """
    _MESSAGES_LANG.clear()  # a new command line (tests run many in one process): none chosen


def _log_file() -> Path:
    folder = Path("logs") if Path("logs").is_dir() else Path(tempfile.gettempdir()) / "xltrack-logs"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"xltrack-{dt.datetime.now():%Y%m%d-%H%M%S}-{id(folder):x}.log"


def main() -> None:
    log = _log_file()
    handler = logging.FileHandler(log, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    LOG.addHandler(handler)
    LOG.setLevel(logging.INFO)
    LOG.info("xltrack %s: %s", __version__, " ".join(sys.argv[1:]))
    try:
        _main()
    finally:
        LOG.removeHandler(handler)
        handler.close()


def script() -> None:
    """The `xltrack` command (and `python -m xltrack`): main(), then the process ends without
    taking apart every object it made (pandas' modules, the month's frames and documents),
    which took about 0.2 s of a cold button month. What must happen at exit still happens:
    the exit handlers (the log file, temporary folders, multiprocessing's children) and the
    flushing of stdout and stderr. Where another thread still runs, Python ends as usual."""
    import atexit
    import os
    import threading

    try:
        main()
        code: object = 0
    except SystemExit as exc:
        code = exc.code
    if code is not None and not isinstance(code, int):  # sys.exit("text"), as Python does
        print(code, file=sys.stderr)
        code = 1
    if threading.active_count() > 1 or not hasattr(atexit, "_run_exitfuncs"):
        sys.exit(code)
    atexit._run_exitfuncs()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):  # a closed pipe: what Python's own exit says with 120
        code = 120
    os._exit(code or 0)


def _main() -> None:
    try:
        cli.main(standalone_mode=False)
    except click.exceptions.Abort:
        click.echo(say("aborted"), err=True)
        sys.exit(EXIT_USAGE)
    except click.ClickException as exc:
        LOG.info("usage: %s", exc.format_message())
        exc.show()
        sys.exit(EXIT_USAGE)
    except XltrackError as exc:
        LOG.info("refused: %s", exc)
        click.echo(f"{say('error')}{exc.text(messages_lang())}", err=True)
        sys.exit(EXIT_USAGE)
    except SystemExit as exc:
        LOG.info("exit %s", exc.code)
        raise
    except failures() as exc:  # the history: disk full, locked, unreadable, server gone
        LOG.exception("history database")
        click.echo(say("history", exc=exc), err=True)
        sys.exit(EXIT_USAGE)
    except OSError as exc:  # a full disk, a read-only folder, a file held by another program
        LOG.exception("file system")
        where = f" {exc.filename}" if exc.filename else ""
        click.echo(say("files", where=where, why=exc.strerror or exc), err=True)
        sys.exit(EXIT_USAGE)
    except Exception as exc:  # noqa: BLE001 - the last guard: one line, not a traceback
        LOG.exception("internal error")
        handler = next((h for h in LOG.handlers if isinstance(h, logging.FileHandler)), None)
        where = say("details", log=handler.baseFilename) if handler else ""
        click.echo(say("internal", kind=type(exc).__name__, exc=exc, details=where), err=True)
        sys.exit(EXIT_INTERNAL)
    LOG.info("exit 0")


from . import cli_actions, cli_history, cli_month, cli_outbound, cli_setup  # noqa: E402,F401,I001
