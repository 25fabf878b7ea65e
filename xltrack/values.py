"""Cell values as people really type them, turned into typed values or an explicit refusal.

Every parser returns the typed value, or raises `Refused` with the reason code and a message in
both languages. Nothing is silently turned into NaN: a cell is either understood or refused.
"""

from __future__ import annotations

import ast
import datetime as dt
import math
import re
import unicodedata
from typing import Any

from . import contract as c
from .models import Reason

_EXCEL_1900 = dt.date(1899, 12, 30)  # serial 1 = 1900-01-01, allowing for Excel's 1900 leap bug
_EXCEL_1904 = dt.date(1904, 1, 1)
_MAX_SERIAL = 2_958_465  # 9999-12-31


class Refused(Exception):
    def __init__(self, reason: Reason, zh: str, en: str) -> None:
        super().__init__(en)
        self.reason = reason
        self.zh = zh
        self.en = en


def is_blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def normalise_text(value: str) -> str:
    """Full-width forms to ASCII, non-breaking and odd spaces to plain ones, trimmed."""
    return unicodedata.normalize("NFKC", value).replace("\u3000", " ").strip()


_PLAIN = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")
_GROUPED = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d*)?$")
_SPACED = re.compile(r"^[+-]?\d{1,3}( \d{3})+(\.\d*)?$")


# What a typed amount may contain once its full-width forms are made ASCII. NFKC is not used
# for amounts: it also turns superscripts (5000¹ → 50001) and circled digits (⑤ → 5) into
# digits, which nobody means as an amount.
_FULL_WIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}
_FULL_WIDTH.update({0xFFE5: ord("¥"), 0x3000: 32, 0xA0: 32, 0x2009: 32, 0x202F: 32})
_AMOUNT_CHARS = frozenset("0123456789,.+-()% ¥")


def parse_number(value: object, *, percent: bool = False) -> float:
    """A number from a numeric cell or from text in a documented form: 1,234.50, 1 234,
    -123, (123) and (-123) for a negative, full-width digits and brackets, ¥, 12%."""
    if isinstance(value, bool):
        raise _not_number(value)
    if isinstance(value, int | float):
        if not math.isfinite(value):
            raise _not_number(value)
        return float(value)
    if not isinstance(value, str):
        raise _not_number(value)
    text = value.translate(_FULL_WIDTH).strip()
    if not _AMOUNT_CHARS.issuperset(text):
        raise _not_number(value)
    negative = False
    if len(text) > 2 and text[0] == "(" and text[-1] == ")":
        # Accountants' negative. "(-5,000.00)" says minus twice over and means -5,000.00;
        # a second sign inside, "(--5)" or "(+5)", is a typing slip: refused below.
        negative, text = True, text[1:-1].strip().removeprefix("-").lstrip()
        if text[:1] in ("+", "-"):
            raise _not_number(value)
    scale = 1.0
    if text.endswith("%"):
        if not percent:
            raise Refused(Reason.BAD_NUMBER, f"“{value}”是百分数，此处应填金额或数量",
                          f"{value!r} is a percentage; this column takes an amount")
        text, scale = text[:-1].strip(), 0.01
    text = text.removeprefix("¥").strip()
    if _GROUPED.match(text) or _SPACED.match(text):
        text = text.replace(",", "").replace(" ", "")
    if not _PLAIN.match(text):
        raise _not_number(value)
    number = float(text) * scale
    return -number if negative else number


def _not_number(value: object) -> Refused:
    return Refused(Reason.BAD_NUMBER,
                   f"“{value}”不是数字。请填写数字，例如 1234.56 或 1,234.56",
                   f"{value!r} is not a number. Type a number such as 1234.56 or 1,234.56")


def parse_percent(value: object) -> float:
    """A fraction: 0.25 from a 25% cell or from the text "25%"."""
    number = parse_number(value, percent=True)
    if isinstance(value, int | float) and 1 < number <= 100:
        raise Refused(Reason.BAD_PERCENT,
                      f"“{value}”看起来是百分数的整数形式，请填写 {number:g}%",
                      f"{value!r} looks like a percentage typed as a whole number: "
                      f"type {number:g}% instead")
    return number


_DATE_TEXT = (
    re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日?$"),
)
_MONTH_TEXT = (re.compile(r"^(\d{4})[-/.](\d{1,2})$"), re.compile(r"^(\d{4})年(\d{1,2})月?$"))


def parse_date(value: object, date1904: bool = False) -> dt.date:
    """A date from a date cell, an Excel serial, or unambiguous text (ISO or 2026年10月5日)."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _serial_date(value, date1904)
    if isinstance(value, str):
        text = normalise_text(value)
        for pattern in _DATE_TEXT:
            m = pattern.match(text)
            if m:
                try:
                    return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
                except ValueError:
                    break
        if any(p.match(text) for p in _MONTH_TEXT):
            raise Refused(Reason.BAD_DATE, f"“{value}”缺少日，请填写完整日期，如 2026-10-15",
                          f"{value!r} has no day; type a full date such as 2026-10-15")
    raise Refused(Reason.BAD_DATE, f"“{value}”不是有效日期，请按 2026-10-15 格式填写",
                  f"{value!r} is not a date; type it as 2026-10-15")


def excel_serial_date(serial: float, date1904: bool = False) -> dt.date:
    """The day an Excel serial stands for; ValueError if it stands for none."""
    try:
        return _serial_date(serial, date1904)
    except Refused as refused:
        raise ValueError(refused.en) from None


def _serial_date(serial: float, date1904: bool) -> dt.date:
    first = 0 if date1904 else 1
    if not first <= serial <= _MAX_SERIAL or serial == 60 and not date1904:
        # Serial 60 is 1900-02-29, a day that never was (Excel's inherited Lotus bug).
        raise Refused(Reason.BAD_DATE, f"日期序号 {serial:g} 不是有效日期",
                      f"date serial {serial:g} is not a valid date ({first} to {_MAX_SERIAL})")
    if date1904:
        return _EXCEL_1904 + dt.timedelta(days=int(serial))
    # Before the phantom leap day, serials count from 1899-12-31; after it, one day less.
    base = _EXCEL_1900 if serial > 60 else _EXCEL_1900 + dt.timedelta(days=1)
    return base + dt.timedelta(days=int(serial))


def parse_period(value: object) -> str:
    """A YYYY-MM period from text (2026-10, 2026年10月, 2026/10) or a date cell."""
    if isinstance(value, dt.date):
        return f"{value.year:04d}-{value.month:02d}"
    if isinstance(value, str):
        text = normalise_text(value)
        for pattern in _MONTH_TEXT:
            m = pattern.match(text)
            if m and 1 <= int(m.group(2)) <= 12:
                return f"{int(m.group(1)):04d}-{int(m.group(2)):02d}"
    raise Refused(Reason.BAD_PERIOD, f"期间“{value}”格式不正确，请填写 YYYY-MM，如 2026-10",
                  f"period {value!r} is not YYYY-MM; type it as 2026-10")


def parse_integer(value: object) -> int:
    if isinstance(value, str):
        value = normalise_text(value).removesuffix("年")
    number = parse_number(value)
    if number != int(number):
        raise Refused(Reason.BAD_NUMBER, f"“{value}”应为整数", f"{value!r} must be a whole number")
    return int(number)


def parse_code(value: object) -> str:
    """Text that may look like a number; 7.0 from a numeric cell becomes "7"."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.date | dt.time | bool):
        raise Refused(Reason.BAD_CHOICE, f"“{value}”不是编码", f"{value!r} is not a code")
    return normalise_text(str(value))


def parse_text(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    return str(value).strip()


_FLAG_WORDS = {"Y": "Y", "YES": "Y", "是": "Y", "N": "N", "NO": "N", "否": "N"}


def parse_choice(value: object, allowed: tuple[str, ...]) -> str:
    text = normalise_text(str(value))
    by_upper = {a.upper(): a for a in allowed} | c.choice_aliases(allowed)
    if allowed == c.FLAGS:
        by_upper.update(_FLAG_WORDS)
    found = by_upper.get(text.upper())
    if found is None:
        raise Refused(Reason.BAD_CHOICE,
                      f"“{value}”不在允许的选项中（{' / '.join(allowed)}）",
                      f"{value!r} is not one of {', '.join(allowed)}")
    return found


_ARITHMETIC = re.compile(r"^[\d\s.+\-*/()]+$")


def evaluate_arithmetic(formula: str) -> float | None:
    """The value of a formula made only of numbers and + - * / ( ), else None.

    Accountants type =1200+350 into input cells; such a formula is recomputed here rather
    than trusting the value cached in the file. Anything else (references, functions) is None.
    """
    text = formula.strip().removeprefix("=")
    if not text or not _ARITHMETIC.match(text):
        return None
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError:
        return None
    try:
        return _arithmetic(tree.body)
    except (ZeroDivisionError, OverflowError, ValueError):
        return None


def _arithmetic(node: ast.expr) -> float:
    if isinstance(node, ast.Constant) and isinstance(node.value, int | float):
        return float(node.value)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.UAdd | ast.USub):
        value = _arithmetic(node.operand)
        return -value if isinstance(node.op, ast.USub) else value
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add | ast.Sub | ast.Mult | ast.Div):
        left, right = _arithmetic(node.left), _arithmetic(node.right)
        if isinstance(node.op, ast.Add):
            return left + right
        if isinstance(node.op, ast.Sub):
            return left - right
        if isinstance(node.op, ast.Mult):
            return left * right
        return left / right
    raise ValueError("not plain arithmetic")


def parse(column_type: c.ColumnType, value: object, allowed: tuple[str, ...] = (),
          date1904: bool = False) -> object:
    """The typed value of a non-blank cell for a column of this type."""
    T = c.ColumnType
    if column_type in (T.MONEY, T.QUANTITY):
        return parse_number(value)
    if column_type is T.PERCENT:
        return parse_percent(value)
    if column_type is T.DATE:
        return parse_date(value, date1904)
    if column_type is T.YEAR:
        return parse_integer(value)
    if column_type in (T.CHOICE, T.FLAG):
        return parse_choice(value, allowed)
    if column_type is T.CODE:
        return parse_code(value)
    return parse_text(value)


# Typing a whole column at once. A reader calls parse() for every cell of thousands of tables;
# most cells are already what their column wants (a number in a money column), and one
# comprehension per column settles those. The rest are left UNTYPED, for parse() to type or
# refuse one by one. For any cell both settle, they agree (test_values).
UNTYPED = object()


def type_column(column_type: c.ColumnType, values: list[Any]) -> list[Any]:
    """Each value typed as parse() would, or None where blank, or UNTYPED where parse() must
    decide (text to read, odd values, anything it might refuse)."""
    return _COLUMN_TYPERS[column_type](values)


def _numbers(values: list[Any]) -> list[Any]:
    return [v if type(v) is float and v - v == 0.0 else None if v == "" else UNTYPED
            for v in values]


def _fractions(values: list[Any]) -> list[Any]:
    # 1 < x <= 100 is refused by parse_percent as a percentage typed as a whole number.
    return [v if type(v) is float and v - v == 0.0 and not 1.0 < v <= 100.0
            else None if v == "" else UNTYPED for v in values]


def _dates(values: list[Any]) -> list[Any]:
    return [v if type(v) is dt.date else None if v == "" else UNTYPED for v in values]


def _years(values: list[Any]) -> list[Any]:
    return [int(v) if type(v) is float and v.is_integer() else None if v == "" else UNTYPED
            for v in values]


def _codes(values: list[Any]) -> list[Any]:
    # ASCII text is its own NFKC normal form: only the rest needs normalise_text.
    return [(v.strip() or None) if type(v) is str and v.isascii() else UNTYPED for v in values]


def _texts(values: list[Any]) -> list[Any]:
    return [(v.strip() or None) if type(v) is str else UNTYPED for v in values]


def _choices(values: list[Any]) -> list[Any]:
    return [None if v == "" else UNTYPED for v in values]


_T = c.ColumnType
_COLUMN_TYPERS = {_T.MONEY: _numbers, _T.QUANTITY: _numbers, _T.PERCENT: _fractions,
                  _T.DATE: _dates, _T.YEAR: _years, _T.CODE: _codes, _T.TEXT: _texts,
                  _T.CHOICE: _choices, _T.FLAG: _choices}
