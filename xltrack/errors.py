"""Exceptions raised by xltrack.

    XltrackError                 every error xltrack raises on purpose
    ├── RegisterError            the project register (or another setting) is invalid
    ├── TemplateError            a workbook is not a usable xltrack template
    ├── HistoryError             the history database file is damaged or not a database
    ├── HistoryNotWritten        the history could not be written (disk full, file too large)
    ├── UsageError               a caller asked for something impossible (bad period, path …)
    └── MailError                a reminder cannot be sent (no server, no TLS, refused login)

Helpers raise; only the CLI and the Excel entry points turn these into exit codes or dialogs.
An error carries its text in both languages, `XltrackError(中文, English)`; the CLI prints
`exc.text(lang)` in the language of the messages, the Excel door in the workbook's language;
`str(exc)` (the log, a place where no language is known yet) is both, 中文 first. An error
raised with one text shows that text in either language.
Problems inside a submission are not exceptions: they are findings (models.Finding), collected
lazily so that one bad file never stops the others.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class Said(str):
    """An English text that also carries its Chinese (`.zh`), for lists of problems read by
    scripts and tests as plain strings: `text_in(said, "zh")` is the Chinese."""

    zh: str

    def __new__(cls, zh: str, en: str) -> Said:
        said = super().__new__(cls, en)
        said.zh = zh
        return said

    def __getnewargs__(self) -> tuple[str, str]:  # type: ignore[override]
        return self.zh, str(self)  # a copy sent to or from a worker process keeps both


# pydantic's error types in 中文; its English message is kept beside, as written.
_CHECK_ZH = {
    "missing": "缺少此项", "extra_forbidden": "不认识此项", "int_parsing": "应为整数",
    "int_type": "应为整数", "int_from_float": "应为整数", "float_parsing": "应为数字",
    "float_type": "应为数字", "string_type": "应为文本", "bool_parsing": "应为是或否",
    "bool_type": "应为是或否", "list_type": "应为列表", "dict_type": "应为一组设置",
    "model_type": "应为一组设置", "literal_error": "取值不在可选范围内",
    "enum": "取值不在可选范围内", "greater_than_equal": "不应小于 {ge}",
    "greater_than": "应大于 {gt}", "less_than_equal": "不应大于 {le}",
    "less_than": "应小于 {lt}", "string_too_short": "不应为空", "too_short": "不应为空",
    "date_from_datetime_parsing": "应为日期", "date_parsing": "应为日期",
}


def said_of_check(error: Mapping[str, Any], *, quote: bool = False) -> Said:
    """One of pydantic's validation errors as a problem in both languages: where (the
    setting's path), what is wrong, and (`quote`) the value found."""
    where = ".".join(str(part) for part in error["loc"]) or "(top level)"
    value = error.get("input")
    shown = quote and not isinstance(value, dict | list)
    zh = _CHECK_ZH.get(error["type"], "").format(**(error.get("ctx") or {}))
    if not zh:  # a check of xltrack's own, or one not listed: its message as written
        zh = str(error["msg"]).removeprefix("Value error, ")
    return Said(f"{where}：{zh}" + (f"（填写的是 {value!r}）" if shown else ""),
                f"{where}: {error['msg']}" + (f" (got {value!r})" if shown else ""))


def text_in(text: str, lang: str) -> str:
    """A text in `lang`: a Said's Chinese for zh, else the text itself."""
    return getattr(text, "zh", text) if lang == "zh" else str(text)


class XltrackError(Exception):
    """Base of every error xltrack raises on purpose: XltrackError(中文, English)."""

    def __init__(self, zh: str, en: str | None = None) -> None:
        super().__init__(*((zh,) if en is None else (zh, en)))
        self.zh, self.en = zh, zh if en is None else en

    def text(self, lang: str) -> str:
        """The text in the language of the messages (zh or en)."""
        return self.zh if lang == "zh" else self.en

    def __str__(self) -> str:
        if self.zh == self.en:
            return self.zh
        return f"{self.zh}\n{self.en}" if "\n" in self.zh + self.en else f"{self.zh} / {self.en}"


class RegisterError(XltrackError):
    """The register is invalid; `problems` lists every problem, not only the first."""

    def __init__(self, source: str, problems: list[str]) -> None:
        self.source = source
        self.problems = problems  # strings; a Said also carries its Chinese
        zh = "\n".join(f"  - {text_in(p, 'zh')}" for p in problems)
        en = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"{source}：设置有 {len(problems)} 处问题：\n{zh}",
                         f"{source}: the settings have {len(problems)} problem(s):\n{en}")

    def __reduce__(self) -> tuple[type[RegisterError], tuple[str, list[str]]]:
        return RegisterError, (self.source, self.problems)


class TemplateError(XltrackError):
    """A workbook cannot be used as a template (for the filler or the generator)."""


class HistoryError(XltrackError):
    """The history database cannot be trusted; it is left exactly as found."""

    def __init__(self, path: object, problem: str) -> None:
        super().__init__(
            f"历史库 {path} 已损坏（{problem}）。xltrack 未做任何修改。请从备份恢复（或将其移走以"
            "新建历史库），然后重新运行。",
            f"the history {path} is damaged ({problem}). xltrack has not changed it. Restore "
            "it from your backup (or move it aside to start a new history), then run again.")


class HistoryTooNew(HistoryError):
    """The history was written by a newer xltrack, whose tables this one does not know."""

    def __init__(self, path: object, version: int, known: int) -> None:
        XltrackError.__init__(
            self, f"历史库 {path} 由更新版本的 xltrack 写入（历史库版本 {version}，本版本最高识别 "
            f"{known}）。xltrack 未做任何修改。请安装更新的 xltrack 后使用。",
            f"the history {path} was written by a newer xltrack (history version "
            f"{version}; this one knows up to {known}). xltrack has not changed it. Install "
            "the newer xltrack to use it.")


class HistoryNotWritten(XltrackError):
    """The disk refused a write to the history (full, or the file may not grow): nothing in it
    is damaged, and a run changed nothing (its writes are one transaction)."""

    def __init__(self, path: object, problem: str) -> None:
        super().__init__(
            f"历史库 {path} 无法写入（{problem}）：磁盘已满或文件不能再增大。其中内容没有丢失。"
            "请释放磁盘空间，然后重新运行。",
            f"the history {path} could not be written ({problem}): the disk is full or the "
            "file may not grow. Nothing in it was lost. Free some space, then run again.")


class HistoryUnreachable(XltrackError):
    """A PostgreSQL history could not be opened (server down, wrong address, refused login, a
    role without the right to create the tables): nothing was changed."""

    def __init__(self, where: object, problem: str) -> None:
        super().__init__(
            f"无法打开历史数据库 {where}（{problem}）。未做任何修改。请检查地址、服务器是否运行、"
            "该角色能否使用此数据库，以及密码是否在 PGPASSWORD 或 ~/.pgpass 中，然后重新运行。",
            f"the history database {where} could not be opened ({problem}). Nothing was "
            "changed. Check the address, that the server is up, that the role may use the "
            "database and that its password is in PGPASSWORD or ~/.pgpass, then run again.")


class UsageError(XltrackError):
    """The request itself is wrong: a malformed period, a missing folder …"""


class MailError(XltrackError):
    """Sending the chasing e-mails failed as a whole (the drafts are still written)."""
