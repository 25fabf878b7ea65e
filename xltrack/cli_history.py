"""The history's own commands (`xltrack history copy`) and the `--db` option's type, which
takes a SQLite file or a PostgreSQL URL. Registered on the group in cli.py."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from . import backend
from .cli import _control_option, _json_option, cli, emit, lang_option, resolve_lang, say


class History(click.ParamType[backend.Location, Any]):
    """A history: a postgresql:// URL as it is, or a SQLite file (which must exist when
    `exists`, as for the commands that only read the history)."""

    name = "HISTORY"

    def __init__(self, exists: bool = False) -> None:
        self.file = click.Path(path_type=Path, dir_okay=False, exists=exists)

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> backend.Location:
        if backend.is_postgres(value):
            return str(value)
        path: Path = self.file.convert(value, param, ctx)
        return path


HISTORY_HELP = ("History: a SQLite file, or postgresql://USER@HOST/DB for a history the "
                "department shares (its password from PGPASSWORD or ~/.pgpass, never here).")


@cli.group()
def history() -> None:
    """Work on the history itself (the store of every submission and number).

    \b
    Example:
      xltrack history copy xltrack.sqlite postgresql://xltrack@dbserver/xltrack
    """


@history.command("copy")
@click.argument("source", type=History(exists=True))
@click.argument("dest", type=History())
@_control_option
@lang_option("the messages")
@_json_option
def copy(source: backend.Location, dest: backend.Location, control_path: Path | None,
         lang: str | None) -> None:
    """Copy a whole history into a new, empty one: a SQLite file into PostgreSQL, or back.

    Every table is copied in one transaction and verified (rows counted, numbers summed,
    table by table) before it is committed; on any difference nothing is written. SOURCE is
    only read. DEST may be a new SQLite file or an empty PostgreSQL database.

    \b
    Example:
      xltrack history copy xltrack.sqlite postgresql://xltrack@dbserver/xltrack
    """
    from .history_copy import copy_history

    resolve_lang(lang, control_path)
    tally = copy_history(source, dest)
    counts = tally.counts
    emit({"source": backend.shown(source), "dest": backend.shown(dest), "counts": counts,
          "sums": tally.sums},
         say("copied", source=backend.shown(source), dest=backend.shown(dest),
             **{k: counts[k] for k in ("submissions", "records", "amounts", "restatements")}))
