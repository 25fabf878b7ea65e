"""A command loads only what it uses: no pandas, openpyxl or XlsxWriter to parse a command
line, print --help, or read and validate files (the button-sized month starts cold)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

HEAVY = ("pandas", "openpyxl", "xlsxwriter")


def _loaded_after(statement: str) -> list[str]:
    code = (f"import sys; {statement}; "
            f"print('loaded:', *sorted(m for m in {HEAVY!r} if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    return out.stdout.splitlines()[-1].split()[1:]  # after --help's text, if any


@pytest.mark.parametrize("statement", [
    "import xltrack",
    "import xltrack.workers, xltrack.validate, xltrack.inbox",
    "import xltrack.cli",
    # --help of the group and of a command: click exits 0 after printing.
    "from xltrack.cli import cli; cli.main(['--help'], standalone_mode=False)",
    "from xltrack.cli import cli; cli.main(['run', '--help'], standalone_mode=False)",
    # The demo register, a month's default: the demo's filler (openpyxl) only to write files.
    "from xltrack.cli import resolve_register; resolve_register(None)",
])
def test_nothing_heavy_is_imported(statement: str) -> None:
    assert _loaded_after(statement) == []


def test_the_heavy_modules_are_still_imported_where_used() -> None:
    # The check above would pass for a typo in HEAVY; this one would not.
    assert _loaded_after("import xltrack.monthly") == ["pandas", "xlsxwriter"]
    assert "openpyxl" in _loaded_after("import xltrack.report.feedback")
    assert "openpyxl" in _loaded_after("import xltrack.action_table")


# What a month's run loads that it does not need without a key-work table or earlier reports
# (the button's month starts cold): openpyxl only to write feedback (report.feedback: where
# processes fork, a forked process writes it beside the month while the run loads it,
# tests/test_feedback_beside.py) or to read an earlier report, the key-work modules
# (openpyxl, their pydantic models) only for a table.
_KEY_WORK = ("xltrack.actions", "xltrack.action_table", "xltrack.action_book",
             "xltrack.action_month")


def _also_loaded(statement: str, names: tuple[str, ...]) -> list[str]:
    code = (f"import sys; {statement}; "
            f"print('loaded:', *sorted(m for m in {names!r} if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    return out.stdout.splitlines()[-1].split()[1:]


_A_MONTH = ("import xltrack.cli, xltrack.cli_month, xltrack.monthly, xltrack.report.publish, "
            "xltrack.report.special, xltrack.report.written, xltrack.report.placement")


def test_a_month_without_key_work_loads_neither_it_nor_openpyxl() -> None:
    assert _also_loaded(_A_MONTH, ("openpyxl", *_KEY_WORK)) == []


def test_the_run_asks_for_the_key_work_modules_only_for_a_table(tmp_path: Path) -> None:
    from xltrack.cli import resolve_actions

    statement = (f"{_A_MONTH}; from xltrack.cli import resolve_actions; "
                 f"from pathlib import Path; "
                 f"assert resolve_actions(Path({str(tmp_path / 'key-work.xlsx')!r})) is None")
    assert _also_loaded(statement, _KEY_WORK) == []
    assert resolve_actions(tmp_path / "key-work.xlsx") is None
    (tmp_path / "key-work-2026-11.xlsx").write_bytes(b"not a workbook")  # a month's table
    found = resolve_actions(tmp_path / "key-work.xlsx")
    assert found is not None and found.path.name == "key-work-2026-11.xlsx" and found.problems


def test_the_cadence_options_are_the_models_settings_and_ranges() -> None:
    from xltrack import cli_actions
    from xltrack.actions import CADENCE_SETTINGS, Cadence

    assert list(cli_actions._CADENCE_HELP) == [name for _, name in CADENCE_SETTINGS]
    for name, field in Cadence.model_fields.items():
        bounds = {type(m).__name__: m for m in field.metadata}
        shown = cli_actions._CadenceRange(name)
        assert (shown.min, shown.max) == (bounds["Ge"].ge, bounds["Le"].le)


def test_the_cli_names_the_same_defaults_as_the_modules() -> None:
    from xltrack import cli, store, templates
    from xltrack.excel import build

    assert (cli.DEFAULT_DB, cli.LANGS, cli.CONTROL_FILE) == (
        store.DEFAULT_DB, templates.LANGS, build.WORKBOOK)


def test_the_package_names_load_on_first_use() -> None:
    import xltrack
    from xltrack.reader import read_submission

    assert xltrack.read_submission is read_submission
    with pytest.raises(AttributeError):
        xltrack.no_such_name  # noqa: B018
