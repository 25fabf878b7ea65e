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
import json
import logging
import sqlite3
import sys
import tempfile
from pathlib import Path
from typing import Any

import click

from . import __version__, store
from . import contract as c
from .action_table import read_table, write_table
from .actions import ActionItem, items_for_major_variances
from .consolidate import trace
from .control import ControlSettings, load_control
from .demo import write_demo
from .errors import UsageError, XltrackError
from .excel.build import WORKBOOK, build_workbook
from .excel.port import FilePort
from .inbox import CheckResult, check_files
from .locking import network_filesystem
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
from .settings import Register, load_register
from .store import DEFAULT_DB
from .templates import LANGS, generate_all
from .variance import RuleSet, default_rules, load_rules
from .workers import Isolation

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
    help="Key-work tracking table: its open items go to the report's Actions sheet.")
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
CONTROL_FILE = WORKBOOK


def _set_root(key: str) -> Any:
    def callback(ctx: click.Context, _param: click.Parameter, value: Any) -> Any:
        if value:
            ctx.find_root().meta[key] = True
        return value
    return callback


_json_option = click.option("--json", "_json", is_flag=True, expose_value=False,
                            callback=_set_root("json"), help="Print JSON for scripts.")


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
    return load_control(FilePort(path))


def _control_named(path: Path | None) -> ControlSettings | None:
    """The control workbook named, else the working folder's, else none."""
    if path is None and Path(CONTROL_FILE).exists():
        path = Path(CONTROL_FILE)
    return _control(path.resolve()) if path else None


def resolve_register(path: Path | None, control: Path | None = None) -> Register:
    """The register named, else the control workbook's, else register.json, else the demo."""
    if path is None:
        settings = _control_named(control)
        if settings:
            return settings.register
    if path is None and Path(REGISTER_FILE).exists():
        path = Path(REGISTER_FILE)
    if path is None:
        note("Using the built-in demo register (no xltrack.xlsm here; see xltrack init).")
    return load_register(path)


def resolve_rules(path: Path | None, control: Path | None = None) -> RuleSet:
    if path is None:
        settings = _control_named(control)
        if settings:
            return settings.rules
    if path is None and Path(RULES_FILE).exists():
        path = Path(RULES_FILE)
    return load_rules(path)


def resolve_actions(path: Path | None) -> list[ActionItem] | None:
    if path is None and Path(KEY_WORK_TABLE).exists():
        path = Path(KEY_WORK_TABLE)
    return read_table(path)[0] if path else None


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="xltrack")
@click.option("--quiet", "-q", is_flag=True, expose_value=False, callback=_set_root("quiet"),
              help="Print only results and errors: no progress, no remarks.")
@_json_option
def cli() -> None:
    """xltrack: collect, check and consolidate the subsidiaries' project workbooks.

    \b
    A month, from a working folder:
      xltrack init ops && cd ops           # once
      xltrack run --period 2026-10         # files in inbox/ → reports/
    """


@cli.command()
@click.argument("folder", type=click.Path(path_type=Path, file_okay=False))
@click.option("--period", help="First month to collect (default: last month), YYYY-MM.")
@_json_option
def init(folder: Path, period: str | None) -> None:
    """Create a working folder: control workbook, templates, inbox, reports, history, logs.

    The control workbook xltrack.xlsm holds the register, the lists and the rules (the demo
    group's, to be replaced by yours) and the buttons for Excel.

    \b
    Example:
      xltrack init ops --period 2026-10
    """
    if folder.exists() and any(folder.iterdir()):
        raise UsageError(f"{folder} is not empty; choose a new folder")
    today = dt.date.today()
    month = check_period(period) if period else add_period(f"{today:%Y-%m}", -1)
    register = load_register(None)
    for sub_folder in (f"{INBOX}/{month}", "reports", "logs"):
        (folder / sub_folder).mkdir(parents=True, exist_ok=True)
    build_workbook(folder / CONTROL_FILE, register, default_rules(), {"period": month})
    write_table(folder / KEY_WORK_TABLE, [], today)
    templates = generate_all(folder / "templates", register)
    with store.open_store(folder / DEFAULT_DB):
        pass
    created = [CONTROL_FILE, KEY_WORK_TABLE, "templates/", f"{INBOX}/{month}/", "reports/",
               "logs/", DEFAULT_DB]
    emit({"folder": str(folder), "created": created, "templates": [str(t) for t in templates]},
         f"Created {folder}/: " + ", ".join(created) + f"\nNext: in {CONTROL_FILE}, replace the "
         f"demo group with your segments, subsidiaries and projects; send templates/ to the "
         f"subsidiaries; put their files in {INBOX}/{month}/; then click Run month, or\n"
         f"  cd {folder} && xltrack run --period {month}")


@cli.command("build-workbook")
@click.argument("out_file", type=click.Path(path_type=Path, dir_okay=False),
                default=f"workbooks/{WORKBOOK}")
@_control_option
@_register_option
@_rules_option
@click.option("--macros", "macros_dir", type=click.Path(path_type=Path, file_okay=False,
                                                        exists=True),
              help="Folder of the VBA modules (*.bas) and ribbon.xml. Default: macros/.")
@_json_option
def build_workbook_command(out_file: Path, control_path: Path | None,
                           register_path: Path | None, rules_path: Path | None,
                           macros_dir: Path | None) -> None:
    """Build the control workbook (buttons, ribbon, settings sheets) from macros/.

    The settings come from --control (an existing control workbook, to carry its settings into
    a new build), else --register and --rules, else the demo group and the default rules. The
    same inputs always give the same bytes.

    \b
    Examples:
      xltrack build-workbook workbooks/xltrack.xlsm
      xltrack build-workbook new.xlsm --control xltrack.xlsm
    """
    values = None
    if control_path is not None:
        settings = _control(control_path.resolve())
        register, rules, values = settings.register, settings.rules, settings.values
    else:
        register, rules = load_register(register_path), load_rules(rules_path)
    if control_path is not None and out_file.resolve() == control_path.resolve():
        raise UsageError("build into a new file, then replace the old one once checked")
    path = build_workbook(out_file, register, rules, values, macros_dir)
    emit({"workbook": str(path)}, f"wrote {path}")


@cli.command()
@click.argument("out_dir", type=click.Path(path_type=Path, file_okay=False))
@click.option("--lang", type=click.Choice([*LANGS, "all"]), default="all", show_default=True,
              help="Language of labels and instructions.")
@click.option("--kind", "kinds", multiple=True, type=click.Choice([k.value for k in c.Kind]),
              help="Only these kinds (repeatable). Default: every kind and the pack.")
@_register_option
@_control_option
@_json_option
def templates(out_dir: Path, lang: str, kinds: tuple[str, ...],
              register_path: Path | None, control_path: Path | None) -> None:
    """Write blank standard templates into OUT_DIR.

    \b
    Examples:
      xltrack templates out/
      xltrack templates out/ --lang zh --kind budget --kind monthly
    """
    register = resolve_register(register_path, control_path)
    langs = LANGS if lang == "all" else (lang,)
    chosen = [c.Kind(k) for k in kinds] or None
    paths = generate_all(out_dir, register, langs, chosen)
    emit([str(p) for p in paths], "\n".join(str(p) for p in paths))


@cli.command("demo-data")
@click.argument("out_dir", type=click.Path(path_type=Path, file_okay=False))
@click.option("--period", default="2026-10", show_default=True, help="Last month, YYYY-MM.")
@click.option("--subsidiaries", type=click.IntRange(1), help="How many (default: all 12).")
@click.option("--seed", type=int, default=1, show_default=True, help="Seed of the noise.")
@_json_option
def demo_data(out_dir: Path, period: str, subsidiaries: int | None, seed: int) -> None:
    """Write a realistic demo group into OUT_DIR: control workbook, inbox, expected faults.

    \b
    Example:
      xltrack demo-data demo --period 2026-10
    """
    manifest = write_demo(out_dir, check_period(period), subsidiaries, seed)
    build_workbook(out_dir / CONTROL_FILE, load_register(out_dir / REGISTER_FILE),
                   default_rules(), {"period": period})
    emit({"folder": str(out_dir), "files": len(manifest["files"]),
          "faults": manifest["faults"], "major_variances": manifest["major_variances"]},
         f"{len(manifest['files'])} submissions in {out_dir / 'inbox'}; control workbook "
         f"{out_dir / CONTROL_FILE}; expected faults {out_dir / 'expected.json'}")


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--period", help="Month being consolidated (YYYY-MM): nothing may be later.")
@_register_option
@_control_option
@click.option("--feedback", "feedback_dir", type=click.Path(path_type=Path, file_okay=False),
              help="Write a feedback workbook for every file with findings into this folder.")
@_json_option
@click.option("--lang", type=click.Choice(LANGS), default="en", show_default=True,
              help="Language of the messages.")
@click.option("--workers", type=click.IntRange(0), default=0,
              help="Reader processes (0: one per core).")
@_scheduler_option
def validate(paths: tuple[Path, ...], period: str | None, register_path: Path | None,
             control_path: Path | None,
             feedback_dir: Path | None, lang: str, workers: int,
             scheduler: str | None) -> None:
    """Check submissions (files or folders) and report every finding.

    Exit 0 when no file has errors, 1 when any has.

    \b
    Examples:
      xltrack validate inbox/2026-10 --period 2026-10 --register register.json
      xltrack validate RE01-monthly-2026-10.xlsx --json
    """
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
@click.option("--db", type=click.Path(path_type=Path, dir_okay=False), default=DEFAULT_DB,
              show_default=True, help="History store (SQLite), created when missing.")
@click.option("--out", "out_dir", type=click.Path(path_type=Path, file_okay=False),
              default="reports", show_default=True,
              help="Folder for the consolidated figures, status board and feedback.")
@_register_option
@_control_option
@_rules_option
@_actions_option
@click.option("--lang", type=click.Choice(LANGS), default="zh", show_default=True,
              help="Language of the report's file name.")
@_json_option
@click.option("--workers", type=click.IntRange(0), default=0,
              help="Reader processes (0: one per core).")
@_scheduler_option
def run(period: str, inbox: Path, db: Path, out_dir: Path, register_path: Path | None,
        control_path: Path | None,
        rules_path: Path | None, actions_path: Path | None, lang: str,
        workers: int, scheduler: str | None) -> None:
    """Run the month: check every file, store it, consolidate, find the variances.

    Writes into --out: figures-, milestones-, status-, variances- and earned-value-PERIOD.csv,
    the monitoring report 重大项目监控报告-PERIOD.xlsx, a special report per project with a
    major variance (special/), and a feedback workbook per file with findings (feedback/).
    Exit 1 when a file was rejected or a major variance was found.

    \b
    Example:
      xltrack run --period 2026-10 --inbox inbox --db xltrack.sqlite --out reports
    """
    register = resolve_register(register_path, control_path)
    share = network_filesystem(db)
    if share:
        note(f"Warning: the history {db} is on a network share ({share}); SQLite's locks are "
             "unreliable there. Keep it on a local disk and back it up.")
    result = run_month(inbox, register, check_period(period), db, out_dir / "feedback",
                       Isolation(workers=workers, scheduler=scheduler), _progress("Reading"),
                       rules=resolve_rules(rules_path, control_path))
    written = write_outputs(result, out_dir) + write_special_reports(result, out_dir / "special")
    published = publish_report(result, out_dir / report_name(result.period, lang),
                               actions=resolve_actions(actions_path))
    written.append(published.placed.path)
    for line in published.placed.notes:
        click.echo(line, err=True)
    summary = _run_json(result, written)
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
@click.option("--lang", type=click.Choice(LANGS), default="zh", show_default=True,
              help="Language of the file name.")
@click.option("--db", type=click.Path(path_type=Path, dir_okay=False, exists=True),
              default=DEFAULT_DB, show_default=True, help="History store (SQLite).")
@_register_option
@_control_option
@_rules_option
@_actions_option
@_json_option
def report(period: str, out_file: Path | None, lang: str, db: Path,
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
    register = resolve_register(register_path, control_path)
    with store.open_store(db) as conn:
        result = month_from_store(conn, register, check_period(period),
                                  resolve_rules(rules_path, control_path),
                                  CheckResult([]), db)
    target = out_file or Path("reports") / report_name(period, lang)
    published = publish_report(result, target,
                               actions=resolve_actions(actions_path))
    placed = published.placed
    emit({"report": str(placed.path), "backup": placed.backup and str(placed.backup),
          "redirected": placed.redirected, "comments_kept": published.comments_kept,
          "orphaned": published.orphaned},
         f"wrote {placed.path} ({published.comments_kept} comments kept, "
         f"{published.orphaned} orphaned)" +
         (f"\nprevious report kept as {placed.backup}" if placed.backup else ""))
    for line in placed.notes:
        click.echo(line, err=True)


@cli.command("special-reports")
@click.option("--period", required=True, help="Month, YYYY-MM.")
@click.option("--out", "out_dir", type=click.Path(path_type=Path, file_okay=False),
              default="reports/special", show_default=True, help="Folder for the reports.")
@click.option("--db", type=click.Path(path_type=Path, dir_okay=False, exists=True),
              default=DEFAULT_DB, show_default=True, help="History store (SQLite).")
@_register_option
@_control_option
@_rules_option
@click.option("--track", "track", type=click.Path(path_type=Path, dir_okay=False),
              help="Also add a tracked item per project to this key-work table.")
@_json_option
def special_reports(period: str, out_dir: Path, db: Path, register_path: Path | None,
                    control_path: Path | None,
                    rules_path: Path | None, track: Path | None) -> None:
    """Write a special report (专项书面报告) for every project with a major variance.

    Uses what the store holds for the period (run the month first).

    \b
    Example:
      xltrack special-reports --period 2026-10 --db xltrack.sqlite --out reports/special
    """
    register = resolve_register(register_path, control_path)
    with store.open_store(db) as conn:
        result = month_from_store(conn, register, check_period(period),
                                  resolve_rules(rules_path, control_path),
                                  CheckResult([]), db)
    written = write_special_reports(result, out_dir)
    new: list[ActionItem] = []
    if track is not None and written:
        items, _ = read_table(track) if track.exists() else ([], {})
        new = items_for_major_variances(result.variances, period, items, dt.date.today())
        write_table(track, items + new, dt.date.today())
    lines = [str(p) for p in written] + ([f"{len(new)} item(s) added to {track}"] if track
                                         and written else [])
    emit({"reports": [str(p) for p in written], "tracked": [i.id for i in new]},
         "\n".join(lines) or f"No major variance in {period}: no special report needed.")


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
@_json_option
def explain(project: str, period: str, measure: str, basis: str | None, span: str | None,
            db: Path) -> None:
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
    if wants_json():
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
    click.echo(f"{summary['period']}: {n['files']} new files, {n['accepted']} accepted, "
               f"{n['rejected']} rejected ({n['already_in_history']} already in the "
               f"history); store {summary['db']}")
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


def _main() -> None:
    try:
        cli.main(standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        sys.exit(EXIT_USAGE)
    except click.ClickException as exc:
        LOG.info("usage: %s", exc.format_message())
        exc.show()
        sys.exit(EXIT_USAGE)
    except XltrackError as exc:
        LOG.info("refused: %s", exc)
        click.echo(f"Error: {exc}", err=True)
        sys.exit(EXIT_USAGE)
    except SystemExit as exc:
        LOG.info("exit %s", exc.code)
        raise
    except sqlite3.OperationalError as exc:  # the history: disk full, locked, unreadable
        LOG.exception("history database")
        click.echo(f"Error: the history database could not be used ({exc}). Free some space, "
                   "check that no other program holds it, then run again.", err=True)
        sys.exit(EXIT_USAGE)
    except OSError as exc:  # a full disk, a read-only folder, a file held by another program
        LOG.exception("file system")
        where = f" {exc.filename}" if exc.filename else ""
        click.echo(f"Error: cannot write or read{where}: {exc.strerror or exc}. Free some space "
                   "or choose another folder, then run again.", err=True)
        sys.exit(EXIT_USAGE)
    except Exception as exc:  # noqa: BLE001 - the last guard: one line, not a traceback
        LOG.exception("internal error")
        handler = next((h for h in LOG.handlers if isinstance(h, logging.FileHandler)), None)
        where = f" Details: {handler.baseFilename}" if handler else ""
        click.echo(f"Internal error ({type(exc).__name__}): {exc}. Please report it.{where}",
                   err=True)
        sys.exit(EXIT_INTERNAL)
    LOG.info("exit 0")


from . import cli_actions  # noqa: E402,F401  (registers xltrack actions)
