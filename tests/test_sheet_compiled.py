"""The compiled fast pass (xltrack/_cells.c) against the fast pass in Python (sheet_xml._fast_pass).

Where the module is built, read_sheet_fast runs the compiled pass, and tests/test_sheet_fast.py
holds it to the parsed path (lxml) on every sheet; here the two fast passes are given the same
sheets and must agree exactly: the same Cells, each value of the same type (1.0, 1 and True are
equal in Python, not here), and declining the same sheets. The pass in Python is what a machine
without a C compiler runs.
"""

from __future__ import annotations

import io
import sys
import zipfile
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

from xltrack import sheet_xml as sx
from xltrack.intake import check
from xltrack.models import Severity

from .test_fuzz import SHEET, _apply, _mutant, original  # noqa: F401  (original: a fixture)
from .test_sheet_fast import (
    AROUND,
    BOOK,
    CORPUS,
    MAX,
    PLAIN_CELLS,
    PROLOGS,
    ROOT,
    ROW_OPENINGS,
    TRICKY_CELLS,
    TRICKY_ROWS,
    _book,
    _one_odd,
    sheets,
)

COMPILED = sx._compiled


def test_the_compiled_pass_is_built_where_the_suite_runs() -> None:
    """make install builds it (pyproject's ext-modules); on Linux a missing build would leave
    every test below comparing the pass in Python with itself."""
    if sys.platform.startswith("linux"):
        assert COMPILED is not None, "xltrack/_cells.c was not built: run make install"


def _typed(cells: sx.Cells | None) -> Any:
    if cells is None:
        return None
    return ({n: [(type(v), v) for v in row] for n, row in cells.rows.items()},
            list(cells.rows), cells.errors, cells.formulas, cells.hidden_rows, cells.flaws)


def _outcome(data: bytes, book: sx.Book, max_cells: int) -> Any:
    try:
        return _typed(sx.read_sheet_fast(data, book, max_cells))
    except Exception as exc:  # noqa: BLE001 - the same exception from both, if any
        return type(exc), str(exc)


def agree(data: bytes, book: sx.Book = BOOK, max_cells: int = MAX) -> bool:
    """Whether the passes took the sheet; fails unless both read it alike or both declined."""
    if COMPILED is None:
        pytest.skip("xltrack/_cells.c is not built here")
    compiled = _outcome(data, book, max_cells)
    sx._compiled = None
    try:
        python = _outcome(data, book, max_cells)
    finally:
        sx._compiled = COMPILED
    assert compiled == python, data[:3000]
    return compiled is not None


def _corpus_sheets() -> Iterator[tuple[bytes, sx.Book]]:
    for path in sorted(CORPUS.rglob("*")):
        if path.suffix.lower() not in (".xlsx", ".xlsm") or any(
                f.severity is Severity.ERROR for f in check(path)):
            continue
        try:
            with zipfile.ZipFile(path) as zf:
                book, parts = _book(zf)
                found = [zf.read(part) for part in parts]
        except Exception:  # noqa: BLE001 - a package refused before its sheets
            continue
        for data in found:
            yield data, book


@pytest.mark.skipif(not CORPUS.exists(), reason="../shared/corpus is not beside the project")
def test_every_corpus_sheet_reads_the_same_in_both_passes() -> None:
    sheets_seen = taken = 0
    for data, book in _corpus_sheets():
        sheets_seen += 1
        taken += agree(data, book)
    assert sheets_seen > 1000 and taken > 850, (sheets_seen, taken)


@pytest.mark.skipif(not CORPUS.exists(), reason="../shared/corpus is not beside the project")
def test_a_sheet_too_large_declines_at_the_same_cell_in_both_passes() -> None:
    """place() counts the cells laid out and refuses beyond max_cells: the compiled pass hands
    it the same count at every cell it cannot append."""
    tried = 0
    for data, book in _corpus_sheets():
        if len(data) > 200_000:
            continue
        for max_cells in (0, 1, 5, 30, 200):
            agree(data, book, max_cells)
        tried += 1
        if tried >= 150:
            break
    assert tried >= 150


@pytest.mark.parametrize("data", [
    *(_one_odd(cell=cell) for cell in PLAIN_CELLS + TRICKY_CELLS),
    *(_one_odd(row=row) for row in ROW_OPENINGS + TRICKY_ROWS),
    *(_one_odd(around=around) for around in AROUND),
    *(_one_odd(prolog=prolog) for prolog in PROLOGS)])
def test_each_odd_spelling_reads_the_same_in_both_passes(data: bytes) -> None:
    agree(data)


# Spellings at the edges of the grammar the compiled pass parses by hand: each repeat and
# length limit, each part cut short, each byte a text may or may not hold.
EDGES = [
    '<c r="ABC1"><v>1</v></c>', '<c r="ABCD1"><v>1</v></c>', '<c r="A1234567"><v>1</v></c>',
    '<c r="A12345678"><v>1</v></c>', '<c r="A01"><v>1</v></c>', '<c r="1"><v>1</v></c>',
    '<c r="A"><v>1</v></c>', '<c r="XFD{r}"><v>1</v></c>', '<c r="ZZZ{r}"><v>1</v></c>',
    '<c r="{c}{r}" s="123456789"><v>1</v></c>', '<c r="{c}{r}" s="1234567890"><v>1</v></c>',
    '<c r="{c}{r}" s=""><v>1</v></c>', '<c r="{c}{r}" s="01"><v>1</v></c>',
    '<c r="{c}{r}" s="0"><v>1</v></c>', '<c r="{c}{r}" t="inlineStrX"><v>1</v></c>',
    '<c r="{c}{r}" t=""><v>1</v></c>', '<c r="{c}{r}" t="N"><v>1</v></c>',
    '<c r="{c}{r}" t="e"><f>1/0</f><v>#DIV/0!</v></c>', '<c r="{c}{r}" t="e"></c>',
    '<c r="{c}{r}"', '<c r="{c}{r}">', '<c r="{c}{r}"><v>1</v>', '<c r="{c}{r}"><v>1</c>',
    '<c r="{c}{r}"><f/></c>', '<c r="{c}{r}"><f></f></c>', '<c r="{c}{r}"><f>A1</f></c>',
    '<c r="{c}{r}"><f a="x"/><v>1</v></c>', '<c r="{c}{r}"><f a:b="x">A1</f><v>1</v></c>',
    '<c r="{c}{r}"><f a="x" >A1</f><v>1</v></c>', '<c r="{c}{r}"><f  a="x">A1</f><v>1</v></c>',
    '<c r="{c}{r}"><f a="x&amp;">A1</f><v>1</v></c>', '<c r="{c}{r}"><f a="\t">A1</f></c>',
    '<c r="{c}{r}"><f a.b-c_d="1" _e="2">A1</f><v>1</v></c>', '<c r="{c}{r}"><f 1a="1"/></c>',
    '<c r="{c}{r}"><fx/><v>1</v></c>', '<c r="{c}{r}"><v>1</v><is><t>x</t></is></c>',
    '<c r="{c}{r}" t="inlineStr"><is><t xml:space="default">x</t></is></c>',
    '<c r="{c}{r}" t="inlineStr"><is><t>x</t></is><v>1</v></c>',
    '<c r="{c}{r}" t="inlineStr"><is><t>x</t></c>', '<c r="{c}{r}" t="inlineStr"><is></is></c>',
    '<c r="{c}{r}" t="inlineStr"><is><t>_x0041__x005F_</t></is></c>',
    '<c r="{c}{r}" t="inlineStr"><is><t>&#95;x0041_</t></is></c>',
    '<c r="{c}{r}" t="inlineStr"><is><t>_</t></is></c>',
    '<c r="{c}{r}" t="str"><v>_x0041_</v></c>', '<c r="{c}{r}"><v>1e308</v></c>',
    '<c r="{c}{r}"><v>1e309</v></c>', '<c r="{c}{r}"><v>-0</v></c>', '<c r="{c}{r}"><v>.5</v></c>',
    '<c r="{c}{r}"><v>5.</v></c>', '<c r="{c}{r}"><v>1e</v></c>', '<c r="{c}{r}"><v>e1</v></c>',
    '<c r="{c}{r}"><v>+-1</v></c>', '<c r="{c}{r}"><v>1.2.3</v></c>', '<c r="{c}{r}"><v>-</v></c>',
    '<c r="{c}{r}"><v>' + "1" * 70 + '</v></c>', '<c r="{c}{r}"><v>0.' + "3" * 80 + '</v></c>',
    '<c r="{c}{r}"><v>nan</v></c>', '<c r="{c}{r}"><v>Infinity</v></c>',
    '<c r="{c}{r}"><v>0x10</v></c>', '<c r="{c}{r}"><v>1\t</v></c>', '<c r="{c}{r}"><v>\n1</v></c>',
    '<c r="{c}{r}"><v>１</v></c>', '<c r="{c}{r}" s="2"><v>1e9</v></c>',
    '<c r="{c}{r}" s="2"><v>-1</v></c>', '<c r="{c}{r}" s="2"><v>0.5</v></c>',
    '<c r="{c}{r}" t="s"><v>2</v></c>', '<c r="{c}{r}" t="s"><v> 1 </v></c>',
    '<c r="{c}{r}" t="b"><v>0</v></c>', '<c r="{c}{r}" t="b"><v>true</v></c>',
    '<c r="{c}{r}" t="d"><v>2026-10-01</v></c>',
    '<c r="{c}{r}" t="d"><v>2026-10-01T12:30:00Z</v></c>',
    '<c r="{c}{r}"><v>\x7f</v></c>', '<c r="{c}{r}"><v>\x0b</v></c>', '<c r="{c}{r}"><v>\r</v></c>',
]
ROW_EDGES = ['<row r="1048576">', '<row r="1048577">', '<row r="1234567">',
             '<row r="12345678">', '<row r="{r}" >', '<row r="{r}"/>',
             '<row r="{r}" spans="1:2"/>', '<row r="{r}"  a="1">',
             '<row r="{r}" hidden="0">', '<row r="{r}" hidden="1" x14ac:dyDescent="0.3">',
             '<row r="{r}" a="<">', '<row r="{r}" a=">">', '<rowx r="{r}">', '<row r="{r}"',
             '<row r="{r}" hidden="1"/>']


@pytest.mark.parametrize("data", [
    *(_one_odd(cell=cell) for cell in EDGES),
    *(_one_odd(row=row) for row in ROW_EDGES),
    *(ROOT.format(before="", rows=rows, after="").encode() for rows in [
        "", "</row>", '<row r="1"></row></row>', '<row r="1"><row r="2"></row></row>',
        '<row r="2"/><row r="1"/>', '<row r="1"/><row r="1"/>', '<row r="1"><c r="A1"/>',
        '<c r="A1"><v>1</v></c>', '<row r="1"></row><c r="A1"><v>1</v></c>',
        '<row r="1"/><c r="A1"><v>1</v></c>', '<row r="1"><c r="A2"><v>1</v></c></row>',
        '<row r="1"><c r="B1"><v>1</v></c><c r="A1"><v>2</v></c></row>',
        '<row r="1"><c r="C1"><v>1</v></c><c r="C1"><v>2</v></c></row>',
        '<row r="1"><c r="A1" t="e"/><c r="A1"><v>2</v></c></row>',
        '<row r="3"><c r="Z3"><v>1</v></c><c r="AA3" t="inlineStr"><is><t>x</t></is></c></row>',
        '<row r="1"><c r="A1"><v>1</v></c></row> ', '<row r="1">\n</row>',
        '<row r="1048576"><c r="A1048576"><v>1</v></c></row>', '<row r="1048577"/>',
        '<row r="1048581"><c r="A1048581"><v>1</v></c></row>'])])
def test_the_edges_of_the_grammar_read_the_same_in_both_passes(data: bytes) -> None:
    agree(data)


@pytest.mark.parametrize("cell", [
    b'<c r="C1"><v>1\xff</v></c>', b'<c r="C1" t="inlineStr"><is><t>caf\xe9</t></is></c>',
    b'<c r="C1"><f>"\xc3"</f><v>1</v></c>', b'<c r="C1"><f ref="\xc3">A1</f><v>1</v></c>',
    b'<c r="C1" t="inlineStr"><is><t>\xed\xa0\x80</t></is></c>',
    b'<c r="C1" t="inlineStr"><is><t>\xe4\xb8\xad</t></is></c>', b'<c r="C1"><v>\x80</v></c>'])
def test_bytes_that_are_not_utf8_read_the_same_in_both_passes(cell: bytes) -> None:
    for row in (b'<row r="1">', b'<row r="1" spans="\xe9">'):
        data = ROOT.format(before="", rows="{rows}", after="").encode().replace(
            b"{rows}", row + b'<c r="A1"><v>1</v></c>' + cell + b"</row>")
        agree(data)


@settings(max_examples=500, deadline=None, derandomize=True)
@given(data=sheets())
def test_tricky_sheets_read_the_same_in_both_passes(data: bytes) -> None:
    agree(data)


@settings(max_examples=200, deadline=None, derandomize=True)
@given(data=sheets(tricky=False))
def test_plain_sheets_read_the_same_in_both_passes(data: bytes) -> None:
    assert agree(data)


@settings(max_examples=80, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(mutant=_mutant())
def test_structure_mutants_read_the_same_in_both_passes(
        original: bytes, mutant: tuple[dict[str, bytes], Any, str]) -> None:  # noqa: F811
    data = _apply(original, mutant[0])
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        book, _ = _book(zf)
        agree(zf.read(SHEET), book)


def test_a_filled_pack_reads_the_same_in_both_passes(original: bytes) -> None:  # noqa: F811
    with zipfile.ZipFile(io.BytesIO(original)) as zf:
        book, parts = _book(zf)
        assert all(agree(zf.read(part), book) for part in parts)


def test_a_body_cut_anywhere_reads_the_same_in_both_passes() -> None:
    """Every prefix of a body holding every plain spelling (and every prefix with its row
    closed): the compiled pass reads no byte beyond the body, wherever a token is cut."""
    cells = "".join(cell.format(c=sx._letters(i), r=1, l="")
                    for i, cell in enumerate(PLAIN_CELLS, start=1))
    body = f'<row r="1" spans="1:{len(PLAIN_CELLS)}">{cells}</row><row r="2" hidden="1"/>'
    for cut in range(len(body) + 1):
        for rows in (body[:cut], body[:cut] + "</row>"):
            agree(ROOT.format(before="", rows=rows, after="").encode())
