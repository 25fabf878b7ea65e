"""Which language and which clock: decided by setting, not hard-wired.

Language of the messages: `--lang` when given, else the control workbook's `language`, else
the locale (LC_ALL, LC_MESSAGES, LANG: zh… is 中文, anything else English). Documents (the
report, the written reports) are Chinese unless `--lang en` or the control workbook says en:
they go to a Chinese group's leadership, whatever the clerk's computer is set to.

Times are shown in the control workbook's `timezone` (an IANA name such as Asia/Shanghai),
else in the machine's own zone, always with the zone written beside them.
"""

from __future__ import annotations

import datetime as dt
import os
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .errors import UsageError

LANGS = ("zh", "en")


def locale_lang(environ: dict[str, str] | None = None) -> str:
    """zh when the locale is Chinese, else en (POSIX's first set variable decides)."""
    env = os.environ if environ is None else environ
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(name, "")
        if value:
            return "zh" if value.lower().startswith("zh") else "en"
    return "en"


def message_lang(explicit: str | None, setting: str | None,
                 environ: dict[str, str] | None = None) -> str:
    """The language of what the CLI prints: --lang, else the setting, else the locale."""
    for choice in (explicit, setting):
        if choice in LANGS:
            return str(choice)
    return locale_lang(environ)


def document_lang(explicit: str | None, setting: str | None) -> str:
    """The language of the documents: --lang, else the setting, else 中文."""
    for choice in (explicit, setting):
        if choice in LANGS:
            return str(choice)
    return "zh"


def zone(setting: str | None) -> dt.tzinfo:
    """The zone times are shown in: the setting, else the machine's."""
    if not setting:
        local = dt.datetime.now().astimezone().tzinfo
        return local if local is not None else dt.UTC
    try:
        return ZoneInfo(setting.strip())
    except (ZoneInfoNotFoundError, ValueError):
        raise UsageError(f"时区“{setting}”无效，请填写如 Asia/Shanghai 的时区名称",
                         f"time zone {setting!r} is unknown: use a name such as "
                         "Asia/Shanghai") from None


def local_text(when: dt.datetime | str | None, where: dt.tzinfo, seconds: bool = False) -> str:
    """A time in the zone, with the zone shown: "2026-11-05 14:36 CST (UTC+08:00)"; in UTC
    "2026-11-05 06:36 UTC", and a zone named only by its offset "… UTC+05:00".

    A time stored without a zone is taken as UTC (the store writes UTC)."""
    if when is None or when == "":
        return ""
    moment = dt.datetime.fromisoformat(when) if isinstance(when, str) else when
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    moment = moment.astimezone(where)
    offset = moment.strftime("%z")
    offset = f"UTC{offset[:3]}:{offset[3:]}" if offset else "UTC"
    name = moment.tzname() or offset
    if name == "UTC" or name[:1] in "+-":  # the name says no more than the offset
        name = "UTC" if offset == "UTC+00:00" else offset
        offset = name
    text = moment.strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")
    return f"{text} {name}" + (f" ({offset})" if name != offset else "")
