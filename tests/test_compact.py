"""What a reader hands the parent: the tables as compact typed columns, which read as the lists
they replace and store the same rows."""

from __future__ import annotations

import pickle
import sqlite3
from pathlib import Path

import pytest

from xltrack import contract as c
from xltrack import store
from xltrack.reader import Numbers, read_submission
from xltrack.settings import Register
from xltrack.validate import check_file
from xltrack.workers import examine

from .conftest import Fill, cost_row


def test_numbers_read_as_the_list_they_replace() -> None:
    values = [1.5, None, -0.0, 1e300, 0.1 + 0.2]
    numbers = Numbers.of(values)
    assert numbers is not None
    assert numbers == values and list(numbers) == values and len(numbers) == 5
    assert [numbers[i] for i in range(5)] == values and numbers[-1] == 0.1 + 0.2
    assert numbers[1:3] == [None, -0.0]
    assert pickle.loads(pickle.dumps(numbers)) == values
    assert len(pickle.dumps(Numbers.of([1234.56] * 1000))) < 9_000  # 8 bytes a value
    numbers[0], numbers[1] = None, float("inf")
    assert numbers[:2] == [None, float("inf")]
    with pytest.raises(TypeError):
        numbers[2] = "1"
    with pytest.raises(TypeError):
        numbers[2] = float("nan")


def test_only_floats_and_blanks_are_compacted() -> None:
    assert Numbers.of([2026, None]) is None  # a year stays an int
    assert Numbers.of([True, 1.0]) is None
    assert Numbers.of(["1.0"]) is None
    assert Numbers.of([float("nan")]) is None  # NaN stands for a blank: never a value


def test_examined_tables_are_compact_and_store_as_read(fill: Fill, register: Register,
                                                       tmp_path: Path) -> None:
    path = fill(c.Kind.MONTHLY, {"ActualCost": [cost_row(amount=1234.5),
                                                cost_row(code="0102", amount="0.1")]})
    read = check_file(read_submission(path), register, "2026-10")
    examined = examine(path, (register, "2026-10"))
    assert examined.findings == read.findings and not read.has_errors
    table = examined.tables["ActualCost"]
    assert isinstance(table.columns["amount"], Numbers)
    assert table.columns["amount"] == read.tables["ActualCost"].columns["amount"] == [1234.5,
                                                                                       0.1]
    back = pickle.loads(pickle.dumps(examined))  # as the parent receives it
    rows = {}
    for name, sub in (("read", read), ("examined", back)):
        with store.open_store(tmp_path / f"{name}.sqlite") as conn:
            store.import_submissions(conn, [sub], "2026-11-01T00:00:00")
        with sqlite3.connect(tmp_path / f"{name}.sqlite") as db:
            rows[name] = (db.execute("SELECT tbl, excel_row, project, data FROM records"
                                     " ORDER BY 1, 2").fetchall(),
                          db.execute("SELECT tbl, project, item, excel_row, month, letters,"
                                     " amount FROM amounts ORDER BY 1, 4").fetchall())
    assert rows["read"] == rows["examined"] and rows["read"][1]
