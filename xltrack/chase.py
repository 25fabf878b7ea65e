"""Chasing: a reminder per subsidiary whose files are missing, late or rejected.

The status board (status.py) says who; the register says to whom. Each reminder is a standard
`.eml` draft (RFC 5322, readable by every mail program), in Chinese or English, naming the
deadline and what is missing, with the feedback workbook attached for a rejected file. Sending
is optional and separate (`send_reminders`): through the SMTP server the control workbook
names, always over STARTTLS, with credentials from the environment or the OS keyring — never
from the workbook, which is copied around the office.
"""

from __future__ import annotations

import datetime as dt
import os
import smtplib
import ssl
from collections.abc import Mapping
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, make_msgid
from functools import partial
from pathlib import Path

import pandas as pd

from . import contract as c
from .backend import Location
from .errors import MailError
from .report.placement import write_atomically
from .settings import Register, Subsidiary
from .status import LATE, MISSING, REJECTED, deadline, status_board

CHASED = (MISSING, LATE, REJECTED)
USER_VARIABLE, PASSWORD_VARIABLE = "XLTRACK_SMTP_USER", "XLTRACK_SMTP_PASSWORD"
KEYRING_SERVICE = "xltrack-smtp"  # keyring entry: this service, the user name as its key
_STATUS_WORDS = {
    "zh": {MISSING: "未收到", LATE: "逾期收到", REJECTED: "被退回（有错误）"},
    "en": {MISSING: "not received", LATE: "received after the deadline",
           REJECTED: "rejected (it has errors)"},
}


@dataclass(frozen=True)
class Outstanding:
    """One kind of file a subsidiary owes, and why it is chased."""

    kind: str
    status: str
    file: str = ""
    received_at: str = ""
    findings: int = 0


@dataclass
class Reminder:
    subsidiary: Subsidiary
    period: str
    due: dt.date
    outstanding: list[Outstanding]
    attachments: list[Path] = field(default_factory=list)  # feedback of the rejected files

    @property
    def stem(self) -> str:
        return f"{self.subsidiary.code}-chase-{self.period}"


def reminders(status: pd.DataFrame, register: Register, period: str,
              feedback_dir: Path | None = None) -> list[Reminder]:
    """One reminder per subsidiary of the register with anything missing, late or rejected,
    in the register's order. Files xltrack could not attribute to a subsidiary are left out:
    there is nobody to write to."""
    due = deadline(period, register)
    chased = status[status.status.isin(CHASED)] if not status.empty else status
    out = []
    for sub in register.subsidiaries:
        rows = chased[chased.subsidiary == sub.code] if not chased.empty else chased
        if rows.empty:
            continue
        owed = [Outstanding(str(r["kind"]), str(r["status"]), str(r["file"] or ""),
                            str(r["received_at"] or ""), int(r["findings"] or 0))
                for r in rows.to_dict("records")]
        attached = []
        for item in owed:
            if item.status == REJECTED and item.file and feedback_dir is not None:
                # The feedback workbook the run wrote for this file (report/feedback.py).
                path = feedback_dir / f"{Path(item.file).stem}-feedback.xlsx"
                if path.is_file():
                    attached.append(path)
        out.append(Reminder(sub, period, due, owed, attached))
    return out


def message(reminder: Reminder, lang: str, sender: str = "",
            operations: str = "") -> EmailMessage:
    """The reminder as an e-mail: subject and body in `lang`, feedback workbooks attached."""
    sub = reminder.subsidiary
    msg = EmailMessage(policy=SMTP)
    if sender:
        msg["From"] = sender
    if sub.email:
        msg["To"] = sub.email
    msg["Subject"] = _subject(reminder, lang)
    msg["Date"] = format_datetime(dt.datetime.now(dt.UTC))
    msg["Message-ID"] = make_msgid(domain="xltrack.invalid")
    msg["X-Unsent"] = "1"  # Outlook opens the file as a draft to send, not as a received mail
    msg.set_content(_body(reminder, lang, operations))
    for path in reminder.attachments:
        msg.add_attachment(path.read_bytes(), maintype="application",
                           subtype="vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                           filename=path.name)
    return msg


def _subject(reminder: Reminder, lang: str) -> str:
    sub, due = reminder.subsidiary, reminder.due
    if lang == "zh":
        return (f"【催报】{sub.name}（{sub.code}）{reminder.period} 报送提醒，"
                f"截止 {due:%Y-%m-%d}")
    return f"Reminder: {sub.code} {sub.name}, figures for {reminder.period} due {due:%Y-%m-%d}"


def _kind_word(kind: str, lang: str) -> str:
    zh, en = c.KIND_LABELS[c.Kind(kind)]
    return zh if lang == "zh" else en


def _owed_line(item: Outstanding, lang: str) -> str:
    kind, word = _kind_word(item.kind, lang), _STATUS_WORDS[lang][item.status]
    if lang == "zh":
        detail = f"（文件 {item.file}" if item.file else ""
        if detail and item.status == REJECTED:
            detail += f"，{item.findings} 个问题"
        return f"  - {kind}：{word}" + (detail + "）" if detail else "")
    detail = f" (file {item.file}" if item.file else ""
    if detail and item.status == REJECTED:
        detail += f", {item.findings} problem(s)"
    return f"  - {kind}: {word}" + (detail + ")" if detail else "")


def _body(reminder: Reminder, lang: str, operations: str) -> str:
    sub, due = reminder.subsidiary, reminder.due
    lines = [_owed_line(item, lang) for item in reminder.outstanding]
    owed = "\n".join(lines)
    attached = ", ".join(p.name for p in reminder.attachments)
    if lang == "zh":
        text = [f"{sub.name}财务部门：您好！", "",
                f"{reminder.period} 期间贵单位（{sub.code} {sub.name}）的报送情况如下，"
                f"月度实际数据的报送截止日为 {due:%Y年%m月%d日}：", owed, ""]
        if attached:
            text += [f"被退回的文件已附反馈工作簿（{attached}），其中标明了每个问题所在的"
                     "单元格及修改方法。请修改原文件后重新报送。", ""]
        text += ["请尽快使用运营管理部下发的模板填报并发送。谢谢！", "",
                 operations or "集团运营管理部"]
    else:
        text = [f"Dear colleagues of {sub.name},", "",
                f"for {reminder.period}, this is where the files of {sub.code} {sub.name} "
                f"stand; monthly figures are due by {due:%d %B %Y}:", owed, ""]
        if attached:
            text += [f"The feedback workbook of each rejected file is attached ({attached}): "
                     "it names every problem's cell and how to fix it. Please correct your "
                     "original file and send it again.", ""]
        text += ["Please fill the template sent by operations and send it as soon as "
                 "possible. Thank you.", "", operations or "Group operations department"]
    return "\n".join(text) + "\n"


def _write_bytes(data: bytes, path: Path) -> None:
    path.write_bytes(data)


def write_drafts(reminders_: list[Reminder], out_dir: Path, lang: str, sender: str = "",
                 operations: str = "") -> list[Path]:
    """outbox/chase-2026-10/<code>-chase-2026-10.eml, one per reminder."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for reminder in reminders_:
        data = message(reminder, lang, sender, operations).as_bytes()
        path = out_dir / f"{reminder.stem}.eml"
        write_atomically(path, partial(_write_bytes, data))
        written.append(path)
    return written


@dataclass
class Chase:
    """What one chase did: the reminders, their drafts, and what was sent."""

    reminders: list[Reminder]
    drafts: list[Path]
    sent: list[Sent] = field(default_factory=list)


def chase_period(db: Location, register: Register, period: str, out_dir: Path, lang: str,
                 feedback_dir: Path | None = None, sender: str = "",
                 server: str | None = None) -> Chase:
    """Draft a reminder per subsidiary with anything outstanding into out_dir/chase-PERIOD/;
    with a server, send them too (the login from the environment or the OS keyring)."""
    from . import store

    with store.open_store(db) as conn:
        board = status_board(store.submissions(conn), register, period)
    due = reminders(board, register, period, feedback_dir)
    drafts = write_drafts(due, out_dir / f"chase-{period}", lang, sender,
                          register.operations_contact)
    done = Chase(due, drafts)
    if server:
        done.sent = send_reminders(drafts, Server.parse(server), sender, credentials())
    return done


@dataclass(frozen=True)
class Server:
    host: str
    port: int = 587

    @classmethod
    def parse(cls, text: str) -> Server:
        """HOST or HOST:PORT (587, the submission port, when none is given)."""
        host, _, port = text.strip().rpartition(":") if ":" in text else (text.strip(), "", "")
        if not host:
            raise MailError(f"SMTP 服务器“{text}”应为 HOST 或 HOST:PORT",
                            f"the SMTP server {text!r} is not HOST or HOST:PORT")
        try:
            return cls(host, int(port) if port else 587)
        except ValueError:
            raise MailError(f"SMTP 服务器“{text}”：“{port}”不是端口号",
                            f"the SMTP server {text!r}: {port!r} is not a port number") from None


def credentials(env: Mapping[str, str] | None = None) -> tuple[str, str] | None:
    """(user, password) from XLTRACK_SMTP_USER and XLTRACK_SMTP_PASSWORD, or the password from
    the OS keyring (service xltrack-smtp, the user as key) when the variable is not set.
    None when no user is named: the server is a relay that takes mail without a login."""
    env = os.environ if env is None else env
    user = env.get(USER_VARIABLE, "")
    if not user:
        return None
    password = env.get(PASSWORD_VARIABLE)
    if password is None:
        try:
            import keyring  # an optional extra: not every office machine has a keyring
        except ImportError:
            raise MailError(f"已设置 {USER_VARIABLE}，但既没有 {PASSWORD_VARIABLE}，"
                            "也没有 keyring 包：请 pip install keyring，然后 keyring set "
                            f"{KEYRING_SERVICE} {user}",
                            f"{USER_VARIABLE} is set but neither {PASSWORD_VARIABLE} nor the "
                            "keyring package is available: pip install keyring, then "
                            f"keyring set {KEYRING_SERVICE} {user}") from None
        password = keyring.get_password(KEYRING_SERVICE, user)
        if password is None:
            raise MailError(f"系统密钥环中没有 {user} 的密码：请 keyring set "
                            f"{KEYRING_SERVICE} {user}",
                            f"no password for {user} in the OS keyring: keyring set "
                            f"{KEYRING_SERVICE} {user}")
    return user, str(password)


@dataclass(frozen=True)
class Sent:
    path: Path
    to: str
    ok: bool
    problem: str = ""


def send_reminders(drafts: list[Path], server: Server, sender: str,
                   login: tuple[str, str] | None, context: ssl.SSLContext | None = None,
                   timeout: float = 30.0) -> list[Sent]:
    """Send the drafts over one connection; a draft that fails is reported, the rest go on.

    STARTTLS is required: a server that does not offer it is refused before anything (a
    password above all) crosses the network in clear."""
    from email import message_from_bytes

    if not sender:
        raise MailError("没有发件人：请在控制工作簿的 Control 表中填写 mail_from",
                        "no sender: set mail_from on the control workbook's Control sheet")
    try:
        smtp = smtplib.SMTP(server.host, server.port, timeout=timeout)
    except OSError as exc:
        raise MailError(f"无法连接 SMTP 服务器 {server.host}:{server.port}：{exc}",
                        f"cannot reach the SMTP server {server.host}:{server.port}: "
                        f"{exc}") from None
    results = []
    with smtp:
        try:
            smtp.ehlo()
            if not smtp.has_extn("starttls"):
                raise MailError(f"{server.host}:{server.port} 不支持 STARTTLS；"
                                "xltrack 只通过加密连接发送",
                                f"{server.host}:{server.port} does not offer STARTTLS; "
                                "xltrack sends only over an encrypted connection")
            smtp.starttls(context=context or ssl.create_default_context())
            smtp.ehlo()
            if login is not None:
                smtp.login(*login)
        except (smtplib.SMTPException, ssl.SSLError, OSError) as exc:
            raise MailError(f"SMTP 服务器 {server.host}:{server.port} 拒绝了会话：{exc}",
                            f"the SMTP server {server.host}:{server.port} refused the "
                            f"session: {exc}") from None
        for path in drafts:
            msg = message_from_bytes(path.read_bytes(), policy=SMTP)
            to = str(msg.get("To") or "")
            if not to:
                results.append(Sent(path, "", False, "no e-mail address in the register"))
                continue
            del msg["From"], msg["X-Unsent"]
            msg["From"] = sender
            try:
                smtp.send_message(msg)
                results.append(Sent(path, to, True))
            except smtplib.SMTPException as exc:
                results.append(Sent(path, to, False, str(exc)))
    return results
