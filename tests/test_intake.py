"""Bad files get one clear finding each, before any parser sees them."""

from __future__ import annotations

import io
import os
import re
import zipfile
from pathlib import Path

import pytest
from defusedxml import DTDForbidden
from hypothesis import example, given, settings
from hypothesis import strategies as st

from xltrack import contract as c
from xltrack.intake import (
    _CELL,
    _ROW,
    DEFAULT_LIMITS,
    OLE_MAGIC,
    Limits,
    _column_number,
    _sheet_area,
    check,
    is_lock_file,
)
from xltrack.models import Reason, Severity
from xltrack.package import read_package
from xltrack.reader import read_submission
from xltrack.settings import Register
from xltrack.workers import examine

from .conftest import SHARED, Fill, cost_row


def _reasons(path: Path) -> list[Reason]:
    return [f.reason for f in check(path) if f.severity is Severity.ERROR]


def _rezip(source: Path, target: Path, change: dict[str, bytes | None]) -> Path:
    """A copy of `source` with parts replaced (bytes), removed (None) or added."""
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, "w",
                                                         zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            if item.filename in change:
                continue
            zout.writestr(item, zin.read(item.filename))
        for name, data in change.items():
            if data is not None:
                zout.writestr(name, data)
    return target


@pytest.fixture
def valid(fill: Fill) -> Path:
    return fill(c.Kind.MONTHLY, {"ActualCost": [cost_row()]})


def test_a_valid_template_passes(valid: Path) -> None:
    assert check(valid) == []


def test_empty_random_and_text_files(tmp_path: Path) -> None:
    empty = tmp_path / "empty.xlsx"
    empty.write_bytes(b"")
    noise = tmp_path / "noise.xlsx"
    noise.write_bytes(os.urandom(3000).replace(b"PK", b"pk"))
    csv = tmp_path / "csv.xlsx"
    csv.write_text("project_id,amount\nRE01-P01,100\nRE01-P02,200\n", encoding="utf-8")
    assert _reasons(empty) == [Reason.EMPTY_FILE]
    assert _reasons(noise) == [Reason.WRONG_FORMAT]
    assert _reasons(csv) == [Reason.WRONG_FORMAT]
    assert "CSV" in check(csv)[0].message_en


def test_renamed_formats_say_what_they_really_are(tmp_path: Path, valid: Path) -> None:
    xls = tmp_path / "old.xlsx"
    xls.write_bytes(OLE_MAGIC + b"\x00" * 504 + "Workbook".encode("utf-16-le") + b"\x00\x00"
                    + b"\x00" * 400)
    encrypted = tmp_path / "secret.xlsx"
    encrypted.write_bytes(OLE_MAGIC + b"\x00" * 600 + "EncryptedPackage".encode("utf-16-le"))
    ods = tmp_path / "calc.xlsx"
    with zipfile.ZipFile(ods, "w") as zf:
        zf.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        zf.writestr("content.xml", "<office:document-content/>")
    xlsb = _rezip(valid, tmp_path / "binary.xlsx", {"xl/workbook.bin": b"\x00"})
    assert "97-2003" in check(xls)[0].message_en
    assert _reasons(encrypted) == [Reason.ENCRYPTED]
    assert "password" in check(encrypted)[0].message_en
    assert ".ods" in check(ods)[0].message_en
    assert ".xlsb" in check(xlsb)[0].message_en


def test_truncated_and_structureless_zips(tmp_path: Path, valid: Path) -> None:
    truncated = tmp_path / "cut.xlsx"
    truncated.write_bytes(valid.read_bytes()[: valid.stat().st_size // 2])
    no_types = _rezip(valid, tmp_path / "no-types.xlsx", {"[Content_Types].xml": None})
    assert _reasons(truncated) == [Reason.CORRUPT_ZIP]
    assert _reasons(no_types) == [Reason.CORRUPT_ZIP]


def test_zip_bomb_is_refused_from_the_directory(tmp_path: Path, valid: Path) -> None:
    bomb = tmp_path / "bomb.xlsx"
    buffer = io.BytesIO()
    with zipfile.ZipFile(valid) as zin, zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        for item in zin.infolist():
            z.writestr(item, zin.read(item.filename))
        # 64 MiB of one repeated byte packs into some 64 KB: a small-scale bomb.
        z.writestr("xl/sharedStrings.xml", b"<sst>" + b"A" * (64 * 2**20) + b"</sst>")
    bomb.write_bytes(buffer.getvalue())
    assert bomb.stat().st_size < 2**20
    assert _reasons(bomb) == [Reason.ZIP_BOMB]


def test_sparse_cell_bomb_is_refused(tmp_path: Path, valid: Path) -> None:
    sheet = (b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
             b'<dimension ref="A1:A2"/><sheetData><row r="1"><c r="A1"><v>1</v></c></row>'
             b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row></sheetData></worksheet>')
    bomb = _rezip(valid, tmp_path / "sparse.xlsx", {"xl/worksheets/sheet2.xml": sheet})
    assert _reasons(bomb) == [Reason.SHEET_TOO_LARGE]
    assert "1,048,576 rows" in check(bomb)[0].message_en


@pytest.mark.parametrize("reference", [b"r='XFD1048576'", b'r = "XFD1048576"',
                                       b"r=\n'XFD1048576'", b'r="ZZ999999"',
                                       b'r="xfd1048576"', b's="1"\tr="XFD1048576"'])
def test_a_far_cell_is_found_however_its_reference_is_written(tmp_path: Path, valid: Path,
                                                              reference: bytes) -> None:
    sheet = (b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
             b'<sheetData><row r="1"><c r="A1"><v>1</v></c><c ' + reference +
             b'><v>1</v></c></row></sheetData></worksheet>')
    bomb = _rezip(valid, tmp_path / "far.xlsx", {"xl/worksheets/sheet2.xml": sheet})
    assert _reasons(bomb) == [Reason.SHEET_TOO_LARGE]


def test_a_prefixed_far_cell_is_refused(tmp_path: Path, valid: Path) -> None:
    """<x:c r="XFD1048576"> is a cell to the parsed reader (x bound to the main namespace):
    the extent guard refuses it as it does the unprefixed one, rows prefixed or not."""
    main = b"http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    for row in (b"row", b"x:row"):
        sheet = (b'<x:worksheet xmlns:x="' + main + b'"><x:sheetData><x:row r="1"><x:c r="A1">'
                 b'<x:v>1</x:v></x:c></x:row><' + row + b' r="2"><x:c r="XFD1048576"><x:v>1'
                 b'</x:v></x:c></' + row + b'></x:sheetData></x:worksheet>')
        bomb = _rezip(valid, tmp_path / "prefixed.xlsx", {"xl/worksheets/sheet2.xml": sheet})
        found = check(bomb)
        assert _reasons(bomb) == [Reason.SHEET_TOO_LARGE]
        assert "1,048,576 rows × 16,384 columns" in found[0].message_en


def _exact_area(data: bytes, limits: Limits) -> str:
    """The guard without its shortcut: every reference scanned (the code before the
    one-search shortcut, with prefixes and lower case)."""
    max_row = max_col = 0
    cells = _CELL.findall(data)
    rows = [int(n) for _, n in cells] + [int(n) for n in _ROW.findall(data)]
    m = re.search(rb'<dimension\s+ref="([A-Z]{1,3})?(\d+)?(?::([A-Z]{1,3})(\d+))?"',
                  data[:2048])
    if m and m.group(4):
        max_row, max_col = int(m.group(4)), _column_number(m.group(3))
    max_col = max([max_col, *(_column_number(letters.upper()) for letters, _ in cells)])
    max_row = max([max_row, *rows])
    if max_row * max(max_col, 1) > limits.max_sheet_cells:
        return f"{max_row:,} rows × {max_col:,} columns"
    return ""


_COLUMN_LETTERS = ["A", "E", "Z", "AA", "AZ", "ZZ", "AAA", "XFD", "xfd", "b"]
_ROW_NUMBERS = ["1", "9", "305", "306", "99999", "100000", "190000", "1048576", "007"]


@settings(max_examples=400, deadline=None)
@example([("Z", "190000", ' r="{}"')], "", 2_600_000)  # beyond Z99999 by its row only
@example([("AA", "9", ' r="{}"'), ("A", "99999", ' r="{}"')], "", 2_600_000)  # by a column
@given(st.lists(st.tuples(st.sampled_from(_COLUMN_LETTERS), st.sampled_from(_ROW_NUMBERS),
                          st.sampled_from([' r="{}"', " r='{}'", ' r = "{}"', '\nr="{}"',
                                           ' x:r="{}"', ' firstPageNumber="{}"'])),
                min_size=1, max_size=6),
       st.sampled_from(["", '<dimension ref="A1:B2"/>', '<dimension ref="A1:XFD1048576"/>',
                        '<dimension ref="A1:Z99999"/>']),
       st.sampled_from([DEFAULT_LIMITS.max_sheet_cells, 1_000, 2_600_000, 10**12]))
def test_the_extent_shortcut_decides_as_the_full_scan(cells: list[tuple[str, str, str]],
                                                      dimension: str, limit: int) -> None:
    """Whatever the references, their spelling and the limit, the guard with its one-search
    shortcut says what scanning every reference says."""
    body = "".join(f'<row{attr.format(row)}><c{attr.format(letters + row)} s="1"><v>1</v></c>'
                   "</row>" for letters, row, attr in cells)
    data = (f'<worksheet>{dimension}<sheetData>{body}</sheetData>'
            '<pageSetup firstPageNumber="4294963695"/></worksheet>').encode()
    limits = Limits(max_sheet_cells=limit)
    assert _sheet_area(data, limits) == _exact_area(data, limits)


@pytest.mark.parametrize("payload", [
    b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>',
    b'<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]><l>&b;</l>',
])
def test_dtds_and_entities_are_refused(tmp_path: Path, valid: Path, payload: bytes) -> None:
    hostile = _rezip(valid, tmp_path / "xxe.xlsx", {"xl/workbook.xml": payload})
    assert _reasons(hostile) == [Reason.XML_UNSAFE]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16"])
def test_a_dtd_the_intake_cannot_see_is_refused_by_the_reader(tmp_path: Path, valid: Path,
                                                              encoding: str) -> None:
    """Past the head the intake looks at, or in an encoding that hides its bytes, a DTD
    still never reaches a parser that would expand its entities."""
    padding = "<!--" + " " * 5000 + "-->"
    workbook = (f'<?xml version="1.0" encoding="{encoding}"?>{padding}'
                '<!DOCTYPE w [<!ENTITY e "expanded">]>'
                '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                '<sheets><sheet name="&e;" sheetId="1" r:id="rId1" xmlns:r="http://schemas.'
                'openxmlformats.org/officeDocument/2006/relationships"/></sheets></workbook>')
    hostile = _rezip(valid, tmp_path / f"dtd-{encoding}.xlsx",
                     {"xl/workbook.xml": workbook.encode(encoding)})
    assert check(hostile) == []  # out of the intake's sight
    with zipfile.ZipFile(hostile) as zf, pytest.raises(DTDForbidden):
        read_package(zf)
    sub = examine(hostile)
    assert [f.reason for f in sub.findings] == [Reason.READER_FAILED]


def test_macros_and_embedded_objects_warn_but_data_is_read(tmp_path: Path,
                                                           valid: Path) -> None:
    macro = _rezip(valid, tmp_path / "macro.xlsx", {"xl/vbaProject.bin": OLE_MAGIC + b"\0" * 64,
                                                    "xl/embeddings/oleObject1.bin": b"\0"})
    findings = check(macro)
    assert {f.reason for f in findings} == {Reason.MACROS, Reason.EMBEDDED_OBJECT}
    assert all(f.severity is Severity.WARNING for f in findings)
    sub = examine(macro)
    assert not sub.has_errors
    assert sub.tables["ActualCost"].frame["amount"].tolist() == [1000.0]


def test_lock_files_are_recognised() -> None:
    assert is_lock_file(Path("~$RE01-monthly.xlsx"))
    assert not is_lock_file(Path("RE01-monthly.xlsx"))


def test_error_cells_are_findings_not_blanks(tmp_path: Path, valid: Path) -> None:
    with zipfile.ZipFile(valid) as zf:
        sheet = zf.read("xl/worksheets/sheet2.xml")
    # Replace the amount cell (C5) with a #DIV/0! error as Excel writes it.
    start = sheet.index(b'<c r="C5"')
    end = sheet.index(b"</c>", start) + 4
    patched = sheet[:start] + b'<c r="C5" t="e"><f>1/0</f><v>#DIV/0!</v></c>' + sheet[end:]
    broken = _rezip(valid, tmp_path / "div0.xlsx", {"xl/worksheets/sheet2.xml": patched})
    sub = examine(broken)
    errors = [f for f in sub.findings if f.reason is Reason.ERROR_VALUE]
    assert [(f.cell, f.value) for f in errors] == [("C5", "#DIV/0!")]


def test_marks_are_found_however_the_attributes_are_written(tmp_path: Path,
                                                            valid: Path) -> None:
    """Excel writes r="C5"; XML also allows r='C5' and r = "C5". An error cell or a formula
    written so is still an error or a formula, never a blank or a trusted cached value."""
    with zipfile.ZipFile(valid) as zf:
        sheet = zf.read("xl/worksheets/sheet2.xml")
    start = sheet.index(b'<c r="C5"')
    end = sheet.index(b"</c>", start) + 4
    for cell, expected in ((b"<c t = 'e' r = 'C5'><v>#N/A</v></c>", Reason.ERROR_VALUE),
                           (b"<c r='C5'><f>A1*2</f><v>7</v></c>", Reason.FORMULA)):
        odd = _rezip(valid, tmp_path / "odd.xlsx",
                     {"xl/worksheets/sheet2.xml": sheet[:start] + cell + sheet[end:]})
        sub = examine(odd)
        assert [(f.reason, f.cell) for f in sub.findings if f.severity is Severity.ERROR] == [
            (expected, "C5")]


# One reading of the sheet XML (issue 17): however a cell is spelled, it reads as Excel shows it
# or it gets a finding. C5 is the amount of the first ActualCost row (1,000 in the file).
_MAIN = b"http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def _with_c5(valid: Path, target: Path, cell: bytes) -> Path:
    with zipfile.ZipFile(valid) as zf:
        sheet = zf.read("xl/worksheets/sheet2.xml")
    start = sheet.index(b'<c r="C5"')
    end = sheet.index(b"</c>", start) + 4
    return _rezip(valid, target, {"xl/worksheets/sheet2.xml": sheet[:start] + cell + sheet[end:]})


@pytest.mark.parametrize(("cell", "amount"), [
    (b'<c s="12"><v>1234.5</v></c>', 1234.5),  # no r=: it follows B5
    (b'<c r="c5" s="12"><v>1234.5</v></c>', 1234.5),  # a lowercase reference
    (b'<x:c xmlns:x="' + _MAIN + b'" r="C5"><x:v>1234.5</x:v></x:c>', 1234.5),  # a prefix
    (b'<c r="C5"><v>2<!-- typed -->0000</v></c>', 20000.0),  # a comment inside the value
    (b'<c r="C5"><v><![CDATA[247.62]]></v></c>', 247.62),
    (b'<c r="C5"><v>2&#52;7.62</v></c>', 247.62),  # a character reference
    (b'<c r="C5" t="inlineStr"><is><t>(-5,000.00)</t></is></c>', -5000.0),
    (b'<c r="C5" t="inlineStr"><is><r><t>1,2</t></r><r><t>34.50</t></r></is></c>', 1234.5),
])
def test_a_cell_reads_as_excel_shows_it_however_it_is_spelled(tmp_path: Path, valid: Path,
                                                              cell: bytes,
                                                              amount: float) -> None:
    sub = examine(_with_c5(valid, tmp_path / "odd.xlsx", cell))
    assert not sub.has_errors, sub.findings
    assert sub.tables["ActualCost"].columns["amount"] == [amount]


@pytest.mark.parametrize(("cell", "reason"), [
    (b'<c s="12"><f>A1*2</f><v>7</v></c>', Reason.FORMULA),  # a formula without r=
    (b'<c r="c5"><f>A1*2</f><v>7</v></c>', Reason.FORMULA),
    (b'<x:c xmlns:x="' + _MAIN + b'" r="C5"><x:f>A1*2</x:f><x:v>7</x:v></x:c>', Reason.FORMULA),
    (b'<c r="C5"><!-- why --><f>A1*2</f><v>7</v></c>', Reason.FORMULA),
    (b'<c t="e"><v>#N/A</v></c>', Reason.ERROR_VALUE),  # an error cell without r=
    ('<c r="C5" t="inlineStr"><is><t>5000¹</t></is></c>'.encode(),
     Reason.BAD_NUMBER),  # a superscript
    (b'<c r="C5"><v>7</v></c><c r="C5"><v>8</v></c>', Reason.SHEET_XML),  # twice
    (b'<c r="C5"><v>7</v></c><c r="c5"><v>8</v></c>', Reason.SHEET_XML),  # twice, spelt two ways
    (b'<c r="C5"><v>7</v><v>8</v></c>', Reason.SHEET_XML),  # two values in one cell
    (b'<c r="C5" t="s"><v>99</v></c>', Reason.SHEET_XML),  # a shared string that is not there
    (b'<c r="C5"><v>1e999</v></c>', Reason.SHEET_XML),  # a number that is not finite
    (b'<c r="C6"><v>7</v></c>', Reason.SHEET_XML),  # a cell of another row
    (b'<y:c xmlns:y="urn:other" r="C5"><y:v>7</y:v></y:c>', Reason.SHEET_XML),  # not a cell
    (b'<c r="C5"><v>7</v><w>8</w></c>', Reason.SHEET_XML),  # something else inside a cell
])
def test_a_cell_excel_would_not_show_as_read_gets_a_finding(tmp_path: Path, valid: Path,
                                                            cell: bytes,
                                                            reason: Reason) -> None:
    sub = examine(_with_c5(valid, tmp_path / "odd.xlsx", cell))
    errors = [f for f in sub.findings if f.severity is Severity.ERROR]
    assert [f.reason for f in errors] == [reason]
    assert errors[0].cell in ("C5", "A5", "") and errors[0].message_zh and errors[0].message_en


def test_a_row_listed_twice_is_a_finding(tmp_path: Path, valid: Path) -> None:
    with zipfile.ZipFile(valid) as zf:
        sheet = zf.read("xl/worksheets/sheet2.xml")
    start = sheet.index(b'<row r="5"')
    end = sheet.index(b"</row>", start) + 6
    twice = sheet[:end] + sheet[start:end].replace(b">1000<", b">9000<") + sheet[end:]
    sub = examine(_rezip(valid, tmp_path / "rows.xlsx", {"xl/worksheets/sheet2.xml": twice}))
    assert [(f.reason, f.cell) for f in sub.findings if f.severity is Severity.ERROR] == [
        (Reason.SHEET_XML, "A5")]


def test_a_second_table_of_the_same_name_is_a_finding(tmp_path: Path, valid: Path) -> None:
    """A copy of ActualCost on the hidden _lists sheet must not replace (or hide) the real one."""
    with zipfile.ZipFile(valid) as zf:
        table = zf.read("xl/tables/table1.xml").replace(b'id="1"', b'id="99"')
        types = zf.read("[Content_Types].xml")
    rels = (b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
            b'relationships"><Relationship Type="http://schemas.openxmlformats.org/'
            b'officeDocument/2006/relationships/table" Target="/xl/tables/table99.xml" '
            b'Id="rId1"/></Relationships>')
    types = types.replace(b"</Types>", b'<Override PartName="/xl/tables/table99.xml" '
                          b'ContentType="application/vnd.openxmlformats-officedocument.'
                          b'spreadsheetml.table+xml"/></Types>')
    copy = _rezip(valid, tmp_path / "copy.xlsx", {
        "xl/tables/table99.xml": table, "xl/worksheets/_rels/sheet7.xml.rels": rels,
        "[Content_Types].xml": types})
    sub = examine(copy)
    assert [f.reason for f in sub.findings if f.severity is Severity.ERROR] == [
        Reason.DUPLICATE_TABLE]
    assert "ActualCost" in sub.findings[0].message_en


def test_a_totals_row_count_larger_than_the_table_is_a_finding(tmp_path: Path,
                                                                valid: Path) -> None:
    with zipfile.ZipFile(valid) as zf:
        table = zf.read("xl/tables/table1.xml")
    table = table.replace(b'headerRowCount="1"', b'headerRowCount="1" totalsRowCount="40"')
    sub = examine(_rezip(valid, tmp_path / "totals.xlsx", {"xl/tables/table1.xml": table}))
    assert [f.reason for f in sub.findings if f.severity is Severity.ERROR] == [
        Reason.TABLE_SHAPE]


def test_a_map_whose_labels_were_swapped_is_a_finding(fill: Fill) -> None:
    """Swapping two headers in the hidden map would read each column's values as the other's."""
    from openpyxl import load_workbook

    path = fill(c.Kind.BUDGET, {})
    wb = load_workbook(path)
    ws = wb[c.MAP_SHEET]
    rows = {(r[0].value, r[1].value): r[2] for r in ws.iter_rows(min_row=6)}
    january, february = rows[("Budget", "m01")], rows[("Budget", "m02")]
    january.value, february.value = february.value, january.value
    wb.save(path)
    sub = examine(path)
    found = [(f.reason, f.sheet, f.key) for f in sub.findings if f.severity is Severity.ERROR]
    assert found == [(Reason.MAP_MISMATCH, c.MAP_SHEET, "m01"),
                     (Reason.MAP_MISMATCH, c.MAP_SHEET, "m02")]


@pytest.mark.parametrize("version", [1.9, "1.9", "1x", max(c.SUPPORTED_VERSIONS) + 1])
def test_a_version_that_is_not_a_supported_whole_number_is_refused(fill: Fill,
                                                                  version: object) -> None:
    from openpyxl import load_workbook

    path = fill(c.Kind.MONTHLY, {"ActualCost": [cost_row()]})
    wb = load_workbook(path)
    wb[c.MAP_SHEET]["B1"] = version
    wb.save(path)
    assert [f.reason for f in examine(path).findings] == [Reason.UNSUPPORTED_VERSION]


def test_a_value_typed_below_the_table_is_a_warning_on_its_cell(fill: Fill) -> None:
    """Issue 16: a row typed under the table (555,555.55) is not read, and says so."""
    from openpyxl import load_workbook

    path = fill(c.Kind.MONTHLY, {"ActualCost": [cost_row()]})
    wb = load_workbook(path)
    sheet = next(ws for ws in wb.worksheets if "ActualCost" in ws.tables)
    sheet["A40"], sheet["C40"] = "RE01-P01", 555555.55
    sheet["F5"] = 12.0  # beside the table, in one of its rows
    wb.save(path)
    sub = examine(path)
    outside = [(f.severity, f.cell, f.value) for f in sub.findings
               if f.reason is Reason.OUTSIDE_TABLE]
    assert outside == [(Severity.WARNING, "F5", "12.0"), (Severity.WARNING, "A40", "RE01-P01"),
                       (Severity.WARNING, "C40", "555555.55")]
    assert "below the table, not read — extend the table" in sub.findings[-1].message_en
    assert sub.tables["ActualCost"].columns["amount"] == [1000.0]


def test_a_sheet_with_its_cells_twice_is_a_finding(tmp_path: Path, valid: Path) -> None:
    with zipfile.ZipFile(valid) as zf:
        sheet = zf.read("xl/worksheets/sheet2.xml")
    start, end = sheet.index(b"<sheetData>"), sheet.index(b"</sheetData>") + 12
    twice = sheet[:end] + sheet[start:end].replace(b">1000<", b">9000<") + sheet[end:]
    sub = examine(_rezip(valid, tmp_path / "data2.xlsx", {"xl/worksheets/sheet2.xml": twice}))
    assert [f.reason for f in sub.findings if f.severity is Severity.ERROR] == [
        Reason.SHEET_XML]


def test_a_hidden_sheet_whose_table_is_read_says_so(fill: Fill, register: Register) -> None:
    from openpyxl import load_workbook

    path = fill(c.Kind.MONTHLY, {"ActualCost": [cost_row()]})
    wb = load_workbook(path)
    next(ws for ws in wb.worksheets if "ActualCost" in ws.tables).sheet_state = "hidden"
    wb.save(path)
    sub = examine(path, (register, "2026-10"))
    [hidden] = [f for f in sub.findings if f.reason is Reason.HIDDEN]
    assert "is read all the same" in hidden.message_en and "照常读取" in hidden.message_zh
    assert sub.tables["ActualCost"].columns["amount"] == [1000.0]


def test_a_monthly_file_with_every_table_empty_is_refused(fill: Fill,
                                                           register: Register) -> None:
    """RE01's projects are under way in October: an empty month would erase its figures."""
    sub = examine(fill(c.Kind.MONTHLY, {}), (register, "2026-10"))
    [empty] = [f for f in sub.findings if f.severity is Severity.ERROR]
    assert empty.reason is Reason.NO_DATA and "RE01-P01" in empty.message_en
    # INF02's first project starts in February: its empty January is the honest return.
    before = examine(fill(c.Kind.MONTHLY, {}, name="jan.xlsx", subsidiary="INF02",
                          period="2026-01"), (register, "2026-10"))
    assert before.findings == []


def _parts_handed_over(path: Path) -> None:
    data = path.read_bytes()
    parts: dict[str, bytes] = {}
    if any(f.severity is Severity.ERROR for f in check(path, data=data, sheets=parts)):
        return
    with zipfile.ZipFile(path) as zf:
        for name, part in parts.items():
            assert part == zf.read(name), name
    assert read_submission(path, data, parts) == read_submission(path, data), path.name


def test_the_parts_the_intake_hands_over_read_as_unzipped_again(fill: Fill) -> None:
    """The sheets and small parts check() unzips are the zip's parts, byte for byte, and
    the reader given them reads what it reads unzipping everything itself."""
    _parts_handed_over(fill(tuple(c.Kind), {"ActualCost": [cost_row(), cost_row(code="0102")]}))
    corpus = sorted(p for p in (SHARED / "corpus").rglob("*.xlsx"))[:80]
    for path in corpus:
        _parts_handed_over(path)


def test_far_cells_spelled_with_character_references_are_bounded_by_the_reader(
        tmp_path: Path, valid: Path) -> None:
    """r="&#88;FD1" is XFD1 to an XML parser, but no byte pattern of the extent guard sees
    it. The reader lays out only the rows a sheet has, each as wide as its last cell, and
    refuses a sheet once that passes its limit: 320 rows reaching column XFD are 5.2 million
    cells laid out, beyond the 5 million allowed."""
    from xltrack.workers import examine

    rows = b"".join(b'<row r="%d"><c r="&#88;FD%d"><v>1</v></c></row>' % (n, n)
                    for n in range(1, 321))
    sheet = (b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
             b"<sheetData>" + rows + b"</sheetData></worksheet>")
    far = _rezip(valid, tmp_path / "far.xlsx", {"xl/worksheets/sheet2.xml": sheet})
    assert _reasons(far) == []  # past the guard
    sub = examine(far)
    assert sub.has_errors
    assert any("too large an area" in f.message_en for f in sub.findings)


def test_the_zip_the_intake_opened_is_the_one_the_reader_reads(fill: Fill) -> None:
    """examine opens a file's zip once: the guards hand it over, and the reader given it
    reads what it reads opening the bytes itself; a refused file hands none over."""
    path = fill(c.Kind.MONTHLY, {})
    data = path.read_bytes()
    parts: dict[str, bytes] = {}
    opened: list[zipfile.ZipFile] = []
    assert check(path, data=data, sheets=parts, opened=opened) == []
    [zf] = opened
    assert read_submission(path, data, parts, opened=zf) == read_submission(path, data)
    assert zf.fp is None  # closed by the reader
    refused: list[zipfile.ZipFile] = []
    broken = path.with_name("broken.xlsx")
    broken.write_bytes(data[: len(data) // 2])
    assert check(broken, data=broken.read_bytes(), opened=refused) and refused == []


def test_the_files_windows_writes_into_a_folder_are_not_submissions(tmp_path: Path) -> None:
    from xltrack.inbox import find_files

    month = tmp_path / "inbox" / "2026-10"
    month.mkdir(parents=True)
    for name in ("desktop.ini", "Thumbs.db", "DESKTOP.INI", ".DS_Store", "~$RE01.xlsx",
                 "RE01.xlsx", "RE01.pdf"):
        (month / name).write_bytes(b"x")
    assert [p.name for p in find_files([tmp_path / "inbox"])] == ["RE01.pdf", "RE01.xlsx",
                                                                 "~$RE01.xlsx"]
    assert find_files([month / "Thumbs.db"]) == [month / "Thumbs.db"]  # named: read as asked
