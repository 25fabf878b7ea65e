"""A sheet's cells addressed by row and column, and a table's rows typed column by column.

The reader (reader.py) finds where a table is; here its cells become typed lists, in yuan,
with every refusal pinned to its cell.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal
from functools import partial
from itertools import zip_longest
from typing import TYPE_CHECKING, Any

from . import contract as c
from .a1 import column_index, split_cell
from .models import Finding, Reason, Severity, shown
from .sheet_xml import Cells
from .values import (
    UNTYPED,
    Refused,
    evaluate_arithmetic,
    is_blank,
    parse,
    parse_number,
    type_column,
)

if TYPE_CHECKING:
    from .reader import Submission

ROW = "_row"  # the Excel row of each record, in every table


class Grid:
    """A sheet's values addressed by 1-based row and column."""

    def __init__(self, cells: Cells) -> None:
        self.rows = cells.rows
        self.errors_at, self.formulas_at = cells.errors, cells.formulas
        self.hidden_rows = cells.hidden_rows
        # Error and formula cells as column letter -> row -> text, for reading column-wise.
        self.errors, self.formulas = _by_column(cells.errors), _by_column(cells.formulas)

    def value(self, row: int, col: int) -> Any:
        values = self.rows.get(row, ())
        return values[col - 1] if 0 < col <= len(values) else ""

    def at(self, cell: str) -> Any:
        letters, row = split_cell(cell)
        return self.value(row, column_index(letters))


class TableReader:
    """A table's rows typed column by column.

    A column of numbers is typed in one comprehension; only the cells that are not already of
    their column's type (text to parse, blanks, error and formula cells) take the slow path
    that may refuse them. Findings are then put in row order, as a person reads the sheet."""

    def __init__(self, sub: Submission, spec: c.Table, sheet: str, letters: dict[str, str],
                 grid: Grid, date1904: bool) -> None:
        self.sub, self.spec, self.sheet, self.letters, self.grid = (
            sub, spec, sheet, letters, grid)
        self.date1904 = date1904
        self.factor = c.UNIT_FACTOR.get(str(self.sub.header.get("xt_unit")), 1)
        self.found: list[tuple[int, int, Finding]] = []  # (row, column, finding), sorted later

    def columns(self, first: int, last: int) -> dict[str, list[Any]]:
        spec, grid = self.spec, self.grid
        places = {k: column_index(v) - 1 for k, v in self.letters.items()}
        inputs = [places[col.key] for col in spec.columns if not col.computed]
        errors = {k: grid.errors.get(letter, {}) for k, letter in self.letters.items()}
        formulas = {k: grid.formulas.get(letter, {}) for k, letter in self.letters.items()}
        error_rows = {row for cells in errors.values() for row in cells}
        grid_rows = grid.rows
        kept = []
        for row in range(first, last + 1):
            values = grid_rows.get(row, ())
            # Entirely blank rows are ignored (TEMPLATES.md); a row with an error cell is not.
            # (A row of empty cells, the template's blank rows, is told at C speed.)
            if row in error_rows or (values.count("") != len(values)
                                     and _filled(values, inputs)):
                kept.append((row, values))
        rows = [row for row, _ in kept]
        at = {row: j for j, row in enumerate(rows)}
        # The kept rows turned into columns at once, "" beyond a row's last cell.
        by_column = list(zip_longest(*(values for _, values in kept), fillvalue=""))
        raw = {k: list(by_column[i]) if i < len(by_column) else [""] * len(kept)
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
        if UNTYPED not in typed:  # the common column (the marked ones are typed by now)
            return typed
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
        """Amounts in yuan, to the cent: whatever the unit they were typed in (元 too: a
        formula's =A1*0.13 leaves fractions of a cent), rounded half up (away from zero)."""
        factor = self.factor
        measures = out.get("measure")
        for col in self.spec.columns:
            if col.computed or col.type not in (c.ColumnType.MONEY, c.ColumnType.QUANTITY):
                continue
            values = out[col.key]
            if col.type is c.ColumnType.MONEY or measures is None:
                out[col.key] = cents_all(values, factor)
            else:  # a quantity is money only on an AMOUNT row
                out[col.key] = [cents if m == c.MONEY_MEASURE else v for v, cents, m
                                in zip(values, cents_all(values, factor), measures,
                                       strict=True)]

    def _total(self, out: dict[str, list[Any]], cached: list[Any], rows: list[int]) -> None:
        """Recompute the total; a typed-over total that disagrees is reported, never used."""
        months = [out[k] for k in self.spec.month_keys]
        totals = row_totals(months)
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


def row_totals(months: list[list[Any]]) -> list[float]:
    """Each row's months added in order, left to right, rounded to 6 places; blanks (None) and
    zeros left out, since adding 0.0 changes no sum: the figures of
    round(sum((v or 0.0) for v in row), 6) (tests/test_row_totals.py), without a step per cell
    in Python."""
    return [round(total, 6) for total in map(
        partial(sum, start=0.0), map(partial(filter, None), zip(*months, strict=True)))]


def to_cents(value: float, factor: int = 1) -> float:
    """`value` × `factor` rounded to the cent, half up, as the typed decimal would round.

    round() rounds the binary product, which takes half a cent down about half the time
    (0.0050005 万元 is 50.004999… yuan); near a half cent the typed number's own decimal
    digits decide. Elsewhere the two agree, and round() is many times faster."""
    product = value * factor
    if not abs(product) < 1e15:  # infinite, NaN or far past any amount: the bound says so
        return product
    hundredths = product * 100
    if abs(abs(hundredths - int(hundredths)) - 0.5) > max(1e-6, abs(hundredths) * 1e-12):
        return round(product, 2) + 0.0  # + 0.0: no -0.0 from a tiny negative amount
    exact = (Decimal(repr(value)) * factor).quantize(_CENT, rounding=ROUND_HALF_UP)
    return float(exact) + 0.0


_CENT = Decimal("0.01")


def cents_all(values: list[Any], factor: int = 1) -> list[Any]:
    """to_cents over a column, None kept: the same figures (tests/test_table_reader.py compares
    them), compiled where xltrack/_amounts.c is built (the same figures to the bit:
    tests/test_amounts_compiled.py)."""
    if _compiled_cents is not None:
        return _compiled_cents(values, factor, to_cents)
    return cents_in_python(values, factor)


def cents_in_python(values: list[Any], factor: int = 1) -> list[Any]:
    """cents_all without a call per amount. Away from a half cent, round(hundredths) / 100 is
    round(product, 2): both take the integer nearest the product's hundredths (which the
    binary product gives to far better than the margin kept from the half) and divide
    exactly rounded; int / int and round() of a float are quicker than round(x, 2)."""
    out: list[Any] = []
    append = out.append
    for v in values:
        if v is None:
            append(None)
            continue
        product = v * factor
        hundredths = product * 100
        if abs(product) < 1e15:
            off = abs(abs(hundredths - int(hundredths)) - 0.5)
            if off > 1e-6 and off > abs(hundredths) * 1e-12:
                append(round(hundredths) / 100)
                continue
        append(to_cents(v, factor))
    return out


def _compiled() -> Callable[[list[Any], int, Callable[[Any, int], float]], list[Any]] | None:
    """cents_all compiled (xltrack/_amounts.c), or None where the install built no C."""
    try:
        from ._amounts import cents
    except ImportError:  # pragma: no cover - built wherever the tests run
        return None
    return cents


_compiled_cents = _compiled()


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
    for cell, text in cells.items():  # references checked by sheet_xml: letters, then digits
        letters = cell.rstrip("0123456789")
        found.setdefault(letters, {})[int(cell[len(letters):])] = text
    return found
