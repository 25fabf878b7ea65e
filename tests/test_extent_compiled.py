"""The compiled extent search (xltrack/_cells.c beyond_z99999) against intake's regular
expression, its reference: the same answer on every sheet of the corpus, the bench's packs'
kind of sheet, every spelling XML allows around r=, and random bytes of the characters that
matter."""

from __future__ import annotations

import sys
import zipfile
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from xltrack import intake

from .conftest import SHARED

CORPUS = SHARED / "corpus"


def _compiled() -> object:
    try:
        from xltrack._cells import beyond_z99999
    except ImportError:  # pragma: no cover - built wherever the suite runs
        return None
    return beyond_z99999


COMPILED = _compiled()


def test_the_compiled_search_is_built_and_used_where_the_suite_runs() -> None:
    if sys.platform.startswith("linux"):
        assert COMPILED is not None, "xltrack/_cells.c was not built: run make install"
        assert intake._beyond_z99999 is COMPILED


def _same(data: bytes) -> None:
    if COMPILED is None:
        pytest.skip("xltrack/_cells.c is not built here")
    assert COMPILED(data) == intake._beyond_in_python(data), data[:200]


@pytest.mark.parametrize("data", [
    b'<c r="A1"/>', b'<c r="Z99999"/>', b'<c r="AA1"/>', b'<c r="A100000"/>',
    b'<c r="100000"/>', b"<c r = 'XFD1048576'/>", b'<c\nr\t=\n"AB12"/>', b'<x:c r="ZZ9"/>',
    b'<c xr="AA1"/>', b'<c _r="AA1"/>', b'<c 9r="AA1"/>', b'r="AA1"', b'r', b'', b'r=',
    b'r="', b'r="A', b'r="AA', b'r="A12345', b'r="A123456', b'r="12345"', b'r=\'123456\'',
    b'<row r="100000">', b'<row r="99999">', b'r="AAA"1', b'r="aa1"', b'r=="AA1"',
    b'r = = "AA1"', b'r\x0b=\x0c"AA1"', b'r\xa0="AA1"', b'\xc3r="AA1"', b'r="\xc3A1"'])
def test_every_spelling_around_r(data: bytes) -> None:
    _same(data)


_BYTES = st.lists(st.sampled_from([b"r", b"=", b'"', b"'", b" ", b"\n", b"A", b"Z", b"a",
                                   b"1", b"9", b"0", b"_", b"x", b"<", b"\xc3", b"\t",
                                   b"123456", b'r="', b"AA"]), max_size=60).map(b"".join)


@settings(max_examples=5_000, deadline=None)
@given(_BYTES)
@example(b'r="A" r="AA1"')
def test_random_bytes_of_the_characters_that_matter(data: bytes) -> None:
    _same(data)


def test_every_sheet_of_the_corpus_and_the_templates() -> None:
    books = [*CORPUS.rglob("*.xlsx"), *CORPUS.rglob("*.xlsm"),
             *(Path(__file__).resolve().parents[1] / "workbooks").rglob("*.xlsx")]
    assert len(books) > 100
    seen = 0
    for book in books:
        try:
            with zipfile.ZipFile(book) as zf:
                parts = [zf.read(n) for n in zf.namelist()
                         if n.startswith("xl/worksheets/") and n.endswith(".xml")]
        except (zipfile.BadZipFile, OSError, NotImplementedError, RuntimeError):
            continue
        for part in parts:
            _same(part)
            seen += 1
    assert seen > 1_000
