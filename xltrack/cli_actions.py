"""Key-work commands of the CLI: xltrack actions, actions init, actions rollover."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import click

from .action_table import read_table, write_table
from .actions import cutoff, follow_ups, is_overdue, is_tracked, month_summary, rollover
from .cli import KEY_WORK_TABLE, _json_option, cli, emit, wants_json
from .errors import UsageError
from .models import add_months as add_period
from .models import check_period


@cli.group(invoke_without_command=True)
@click.option("--as-of", "as_of", type=click.DateTime(["%Y-%m-%d"]),
              help="The day to plan for (default: today).")
@click.option("--table", "table", type=click.Path(path_type=Path, dir_okay=False),
              default=KEY_WORK_TABLE, show_default=True, help="The key-work tracking table.")
@_json_option
@click.pass_context
def actions(ctx: click.Context, as_of: dt.datetime | None, table: Path) -> None:
    """Key-work tracking: what to follow up today and what is overdue.

    Items due within 7 days are chased every 3 days, within a month weekly, later monthly.

    \b
    Examples:
      xltrack actions --as-of 2026-11-20 --table key-work.xlsx
      xltrack actions init key-work.xlsx
      xltrack actions rollover --month 2026-11 --table key-work.xlsx
    """
    ctx.meta["table"] = table
    if ctx.invoked_subcommand:
        return
    day = (as_of or dt.datetime.now()).date()
    items, _ = read_table(table)
    chase = follow_ups(items, day)
    overdue = [i for i in items if is_overdue(i, day)]
    if wants_json():
        click.echo(json.dumps({"as_of": day.isoformat(),
                               "follow_up": [i.model_dump(mode="json") for i in chase],
                               "overdue": [i.id for i in overdue]}, ensure_ascii=False,
                              indent=2))
        return
    click.echo(f"{day}: {len(chase)} to follow up, {len(overdue)} overdue, "
               f"{sum(is_tracked(i) for i in items)} open")
    for i in chase:
        mark = "OVERDUE " if is_overdue(i, day) else ""
        click.echo(f"  {mark}{i.id}  due {i.deadline}  {i.department}/{i.person or '?'}  "
                   f"{i.content}")


@actions.command("init")
@click.argument("path", type=click.Path(path_type=Path, dir_okay=False))
@_json_option
def actions_init(path: Path) -> None:
    """Create an empty key-work tracking table at PATH.

    \b
    Example:
      xltrack actions init key-work.xlsx
    """
    if path.exists():
        raise UsageError(f"{path} exists already; choose another name")
    write_table(path, [], dt.date.today())
    emit({"table": str(path)}, f"wrote {path}: one row per instruction, minutes item or "
                                "resolution")


@actions.command("rollover")
@click.option("--month", required=True, help="The month being closed, YYYY-MM.")
@click.option("--out", "out_file", type=click.Path(path_type=Path, dir_okay=False),
              help="Next month's table. Default: key-work-<next month>.xlsx beside the table.")
@_json_option
@click.pass_context
def actions_rollover(ctx: click.Context, month: str, out_file: Path | None) -> None:
    """Close the month at its cut-off (the 25th) and write next month's table.

    Finished items leave the table; every unfinished item needs a newly agreed deadline in
    the 新期限 New deadline column, else nothing is written and the items are named.

    \b
    Example:
      xltrack actions rollover --month 2026-11 --table key-work.xlsx
    """
    table = ctx.meta["table"]
    items, deadlines = read_table(table)
    summary = month_summary(items, check_period(month))
    carried = rollover(items, month, deadlines)
    following = add_period(month, 1)
    out = out_file or table.with_name(f"key-work-{following}.xlsx")
    write_table(out, carried, cutoff(month), title=f"重点工作跟踪表 {following}")
    emit({"month": month, "cutoff": str(summary["cutoff"]), "done": summary["done"],
          "rolled_over": [i.id for i in carried], "table": str(out)},
         f"{month} closed on {summary['cutoff']}: {len(summary['done'])} done "  # type: ignore[arg-type]
         f"this month, {len(carried)} rolled over to {out}")
