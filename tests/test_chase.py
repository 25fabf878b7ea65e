"""Chasing: who is reminded, what the .eml drafts say, and sending them over STARTTLS to a
local SMTP server (aiosmtpd on loopback, a throw-away certificate from trustme)."""

from __future__ import annotations

import datetime as dt
import os
import socket
import ssl
from email import message_from_bytes
from email.message import EmailMessage
from email.parser import BytesParser
from email.policy import default
from pathlib import Path
from typing import Any

import pytest
import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, Envelope, LoginPassword, Session
from click.testing import CliRunner

from xltrack import contract as c
from xltrack import store
from xltrack.chase import (
    PASSWORD_VARIABLE,
    USER_VARIABLE,
    Server,
    credentials,
    reminders,
    send_reminders,
    write_drafts,
)
from xltrack.cli import cli
from xltrack.errors import MailError
from xltrack.monthly import run_month
from xltrack.settings import Register
from xltrack.status import status_board

from .conftest import Fill, cost_row

PERIOD = "2026-10"


@pytest.fixture
def chased(fill: Fill, tmp_path: Path, register: Register) -> tuple[Path, Path]:
    """A history in which RE01 sent good figures and RE02 a file with an error."""
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    good = fill(c.Kind.MONTHLY, {"ActualCost": [cost_row()]}, name="RE01-monthly.xlsx")
    bad = fill(c.Kind.MONTHLY, {"ActualCost": [cost_row("RE02-P01", amount="1,2O0")]},
               name="RE02-monthly.xlsx", subsidiary="RE02")
    on_time = dt.datetime(2026, 11, 6, 9, 30, tzinfo=dt.UTC).timestamp()
    for path in (good, bad):
        moved = path.rename(inbox / path.name)
        os.utime(moved, (on_time, on_time))  # received before the deadline
    db, feedback = tmp_path / "h.sqlite", tmp_path / "feedback"
    run_month(inbox, register, PERIOD, db, feedback)
    return db, feedback


def _reminders(db: Path, feedback: Path, register: Register) -> list[Any]:
    with store.open_store(db) as conn:
        board = status_board(store.submissions(conn), register, PERIOD)
    return reminders(board, register, PERIOD, feedback)


def test_the_drafts_parse_with_recipients_subject_and_the_feedback_attached(
        chased: tuple[Path, Path], register: Register, tmp_path: Path) -> None:
    db, feedback = chased
    due = _reminders(db, feedback, register)
    codes = [r.subsidiary.code for r in due]
    # RE01 sent its monthly figures but no plan, budget or forecast: it is chased for those.
    assert codes == [s.code for s in register.subsidiaries]
    re01 = due[0]
    assert {o.kind for o in re01.outstanding} == {"plan", "budget", "forecast"}
    drafts = write_drafts(due, tmp_path / "outbox" / f"chase-{PERIOD}", "zh", "ops@example.com")
    assert [p.name for p in drafts] == [f"{code}-chase-{PERIOD}.eml" for code in codes]
    parsed = {p.name[:4]: BytesParser(policy=default).parsebytes(p.read_bytes()) for p in drafts}
    re02 = parsed["RE02"]
    assert re02["To"] == register.subsidiary("RE02").email
    assert re02["From"] == "ops@example.com"
    assert "RE02" in re02["Subject"] and "催报" in re02["Subject"] and "2026-11-10" in \
        re02["Subject"]
    body = re02.get_body(("plain",))
    assert body is not None
    text = body.get_content()
    assert "被退回" in text and "RE02-monthly.xlsx" in text and "2026年11月10日" in text
    (attachment,) = list(re02.iter_attachments())
    assert attachment.get_filename() == "RE02-monthly-feedback.xlsx"
    assert attachment.get_content() == (feedback / "RE02-monthly-feedback.xlsx").read_bytes()
    assert not list(parsed["RE01"].iter_attachments())
    english = write_drafts(due[:2], tmp_path / "en", "en")
    message = BytesParser(policy=default).parsebytes(english[1].read_bytes())
    assert message["Subject"].startswith("Reminder: RE02") and message["From"] is None
    english_body = message.get_body(("plain",))
    assert english_body is not None and "rejected" in english_body.get_content()


class _Inbox:
    """An aiosmtpd handler that keeps what it is sent."""

    def __init__(self) -> None:
        self.received: list[tuple[list[str], EmailMessage]] = []

    async def handle_DATA(self, server: Any, session: Session, envelope: Envelope) -> str:
        content = envelope.original_content or b""
        message = message_from_bytes(content, policy=default)
        assert isinstance(message, EmailMessage)
        self.received.append((list(envelope.rcpt_tos), message))
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _login(server: Any, session: Session, envelope: Envelope, mechanism: str,
           data: Any) -> AuthResult:
    ok = isinstance(data, LoginPassword) and (data.login, data.password) == (b"ops", b"s3cret")
    return AuthResult(success=ok, handled=False)  # the server answers 235 or 535 itself


@pytest.fixture
def smtp_server() -> Any:
    ca = trustme.CA()
    server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(server_tls)
    client_tls = ssl.create_default_context()
    ca.configure_trust(client_tls)
    inbox = _Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port(),
                            tls_context=server_tls, require_starttls=True,
                            authenticator=_login, auth_require_tls=True)
    controller.start()
    try:
        yield Server("127.0.0.1", controller.port), client_tls, inbox
    finally:
        controller.stop()


def test_sending_goes_over_starttls_with_the_login(chased: tuple[Path, Path],
                                                  register: Register, tmp_path: Path,
                                                  smtp_server: Any) -> None:
    server, tls, inbox = smtp_server
    due = _reminders(*chased, register)[:2]
    nobody = due[1].subsidiary.model_copy(update={"email": ""})
    no_address = type(due[1])(nobody, PERIOD, due[1].due, due[1].outstanding)
    drafts = (write_drafts(due, tmp_path / "out", "zh")
              + write_drafts([no_address], tmp_path / "no-address", "zh"))
    sent = send_reminders(drafts, server, "ops@example.com", ("ops", "s3cret"), tls)
    assert [s.ok for s in sent] == [True, True, False]
    assert sent[2].problem == "no e-mail address in the register"
    assert [to for to, _ in inbox.received] == [[due[0].subsidiary.email],
                                                [due[1].subsidiary.email]]
    message = inbox.received[1][1]
    assert message["From"] == "ops@example.com" and message["X-Unsent"] is None
    assert [a.get_filename() for a in message.iter_attachments()] == \
        ["RE02-monthly-feedback.xlsx"]
    with pytest.raises(MailError, match="refused the session"):
        send_reminders(drafts[:1], server, "ops@example.com", ("ops", "wrong"), tls)


def test_a_server_without_starttls_is_refused_before_any_password(
        tmp_path: Path, chased: tuple[Path, Path], register: Register) -> None:
    inbox = _Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    try:
        drafts = write_drafts(_reminders(*chased, register)[:1], tmp_path / "out", "zh")
        with pytest.raises(MailError, match="STARTTLS"):
            send_reminders(drafts, Server("127.0.0.1", controller.port), "ops@example.com",
                           ("ops", "s3cret"))
    finally:
        controller.stop()
    assert inbox.received == []


def test_credentials_come_from_the_environment_never_the_workbook() -> None:
    assert credentials({}) is None  # a relay without login
    assert credentials({USER_VARIABLE: "ops", PASSWORD_VARIABLE: "pw"}) == ("ops", "pw")
    assert Server.parse("mail.example.com") == Server("mail.example.com", 587)
    assert Server.parse("mail.example.com:2525") == Server("mail.example.com", 2525)
    with pytest.raises(MailError):
        Server.parse("mail.example.com:smtp")


def test_the_chase_command_writes_drafts_and_sends_only_when_asked(
        chased: tuple[Path, Path], register: Register, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    db, feedback = chased
    register_file = tmp_path / "register.json"
    from xltrack.settings import save_register

    save_register(register, register_file)
    monkeypatch.chdir(tmp_path)
    args = ["chase", "--period", PERIOD, "--db", str(db), "--feedback", str(feedback),
            "--register", str(register_file)]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    (line,) = [x for x in result.output.splitlines() if x.startswith("RE02 ")]
    assert "finance.re02@example.com:" in line and "monthly rejected" in line
    assert len(list((tmp_path / "outbox" / f"chase-{PERIOD}").glob("*.eml"))) == \
        len(register.subsidiaries)
    refused = CliRunner().invoke(cli, [*args, "--send"])
    assert refused.exit_code != 0 and "SMTP server" in str(refused.exception)
    # a server but no sender: said before anything is drafted or sent, naming --from
    (tmp_path / "outbox").rename(tmp_path / "drafted")
    refused = CliRunner().invoke(cli, [*args, "--send", "--smtp", "127.0.0.1:1"])
    assert refused.exit_code != 0 and "--from" in str(refused.exception)
    assert not (tmp_path / "outbox").exists()


def test_the_registers_contacts_are_checked_cell_by_cell(tmp_path: Path,
                                                         register: Register) -> None:
    import warnings

    from openpyxl import load_workbook

    from xltrack.control import SUBSIDIARIES, load_control
    from xltrack.errors import RegisterError
    from xltrack.excel.build import build_workbook
    from xltrack.excel.port import FilePort
    from xltrack.variance import default_rules

    built = build_workbook(tmp_path / "xltrack.xlsm", register, default_rules(),
                           {"smtp_server": "mail.example.com:587",
                            "mail_from": "ops@example.com"})
    settings = load_control(FilePort(built))
    assert [s.email for s in settings.register.subsidiaries] == \
        [s.email for s in register.subsidiaries]
    assert settings.values["smtp_server"] == "mail.example.com:587"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        book = load_workbook(built)
    sheet = book[SUBSIDIARIES.sheet]
    keys = [cell.value for cell in sheet[2]]
    email, unit = (chr(65 + keys.index(k)) for k in ("email", "unit"))
    sheet[f"{email}4"] = "finance at re01"
    sheet[f"{unit}5"] = "千元"
    bad = tmp_path / "bad.xlsx"
    book.save(bad)
    with pytest.raises(RegisterError) as caught:
        load_control(FilePort(bad))
    problems = "\n".join(caught.value.problems)
    assert f"{SUBSIDIARIES.sheet}!{email}4 (email): Value error, 'finance at re01' is not " \
        "an e-mail address" in problems
    assert f"{SUBSIDIARIES.sheet}!{unit}5 (unit)" in problems
