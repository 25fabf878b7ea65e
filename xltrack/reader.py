"""One submission workbook → typed tables, found through the `_xltrack` column map.

Values come from one parse of each sheet's XML (sheet_xml.py); the places of tables and header
fields come from the package XML (package.py). Every value keeps its origin: a table's frame has
the Excel row of each record (`_row`) and `TableData.letters` gives each key's column, so a
finding can name its cell.
Amounts are normalised to yuan here (xt_unit), once.
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from array import array
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from math import isnan
from pathlib import Path
from typing import TYPE_CHECKING, Any
from xml.etree.ElementTree import ParseError

from . import contract as c
from .a1 import column_letter
from .models import Finding, Reason, Severity, shown
from .package import Package, PackageError, read_package
from .sheet_xml import Book, Cells, SheetTooLarge, date_styles, read_sheet, shared_strings
from .structure import check_map, check_structure, check_tables
from .table_reader import ROW, Grid, TableReader
from .values import (
    Refused,
    is_blank,
    parse,
    parse_code,
    parse_period,
)

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["ROW", "Numbers", "Submission", "TableData", "file_digest", "read_submission"]


class Numbers(Sequence[float | None]):
    """A column of numbers held as C doubles: 8 bytes a value instead of a float object and
    its pointer (32), in the reader's pickle and in the parent that holds every file's tables
    until they are stored. A blank (None) is kept as NaN, which no value read can be (values
    refuses it). Reads as the list it replaces: None where blank."""

    __slots__ = ("doubles",)

    def __init__(self, doubles: array[float]) -> None:
        self.doubles = doubles

    @classmethod
    def of(cls, values: list[Any], types: set[type] | None = None) -> Numbers | None:
        """The column compacted, or None if it holds anything but floats and blanks.
        `types`: set(map(type, values)), where the caller has it."""
        types = set(map(type, values)) if types is None else types
        if not types <= _FLOAT_OR_NONE:
            return None
        if _NONE in types:
            doubles = array("d", [_NAN if v is None else v for v in values])
            if sum(map(isnan, doubles)) != values.count(None):  # a NaN among the values
                return None
        else:
            doubles = array("d", values)
            if any(map(isnan, doubles)):
                return None
        return cls(doubles)

    def __len__(self) -> int:
        return len(self.doubles)

    def __getitem__(self, i: Any) -> Any:
        if isinstance(i, slice):
            return self.tolist()[i]
        v = self.doubles[i]
        return None if v != v else v

    def __setitem__(self, i: int, value: float | None) -> None:
        if value is not None and type(value) is not float or value != value:
            raise TypeError(f"a Numbers column holds floats and blanks, not {value!r}")
        self.doubles[i] = float("nan") if value is None else value

    def __iter__(self) -> Iterator[float | None]:
        return iter(self.tolist())

    def tolist(self) -> list[float | None]:
        return [None if v != v else v for v in self.doubles.tolist()]

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Numbers | list):
            return self.tolist() == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]  # a column, like the list it stands for

    def __repr__(self) -> str:
        return f"Numbers({self.tolist()!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        return Numbers, (self.doubles,)


@dataclass
class TableData:
    spec: c.Table
    sheet: str
    letters: dict[str, str]  # column key -> column letter in this workbook
    # One list per key, typed and in yuan (None where blank or refused), plus ROW. Plain
    # lists, not a frame: a run reads thousands of small tables, and pandas' cost per table
    # would be most of the reading time. Once read and checked, compact() turns the number
    # columns into Numbers.
    columns: dict[str, Any]  # key -> list, or Numbers once compacted

    def cell(self, key: str, row: int) -> str:
        return f"{self.letters[key]}{row}"

    def __len__(self) -> int:
        return len(self.columns[ROW])

    def compact(self) -> None:
        """Number columns as Numbers, text repeated down a column (project ids, cost codes,
        units) held once: what a reader hands the parent, and what the parent keeps until
        the file is stored."""
        for key, values in self.columns.items():
            if not isinstance(values, list):
                continue
            types = set(map(type, values))
            numbers = Numbers.of(values, types)
            if numbers is not None:
                self.columns[key] = numbers
            elif types <= _STR_OR_NONE:
                seen: dict[Any, Any] = {}
                self.columns[key] = [seen.setdefault(v, v) for v in values]

    def __getstate__(self) -> dict[str, Any]:
        # Readers send thousands of tables to the parent: the contract's table goes by name.
        return {**self.__dict__, "spec": self.spec.name}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state, spec=c.TABLES_BY_NAME[state["spec"]])

    @property
    def frame(self) -> pd.DataFrame:
        """The table as a DataFrame (numeric columns as float64, blanks as NaN)."""
        import pandas as pd  # only the history needs frames; reading and validating do not

        frame = pd.DataFrame({k: list(v) for k, v in self.columns.items()})
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


_NONE = type(None)
_FLOAT_OR_NONE, _STR_OR_NONE = frozenset([float, _NONE]), frozenset([str, _NONE])
_NAN = float("nan")


def file_digest(path: Path) -> tuple[str, int]:
    """SHA-256 and size, read in chunks (the file may be too large to hold)."""
    digest, size = hashlib.sha256(), 0
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def read_submission(path: Path, data: bytes | None = None,
                    sheets: dict[str, bytes] | None = None,
                    max_cells: int = 5_000_000, opened: zipfile.ZipFile | None = None
                    ) -> Submission:
    """Read one workbook. Problems become findings on the result; nothing is raised for them.

    Everything comes from one read of the file (`data`, or read here): the hash recorded is the
    hash of exactly what was parsed, even if someone saves over the file meanwhile. `sheets`
    are parts already unzipped from these bytes (by intake.check: every worksheet and the
    small parts), by part name; `opened` the zip over `data` that intake.check opened (closed
    here)."""
    data = path.read_bytes() if data is None else data
    sub = Submission(path=path, sha256=hashlib.sha256(data).hexdigest(), size=len(data))
    try:
        with opened or zipfile.ZipFile(io.BytesIO(data)) as zf:
            parts = sheets or {}
            package = read_package(zf, parts)
            strings = (shared_strings(parts.get(package.strings_part)
                                      or zf.read(package.strings_part))
                       if package.strings_part else [])
            dates, styles = (date_styles(parts.get(package.styles_part)
                                         or zf.read(package.styles_part))
                             if package.styles_part else (frozenset(), 0))
            book = Book(strings, dates, styles, package.date1904)
            _Reading(sub, zf, package, book, parts, max_cells).run()
    except SheetTooLarge as exc:
        sub.add(Severity.ERROR, Reason.SHEET_TOO_LARGE, exc.zh, exc.en)
    except PackageError as exc:
        sub.add(Severity.ERROR, Reason.WRONG_FORMAT if exc.wrong_format else Reason.READER_FAILED,
                exc.zh, exc.en)
    except (zipfile.BadZipFile, ParseError, KeyError, ValueError, OSError) as exc:
        sub.add(Severity.ERROR, Reason.READER_FAILED, f"文件无法读取：{exc}",
                f"the file cannot be read: {exc}. Open it in Excel, save it as .xlsx and send "
                "it again")
    return sub


class _Reading:
    def __init__(self, sub: Submission, zf: zipfile.ZipFile, package: Package, book: Book,
                 sheets: dict[str, bytes], max_cells: int) -> None:
        self.sub, self.zf, self.package, self.book = sub, zf, package, book
        self.sheets, self.max_cells = sheets, max_cells
        self.map_cells: dict[tuple[str, str], str] = {}  # (table, key) -> its map header cell
        self._grids: dict[str, Grid] = {}

    def grid(self, sheet: str) -> Grid:
        """The sheet's cells, parsed once; what is wrong in its XML becomes findings here."""
        if sheet not in self._grids:
            info = self.package.sheet(sheet)
            if info is None or info.part not in self.package.parts:
                raise PackageError(f"工作表“{sheet}”的内容缺失，请在 Excel 中另存后重新发送",
                                   f"the sheet {sheet!r} has no content in the package; open "
                                   "the file in Excel, save it and send it again")
            data = self.sheets.get(info.part)
            cells = _read_sheet(self.zf.read(info.part) if data is None else data, self.book,
                                self.max_cells, again=sheet == c.MAP_SHEET)
            for flaw in cells.flaws:
                self.sub.add(Severity.ERROR, Reason.SHEET_XML, flaw.zh, flaw.en, sheet=sheet,
                             cell=flaw.cell)
            self._grids[sheet] = Grid(cells)
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
        if column_map is None or not check_map(sub, column_map, self.map_cells) or not check_tables(
                sub, self.package):
            return
        sub.hidden_sheets = [s.name for s in self.package.sheets
                             if s.state != "visible" and not s.name.startswith("_")]
        self._read_header()
        for spec in c.tables_of(sub.kinds):
            self._read_table(spec, column_map)
        check_structure(sub, self.package, {name: self.grid(self.package.tables[name].sheet)
                                            for name in sub.tables})

    def _read_map(self) -> dict[tuple[str, str], str] | None:
        sub, grid = self.sub, self.grid(c.MAP_SHEET)
        labels = {str(grid.value(r, 1)).strip(): grid.value(r, 2) for r in range(1, 5)}
        version = labels.get(c.MAP_VERSION_LABEL)
        sub.contract_version = _whole_version(version)
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
                place = (str(values[0]).strip(), str(values[1]).strip())
                column_map[place] = str(values[2])
                self.map_cells[place] = f"{column_letter(table.min_col + h_i)}{row}"
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
            grid = self.grid(sheet)
            raw = grid.at(cell)
            if cell in grid.errors_at or cell in grid.formulas_at:
                self._refuse_header(f, sheet, cell, grid)
                continue
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

    def _refuse_header(self, f: c.HeaderField, sheet: str, cell: str, grid: Grid) -> None:
        """A header cell holding an error or a formula: its cached value is never used."""
        self.sub.header[f.name] = None
        if cell in grid.errors_at:
            text = grid.errors_at[cell]
            self.sub.add(Severity.ERROR, Reason.ERROR_VALUE,
                         f"{f.label_zh}：单元格为错误值 {text}，请直接填写",
                         f"{f.label_en}: the cell holds the error {text}; type the value",
                         sheet=sheet, cell=cell, key=f.name, value=text)
            return
        formula = grid.formulas_at[cell]
        self.sub.add(Severity.ERROR, Reason.FORMULA,
                     f"{f.label_zh}：单元格含公式“={formula}”，请直接填写",
                     f"{f.label_en}: the cell holds the formula ={formula}, whose result "
                     "xltrack cannot verify; type the value itself", sheet=sheet, cell=cell,
                     key=f.name, value="=" + formula)

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
            letters[column.key] = column_letter(positions[label.strip()])
        last = where.max_row - where.totals_rows
        data = TableReader(sub, spec, where.sheet, letters, grid,
                           self.package.date1904).columns(header_row + 1, last)
        sub.tables[spec.name] = TableData(spec, where.sheet, letters, data)
        if grid.hidden_rows:
            sub.hidden_rows[where.sheet] = grid.hidden_rows


# The `_xltrack` map sheet of one template version is the same bytes in every file filled from
# it: a reader process parses it once, not once per file (a quarter of a pack's rows).
_MAPS_READ: dict[tuple[bytes, int, frozenset[int], int, bool], Cells] = {}


def _read_sheet(data: bytes, book: Book, max_cells: int, *, again: bool) -> Cells:
    if not again or book.strings:  # shared strings differ between files: no reuse
        return read_sheet(data, book, max_cells)
    key = (data, max_cells, book.date_styles, book.style_count, book.date1904)
    if key not in _MAPS_READ:
        if len(_MAPS_READ) >= 8:
            _MAPS_READ.clear()
        _MAPS_READ[key] = read_sheet(data, book, max_cells)
    return _MAPS_READ[key]


def _whole_version(version: object) -> int | None:
    """The contract version in the map: a whole number (1, "1", 1.0), never 1.9 taken as 1."""
    if isinstance(version, float) and version.is_integer():
        return int(version)
    if isinstance(version, str) and version.strip().isdigit():
        return int(version.strip())
    return None


_NUMERIC = {c.ColumnType.MONEY, c.ColumnType.QUANTITY, c.ColumnType.PERCENT}
