"""Mutation fuzzing: valid templates with bytes changed inside their XML parts and zip entries.

Every mutant goes through intake, reading (in isolated workers) and validation. The parent
must survive, and every result must be either accepted with well-formed tables or carry a
finding that explains it. `make fuzz` runs many more (XLTRACK_FUZZ_EXAMPLES) and writes the
counts for the reliability page (XLTRACK_FUZZ_REPORT).
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

EXAMPLES = int(os.environ.get("XLTRACK_FUZZ_EXAMPLES", "25"))
OUTCOMES: Counter[str] = Counter()


@pytest.fixture(scope="module", autouse=True)
def _report() -> Iterator[None]:
    yield
    target = os.environ.get("XLTRACK_FUZZ_REPORT")
    if target:
        Path(target).write_text(json.dumps({"mutants": sum(OUTCOMES.values()),
                                            "outcomes": dict(OUTCOMES.most_common())},
                                           indent=2))


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
    [sub] = validate_all(examine_all([path], Isolation(workers=1, timeout_s=30)), register,
                         "2026-10")
    if sub.has_errors:
        first = next(f for f in sub.findings if f.severity.value == "error")
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
