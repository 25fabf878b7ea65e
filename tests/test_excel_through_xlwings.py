"""Every button's entry point run through xlwings' own Book, Range and converters, on the
in-memory engine (tests/xlwings_memory_engine.py) over the built control workbook — and the
same commands through the file port, which must leave the same result sheets, cell for cell."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import warnings
from pathlib import Path
from typing import Any

import pytest
import xlwings as xw
from openpyxl import load_workbook

from tests import xlwings_memory_engine as memory
from xltrack.action_book import write_table
from xltrack.actions import ActionItem
from xltrack.control import PRODUCTS, RESULTS, load_control
from xltrack.errors import RegisterError
from xltrack.excel import entry
from xltrack.excel.build import build_workbook
from xltrack.excel.port import FilePort, XlwingsPort
from xltrack.settings import load_register
from xltrack.variance import default_rules

ENTRY_POINTS = ["validate_inbox", "run_month", "open_report", "special_reports",
                "key_work_follow_ups", "generate_templates", "check_settings",
                "issue_templates", "chase"]


@pytest.fixture(scope="module")
def built(demo: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("built")
    settings = {"period": "2026-10", "inbox": str(demo / "inbox"), "output": "out",
                "database": "history.sqlite"}
    return build_workbook(folder / "xltrack.xlsm", load_register(demo / "register.json"),
                          default_rules(), settings)


def _copy(built: Path, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    return Path(shutil.copyfile(built, folder / built.name))


def _caller(path: Path) -> Any:
    """What RunPython hands Python: the calling workbook, found by xw.Book.caller()."""
    book = xw.Book(str(path))
    book.set_mock_caller()
    return book


def _press(name: str, path: Path) -> list[tuple[str, str | None]]:
    """Press a button: the entry point with no port, as RunPython calls it."""
    book = _caller(path)
    before = len(book.app.impl.alerts)
    getattr(entry, name)()
    alerts: list[tuple[str, str | None]] = book.app.impl.alerts[before:]
    return alerts


def test_every_entry_point_is_pressed_here() -> None:
    assert sorted(ENTRY_POINTS) == sorted(entry.__all__)


def test_the_one_column_products_table_reads_its_key(built: Path, excel: memory.App) -> None:
    """The failure in Excel: xlwings squeezes a one-cell key row to a scalar, so 'code' became
    ['c', 'o', 'd', 'e'] and every button said the Products column was missing."""
    port = XlwingsPort(xw.Book(str(built)))
    products = port.read_table(PRODUCTS.sheet, PRODUCTS.name)
    assert products is not None and products.keys == ["code"]
    assert products.rows[0] == ["住宅"] and all(len(r) == 1 for r in products.rows)
    settings = load_control(port)
    assert settings.register.products == load_control(FilePort(built)).register.products


def test_check_settings_through_xlwings(built: Path, excel: memory.App) -> None:
    alerts = _press("check_settings", built)
    assert alerts == [("设置无误 Settings are valid: 3 segments, 12 subsidiaries, 40 projects "
                       "(29 major), 23 rules.", "xltrack")]
    # the box docs/excel.md's checklist quotes
    doc = " ".join((Path(__file__).resolve().parents[1] / "docs" / "excel.md")
                   .read_text(encoding="utf-8").split())
    assert f'the box says "{alerts[0][0]}"' in doc
    assert excel.status_history[0] == "xltrack…" and excel.status_history[-1] is False


def test_both_ports_read_the_same_settings(built: Path, excel: memory.App) -> None:
    through_excel = load_control(XlwingsPort(xw.Book(str(built))))
    on_disk = load_control(FilePort(built))
    assert through_excel.register == on_disk.register
    assert through_excel.rules == on_disk.rules
    assert through_excel.values == on_disk.values


def _result_cells(sheet: memory.Sheet, width: int) -> dict[tuple[int, int], Any]:
    return {k: v for k, v in sheet.cells_by_position.items() if k[1] <= width}


def _file_cells(path: Path, name: str, width: int) -> dict[tuple[int, int], Any]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ws = load_workbook(path)[name]
    return {(c.row, c.column): memory._excel_value(c.value) for row in ws.iter_rows()
            for c in row if c.value is not None and c.column <= width}


def _same_folder(cells: dict[tuple[int, int], Any], folder: Path) -> dict[tuple[int, int], Any]:
    """Paths name each run's own folder; the run's minute is the clock's, not the ports'."""
    out = {k: v.replace(str(folder), "<folder>") if isinstance(v, str) else v
           for k, v in cells.items()}
    return {k: v for k, v in out.items()
            if not (k[1] == 2 and out.get((k[0], 1)) == "运行时间 Run at")}


def test_every_entry_point_gives_the_same_sheets_through_both_ports(
        built: Path, tmp_path: Path, excel: memory.App) -> None:
    on_disk, in_excel = _copy(built, tmp_path / "file"), _copy(built, tmp_path / "excel")
    today = dt.date.today()
    for folder in (on_disk.parent, in_excel.parent):
        write_table(folder / "key-work.xlsx", [ActionItem(
            id="KW-001", source="instruction", reference="", source_date=today,
            project="RE01-P01", content="=1+1 复核", department="工程部", person="李",
            original_deadline=today, deadline=today - dt.timedelta(days=3))], today)
    file_port = FilePort(on_disk)
    shown = []
    for name in ENTRY_POINTS:
        getattr(entry, name)(file_port)
        shown.append(_press(name, in_excel))
    book = xw.Book(str(in_excel)).impl
    for result in RESULTS.values():
        sheet = book.sheets(result.sheet)
        width = len(result.columns)
        ours = _same_folder(_result_cells(sheet, width), in_excel.parent)
        theirs = _same_folder(_file_cells(on_disk, result.sheet, width), on_disk.parent)
        assert ours == theirs, result.sheet
        assert len(ours) > width, f"{result.sheet}: nothing was written"
        assert sheet.formulas == {}, f"{result.sheet}: text became a formula"
    messages = [m.replace(str(on_disk.parent), "<folder>") for m in file_port.messages]
    said = [text.replace(str(in_excel.parent), "<folder>") for alerts in shown
            for text, _ in alerts]
    assert said == [m.removeprefix("xltrack: ") for m in messages]
    assert not any(m.startswith(("内部", "设置有", "未完成")) for m in said), said
    opened = [b.fullname for b in excel.books]
    assert str(in_excel.parent / "out" / "重大项目监控报告-2026-10.xlsx") in opened


def test_a_one_row_table_and_typed_cells_read_as_on_disk(built: Path, tmp_path: Path,
                                                         excel: memory.App) -> None:
    """A table with one data row is a single row to xlwings (squeezed to a flat list); a
    code typed as a number reads 1001.0; an empty cell is None; dates come as datetimes."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        book = load_workbook(built)
    ws = book[PRODUCTS.sheet]
    ws.tables[PRODUCTS.name].ref = "A3:A4"
    for row in range(5, ws.max_row + 1):
        ws.cell(row, 1).value = None
    ws["A4"] = 1001
    path = tmp_path / "one-row.xlsx"
    book.save(path)
    port = XlwingsPort(xw.Book(str(path)))
    products = port.read_table(PRODUCTS.sheet, PRODUCTS.name)
    assert products is not None and products.rows == [[1001.0]]
    assert load_control(port).register.products == ["1001"]
    assert load_control(port) == load_control(FilePort(path))


def test_the_engine_answers_as_excel_com_does(built: Path, tmp_path: Path,
                                              excel: memory.App) -> None:
    """The engine's own rules (xlwings' converters do the rest): one cell is a scalar, more
    are row tuples, numbers are floats; typed input as Excel takes it. xlwings then squeezes."""
    book = xw.Book(str(built))
    sheet = book.sheets[PRODUCTS.sheet]
    assert sheet.range("A2").raw_value == "code"
    assert sheet.range("A2:A3").raw_value == (("code",), ("产品 Product",))
    assert sheet.range("A2").value == "code"  # xlwings' squeeze, on our raw values
    assert sheet.range("A4:A5").value == ["住宅", "商铺"]
    assert sheet.range("A2").options(ndim=2).value == [["code"]]
    projects = book.sheets["项目档案 Projects"]
    assert isinstance(projects.range("D4").raw_value, float)
    assert isinstance(projects.range("F4").value, dt.datetime)
    assert projects.range("F4").options(dates=dt.date).value == dt.date(2026, 1, 1)
    assert projects.range("D4").options(numbers=int).value == 213010000
    assert projects.range("Z4").value is None and projects.range("Z4:Z5").value == [None, None]
    summary = book.sheets[RESULTS["summary"].sheet]
    summary.range("A2").value = [["'=1+1", "=1+1", "2026-10", "42"]]
    summary.range("E2").value = "42"
    # A to C are formatted as text ("@"), D and E are General: Excel makes "42" a number there
    assert summary.range("A2:E2").value == ["=1+1", None, "2026-10", 42.0, 42.0]
    assert summary.impl.formulas == {(2, 2): "=1+1"}  # what Excel does with text led by "="
    assert summary.used_range.last_cell.row == 2
    summary.range("A2:E2").clear_contents()
    assert summary.range("A2:E2").value == [None] * 5
    table = sheet.tables[PRODUCTS.name]
    assert table.header_row_range.address == "$A$3"
    assert table.data_body_range.address == "$A$4:$A$9"
    assert table.header_row_range.offset(-1, 0).value == "code"
    assert table.data_body_range.resize(2).value == ["住宅", "商铺"]
    with pytest.raises(ValueError):
        sheet.range("A1").offset(-1, 0)  # Excel has no row 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        defined = load_workbook(built).defined_names
    assert [n.name for n in book.names] == list(defined)


def test_what_a_person_types_in_excel_reads_as_meant(built: Path, tmp_path: Path,
                                                     excel: memory.App) -> None:
    """Typed through xlwings into the live workbook: a month Excel turned into a date, a whole
    number of workers, a product code typed as a number, an emptied optional cell."""
    path = _copy(built, tmp_path / "typed")
    book = xw.Book(str(path))
    control = book.sheets["控制台 Control"]
    assert control.range("A4").value == "period" and control.range("A9").value == "workers"
    control.range("B4").value = dt.datetime(2026, 9, 1)
    control.range("B9").value = 2
    book.sheets[PRODUCTS.sheet].range("A4").value = 1001
    book.sheets["差异规则 Rules"].range("C4").value = None
    settings = load_control(XlwingsPort(book))
    assert settings.period() == "2026-09" and settings.values["workers"] == "2"
    assert settings.register.products[0] == "1001"
    assert settings.rules == load_control(FilePort(built)).rules  # a blank is the default


def test_a_date_where_text_belongs_is_named_by_its_cell(built: Path, tmp_path: Path,
                                                        excel: memory.App) -> None:
    book = xw.Book(str(_copy(built, tmp_path / "date")))
    book.sheets["子公司 Subsidiaries"].range("B4").value = dt.datetime(2026, 10, 1)
    with pytest.raises(RegisterError) as caught:
        load_control(XlwingsPort(book))
    assert any(p.startswith("子公司 Subsidiaries!B4 (name)") for p in caught.value.problems), \
        caught.value.problems


def test_the_month_button_writes_what_xltrack_run_writes(
        demo: Path, tmp_path: Path) -> None:
    """The Run month button and `xltrack run --control` write the month alike (monthly.
    write_month): the report in the control workbook's language, the overview listing the
    key-work items past their deadline. The button wrote a Chinese report under an English
    name and left the overdue items out of the overview before."""
    from docx import Document

    from xltrack.cli import cli

    settings = {"period": "2026-10", "inbox": str(demo / "inbox"), "output": "out",
                "database": "history.sqlite", "language": "en", "timezone": "Asia/Shanghai"}
    runs = {}
    for door in ("button", "cli"):
        folder = tmp_path / door
        folder.mkdir()
        control = build_workbook(folder / "xltrack.xlsm", load_register(demo / "register.json"),
                                 default_rules(), settings)
        today = dt.date.today()
        write_table(folder / "key-work.xlsx", [ActionItem(
            id="KW-009", source="instruction", reference="", source_date=today,
            project="RE01-P01", content="复核造价 review the costs", department="工程部",
            person="李", original_deadline=today, deadline=today - dt.timedelta(days=3))],
            today)
        if door == "button":
            entry.run_month(FilePort(control))
        else:
            from click.testing import CliRunner

            done = CliRunner().invoke(cli, [
                "run", "--period", "2026-10", "--control", str(control), "--inbox",
                str(demo / "inbox"), "--db", str(folder / "history.sqlite"),
                "--out", str(folder / "out"), "--actions", str(folder / "key-work.xlsx")])
            assert done.exit_code in (0, 1), done.output
        report = load_workbook(folder / "out" / "major-project-monitoring-2026-10.xlsx")
        overview = Document(str(folder / "out" / "special" / "monthly-overview-2026-10.docx"))
        cells = [c.value for sheet in report.worksheets for row in sheet.iter_rows(max_row=8)
                 for c in row]
        runs[door] = (cells, [p.text for p in overview.paragraphs])
    (button_cells, button_text), (cli_cells, cli_text) = runs["button"], runs["cli"]
    assert button_text == cli_text
    assert any("KW-009" in line for line in button_text), button_text
    assert not any("无逾期事项" in line for line in button_text)
    shown = [v for v in button_cells if isinstance(v, str) and "(UTC" in v]
    assert shown and all("(UTC+08:00)" in v for v in shown), shown  # the control's zone
    assert _timeless(button_cells) == _timeless(cli_cells)
    assert "Infrastructure" in button_cells  # the segment as named in English


def _timeless(values: list[Any]) -> list[Any]:
    """Cells with the moment a run wrote them (a time of day, with or without seconds) masked:
    two runs differ there, by a minute when they straddle one."""
    return ["<time>" if isinstance(v, str) and re.search(r"\d\d:\d\d", v) else v
            for v in values]
