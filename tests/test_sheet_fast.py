"""The fast path of sheet_xml (one regex over the cells) against the parsed path (lxml).

`read_sheet_fast` may decline (None) any sheet; what it returns must be exactly the Cells that
`read_sheet_parsed` returns: rows, errors, formulas, hidden rows, flaws. Checked over every
worksheet of the real-world corpus, over the structure-aware fuzz mutants, and over generated
sheets spelt in every tricky way XML allows. Other tests check that the fast path is taken
where it should be, so that always declining would not pass unseen.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xltrack import contract as c
from xltrack import sheet_xml as sx
from xltrack.intake import check
from xltrack.models import Severity
from xltrack.package import read_package

from .conftest import SHARED, cost_row
from .test_fuzz import SHEET, _apply, _mutant, original  # noqa: F401  (original: a fixture)

CORPUS = SHARED / "corpus"
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
BOOK = sx.Book(["zero", "one &amp; two"], frozenset({2}), 4)
MAX = 5_000_000


def _outcome(read: Any, data: bytes, book: sx.Book) -> Any:
    try:
        return read(data, book, MAX)
    except Exception as exc:  # the parsed path refuses what is not XML
        return type(exc)


def same_or_declined(data: bytes, book: sx.Book) -> bool:
    """Whether the fast path took the sheet; fails if it took it and read it otherwise."""
    fast = sx.read_sheet_fast(data, book, MAX)  # never raises
    if fast is None:
        return False
    parsed = _outcome(sx.read_sheet_parsed, data, book)
    assert fast == parsed, data[:3000]
    return True


def _book(zf: zipfile.ZipFile) -> tuple[sx.Book, list[str]]:
    package = read_package(zf)
    strings = sx.shared_strings(zf.read(package.strings_part)) if package.strings_part else []
    dates, styles = (sx.date_styles(zf.read(package.styles_part)) if package.styles_part
                     else (frozenset(), 0))
    parts = [s.part for s in package.sheets if s.part in package.parts]
    return sx.Book(strings, dates, styles, package.date1904), parts


@pytest.mark.skipif(not CORPUS.exists(), reason="../shared/corpus is not beside the project")
def test_every_corpus_sheet_reads_the_same_on_both_paths() -> None:
    taken = sheets = 0
    for path in sorted(CORPUS.rglob("*")):
        if path.suffix.lower() not in (".xlsx", ".xlsm") or any(
                f.severity is Severity.ERROR for f in check(path)):
            continue  # refused before reading
        try:
            with zipfile.ZipFile(path) as zf:
                book, parts = _book(zf)
                for part in parts:
                    sheets += 1
                    taken += same_or_declined(zf.read(part), book)
        except Exception:  # a package the reader refuses before its sheets: not this test's
            continue
    # Excel, LibreOffice and the other writers' sheets; the rest are mostly empty sheets.
    assert sheets > 1000 and taken > 850, (sheets, taken)


def test_fast_path_is_taken_for_filled_templates_and_excel_files(
        original: bytes) -> None:  # noqa: F811
    with zipfile.ZipFile(io.BytesIO(original)) as zf:
        book, parts = _book(zf)
        assert all(same_or_declined(zf.read(part), book) for part in parts)
    # Excel's own spelling: rows with spans= and x14ac:dyDescent=, shared strings, formulas.
    for name in ("calamine/table_with_insertrow_attribute.xlsx",
                 "xlsxwriter-excel-made/table01.xlsx"):
        if not (CORPUS / name).exists():
            continue
        with zipfile.ZipFile(CORPUS / name) as zf:
            book, parts = _book(zf)
            assert all(same_or_declined(zf.read(part), book) for part in parts), name


def test_fast_path_reads_a_bench_pack(tmp_path: Path) -> None:
    """The pack the benchmark reads (bench/run.py): every sheet through the fast path."""
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
    try:
        from run import _one_pack
    finally:
        sys.path.pop(0)
    (tmp_path / "packs").mkdir()
    _one_pack((tmp_path / "packs", 7))
    path = next((tmp_path / "packs").glob("*.xlsx"))
    with zipfile.ZipFile(path) as zf:
        book, parts = _book(zf)
        assert len(parts) > 8 and all(same_or_declined(zf.read(part), book) for part in parts)


@settings(max_examples=60, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(mutant=_mutant())
def test_structure_mutants_read_the_same_on_both_paths(
        original: bytes, mutant: tuple[dict[str, bytes], Any, str]) -> None:  # noqa: F811
    data = _apply(original, mutant[0])
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        book, _ = _book(zf)
        same_or_declined(zf.read(SHEET), book)


# Generated sheets: rows of cells, each piece spelt plainly or in a tricky way.
PLAIN_CELLS = [
    '<c r="{c}{r}"><v>12.5</v></c>', '<c r="{c}{r}" s="1"><v>-3e2</v></c>',
    '<c r="{c}{r}" s="2"><v>46023.5</v></c>', '<c r="{c}{r}" s="2"><v>46023</v></c>',
    '<c r="{c}{r}" s="3" t="n"><v>0.1</v></c>', '<c r="{c}{r}" t="s"><v>1</v></c>',
    '<c r="{c}{r}" t="s"><v>7</v></c>', '<c r="{c}{r}" t="inlineStr"><is><t>x y</t></is></c>',
    '<c r="{c}{r}" t="inlineStr"><is><t xml:space="preserve"> a </t></is></c>',
    '<c r="{c}{r}" s="1"/>', '<c r="{c}{r}" s="1" t="n"></c>', '<c r="{c}{r}"><v></v></c>',
    '<c r="{c}{r}" t="e"><v>#DIV/0!</v></c>', '<c r="{c}{r}" t="e"/>',
    '<c r="{c}{r}" t="b"><v>1</v></c>', '<c r="{c}{r}" t="b"><v>2</v></c>',
    '<c r="{c}{r}" t="str"><f>A1&amp;"x"</f><v>1x</v></c>',
    '<c r="{c}{r}"><f>SUM(A1:A2)</f><v>3</v></c>', '<c r="{c}{r}"><f>1+1</f><v></v></c>',
    '<c r="{c}{r}"><f t="shared" ref="A1:A9" si="0">B1*2</f><v>4</v></c>',
    '<c r="{c}{r}"><f t="shared" si="0"/><v>4</v></c>',
    '<c r="{c}{r}" t="d"><v>2026-10-01T00:00:00</v></c>', '<c r="{c}{r}" t="d"><v>x</v></c>',
    '<c r="{c}{r}"><v>2&#52;7.62</v></c>', '<c r="{c}{r}"><v>1_000</v></c>',
    '<c r="{c}{r}"><v>inf</v></c>', '<c r="{c}{r}"><v> 7 </v></c>',
    '<c r="{c}{r}" t="inlineStr"><is><t>&#39033;&#30446; &amp; &lt;&gt;&quot;&apos;</t></is></c>',
    '<c r="{c}{r}" t="inlineStr"><is><t>a_x0041_b</t></is></c>',
    '<c r="{c}{r}" t="inlineStr"><is><t></t></is></c>',
    '<c r="{c}{r}" t="inlineStr"><is><t>tab\there\nnew line</t></is></c>',
    '<c r="{c}{r}" t="n"><v>abc</v></c>', '<c r="{c}{r}" t="zz"><v>1</v></c>',
    '<c r="{c}{r}" s="9"><v>5</v></c>', '<c r="{c}{r}" t="s"><v>&#49;</v></c>',
]
TRICKY_CELLS = [
    "<c r='{c}{r}'><v>1</v></c>", '<c r = "{c}{r}"><v>1</v></c>',
    '<c t="n" r="{c}{r}"><v>1</v></c>', '<c r="{c}{r}" t="s" s="1"><v>0</v></c>',
    '<c r="{c}{r}" s="1" s="2"><v>1</v></c>', '<c r="{l}{r}"><v>1</v></c>',
    '<c><v>1</v></c>', '<c r="{c}{r}" cm="1"><v>1</v></c>',
    '<c r="{c}{r}"><v><![CDATA[12]]></v></c>', '<c r="{c}{r}"><v>1<!-- n -->2</v></c>',
    '<c r="{c}{r}"><!-- n --><v>1</v></c>', '<c r="{c}{r}"><?pi x?><v>1</v></c>',
    '<x:c r="{c}{r}"><x:v>1</x:v></x:c>', '<c r="{c}{r}"><x:v>1</x:v></c>',
    '<c r="{c}{r}"> <v>1</v></c>', '<c r="{c}{r}"><v>1\r\n2</v></c>',
    '<c r="{c}{r}" t="inlineStr"><is><t>a\r\nb</t></is></c>',
    '<c r="{c}{r}" t="inlineStr"><is><r><t>a</t></r><r><rPr><b/></rPr><t>b</t></r></is></c>',
    '<c r="{c}{r}" t="inlineStr"><is><t>a</t><rPh><t>x</t></rPh></is></c>',
    '<c r="{c}{r}"><v>&#0;</v></c>', '<c r="{c}{r}"><v>&nbsp;</v></c>',
    '<c r="{c}{r}"><v>a & b</v></c>', '<c r="{c}{r}"><v>\x01</v></c>',
    '<c r="{c}{r}"><v>a]]>b</v></c>', '<c r="{c}{r}"><v>\ufffe</v></c>',
    '<c r="{c}{r}" xmlns="urn:other"><v>1</v></c>', '<c r="{c}{r}"><v xmlns="urn:o">1</v></c>',
    '<c r="{c}{r}"><v>1</v><v>2</v></c>', '<c r="{c}{r}"><f>A1</f><f>A2</f><v>1</v></c>',
    '<c r="{c}{r}"><v>1</v><f>A1</f></c>', '<c r="{c}{r}"><f a="1" a="2">A1</f><v>1</v></c>',
    '<c r="{c}{r}"><f q:a="1">A1</f><v>1</v></c>', '<c r="{c}{r}"><v>1</v><extLst/></c>',
    '<c r="{c}{r}"><v>1</v></c><c r="{c}{r}"><v>2</v></c>', '<c r="A{r}"><v>0</v></c>',
    '<c r="{c}{r}" s="1"/><c r="{c}{r}"><v>2</v></c>', '<c r="{c}{r}"><v>2</v></c><c r="A{r}"/>',
    '<c r="{c}0"><v>1</v></c>', '<c r="XFE{r}"><v>1</v></c>', '<v>1</v>',
    '<c r="{c}{r}"><is><t>x</t></is></c>', '<c r="{c}{r}" t="inlineStr"><v>9</v></c>',
]
ROW_OPENINGS = ['<row r="{r}">', '<row r="{r}" spans="1:5" x14ac:dyDescent="0.25">',
                '<row r="{r}" hidden="1">', '<row r="{r}" ht="30" customHeight="1">',
                '<row r="{r}" hidden="true" customHeight="1">']
TRICKY_ROWS = ["<row r='{r}'>", '<row spans="1:2" r="{r}">', "<row>", '<row r="0{r}">',
               '<row r="{r}" hidden="1" hidden="0">', '<row r="{r}" xmlns="urn:other">',
               '<row r="{r}" q:a="1">', '<row r="{r}" xmlns:q="urn:q" q:a="1">',
               '<row r="{r}" x14ac:dyDescent="1" y:dyDescent="2">', '<x:row r="{r}">',
               '<row r="{r}" hidden="1 ">', '<row r="{r}" collapsed="false" hidden="false">']
PROLOGS = ['<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n', "",
           '<?xml version="1.0" encoding="ISO-8859-1"?>', "\ufeff"]
ROOT = (f'<worksheet xmlns="{MAIN}" xmlns:x="{MAIN}" xmlns:y="{MAIN}" '
        'xmlns:x14ac="http://schemas.microsoft.com/office/spreadsheetml/2009/9/ac">'
        '<dimension ref="A1:E9"/>{before}<sheetData>{rows}</sheetData>{after}</worksheet>')
AROUND = ["", "<!-- <sheetData><row r='1'><c r='A1'><v>9</v></c></row></sheetData> -->",
          '<sheetData/>', '<x:sheetData><x:row r="1"/></x:sheetData>',
          '<mergeCells count="1"><mergeCell ref="A1:B1"/></mergeCells>',
          '<sheetData xmlns="urn:other"/>', '<foo xmlns="urn:other"><sheetData/></foo>']


@st.composite
def sheets(draw: st.DrawFn, tricky: bool = True) -> bytes:
    def piece(plain: list[str], odd: list[str]) -> str:  # now and then an odd one
        return draw(st.sampled_from(odd if tricky and draw(st.integers(0, 5)) == 0 else plain))

    numbers = sorted(draw(st.sets(st.integers(1, 9), min_size=1, max_size=5)))
    if tricky and numbers and draw(st.integers(0, 5)) == 0:
        numbers = draw(st.permutations(numbers + [numbers[0]]))  # out of order, twice
    rows = []
    for number in numbers:
        columns = sorted(draw(st.sets(st.sampled_from("ABCDE"), max_size=4)))
        if tricky and columns and draw(st.integers(0, 5)) == 0:
            columns = draw(st.permutations(columns))
        cells = "".join(piece(PLAIN_CELLS, TRICKY_CELLS).format(c=col, l=col.lower(), r=number)
                        for col in columns)
        opening = piece(ROW_OPENINGS, TRICKY_ROWS).format(r=number)
        closing = "</x:row>" if opening.startswith("<x:row") else "</row>"
        if not cells and draw(st.booleans()):
            rows.append(opening.replace(">", "/>") if opening.endswith('">') else opening
                        + closing)
        else:
            rows.append(opening + cells + closing)
    glue = piece([""], ["\n", "  "])
    before, after = piece([""], AROUND), piece([""], AROUND)
    prolog = piece(PROLOGS[:1], PROLOGS[1:])
    text = prolog + ROOT.format(before=before, rows=glue.join(rows), after=after)
    return text.encode("latin-1" if "ISO-8859-1" in prolog and text.isascii() else "utf-8")


def _one_odd(cell: str = "", row: str = '<row r="{r}">', around: str = "",
             prolog: str = PROLOGS[0]) -> bytes:
    plain = '<c r="A{r}"><v>1</v></c><c r="B{r}" t="inlineStr"><is><t>&#20013;</t></is></c>'
    rows = [row.format(r=r) + plain.format(r=r) + cell.format(c="C", l="c", r=r)
            + ("</x:row>" if row.startswith("<x:row") else "</row>") for r in (1, 2)]
    text = prolog + ROOT.format(before=around, rows="".join(rows), after="")
    return text.encode("latin-1" if "ISO-8859-1" in prolog else "utf-8")


@pytest.mark.parametrize("data", [
    *(_one_odd(cell=cell) for cell in PLAIN_CELLS + TRICKY_CELLS),
    *(_one_odd(row=row) for row in ROW_OPENINGS + TRICKY_ROWS),
    *(_one_odd(around=around) for around in AROUND),
    *(_one_odd(prolog=prolog) for prolog in PROLOGS)])
def test_each_odd_spelling_reads_the_same_or_declines(data: bytes) -> None:
    """Every spelling in the lists above, alone in an otherwise plain sheet."""
    same_or_declined(data, BOOK)


def test_the_plain_spellings_alone_take_the_fast_path() -> None:
    for data in [_one_odd(cell=cell) for cell in PLAIN_CELLS] + [
            _one_odd(row=row) for row in ROW_OPENINGS] + [_one_odd(around=AROUND[4])]:
        assert same_or_declined(data, BOOK), data


@settings(max_examples=400, deadline=None, derandomize=True)
@given(data=sheets())
def test_tricky_spellings_read_the_same_or_decline(data: bytes) -> None:
    same_or_declined(data, BOOK)


@settings(max_examples=150, deadline=None, derandomize=True)
@given(data=sheets(tricky=False))
def test_plain_spellings_take_the_fast_path(data: bytes) -> None:
    assert same_or_declined(data, BOOK), data


@pytest.mark.parametrize("body", [
    '<row r="1"><c r="A1"><v>1</v></c></row>',
    '<row r="1" hidden="1"><c r="A1" t="inlineStr"><is><t>&#20013;&amp;</t></is></c></row>'
    '<row r="2"/><row r="3"><c r="B3" t="e"/><c r="C3"><f t="shared" si="0"/><v>2</v></c></row>',
])
def test_small_sheets_take_the_fast_path(body: str) -> None:
    data = ROOT.format(before="", rows=body, after="").encode()
    assert same_or_declined(data, BOOK)


def test_a_sheet_too_large_is_refused_on_either_path() -> None:
    data = ROOT.format(before="", rows='<row r="1"><c r="XFD1"><v>1</v></c></row>',
                       after="").encode()
    assert sx.read_sheet_fast(data, BOOK, 100) is None
    with pytest.raises(sx.SheetTooLarge):
        sx.read_sheet(data, BOOK, 100)


@given(stored=st.one_of(st.from_regex(r"\A[ +\-0-9.eE_a-z]{0,8}\Z"), st.text(max_size=6)),
       style=st.sampled_from([None, "", "0", "1", "2", "3", "9", "02", "x"]),
       kind=st.sampled_from([None, "n"]))
def test_the_plain_number_shortcut_gives_what_typed_gives(stored: str, style: str | None,
                                                         kind: str | None) -> None:
    """fact()'s shortcut for plain numbers is only a shortcut: typed() agrees with it."""
    shortcut, full = sx._Pass(BOOK, MAX), sx._Pass(BOOK, MAX)
    got = shortcut.fact("A1", style, kind, stored, None, None)
    want = full.typed("n", stored, style, "A1")
    assert (got, shortcut.cells) == (want, full.cells)


def test_filled_pack_sheets_take_the_fast_path(fill: Any) -> None:
    path = fill(tuple(c.Kind), {"ActualCost": [cost_row(), cost_row(code="0102")]})
    with zipfile.ZipFile(path) as zf:
        book, parts = _book(zf)
        assert all(same_or_declined(zf.read(part), book) for part in parts)


@pytest.mark.parametrize("cell", [
    b'<c r="C1"><v>1\xff</v></c>', b'<c r="C1" t="inlineStr"><is><t>caf\xe9</t></is></c>',
    b'<c r="C1" t="inlineStr"><is><t>&#20013;\xe4\xb8</t></is></c>',
    b'<c r="C1"><f>"\xc3"</f><v>1</v></c>', b'<c r="C1"><f ref="\xc3">A1</f><v>1</v></c>',
    b'<c r="C1" t="inlineStr"><is><t>\xed\xa0\x80</t></is></c>',  # a surrogate
    b'<c r="C1" t="inlineStr"><is><t>\xef\xbf\xbe</t></is></c>',  # U+FFFE
    b'<c r="C1" t="inlineStr"><is><t>\xe4\xb8\xad</t></is></c>'])  # 中, well-formed
@pytest.mark.parametrize("prolog", [PROLOGS[0].encode(),
                                    b'<?xml version="1.0" encoding="ISO-8859-1"?>'])
def test_bytes_that_are_not_utf8_read_the_same_or_decline(cell: bytes, prolog: bytes) -> None:
    for row in (b'<row r="1">', b'<row r="1" spans="\xe9">'):
        data = prolog + ROOT.format(before="", rows="{rows}", after="").encode().replace(
            b"{rows}", row + b'<c r="A1"><v>1</v></c>' + cell + b"</row>")
        same_or_declined(data, BOOK)
    utf8 = PROLOGS[0].encode() + ROOT.format(before="", rows="{rows}", after="").encode()
    assert same_or_declined(utf8.replace(b"{rows}", b'<row r="1">' + cell.replace(
        b"\xff", b"").replace(b"\xe9", b"e").replace(b"\xc3", b"").replace(b"\xe4\xb8<", b"<")
        .replace(b"\xed\xa0\x80", b"").replace(b"\xef\xbf\xbe", b"") + b"</row>"), BOOK)


def test_the_document_around_the_cells_is_judged_by_its_own_bytes() -> None:
    """The parse of the rest of the document is kept per process, by its exact bytes."""
    utf8, latin = _one_odd(), _one_odd(prolog=PROLOGS[2])
    other = _one_odd(around='<sheetData xmlns="urn:other"/>')
    for _ in range(2):
        assert same_or_declined(utf8, BOOK)
        assert not same_or_declined(latin, BOOK)
        assert not same_or_declined(other, BOOK)


def test_columns_are_named_as_the_table_of_every_column_named_them() -> None:
    """The columns are computed as met (no table at import): the same as the table of all
    16,384 the reader built before, for every name of one to three letters and odd ones."""
    import itertools
    import string

    table = {sx._letters(n): n for n in range(1, sx.MAX_COL + 1)}  # the reference
    names = ["", "a", "Aa", "xfd", "A1", "1", "AAAA", "XFE", "ZZZ", "Ａ", "À", " A", "A "]
    for size in (1, 2, 3):
        names += ["".join(p) for p in itertools.product(string.ascii_uppercase, repeat=size)]
    for name in names:
        assert sx._column(name) == sx._column_number(name) == table.get(name), name
        if name and len(name) <= 3 and all(ch in string.ascii_uppercase for ch in name):
            expected = (table[name], name) if name in table else (0, "")
            assert sx._column_bytes(name.encode()) == expected, name
