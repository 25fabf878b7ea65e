"""An xlwings engine that holds a workbook in memory, for tests: Excel without Excel.

It implements the engine interface of `xlwings.base_classes` (apps, books, sheets, ranges,
tables, defined names, the status bar and message boxes) over a workbook loaded with openpyxl,
and answers the way Excel's COM interface does, so that code under test runs through xlwings'
own `Book`, `Range`, `.options(...)` and converters exactly as it does behind a button:

- `raw_value` of one cell is a scalar; of several cells, a tuple of row tuples (as COM gives);
- every number is a float; a date-formatted cell holds a `datetime`; an empty cell is None;
- a written value goes in as Excel takes typed input: a leading apostrophe makes the rest text
  (and is not kept), a text starting with "=" becomes a formula (even in a column formatted as
  text, where Excel would keep it as text: stricter on purpose, so that a lost text format
  cannot hide a formula), and in a cell not formatted as text "@", a text that looks like a
  number or an ISO date becomes one.

Only what xlwings itself asks for is here; nothing decides a conversion of its own (that is
xlwings' job: squeezing, `ndim`, `dates`, `numbers`, `empty`). `install()` registers the
engine with `xw.engines` and makes it the active one; `uninstall()` puts things back.
"""

from __future__ import annotations

import datetime as dt
import numbers
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import xlwings as xw
from openpyxl import load_workbook
from xlwings import base_classes

from tests.xlwings_memory_sheet import Range, Sheet, Sheets, _excel_value

__all__ = ["ENGINE", "App", "Book", "Range", "Sheet", "_excel_value", "install", "uninstall"]

NAME = "memory"


class Engine:
    """The engine object xlwings asks for conversions (as `_xlwindows.Engine` does)."""

    def __init__(self) -> None:
        self.apps = Apps(self)

    name = NAME
    type = "desktop"  # write scalars in one go, as Excel on Windows and macOS does

    @staticmethod
    def clean_value_data(data: Any, datetime_builder: Any, empty_as: Any,
                         number_builder: Any, err_to_str: bool) -> list[list[Any]]:
        def clean(value: Any) -> Any:
            if value in ("", None):
                return empty_as
            if isinstance(value, dt.datetime):
                return datetime_builder(year=value.year, month=value.month, day=value.day,
                                        hour=value.hour, minute=value.minute,
                                        second=value.second, microsecond=value.microsecond)
            if number_builder is not None and isinstance(value, float):
                return number_builder(value)
            return value
        return [[clean(c) for c in row] for row in data]

    @staticmethod
    def prepare_xl_data_element(x: Any, options: Any) -> Any:
        if x is None:
            return ""
        if isinstance(x, float) and x != x:  # NaN: Excel gets an empty cell
            return ""
        if hasattr(x, "item") and not isinstance(x, str):  # a numpy or pandas scalar
            return prepare(x.item())
        return x


def prepare(x: Any) -> Any:
    return Engine.prepare_xl_data_element(x, None)


class Apps(base_classes.Apps):
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._apps: list[App] = []

    def keys(self) -> list[int]:
        return [app.pid for app in self._apps]

    def add(self, spec: Any = None, add_book: Any = None, xl: Any = None,
            visible: Any = None) -> App:
        app = App(self, -(len(self._apps) + 1))
        self._apps.insert(0, app)
        return app

    def __iter__(self) -> Iterator[App]:
        return iter(self._apps)

    def __len__(self) -> int:
        return len(self._apps)

    def __getitem__(self, index: int) -> App:
        return self._apps[index]


class App(base_classes.App):
    """One Excel: its books, its status bar and the message boxes it showed."""

    def __init__(self, apps: Apps, pid: int) -> None:
        self.apps, self._pid = apps, pid
        self._books = Books(self)
        self.status_history: list[Any] = []
        self.alerts: list[tuple[str, str | None]] = []
        self._status: Any = False

    @property
    def engine(self) -> Engine:
        return self.apps.engine

    @property
    def books(self) -> Books:
        return self._books

    @property
    def pid(self) -> int:
        return self._pid

    @property
    def visible(self) -> bool:
        return True

    @visible.setter
    def visible(self, value: bool) -> None:
        """Always visible."""

    def activate(self, steal_focus: bool = False) -> None:
        """Nothing to bring forward."""

    @property
    def status_bar(self) -> Any:
        return self._status

    @status_bar.setter
    def status_bar(self, value: Any) -> None:
        if not (value is False or isinstance(value, str)):
            raise TypeError(f"Excel's status bar takes text or False, not {value!r}")
        self._status = value
        self.status_history.append(value)

    def alert(self, prompt: str, title: str | None, buttons: str | None, mode: str | None,
              callback: str | None) -> str:
        self.alerts.append((prompt, title))
        return "ok"

    def quit(self) -> None:
        self.apps._apps.remove(self)


class Books(base_classes.Books):
    def __init__(self, app: App) -> None:
        self.app = app
        self.books: list[Book] = []

    @property
    def active(self) -> Book | None:
        return self.books[-1] if self.books else None

    def open(self, fullname: str, *args: Any, **kwargs: Any) -> Book:
        book = Book(self, Path(fullname).resolve())
        self.books.append(book)
        return book

    def __call__(self, name_or_index: int | str) -> Book:
        if isinstance(name_or_index, numbers.Number):
            return self.books[int(name_or_index) - 1]
        for book in self.books:
            if name_or_index in (book.name, book.fullname):
                return book
        raise KeyError(name_or_index)

    def __len__(self) -> int:
        return len(self.books)

    def __iter__(self) -> Iterator[Book]:
        return iter(self.books)


class Book(base_classes.Book):
    """A workbook as Excel holds it once open: values, formulas, the text columns, tables."""

    def __init__(self, books: Books, path: Path) -> None:
        self.books, self.path = books, path
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl: extensions it does not read
            source = load_workbook(path, data_only=False)
        self._sheets = [Sheet(self, ws) for ws in source.worksheets]
        self._names = {name: str(defined.attr_text)
                       for name, defined in source.defined_names.items()}

    @property
    def api(self) -> Any:
        return self

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def fullname(self) -> str:
        return str(self.path)

    @property
    def app(self) -> App:
        return self.books.app

    @property
    def sheets(self) -> Sheets:
        return Sheets(self)

    @property
    def names(self) -> Names:
        return Names(self)

    def activate(self) -> None:
        """The book is the active one already."""

    def close(self) -> None:
        self.books.books.remove(self)


class Names(base_classes.Names):
    """The workbook's defined names (book scope), as `=Sheet!$A$1` formulas."""

    def __init__(self, book: Book) -> None:
        self.book = book

    @property
    def api(self) -> Any:
        return self.book._names

    def __call__(self, name_or_index: int | str) -> Name:
        names = list(self.book._names)
        if isinstance(name_or_index, numbers.Number):
            return Name(self.book, names[int(name_or_index) - 1])
        if name_or_index not in self.book._names:
            raise KeyError(name_or_index)
        return Name(self.book, name_or_index)

    def contains(self, name_or_index: int | str) -> bool:
        if isinstance(name_or_index, numbers.Number):
            return 1 <= int(name_or_index) <= len(self)
        return name_or_index in self.book._names

    def __len__(self) -> int:
        return len(self.book._names)

    def __iter__(self) -> Iterator[Name]:
        return (Name(self.book, name) for name in self.book._names)


class Name(base_classes.Name):
    def __init__(self, book: Book, name: str) -> None:
        self.book, self._name = book, name

    @property
    def api(self) -> Any:
        return self

    @property
    def name(self) -> str:
        return self._name

    @property
    def refers_to(self) -> str:
        return "=" + self.book._names[self._name]

    @property
    def refers_to_range(self) -> Range:
        sheet, _, cells = self.book._names[self._name].rpartition("!")
        return Sheets(self.book)(sheet.strip("'").replace("''", "'")).range(cells)


ENGINE = Engine()


def install() -> xw.main.Engine:
    """Register the engine with xlwings (once) and make it the active one, with one app."""
    engines = xw.engines
    if NAME not in [e.name for e in engines]:
        engines.add(xw.main.Engine(impl=ENGINE))
    engine = engines[NAME]
    engine.activate()
    if not len(ENGINE.apps):
        ENGINE.apps.add()
    return engine


def uninstall(previous: Any) -> None:
    """Put back the engine that was active before, close the books, forget the mock caller."""
    xw.engines.active = previous
    for app in list(ENGINE.apps):
        app.quit()
    if hasattr(xw.Book, "_mock_caller"):
        del xw.Book._mock_caller
