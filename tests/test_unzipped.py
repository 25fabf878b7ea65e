"""intake.unzipped inflates a member from the file's bytes at once: the same bytes as
zipfile's read (the reference), or, for a member zipfile would refuse or read otherwise, what
zipfile does (it is left to it)."""

from __future__ import annotations

import copy
import io
import struct
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from xltrack import contract as c
from xltrack.intake import unzipped

from .conftest import Fill, cost_row

TEMPLATES = sorted((Path(__file__).parent.parent / "workbooks" / "templates").glob("*.xlsx"))


def _read_both(data: bytes) -> None:
    """Every member, read by zipfile and by unzipped: the same bytes, or the same error."""
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        for info in zf.infolist():
            try:
                want: bytes | str = zf.read(info)
            except Exception as exc:  # noqa: BLE001 - the error is what is compared
                want = f"{type(exc).__name__}: {exc}"
            try:
                got: bytes | str = unzipped(zf, data, info)
            except Exception as exc:  # noqa: BLE001
                got = f"{type(exc).__name__}: {exc}"
            assert got == want, info.filename


@pytest.mark.parametrize("path", TEMPLATES, ids=[p.name for p in TEMPLATES])
def test_the_templates_unzip_the_same(path: Path) -> None:
    _read_both(path.read_bytes())


def test_a_filled_file_unzips_the_same(fill: Fill) -> None:
    _read_both(fill(c.PACK, {"ActualCost": [cost_row(amount=1.5)]}).read_bytes())


def _members(data: bytes) -> list[zipfile.ZipInfo]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return zf.infolist()


def _written(method: int, text: bytes = b"<a>" + b"x" * 5000 + b"</a>") -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", method) as zf:
        zf.writestr("xl/worksheets/sheet1.xml", text)
        zf.writestr("名前/ü.xml", text[:100])  # a UTF-8 name
    return out.getvalue()


def _damaged(data: bytes, at: Callable[[zipfile.ZipInfo], int], new: bytes) -> bytes:
    info = _members(data)[0]
    where = at(info)
    return data[:where] + new + data[where + len(new):]


def _central(data: bytes, offset: int, new: bytes) -> bytes:
    """`data` with the first member's central directory entry changed at `offset`."""
    where = data.index(b"PK\x01\x02") + offset
    return data[:where] + new + data[where + len(new):]


_DAMAGE: dict[str, Callable[[bytes], bytes]] = {
    "local-crc": lambda d: _damaged(d, lambda i: i.header_offset + 14, b"\x00\x00\x00\x00"),
    "crc": lambda d: _central(d, 16, b"\x00\x00\x00\x00"),
    "size": lambda d: _central(d, 24, struct.pack("<I", 4000)),
    "compressed-size": lambda d: _central(d, 20, struct.pack("<I", 30)),
    "method": lambda d: _central(d, 10, struct.pack("<H", 12)),
    "magic": lambda d: _damaged(d, lambda i: i.header_offset, b"PK\x05\x06"),
    "name": lambda d: _damaged(d, lambda i: i.header_offset + 30, b"y"),
    "body": lambda d: _damaged(d, lambda i: i.header_offset + 30 + len(i.filename) + 5,
                               b"\xff\xff\xff\xff"),
    "encrypted": lambda d: _damaged(d, lambda i: i.header_offset + 6, b"\x01\x00"),
    "truncated": lambda d: d[:_members(d)[0].header_offset + 60] + d[
        _members(d)[0].header_offset + 60 + 40:],
    "extra": lambda d: _damaged(d, lambda i: i.header_offset + 28, struct.pack("<H", 3)),
}


@pytest.mark.parametrize("method", [zipfile.ZIP_DEFLATED, zipfile.ZIP_STORED],
                         ids=["deflated", "stored"])
@pytest.mark.parametrize("damage", [None, *_DAMAGE], ids=["whole", *_DAMAGE])
def test_a_damaged_member_reads_as_zipfile_reads_it(method: int, damage: str | None) -> None:
    data = _written(method)
    if damage is not None:
        data = _DAMAGE[damage](data)
    try:
        _members(data)
    except zipfile.BadZipFile:
        pytest.skip("the directory itself is gone: intake refuses the file before")
    _read_both(data)


def test_a_member_that_inflates_beyond_its_size_is_left_to_zipfile() -> None:
    """A directory that says a member is smaller than it inflates to (a bomb's trick):
    unzipped inflates no more than the size said, and zipfile decides."""
    data = _written(zipfile.ZIP_DEFLATED)
    info = _members(data)[0]
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        small = copy.copy(info)
        small.file_size = 10
        try:
            want: bytes | str = zf.read(small)
        except zipfile.BadZipFile as exc:
            want = str(exc)
        try:
            got: bytes | str = unzipped(zf, data, small)
        except zipfile.BadZipFile as exc:
            got = str(exc)
    assert got == want


def test_a_plain_member_is_inflated_without_zipfile() -> None:
    data = _written(zipfile.ZIP_DEFLATED)
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        infos = zf.infolist()
        want = [zf.read(info) for info in infos]

        def refused(*args: object) -> bytes:
            raise AssertionError("left to zipfile")

        zf.read = refused  # type: ignore[method-assign]
        assert [unzipped(zf, data, info) for info in infos] == want
