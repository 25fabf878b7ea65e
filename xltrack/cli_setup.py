"""The commands that set things up: a working folder, the control workbook, templates, the
demo. Registered on the group in cli.py, like every command: parse, call one library
function, print."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from . import contract as c
from .cli import (
    CONTROL_FILE,
    DEFAULT_DB,
    INBOX,
    KEY_WORK_TABLE,
    LANGS,
    REGISTER_FILE,
    _control,
    _control_option,
    _json_option,
    _register_option,
    _rules_option,
    cli,
    emit,
    lang_option,
    resolve_lang,
    resolve_register,
    say,
)
from .cli_words import pair
from .errors import UsageError
from .models import add_months as add_period
from .models import check_period


@cli.command()
@click.argument("folder", type=click.Path(path_type=Path, file_okay=False))
@click.option("--period", help="First month to collect (default: last month), YYYY-MM.")
@lang_option("the messages")
@_json_option
def init(folder: Path, period: str | None, lang: str | None) -> None:
    """Create a working folder: control workbook, templates, inbox, reports, history, logs.

    The control workbook xltrack.xlsm holds the register, the lists and the rules (the demo
    group's, to be replaced by yours) and the buttons for Excel.

    \b
    Example:
      xltrack init ops --period 2026-10
    """
    from . import store
    from .action_book import write_table
    from .excel.build import build_workbook
    from .settings import load_register
    from .templates import generate_all
    from .variance import default_rules

    resolve_lang(lang, None)
    if folder.exists() and any(folder.iterdir()):
        raise UsageError(*pair("not_empty", folder=folder))
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
         say("created", folder=folder, created=", ".join(created), control=CONTROL_FILE,
             inbox=f"{INBOX}/{month}", month=month))


@cli.command("build-workbook")
@click.argument("out_file", type=click.Path(path_type=Path, dir_okay=False),
                default=f"workbooks/{CONTROL_FILE}")
@_control_option
@_register_option
@_rules_option
@click.option("--macros", "macros_dir", type=click.Path(path_type=Path, file_okay=False,
                                                        exists=True),
              help="Folder of the VBA modules (*.bas) and ribbon.xml. Default: macros/.")
@lang_option("the messages")
@_json_option
def build_workbook_command(out_file: Path, control_path: Path | None,
                           register_path: Path | None, rules_path: Path | None,
                           macros_dir: Path | None, lang: str | None) -> None:
    """Build the control workbook (buttons, ribbon, settings sheets) from macros/.

    The settings come from --control (an existing control workbook, to carry its settings into
    a new build), else --register and --rules, else the demo group and the default rules. The
    same inputs always give the same bytes.

    \b
    Examples:
      xltrack build-workbook workbooks/xltrack.xlsm
      xltrack build-workbook new.xlsm --control xltrack.xlsm
    """
    from .excel.build import build_workbook
    from .settings import load_register
    from .variance import load_rules

    resolve_lang(lang, control_path)
    values = None
    if control_path is not None:
        settings = _control(control_path.resolve())
        register, rules, values = settings.register, settings.rules, settings.values
    else:
        register, rules = load_register(register_path), load_rules(rules_path)
    if control_path is not None and out_file.resolve() == control_path.resolve():
        raise UsageError(*pair("build_new_file"))
    path = build_workbook(out_file, register, rules, values, macros_dir)
    emit({"workbook": str(path)}, say("wrote", path=path))


@cli.command()
@click.argument("out_dir", type=click.Path(path_type=Path, file_okay=False))
@click.option("--lang", type=click.Choice([*LANGS, "all"]), default="all", show_default=True,
              help="Language of labels and instructions: zh, en, or all (both sets). The "
                   "messages: zh or en when given, else as for every command (the control "
                   "workbook's language, else the locale).")
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
    from .templates import generate_all

    resolve_lang(lang if lang in LANGS else None, control_path)
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
@lang_option("the messages")
@_json_option
def demo_data(out_dir: Path, period: str, subsidiaries: int | None, seed: int,
              lang: str | None) -> None:
    """Write a realistic demo group into OUT_DIR: control workbook, inbox, expected faults.

    \b
    Example:
      xltrack demo-data demo --period 2026-10
    """
    from .demo import write_demo
    from .excel.build import build_workbook
    from .settings import load_register
    from .variance import default_rules

    resolve_lang(lang, None)
    manifest = write_demo(out_dir, check_period(period), subsidiaries, seed)
    build_workbook(out_dir / CONTROL_FILE, load_register(out_dir / REGISTER_FILE),
                   default_rules(), {"period": period})
    emit({"folder": str(out_dir), "files": len(manifest["files"]),
          "faults": manifest["faults"], "major_variances": manifest["major_variances"]},
         say("demo_written", files=len(manifest["files"]), inbox=out_dir / "inbox",
             control=out_dir / CONTROL_FILE, expected=out_dir / "expected.json"))
