"""A bad register is refused with every problem named."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from xltrack.demo import demo_register
from xltrack.errors import RegisterError
from xltrack.settings import load_register, save_register


def test_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "register.json"
    save_register(demo_register(), path)
    assert load_register(path) == demo_register()


def test_every_problem_is_named(tmp_path: Path) -> None:
    data = demo_register().model_dump(mode="json")
    data["segments"][0]["major_threshold"] = -1
    data["subsidiaries"][1]["segment"] = "MINING"
    data["projects"].append(dict(data["projects"][0]))
    data["projects"][-1]["subsidiary"] = "NOPE"
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(RegisterError) as error:
        load_register(path)
    text = str(error.value)
    assert "segments.0.major_threshold" in text and "-1" in text


def test_references_are_checked(tmp_path: Path) -> None:
    data = demo_register().model_dump(mode="json")
    data["subsidiaries"][1]["segment"] = "MINING"
    data["projects"].append(dict(data["projects"][0]))
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(RegisterError) as error:
        load_register(path)
    text = str(error.value)
    assert "'MINING'" in text and "appears twice" in text


@pytest.mark.parametrize(("content", "says"), [(None, "file not found"), ("{not json", "JSON")])
def test_unreadable_register(tmp_path: Path, content: str | None, says: str) -> None:
    path = tmp_path / "r.json"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(RegisterError, match=says):
        load_register(path)
