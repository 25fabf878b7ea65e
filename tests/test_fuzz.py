"""Mutation fuzzing: valid templates with bytes changed inside their XML parts and zip entries,
and with their sheet XML respelt and restructured (structure-aware mutants, with an oracle).

Every byte mutant goes through intake, reading (in isolated workers) and validation. The parent
must survive, and every result must be either accepted with well-formed tables or carry a
finding that explains it. Every structure mutant must read exactly as Excel shows it, or carry
an error finding. `make fuzz` runs many more (XLTRACK_FUZZ_EXAMPLES structure mutants,
XLTRACK_FUZZ_BYTE_EXAMPLES byte mutants) and writes the counts for the reliability page
(XLTRACK_FUZZ_REPORT).
"""

from __future__ import annotations

import io
import json
import os
import zipfile
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xltrack import contract as c
from xltrack.reader import ROW
from xltrack.settings import Register
from xltrack.validate import validate_all
from xltrack.workers import Isolation, examine_all

from .conftest import cost_row

EXAMPLES = int(os.environ.get("XLTRACK_FUZZ_BYTE_EXAMPLES", "25"))
OUTCOMES: Counter[str] = Counter()


@pytest.fixture(scope="module", autouse=True)
def _report() -> Iterator[None]:
    yield
    target = os.environ.get("XLTRACK_FUZZ_REPORT")
    if target:
        structure = sum(n for k, n in OUTCOMES.items() if k.startswith("structure:"))
        Path(target).write_text(json.dumps({
            "mutants": sum(OUTCOMES.values()), "structure_mutants": structure,
            "byte_mutants": sum(OUTCOMES.values()) - structure,
            "parent_crashes": OUTCOMES["crash"] + OUTCOMES["structure:crash"],
            "silent_wrong_values": OUTCOMES["structure:silent_wrong"],
            "rejections_without_reason": OUTCOMES["no_reason"],
            "outcomes": dict(OUTCOMES.most_common())}, indent=2) + "\n")


@pytest.fixture(scope="module")
def original(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    from xltrack.demo import demo_register
    from xltrack.filler import fill_template
    from xltrack.templates import write_template

    folder = tmp_path_factory.mktemp("fuzz")
    write_template(folder / "t.xlsx", (c.Kind.MONTHLY,), "zh", demo_register())
    fill_template(folder / "t.xlsx", folder / "v.xlsx",
                  {"xt_subsidiary": "RE01", "xt_period": "2026-10", "xt_unit": "元"},
                  {"ActualCost": [cost_row(), cost_row(code="0102", amount=2.5)],
                   "Progress": [{"project_id": "RE01-P01", "milestone_id": "M01",
                                 "pct_complete": 0.5}]})
    return Template((folder / "v.xlsx").read_bytes())


class Template(bytes):
    """The valid template's bytes, shown briefly in hypothesis' failure reports."""

    def __repr__(self) -> str:
        return f"<valid monthly template, {len(self)} bytes>"


def _mutate(data: bytes, part_index: int, operation: str, at: float, junk: bytes) -> bytes:
    if operation == "raw":  # bytes of the zip itself, directory and CRCs included
        cut = int(len(data) * at)
        return data[:cut] + junk + data[cut + len(junk):]
    with zipfile.ZipFile(io.BytesIO(data)) as zin:
        items = zin.infolist()
        target = items[part_index % len(items)]
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
            for item in items:
                body = zin.read(item.filename)
                if item is target:
                    cut = int(len(body) * at)
                    if operation == "drop":
                        continue
                    body = {"flip": body[:cut] + junk + body[cut + len(junk):],
                            "insert": body[:cut] + junk + body[cut:],
                            "truncate": body[:cut]}[operation]
                zout.writestr(item, body)
    return out.getvalue()


@settings(max_examples=EXAMPLES, deadline=None, derandomize=EXAMPLES <= 25,
          suppress_health_check=[HealthCheck.function_scoped_fixture,
                                 HealthCheck.too_slow])
@given(part=st.integers(0, 40), operation=st.sampled_from(
           ["flip", "insert", "truncate", "drop", "raw"]),
       at=st.floats(0, 1), junk=st.binary(min_size=1, max_size=12))
def test_mutants_never_take_the_run_down(original: bytes, register: Register,
                                         tmp_path_factory: pytest.TempPathFactory, part: int,
                                         operation: str, at: float, junk: bytes) -> None:
    path = tmp_path_factory.mktemp("m") / "mutant.xlsx"
    path.write_bytes(_mutate(original, part, operation, at, junk))
    try:
        [sub] = validate_all(examine_all([path], Isolation(workers=1, timeout_s=30)),
                             register, "2026-10")
    except Exception:
        OUTCOMES["crash"] += 1
        raise
    if sub.has_errors:
        first = next(f for f in sub.findings if f.severity.value == "error")
        if not (first.message_en and first.message_zh):
            OUTCOMES["no_reason"] += 1
        assert first.message_en and first.message_zh
        OUTCOMES[f"finding:{first.reason.value}"] += 1
        return
    OUTCOMES["accepted"] += 1
    for table in c.tables_of(sub.kinds):  # accepted: every table there, typed as the contract
        frame = sub.tables[table.name].frame
        assert list(frame.columns) == [*table.keys, ROW]
        for column in table.columns:
            if column.type in (c.ColumnType.MONEY, c.ColumnType.PERCENT):
                assert frame[column.key].dtype == "float64"


# Structure-aware mutants (issue 17): the sheet XML of the ActualCost table respelt as XML
# allows and as writers other than Excel produce, plus values, duplicates and table parts
# changed. The oracle knows what Excel would show for each mutant: the file must either read
# exactly that, or carry an error finding with a reason. Reading runs in this process, so any
# exception is a crash (the workers would contain it, but it is a bug all the same).
SHEET = "xl/worksheets/sheet2.xml"  # ActualCost: amounts in C5 (1000) and C6 (2.5)
TABLE = "xl/tables/table1.xml"  # its table part, ref A4:D34
_MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
AMOUNTS = {"C5": 1000.0, "C6": 2.5}
# Text forms of an amount that the user guide documents, and forms that must be refused.
_FULL_WIDTH = str.maketrans("0123456789.,()-", "０１２３４５６７８９．，（）－")
_SAID = [("{:,.2f}", 1, False), ("({:,.2f})", -1, False), ("-{:.2f}", -1, False),
         ("(-{:,.2f})", -1, False), ("{:,.2f}", 1, True), ("({:.2f})", -1, True)]
_REFUSED_TEXT = ["{:.0f}¹", "{:.0f}⑤", "--{:.0f}", "-({:.0f})", "{:.0f}x"]


@st.composite
def _cell(draw: st.DrawFn, ref: str, amount: float) -> tuple[str, float | None]:
    """One spelling of the cell `ref`, and what Excel shows in it (None: must be refused)."""
    spelling = draw(st.sampled_from(['r="{}"', "r='{}'", 'r = "{}"', "lower", "none"]))
    attrs = {"r": "", "lower": f'r="{ref.lower()}"', "none": ""}.get(
        spelling, spelling.format(ref))
    attrs = attrs or (f'r="{ref}"' if spelling == "r" else "")
    prefix = draw(st.sampled_from(["", "x:"]))
    declare = f' xmlns:x="{_MAIN_NS}"' if prefix else ""
    comment = draw(st.sampled_from(["", "<!-- a note -->"]))
    what = draw(st.sampled_from(["number", "new", "cdata", "charref", "split", "text",
                                 "refused_text", "arithmetic", "reference", "error"]))
    value, shown = f"{amount:g}", amount
    formula = ""
    kind = ""
    if what == "new":
        shown = draw(st.integers(-10**9, 10**9)) / 100
        value = repr(shown)
    elif what == "cdata":
        value = f"<![CDATA[{value}]]>"
    elif what == "charref":
        value = "".join(f"&#{ord(ch)};" if ch.isdigit() and i % 2 else ch
                        for i, ch in enumerate(value))
    elif what == "split":
        value = value[:1] + comment + value[1:]
    elif what in ("text", "refused_text"):
        if what == "text":
            form, sign, wide = draw(st.sampled_from(_SAID))
            text, shown = form.format(abs(amount)), sign * abs(amount)
            text = text.translate(_FULL_WIDTH) if wide else text
        else:
            text, shown = draw(st.sampled_from(_REFUSED_TEXT)).format(amount), None
        kind = ' t="inlineStr"'
        body = f"<{prefix}is><{prefix}t>{text}</{prefix}t></{prefix}is>"
    elif what == "arithmetic":
        formula = f"{amount:g}*2"  # recomputed; the cached value is stale on purpose
        value, shown = "7", amount * 2
    elif what == "reference":
        formula, value, shown = "A1*2", "7", None
    elif what == "error":
        kind, value, shown = ' t="e"', "#DIV/0!", None
    if what not in ("text", "refused_text"):
        body = (f"{comment}<{prefix}f>{formula}</{prefix}f>" if formula else comment) + (
            f"<{prefix}v>{value}</{prefix}v>")
    return f"<{prefix}c{declare} {attrs}{kind}>{body}</{prefix}c>", shown


@st.composite
def _mutant(draw: st.DrawFn) -> tuple[dict[str, bytes], list[float] | None, str]:
    """Replacement parts for the valid file, the amounts Excel shows (None: refuse), a name."""
    shown: dict[str, float | None] = dict(AMOUNTS)
    cells: dict[str, str] = {}
    for ref in draw(st.lists(st.sampled_from(sorted(AMOUNTS)), min_size=1, max_size=2,
                             unique=True)):
        cells[ref], shown[ref] = draw(_cell(ref, AMOUNTS[ref]))
    structure = draw(st.sampled_from(["none", "duplicate_cell", "duplicate_row",
                                      "totals_1", "totals_40", "header_2", "short_ref"]))
    # With the table cut to end at row 5, row 6 is below it: not read (a warning says so).
    inside = [shown["C5"]] if structure == "short_ref" else [shown["C5"], shown["C6"]]
    rows: list[float] | None = [v for v in inside if v is not None]
    if None in inside or structure in ("duplicate_cell", "duplicate_row", "totals_40",
                                       "header_2"):
        rows = None  # Excel would not show one certain value: a finding is due
    return {"cells": json.dumps(cells).encode(), "structure": structure.encode()}, rows, (
        f"{structure}:{sorted(cells)}")


def _apply(original: bytes, plan: dict[str, bytes]) -> bytes:
    cells: dict[str, str] = json.loads(plan["cells"])
    structure = plan["structure"].decode()
    with zipfile.ZipFile(io.BytesIO(original)) as zin:
        sheet, table = zin.read(SHEET), zin.read(TABLE)
        for ref, xml in cells.items():
            start = sheet.index(f'<c r="{ref}"'.encode())
            end = sheet.index(b"</c>", start) + 4
            replacement = xml.encode()
            if structure == "duplicate_cell":
                replacement += sheet[start:end].replace(b">1000<", b">9000<").replace(
                    b">2.5<", b">9.5<")
            sheet = sheet[:start] + replacement + sheet[end:]
        if structure == "duplicate_row":
            start = sheet.index(b'<row r="5"')
            end = sheet.index(b"</row>", start) + 6
            sheet = sheet[:end] + sheet[start:end] + sheet[end:]
        table = {"totals_1": table.replace(b'headerRowCount="1"',
                                           b'headerRowCount="1" totalsRowCount="1"'),
                 "totals_40": table.replace(b'headerRowCount="1"',
                                            b'headerRowCount="1" totalsRowCount="40"'),
                 "header_2": table.replace(b'headerRowCount="1"', b'headerRowCount="2"'),
                 "short_ref": table.replace(b'ref="A4:D34"', b'ref="A4:D5"')}.get(
            structure, table)
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
            for item in zin.infolist():
                body = {SHEET: sheet, TABLE: table}.get(item.filename)
                zout.writestr(item, zin.read(item.filename) if body is None else body)
    return out.getvalue()


STRUCTURE_EXAMPLES = int(os.environ.get("XLTRACK_FUZZ_EXAMPLES", "60"))


@settings(max_examples=STRUCTURE_EXAMPLES, deadline=None,
          derandomize=STRUCTURE_EXAMPLES <= 60,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(mutant=_mutant())
def test_structure_mutants_read_as_excel_shows_them_or_get_a_finding(
        original: bytes, register: Register, tmp_path_factory: pytest.TempPathFactory,
        mutant: tuple[dict[str, bytes], list[float] | None, str]) -> None:
    from xltrack.workers import examine

    plan, expected, name = mutant
    path = tmp_path_factory.mktemp("s") / "structure.xlsx"
    path.write_bytes(_apply(original, plan))
    try:
        sub = examine(path, (register, "2026-10"))
    except Exception:
        OUTCOMES["structure:crash"] += 1
        raise
    if sub.has_errors:
        first = next(f for f in sub.findings if f.severity.value == "error")
        if not (first.message_en and first.message_zh):
            OUTCOMES["no_reason"] += 1
        assert first.reason and first.message_en and first.message_zh
        OUTCOMES[f"structure:finding:{first.reason.value}"] += 1
        return
    amounts = sub.tables["ActualCost"].columns["amount"]
    if amounts != expected:
        OUTCOMES["structure:silent_wrong"] += 1
    assert amounts == expected, (name, plan, amounts)
    OUTCOMES["structure:read_as_excel_shows"] += 1
