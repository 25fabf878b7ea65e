"""The submission status board: for a period, who sent what, when — and who did not.

A file counts as received on the day its evidence shows (store: the cover's 填表日期, capped by
when xltrack first received it), never by its file time. A rejected file is put where its
evidence points — the cover's code, else a registered code its name starts with; the month
folder it lies in, else the cover's period, else a month in its name — so that a subsidiary
whose file was refused shows "rejected", not "missing".
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Hashable, Mapping
from typing import Any

import pandas as pd

from . import contract as c
from .arrival import folder_period, name_evidence
from .models import Reason, add_months
from .rows import records
from .settings import Register

RECEIVED, LATE, MISSING, REJECTED = "received", "late", "missing", "rejected"
# The evidence shown per file; empty where a file has none.
EVIDENCE = ["prepared_on", "first_received", "file_modified", "order_evidence",
            "attributed_by", "note"]


def deadline(period: str, register: Register) -> dt.date:
    """Monthly figures are due on the register's deadline day of the following month."""
    return dt.date.fromisoformat(f"{add_months(period, 1)}-{register.deadline_day:02d}")


def status_board(submissions: pd.DataFrame, register: Register, period: str) -> pd.DataFrame:
    """One row per subsidiary and kind expected, plus any file that could not be attributed.

    Monthly actuals are expected for the period; a plan, budget and forecast are expected once
    (any version effective by the period will do).
    """
    due = deadline(period, register)
    known = {s.code for s in register.subsidiaries}
    # Plain rows, each file put in its subsidiary's and kind's place once: a board is a few
    # dozen places, and a frame filtered for each would cost more than the files it holds.
    placed = [{**r, **dict(zip(_ATTRIBUTED, _place(r, known), strict=True))}
              for r in records(submissions)]
    slots: dict[tuple[object, object], list[dict[Hashable, Any]]] = {}
    for r in placed:
        slots.setdefault((r["att_subsidiary"], r["att_kind"]), []).append(r)
    rows = []
    for s in register.subsidiaries:
        for kind in c.Kind:
            of_kind = [r for r in slots.get((s.code, kind.value), [])
                       if _filed_for(r["att_period"], period, kind is c.Kind.MONTHLY)]
            rows.append({"subsidiary": s.code, "name": s.name, "segment": s.segment,
                         "kind": kind.value, **_state(of_kind, kind, due)})
    stray = [r for r in placed if r["status"] == "rejected"
             and (r["att_kind"] is None or r["att_subsidiary"] not in known)
             and (r["att_period"] is None or _filed_for(r["att_period"], period, False))]
    for record in stray:
        rows.append({"subsidiary": record["att_subsidiary"] or "", "name": "", "segment": "",
                     "kind": record["att_kind"] or "", **_shown(record, REJECTED, None)})
    return pd.DataFrame(rows)


_ATTRIBUTED = ("att_subsidiary", "att_period", "att_kind", "attributed_by")


def _filed_for(att_period: str | None, period: str, monthly: bool) -> bool:
    """Monthly figures count for their own month; a plan of any month up to the period."""
    if att_period is None:
        return False
    return att_period == period if monthly else att_period <= period


def attribute(submissions: pd.DataFrame, codes: set[str]) -> pd.DataFrame:
    """`submissions` with the subsidiary, period and kind each file's evidence shows
    (att_subsidiary, att_period, att_kind) and which evidence that was (attributed_by)."""
    out = submissions.copy()
    rows = [_place(r, codes) for r in records(submissions)]
    for i, name in enumerate(_ATTRIBUTED):
        out[name] = pd.Series([r[i] for r in rows], index=submissions.index, dtype="object")
    return out


def _place(r: Mapping[Hashable, Any], codes: set[str]) -> tuple[str | None, str | None,
                                                            str | None, str]:
    if r["status"] != "rejected":
        return _text(r["subsidiary"]), _text(r["period"]), _text(r["kind"]), "cover"
    by_name = name_evidence(str(r["file"]), codes)
    code = _text(r["subsidiary"])
    subsidiary, said = (code, ["cover code"]) if code in codes else (by_name[0], ["file name"])
    folder = folder_period(str(r["path"]))
    period = folder or _text(r["period"]) or by_name[1]
    said.append("folder month" if folder else "cover period" if _text(r["period"])
                else "file name")
    kind = _text(r["kind"]) or by_name[2]
    return subsidiary, period, kind, ", ".join(said)


def _to_seconds(moment: object) -> str:
    """A stored moment (UTC, to the microsecond) to the second, its zone kept."""
    text = _text(moment)
    if text is None:
        return ""
    return dt.datetime.fromisoformat(text).isoformat(timespec="seconds")


def _text(value: object) -> str | None:
    return None if value is None or value != value or value == "" else str(value)


def _state(found: list[dict[Hashable, Any]], kind: c.Kind, due: dt.date) -> dict[str, object]:
    accepted = sorted((r for r in found if r["status"] == "accepted"),
                      key=lambda r: (_last_if_missing(r["revision"]),
                                     _last_if_missing(r["received_at"])))
    if accepted:
        latest = accepted[-1]
        received = dt.date.fromisoformat(str(latest["received_at"])[:10])
        late = kind is c.Kind.MONTHLY and received > due
        return _shown(latest, LATE if late else RECEIVED, int(latest["revision"]))
    rejected = sorted((r for r in found if r["status"] == "rejected"),
                      key=lambda r: (_last_if_missing(r["received_at"]),
                                     _last_if_missing(r["imported_at"])))
    if rejected:
        return _shown(rejected[-1], REJECTED, None)
    return {"status": MISSING, "file": "", "received_at": "", "findings": 0, "revision": None,
            **dict.fromkeys(EVIDENCE, "")}


def _last_if_missing(value: object) -> tuple[bool, object]:
    """A sort key that puts a missing value after every other, as pandas sorts (stable)."""
    missing = value is None or value != value
    return missing, 0 if missing else value


def _shown(r: Mapping[Hashable, Any], status: str, revision: int | None) -> dict[str, object]:
    """A file's row on the board: what it is, and the evidence its place rests on."""
    findings = json.loads(str(r.get("findings") or "[]"))
    evidence = _text(r.get("order_evidence")) or ""
    if any(f["reason"] == Reason.UNORDERED_VERSIONS for f in findings):
        evidence = "unordered"
    return {"status": status, "file": r["file"], "received_at": str(r["received_at"])[:10],
            "findings": int(r["errors"]) + int(r["warnings"]),
            "revision": revision, "prepared_on": _text(r.get("prepared_on")) or "",
            "first_received": _to_seconds(r.get("imported_at")),
            "file_modified": _text(r.get("file_modified")) or "",
            "order_evidence": evidence,
            "attributed_by": _text(r.get("attributed_by")) or "", "note": _text(r.get("notes"))
            or ""}


def file_evidence(submissions: pd.DataFrame, codes: set[str], period: str) -> pd.DataFrame:
    """Every file stored up to `period`, one row per kind, with the evidence its place rests
    on: where it was attributed, its version's order, and its times (the file time a hint)."""
    placed = attribute(submissions, codes)
    placed = placed[placed.att_period.isna() | (placed.att_period <= period)]
    files = dict(zip(submissions.id, submissions.file, strict=True))
    return pd.DataFrame({
        "file": placed.file, "path": placed.path, "status": placed.status,
        "subsidiary": placed.att_subsidiary, "period": placed.att_period,
        "kind": placed.att_kind, "revision": placed.revision,
        "prepared_on": placed.prepared_on, "first_received": placed.imported_at,
        "received_at": placed.received_at, "file_modified": placed.file_modified,
        "order_evidence": placed.order_evidence,
        "superseded_by": [files.get(i) if i == i and i is not None else None
                          for i in placed.superseded_by],
        "attributed_by": placed.attributed_by, "note": placed.notes,
        "errors": placed.errors, "warnings": placed.warnings})
