"""The month's commands: validate, run, report, special-reports, explain. Registered on the
group in cli.py: each parses, calls the library, prints, and sets the exit code."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from . import contract as c
from .backend import Location
from .cli import (
    DEFAULT_DB,
    EXIT_FINDINGS,
    EXIT_OK,
    INBOX,
    _actions_option,
    _control_option,
    _json_option,
    _progress,
    _register_option,
    _rules_option,
    _scheduler_option,
    cli,
    emit,
    in_lang,
    lang_option,
    messages_lang,
    note,
    resolve_actions,
    resolve_cadence,
    resolve_document_lang,
    resolve_lang,
    resolve_register,
    resolve_rules,
    resolve_zone,
    say,
    wants_json,
)
from .cli_history import HISTORY_HELP, History
from .cli_words import pad, said, shown
from .contract import TABLES_BY_NAME
from .errors import UsageError
from .inbox import CheckResult, check_files
from .locking import network_filesystem
from .models import check_period
from .words import BASIS, INDICATOR, KIND, REASON, SEVERITY, SPAN, STATUS, word
from .workers import Isolation

if TYPE_CHECKING:
    from .action_table import KeyWork
    from .actions import ActionItem
    from .monthly import MonthResult


def _problem_lines(work: KeyWork | None, lang: str | None = None) -> list[str]:
    """action_table.problem_lines, its module loaded only when there is a table."""
    if work is None:
        return []
    from .action_table import problem_lines

    return problem_lines(work, lang)


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--period", help="Month being consolidated (YYYY-MM): nothing may be later.")
@_register_option
@_control_option
@click.option("--feedback", "feedback_dir", type=click.Path(path_type=Path, file_okay=False),
              help="Write a feedback workbook for every file with findings into this folder.")
@_json_option
@lang_option("the messages")
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
                         _progress(say("progress_checking")))
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
@lang_option("the documents, their file names and the messages")
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

    Writes into --out: figures-, milestones-, status-, submissions-, variances- and
    earned-value-PERIOD.csv,
    the monitoring report 重大项目监控报告-PERIOD.xlsx, a special report per project with a
    major variance (special/), and a feedback workbook per file with findings (feedback/).
    Exit 1 when a file was rejected or a major variance was found.

    \b
    Example:
      xltrack run --period 2026-10 --inbox inbox --db xltrack.sqlite --out reports
    """
    from .monthly import run_month, write_month
    from .report.monitoring import report_name
    from .report.written import placement_notes

    lang = resolve_document_lang(lang, control_path)
    register = resolve_register(register_path, control_path)
    share = network_filesystem(db) if isinstance(db, Path) else None
    if share:
        note(say("network_share", db=db, share=share))
    result = run_month(inbox, register, check_period(period), db, out_dir / "feedback",
                       Isolation(workers=workers, scheduler=scheduler),
                       _progress(say("progress_reading")),
                       rules=resolve_rules(rules_path, control_path),
                       accept_units=[Path(name).name for name in accept_units])
    key_work = resolve_actions(actions_path, control_path)
    written, published = write_month(result, out_dir, out_dir / report_name(result.period, lang),
                                     lang, key_work, resolve_zone(control_path))
    for line in [*placement_notes(), *published.placed.notes,
                 *_problem_lines(key_work, messages_lang())]:
        click.echo(in_lang(line), err=True)
    summary = _run_json(result, written, out_dir / "feedback")
    summary["key_work_problems"] = _problem_lines(key_work)
    if wants_json():
        click.echo(json.dumps(summary, ensure_ascii=False, indent=2))
    else:
        _print_run(summary, messages_lang(), _versions_zh(result))
    major = (result.variances.severity == "major").any()
    sys.exit(EXIT_FINDINGS if result.checked.rejected or major else EXIT_OK)


@cli.command()
@click.option("--period", required=True, help="Month, YYYY-MM.")
@click.option("--out", "out_file", type=click.Path(path_type=Path, dir_okay=False),
              help="Report file. Default: reports/重大项目监控报告-PERIOD.xlsx "
                   "(major-project-monitoring-PERIOD.xlsx with --lang en).")
@lang_option("the report, its file name and the messages")
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

    Comments and columns added to the Summary of the previous report of the same period are
    carried over by project, sheets added to it are written again, and what was typed into a
    copy written while it was open is carried too; the previous file is kept in backup/; if
    it is open in Excel, the new report is written under another name and you are told.

    \b
    Example:
      xltrack report --period 2026-10 --db xltrack.sqlite --out reports/report-2026-10.xlsx
    """
    from . import store
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
         say("report_written", path=placed.path, kept=published.comments_kept,
             orphaned=published.orphaned) +
         ("\n" + say("report_backup", backup=placed.backup) if placed.backup else ""))
    for line in [*placed.notes, *_problem_lines(key_work, messages_lang())]:
        click.echo(in_lang(line), err=True)


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
@lang_option("the written reports (.docx) and the messages")
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
    from .report.written import placement_notes

    lang = resolve_document_lang(lang, control_path)
    register = resolve_register(register_path, control_path)
    with store.open_store(db) as conn:
        result = month_from_store(conn, register, check_period(period),
                                  resolve_rules(rules_path, control_path),
                                  CheckResult([]), db)
    *written, overview = write_special_reports(result, out_dir, lang)
    for line in placement_notes():
        click.echo(in_lang(line), err=True)
    new: list[ActionItem] = []
    if track is not None and written:
        track, new = track_major_variances(track, result.variances, period, out_dir,
                                           register.operations_contact or "运营管理部",
                                           resolve_cadence(control_path),
                                           units={s.code: s.name for s in
                                                  register.subsidiaries})
    lines = [str(p) for p in written] + ([say("tracked", count=len(new), table=track)]
                                         if track and written else [])
    emit({"reports": [str(p) for p in written], "tracked": [i.id for i in new],
          "overview": str(overview)},
         ("\n".join(lines) or say("no_special", period=period))
         + "\n" + say("overview", path=overview))


@cli.command()
@click.argument("project")
@click.option("--period", required=True, help="Month, YYYY-MM.")
@click.option("--measure", default="investment", show_default=True,
              type=click.Choice(["investment", *(f"sales:{m}" for m in c.MEASURES)]),
              help="Investment, or sales as an amount, an area or units.")
@click.option("--basis", type=click.Choice(["actual", "plan", "baseline"]),
              help="Only this basis.")
@click.option("--span", type=click.Choice(["month", "ytd", "to_date", "at_completion"]),
              help="Only this span.")
@click.option("--db", type=History(exists=True), default=DEFAULT_DB, show_default=True,
              help=HISTORY_HELP)
@_control_option
@lang_option("the messages")
@_json_option
def explain(project: str, period: str, measure: str, basis: str | None, span: str | None,
            db: Location, control_path: Path | None, lang: str | None) -> None:
    """Show the submissions and cells behind a project's consolidated figures.

    \b
    Example:
      xltrack explain RE01-P01 --period 2026-10 --measure investment --span ytd
    """
    from . import store
    from .consolidate import trace

    lang = resolve_lang(lang, control_path)
    with store.open_store(db) as conn:
        facts = trace(store.facts_in_force(conn, check_period(period)), period, project,
                      measure, basis, span)
    if facts.empty:
        raise UsageError(
            said("no_figures", "zh", project=project, measure=word(INDICATOR, measure),
                 period=period),
            said("no_figures", "en", project=project, measure=measure, period=period))
    if wants_json():
        click.echo(facts.to_json(orient="records", force_ascii=False, indent=2))
        return
    for (b, s), part in facts.groupby(["basis", "span"], sort=False):
        click.echo(say("explained", project=project, measure=shown(INDICATOR, measure, lang),
                       basis=shown(BASIS, b, lang), span=shown(SPAN, s, lang),
                       amount=part.amount.sum()))
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


def _versions_zh(result: MonthResult) -> dict[str, list[str]]:
    """Each file's version findings in 中文, beside the English ones of the summary."""
    from .models import Reason

    reasons = {Reason.OLDER_VERSION, Reason.UNORDERED_VERSIONS}
    return {r["file"]: [f["message_zh"] for f in json.loads(r["findings"])
                        if f["reason"] in reasons]
            for r in result.submissions.to_dict("records")}


def _in_folder(path: str) -> str:
    """A file named with its folder (2026-09/RE01-monthly-2026-10.xlsx)."""
    where = Path(path)
    return f"{where.parent.name}/{where.name}" if where.parent.name else where.name


def _print_run(summary: dict[str, Any], lang: str,
               versions_zh: dict[str, list[str]] | None = None) -> None:
    n, echo = summary["check"], click.echo
    echo(said("run_counts", lang, period=summary["period"], db=summary["db"], **n))
    echo(said("run_status", lang, counts=("、" if lang == "zh" else ", ").join(
        f"{shown(STATUS, k, lang)} {v}" for k, v in summary["status"].items())))
    for f in summary["files"]:
        if f["status"] == "rejected":
            echo(said("run_rejected", lang, file=f["file"], subsidiary=f["subsidiary"] or "?",
                      kind=shown(KIND, f["kind"], lang) or "?", period=f["period"] or "?",
                      errors=f["errors"],
                      feedback=f["feedback"] or said("feedback_earlier", lang)))
    said_once: set[str] = set()
    for f in summary["files"]:
        if f.get("same_as") is not None and f.get("path", f["file"]) not in said_once:
            said_once.add(f.get("path", f["file"]))
            file, twin = f["file"], f["same_as"]
            if file == twin and f.get("same_as_path"):  # one name in two folders: say which
                file, twin = _in_folder(f["path"]), _in_folder(f["same_as_path"])
            echo(said("run_same_bytes", lang, file=file, same_as=twin))
    for f in summary["files"]:
        if f.get("same_as") is not None:
            continue  # its versions are its twin's, said there
        zh = (versions_zh or {}).get(f["file"], [])
        messages = zh if lang == "zh" and len(zh) == len(f["versions"]) else f["versions"]
        for message in messages if f["new"] else ():
            echo(said("run_version", lang, file=f["file"], message=message))
    if any(f["status"] == "rejected" for f in summary["files"]):
        echo(said("run_feedback", lang, folder=summary["feedback_folder"]))
    for r in summary["prior_period_restatements"]:
        old, new = (f"{v:,.2f}" if v is not None else said("none", lang)
                    for v in (r["old_amount"], r["new_amount"]))
        table = TABLES_BY_NAME.get(r["table"])  # its sheet's name, as the sender sees it
        echo(said("restatement", lang, subsidiary=r["subsidiary"], month=r["month"],
                  project=r["project"], item=r["item"], old=old, new=new,
                  table=table.label_zh if table and lang == "zh" else r["table"],
                  file=r["file"], cell=r["cell"], superseded=r["superseded_file"]))
    g = summary["group"]
    for basis in ("actual", "plan", "baseline"):
        echo(said("group_investment", lang, basis=shown(BASIS, basis, lang),
                  month=g[f"investment {basis} month"], ytd=g[f"investment {basis} ytd"]))
    flags = summary["variances"]
    echo(said("run_variances", lang, major=flags.get("major", 0),
              attention=flags.get("attention", 0),
              projects=("、" if lang == "zh" else ", ").join(summary["major_variances"])
              or said("no_project", lang)))
    for path in summary["written"]:
        echo(said("wrote", lang, path=path))


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
        status = result.status(sub)
        click.echo(pad(shown(STATUS, status, lang) if lang == "zh" else status.upper(), 9)
                   + f" {sub.path}")
        for f in sub.findings:
            place = (f"{f.sheet}!{f.cell}" if f.cell else f.sheet) + (
                f" ({f.key})" if f.key else "")  # the column key, as the settings' errors say it
            message = f.message_zh if lang == "zh" else f.message_en
            click.echo(f"  {pad(shown(SEVERITY, f.severity.value, lang), 8)} "
                       f"{pad(shown(REASON, f.reason.value, lang), 18)} {pad(place, 22)} "
                       f"{message}")
    click.echo(said("validated", lang, **result.counts()))
    for path in result.feedback:
        click.echo(said("feedback", lang, path=path))
