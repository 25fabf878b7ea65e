"""The command line: parse, call one library function, map errors to exit codes. Nothing else.

Exit codes: 0 ok · 1 findings with errors · 2 usage or settings problem · 3 internal error.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path
from typing import Any

import click

from . import __version__, store
from . import contract as c
from .action_table import read_table, write_table
from .actions import (
    cutoff,
    follow_ups,
    is_overdue,
    is_tracked,
    items_for_major_variances,
    month_summary,
    rollover,
)
from .consolidate import trace
from .demo import write_demo
from .errors import UsageError, XltrackError
from .inbox import CheckResult, check_files
from .models import add_months as add_period
from .models import check_period
from .monthly import (
    MonthResult,
    month_from_store,
    run_month,
    write_outputs,
    write_special_reports,
)
from .report.monitoring import report_name
from .report.publish import publish_report
from .settings import load_register
from .store import DEFAULT_DB
from .templates import LANGS, generate_all
from .variance import load_rules
from .workers import Isolation

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3
KEY_WORK_TABLE = "key-work.xlsx"

_rules_option = click.option(
    "--rules", "rules_path", type=click.Path(path_type=Path, dir_okay=False),
    help="Variance rules (JSON). Default: the built-in rules (5% band; major above 10% and "
         "at least 5,000,000 yuan, 2,000,000 for infrastructure, 1,000,000 for trading).")
_actions_option = click.option(
    "--actions", "actions_path", type=click.Path(path_type=Path, dir_okay=False, exists=True),
    help="Key-work tracking table: its open items go to the report's Actions sheet.")
_register_option = click.option(
    "--register", "register_path", type=click.Path(path_type=Path, dir_okay=False),
    help="Project register (JSON). Default: the embedded demo register.")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="xltrack")
def cli() -> None:
    """xltrack: collect, check and consolidate the subsidiaries' project workbooks."""


@cli.command()
@click.argument("out_dir", type=click.Path(path_type=Path, file_okay=False))
@click.option("--lang", type=click.Choice([*LANGS, "all"]), default="all", show_default=True,
              help="Language of labels and instructions.")
@click.option("--kind", "kinds", multiple=True, type=click.Choice([k.value for k in c.Kind]),
              help="Only these kinds (repeatable). Default: every kind and the pack.")
@_register_option
def templates(out_dir: Path, lang: str, kinds: tuple[str, ...],
              register_path: Path | None) -> None:
    """Write blank standard templates into OUT_DIR.

    \b
    Examples:
      xltrack templates out/
      xltrack templates out/ --lang zh --kind budget --kind monthly
    """
    register = load_register(register_path)
    langs = LANGS if lang == "all" else (lang,)
    chosen = [c.Kind(k) for k in kinds] or None
    for path in generate_all(out_dir, register, langs, chosen):
        click.echo(path)


@cli.command("demo-data")
@click.argument("out_dir", type=click.Path(path_type=Path, file_okay=False))
@click.option("--period", default="2026-10", show_default=True, help="Last month, YYYY-MM.")
@click.option("--subsidiaries", type=click.IntRange(1), help="How many (default: all 12).")
@click.option("--seed", type=int, default=1, show_default=True, help="Seed of the noise.")
def demo_data(out_dir: Path, period: str, subsidiaries: int | None, seed: int) -> None:
    """Write a realistic demo group into OUT_DIR: register, templates, inbox, expected faults.

    \b
    Example:
      xltrack demo-data demo --period 2026-10
    """
    manifest = write_demo(out_dir, check_period(period), subsidiaries, seed)
    click.echo(f"{len(manifest['files'])} submissions in {out_dir / 'inbox'}; "
               f"register {out_dir / 'register.json'}; expected faults {out_dir / 'expected.json'}")


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--period", help="Month being consolidated (YYYY-MM): nothing may be later.")
@_register_option
@click.option("--feedback", "feedback_dir", type=click.Path(path_type=Path, file_okay=False),
              help="Write a feedback workbook for every file with findings into this folder.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@click.option("--lang", type=click.Choice(LANGS), default="en", show_default=True,
              help="Language of the messages.")
@click.option("--workers", type=click.IntRange(0), default=0,
              help="Reader processes (0: one per core).")
def validate(paths: tuple[Path, ...], period: str | None, register_path: Path | None,
             feedback_dir: Path | None, as_json: bool, lang: str, workers: int) -> None:
    """Check submissions (files or folders) and report every finding.

    Exit 0 when no file has errors, 1 when any has.

    \b
    Examples:
      xltrack validate inbox/2026-10 --period 2026-10 --register register.json
      xltrack validate RE01-monthly-2026-10.xlsx --json
    """
    register = load_register(register_path)
    result = check_files(paths, register, period, feedback_dir, Isolation(workers=workers))
    if as_json:
        click.echo(json.dumps(_result_json(result), ensure_ascii=False, indent=2))
    else:
        _print_result(result, lang)
    sys.exit(EXIT_FINDINGS if result.rejected else EXIT_OK)


@cli.command()
@click.option("--period", required=True, help="Month to consolidate, YYYY-MM.")
@click.option("--inbox", type=click.Path(path_type=Path, exists=True, file_okay=False),
              required=True, help="Folder of submissions (searched recursively).")
@click.option("--db", type=click.Path(path_type=Path, dir_okay=False), default=DEFAULT_DB,
              show_default=True, help="History store (SQLite), created when missing.")
@click.option("--out", "out_dir", type=click.Path(path_type=Path, file_okay=False),
              default="reports", show_default=True,
              help="Folder for the consolidated figures, status board and feedback.")
@_register_option
@_rules_option
@_actions_option
@click.option("--lang", type=click.Choice(LANGS), default="zh", show_default=True,
              help="Language of the report's file name.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON summary.")
@click.option("--workers", type=click.IntRange(0), default=0,
              help="Reader processes (0: one per core).")
def run(period: str, inbox: Path, db: Path, out_dir: Path, register_path: Path | None,
        rules_path: Path | None, actions_path: Path | None, lang: str, as_json: bool,
        workers: int) -> None:
    """Run the month: check every file, store it, consolidate, find the variances.

    Writes into --out: figures-, milestones-, status-, variances- and earned-value-PERIOD.csv,
    the monitoring report 重大项目监控报告-PERIOD.xlsx, a special report per project with a
    major variance (special/), and a feedback workbook per file with findings (feedback/).
    Exit 1 when a file was rejected or a major variance was found.

    \b
    Example:
      xltrack run --period 2026-10 --inbox inbox --db xltrack.sqlite --out reports
    """
    register = load_register(register_path)
    result = run_month(inbox, register, check_period(period), db, out_dir / "feedback",
                       Isolation(workers=workers), rules=load_rules(rules_path))
    written = write_outputs(result, out_dir) + write_special_reports(result, out_dir / "special")
    published = publish_report(result, out_dir / report_name(result.period, lang),
                               actions=read_table(actions_path)[0] if actions_path else None)
    written.append(published.placed.path)
    for note in published.placed.notes:
        click.echo(note, err=True)
    summary = _run_json(result, written)
    if as_json:
        click.echo(json.dumps(summary, ensure_ascii=False, indent=2))
    else:
        _print_run(summary)
    major = (result.variances.severity == "major").any()
    sys.exit(EXIT_FINDINGS if result.checked.rejected or major else EXIT_OK)


@cli.command()
@click.option("--period", required=True, help="Month, YYYY-MM.")
@click.option("--out", "out_file", type=click.Path(path_type=Path, dir_okay=False),
              help="Report file. Default: reports/重大项目监控报告-PERIOD.xlsx "
                   "(major-project-monitoring-PERIOD.xlsx with --lang en).")
@click.option("--lang", type=click.Choice(LANGS), default="zh", show_default=True,
              help="Language of the file name.")
@click.option("--db", type=click.Path(path_type=Path, dir_okay=False, exists=True),
              default=DEFAULT_DB, show_default=True, help="History store (SQLite).")
@_register_option
@_rules_option
@_actions_option
def report(period: str, out_file: Path | None, lang: str, db: Path,
           register_path: Path | None, rules_path: Path | None,
           actions_path: Path | None) -> None:
    """Write the monthly monitoring report from what the store holds.

    Comments typed into the previous report of the same period are carried over by project;
    the previous file is kept in backup/; if it is open in Excel, the new report is written
    under another name and you are told.

    \b
    Example:
      xltrack report --period 2026-10 --db xltrack.sqlite --out reports/report-2026-10.xlsx
    """
    register = load_register(register_path)
    with store.open_store(db) as conn:
        result = month_from_store(conn, register, check_period(period), load_rules(rules_path),
                                  CheckResult([]), db)
    target = out_file or Path("reports") / report_name(period, lang)
    published = publish_report(result, target,
                               actions=read_table(actions_path)[0] if actions_path else None)
    click.echo(f"wrote {published.placed.path} ({published.comments_kept} comments kept, "
               f"{published.orphaned} orphaned)")
    if published.placed.backup:
        click.echo(f"previous report kept as {published.placed.backup}")
    for note in published.placed.notes:
        click.echo(note, err=True)


@cli.group(invoke_without_command=True)
@click.option("--as-of", "as_of", type=click.DateTime(["%Y-%m-%d"]),
              help="The day to plan for (default: today).")
@click.option("--table", "table", type=click.Path(path_type=Path, dir_okay=False),
              default=KEY_WORK_TABLE, show_default=True, help="The key-work tracking table.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def actions(ctx: click.Context, as_of: dt.datetime | None, table: Path, as_json: bool) -> None:
    """Key-work tracking: what to follow up today and what is overdue.

    Items due within 7 days are chased every 3 days, within a month weekly, later monthly.

    \b
    Examples:
      xltrack actions --as-of 2026-11-20 --table key-work.xlsx
      xltrack actions init key-work.xlsx
      xltrack actions rollover --month 2026-11 --table key-work.xlsx
    """
    ctx.obj = table
    if ctx.invoked_subcommand:
        return
    day = (as_of or dt.datetime.now()).date()
    items, _ = read_table(table)
    chase = follow_ups(items, day)
    overdue = [i for i in items if is_overdue(i, day)]
    if as_json:
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
def actions_init(path: Path) -> None:
    """Create an empty key-work tracking table at PATH.

    \b
    Example:
      xltrack actions init key-work.xlsx
    """
    if path.exists():
        raise UsageError(f"{path} exists already; choose another name")
    write_table(path, [], dt.date.today())
    click.echo(f"wrote {path}: one row per instruction, minutes item or resolution")


@actions.command("rollover")
@click.option("--month", required=True, help="The month being closed, YYYY-MM.")
@click.option("--out", "out_file", type=click.Path(path_type=Path, dir_okay=False),
              help="Next month's table. Default: key-work-<next month>.xlsx beside the table.")
@click.pass_obj
def actions_rollover(table: Path, month: str, out_file: Path | None) -> None:
    """Close the month at its cut-off (the 25th) and write next month's table.

    Finished items leave the table; every unfinished item needs a newly agreed deadline in
    the 新期限 New deadline column, else nothing is written and the items are named.

    \b
    Example:
      xltrack actions rollover --month 2026-11 --table key-work.xlsx
    """
    items, deadlines = read_table(table)
    summary = month_summary(items, check_period(month))
    carried = rollover(items, month, deadlines)
    following = add_period(month, 1)
    out = out_file or table.with_name(f"key-work-{following}.xlsx")
    write_table(out, carried, cutoff(month), title=f"重点工作跟踪表 {following}")
    click.echo(f"{month} closed on {summary['cutoff']}: {len(summary['done'])} done, "  # type: ignore[arg-type]
               f"{len(carried)} rolled over to {out}")


@cli.command("special-reports")
@click.option("--period", required=True, help="Month, YYYY-MM.")
@click.option("--out", "out_dir", type=click.Path(path_type=Path, file_okay=False),
              default="reports/special", show_default=True, help="Folder for the reports.")
@click.option("--db", type=click.Path(path_type=Path, dir_okay=False, exists=True),
              default=DEFAULT_DB, show_default=True, help="History store (SQLite).")
@_register_option
@_rules_option
@click.option("--track", "track", type=click.Path(path_type=Path, dir_okay=False),
              help="Also add a tracked item per project to this key-work table.")
def special_reports(period: str, out_dir: Path, db: Path, register_path: Path | None,
                    rules_path: Path | None, track: Path | None) -> None:
    """Write a special report (专项书面报告) for every project with a major variance.

    Uses what the store holds for the period (run the month first).

    \b
    Example:
      xltrack special-reports --period 2026-10 --db xltrack.sqlite --out reports/special
    """
    register = load_register(register_path)
    with store.open_store(db) as conn:
        result = month_from_store(conn, register, check_period(period), load_rules(rules_path),
                                  CheckResult([]), db)
    written = write_special_reports(result, out_dir)
    for path in written:
        click.echo(path)
    if track is not None and written:
        items, _ = read_table(track) if track.exists() else ([], {})
        new = items_for_major_variances(result.variances, period, items, dt.date.today())
        write_table(track, items + new, dt.date.today())
        click.echo(f"{len(new)} item(s) added to {track}")
    if not written:
        click.echo(f"No major variance in {period}: no special report needed.")


@cli.command()
@click.argument("project")
@click.option("--period", required=True, help="Month, YYYY-MM.")
@click.option("--measure", default="investment", show_default=True,
              help="investment, or sales:AMOUNT / sales:AREA / sales:UNITS.")
@click.option("--basis", type=click.Choice(["actual", "plan", "baseline"]),
              help="Only this basis.")
@click.option("--span", type=click.Choice(["month", "ytd", "to_date", "at_completion"]),
              help="Only this span.")
@click.option("--db", type=click.Path(path_type=Path, dir_okay=False, exists=True),
              default=DEFAULT_DB, show_default=True, help="History store (SQLite).")
@click.option("--json", "as_json", is_flag=True, help="Print the facts as JSON.")
def explain(project: str, period: str, measure: str, basis: str | None, span: str | None,
            db: Path, as_json: bool) -> None:
    """Show the submissions and cells behind a project's consolidated figures.

    \b
    Example:
      xltrack explain RE01-P01 --period 2026-10 --measure investment --span ytd
    """
    with store.open_store(db) as conn:
        facts = trace(store.facts_in_force(conn, check_period(period)), period, project,
                      measure, basis, span)
    if facts.empty:
        raise UsageError(f"no figures for {project} ({measure}) up to {period}; check the "
                         "project ID and that the period has been run")
    if as_json:
        click.echo(facts.to_json(orient="records", force_ascii=False, indent=2))
        return
    for (b, s), part in facts.groupby(["basis", "span"], sort=False):
        click.echo(f"{project} {measure} {b} {s}: {part.amount.sum():,.2f}")
        for r in part.itertuples():
            where = f"{r.file} {r.sheet}!{r.cell}"
            click.echo(f"    {r.month}  {r.item:<14} {r.amount:>16,.2f}  {where}")


def _run_json(result: MonthResult, written: list[Path]) -> dict[str, Any]:
    group = result.consolidation.figures
    group = group[group.level == "group"]
    return {"period": result.period, "db": str(result.db), "check": result.checked.counts(),
            "status": result.status.status.value_counts().to_dict(),
            "restatements": len(result.restatements),
            "variances": result.variances.severity.value_counts().to_dict(),
            "major_variances": sorted(set(
                result.variances[result.variances.severity == "major"].project)),
            "group": {f"{r.indicator} {r.basis} {r.span}": r.amount
                      for r in group.itertuples()},
            "written": [str(p) for p in written]}


def _print_run(summary: dict[str, Any]) -> None:
    n = summary["check"]
    click.echo(f"{summary['period']}: {n['files']} files, {n['accepted']} accepted, "
               f"{n['rejected']} rejected; store {summary['db']}")
    click.echo("status: " + ", ".join(f"{k} {v}" for k, v in summary["status"].items()))
    g = summary["group"]
    for basis in ("actual", "plan", "baseline"):
        click.echo(f"group investment {basis:8}: month {g[f'investment {basis} month']:>18,.2f}"
                   f"   year to date {g[f'investment {basis} ytd']:>18,.2f}")
    flags = summary["variances"]
    click.echo(f"variances: {flags.get('major', 0)} major, {flags.get('attention', 0)} to watch; "
               f"major in {', '.join(summary['major_variances']) or 'no project'}")
    for path in summary["written"]:
        click.echo(f"wrote {path}")
    click.echo("Key-work tracking and the Excel control workbook are not built yet.")


def _result_json(result: CheckResult) -> dict[str, Any]:
    return {"summary": result.counts(),
            "files": [{"file": str(s.path), "sha256": s.sha256, "status": result.status(s),
                       "kinds": [k.value for k in s.kinds],
                       "subsidiary": s.header.get("xt_subsidiary"),
                       "period": s.header.get("xt_period"),
                       "findings": [f.to_json() for f in s.findings]}
                      for s in result.submissions],
            "feedback": [str(p) for p in result.feedback]}


def _print_result(result: CheckResult, lang: str) -> None:
    for sub in result.submissions:
        if not sub.findings:
            continue
        click.echo(f"{result.status(sub).upper():9} {sub.path}")
        for f in sub.findings:
            place = f"{f.sheet}!{f.cell}" if f.cell else f.sheet
            message = f.message_zh if lang == "zh" else f.message_en
            click.echo(f"  {f.severity.value:8} {f.reason.value:18} {place:22} {message}")
    n = result.counts()
    click.echo(f"{n['files']} files: {n['accepted']} accepted, {n['rejected']} rejected; "
               f"{n['errors']} errors, {n['warnings']} warnings, {n['infos']} notes; "
               f"{n['lock_files_skipped']} lock files skipped")
    for path in result.feedback:
        click.echo(f"feedback: {path}")


def main() -> None:
    try:
        cli.main(standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        sys.exit(EXIT_USAGE)
    except click.ClickException as exc:
        exc.show()
        sys.exit(EXIT_USAGE)
    except XltrackError as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(EXIT_USAGE)
    except SystemExit:
        raise
    except Exception as exc:  # noqa: BLE001 - the last guard: one line, not a traceback
        click.echo(f"Internal error ({type(exc).__name__}): {exc}. Please report it.", err=True)
        sys.exit(EXIT_INTERNAL)
