"""The reports' rows taken by cells.records are those of DataFrame.to_dict("records") (the way
before issue 22): the same dicts of the same Python types, on every frame of the demo month's
report and on awkward ones; and every file of the month, part by part, is the one written with
to_dict("records"). A float's NaN found as value != value writes what pd.isna wrote; a column
is as wide as the first 200 of its values, taken without a list of all."""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from xltrack.monthly import MonthResult, write_special_reports
from xltrack.report import monitoring, report_data, special, written
from xltrack.report.cells import column_width, records, text_width
from xltrack.report.publish import publish_report
from xltrack.report.report_data import build_report_data


def _to_dict(frame: pd.DataFrame) -> list[dict[Any, Any]]:
    return frame.to_dict("records")


def _typed(rows: list[dict[Any, Any]]) -> list[list[tuple[Any, type, str]]]:
    """Each value with its type, NaN and NaT compared by their text."""
    return [[(k, type(v), repr(v)) for k, v in row.items()] for row in rows]


def _same(frame: pd.DataFrame) -> None:
    assert _typed(records(frame)) == _typed(_to_dict(frame))


def test_awkward_columns_give_to_dicts_values() -> None:
    frame = pd.DataFrame({
        "int": [1, 2, 3], "float": [1.5, float("nan"), -0.0], "bool": [True, False, True],
        "object": pd.Series([np.int64(3), "x", None], dtype=object),
        "numpy floats": pd.Series([np.float64(1.5), np.float32(2), np.nan], dtype=object),
        "numpy bools": pd.Series([np.bool_(True), None, "y"], dtype=object),
        "string": pd.array(["x", None, "z"], dtype="string[python]"),
        "str": pd.array(["x", None, "=1+2"], dtype="str"),
        "datetime": pd.to_datetime(["2026-01-01", None, "2026-03-31"]),
        "zoned": pd.to_datetime(["2026-01-01", None, "2026-03-31"]).tz_localize("UTC"),
        "date": [dt.date(2026, 1, 1), None, dt.date(2026, 2, 1)],
        "numpy dates": pd.Series([np.datetime64("2026-01-01"), None, 1], dtype=object),
        "category": pd.Categorical(["u", "v", None]), "Int64": pd.array([1, None, 3], "Int64"),
        "boolean": pd.array([True, None, False], dtype="boolean"),
        "timedelta": pd.to_timedelta([1, None, 3], unit="D")}, index=[5, 3, 9])
    _same(frame)
    _same(frame.iloc[:0])
    _same(frame.iloc[[2, 0]])
    _same(pd.DataFrame(index=[1, 2]))  # no columns: an empty dict per row
    _same(pd.DataFrame())


def test_a_pandas_without_its_boxing_function_gets_to_dict(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from xltrack.report import cells

    monkeypatch.setattr(cells, "maybe_box_native", None)  # what the import gives then
    frame = pd.DataFrame({"object": pd.Series([np.int64(3), "x", None], dtype=object),
                          "float": [1.5, 2.0, -0.0]}, index=[5, 3, 9])
    assert cells.records(frame) == frame.to_dict("records")
    assert cells.records(pd.DataFrame(index=[1, 2])) == [{}, {}]


def test_every_frame_of_the_demo_months_report(demo_month: MonthResult) -> None:
    data = build_report_data(demo_month, dt.datetime(2026, 11, 3, tzinfo=dt.UTC), None, "zh",
                             dt.UTC)
    frames = [v for v in vars(data).values() if isinstance(v, pd.DataFrame)]
    frames += [card.curve for card in data.cards]
    frames += [demo_month.variances, demo_month.earned_value, demo_month.history,
               demo_month.consolidation.projects, demo_month.consolidation.milestones,
               demo_month.status, demo_month.submissions]
    assert len(frames) > 10
    for frame in frames:
        _same(frame)


def _parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as package:  # the core properties carry the time of writing
        return {n: package.read(n) for n in package.namelist() if n != "docProps/core.xml"}


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_months_files_are_those_of_to_dict(demo_month: MonthResult, tmp_path: Path,
                                               lang: str) -> None:
    run_time = dt.datetime(2026, 11, 3, 9, 0, tzinfo=dt.UTC)

    def month(out: Path) -> list[Path]:
        report = out / "report.xlsx"
        publish_report(demo_month, report, run_time, lang=lang, zone=dt.UTC)
        return [*write_special_reports(demo_month, out / "special", lang), report]
    fast = month(tmp_path / "fast")
    with pytest.MonkeyPatch.context() as patch:
        for module in (monitoring, report_data, special, written):
            patch.setattr(module, "records", _to_dict)
        before = month(tmp_path / "before")
    assert [p.name for p in fast] == [p.name for p in before]
    assert sum(p.suffix == ".xlsx" for p in fast) >= 3
    for mine, theirs in zip(fast, before, strict=True):
        assert _parts(mine) == _parts(theirs), mine.name


def _write_with_isna(ws: Any, row: int, col: int, value: Any, fmt: Any) -> None:
    """monitoring._write before the fifth round: a float's NaN found by pd.isna."""
    if value is None or value == "" or (isinstance(value, float) and pd.isna(value)) \
            or value is pd.NaT:
        ws.write_blank(row, col, None, fmt)
    elif isinstance(value, bool):
        ws.write_string(row, col, "是 Y" if value else "否 N", fmt)
    elif isinstance(value, int | float):
        ws.write_number(row, col, value, fmt)
    elif isinstance(value, dt.date):
        ws.write_datetime(row, col, dt.datetime.combine(value, dt.time()), fmt)
    else:
        ws.write_string(row, col, str(value), fmt)


class _Calls:
    """A worksheet that notes what it is asked to write."""

    def __init__(self) -> None:
        self.calls: list[tuple[Any, ...]] = []

    def __getattr__(self, name: str) -> Any:
        return lambda *args: self.calls.append((name, *map(repr, args)))


def test_write_writes_what_it_wrote_with_isna() -> None:
    values = [None, "", "x", "=1+2", float("nan"), np.float64("nan"), np.float32("nan"),
              float("inf"), -float("inf"), 0.0, -0.0, 1e300, 5, np.int64(5), True, False,
              np.bool_(True), pd.NaT, pd.Timestamp("2026-01-02"), dt.date(2026, 1, 2),
              dt.datetime(2026, 1, 2, 3, 4), np.datetime64("NaT"), np.float64(2.5)]
    mine, before = _Calls(), _Calls()
    for i, value in enumerate(values):
        monitoring._write(mine, i, 0, value, "fmt")
        _write_with_isna(before, i, 0, value, "fmt")
    assert mine.calls == before.calls


def test_the_report_is_the_one_written_with_isna(demo_month: MonthResult,
                                                  tmp_path: Path) -> None:
    run_time = dt.datetime(2026, 11, 3, 9, 0, tzinfo=dt.UTC)
    publish_report(demo_month, tmp_path / "fast.xlsx", run_time, zone=dt.UTC)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(monitoring, "_write", _write_with_isna)
        publish_report(demo_month, tmp_path / "before.xlsx", run_time, zone=dt.UTC)
    assert _parts(tmp_path / "fast.xlsx") == _parts(tmp_path / "before.xlsx")


def _column_width_of_a_list(header: str, values: Any, cap: float) -> float:
    """cells.column_width before the fifth round: the first 200 values of a list of all."""
    head = max((text_width(part) for part in header.split()), default=4)
    longest = max((text_width(str(v)) for v in list(values)[:200]
                   if v is not None and v == v), default=0)
    return float(min(max(head, longest, 6) + 2, cap))


@pytest.mark.parametrize("rows", [0, 1, 199, 200, 201, 1000])
def test_column_width_of_the_first_200_values(rows: int) -> None:
    """A wide value after the 200th counts no more than before; blanks and NaN none."""
    texts = [("宽" * (i % 37)) if i % 5 else None for i in range(rows)] + ["很" * 60]
    for values in (pd.Series(texts, dtype=object), pd.Series(texts, dtype="str"),
                   pd.Series([float(i) if i % 3 else float("nan") for i in range(rows)]),
                   texts, pd.Series(texts, dtype=object).iloc[::-1]):
        for header in ("名称 Name", "", "a very long header"):
            assert column_width(header, values, 40) == _column_width_of_a_list(header, values, 40)
