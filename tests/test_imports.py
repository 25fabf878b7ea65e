"""A command loads only what it uses: no pandas, openpyxl or XlsxWriter to parse a command
line, print --help, or read and validate files (the button-sized month starts cold)."""

from __future__ import annotations

import subprocess
import sys

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
])
def test_nothing_heavy_is_imported(statement: str) -> None:
    assert _loaded_after(statement) == []


def test_the_heavy_modules_are_still_imported_where_used() -> None:
    # The check above would pass for a typo in HEAVY; this one would not.
    assert _loaded_after("import xltrack.monthly") == sorted(HEAVY)


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
