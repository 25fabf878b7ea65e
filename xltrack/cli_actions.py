"""Key-work commands of the CLI: xltrack actions, actions init, actions rollover."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from .cli import (
    KEY_WORK_TABLE,
    _control_named,
    _control_option,
    _json_option,
    cli,
    emit,
    lang_option,
    messages_lang,
    resolve_document_lang,
    resolve_lang,
    say,
    wants_json,
)
from .cli_words import pair
from .errors import UsageError

if TYPE_CHECKING:
    from .actions import Cadence


class Day(click.ParamType[dt.date]):
    """YYYY-MM-DD, or `today`."""

    name = "date"

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> dt.date:
        if isinstance(value, dt.date):
            return value
        if str(value).strip().lower() == "today":
            return dt.date.today()
        try:
            return dt.date.fromisoformat(str(value).strip())
        except ValueError:
            self.fail(f"{value!r} is not a date: give YYYY-MM-DD or today", param, ctx)


_CADENCE_HELP = {"near_days": "Items due within this many days are in the near band [7].",
                 "near_every": "…and are followed up every this many days [3].",
                 "month_days": "Items due within this many days are in the month band [31].",
                 "month_every": "…and are followed up every this many days [7]; later items "
                                "monthly.",
                 "cutoff_day": "Day of the month the table is summarised and rolled over [25]."}


def _cadence_bounds(name: str) -> tuple[int | None, int | None]:
    """The range the Cadence model accepts for this setting."""
    from .actions import Cadence

    bounds = {type(m).__name__: m for m in Cadence.model_fields[name].metadata}
    low, high = bounds.get("Ge"), bounds.get("Le")
    return getattr(low, "ge", None), getattr(high, "le", None)


class _CadenceRange(click.IntRange):
    """The range the Cadence model accepts for a setting, so --help states it: looked up in
    the model when an option is shown or given, so that parsing another command line does
    not load the key-work modules (their models) for the options of this one."""

    def __init__(self, name: str) -> None:
        self.setting = name
        super().__init__()

    @property
    def min(self) -> int | None:
        return _cadence_bounds(self.setting)[0]

    @min.setter
    def min(self, value: int | None) -> None:  # click's __init__ sets none: the model's
        pass

    @property
    def max(self) -> int | None:
        return _cadence_bounds(self.setting)[1]

    @max.setter
    def max(self, value: int | None) -> None:
        pass


def _cadence_options(command: Any) -> Any:
    for name in reversed(_CADENCE_HELP):  # actions.CADENCE_SETTINGS' order (a test checks)
        command = click.option(f"--{name.replace('_', '-')}", name, type=_CadenceRange(name),
                               help=_CADENCE_HELP[name])(command)
    return command


@cli.group(invoke_without_command=True)
@click.option("--as-of", "as_of", type=Day(),
              help="The day to plan for: YYYY-MM-DD or today (default: today).")
@click.option("--table", "table", type=click.Path(path_type=Path, dir_okay=False),
              help="The key-work tracking table. Default: the control workbook's, else "
                   "key-work.xlsx; the latest month's table beside it (key-work-YYYY-MM.xlsx) "
                   "is used when there is one.")
@_control_option
@_cadence_options
@lang_option("the messages")
@_json_option
@click.pass_context
def actions(ctx: click.Context, /, as_of: dt.date | None, table: Path | None,
            control_path: Path | None, lang: str | None, **typed: int | None) -> None:
    """Key-work tracking: what to follow up today and what is overdue.

    Items due within 7 days (today counts as 0) are chased every 3 days, within 31 days
    weekly, later monthly, counted from the last contact; the cadence and the cut-off day
    come from the control workbook's Control sheet, or from the options below.

    \b
    Examples:
      xltrack actions --as-of 2026-11-20 --table key-work.xlsx
      xltrack actions --as-of today
      xltrack actions init key-work.xlsx
      xltrack actions rollover --month 2026-11 --table key-work.xlsx
    """
    from .action_book import current_table
    from .actions import Cadence, cadence_from

    ctx.meta["control"], ctx.meta["lang"] = control_path, lang
    resolve_lang(lang, control_path)
    settings = _control_named(control_path)
    cadence = cadence_from(settings.values) if settings else Cadence()
    chosen = {k: v for k, v in typed.items() if v is not None}
    try:
        cadence = Cadence.model_validate({**cadence.model_dump(), **chosen})
    except ValueError:
        raise UsageError(*pair("cadence_bad")) from None
    named = table or (settings.path("key_work") if settings else Path(KEY_WORK_TABLE))
    ctx.meta["table"], ctx.meta["cadence"] = current_table(named), cadence
    if not ctx.invoked_subcommand:
        _follow_ups(ctx.meta["table"], as_of or dt.date.today(), cadence)


def _follow_ups(table: Path, day: dt.date, cadence: Cadence) -> None:
    from .action_table import read_key_work
    from .actions import flag, follow_ups, is_overdue, is_tracked, next_follow_up

    work = read_key_work(table, cadence)
    items = work.items
    chase = follow_ups(items, day, cadence)
    overdue = [i for i in items if is_overdue(i, day)]
    for problem in work.problems:
        click.echo(f"{table.name} {problem.text(messages_lang())}", err=True)
    if wants_json():
        click.echo(json.dumps({
            "as_of": day.isoformat(), "table": str(table),
            "follow_up": [i.model_dump(mode="json") for i in chase],
            "overdue": [i.id for i in overdue],
            "items": [{"id": i.id, "deadline": i.deadline.isoformat(),
                       "next_follow_up": next_follow_up(i, day, cadence).isoformat(),
                       "flag": flag(i, day, cadence)} for i in items if is_tracked(i)],
            "problems": [str(p) for p in work.problems]}, ensure_ascii=False, indent=2))
        return
    click.echo(say("follow_ups", day=day, table=table.name, chase=len(chase),
                   overdue=len(overdue), open=sum(is_tracked(i) for i in items))
               + (say("to_correct", count=len(work.problems)) if work.problems else ""))
    for i in chase:
        click.echo(say("follow_up", mark=say("overdue_mark") if is_overdue(i, day) else "",
                       id=i.id, deadline=i.deadline, department=i.department,
                       person=i.person, content=i.content))


@actions.command("init")
@click.argument("path", type=click.Path(path_type=Path, dir_okay=False))
@lang_option("the 来源 and 状态 drop-downs (both are read back) and the messages")
@_json_option
@click.pass_context
def actions_init(ctx: click.Context, path: Path, lang: str | None) -> None:
    """Create an empty key-work tracking table at PATH.

    \b
    Example:
      xltrack actions init key-work.xlsx
    """
    from .action_book import write_table

    lang = resolve_document_lang(lang or ctx.meta["lang"], ctx.meta["control"])
    if path.exists():
        raise UsageError(*pair("table_exists", path=path))
    write_table(path, [], dt.date.today(), ctx.meta["cadence"], lang=lang)
    emit({"table": str(path)}, say("table_written", path=path))


@actions.command("rollover")
@click.option("--month", required=True, help="The month being closed, YYYY-MM.")
@click.option("--table", "table", type=click.Path(path_type=Path, dir_okay=False),
              help="The table to close (default: as for the key-work listing).")
@click.option("--out", "out_file", type=click.Path(path_type=Path, dir_okay=False),
              help="Next month's table. Default: key-work-<next month>.xlsx beside the table.")
@lang_option("the messages (as before the command: xltrack actions --lang en rollover …)")
@_json_option
@click.pass_context
def actions_rollover(ctx: click.Context, month: str, table: Path | None,
                     out_file: Path | None, lang: str | None) -> None:
    """Close the month at its cut-off (the 25th) and write next month's table.

    The closed table gets a 月度小结 summary sheet (per department and person: done on time,
    done late, open, overdue, rolled over). Next month's table is a copy of it without the
    items finished by the cut-off (one finished after it stays, done, and counts in next
    month's summary); every unfinished item needs a newly agreed deadline after the cut-off in
    the 新期限 New deadline column, else nothing is written and the cells are named. An
    existing next-month table is never overwritten: the roll-over refuses.

    \b
    Example:
      xltrack actions rollover --month 2026-11 --table key-work.xlsx
    """
    from .action_book import current_table
    from .action_month import close_month

    if lang is not None:
        resolve_lang(lang)
    closed = close_month(current_table(table) if table else ctx.meta["table"], month,
                         ctx.meta["cadence"], out_file)
    done = closed.summary["done"]
    people = [{"department": d, "person": p, **counts}
              for (d, p), counts in closed.summary["people"].items()]
    emit({"month": month, "cutoff": str(closed.cutoff), "done": done,
          "rolled_over": closed.carried, "table": str(closed.table), "summary": people,
          "closed_table": str(closed.closed.path),
          "backup": closed.closed.backup and str(closed.closed.backup)},
         say("rolled_over", month=month, cutoff=closed.cutoff, done=len(done),
             carried=len(closed.carried), table=closed.table, closed=closed.closed.path)
         + (say("previous_kept", backup=closed.closed.backup) if closed.closed.backup else ""))
