"""Exceptions raised by xltrack.

    XltrackError                 every error xltrack raises on purpose
    ├── RegisterError            the project register (or another setting) is invalid
    ├── TemplateError            a workbook is not a usable xltrack template
    ├── HistoryError             the history database file is damaged or not a database
    ├── HistoryNotWritten        the history could not be written (disk full, file too large)
    ├── UsageError               a caller asked for something impossible (bad period, path …)
    └── MailError                a reminder cannot be sent (no server, no TLS, refused login)

Helpers raise; only the CLI and the Excel entry points turn these into exit codes or dialogs.
Problems inside a submission are not exceptions: they are findings (models.Finding), collected
lazily so that one bad file never stops the others.
"""

from __future__ import annotations


class XltrackError(Exception):
    """Base of every error xltrack raises on purpose."""


class RegisterError(XltrackError):
    """The register is invalid; `problems` lists every problem, not only the first."""

    def __init__(self, source: str, problems: list[str]) -> None:
        self.source = source
        self.problems = problems
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"{source}: the register has {len(problems)} problem(s):\n{lines}")


class TemplateError(XltrackError):
    """A workbook cannot be used as a template (for the filler or the generator)."""


class HistoryError(XltrackError):
    """The history database cannot be trusted; it is left exactly as found."""

    def __init__(self, path: object, problem: str) -> None:
        super().__init__(
            f"the history {path} is damaged ({problem}). xltrack has not changed it. Restore "
            "it from your backup (or move it aside to start a new history), then run again.")


class HistoryTooNew(HistoryError):
    """The history was written by a newer xltrack, whose tables this one does not know."""

    def __init__(self, path: object, version: int, known: int) -> None:
        XltrackError.__init__(
            self, f"the history {path} was written by a newer xltrack (history version "
            f"{version}; this one knows up to {known}). xltrack has not changed it. Install "
            "the newer xltrack to use it.")


class HistoryNotWritten(XltrackError):
    """The disk refused a write to the history (full, or the file may not grow): nothing in it
    is damaged, and a run changed nothing (its writes are one transaction)."""

    def __init__(self, path: object, problem: str) -> None:
        super().__init__(
            f"the history {path} could not be written ({problem}): the disk is full or the "
            "file may not grow. Nothing in it was lost. Free some space, then run again.")


class HistoryUnreachable(XltrackError):
    """A PostgreSQL history could not be opened (server down, wrong address, refused login, a
    role without the right to create the tables): nothing was changed."""

    def __init__(self, where: object, problem: str) -> None:
        super().__init__(
            f"the history database {where} could not be opened ({problem}). Nothing was "
            "changed. Check the address, that the server is up, that the role may use the "
            "database and that its password is in PGPASSWORD or ~/.pgpass, then run again.")


class UsageError(XltrackError):
    """The request itself is wrong: a malformed period, a missing folder …"""


class MailError(XltrackError):
    """Sending the chasing e-mails failed as a whole (the drafts are still written)."""
