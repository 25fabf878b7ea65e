"""Roll-ups for a period: project → subsidiary → segment → group. Pure pandas, no I/O.

Every figure is a sum of facts chosen by `select_facts`; `trace` lists the same facts, so a
figure and its explanation can never disagree. Amounts are in yuan; sums are rounded to the
cent only to remove floating-point noise.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .models import add_months, period_months
from .rows import records
from .settings import Register

INVESTMENT = "investment"
ACTUAL, PLAN, BASELINE = "actual", "plan", "baseline"
SPANS = ("month", "ytd", "to_date", "at_completion")
LEVELS = ("project", "subsidiary", "segment", "group")
GROUP = "GROUP"
# What a fact carries (store.facts_in_force): the amount, its origin and its submission.
FACT_COLUMNS = ("submission_id", "project", "tbl", "item", "measure", "month", "amount", "sheet",
                "cell", "kind", "subsidiary", "period", "revision", "received_at", "file")
# What choosing the facts in force needs; the origins (file, sheet, cell) are left behind when
# only the sums are wanted, which keeps a large history's working copies small.
SELECTION_COLUMNS = ["submission_id", "project", "tbl", "measure", "month", "amount", "period",
                     "revision", "received_at"]
ACTUAL_TABLES = {"ActualCost", "ActualSales"}
PLAN_TABLES = {"Budget", "SalesForecast"}


_INVESTMENT_TABLES = ("Budget", "ActualCost")
_SALES_TABLES = ("SalesForecast", "ActualSales")


def indicator_of(table: str, measure: str) -> str:
    return INVESTMENT if table in _INVESTMENT_TABLES else f"sales:{measure}"


def indicator_tables(indicator: str) -> tuple[str, str]:
    """The plan table and the actual table whose amounts make up this indicator."""
    return _INVESTMENT_TABLES if indicator == INVESTMENT else _SALES_TABLES


@dataclass
class Consolidation:
    period: str
    figures: pd.DataFrame  # level, key, indicator, basis, span, amount
    projects: pd.DataFrame  # one row per register project, with segment and major flag
    milestones: pd.DataFrame  # one row per project milestone of the current plan
    _index: dict[tuple[str, ...], float] | None = field(default=None, repr=False)

    def figure(self, level: str, key: str, indicator: str, basis: str, span: str) -> float:
        """One consolidated amount; 0 where nothing was planned or reported."""
        if self._index is None:
            f = self.figures
            self._index = dict(zip(zip(f.level.tolist(), f.key.tolist(), f.indicator.tolist(),
                                       f.basis.tolist(), f.span.tolist(), strict=True),
                                   f.amount.tolist(), strict=True))
        return float(self._index.get((level, key, indicator, basis, span), 0.0))


def select_facts(facts: pd.DataFrame, period: str) -> pd.DataFrame:
    """The facts that count for `period`, each tagged with its basis and indicator.

    actual: monthly amounts up to the period. plan: each project's newest budget and forecast
    (highest revision, then latest period, then latest received). baseline: the lowest revision
    on file per project and table (normally revision 1), chosen among its copies the same way.
    """
    return pd.concat(list(_selected_parts(with_indicator(facts, period), period)),
                     ignore_index=True)


def with_indicator(facts: pd.DataFrame, period: str) -> pd.DataFrame:
    """The facts filed up to `period`, each with its indicator."""
    if facts.empty:  # no submission yet: the same columns, no rows
        facts = pd.DataFrame({k: pd.Series(dtype=float if k == "amount" else object)
                              for k in FACT_COLUMNS})
    in_force = facts.period <= period
    if not in_force.all():
        facts = facts[in_force]
    investment = facts.tbl.isin(_INVESTMENT_TABLES)
    labels = {m: f"sales:{m}" for m in _factorized(facts.measure)[1]}  # one text per measure
    return facts.assign(indicator=facts.measure.map(labels).where(~investment, INVESTMENT))


def _selected_parts(facts: pd.DataFrame, period: str,
                    columns: list[str] | None = None) -> Iterator[pd.DataFrame]:
    """select_facts' three parts (actual, plan, baseline), one at a time, with `columns`.

    Chosen by masks over the facts, so that only the rows and columns asked for are copied."""
    columns = columns or list(facts.columns)
    actual = facts.tbl.isin(ACTUAL_TABLES) & (facts.month <= period)
    yield facts.loc[actual, columns].assign(basis=ACTUAL)
    planned = facts.tbl.isin(PLAN_TABLES)
    yield facts.loc[_newest(facts, planned), columns].assign(basis=PLAN)
    baseline = _newest(facts, planned & _first_revision(facts, ["project", "tbl"]))
    yield facts.loc[baseline, columns].assign(basis=BASELINE)


def _first_revision(rows: pd.DataFrame, by: list[str]) -> pd.Series:
    """The rows of the lowest revision on file for each of `by` (revision 1, unless the
    project's baseline was filed before xltrack): the first approved version, the baseline
    (DOMAIN.md). A corrected copy of that revision is chosen among them as any version is."""
    return rows.revision == rows.groupby(by).revision.transform("min")


def _newest(facts: pd.DataFrame, among: pd.Series, pair: np.ndarray | None = None) -> pd.Series:
    """Among these facts, per project and table, those of the newest submission that covers
    it (highest revision, then latest period, then latest received).

    Each fact gets one integer for its (project, table) and one for its (project, table,
    submission): the choice is made among the few distinct versions, and matched back to the
    facts by integers rather than by comparing texts row by row."""
    if not among.any():
        return among
    if pair is None:  # or given: one integer per (project, table), as _pairs makes it
        pair = _pairs(facts)
    submission = facts.submission_id.to_numpy(dtype="int64")
    version = pair * (int(submission.max()) + 1) + submission
    inside = np.flatnonzero(among.to_numpy(dtype=bool))
    # one fact per version, by its position: the facts among are not copied for it
    first = inside[pd.Series(version[inside]).drop_duplicates().index]
    newest = _newest_versions(pair[first], version[first], [
        facts[k].to_numpy()[first] for k in ("revision", "period", "received_at",
                                               "submission_id")])
    # a table of the few newest versions, looked up by each fact (numpy's isin would sort
    # all the facts' versions with them)
    return among & pd.Series(version, index=among.index).isin(newest)


def _newest_versions(pair: np.ndarray, version: np.ndarray,
                     order: list[np.ndarray]) -> np.ndarray:
    """The newest of these versions for each pair: the last in order of `order` (revision,
    period, received, submission). The versions are few: put in order as Python values,
    unless one is missing (then as a frame, which sorts a missing value last)."""
    keys = [column.tolist() for column in order]
    if all(v is not None and v == v for column in keys for v in column):
        last: dict[Any, Any] = {}
        for at in sorted(range(len(version)), key=lambda i: tuple(k[i] for k in keys)):
            last[pair[at]] = version[at]
        return np.array(list(last.values()), dtype=version.dtype)
    versions = pd.DataFrame({"pair": pair, "version": version,
                             **dict(zip(["revision", "period", "received_at", "submission_id"],
                                        order, strict=True))})
    newest: np.ndarray = (versions.sort_values(["revision", "period", "received_at",
                                                "submission_id"])
                          .groupby("pair").tail(1).version.to_numpy())
    return newest


def _pairs(facts: pd.DataFrame) -> np.ndarray:
    """One integer for each fact's (project, table)."""
    projects, _ = _factorized(facts.project)
    tables, table_names = _factorized(facts.tbl)
    pair: np.ndarray = projects.astype("int64") * len(table_names) + tables
    return pair


def _factorized(column: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """pandas.factorize's codes and uniques of a column of few distinct values. Given its
    values as an array and a small size hint, pandas does not size its table for as many
    distinct values as rows (for a text column, several times the memory of the column)."""
    codes, uniques = pd.factorize(column.to_numpy(), size_hint=1024)
    return codes, np.asarray(uniques)


def newest_each_month(facts: pd.DataFrame, among: pd.Series, months: list[str]) -> pd.Series:
    """Which of these facts count as the plan in force in their own month: those of the
    version `_newest` would choose among the versions filed up to that month.

    The versions are put in order once (the same order as `_newest`), and each month takes,
    per project and table, the last of them filed by then: one pass for a whole series of
    months, rather than a choice over the whole history for each month."""
    if not among.any() or not months:
        return pd.Series(False, index=facts.index)
    inside = np.flatnonzero(among.to_numpy(dtype=bool))
    versions = (facts.iloc[inside][["project", "tbl", "submission_id", "revision", "period",
                                    "received_at"]]
                .drop_duplicates(["project", "tbl", "submission_id"])
                .sort_values(["revision", "period", "received_at", "submission_id"]))
    in_force: dict[tuple[Any, Any, Any], Any] = {}  # (project, table, month): its submission
    order = list(zip(versions.project.tolist(), versions.tbl.tolist(), versions.period.tolist(),
                     versions.submission_id.tolist(), strict=True))
    for month in months:
        for project, table, when, submission in order:
            if when <= month:
                in_force[(project, table, month)] = submission
    # each fact looked up by its project, table and month (as a MultiIndex.isin of the
    # (project, table, month, submission) in force, in plain Python: the facts are few)
    keys = zip(*(facts[k].to_numpy()[inside].tolist()
                 for k in ("project", "tbl", "month", "submission_id")), strict=True)
    missing = object()
    hit = np.array([in_force.get((project, table, month), missing) == submission
                    for project, table, month, submission in keys], dtype=bool)
    chosen = np.zeros(len(facts), dtype=bool)
    chosen[inside[hit]] = True
    return pd.Series(chosen, index=facts.index)


def _span_masks(selected: pd.DataFrame, period: str) -> dict[str, pd.Series]:
    """Which facts fall in each span (a fact may fall in several)."""
    year = period[:4]
    return {"month": selected.month == period,
            "ytd": (selected.month >= f"{year}-01") & (selected.month <= period),
            "to_date": selected.month <= period,
            "at_completion": selected.basis != ACTUAL}


def _spans(selected: pd.DataFrame, period: str) -> pd.DataFrame:
    """One row per fact and span it falls in."""
    return pd.concat([selected[mask].assign(span=span)
                      for span, mask in _span_masks(selected, period).items()],
                     ignore_index=True)


def projects_frame(register: Register) -> pd.DataFrame:
    rows = []
    for p in register.projects:
        segment = register.segment_of(p)
        rows.append({"project": p.id, "name": p.name, "subsidiary": p.subsidiary,
                     "segment": segment.code, "major": register.is_major(p),
                     "board_designated": p.board_designated,
                     "approved_investment": p.approved_investment,
                     "fs_total_investment": p.feasibility.total_investment,
                     "fs_start": p.feasibility.start, "fs_finish": p.feasibility.finish,
                     "fs_sales_amount": p.feasibility.sales_amount,
                     # the register's names, for the documents people read
                     "segment_zh": segment.name_zh, "segment_en": segment.name_en,
                     "subsidiary_name": register.subsidiary(p.subsidiary).name})
    return pd.DataFrame(rows)


def consolidate(facts: pd.DataFrame, register: Register, period: str,
                plan: pd.DataFrame | None = None,
                progress: pd.DataFrame | None = None) -> Consolidation:
    """Figures for every level and span, and the milestone status of every project."""
    projects = projects_frame(register)
    summed = _summed(facts, period)
    by_project = _complete(summed, projects)
    with_owner = by_project.merge(projects[["project", "subsidiary", "segment"]], on="project")
    with_owner["group"] = GROUP
    figures = _rolled_up(with_owner)
    figures["amount"] = figures.amount.round(2)
    return Consolidation(period, figures, projects,
                         milestone_status(plan, progress, period))


_FIGURE_COLUMNS = ["level", "key", "indicator", "basis", "span", "amount"]


def _rolled_up(with_owner: pd.DataFrame) -> pd.DataFrame:
    """Each level's sums per key, indicator, basis and span, level after level.

    Each level's amounts are grouped (once per level, as before: pandas' float sums depend on
    the rows grouped with them) by one integer per group, its texts' ranks as they sort: the
    same groups in the same order, so the same sums, without four keys to group by."""
    keys = [with_owner[k] for k in (*LEVELS, "indicator", "basis", "span")]
    if with_owner.amount.dtype != np.float64 or any(k.isna().any() for k in keys):
        return _rolled_up_by_frames(with_owner)
    ranked = [pd.factorize(k, sort=True) for k in keys]
    (ind, ind_names), (bas, bas_names), (spa, spa_names) = ranked[len(LEVELS):]
    width = len(ind_names) * len(bas_names) * len(spa_names)
    within = (ind.astype(np.int64) * len(bas_names) + bas) * len(spa_names) + spa
    amount = pd.Series(with_owner.amount.to_numpy())
    parts = []
    for level, (codes, names) in zip(LEVELS, ranked, strict=False):
        sums = amount.groupby(codes.astype(np.int64) * width + within).sum()
        code = sums.index.to_numpy()
        rest = code % width
        parts.append(pd.DataFrame({
            "level": level, "key": names.take(code // width),
            "indicator": ind_names.take(rest // (len(bas_names) * len(spa_names))),
            "basis": bas_names.take(rest // len(spa_names) % len(bas_names)),
            "span": spa_names.take(rest % len(spa_names)), "amount": sums.to_numpy()}))
    return pd.concat(parts, ignore_index=True)


def _rolled_up_by_frames(with_owner: pd.DataFrame) -> pd.DataFrame:
    """_rolled_up of amounts that are not all floats, or of a key missing: grouped as frames."""
    levels = []
    for level in LEVELS:
        rolled = (with_owner.groupby([level, "indicator", "basis", "span"]).amount.sum()
                  .reset_index().rename(columns={level: "key"}))
        levels.append(rolled.assign(level=level))
    return pd.concat(levels, ignore_index=True)[_FIGURE_COLUMNS]


def _summed(facts: pd.DataFrame, period: str) -> pd.DataFrame:
    """The selected facts' amounts summed per project, indicator, basis and span.

    The facts are not copied: each basis and span is a mask over them, and each project and
    indicator one integer, so that a sum is taken over the amounts alone. A group's amounts
    are summed in the facts' order, as a grouping of the selected rows by their texts sums
    them: the same sums. Each text column is made integers once, and what is asked of its
    texts (a month up to the period, an actual table) asked of its few distinct values."""
    columns = ["project", "indicator", "basis", "span", "amount"]
    needed = facts[SELECTION_COLUMNS] if set(SELECTION_COLUMNS) <= set(facts.columns) else facts
    coded = _coded(needed, period)
    if coded is None:
        return pd.DataFrame({k: pd.Series(dtype=float if k == "amount" else object)
                             for k in columns})
    tagged, (projects, project_names), (indicators, indicator_names), tables, months = coded
    del coded
    # the masks asked of the months and tables, and the keys of the sums, made first and the
    # codes let go, so that few arrays as long as the facts are held at once
    year = period[:4]
    up_to = months(lambda m: m <= period)
    spans = {"month": months(lambda m: m == period),
             "ytd": months(lambda m: m >= f"{year}-01") & up_to,
             "to_date": up_to, "at_completion": None}  # as _span_masks
    del months
    planned, actual = tables(PLAN_TABLES), tables(ACTUAL_TABLES) & up_to
    # (project, table) as one integer, made once for both choices and the first revision
    pair = projects * len(tables.names) + tables.codes
    del tables
    width = max(len(indicator_names), 1)
    key = projects * width + indicators
    del projects, indicators
    revision = tagged.revision.to_numpy()
    first = revision == revision_min(pair, revision)[pair]
    bases = {ACTUAL: actual,
             PLAN: _newest(tagged, pd.Series(planned, index=tagged.index), pair).to_numpy(),
             BASELINE: _newest(tagged, pd.Series(planned & first, index=tagged.index),
                               pair).to_numpy()}
    del pair, first, planned, actual
    amount = tagged.amount.to_numpy(dtype="float64")
    del tagged
    sums = []
    for basis, chosen in bases.items():
        for span, mask in spans.items():
            if mask is None and basis == ACTUAL:  # the actual has no amount at completion
                continue
            rows = chosen if mask is None else chosen & mask
            if not rows.any():
                continue
            summed = pd.Series(amount[rows]).groupby(key[rows]).sum()
            codes = summed.index.to_numpy()
            sums.append((codes, basis, span, summed.to_numpy()))
    if not sums:
        return pd.DataFrame({k: pd.Series(dtype=float if k == "amount" else object)
                             for k in columns})
    # the sums as one frame made of their columns (the frame their frames concatenated make)
    codes = np.concatenate([part[0] for part in sums])
    every = pd.DataFrame({
        "project": project_names[codes // width], "indicator": indicator_names[codes % width],
        **{name: np.concatenate([np.full(len(part[0]), part[i], dtype=object) for part in sums])
           for i, name in ((1, "basis"), (2, "span"))},
        "amount": np.concatenate([part[3] for part in sums])})
    return every.groupby(columns[:-1]).amount.sum().reset_index()


def revision_min(group: np.ndarray, revision: np.ndarray) -> np.ndarray:
    """The lowest revision of each group (an integer each, from 0)."""
    lowest = np.full(int(group.max()) + 1 if len(group) else 0, np.iinfo(np.int64).max,
                     dtype=revision.dtype)
    np.minimum.at(lowest, group, revision)
    return lowest


class _Coded:
    """A text column as integers, and which of its rows' texts pass a test, asked of each
    distinct text once (a row without one passes none, as pandas compares a missing text)."""

    def __init__(self, column: pd.Series) -> None:
        self.codes, self.names = _factorized(column)

    def __call__(self, test: Any) -> np.ndarray:
        if callable(test):
            passed = [bool(test(name)) for name in self.names]
        else:  # a set of texts
            passed = [name in test for name in self.names]
        chosen: np.ndarray = np.array([*passed, False], dtype=bool)[self.codes]
        return chosen


def _coded(facts: pd.DataFrame, period: str) -> tuple[
        pd.DataFrame, tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray],
        _Coded, _Coded] | None:
    """The facts filed up to `period` (as with_indicator chooses them), their projects and
    indicators as integers with their texts, and their tables and months coded; None when
    there are none. Facts missing a project, table, measure or month are tagged by
    with_indicator and coded from its texts."""
    if facts.empty:
        return None
    in_force = _Coded(facts.period)(lambda p: p <= period)
    if not in_force.all():
        facts = facts[in_force]
        if facts.empty:
            return None
    projects, project_names = _factorized(facts.project)
    tables, measures = _Coded(facts.tbl), _Coded(facts.measure)
    if (projects < 0).any() or (tables.codes < 0).any() or (measures.codes < 0).any():
        tagged = with_indicator(facts, period)
        indicators: tuple[np.ndarray, np.ndarray] = _factorized(tagged.indicator)
    else:  # investment, or the sales of a measure (with_indicator's texts)
        investment = tables(set(_INVESTMENT_TABLES))
        indicators = (np.where(investment, 0, measures.codes + 1),
                      np.array([INVESTMENT, *(f"sales:{m}" for m in measures.names)],
                               dtype=object))
    months = _Coded(facts.month)
    return facts, (projects, project_names), indicators, tables, months


def _complete(by_project: pd.DataFrame, projects: pd.DataFrame) -> pd.DataFrame:
    """Every project × indicator seen × basis × span, with zeros where nothing was reported,
    so that 'nothing spent' is a figure of 0 and not a missing row."""
    indicators = sorted(set(by_project.indicator)) or [INVESTMENT]
    grid = pd.MultiIndex.from_product(
        [projects.project, indicators, (ACTUAL, PLAN, BASELINE), SPANS],
        names=["project", "indicator", "basis", "span"]).to_frame(index=False)
    grid = grid[~((grid.basis == ACTUAL) & (grid.span == "at_completion"))]
    merged = grid.merge(by_project, how="left", on=["project", "indicator", "basis", "span"])
    merged["amount"] = merged.amount.fillna(0.0)
    return merged


def trace(facts: pd.DataFrame, period: str, project: str, indicator: str = INVESTMENT,
          basis: str | None = None, span: str | None = None) -> pd.DataFrame:
    """The facts behind a project's figures: file, sheet, cell, month and amount of each."""
    spans = _spans(select_facts(facts, period), period)
    hit = spans[(spans.project == project) & (spans.indicator == indicator)]
    if basis:
        hit = hit[hit.basis == basis]
    if span:
        hit = hit[hit.span == span]
    hit = hit.assign(_row=hit.cell.str.extract(r"(\d+)$", expand=False).astype(int))
    return hit.sort_values(["basis", "span", "month", "file", "sheet", "_row", "cell"])[
        ["basis", "span", "month", "item", "amount", "file", "sheet", "cell",
         "submission_id"]].reset_index(drop=True)


def _current(records: pd.DataFrame) -> pd.DataFrame:
    """Each project's rows from the newest submission (revision, period, received)."""
    columns = [records[k] for k in ("revision", "period", "received_at", "submission_id")]
    if records.project_id.isna().any() or any(column.isna().any() for column in columns):
        return _current_by_frames(records)
    # the newest submission of each project: the last of its rows in order of their ranks in
    # each column (as a sort of the columns orders them), found by integers
    ranks = [pd.factorize(column, sort=True)[0] for column in columns]
    projects = pd.factorize(records.project_id)[0]
    order = np.lexsort(ranks[::-1])
    last = np.full(int(projects.max()) + 1 if len(projects) else 0, -1, dtype=np.int64)
    np.maximum.at(last, projects[order], np.arange(len(order)))  # each project's last place
    submission = records.submission_id.to_numpy()
    current: pd.DataFrame = records[submission == submission[order[last]][projects]]
    return current


def _current_by_frames(records: pd.DataFrame) -> pd.DataFrame:
    """_current of rows missing a project or part of their submission's order."""
    order = records.sort_values(["revision", "period", "received_at", "submission_id"])
    newest = order.groupby("project_id").submission_id.last().rename("newest")
    joined = records.join(newest, on="project_id")
    return joined[joined.submission_id == joined.newest].drop(columns="newest")


def milestone_status(plan: pd.DataFrame | None, progress: pd.DataFrame | None,
                     period: str) -> pd.DataFrame:
    """The current plan's milestones with their latest progress and slip in days."""
    columns = ["project", "milestone_id", "milestone", "key_milestone", "weight_pct",
               "planned_start", "planned_finish", "baseline_finish", "actual_start",
               "actual_finish", "pct_complete", "forecast_finish", "slip_days", "status"]
    if plan is None or plan.empty:
        return pd.DataFrame(columns=columns)
    current = _current(plan)
    baseline = _current(plan[_first_revision(plan, ["project_id"])])[
        ["project_id", "milestone_id", "planned_finish"]]
    merged = current.merge(baseline.rename(columns={"planned_finish": "baseline_finish"}),
                           on=["project_id", "milestone_id"], how="left")
    if progress is not None and not progress.empty:
        latest = (progress[progress.period <= period]
                  .sort_values(["period", "received_at", "submission_id"])
                  .groupby(["project_id", "milestone_id"]).tail(1))
        merged = merged.merge(latest[["project_id", "milestone_id", "actual_start",
                                      "actual_finish", "pct_complete", "forecast_finish"]],
                              on=["project_id", "milestone_id"], how="left")
    else:
        for key in ("actual_start", "actual_finish", "pct_complete", "forecast_finish"):
            merged[key] = None
    month_end = _month_end(period)
    rows = records(merged)
    merged["slip_days"] = [_slip(r, month_end) for r in rows]
    merged["status"] = [_status(r, month_end) for r in rows]
    merged = merged.rename(columns={"project_id": "project"})
    return merged[columns].sort_values(["project", "milestone_id"]).reset_index(drop=True)


def _month_end(period: str) -> dt.date:
    year, month = period_months(add_months(period, 1))
    return dt.date(year, month, 1) - dt.timedelta(days=1)


def as_date(value: object) -> dt.date | None:
    """A date from a date, or from the ISO text the store keeps; None otherwise."""
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and value:
        return dt.date.fromisoformat(value)
    return None


def _slip(row: dict[Any, Any], month_end: dt.date) -> int | None:
    """Days late: actual finish, else forecast finish, else (if overdue) the period end."""
    planned = as_date(row["planned_finish"])
    if planned is None:
        return None
    finish = as_date(row.get("actual_finish")) or as_date(row.get("forecast_finish"))
    if finish is None and planned < month_end:
        finish = month_end
    return (finish - planned).days if finish else 0


def _status(row: dict[Any, Any], month_end: dt.date) -> str:
    if as_date(row.get("actual_finish")):
        return "done"
    planned = as_date(row["planned_finish"])
    if planned and planned < month_end:
        return "overdue"
    started = row.get("pct_complete")
    if as_date(row.get("actual_start")) or (isinstance(started, float) and started > 0):
        return "in progress"
    return "not started"

