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
from functools import partial
from itertools import compress
from operator import is_not
from typing import Any

from . import contract as c
from .reader import ROW, TableData

# Amount-bearing tables: (table, the columns that name the item, the measure column or None)
AMOUNTS = {"Budget": (("cost_code",), None), "SalesForecast": (("product",), "measure"),
           "ActualCost": (("cost_code",), None), "ActualSales": (("product",), "measure")}
MONTHS = c.MONTH_KEYS  # a year row's amounts, in this order
_dumps = json.JSONEncoder(ensure_ascii=False).encode
_PRESENT = partial(is_not, None)
_NOTHING = (None,) * len(MONTHS)


def record_rows(sub_id: int, data: TableData) -> list[tuple[Any, ...]]:
    """`records` rows: (submission, table, Excel row, project, the row's other cells as JSON,
    dates as ISO text); the amounts (the months, the amount, the total they make) are kept
    once, in `amounts`, with their cells."""
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
    return list(zip([sub_id] * n, [data.spec.name] * n, list(data.columns[ROW]), projects, rows,
                    strict=True))


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
    item_keys, measure_key = AMOUNTS[data.spec.name]
    columns, n, name, sheet = data.columns, len(data), data.spec.name, data.sheet
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
        k = sum(keep)
        letters = "".join(f"{data.letters[key]:<3}" for key in MONTHS)
        return list(zip([sub_id] * k, [name] * k, kept(projects), kept(items), kept(measures),
                        [sheet] * k, kept(excel_rows), list(map(int, kept(list(columns["year"])))),
                        [letters] * k, *map(kept, months), strict=True))
    amounts = list(columns["amount"])
    keep = list(map(_PRESENT, amounts))
    kept, k = _kept(keep), sum(keep)
    return list(zip([sub_id] * k, [name] * k, kept(projects), kept(items), kept(measures),
                    [sheet] * k, kept(excel_rows), [period] * k,
                    [data.letters["amount"]] * k, kept(amounts), strict=True))


def _kept(keep: list[bool]) -> Any:
    """A column's values in the rows kept (the column itself when every row is)."""
    if all(keep):
        return lambda values: values
    return lambda values: list(compress(values, keep))
