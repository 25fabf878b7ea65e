"""The versions of one slot (subsidiary, kind, period, revision) put in order, from evidence.

A version is newer than another when its cover was prepared on a later day (the received day,
arrival.received_day); on the same day, when xltrack received it in a later run. Two versions
of the same day received in the same run cannot be ordered: if their amounts agree it does not
matter; if not, both get a finding naming both files and saying how to settle it, and the one
kept in force meanwhile is chosen by their bytes' digest, the same whatever the copy or the
order of import. A file that arrives older than the version already in force is stored,
superseded at once, and told so.
"""

from __future__ import annotations

import json
from typing import Any, NamedTuple

from .backend import Connection
from .models import Finding, Reason, Severity

Slot = tuple[str | None, str, str | None, int]  # subsidiary, kind, period, revision
# Why a version follows the one before it (the `order_evidence` column).
FIRST, PREPARED, RECEIVED, IDENTICAL, UNORDERED = (
    "first", "later_prepared_on", "received_later", "same_amounts", "unordered")


class _Version(NamedTuple):
    id: int
    file: str
    day: str
    first_seen: str


def rebuild_chain(conn: Connection, slot: Slot, arrived: int) -> None:
    """Put the versions of `slot` in order: the last is in force, each earlier one superseded
    by the next, with the restatements between neighbours recomputed. `arrived`: the row just
    stored."""
    versions = [_Version(*row) for row in conn.execute(
        "SELECT id, file, substr(received_at, 1, 10), imported_at FROM submissions"
        " WHERE subsidiary IS ? AND kind = ? AND period IS ? AND revision = ?"
        " AND status != 'rejected' ORDER BY substr(received_at, 1, 10), imported_at, sha256",
        slot)]
    if len(versions) == 1:
        conn.execute("UPDATE submissions SET order_evidence=? WHERE id=?", (FIRST, arrived))
        return
    ids = [v.id for v in versions]
    conn.execute(f"DELETE FROM restatements WHERE submission_id IN ({_marks(ids)})", ids)
    for v in versions:
        _drop_findings(conn, v.id, Reason.UNORDERED_VERSIONS)
    evidence = {versions[0].id: FIRST}
    newest = versions[-1]
    for older, newer in zip(versions, versions[1:], strict=False):
        conn.execute("UPDATE submissions SET status='superseded', superseded_by=? WHERE id=?",
                     (newer.id, older.id))
        changed = restate(conn, older.id, newer.id)
        evidence[newer.id] = (PREPARED if older.day < newer.day else
                              RECEIVED if older.first_seen < newer.first_seen else
                              UNORDERED if changed else IDENTICAL)
        if evidence[newer.id] == UNORDERED:
            _unordered(conn, slot, older, newer, newest)
    conn.execute("UPDATE submissions SET status='accepted', superseded_by=NULL WHERE id=?",
                 (newest.id,))
    conn.executemany("UPDATE submissions SET order_evidence=? WHERE id=?",
                     [(why, sub_id) for sub_id, why in evidence.items()])
    mine = next(v for v in versions if v.id == arrived)
    if mine != newest and newest.first_seen < mine.first_seen:
        _add_finding(conn, mine, Severity.WARNING, Reason.OLDER_VERSION,
                     f"此文件（填表日期 {mine.day}）早于现行版本“{newest.file}”（填表日期 "
                     f"{newest.day}）：已存档，现行版本不变",
                     f"this file (prepared on {mine.day}) is older than the version in "
                     f"force, {newest.file} (prepared on {newest.day}): it is stored, "
                     f"{newest.file} stays in force")


def _unordered(conn: Connection, slot: Slot, a: _Version, b: _Version,
               chosen: _Version) -> None:
    subsidiary, kind, period, _ = slot
    higher = "（计划、预算、预测也可提高版本号）" if kind != "monthly" else ""
    higher_en = " (or, for a plan, budget or forecast, a higher revision)" if higher else ""
    for version in (a, b):
        _add_finding(
            conn, version, Severity.WARNING, Reason.UNORDERED_VERSIONS,
            f"“{a.file}”与“{b.file}”是 {subsidiary} {period} {kind} 的两个版本，填表日期相同"
            f"（{a.day}）且同时收到，数字不同，无法判断哪个较新；暂以“{chosen.file}”为准。"
            f"请重新发送正确的版本，并填写更晚的填表日期{higher}",
            f"{a.file} and {b.file} are two versions of {subsidiary} {kind} {period} with "
            f"different figures, the same preparation date ({a.day}), received together: "
            f"which is newer cannot be told, and {chosen.file} is used for now. Send the "
            f"right one again with a later preparation date (填表日期){higher_en}")


def _add_finding(conn: Connection, version: _Version, severity: Severity,
                 reason: Reason, zh: str, en: str) -> None:
    finding = Finding(severity=severity, reason=reason, file=version.file, sheet="",
                      message_zh=zh, message_en=en).to_json()
    findings = _findings(conn, version.id)
    if finding not in findings:
        set_findings(conn, version.id, [*findings, finding])


def _drop_findings(conn: Connection, sub_id: int, reason: Reason) -> None:
    findings = _findings(conn, sub_id)
    kept = [f for f in findings if f["reason"] != reason]
    if len(kept) != len(findings):
        set_findings(conn, sub_id, kept)


def _findings(conn: Connection, sub_id: int) -> list[dict[str, Any]]:
    text = conn.execute("SELECT findings FROM submissions WHERE id=?", (sub_id,)).fetchone()[0]
    findings: list[dict[str, Any]] = json.loads(text)
    return findings


def set_findings(conn: Connection, sub_id: int, findings: list[dict[str, Any]]) -> None:
    """A record's findings replaced, with its counts of errors and warnings."""
    conn.execute("UPDATE submissions SET findings=?, errors=?, warnings=? WHERE id=?",
                 (json.dumps(findings, ensure_ascii=False),
                  sum(f["severity"] == Severity.ERROR for f in findings),
                  sum(f["severity"] == Severity.WARNING for f in findings), sub_id))


def _marks(values: list[Any]) -> str:
    return ",".join("?" * len(values))


def restate(conn: Connection, old: int, new: int) -> int:
    """Record the amounts that differ between two versions; return how many."""
    def amounts(sub_id: int) -> dict[tuple[str, ...], tuple[float, str]]:
        return {tuple(r[:5]): (r[5], r[6]) for r in conn.execute(
            "SELECT project, tbl, item, measure, month, SUM(amount), MIN(cell) FROM facts"
            " WHERE submission_id=? GROUP BY project, tbl, item, measure, month", (sub_id,))}

    before, after = amounts(old), amounts(new)
    changes = []
    for key in sorted(set(before) | set(after)):
        was, now = before.get(key, (None, None)), after.get(key, (None, None))
        if was[0] is None or now[0] is None or round(was[0] - now[0], 2) != 0:
            changes.append((new, old, *key, was[0], now[0], now[1] or was[1]))
    conn.executemany("INSERT INTO restatements VALUES (?,?,?,?,?,?,?,?,?,?)", changes)
    return len(changes)
