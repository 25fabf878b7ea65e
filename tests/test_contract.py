"""The contract in code says exactly what TEMPLATES.md says, and everything derives from it."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

from xltrack import contract as c
from xltrack.filler import fill_template
from xltrack.reader import read_submission
from xltrack.settings import Register
from xltrack.templates import write_template

from .conftest import SHARED, header

TEMPLATES_MD = SHARED / "TEMPLATES.md"


def _documented_tables() -> dict[str, list[str]]:
    text = TEMPLATES_MD.read_text(encoding="utf-8")
    section = text.split("## Tables and column keys", 1)[1].split("\n## ", 1)[0]
    tables = {}
    paragraphs = [p for p in section.split("\n\n") if re.match(r"^`\w+`: ", p.strip())]
    for name, body in (p.strip().split(": ", 1) for p in paragraphs):
        name = name.strip("`")
        keys: list[str] = []
        for key in re.findall(r"`(\w+)`", body):
            if key == "m12" and keys and keys[-1] == "m01":
                keys.extend(c.MONTH_KEYS[1:])
            elif key.isupper():
                continue  # allowed values such as AMOUNT, not keys
            else:
                keys.append(key)
        tables[name] = keys
    return tables


@pytest.mark.skipif(not TEMPLATES_MD.exists(), reason="../shared is not beside the project")
def test_tables_and_keys_match_templates_md() -> None:
    documented = _documented_tables()
    assert documented == {t.name: list(t.keys) for t in c.TABLES}


@pytest.mark.skipif(not TEMPLATES_MD.exists(), reason="../shared is not beside the project")
def test_header_fields_match_templates_md() -> None:
    text = TEMPLATES_MD.read_text(encoding="utf-8")
    assert re.findall(r"^\| `(xt_\w+)` \|", text, re.M) == [f.name for f in c.HEADER_FIELDS]


def test_kinds_hold_the_documented_tables() -> None:
    assert {k.value: [t.name for t in c.tables_of((k,))] for k in c.Kind} == {
        "plan": ["Plan"], "budget": ["Budget"], "forecast": ["SalesForecast"],
        "monthly": ["ActualCost", "ActualSales", "Progress", "Issues", "Explanations"]}


def test_labels_are_unique_within_each_table() -> None:
    for table in c.TABLES:
        for lang in ("zh", "en"):
            labels = [col.label(lang) for col in table.columns]
            assert len(labels) == len(set(labels)), (table.name, lang)
        assert set(table.row_key) <= set(table.keys)


def test_a_new_column_reaches_generator_and_reader_from_the_contract_alone(
        tmp_path: Path, register: Register, monkeypatch: pytest.MonkeyPatch) -> None:
    """Proof that a column is defined once: add it to the contract object and nothing else."""
    cost = c.TABLES_BY_NAME["ActualCost"]
    extra = c.Column("vendor", "供应商", "Vendor", c.ColumnType.TEXT, width=20)
    patched = dataclasses.replace(cost, columns=(*cost.columns, extra))
    tables = tuple(patched if t.name == "ActualCost" else t for t in c.TABLES)
    monkeypatch.setattr(c, "TABLES", tables)
    monkeypatch.setitem(c.TABLES_BY_NAME, "ActualCost", patched)
    blank = tmp_path / "monthly.xlsx"
    write_template(blank, (c.Kind.MONTHLY,), "zh", register)
    filled = tmp_path / "filled.xlsx"
    fill_template(blank, filled, header(), {"ActualCost": [
        {"project_id": "RE01-P01", "cost_code": "0101", "amount": 5.0, "vendor": "中建三局"}]})
    sub = read_submission(filled)
    assert not sub.findings
    assert sub.tables["ActualCost"].frame["vendor"].tolist() == ["中建三局"]
