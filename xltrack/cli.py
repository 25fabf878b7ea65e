"""The command line: parse, call one library function, map errors to exit codes. Nothing else.

Exit codes: 0 ok · 1 findings with errors · 2 usage or settings problem · 3 internal error.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from . import __version__
from . import contract as c
from .demo import write_demo
from .errors import XltrackError
from .inbox import CheckResult, check_files
from .models import check_period
from .settings import load_register
from .templates import LANGS, generate_all
from .workers import Isolation

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3

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
