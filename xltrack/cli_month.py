"""The month's commands: validate, run, report, special-reports, explain. Registered on the
group in cli.py: each parses, calls the library, prints, and sets the exit code."""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from .backend import Location
from .cli import (
    DEFAULT_DB,
    EXIT_FINDINGS,
    EXIT_OK,
    INBOX,
    LANGS,
    _actions_option,
    _control_option,
    _json_option,
    _progress,
    _register_option,
    _rules_option,
    _scheduler_option,
    cli,
    emit,
    note,
    resolve_actions,
    resolve_cadence,
    resolve_document_lang,
    resolve_lang,
    resolve_register,
    resolve_rules,
    resolve_zone,
    wants_json,
)
from .cli_history import HISTORY_HELP, History
from .errors import UsageError
from .inbox import CheckResult, check_files
from .locking import network_filesystem
from .models import check_period
from .workers import Isolation

if TYPE_CHECKING:
    from .actions import ActionItem
    from .monthly import MonthResult


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--period", help="Month being consolidated (YYYY-MM): nothing may be later.")
@_register_option
@_control_option
@click.option("--feedback", "feedback_dir", type=click.Path(path_type=Path, file_okay=False),
              help="Write a feedback workbook for every file with findings into this folder.")
@_json_option
@click.option("--lang", type=click.Choice(LANGS),
              help="Language of the messages. Default: the control workbook's, else the "
                   "locale's (zh_* 中文, else English).")
@click.option("--workers", type=click.IntRange(0), default=0,
              help="Reader processes (0: one per core).")
@_scheduler_option
def validate(paths: tuple[Path, ...], period: str | None, register_path: Path | None,
             control_path: Path | None,
             feedback_dir: Path | None, lang: str | None, workers: int,
             scheduler: str | None) -> None:
    """Check submissions (files or folders) and report every finding.

    Exit 0 when no file has errors, 1 when any has.

    \b
    Examples:
      xltrack validate inbox/2026-10 --period 2026-10 --register register.json
      xltrack validate RE01-monthly-2026-10.xlsx --json
    """
    lang = resolve_lang(lang, control_path)
    register = resolve_register(register_path, control_path)
    result = check_files(paths, register, period, feedback_dir,
                         Isolation(workers=workers, scheduler=scheduler),
                         _progress("Checking"))
    if wants_json():
        click.echo(json.dumps(_result_json(result), ensure_ascii=False, indent=2))
    else:
        _print_result(result, lang)
    sys.exit(EXIT_FINDINGS if result.rejected else EXIT_OK)


@cli.command()
@click.option("--period", required=True, help="Month to consolidate, YYYY-MM.")
@click.option("--inbox", type=click.Path(path_type=Path, exists=True, file_okay=False),
              default=INBOX, show_default=True,
              help="Folder of submissions, searched recursively; files already in the "
                   "history are not read again.")
@click.option("--db", type=History(), default=DEFAULT_DB, show_default=True,
              help=f"{HISTORY_HELP} A SQLite file is created when missing.")
@click.option("--out", "out_dir", type=click.Path(path_type=Path, file_okay=False),
              default="reports", show_default=True,
              help="Folder for the consolidated figures, status board and feedback.")
@_register_option
@_control_option
@_rules_option
@_actions_option
@click.option("--lang", type=click.Choice(LANGS),
              help="Language of the documents and their file names. Default: the control "
                   "workbook's, else 中文.")
@_json_option
@click.option("--workers", type=click.IntRange(0), default=0,
              help="Reader processes (0: one per core).")
@_scheduler_option
@click.option("--accept-unit", "accept_units", multiple=True, metavar="FILE",
              help="Accept this file's amounts although they look about 10,000 times off "
                   "(implausible_unit); its file name, repeatable. The finding stays, as a "
                   "warning.")
def run(period: str, inbox: Path, db: Location, out_dir: Path, register_path: Path | None,
        control_path: Path | None,
        rules_path: Path | None, actions_path: Path | None, lang: str | None,
        workers: int, scheduler: str | None, accept_units: tuple[str, ...]) -> None:
    """Run the month: check every file, store it, consolidate, find the variances.

    Writes into --out: figures-, milestones-, status-, variances- and earned-value-PERIOD.csv,
    the monitoring report 重大项目监控报告-PERIOD.xlsx, a special report per project with a
    major variance (special/), and a feedback workbook per file with findings (feedback/).
    Exit 1 when a file was rejected or a major variance was found.

    \b
    Example:
      xltrack run --period 2026-10 --inbox inbox --db xltrack.sqlite --out reports
    """
    from .action_table import problem_lines
    from .monthly import run_month, write_outputs, write_special_reports
    from .report.monitoring import report_name
    from .report.publish import publish_report
    from .report.written import overdue_work

    lang = resolve_document_lang(lang, control_path)
    register = resolve_register(register_path, control_path)
    share = network_filesystem(db) if isinstance(db, Path) else None
    if share:
        note(f"Warning: the history {db} is on a network share ({share}); SQLite's locks are "
             "unreliable there. Keep it on a local disk and back it up.")
    result = run_month(inbox, register, check_period(period), db, out_dir / "feedback",
                       Isolation(workers=workers, scheduler=scheduler), _progress("Reading"),
                       rules=resolve_rules(rules_path, control_path),
                       accept_units=[Path(name).name for name in accept_units])
    key_work = resolve_actions(actions_path, control_path)
    written = write_outputs(result, out_dir) + write_special_reports(
        result, out_dir / "special", lang,
        overdue_work(key_work.items if key_work else None, dt.date.today()))
    published = publish_report(result, out_dir / report_name(result.period, lang),
                               actions=key_work, lang=lang, zone=resolve_zone(control_path))
    written.append(published.placed.path)
    for line in published.placed.notes + problem_lines(key_work):
        click.echo(line, err=True)
    summary = _run_json(result, written, out_dir / "feedback")
    summary["key_work_problems"] = problem_lines(key_work)
    if wants_json():
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
@click.option("--lang", type=click.Choice(LANGS),
              help="Language of the report and its file name. Default: the control "
                   "workbook's, else 中文.")
@click.option("--db", type=History(exists=True), default=DEFAULT_DB, show_default=True,
              help=HISTORY_HELP)
@_register_option
@_control_option
@_rules_option
@_actions_option
@_json_option
def report(period: str, out_file: Path | None, lang: str | None, db: Location,
           register_path: Path | None, control_path: Path | None, rules_path: Path | None,
           actions_path: Path | None) -> None:
    """Write the monthly monitoring report from what the store holds.

    Comments typed into the previous report of the same period are carried over by project;
    the previous file is kept in backup/; if it is open in Excel, the new report is written
    under another name and you are told.

    \b
    Example:
      xltrack report --period 2026-10 --db xltrack.sqlite --out reports/report-2026-10.xlsx
    """
    from . import store
    from .action_table import problem_lines
    from .monthly import month_from_store
    from .report.monitoring import report_name
    from .report.publish import publish_report

    lang = resolve_document_lang(lang, control_path)
    register = resolve_register(register_path, control_path)
    with store.open_store(db) as conn:
        result = month_from_store(conn, register, check_period(period),
                                  resolve_rules(rules_path, control_path),
                                  CheckResult([]), db)
    target = out_file or Path("reports") / report_name(period, lang)
    key_work = resolve_actions(actions_path, control_path)
    published = publish_report(result, target, actions=key_work, lang=lang,
                               zone=resolve_zone(control_path))
    placed = published.placed
    emit({"report": str(placed.path), "backup": placed.backup and str(placed.backup),
          "redirected": placed.redirected, "comments_kept": published.comments_kept,
          "orphaned": published.orphaned},
         f"wrote {placed.path} ({published.comments_kept} comments kept, "
         f"{published.orphaned} orphaned)" +
         (f"\nprevious report kept as {placed.backup}" if placed.backup else ""))
    for line in placed.notes + problem_lines(key_work):
        click.echo(line, err=True)


@cli.command("special-reports")
@click.option("--period", required=True, help="Month, YYYY-MM.")
@click.option("--out", "out_dir", type=click.Path(path_type=Path, file_okay=False),
              default="reports/special", show_default=True, help="Folder for the reports.")
@click.option("--db", type=History(exists=True), default=DEFAULT_DB, show_default=True,
              help=HISTORY_HELP)
@_register_option
@_control_option
@_rules_option
@click.option("--track", "track", type=click.Path(path_type=Path, dir_okay=False),
              help="Also add a tracked item per project to this key-work table.")
@click.option("--lang", type=click.Choice(LANGS),
              help="Language of the written reports (.docx). Default: the control "
                   "workbook's, else 中文.")
@_json_option
def special_reports(period: str, out_dir: Path, db: Location, register_path: Path | None,
                    control_path: Path | None,
                    rules_path: Path | None, track: Path | None, lang: str | None) -> None:
    """Write a special report (专项书面报告) for every project with a major variance.

    Uses what the store holds for the period (run the month first).

    \b
    Example:
      xltrack special-reports --period 2026-10 --db xltrack.sqlite --out reports/special
    """
    from . import store
    from .action_book import track_major_variances
    from .monthly import month_from_store, write_special_reports

    register = resolve_register(register_path, control_path)
    with store.open_store(db) as conn:
        result = month_from_store(conn, register, check_period(period),
                                  resolve_rules(rules_path, control_path),
                                  CheckResult([]), db)
    *written, overview = write_special_reports(result, out_dir,
                                               resolve_document_lang(lang, control_path))
    new: list[ActionItem] = []
    if track is not None and written:
        track, new = track_major_variances(track, result.variances, period, out_dir,
                                           register.operations_contact or "运营管理部",
                                           resolve_cadence(control_path))
    lines = [str(p) for p in written] + ([f"{len(new)} item(s) added to {track}"] if track
                                         and written else [])
    emit({"reports": [str(p) for p in written], "tracked": [i.id for i in new],
          "overview": str(overview)},
         ("\n".join(lines) or f"No major variance in {period}: no special report needed.")
         + f"\nmonthly overview: {overview}")


@cli.command()
@click.argument("project")
@click.option("--period", required=True, help="Month, YYYY-MM.")
@click.option("--measure", default="investment", show_default=True,
              help="investment, or sales:AMOUNT / sales:AREA / sales:UNITS.")
@click.option("--basis", type=click.Choice(["actual", "plan", "baseline"]),
              help="Only this basis.")
@click.option("--span", type=click.Choice(["month", "ytd", "to_date", "at_completion"]),
              help="Only this span.")
@click.option("--db", type=History(exists=True), default=DEFAULT_DB, show_default=True,
              help=HISTORY_HELP)
@_json_option
def explain(project: str, period: str, measure: str, basis: str | None, span: str | None,
            db: Location) -> None:
    """Show the submissions and cells behind a project's consolidated figures.

    \b
    Example:
      xltrack explain RE01-P01 --period 2026-10 --measure investment --span ytd
    """
    from . import store
    from .consolidate import trace

    with store.open_store(db) as conn:
        facts = trace(store.facts_in_force(conn, check_period(period)), period, project,
                      measure, basis, span)
    if facts.empty:
        raise UsageError(f"no figures for {project} ({measure}) up to {period}; check the "
                         "project ID and that the period has been run")
    if wants_json():
        click.echo(facts.to_json(orient="records", force_ascii=False, indent=2))
        return
    for (b, s), part in facts.groupby(["basis", "span"], sort=False):
        click.echo(f"{project} {measure} {b} {s}: {part.amount.sum():,.2f}")
        for r in part.itertuples():
            where = f"{r.file} {r.sheet}!{r.cell}"
            click.echo(f"    {r.month}  {r.item:<14} {r.amount:>16,.2f}  {where}")


def _run_json(result: MonthResult, written: list[Path], feedback: Path) -> dict[str, Any]:
    from .monthly import prior_period_restatements, run_files

    group = result.consolidation.figures
    group = group[group.level == "group"]
    prior = prior_period_restatements(result)
    return {"period": result.period, "db": str(result.db), "check": result.checked.counts(),
            "status": result.status.status.value_counts().to_dict(),
            "files": run_files(result), "feedback_folder": str(feedback),
            "restatements": len(result.restatements),
            "prior_period_restatements": [
                {"file": r.file, "superseded_file": r.superseded_file,
                 "subsidiary": r.subsidiary, "period": r.period, "project": r.project,
                 "table": r.tbl, "item": r.item, "month": r.month, "cell": r.cell,
                 "old_amount": _amount(r.old_amount), "new_amount": _amount(r.new_amount)}
                for r in prior.itertuples()],
            "variances": result.variances.severity.value_counts().to_dict(),
            "major_variances": sorted(set(
                result.variances[result.variances.severity == "major"].project)),
            "group": {f"{r.indicator} {r.basis} {r.span}": r.amount
                      for r in group.itertuples()},
            "written": [str(p) for p in written]}


def _amount(value: Any) -> float | None:
    return None if value is None or value != value else float(value)


def _print_run(summary: dict[str, Any]) -> None:
    n = summary["check"]
    click.echo(f"{summary['period']}: {n['files']} new files, {n['accepted']} accepted, "
               f"{n['rejected']} rejected ({n['already_in_history']} already in the "
               f"history); store {summary['db']}")
    click.echo("status: " + ", ".join(f"{k} {v}" for k, v in summary["status"].items()))
    for f in summary["files"]:
        if f["status"] == "rejected":
            click.echo(f"rejected: {f['file']} ({f['subsidiary'] or '?'} {f['kind'] or '?'} "
                       f"{f['period'] or '?'}, {f['errors']} errors) feedback: "
                       f"{f['feedback'] or 'written when it was first read'}")
    for f in summary["files"]:
        for message in f["versions"] if f["new"] else ():
            click.echo(f"version: {f['file']}: {message}")
    if any(f["status"] == "rejected" for f in summary["files"]):
        click.echo(f"feedback workbooks for the senders: {summary['feedback_folder']}")
    for r in summary["prior_period_restatements"]:
        old, new = (f"{v:,.2f}" if v is not None else "(none)"
                    for v in (r["old_amount"], r["new_amount"]))
        click.echo(f"prior-period restatement: {r['subsidiary']} {r['month']} {r['project']} "
                   f"{r['table']} {r['item']} {old} -> {new} ({r['file']} {r['cell']}, "
                   f"replaces {r['superseded_file']})")
    g = summary["group"]
    for basis in ("actual", "plan", "baseline"):
        click.echo(f"group investment {basis:8}: month {g[f'investment {basis} month']:>18,.2f}"
                   f"   year to date {g[f'investment {basis} ytd']:>18,.2f}")
    flags = summary["variances"]
    click.echo(f"variances: {flags.get('major', 0)} major, {flags.get('attention', 0)} to watch; "
               f"major in {', '.join(summary['major_variances']) or 'no project'}")
    for path in summary["written"]:
        click.echo(f"wrote {path}")


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
