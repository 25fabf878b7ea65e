"""The xlwings of the Python side and of the workbook's VBA module are one version: the pin in
pyproject.toml, the builder's XLWINGS_VERSION, the installed xlwings and the VBA module in the
committed workbook agree; a mismatch is said in one box, with what to do."""

from __future__ import annotations

import re
import shutil
import tomllib
from pathlib import Path

import pytest
import xlwings

from tests.test_excel_build import COMMITTED, ROOT, _modules
from xltrack.demo import demo_register
from xltrack.errors import UsageError
from xltrack.excel import build, entry
from xltrack.excel.port import FilePort
from xltrack.variance import default_rules


def _pins() -> list[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    requirements = [*project["dependencies"],
                    *(r for extra in project["optional-dependencies"].values() for r in extra)]
    return [r for r in requirements if re.match(r"xlwings\b", r, re.I)]


def test_the_pin_the_builder_the_installed_and_the_vba_module_agree() -> None:
    assert _pins() == [f"xlwings=={build.XLWINGS_VERSION}"]  # one pin, exact, at runtime
    assert xlwings.__version__ == build.XLWINGS_VERSION
    vba = _modules(COMMITTED)["xlwings"]
    carried = re.search(r'XLWINGS_VERSION As String = "([^"]+)"', vba)
    assert carried is not None and carried.group(1) == build.XLWINGS_VERSION


def test_a_mismatch_is_one_box_saying_what_to_do(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    path = Path(shutil.copyfile(COMMITTED, tmp_path / "xltrack.xlsm"))
    monkeypatch.setattr(xlwings, "__version__", "0.99.0")
    port = FilePort(path)
    entry.run_month(port)
    assert len(port.messages) == 1
    assert f"pip install xlwings=={build.XLWINGS_VERSION}" in port.messages[0]
    assert "xltrack build-workbook" in port.messages[0] and "已安装" in port.messages[0]
    assert not (tmp_path / "reports").exists()  # nothing ran
    with pytest.raises(UsageError, match=r"pip install xlwings==0\.37\.8"):
        build.build_workbook(tmp_path / "new.xlsm", demo_register(), default_rules())
