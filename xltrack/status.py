"""The submission status board: for a period, who sent what, when — and who did not."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from . import contract as c
from .models import add_months
from .settings import Register

RECEIVED, LATE, MISSING, REJECTED = "received", "late", "missing", "rejected"


def deadline(period: str, register: Register) -> dt.date:
    """Monthly figures are due on the register's deadline day of the following month."""
    return dt.date.fromisoformat(f"{add_months(period, 1)}-{register.deadline_day:02d}")


def status_board(submissions: pd.DataFrame, register: Register, period: str) -> pd.DataFrame:
    """One row per subsidiary and kind expected, plus any file that could not be attributed.

    Monthly actuals are expected for the period; a plan, budget and forecast are expected once
    (any version effective by the period will do).
    """
    due = deadline(period, register)
    rows = []
    for s in register.subsidiaries:
        mine = submissions[submissions.subsidiary == s.code]
        for kind in c.Kind:
            of_kind = mine[mine.kind == kind.value]
            if kind is c.Kind.MONTHLY:
                of_kind = of_kind[of_kind.period == period]
            else:
                of_kind = of_kind[of_kind.period <= period]
            rows.append({"subsidiary": s.code, "name": s.name, "segment": s.segment,
                         "kind": kind.value, **_state(of_kind, kind, due)})
    known = {s.code for s in register.subsidiaries}
    stray = submissions[(submissions.status == "rejected") & (
        submissions.kind.isna() | ~submissions.subsidiary.isin(known))]
    for record in stray.to_dict("records"):
        rows.append({"subsidiary": record["subsidiary"] or "", "name": "", "segment": "",
                     "kind": record["kind"] or "", "status": REJECTED, "file": record["file"],
                     "received_at": record["received_at"],
                     "findings": record["errors"] + record["warnings"], "revision": None})
    return pd.DataFrame(rows)


def _state(found: pd.DataFrame, kind: c.Kind, due: dt.date) -> dict[str, object]:
    accepted = found[found.status == "accepted"].sort_values(["revision", "received_at"])
    if not accepted.empty:
        latest = accepted.iloc[-1]
        received = dt.datetime.fromisoformat(str(latest.received_at)).date()
        late = kind is c.Kind.MONTHLY and received > due
        return {"status": LATE if late else RECEIVED, "file": latest.file,
                "received_at": latest.received_at,
                "findings": int(latest.errors + latest.warnings),
                "revision": int(latest.revision)}
    rejected = found[found.status == "rejected"].sort_values("received_at")
    if not rejected.empty:
        latest = rejected.iloc[-1]
        return {"status": REJECTED, "file": latest.file, "received_at": latest.received_at,
                "findings": int(latest.errors + latest.warnings), "revision": None}
    return {"status": MISSING, "file": "", "received_at": "", "findings": 0, "revision": None}
