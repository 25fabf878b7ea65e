"""The control workbook as built: its VBA, buttons, ribbon and settings, checked without Excel."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import warnings
import zipfile
from pathlib import Path

import pytest
from defusedxml import ElementTree

from xltrack.control import SETTINGS, load_control
from xltrack.demo import demo_register
from xltrack.excel import entry
from xltrack.excel.build import BUTTONS, build_workbook, macros_folder
from xltrack.excel.port import FilePort
from xltrack.variance import default_rules

ROOT = Path(__file__).resolve().parents[1]
COMMITTED = ROOT / "workbooks" / "xltrack.xlsm"
UI_NS = "{http://schemas.microsoft.com/office/2009/07/customui}"
_SUB = re.compile(r"^Public Sub (\w+)\(([^)]*)\)", re.M)
_RUN_PYTHON = re.compile(r'RunPython "import xltrack\.excel\.entry as e; e\.(\w+)\(\)"')


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_workbook(tmp_path_factory.mktemp("build") / "xltrack.xlsm", demo_register(),
                          default_rules())


def _modules(path: Path) -> dict[str, str]:
    with warnings.catch_warnings():  # oletools still calls pyparsing's old names
        warnings.simplefilter("ignore", DeprecationWarning)
        from oletools.olevba import VBA_Parser

        parser = VBA_Parser(str(path))
    try:
        return {stream.split("/")[-1]: code for _, stream, _, code in parser.extract_macros()}
    finally:
        parser.close()


def _normal(code: str) -> str:
    """VBA as text: line ends and the attribute lines the VBA editor adds set aside."""
    lines = code.replace("\r\n", "\n").split("\n")
    return "\n".join(line.rstrip() for line in lines
                     if not line.startswith("Attribute VB_")).strip()


def _subs(code: str) -> dict[str, str]:
    return {name: params.strip() for name, params in _SUB.findall(code.replace("\r\n", "\n"))}


def test_the_build_is_byte_reproducible_and_the_committed_workbook_is_current(
        built: Path, tmp_path: Path) -> None:
    again = build_workbook(tmp_path / "again.xlsm", demo_register(), default_rules())
    assert again.read_bytes() == built.read_bytes()
    assert COMMITTED.read_bytes() == built.read_bytes(), \
        "workbooks/xltrack.xlsm is stale: run `make workbooks` and commit it"


def test_the_vba_read_back_equals_macros_and_the_installed_xlwings(built: Path) -> None:
    import xlwings

    modules = _modules(built)
    for bas in sorted(macros_folder().glob("*.bas")):
        assert _normal(modules[bas.stem]) == _normal(bas.read_text(encoding="ascii"))
    installed = (Path(xlwings.__file__).parent / "xlwings.bas").read_text(encoding="ascii")
    assert _normal(modules["xlwings"]) == _normal(installed)
    assert f"'Version: {xlwings.__version__}" in modules["xlwings"]
    assert "Module1" not in modules  # xlwings' sample macro is gone
    assert {"ThisWorkbook", "Dictionary"} <= set(modules)


def test_every_button_runs_a_macro_that_exists_without_arguments(built: Path) -> None:
    subs = _subs(_modules(built)["xltrack"])
    with zipfile.ZipFile(built) as archive:
        vml = archive.read("xl/drawings/vmlDrawing1.vml").decode("utf-8")
    bound = re.findall(r"<x:FmlaMacro>\[0\]!(\w+)</x:FmlaMacro>", vml)
    assert bound == [macro for macro, _ in BUTTONS]
    for macro in bound:
        assert subs[macro] == "", f"button macro {macro} must take no arguments"


def test_every_ribbon_action_names_a_callback_with_the_ribbon_signature(built: Path) -> None:
    subs = _subs(_modules(built)["xltrack"])
    with zipfile.ZipFile(built) as archive:
        ribbon = ElementTree.fromstring(archive.read("customUI/customUI14.xml"))
        rels = archive.read("_rels/.rels").decode("utf-8")
        types = archive.read("[Content_Types].xml").decode("utf-8")
    actions = [b.get("onAction") for b in ribbon.iter(f"{UI_NS}button")]
    assert len(actions) == len(BUTTONS)
    for action in actions:
        assert subs[action] == "control As IRibbonControl"
    # Each ribbon button does what the sheet button of the same name does.
    assert sorted(a.removeprefix("Ribbon_") for a in actions) == sorted(m for m, _ in BUTTONS)
    assert ('Type="http://schemas.microsoft.com/office/2007/relationships/ui/extensibility" '
            'Target="customUI/customUI14.xml"') in rels
    assert 'Extension="xml"' in types
    assert "application/vnd.ms-office.vbaProject" in types
    assert "application/vnd.ms-excel.sheet.macroEnabled.main+xml" in types


def test_every_run_python_target_is_an_entry_point(built: Path) -> None:
    code = _modules(built)["xltrack"]
    targets = _RUN_PYTHON.findall(code)
    assert sorted(targets) == sorted(entry.__all__)
    for name in targets:
        assert callable(getattr(entry, name))
    # The VBA does nothing but call Python: every statement is a RunPython or a callback.
    body = [line.strip() for line in _normal(code).splitlines()
            if line.strip() and not line.strip().startswith(("'", "Public Sub", "End Sub",
                                                              "Option Explicit"))]
    assert all(line.startswith("RunPython ") or line in {m for m, _ in BUTTONS}
               for line in body), body


def test_the_settings_read_back_equal_what_was_built(built: Path) -> None:
    settings = load_control(FilePort(built))
    assert settings.register == demo_register()
    assert settings.rules == default_rules()
    assert settings.values["inbox"] == "inbox" and settings.values["period"] == ""
    tables = {t.name for t in SETTINGS}
    with zipfile.ZipFile(built) as archive:
        names = {re.search(r'name="(\w+)"', archive.read(n).decode()).group(1)  # type: ignore
                 for n in archive.namelist() if n.startswith("xl/tables/")}
    assert names == tables


def test_libreoffice_opens_the_workbook_built_and_written_back(built: Path,
                                                              tmp_path: Path) -> None:
    if not shutil.which("soffice") and not sys.platform.startswith("linux"):
        pytest.skip("LibreOffice is installed in CI's Linux job only")
    assert shutil.which("soffice"), "LibreOffice is needed: make office installs it"
    written = tmp_path / "written.xlsm"
    shutil.copyfile(built, written)
    port = FilePort(written)
    entry.check_settings(port)
    from xltrack.control import RESULTS

    port.write_result(RESULTS["summary"].sheet, RESULTS["summary"].columns,
                      [["期间 Period", "2026-10", "=1+1 stays text"]])
    port.save()
    for book in (built, written):
        out = tmp_path / book.stem
        done = subprocess.run(
            ["soffice", f"-env:UserInstallation={(tmp_path / 'lo-profile').as_uri()}", "--headless",
             "--convert-to", "csv", "--outdir", str(out), str(book)],
            capture_output=True, timeout=180, check=False)
        assert done.returncode == 0, done.stderr
        csv = next(out.glob("*.csv")).read_text(encoding="utf-8", errors="replace")
        assert "Setting" in csv  # the Control sheet, the first, read by another program
