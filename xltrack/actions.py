"""Key-work tracking (重点工作跟踪): leadership instructions followed until they are done.

Items due within a week are followed up every 3 days, within a month weekly, later monthly
(the cadence and the cut-off day are settings: Cadence).
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
from .words import COMPARISON, KEY_WORK_SOURCE, KEY_WORK_STATUS, LANGS, key_work_flag, word


class Source(StrEnum):
    INSTRUCTION = "instruction"  # 领导批示
    MINUTES = "minutes"  # 会议纪要
    RESOLUTION = "resolution"  # 董事会决议


class Status(StrEnum):
    OPEN = "open"  # 未开始
    IN_PROGRESS = "in progress"  # 进行中
    DONE = "done"  # 已完成


# The words a clerk picks from the drop-downs (words.py): Chinese in the Chinese table,
# English in the English one; both are read back, whichever table they were pasted into.
SOURCE_WORDS = {lang: {s: word(KEY_WORK_SOURCE, s.value, lang) for s in Source}
                for lang in LANGS}
STATUS_WORDS = {lang: {s: word(KEY_WORK_STATUS, s.value, lang) for s in Status}
                for lang in LANGS}


def _parse(text: str, words: dict[str, dict[Any, str]]) -> Any:
    wanted = text.strip().lower()
    for table in words.values():
        for code, shown in table.items():
            if shown.lower() == wanted:
                return code
    return None


def parse_source(text: str) -> Source | None:
    """领导批示 / instruction …, else None."""
    found: Source | None = _parse(text, SOURCE_WORDS)
    return found


def parse_status(text: str) -> Status | None:
    """未开始 / open …, else None."""
    found: Status | None = _parse(text, STATUS_WORDS)
    return found


class Cadence(BaseModel):
    """How often to follow an item up, by how many days are left to its deadline.

    Due within `near_days` days: every `near_every` days; within `month_days` days: every
    `month_every` days; later: monthly (the same day of the next month). `cutoff_day` is the
    day of the month the table is summarised and rolled over.
    """

    model_config = ConfigDict(frozen=True)
    near_days: int = Field(7, ge=0, le=366)
    near_every: int = Field(3, ge=1, le=366)
    month_days: int = Field(31, ge=0, le=366)
    month_every: int = Field(7, ge=1, le=366)
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
    person: str = Field(min_length=1)  # DOMAIN: every item has a responsible person
    original_deadline: dt.date
    deadline: dt.date
    history: tuple[Reschedule, ...] = ()
    status: Status = Status.OPEN
    notes: tuple[Note, ...] = ()  # oldest first: the last one is the latest contact
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
        """The source date or the date of the last progress note, whichever is later (the
        table's formula reads the same two cells)."""
        return max(self.source_date, self.notes[-1].on) if self.notes else self.source_date


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day `months` later, held to the month's last day (31 Jan + 1 = 28/29 Feb),
    as Excel's EDATE does."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return dt.date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def next_follow_up(item: ActionItem, as_of: dt.date, cadence: Cadence = DEFAULT_CADENCE) -> dt.date:
    """The first day after the last contact on which the item is due a chase, by the band
    that day falls in (so the date does not jump when the item enters a shorter band), never
    after the deadline, and today when that day has passed.

    A day d is in the near band when deadline − d ≤ near_days, in the month band when
    deadline − d ≤ month_days; a chase is due on d when d − last contact reaches the band's
    interval. The earliest such day is the smallest of the three candidates below.
    """
    last, deadline = item.last_contact, item.deadline
    near = max(last + dt.timedelta(days=cadence.near_every),
               deadline - dt.timedelta(days=cadence.near_days))
    month = max(last + dt.timedelta(days=cadence.month_every),
                deadline - dt.timedelta(days=cadence.month_days))
    due = min(near, month, add_months(last, 1), deadline)
    return max(due, as_of)


def is_tracked(item: ActionItem) -> bool:
    return item.status is not Status.DONE


def is_overdue(item: ActionItem, as_of: dt.date) -> bool:
    return is_tracked(item) and item.deadline < as_of


def is_due_soon(item: ActionItem, as_of: dt.date, cadence: Cadence = DEFAULT_CADENCE) -> bool:
    """Not yet overdue and due within the near band (today counts: 0 days left)."""
    return is_tracked(item) and 0 <= (item.deadline - as_of).days <= cadence.near_days


OVERDUE, DUE_SOON = key_work_flag("overdue"), key_work_flag("due_soon")


def flag(item: ActionItem, as_of: dt.date, cadence: Cadence = DEFAULT_CADENCE) -> str:
    """The 提示 Flag the table's formula shows for the item."""
    return (OVERDUE if is_overdue(item, as_of) else
            DUE_SOON if is_due_soon(item, as_of, cadence) else "")


CADENCE_SETTINGS = (  # Control sheet key, Cadence field
    ("follow_up_near_days", "near_days"), ("follow_up_near_every", "near_every"),
    ("follow_up_month_days", "month_days"), ("follow_up_month_every", "month_every"),
    ("key_work_cutoff_day", "cutoff_day"))


def cadence_from(values: dict[str, str], where: str = "控制台 Control") -> Cadence:
    """The cadence typed on the control workbook's Control sheet (a blank keeps the default)."""
    data: dict[str, int] = {}
    bad = []
    for key, name in CADENCE_SETTINGS:
        text = str(values.get(key, "")).strip()
        if text:
            if not text.isdigit():
                bad.append(f"{key} {text!r}")
                continue
            data[name] = int(text)
    try:
        if bad:
            raise ValueError
        return Cadence.model_validate(data)
    except ValueError:
        raise UsageError(f"{where}：跟进设置须为整数（截止日 1–31）：{'、'.join(bad) or data}",
                         f"{where}: the follow-up settings must be whole numbers (the cut-off "
                         f"day 1 to 31): {', '.join(bad) or data}") from None


def follow_ups(items: list[ActionItem], as_of: dt.date,
               cadence: Cadence = DEFAULT_CADENCE) -> list[ActionItem]:
    """Items to chase today, overdue first, then by deadline."""
    due = [i for i in items if is_tracked(i) and next_follow_up(i, as_of, cadence) <= as_of]
    return sorted(due, key=lambda i: (not is_overdue(i, as_of), i.deadline, i.id))


def cutoff(month: str, cadence: Cadence = DEFAULT_CADENCE) -> dt.date:
    """The month's cut-off date: the cutoff day, or the month's last day when shorter."""
    year, number = period_months(check_period(month))
    return dt.date(year, number, min(cadence.cutoff_day, calendar.monthrange(year, number)[1]))


SUMMARY_COUNTS = ("done_on_time", "done_late", "open", "overdue", "rolled_over")


def month_summary(items: list[ActionItem], month: str,
                  cadence: Cadence = DEFAULT_CADENCE) -> dict[str, Any]:
    """What the month's cut-off reports, for the performance review.

    The month runs from the day after the previous cut-off to this cut-off, both inclusive.
    Done on time / late: completed in that span, on or before / after the item's current
    deadline. Open: not done by the cut-off (still open, or completed after it: a roll-over
    run after the cut-off reports the month as it stood on that day). Overdue: open with a
    deadline before the cut-off day. Rolled over: open items that have already slipped into
    this month from an earlier one.
    """
    end = cutoff(month, cadence)
    previous = f"{(end.replace(day=1) - dt.timedelta(days=1)):%Y-%m}"
    start = cutoff(previous, cadence) + dt.timedelta(days=1)
    done = [i for i in items if i.status is Status.DONE and i.completed_on
            and start <= i.completed_on <= end]
    still_open = [i for i in items if is_tracked(i) or i.status is Status.DONE
                  and i.completed_on is not None and i.completed_on > end]
    overdue = [i for i in still_open if i.deadline < end]
    people: dict[tuple[str, str], dict[str, int]] = {}
    for i in [*done, *still_open]:
        counts = people.setdefault((i.department, i.person), dict.fromkeys(SUMMARY_COUNTS, 0))
        if i in done:
            counts["done_on_time" if i.completed_on and i.completed_on <= i.deadline
                   else "done_late"] += 1
        else:
            counts["open"] += 1
            counts["overdue"] += i in overdue
            counts["rolled_over"] += i.months_rolled > 0
    departments: dict[str, dict[str, int]] = {}
    for (department, _), counts in people.items():
        total = departments.setdefault(department, dict.fromkeys(SUMMARY_COUNTS, 0))
        for key, n in counts.items():
            total[key] += n
    return {"month": month, "from": start, "cutoff": end, "done": [i.id for i in done],
            "open": [i.id for i in still_open], "overdue": [i.id for i in overdue],
            "people": dict(sorted(people.items())), "departments": dict(sorted(
                departments.items()))}


def rollover(items: list[ActionItem], month: str, new_deadlines: dict[str, dt.date],
             cadence: Cadence = DEFAULT_CADENCE) -> list[ActionItem]:
    """Next month's items: finished items leave; every unfinished one needs a new deadline.

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
        carried.append(rolled(item, deadline, end))
    if missing:
        raise UsageError(f"{len(missing)} 项未完成事项须先商定晚于 {end} 的新期限才能结转："
                         f"{'、'.join(missing)}。请在“新期限”列填写。",
                         f"{len(missing)} unfinished item(s) need a newly agreed deadline after "
                         f"{end} before they can roll over: {', '.join(missing)}. Type it in "
                         "the 新期限 New deadline column.")
    return carried


def rolled(item: ActionItem, deadline: dt.date, agreed_on: dt.date) -> ActionItem:
    """The item carried into next month with its newly agreed deadline."""
    history = item.history
    if deadline != item.deadline:
        history = (*history, Reschedule(previous=item.deadline, deadline=deadline,
                                        agreed_on=agreed_on))
    return item.model_copy(update={"deadline": deadline, "history": history,
                                   "months_rolled": item.months_rolled + 1})


def items_for_major_variances(flags: Any, period: str, existing: list[ActionItem],
                              today: dt.date, owners: dict[str, str],
                              fallback_person: str,
                              units: dict[str, str] | None = None) -> list[ActionItem]:
    """One tracked item per project with a major variance: the instruction that follows its
    special report. Its person is the owner typed in the special report, else
    `fallback_person` (the operations contact); its department the subsidiary, by its name
    in `units` (code -> name: the register's), else its code. Projects already tracked for
    the period are left as they are."""
    known = {i.id for i in existing}
    new = []
    majors = flags[flags.severity == "major"]
    for project, rows in majors.groupby("project"):
        item_id = f"KW-{period}-{project}"
        if item_id in known:
            continue
        rules = ", ".join(sorted(set(rows.rule_id)))
        # what deviated, in words (the rules' ids stay in the variance column, its key)
        what = "、".join(dict.fromkeys(word(COMPARISON, c) for c in rows.comparison))
        deadline = add_months(today, 1)
        new.append(ActionItem(
            id=item_id, source=Source.INSTRUCTION, reference=f"专项报告 {project} {period}",
            source_date=today, project=str(project), variance=f"{project} {rules} {period}",
            content=f"落实 {project} 重大差异（{what}）的纠偏措施并报告结果",
            department=(units or {}).get(str(rows.subsidiary.iloc[0]),
                                         str(rows.subsidiary.iloc[0])),
            person=owners.get(str(project), "").strip() or fallback_person,
            original_deadline=deadline, deadline=deadline))
    return new
