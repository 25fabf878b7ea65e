"""The outbound buttons of the control workbook: Issue templates and Chase.

Like the commands in commands.py, each takes the workbook port and the settings read from it,
calls the same library function as the CLI (`xltrack issue`, `xltrack chase`) and returns the
line the person is shown. The month is the Control sheet's; the files go to outbox/ beside
the workbook. The Chase button only writes the drafts: sending e-mail from a click, without
reading them first, is left to `xltrack chase --send`.
"""

from __future__ import annotations

from ..chase import chase_period
from ..control import ControlSettings
from ..errors import UsageError
from ..issued import issue_templates
from .port import WorkbookPort

OUTBOX = "outbox"


def issue_templates_command(port: WorkbookPort, settings: ControlSettings) -> str:
    period, out = settings.period(), settings.folder / OUTBOX
    port.status("生成模板 Issuing templates…")
    written = issue_templates(out, settings.register, settings.rules, period,
                              settings.history(), lang=_lang(settings))
    return (f"已生成 {len(written)} 份 {period} 预填模板 Issued {len(written)} pre-filled "
            f"templates for {period}: {out / period}")


def chase_command(port: WorkbookPort, settings: ControlSettings) -> str:
    period = settings.period()
    database = settings.history()
    if not isinstance(database, str) and not database.exists():
        raise UsageError(f"没有历史库 {database}：请先点击“运行本月”",
                         f"no history at {database}: run the month first (运行本月 Run month)")
    port.status("催报 Drafting reminders…")
    done = chase_period(database, settings.register, period, settings.folder / OUTBOX,
                        _lang(settings), settings.path("output") / "feedback",
                        settings.values.get("mail_from", ""))
    if not done.drafts:
        return f"{period}: 全部已报送 Nothing to chase: every file is in and accepted."
    codes = ", ".join(r.subsidiary.code for r in done.reminders)
    folder = settings.folder / OUTBOX / f"chase-{period}"
    return (f"{period}: {len(done.drafts)} 封催报邮件草稿 reminder drafts ({codes}) in "
            f"{folder}. 请在邮件程序中打开并发送 Open them in your mail program to send.")


def _lang(settings: ControlSettings) -> str:
    return "en" if settings.values.get("language") == "en" else "zh"
