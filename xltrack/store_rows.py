"""The rows a read table becomes in the history (store.py writes them): `records`, every row as
read, as JSON, but for its amounts; `amounts`, the amounts a table row to a row.

A run stores some 250 rows a file: the rows are made column by column (zip, map, compress:
no Python step per cell), and a row's JSON is its columns' texts put in a template, each
distinct text encoded once. What comes out is what `json` makes of each row's dict, to the
byte (tests/test_store_rows.py compares them).
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from functools import partial
from itertools import compress, repeat
from operator import is_not
from typing import Any, NamedTuple

from . import contract as c
from .reader import ROW, TableData

# Amount-bearing tables: (table, the columns that name the item, the measure column or None)
AMOUNTS = {"Budget": (("cost_code",), None), "SalesForecast": (("product",), "measure"),
           "ActualCost": (("cost_code",), None), "ActualSales": (("product",), "measure")}
MONTHS = c.MONTH_KEYS  # a year row's amounts, in this order
_dumps = json.JSONEncoder(ensure_ascii=False).encode
_PRESENT = partial(is_not, None)
_NOTHING = (None,) * len(MONTHS)


class Rows(NamedTuple):
    """A table's rows for the history made in the reader (pack), without what only storing
    knows: the submission's id and the period of monthly amounts. The store puts those in
    (bind_records, bind_amounts), so that the parent, which stores every file in turn, does
    not build the rows itself. Columns, not rows: smaller to send and to hold."""
    name: str
    records: tuple[list[Any], list[Any], list[str]]  # Excel rows, projects, the JSON texts
    amounts: tuple[Any, ...] | None  # amount_columns, or None: no amounts to store


def table_rows(data: TableData) -> Rows:
    """What `data` stores in the history, but for the submission's id and the period."""
    return Rows(data.spec.name, record_columns(data),
                amount_columns(data) if data.spec.name in AMOUNTS and len(data) else None)


def record_rows(sub_id: int, data: TableData) -> list[tuple[Any, ...]]:
    """`records` rows: (submission, table, Excel row, project, the row's other cells as JSON,
    dates as ISO text); the amounts (the months, the amount, the total they make) are kept
    once, in `amounts`, with their cells."""
    return list(bind_records(sub_id, data.spec.name, record_columns(data)))


def bind_records(sub_id: int, name: str,
                 columns: tuple[list[Any], list[Any], list[str]]) -> Iterator[tuple[Any, ...]]:
    """The `records` rows of record_columns' columns, with their submission's id."""
    n = len(columns[0])
    return zip(repeat(sub_id, n), repeat(name, n), *columns, strict=True)


def record_columns(data: TableData) -> tuple[list[Any], list[Any], list[str]]:
    """The Excel rows, projects and JSON texts of `data`'s `records` rows."""
    amounts = ({*data.spec.month_keys, "amount", "total"} if data.spec.name in AMOUNTS
               else set())
    keys = [k for k in data.columns if k != ROW and k not in amounts]
    dates = {col.key for col in data.spec.columns if col.type is c.ColumnType.DATE}
    n = len(data)
    texts = [_json_texts([None if v is None else v.isoformat() for v in data.columns[k]]
                         if k in dates else list(data.columns[k])) for k in keys]
    # '{"key": %s, ...}': the keys' JSON, the values' put in by one format per row
    template = "{" + ", ".join(_dumps(k).replace("%", "%%") + ": %s" for k in keys) + "}"
    rows = [template % values for values in zip(*texts, strict=True)] if keys else ["{}"] * n
    projects = list(data.columns.get("project_id") or [None] * n)
    return list(data.columns[ROW]), projects, rows


def _json_texts(values: list[Any]) -> list[str]:
    """Each value as json writes it inside a dict."""
    kinds = set(map(type, values))
    if kinds <= {str, type(None)}:  # codes, names: few distinct, each encoded once
        text = {v: _dumps(v) for v in set(values)}
        return list(map(text.__getitem__, values))
    if kinds == {float} and all(map(math.isfinite, values)):
        return list(map(float.__repr__, values))  # what json writes for a finite float
    if kinds == {int}:
        return list(map(int.__repr__, values))
    return list(map(_dumps, values))


def amount_rows(sub_id: int, data: TableData, period: str) -> list[tuple[Any, ...]]:
    """`amounts` rows of an amount-bearing table, a row to a row: a plan row with its twelve
    months and their column letters (cells are letters + row), a monthly row with its one
    amount (in `period`). Rows without any amount are left out."""
    return list(bind_amounts(sub_id, data.spec.name, amount_columns(data), period))


def bind_amounts(sub_id: int, name: str, columns: tuple[Any, ...],
                 period: str) -> Iterator[tuple[Any, ...]]:
    """The `amounts` rows of amount_columns' columns, with their submission's id and (monthly
    amounts) the period."""
    yearly, sheet, letters, projects, *rest = columns
    k = len(projects)
    if yearly:  # items, measures, Excel rows, years, then the twelve months
        return zip(repeat(sub_id, k), repeat(name, k), projects, rest[0], rest[1],
                   repeat(sheet, k), rest[2], rest[3], repeat(letters, k), *rest[4:],
                   strict=True)
    return zip(repeat(sub_id, k), repeat(name, k), projects, rest[0], rest[1],
               repeat(sheet, k), rest[2], repeat(period, k), repeat(letters, k), rest[3],
               strict=True)


def amount_columns(data: TableData) -> tuple[Any, ...]:
    """The columns of `data`'s `amounts` rows that vary from row to row, after whether they
    are a plan's (a year's twelve months), the sheet and the column letters: the projects,
    items, measures and Excel rows, then the years and the months or the amounts."""
    item_keys, measure_key = AMOUNTS[data.spec.name]
    columns, n, sheet = data.columns, len(data), data.sheet
    items = (list(map(str, columns[item_keys[0]])) if len(item_keys) == 1 else
             ["|".join(str(v) for v in values)
              for values in zip(*(columns[k] for k in item_keys), strict=True)])
    measures = (list(map(str, columns[measure_key])) if measure_key
                else [c.MONEY_MEASURE] * n)
    projects, excel_rows = list(columns["project_id"]), list(columns[ROW])
    if data.spec.month_keys:
        if tuple(data.spec.month_keys) != MONTHS:
            raise ValueError(f"{data.spec.name}: months {data.spec.month_keys}")
        months = [list(columns[k]) for k in MONTHS]
        keep = [amounts != _NOTHING for amounts in zip(*months, strict=True)]
        kept = _kept(keep)
        letters = "".join(f"{data.letters[key]:<3}" for key in MONTHS)
        return (True, sheet, letters, kept(projects), kept(items), kept(measures),
                kept(excel_rows), list(map(int, kept(list(columns["year"])))),
                *map(kept, months))
    amounts = list(columns["amount"])
    kept = _kept(list(map(_PRESENT, amounts)))
    return (False, sheet, data.letters["amount"], kept(projects), kept(items), kept(measures),
            kept(excel_rows), kept(amounts))


def _kept(keep: list[bool]) -> Any:
    """A column's values in the rows kept (the column itself when every row is)."""
    if all(keep):
        return lambda values: values
    return lambda values: list(compress(values, keep))
