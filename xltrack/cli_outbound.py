"""The outbound half of the month: issue (templates per subsidiary) and chase (reminders).
Registered on the group in cli.py: each parses, calls the library, prints, sets the exit code."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from . import contract as c
from .backend import Location
from .cli import (
    DEFAULT_DB,
    EXIT_FINDINGS,
    EXIT_OK,
    _control_named,
    _control_option,
    _json_option,
    _register_option,
    _rules_option,
    cli,
    emit,
    lang_option,
    messages_lang,
    note,
    resolve_document_lang,
    resolve_register,
    resolve_rules,
    say,
)
from .cli_history import History
from .cli_words import pair, shown
from .errors import UsageError
from .models import check_period
from .words import KIND, STATUS

_KINDS = [k.value for k in c.Kind]


@cli.command()
@click.option("--period", required=True, help="Month the templates are for, YYYY-MM.")
@click.option("--kind", "kinds", multiple=True, type=click.Choice(_KINDS),
              help="monthly (the default), or plan / budget / forecast for a revision "
                   "template that starts from the version in force. Repeat for several.")
@click.option("--subsidiary", "subsidiaries", multiple=True,
              help="Only this subsidiary (repeat for several). Default: every one.")
@click.option("--out", "out_dir", type=click.Path(path_type=Path, file_okay=False),
              default="outbox", show_default=True,
              help="Folder for the templates: OUT/PERIOD/CODE-KIND-PERIOD.xlsx.")
@click.option("--db", type=History(), default=DEFAULT_DB,
              show_default=True, help="History store: the plans in force and the actuals so "
                                      "far. Without one, templates carry no plan figures.")
@lang_option("the templates and the messages")
@_register_option
@_control_option
@_rules_option
@_json_option
def issue(period: str, kinds: tuple[str, ...], subsidiaries: tuple[str, ...], out_dir: Path,
          db: Location, lang: str | None, register_path: Path | None,
          control_path: Path | None, rules_path: Path | None) -> None:
    """Issue each subsidiary its pre-filled templates for a month.

    Cover filled in (code, name, period, default unit) and locked; the subsidiary's projects
    listed with the month's budget and forecast lines; the plan in force, the live variance
    and a 需要说明 (explanation needed) flag beside each line, computed by the workbook's own
    formulas. A filled one goes through intake exactly like a blank template.

    \b
    Examples:
      xltrack issue --period 2026-11
      xltrack issue --period 2026-11 --kind budget --subsidiary RE01
    """
    from .issued import issue_templates

    lang = resolve_document_lang(lang, control_path)
    check_period(period)
    register = resolve_register(register_path, control_path)
    rules = resolve_rules(rules_path, control_path)
    if isinstance(db, Path) and not db.exists():
        note(say("no_history_plans", db=db))
    written = issue_templates(out_dir, register, rules, period, db,
                              tuple(c.Kind(k) for k in kinds) or (c.Kind.MONTHLY,),
                              subsidiaries, lang)
    emit({"period": period, "written": [str(p) for p in written]},
         "\n".join(say("wrote", path=p) for p in written))


@cli.command()
@click.option("--period", required=True, help="Month being chased, YYYY-MM.")
@click.option("--db", type=History(exists=True), default=DEFAULT_DB, show_default=True,
              help="History store (run the month first): a SQLite file or a postgresql:// URL.")
@click.option("--feedback", "feedback_dir", type=click.Path(path_type=Path, file_okay=False),
              default="reports/feedback", show_default=True,
              help="Where the run wrote the feedback workbooks; a rejected file's is attached.")
@click.option("--out", "out_dir", type=click.Path(path_type=Path, file_okay=False),
              default="outbox", show_default=True,
              help="The drafts go to OUT/chase-PERIOD/CODE-chase-PERIOD.eml.")
@lang_option("the e-mails and the messages")
@click.option("--dry-run/--send", "dry_run", default=True, show_default=True,
              help="Only write the drafts (the default), or also send them.")
@click.option("--smtp", "smtp_server",
              help="SMTP server HOST[:PORT] (587 by default). Default: smtp_server on the "
                   "control workbook's Control sheet.")
@click.option("--from", "sender", help="Sender address. Default: mail_from on the Control "
                                       "sheet.")
@_register_option
@_control_option
@_json_option
def chase(period: str, db: Location, feedback_dir: Path, out_dir: Path, lang: str | None,
          dry_run: bool,
          smtp_server: str | None, sender: str | None, register_path: Path | None,
          control_path: Path | None) -> None:
    """Draft a reminder to every subsidiary whose files are missing, late or rejected.

    One .eml per subsidiary (to the register's e-mail; the deadline and what is missing; the
    feedback workbook attached for a rejected file). With --send, they go through the SMTP
    server over STARTTLS; the login comes from XLTRACK_SMTP_USER and XLTRACK_SMTP_PASSWORD,
    or the password from the OS keyring (service xltrack-smtp), never from the workbook.
    Exit 1 when a reminder could not be sent.

    \b
    Examples:
      xltrack chase --period 2026-10
      xltrack chase --period 2026-10 --lang en --send
    """
    from .chase import chase_period

    lang = resolve_document_lang(lang, control_path)
    register = resolve_register(register_path, control_path)
    settings = _control_named(control_path)
    values = settings.values if settings else {}
    sender = sender or values.get("mail_from", "")
    server = smtp_server or values.get("smtp_server", "")
    if not dry_run and not server:
        raise UsageError(*pair("send_needs_smtp"))
    if not dry_run and not sender:
        raise UsageError(*pair("send_needs_sender"))
    done = chase_period(db, register, check_period(period), out_dir, lang, feedback_dir,
                        sender, None if dry_run else server)
    due, drafts, sent = done.reminders, done.drafts, done.sent
    said_in = messages_lang()  # the e-mails may be in another language than the lines
    no_address = [r.subsidiary.code for r in due if not r.subsidiary.email]
    lines = [f"{r.subsidiary.code} {r.subsidiary.email or say('no_email')}: "
             + ", ".join(f"{shown(KIND, o.kind, said_in)} {shown(STATUS, o.status, said_in)}"
                         for o in r.outstanding) + f" → {p}"
             for r, p in zip(due, drafts, strict=True)]
    lines += [f"{say('sent' if s.ok else 'not_sent')} {s.path.name} {s.to} {s.problem}".rstrip()
              for s in sent]
    emit({"period": period, "drafts": [str(p) for p in drafts], "no_email": no_address,
          "sent": [{"draft": str(s.path), "to": s.to, "ok": s.ok, "problem": s.problem}
                   for s in sent]},
         "\n".join(lines) or say("nothing_to_chase", period=period))
    sys.exit(EXIT_FINDINGS if any(not s.ok for s in sent) else EXIT_OK)
