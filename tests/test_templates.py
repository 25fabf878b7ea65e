"""Generated templates: deterministic, complete, and the committed copies are current."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from xltrack import contract as c
from xltrack.settings import Register
from xltrack.templates import generate_all, template_name, write_template

COMMITTED = Path(__file__).resolve().parents[1] / "workbooks" / "templates"


def _members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {name: zf.read(name) for name in zf.namelist()}


def test_generation_is_byte_for_byte_reproducible(tmp_path: Path, register: Register) -> None:
    first, second = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    write_template(first, c.PACK, "zh", register)
    write_template(second, c.PACK, "zh", register)
    assert first.read_bytes() == second.read_bytes()


def test_committed_templates_are_what_the_generator_makes(tmp_path: Path,
                                                          register: Register) -> None:
    fresh = generate_all(tmp_path, register)
    committed = sorted(p.name for p in COMMITTED.glob("*.xlsx"))
    assert committed == sorted(p.name for p in fresh), "run `make templates`"
    for path in fresh:
        assert _members(COMMITTED / path.name) == _members(path), (
            f"{path.name} is stale: run `make templates` and commit workbooks/templates")


def test_every_kind_and_the_pack_in_both_languages(tmp_path: Path, register: Register) -> None:
    names = {p.name for p in generate_all(tmp_path, register)}
    assert names == {template_name(k, lang) for lang in ("zh", "en")
                     for k in [*((kind,) for kind in c.Kind), c.PACK]}


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_template_carries_the_contract(tmp_path: Path, register: Register, lang: str) -> None:
    path = tmp_path / "pack.xlsx"
    write_template(path, c.PACK, lang, register)
    wb = load_workbook(path)
    assert wb[c.MAP_SHEET].sheet_state == "hidden"
    assert wb[c.MAP_SHEET]["A1"].value == c.MAP_VERSION_LABEL
    assert wb[c.MAP_SHEET]["B1"].value == c.CONTRACT_VERSION
    assert set(wb[c.MAP_SHEET]["B2"].value.split(",")) == {k.value for k in c.Kind}
    for f in c.HEADER_FIELDS:
        assert f.name in wb.defined_names, f.name
    for table in c.TABLES:
        ws = wb[table.label(lang)]
        assert table.name in ws.tables
        assert ws.freeze_panes is not None
        assert ws.page_setup.orientation == "landscape"
        assert ws.print_title_rows
        ref = ws.tables[table.name].ref
        header_row = int(re.findall(r"\d+", ref)[0])
        labels = [cell.value for cell in ws[header_row] if cell.value]
        assert labels == [col.label(lang) for col in table.columns]
        if "total" in table.keys:
            total = ws.cell(header_row + 1, table.keys.index("total") + 1).value
            assert str(total).startswith("=SUM(")
        ruled = {str(r).split(":")[0].rstrip("0123456789"): dv.type
                 for dv in ws.data_validations.dataValidation for r in dv.sqref.ranges}
        for i, col in enumerate(table.columns):
            expected = _expected_rule(col)
            assert ruled.get(get_column_letter(i + 1)) == expected, (table.name, col.key)
    cover = wb.worksheets[0]
    text = " ".join(str(cell.value) for row in cover.iter_rows() for cell in row if cell.value)
    assert register.operations_contact in text  # whom to ask
    assert str(register.deadline_day) in text  # the deadline convention


def _expected_rule(col: c.Column) -> str | None:
    if col.computed:
        return None
    if col.allowed or col.allowed_list:
        return "list"
    return {c.ColumnType.DATE: "date", c.ColumnType.YEAR: "whole", c.ColumnType.MONEY: "decimal",
            c.ColumnType.QUANTITY: "decimal", c.ColumnType.PERCENT: "decimal"}.get(col.type)


def test_lists_come_from_the_register(tmp_path: Path, register: Register) -> None:
    path = tmp_path / "budget.xlsx"
    write_template(path, (c.Kind.BUDGET,), "zh", register)
    ws = load_workbook(path)["_lists"]
    codes = [ws.cell(row, 1).value for row in range(2, 2 + len(register.cost_codes))]
    assert codes == [cc.code for cc in register.cost_codes]
    assert codes[0].startswith("0")  # leading zeros kept as text
