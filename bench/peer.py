"""The bare peer: what a capable analyst writes for the same month, without xltrack.

fastexcel (calamine underneath) reads each pack's tables by name into polars frames; plain
Python applies the same rules as xltrack's consolidation (amounts to yuan by the pack's unit,
actuals by month up to the period, the newest plan per project and table — highest revision,
then latest period — and the baseline among revision 1, four spans, rolled up project →
subsidiary → segment → group, rounded to the cent) and XlsxWriter writes the summary. No
guards against hostile files, no typing that refuses bad cells, no history database.

Only the bench uses it (`make bench` installs fastexcel and polars, not the runtime). The
register (project → subsidiary and segment) comes from a JSON file that bench/run.py writes,
so that importing xltrack is not part of the peer's time.
"""

from __future__ import annotations

import json
import logging
import re
from collections import defaultdict
from pathlib import Path
from typing import Any

UNIT_FACTOR = {"元": 1, "万元": 10_000}
MONTHS = [f"{m:02d}" for m in range(1, 13)]
SPANS = ("month", "ytd", "to_date", "at_completion")
# Columns by position, as the contract lays the tables out (headers may be in either language).
PLAN_TABLES = {"Budget": "investment", "SalesForecast": "sales"}
ACTUAL_TABLES = {"ActualCost": "investment", "ActualSales": "sales"}
Figures = dict[tuple[str, str, str, str, str], float]


def header(reader: Any) -> dict[str, Any]:
    """The cover's named cells (xt_period, xt_unit, xt_revision …)."""
    out: dict[str, Any] = {}
    sheets: dict[str, list[list[Any]]] = {}
    for name in reader.defined_names():
        if not name.name.startswith("xt_"):
            continue
        sheet, cell = name.formula.rsplit("!", 1)
        sheet = sheet.strip("'")
        if sheet not in sheets:
            frame = reader.load_sheet(sheet, header_row=None).to_polars()
            sheets[sheet] = [list(r) for r in frame.rows()]
        m = re.fullmatch(r"\$?([A-Z]+)\$?(\d+)", cell)
        assert m, cell
        col = sum((ord(ch) - 64) * 26 ** i for i, ch in enumerate(reversed(m.group(1)))) - 1
        rows = sheets[sheet]
        row = int(m.group(2)) - 1
        out[name.name] = rows[row][col] if row < len(rows) and col < len(rows[row]) else None
    return out


def read_pack(path: Path) -> list[tuple[Any, ...]]:
    """(project, table, indicator, month, amount, period, revision) for every amount."""
    import fastexcel

    # "Could not determine dtype" for the formula-only total column and empty tables: noise.
    logging.getLogger("fastexcel").setLevel(logging.ERROR)

    reader = fastexcel.read_excel(path)
    h = header(reader)
    period, revision = str(h["xt_period"]), int(h.get("xt_revision") or 1)
    factor = UNIT_FACTOR.get(str(h["xt_unit"]), 1)
    facts: list[tuple[Any, ...]] = []
    for table, kind in PLAN_TABLES.items():
        rows = reader.load_table(table).to_polars().rows()
        for row in rows:
            if row[0] is None:
                continue
            measure = row[2] if kind == "sales" else "AMOUNT"
            indicator = "investment" if kind == "investment" else f"sales:{measure}"
            scale = factor if measure == "AMOUNT" else 1
            year = int(row[3])
            for m, value in zip(MONTHS, row[4:16], strict=True):
                if value is not None:
                    facts.append((row[0], table, indicator, f"{year}-{m}",
                                  round(float(value) * scale, 2), period, revision))
    for table, kind in ACTUAL_TABLES.items():
        for row in reader.load_table(table).to_polars().rows():
            value = row[3] if kind == "sales" else row[2]
            if row[0] is None or value is None:
                continue
            measure = row[2] if kind == "sales" else "AMOUNT"
            indicator = "investment" if kind == "investment" else f"sales:{measure}"
            facts.append((row[0], table, indicator, period,
                          round(float(value) * (factor if measure == "AMOUNT" else 1), 2), period,
                          revision))
    return facts


def consolidate(facts: list[tuple[Any, ...]], owners: dict[str, list[str]],
                period: str) -> Figures:
    """The same figures as xltrack's Consolidation.figures (non-zero ones), by plain dicts."""
    facts = [f for f in facts if f[5] <= period]
    newest: dict[tuple[str, str], tuple[int, str]] = {}
    first: dict[tuple[str, str], tuple[int, str]] = {}
    for project, table, _, _, _, filed, revision in facts:
        if table in PLAN_TABLES:
            key = (project, table)
            newest[key] = max(newest.get(key, (0, "")), (revision, filed))
            if revision == 1:
                first[key] = max(first.get(key, (0, "")), (revision, filed))
    year = period[:4]
    sums: dict[tuple[str, str, str, str], float] = defaultdict(float)
    for project, table, indicator, month, amount, filed, revision in facts:
        if table in ACTUAL_TABLES:
            bases = ["actual"] if month <= period else []
        else:
            bases = [b for b, chosen in (("plan", newest), ("baseline", first))
                     if chosen.get((project, table)) == (revision, filed)]
        for basis in bases:
            spans = ["at_completion"] if basis != "actual" else []
            if month == period:
                spans.append("month")
            if f"{year}-01" <= month <= period:
                spans.append("ytd")
            if month <= period:
                spans.append("to_date")
            for span in spans:
                sums[(project, indicator, basis, span)] += amount
    figures: Figures = defaultdict(float)
    for (project, indicator, basis, span), amount in sums.items():
        subsidiary, segment = owners[project]
        for level, key in (("project", project), ("subsidiary", subsidiary),
                           ("segment", segment), ("group", "GROUP")):
            figures[(level, key, indicator, basis, span)] += amount
    return {k: round(v, 2) for k, v in figures.items() if round(v, 2) != 0}


def write_summary(figures: Figures, path: Path) -> None:
    import xlsxwriter

    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("Figures")
    sheet.write_row(0, 0, ["level", "key", "indicator", "basis", "span", "amount"])
    for r, (key, amount) in enumerate(sorted(figures.items()), start=1):
        sheet.write_row(r, 0, [*key, amount])
    book.close()


def peer_run(folder: Path, period: str, register: Path, out: Path) -> Figures:
    owners = json.loads(register.read_text())
    facts = [f for path in sorted(folder.glob("*.xlsx")) for f in read_pack(path)]
    figures = consolidate(facts, owners, period)
    write_summary(figures, out)
    return figures
