"""read_package keeps the trees of small package parts it parsed, by their bytes, for the next
file (package._PARSED): a file read after others gives the package it gives read alone."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from xltrack import contract as c
from xltrack import package
from xltrack.package import Package, read_package

from .conftest import Fill, cost_row


def _package(path: Path) -> Package:
    with zipfile.ZipFile(io.BytesIO(path.read_bytes())) as zf:
        return read_package(zf)


def test_a_package_read_after_others_is_the_package_read_alone(fill: Fill) -> None:
    budget = {"project_id": "RE01-P01", "cost_code": "0101", "year": 2026, "m01": 1.0}
    files = [fill(c.PACK, {"ActualCost": [cost_row()] * n, "Budget": [budget] * (4 - n)},
                  name=f"f{n}.xlsx") for n in (1, 2, 3)]
    files.append(fill(c.Kind.MONTHLY, {"ActualCost": [cost_row()]}, name="monthly.xlsx",
                      lang="en"))
    alone = []
    for path in files:
        package._PARSED.clear()
        alone.append(_package(path))
    package._PARSED.clear()
    for _ in range(2):  # cold, then every part already parsed
        assert [_package(path) for path in files] == alone
        assert package._PARSED
    assert len({str(p.tables) for p in alone}) > 1  # the files' tables differ


def test_only_small_parts_are_kept(tmp_path: Path) -> None:
    package._PARSED.clear()
    small = b'<?xml version="1.0"?><a x="1"/>'
    large = b'<?xml version="1.0"?><a>' + b"<b/>" * (package._PARSED_BYTES // 4) + b"</a>"
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr("small.xml", small)
        zf.writestr("large.xml", large)
    with zipfile.ZipFile(out) as zf:
        first = package._xml(zf, "small.xml")
        assert package._xml(zf, "small.xml") is first
        assert package._xml(zf, "large.xml") is not package._xml(zf, "large.xml")
    assert list(package._PARSED) == [small]
