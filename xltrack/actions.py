"""Key-work tracking (重点工作跟踪): leadership instructions followed until they are done.

Items due within a week are followed up every 3 days, within a month weekly, later monthly.
On the cut-off day (the 25th) the month is summarised; finished items stop being tracked and
unfinished ones roll over into next month's table with a newly agreed deadline, keeping the
history of every slip. An item is closed only with a completion date and evidence.
"""

from __future__ import annotations

import calendar
import datetime as dt
from enum import StrEnum
from typing import Any, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from .errors import UsageError
from .models import check_period, period_months


class Source(StrEnum):
    INSTRUCTION = "instruction"  # 领导批示
    MINUTES = "minutes"  # 会议纪要
    RESOLUTION = "resolution"  # 董事会决议


class Status(StrEnum):
    OPEN = "open"
    IN_PROGRESS = "in progress"
    DONE = "done"


class Cadence(BaseModel):
    """How often to follow an item up, by how far away its deadline is (days)."""

    model_config = ConfigDict(frozen=True)
    week_days: int = 7  # due within this many days …
    week_every: int = 3  # … follow up every 3 days
    month_days: int = 31  # due within a month …
    month_every: int = 7  # … weekly; anything later: monthly
    due_soon_days: int = 7
    cutoff_day: int = Field(25, ge=1, le=31)


DEFAULT_CADENCE = Cadence()


class Note(BaseModel):
    model_config = ConfigDict(frozen=True)
    on: dt.date
    text: str


class Reschedule(BaseModel):
    """A newly agreed deadline: from, to, and when it was agreed."""

    model_config = ConfigDict(frozen=True)
    previous: dt.date
    deadline: dt.date
    agreed_on: dt.date


class ActionItem(BaseModel):
    model_config = ConfigDict(frozen=True)
    id: str = Field(min_length=1)
    source: Source
    reference: str = ""  # document number of the instruction, minutes or resolution
    source_date: dt.date
    project: str = ""
    variance: str = ""  # the variance that caused it, e.g. "RE01-P01 INV-YTD 2026-10"
    content: str = Field(min_length=1)
    department: str = Field(min_length=1)
    person: str = ""
    original_deadline: dt.date
    deadline: dt.date
    history: tuple[Reschedule, ...] = ()
    status: Status = Status.OPEN
    notes: tuple[Note, ...] = ()
    completed_on: dt.date | None = None
    evidence: str = ""
    months_rolled: int = 0

    @model_validator(mode="after")
    def _closed_with_proof(self) -> Self:
        if self.status is Status.DONE and (self.completed_on is None or not self.evidence.strip()):
            raise ValueError(f"item {self.id} is marked done without a completion date and "
                             "evidence; give both, or leave it open")
        return self

    @property
    def last_contact(self) -> dt.date:
        return max([self.source_date, *(n.on for n in self.notes)])


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day `months` later, held to the month's last day (31 Jan + 1 = 28/29 Feb)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return dt.date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def next_follow_up(item: ActionItem, as_of: dt.date, cadence: Cadence = DEFAULT_CADENCE) -> dt.date:
    """When to chase the item next: the last contact plus its cadence, never after its deadline,
    and today when that day has already passed."""
    remaining = (item.deadline - as_of).days
    if remaining <= cadence.week_days:
        due = item.last_contact + dt.timedelta(days=cadence.week_every)
    elif remaining <= cadence.month_days:
        due = item.last_contact + dt.timedelta(days=cadence.month_every)
    else:
        due = add_months(item.last_contact, 1)
    return max(min(due, item.deadline), as_of)


def is_tracked(item: ActionItem) -> bool:
    return item.status is not Status.DONE


def is_overdue(item: ActionItem, as_of: dt.date) -> bool:
    return is_tracked(item) and item.deadline < as_of


def is_due_soon(item: ActionItem, as_of: dt.date, cadence: Cadence = DEFAULT_CADENCE) -> bool:
    return is_tracked(item) and 0 <= (item.deadline - as_of).days <= cadence.due_soon_days


def follow_ups(items: list[ActionItem], as_of: dt.date,
               cadence: Cadence = DEFAULT_CADENCE) -> list[ActionItem]:
    """Items to chase today, overdue first, then by deadline."""
    due = [i for i in items if is_tracked(i) and next_follow_up(i, as_of, cadence) <= as_of]
    return sorted(due, key=lambda i: (not is_overdue(i, as_of), i.deadline, i.id))


def cutoff(month: str, cadence: Cadence = DEFAULT_CADENCE) -> dt.date:
    """The month's cut-off date: the cutoff day, or the month's last day when shorter."""
    year, number = period_months(check_period(month))
    return dt.date(year, number, min(cadence.cutoff_day, calendar.monthrange(year, number)[1]))


def month_summary(items: list[ActionItem], month: str,
                  cadence: Cadence = DEFAULT_CADENCE) -> dict[str, object]:
    """What the month's cut-off reports: done in the month, still open, overdue, by department."""
    end = cutoff(month, cadence)
    previous = f"{(end.replace(day=1) - dt.timedelta(days=1)):%Y-%m}"
    start = cutoff(previous, cadence) + dt.timedelta(days=1)
    done = [i for i in items if i.completed_on and start <= i.completed_on <= end]
    still_open = [i for i in items if is_tracked(i)]
    overdue = [i for i in still_open if i.deadline <= end]
    departments: dict[str, dict[str, int]] = {}
    for i in items:
        counts = departments.setdefault(i.department, {"open": 0, "overdue": 0, "done": 0})
        counts["open"] += is_tracked(i)
        counts["overdue"] += i in overdue
        counts["done"] += i in done
    return {"month": month, "from": start, "cutoff": end, "done": [i.id for i in done],
            "open": [i.id for i in still_open], "overdue": [i.id for i in overdue],
            "departments": departments}


def rollover(items: list[ActionItem], month: str, new_deadlines: dict[str, dt.date],
             cadence: Cadence = DEFAULT_CADENCE) -> list[ActionItem]:
    """Next month's table: finished items leave; every unfinished one needs a new deadline.

    Refuses (UsageError naming the items) when an unfinished item has no new deadline or one
    that is not after the cut-off; the agreed change is added to the item's history.
    """
    end = cutoff(month, cadence)
    carried, missing = [], []
    for item in items:
        if not is_tracked(item):
            continue
        deadline = new_deadlines.get(item.id)
        if deadline is None or deadline <= end:
            missing.append(item.id)
            continue
        history = item.history
        if deadline != item.deadline:
            history = (*history, Reschedule(previous=item.deadline, deadline=deadline,
                                            agreed_on=end))
        carried.append(item.model_copy(update={
            "deadline": deadline, "history": history, "months_rolled": item.months_rolled + 1}))
    if missing:
        raise UsageError(f"{len(missing)} unfinished item(s) need a newly agreed deadline after "
                         f"{end} before they can roll over: {', '.join(missing)}. Enter it in "
                         "the 新期限 New deadline column.")
    return carried


def items_for_major_variances(flags: Any, period: str, existing: list[ActionItem],
                              today: dt.date) -> list[ActionItem]:
    """One tracked item per project with a major variance: the instruction that follows its
    special report. Projects already tracked for the period are left as they are."""
    known = {i.id for i in existing}
    new = []
    majors = flags[flags.severity == "major"]
    for project, rows in majors.groupby("project"):
        item_id = f"KW-{period}-{project}"
        if item_id in known:
            continue
        rules = ", ".join(sorted(set(rows.rule_id)))
        deadline = add_months(today, 1)
        new.append(ActionItem(
            id=item_id, source=Source.INSTRUCTION, reference=f"专项报告 {project} {period}",
            source_date=today, project=str(project), variance=f"{project} {rules} {period}",
            content=f"落实 {project} 重大差异（{rules}）的纠偏措施并报告结果",
            department=str(rows.subsidiary.iloc[0]), original_deadline=deadline,
            deadline=deadline))
    return new
