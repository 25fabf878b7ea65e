"""The demo month: realistic, complete, and validation finds its deliberate faults only."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from xltrack.demo import demo_register
from xltrack.inbox import check_files
from xltrack.models import Severity
from xltrack.reader import ROW
from xltrack.settings import load_register


def test_demo_register_shape() -> None:
    register = demo_register()
    assert [s.code for s in register.segments] == ["RE", "INF", "TRD"]
    assert [s.major_threshold for s in register.segments] == [20_000_000, 10_000_000, 5_000_000]
    assert len(register.subsidiaries) == 12
    assert len(register.projects) == 40
    major = [p for p in register.projects if register.is_major(p)]
    assert 20 < len(major) < 40  # some small projects are not tracked …
    designated = [p for p in register.projects if p.board_designated]
    assert designated and all(register.is_major(p) for p in designated)  # … unless designated
    assert not register.is_major(designated[0].model_copy(update={"board_designated": False}))


def test_demo_month_has_every_kind_and_story(demo: Path) -> None:
    manifest = json.loads((demo / "expected.json").read_text(encoding="utf-8"))
    kinds = Counter(f["kind"] for f in manifest["files"])
    assert kinds == {"plan": 12, "budget": 13, "forecast": 12, "monthly": 121}
    assert [f["subsidiary"] for f in manifest["files"] if f["late"]] == ["TRD02"]
    assert any(f["revision"] == 2 for f in manifest["files"])
    assert load_register(demo / "register.json") == demo_register()


def test_validation_finds_exactly_the_deliberate_faults(demo: Path) -> None:
    manifest = json.loads((demo / "expected.json").read_text(encoding="utf-8"))
    result = check_files([demo / "inbox"], load_register(demo / "register.json"), "2026-10",
                         feedback_dir=demo / "feedback")
    assert len(result.submissions) == len(manifest["files"])
    found = []
    for sub in result.submissions:
        for f in sub.findings:
            assert f.severity is Severity.ERROR, f
            table = next(t for t in sub.tables.values() if t.sheet == f.sheet)
            row = table.frame.index[table.frame[ROW] == int(f.cell[1:])][0]
            found.append({"file": str(sub.path.relative_to(demo)), "reason": f.reason.value,
                          "table": table.spec.name, "row": int(row), "key": f.key})
            assert f.cell == table.cell(f.key, int(table.frame[ROW][row]))
    assert sorted(found, key=str) == sorted(manifest["faults"], key=str)
    assert [p.name for p in result.feedback] == ["INF03-monthly-2026-10-feedback.xlsx"]


def test_text_amounts_are_understood_exactly(demo: Path) -> None:
    """RE05 types its amounts as text with thousands separators; they read as numbers."""
    from xltrack.reader import read_submission

    sub = read_submission(demo / "inbox" / "2026-10" / "RE05-monthly-2026-10.xlsx")
    amounts = sub.tables["ActualCost"].frame["amount"]
    assert amounts.dtype == "float64" and amounts.notna().all() and (amounts > 0).all()
