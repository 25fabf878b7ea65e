"""One submission workbook → typed tables, found through the `_xltrack` column map.

Values come from python-calamine; the places of tables and header fields come from the package
XML (package.py). Every value keeps its origin: a table's frame has the Excel row of each record
(`_row`) and `TableData.letters` gives each key's column, so a finding can name its cell.
Amounts are normalised to yuan here (xt_unit), once.
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import python_calamine
from openpyxl.utils.cell import column_index_from_string, coordinate_from_string, get_column_letter

from . import contract as c
from .models import Finding, Reason, Severity, shown
from .package import Package, PackageError, SheetMarks, read_package, sheet_marks
from .values import (
    UNTYPED,
    Refused,
    evaluate_arithmetic,
    is_blank,
    parse,
    parse_code,
    parse_number,
    parse_period,
    type_column,
)

ROW = "_row"  # the Excel row of each record, in every table


@dataclass
class TableData:
    spec: c.Table
    sheet: str
    letters: dict[str, str]  # column key -> column letter in this workbook
    # One list per key, typed and in yuan (None where blank or refused), plus ROW. Plain
    # lists, not a frame: a run reads thousands of small tables, and pandas' cost per table
    # would be most of the reading time.
    columns: dict[str, list[Any]]

    def cell(self, key: str, row: int) -> str:
        return f"{self.letters[key]}{row}"

    def __len__(self) -> int:
        return len(self.columns[ROW])

    def __getstate__(self) -> dict[str, Any]:
        # Readers send thousands of tables to the parent: the contract's table goes by name.
        return {**self.__dict__, "spec": self.spec.name}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state, spec=c.TABLES_BY_NAME[state["spec"]])

    @property
    def frame(self) -> pd.DataFrame:
        """The table as a DataFrame (numeric columns as float64, blanks as NaN)."""
        frame = pd.DataFrame(self.columns)
        for col in self.spec.columns:
            if col.type in _NUMERIC:
                frame[col.key] = frame[col.key].astype("float64")
        return frame


@dataclass
class Submission:
    path: Path
    sha256: str
    size: int
    contract_version: int | None = None
    kinds: tuple[c.Kind, ...] = ()
    header: dict[str, Any] = field(default_factory=dict)
    header_cells: dict[str, tuple[str, str]] = field(default_factory=dict)
    tables: dict[str, TableData] = field(default_factory=dict)
    hidden_sheets: list[str] = field(default_factory=list)
    hidden_rows: dict[str, frozenset[int]] = field(default_factory=dict)  # sheet -> rows
    findings: list[Finding] = field(default_factory=list)

    @property
    def file(self) -> str:
        return self.path.name

    @property
    def has_errors(self) -> bool:
        return any(f.severity is Severity.ERROR for f in self.findings)

    def add(self, severity: Severity, reason: Reason, zh: str, en: str, *, sheet: str = "",
            cell: str = "", key: str = "", value: object = "") -> None:
        self.findings.append(Finding(
            severity=severity, reason=reason, file=self.file, sheet=sheet, cell=cell, key=key,
            value="" if value == "" else shown(value), message_zh=zh, message_en=en))


def file_digest(path: Path) -> tuple[str, int]:
    """SHA-256 and size, read in chunks (the file may be too large to hold)."""
    digest, size = hashlib.sha256(), 0
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def read_submission(path: Path, data: bytes | None = None,
                    sheets: dict[str, bytes] | None = None) -> Submission:
    """Read one workbook. Problems become findings on the result; nothing is raised for them.

    Everything comes from one read of the file (`data`, or read here): the hash recorded is the
    hash of exactly what was parsed, even if someone saves over the file meanwhile. `sheets`
    are worksheet parts already unzipped from these bytes (by intake.check), by part name."""
    data = path.read_bytes() if data is None else data
    sub = Submission(path=path, sha256=hashlib.sha256(data).hexdigest(), size=len(data))
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            package = read_package(zf)
            book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
            try:
                _Reading(sub, zf, package, book, sheets or {}).run()
            finally:
                book.close()
    except PackageError as exc:
        sub.add(Severity.ERROR, Reason.WRONG_FORMAT if exc.wrong_format else Reason.READER_FAILED,
                exc.zh, exc.en)
    except (zipfile.BadZipFile, python_calamine.CalamineError, KeyError,
            ValueError, OSError) as exc:
        sub.add(Severity.ERROR, Reason.READER_FAILED, f"文件无法读取：{exc}",
                f"the file cannot be read: {exc}. Open it in Excel, save it as .xlsx and send "
                "it again")
    return sub


class _Reading:
    def __init__(self, sub: Submission, zf: zipfile.ZipFile, package: Package,
                 book: python_calamine.CalamineWorkbook, sheets: dict[str, bytes]) -> None:
        self.sub, self.zf, self.package, self.book = sub, zf, package, book
        self.sheets = sheets
        self._grids: dict[str, _Grid] = {}

    def grid(self, sheet: str) -> _Grid:
        if sheet not in self._grids:
            info = self.package.sheet(sheet)
            marks = (sheet_marks(self.zf, info.part, self.sheets.get(info.part))
                     if info and info.part in self.package.parts
                     else SheetMarks({}, frozenset()))
            self._grids[sheet] = _Grid(self.book.get_sheet_by_name(sheet), marks)
        return self._grids[sheet]

    def run(self) -> None:
        sub = self.sub
        if self.package.sheet(c.MAP_SHEET) is None or c.MAP_TABLE not in self.package.tables:
            sub.add(Severity.ERROR, Reason.NOT_A_TEMPLATE,
                    f"不是 xltrack 标准模板（缺少 {c.MAP_SHEET} 工作表）。"
                    "请使用运营管理部下发的模板填写",
                    f"not an xltrack template (no {c.MAP_SHEET} sheet with a {c.MAP_TABLE} "
                    "table). Fill the standard template sent by operations")
            return
        column_map = self._read_map()
        if column_map is None:
            return
        sub.hidden_sheets = [s.name for s in self.package.sheets
                             if s.state != "visible" and not s.name.startswith("_")]
        self._read_header()
        for spec in c.tables_of(sub.kinds):
            self._read_table(spec, column_map)

    def _read_map(self) -> dict[tuple[str, str], str] | None:
        sub, grid = self.sub, self.grid(c.MAP_SHEET)
        labels = {str(grid.value(r, 1)).strip(): grid.value(r, 2) for r in range(1, 5)}
        version = labels.get(c.MAP_VERSION_LABEL)
        try:
            sub.contract_version = int(float(str(version)))
        except ValueError:
            sub.contract_version = None
        if sub.contract_version not in c.SUPPORTED_VERSIONS:
            version = "(empty)" if is_blank(version) else parse_code(version)
            sub.add(Severity.ERROR, Reason.UNSUPPORTED_VERSION,
                    f"模板版本“{version}”不受支持，请使用最新模板（版本 {c.CONTRACT_VERSION}）",
                    f"template version {version!r} is not supported; use the current template "
                    f"(version {c.CONTRACT_VERSION})", sheet=c.MAP_SHEET, value=version)
            return None
        kinds = []
        for word in str(labels.get(c.MAP_KINDS_LABEL, "")).split(","):
            try:
                kinds.append(c.Kind(word.strip()))
            except ValueError:
                sub.add(Severity.ERROR, Reason.NOT_A_TEMPLATE, f"未知的模板类型“{word}”",
                        f"unknown template kind {word!r}", sheet=c.MAP_SHEET, value=word)
        sub.kinds = tuple(k for k in c.Kind if k in kinds)
        table = self.package.tables[c.MAP_TABLE]
        header = [str(grid.value(table.min_row, col)).strip()
                  for col in range(table.min_col, table.max_col + 1)]
        try:
            t_i, k_i, h_i = (header.index(name) for name in c.MAP_COLUMNS[:3])
        except ValueError:
            sub.add(Severity.ERROR, Reason.NOT_A_TEMPLATE, "列映射表不完整",
                    f"the {c.MAP_TABLE} table lacks one of {', '.join(c.MAP_COLUMNS[:3])}",
                    sheet=c.MAP_SHEET)
            return None
        # Version 2: a `reference` row names a column the template computes for the filler;
        # it is never read, so it cannot stand in for an input column either.
        role_i = header.index("role") if "role" in header else None
        column_map = {}
        for row in range(table.min_row + 1, table.max_row + 1):
            values = [grid.value(row, table.min_col + i) for i in (t_i, k_i, h_i)]
            if role_i is not None and str(grid.value(row, table.min_col + role_i)).strip() \
                    == c.Role.REFERENCE:
                continue
            if not is_blank(values[0]):
                column_map[(str(values[0]).strip(), str(values[1]).strip())] = str(values[2])
        return column_map

    def _read_header(self) -> None:
        sub = self.sub
        for f in c.header_fields_of(sub.kinds):
            place = self.package.names.get(f.name)
            if place is None:
                sub.add(Severity.ERROR, Reason.MISSING_HEADER,
                        f"缺少表头名称 {f.name}（{f.label_zh}），请使用标准模板",
                        f"the defined name {f.name} ({f.label_en}) is missing; use the "
                        "standard template", key=f.name)
                continue
            sub.header_cells[f.name] = place
            sheet, cell = place
            raw = self.grid(sheet).at(cell)
            if is_blank(raw):
                sub.header[f.name] = None
                continue
            try:
                if f.name == "xt_period":
                    sub.header[f.name] = parse_period(raw)
                else:
                    sub.header[f.name] = parse(f.type, raw, f.allowed, self.package.date1904)
            except Refused as r:
                sub.header[f.name] = None
                sub.add(Severity.ERROR, r.reason, f"{f.label_zh}：{r.zh}", f"{f.label_en}: {r.en}",
                        sheet=sheet, cell=cell, key=f.name, value=raw)

    def _read_table(self, spec: c.Table, column_map: dict[tuple[str, str], str]) -> None:
        sub = self.sub
        where = self.package.tables.get(spec.name)
        if where is None:
            sub.add(Severity.ERROR, Reason.MISSING_TABLE,
                    f"缺少数据表 {spec.name}（{spec.label_zh}），请勿删除或重命名表格",
                    f"the table {spec.name} ({spec.label_en}) is missing; do not delete or "
                    "rename the template's tables", key=spec.name)
            return
        grid = self.grid(where.sheet)
        if where.header_rows != 1:
            sub.add(Severity.ERROR, Reason.MISSING_COLUMN, f"表格 {spec.name} 缺少标题行",
                    f"the table {spec.name} has no header row; switch 'Header Row' back on",
                    sheet=where.sheet)
            return
        header_row = where.min_row
        positions: dict[str, int] = {}
        for col in range(where.min_col, where.max_col + 1):
            positions.setdefault(str(grid.value(header_row, col)).strip(), col)
        letters: dict[str, str] = {}
        for column in spec.columns:
            label = column_map.get((spec.name, column.key))
            if label is None or label.strip() not in positions:
                sub.add(Severity.ERROR, Reason.MISSING_COLUMN,
                        f"表格 {spec.name} 缺少列“{column.label_zh}”（{column.key}），请勿修改表头",
                        f"the table {spec.name} has no column {column.label_en!r} "
                        f"({column.key}); do not rename or delete the headers",
                        sheet=where.sheet, key=column.key)
                return
            letters[column.key] = get_column_letter(positions[label.strip()])
        last = where.max_row - where.totals_rows
        data = _TableReader(self, spec, where.sheet, letters, grid).columns(header_row + 1,
                                                                            last)
        sub.tables[spec.name] = TableData(spec, where.sheet, letters, data)
        if grid.marks.hidden_rows:
            sub.hidden_rows[where.sheet] = grid.marks.hidden_rows


class _Grid:
    """A sheet's values addressed by 1-based row and column, as calamine gives them."""

    def __init__(self, sheet: python_calamine.CalamineSheet, marks: SheetMarks) -> None:
        self.rows = sheet.to_python(skip_empty_area=True)
        self.row0, self.col0 = sheet.start or (0, 0)
        self.marks = marks
        # Error and formula cells as column letter -> row -> text, for reading column-wise.
        self.errors, self.formulas = _by_column(marks.errors), _by_column(marks.formulas)

    def value(self, row: int, col: int) -> Any:
        r, k = row - 1 - self.row0, col - 1 - self.col0
        if 0 <= r < len(self.rows) and 0 <= k < len(self.rows[r]):
            return self.rows[r][k]
        return ""

    def at(self, cell: str) -> Any:
        letters, row = coordinate_from_string(cell)
        return self.value(row, column_index_from_string(letters))


class _TableReader:
    """A table's rows typed column by column.

    A column of numbers is typed in one comprehension; only the cells that are not already of
    their column's type (text to parse, blanks, error and formula cells) take the slow path
    that may refuse them. Findings are then put in row order, as a person reads the sheet."""

    def __init__(self, reading: _Reading, spec: c.Table, sheet: str, letters: dict[str, str],
                 grid: _Grid) -> None:
        self.sub, self.spec, self.sheet, self.letters, self.grid = (
            reading.sub, spec, sheet, letters, grid)
        self.date1904 = reading.package.date1904
        self.factor = c.UNIT_FACTOR.get(str(self.sub.header.get("xt_unit")), 1)
        self.found: list[tuple[int, int, Finding]] = []  # (row, column, finding), sorted later

    def columns(self, first: int, last: int) -> dict[str, list[Any]]:
        spec, grid = self.spec, self.grid
        places = {k: column_index_from_string(v) - 1 - grid.col0 for k, v in self.letters.items()}
        inputs = [places[col.key] for col in spec.columns if not col.computed]
        errors = {k: grid.errors.get(letter, {}) for k, letter in self.letters.items()}
        formulas = {k: grid.formulas.get(letter, {}) for k, letter in self.letters.items()}
        error_rows = {row for cells in errors.values() for row in cells}
        grid_rows, row0 = grid.rows, grid.row0
        kept = []
        for row in range(first, last + 1):
            r = row - 1 - row0
            values = grid_rows[r] if 0 <= r < len(grid_rows) else ()
            # Entirely blank rows are ignored (TEMPLATES.md); a row with an error cell is not.
            if row in error_rows or _filled(values, inputs):
                kept.append((row, values))
        rows = [row for row, _ in kept]
        at = {row: j for j, row in enumerate(rows)}
        raw = {k: [values[i] if 0 <= i < len(values) else "" for _, values in kept]
               for k, i in places.items()}
        out: dict[str, list[Any]] = {}
        for position, col in enumerate(spec.columns):
            if col.computed:
                out[col.key] = [None] * len(rows)
                continue
            marked = {at[row]: ("error", text) for row, text in errors[col.key].items()
                      if row in at}
            for row, formula in formulas[col.key].items():
                if row in at and at[row] not in marked:
                    marked[at[row]] = ("formula", formula)
            out[col.key] = self._typed(position, col, raw[col.key], rows, marked)
        self._to_yuan(out)
        if "total" in self.letters:
            self._total(out, raw["total"], rows)
        out[ROW] = rows
        for _, _, finding in sorted(self.found, key=lambda found: found[:2]):
            self.sub.findings.append(finding)
        return {k: out[k] for k in [*spec.keys, ROW]}

    def _typed(self, position: int, col: c.Column, values: list[Any], rows: list[int],
               marked: dict[int, tuple[str, str]]) -> list[Any]:
        typed = type_column(col.type, values)
        for j, (what, text) in marked.items():
            if what == "error":
                self._refuse(rows[j], position, col, text, Reason.ERROR_VALUE,
                             f"单元格为错误值 {text}，请改正公式或直接填写数值",
                             f"the cell holds the error {text}; fix the formula or type the "
                             "value")
                typed[j] = None
                continue
            # A formula in an input cell: plain arithmetic is recomputed, anything else
            # refused. The value cached in the file is never used: a non-Excel writer caches
            # 0 or nothing, and an edited file may cache anything.
            value = evaluate_arithmetic(text)
            if value is None:
                self._refuse(rows[j], position, col, "=" + text, Reason.FORMULA,
                             f"单元格含公式“={text}”，无法核实其结果；请直接填写数值",
                             f"the cell holds the formula ={text}, whose result xltrack "
                             "cannot verify; type the value itself")
                typed[j] = None
            else:
                typed[j] = self._parse(rows[j], position, col, value)
        known: dict[Any, Any] = {}  # a choice column repeats few values: each parsed once
        for j, value in enumerate(typed):
            if value is UNTYPED and j not in marked:
                raw = values[j]
                if type(raw) is str and raw in known:
                    typed[j] = known[raw]
                    continue
                typed[j] = self._parse(rows[j], position, col, raw)
                if type(raw) is str and typed[j] is not None:
                    known[raw] = typed[j]
        return typed

    def _parse(self, row: int, position: int, col: c.Column, value: Any) -> Any:
        if is_blank(value):
            return None
        try:
            return parse(col.type, value, col.allowed, self.date1904)
        except Refused as r:
            self._refuse(row, position, col, value, r.reason, r.zh, r.en)
            return None

    def _to_yuan(self, out: dict[str, list[Any]]) -> None:
        if self.factor == 1:
            return
        factor = self.factor
        measures = out.get("measure")
        for col in self.spec.columns:
            if col.computed or col.type not in (c.ColumnType.MONEY, c.ColumnType.QUANTITY):
                continue
            values = out[col.key]
            if col.type is c.ColumnType.MONEY or measures is None:
                out[col.key] = [None if v is None else round(v * factor, 2) for v in values]
            else:  # a quantity is money only on an AMOUNT row
                out[col.key] = [round(v * factor, 2) if v is not None and m == c.MONEY_MEASURE
                                else v for v, m in zip(values, measures, strict=True)]

    def _total(self, out: dict[str, list[Any]], cached: list[Any], rows: list[int]) -> None:
        """Recompute the total; a typed-over total that disagrees is reported, never used."""
        months = [out[k] for k in self.spec.month_keys]
        totals = [round(sum((v or 0.0) for v in values), 6)
                  for values in zip(*months, strict=True)]
        out["total"] = totals
        measures = out.get("measure")
        position = self.spec.keys.index("total")
        for j, shown_total in enumerate(cached):
            if is_blank(shown_total):
                continue
            try:
                shown_total = parse_number(shown_total)
            except Refused:
                continue
            if shown_total == 0:
                continue
            money_row = measures is None or measures[j] == c.MONEY_MEASURE
            expected = totals[j] / (self.factor if money_row else 1)
            if abs(shown_total - expected) > 0.005:
                column = self.spec.column("total")
                self._add(rows[j], position, Severity.WARNING, Reason.TOTAL_MISMATCH,
                          f"合计 {shown_total:,.2f} 与各月之和 {expected:,.2f} 不符；"
                          "已按各月之和计算",
                          f"the total {shown_total:,.2f} differs from the sum of the months "
                          f"{expected:,.2f}; the sum of the months is used",
                          key=column.key, value=cached[j])

    def _refuse(self, row: int, position: int, col: c.Column, value: object, reason: Reason,
                zh: str, en: str) -> None:
        self._add(row, position, Severity.ERROR, reason, f"{col.label_zh}：{zh}",
                  f"{col.label_en}: {en}", key=col.key, value=value)

    def _add(self, row: int, position: int, severity: Severity, reason: Reason, zh: str,
             en: str, *, key: str, value: object) -> None:
        self.found.append((row, position, Finding(
            severity=severity, reason=reason, file=self.sub.file, sheet=self.sheet,
            cell=f"{self.letters[key]}{row}", key=key,
            value="" if value == "" else shown(value), message_zh=zh, message_en=en)))


def _filled(values: Any, inputs: list[int]) -> bool:
    """Whether any input cell of the row holds something (not blank, not only spaces)."""
    for i in inputs:
        if 0 <= i < len(values):
            v = values[i]
            if v is not None and (type(v) is not str or v.strip()):
                return True
    return False


def _by_column(cells: dict[str, str]) -> dict[str, dict[int, str]]:
    found: dict[str, dict[int, str]] = {}
    for cell, text in cells.items():
        letters, row = coordinate_from_string(cell)
        found.setdefault(letters, {})[row] = text
    return found


_NUMERIC = {c.ColumnType.MONEY, c.ColumnType.QUANTITY, c.ColumnType.PERCENT}
