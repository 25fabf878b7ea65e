"""Fixtures built in code: the demo register, generated templates and a filler helper."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest

from xltrack import contract as c
from xltrack.backend import Location
from xltrack.demo import demo_register, write_demo
from xltrack.filler import fill_template
from xltrack.monthly import MonthResult, run_month
from xltrack.settings import Register
from xltrack.templates import write_template

SHARED = Path(__file__).resolve().parents[2] / "shared"

Fill = Callable[..., Path]


@pytest.fixture(scope="session")
def register() -> Register:
    return demo_register()


@pytest.fixture(scope="session")
def template_dir(tmp_path_factory: pytest.TempPathFactory, register: Register) -> Path:
    return tmp_path_factory.mktemp("templates")


def template(folder: Path, kinds: tuple[c.Kind, ...], lang: str, register: Register) -> Path:
    path = folder / f"{'-'.join(k.value for k in kinds)}-{lang}.xlsx"
    if not path.exists():
        write_template(path, kinds, lang, register)
    return path


def header(subsidiary: str = "RE01", period: str = "2026-10", unit: str = "元",
           revision: int | None = None, **extra: object) -> dict[str, object]:
    values: dict[str, object] = {"xt_subsidiary": subsidiary, "xt_period": period,
                                 "xt_preparer": "赵敏", "xt_prepared_on": dt.date(2026, 11, 5),
                                 "xt_unit": unit, **extra}
    if revision is not None:
        values["xt_revision"] = revision
    return values


@pytest.fixture
def fill(tmp_path: Path, template_dir: Path, register: Register) -> Fill:
    """fill(kind, rows, name=..., lang=..., **header) -> path of a filled submission."""
    def _fill(kinds: c.Kind | tuple[c.Kind, ...], rows: Mapping[str, Sequence[Mapping[str, Any]]],
              name: str = "sub.xlsx", lang: str = "zh", **head: Any) -> Path:
        kinds = kinds if isinstance(kinds, tuple) else (kinds,)
        if any(k is not c.Kind.MONTHLY for k in kinds):
            head.setdefault("revision", 1)
        path = tmp_path / name
        fill_template(template(template_dir, kinds, lang, register), path, header(**head), rows)
        return path
    return _fill


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("demo")
    write_demo(folder, "2026-10")
    return folder


@pytest.fixture(scope="session")
def demo_month(demo: Path, tmp_path_factory: pytest.TempPathFactory) -> MonthResult:
    """The demo month run once: checked, stored, consolidated, variances found."""
    from xltrack.settings import load_register

    db = tmp_path_factory.mktemp("demo-db") / "h.sqlite"
    return run_month(demo / "inbox", load_register(demo / "register.json"), "2026-10", db)


def cost_row(project: str = "RE01-P01", code: str = "0101", amount: object = 1000.0,
             remark: str = "") -> dict[str, object]:
    return {"project_id": project, "cost_code": code, "amount": amount, "remark": remark}


@pytest.fixture
def excel() -> Iterator[Any]:
    """The in-memory xlwings engine active, as Excel is behind a button (its one app); the
    engine that was active before is put back afterwards."""
    import xlwings as xw

    from tests import xlwings_memory_engine as memory

    previous = xw.engines.active
    memory.install()
    try:
        yield memory.ENGINE.apps[0]
    finally:
        memory.uninstall(previous)


@pytest.fixture(scope="session")
def pg_server() -> Iterator[str]:
    """A PostgreSQL server of the suite's own (tests/pg_server.py), started when a test first
    needs it and stopped at the end: its superuser's URL."""
    from .pg_server import PASSWORD, server

    with server() as url, pytest.MonkeyPatch.context() as env:
        env.setenv("PGPASSWORD", PASSWORD)  # read by libpq here and in the test's children
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def history(request: pytest.FixtureRequest, tmp_path: Path) -> Location:
    """A new, empty history on each backend: a SQLite file, a PostgreSQL database."""
    if request.param == "sqlite":
        return tmp_path / "s.db"
    from .pg_server import new_database

    return new_database(request.getfixturevalue("pg_server"))
