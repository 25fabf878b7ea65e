"""The docs are the contract: every command they show runs as shown, on the demo.

The commands are parsed from README.md, docs/*.md and every command's --help, so that a new
example is tested without editing this file:

- every line that calls xltrack in a code block (sh, cron, bat, or unmarked), with the shell
  around it (`cd … &&`, `> log`, a computed period) taken off;
- every inline `xltrack …` span in the prose;
- every line of `xltrack … --help` above its options that starts with `xltrack`.

Each one names only options its command has (synopsis lines with `[…]` and placeholders are
checked for that alone). Each runnable one then runs (the click command the console script
runs, in this process, to keep the test fast), in a fresh copy of one working folder
prepared once per session (`xltrack init ops`, the demo's inbox, one `run`),
and must end with exit 0 (1 where the docs say a rejected file or a major variance gives 1),
without an error. A command that needs a server (PostgreSQL, SMTP) is only checked.
"""

from __future__ import annotations

import re
import shlex
import shutil
import traceback
from contextlib import chdir
from dataclasses import dataclass
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from xltrack.cli import cli
from xltrack.variance import default_rules

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
PERIOD = "2026-10"  # the demo's month; a scheduled line's computed period stands for it

_FENCE = re.compile(r"```(\w*)\n(.*?)```", re.S)
_INLINE = re.compile(r"`(xltrack [^`]+)`")
# The program, however it is spelled: xltrack, …/bin/xltrack, …\Scripts\xltrack.exe.
_CALL = re.compile(r"(?:^|(?<=[\s/\\]))xltrack(?:\.exe)?\s+(.+)$")
_SHELL_TAIL = re.compile(r"\s(?:>|2>|&&|\|\||;|\s#)\s?.*$")
_PLACEHOLDER = re.compile(r"[\[\]…<>|]|(?<![\w-])(?:[A-Z][A-Z_]+)(?![\w-])")
_GLOBAL_OPTIONS = {o for p in cli.params for o in (*p.opts, *p.secondary_opts)} | {"--help"}
_NEEDS_A_SERVER = ("postgresql://", "--send", "--scheduler")
# Commands that make something new: they run in an empty folder, as the docs show them.
_CREATES = (("init",), ("actions", "init"), ("demo-data",))


@dataclass(frozen=True)
class Shown:
    where: str  # file (or --help) and line
    text: str  # the command as shown, from "xltrack"

    @property
    def args(self) -> list[str]:
        return shlex.split(self.text)[1:]

    @property
    def synopsis(self) -> bool:
        """A usage line (`[--lang zh|en]`, `FILE`): its options are checked, it is not run."""
        return bool(_PLACEHOLDER.search(self.text.split(" ", 1)[1]))

    @property
    def reference(self) -> bool:
        """A bare command name in the prose (`xltrack run`), not an example."""
        return all(not a.startswith("-") for a in self.args) and len(self.args) <= 2 \
            and _command_path(self.args) == tuple(self.args)


def _shell_free(line: str) -> str | None:
    """The xltrack call on a shell line, without the shell around it; None if there is none."""
    line = re.sub(r"\"\$\(date[^)]*\)\"|%PERIOD%", PERIOD, line)
    for match in _CALL.finditer(line):
        call = _SHELL_TAIL.sub("", match.group(1)).strip()
        first = call.split()[0] if call.split() else ""
        if first in cli.commands or first in _GLOBAL_OPTIONS:
            return "xltrack " + call
    return None


def _joined(lines: list[str]) -> list[str]:
    """A block's lines with continuations joined (a trailing backslash, or an indented line
    under a usage line), each kept at its first line's place (the rest become blank)."""
    out: list[str] = []
    for line in lines:
        if out and (out[-1].endswith("\\") or line.startswith(" ") and "xltrack" in out[-1]):
            out[-1] = out[-1].rstrip("\\") + " " + line.strip()
            line = ""
        out.append(line)
    return [line for line in out]


def shown_commands() -> list[Shown]:
    found: list[Shown] = []
    for doc in DOCS:
        text = doc.read_text(encoding="utf-8")
        for block in _FENCE.finditer(text):
            start = text.count("\n", 0, block.start()) + 2
            for i, line in enumerate(_joined(block.group(2).splitlines())):
                for piece in line.split(" · "):  # the README's synopsis joins subcommands
                    piece = piece.strip()
                    if piece.startswith("actions "):
                        piece = "xltrack " + piece
                    call = _shell_free(piece)
                    if call:
                        found.append(Shown(f"{doc.name}:{start + i}", call))
        prose = _FENCE.sub(lambda m: "\n" * m.group(0).count("\n"), text)
        for span in _INLINE.finditer(prose):
            line = prose.count("\n", 0, span.start()) + 1
            found.append(Shown(f"{doc.name}:{line}", " ".join(span.group(1).split())))
    for path in _help_paths():
        output = CliRunner().invoke(cli, [*path, "--help"], terminal_width=200).output
        examples = output.split("\nOptions:", 1)[0].split("\n", 1)[1]  # after the usage line
        for line in examples.splitlines():
            call = _shell_free(line.strip())
            if call:
                found.append(Shown(" ".join(("xltrack", *path, "--help")), call))
    return found


def _help_paths() -> list[tuple[str, ...]]:
    paths: list[tuple[str, ...]] = [()]
    for name, command in sorted(cli.commands.items()):
        paths.append((name,))
        if isinstance(command, click.Group):
            paths.extend((name, sub) for sub in sorted(command.commands))
    return paths


def _command_path(args: list[str]) -> tuple[str, ...]:
    """The command and subcommand the arguments name (global options skipped)."""
    path: list[str] = []
    group: click.Command = cli
    for arg in args:
        if arg.startswith("-"):
            continue
        if not isinstance(group, click.Group) or arg not in group.commands:
            break
        group = group.commands[arg]
        path.append(arg)
    return tuple(path)


def _options(path: tuple[str, ...]) -> set[str]:
    """Every option name valid on this command line: the command's and its groups'."""
    names: set[str] = set()
    command: click.Command = cli
    for part in ("", *path):
        if part:
            assert isinstance(command, click.Group)
            command = command.commands[part]
        for param in command.params:
            names.update(o for o in (*param.opts, *param.secondary_opts) if o.startswith("--"))
    return names | {"--help"}


# Every option of --help that no documented example uses, run once on the demo all the same
# ("run each option" is part of the contract; these lines are not documentation).
SWEEP = [
    "xltrack actions --control xltrack.xlsm --as-of 2026-11-20 --cutoff-day 20 --month-days 30"
    " --month-every 5 --near-days 5 --near-every 2 --lang zh --quiet",
    "xltrack actions init kw2.xlsx --lang en --json --quiet",
    "xltrack actions rollover --month 2026-11 --out kw-dec.xlsx --json --lang en --quiet",
    "xltrack build-workbook b.xlsm --register register.json --rules rules.json --macros "
    f"{ROOT / 'macros'} --json --lang zh --quiet",
    "xltrack chase --period 2026-10 --control xltrack.xlsm --db xltrack.sqlite --dry-run"
    " --feedback reports/feedback --from ops@example.com --smtp localhost:587 --json --lang en"
    " --out outbox2 --register register.json --quiet",
    "xltrack demo-data d2 --seed 7 --subsidiaries 2 --json --lang en --quiet",
    "xltrack explain RE01-P01 --period 2026-10 --db xltrack.sqlite --measure sales:AMOUNT"
    " --basis plan --span at_completion --json --lang zh --control xltrack.xlsm --quiet",
    "xltrack init newops --json --lang en --quiet",
    "xltrack issue --period 2026-11 --control xltrack.xlsm --db xltrack.sqlite --json --lang en"
    " --out ob --register register.json --rules rules.json --quiet",
    "xltrack report --period 2026-10 --actions key-work.xlsx --control xltrack.xlsm --json"
    " --lang en --register register.json --rules rules.json --quiet",
    "xltrack run --period 2026-10 --actions key-work.xlsx --control xltrack.xlsm --lang en"
    " --register register.json --rules rules.json --workers 1 --quiet --json",
    "xltrack special-reports --period 2026-10 --control xltrack.xlsm --json"
    " --register register.json --rules rules.json --lang en --quiet",
    "xltrack templates t2 --control xltrack.xlsm --register register.json --json --quiet"
    " --lang zh",
    "xltrack validate inbox/2026-10 --control xltrack.xlsm --lang en --workers 2 --quiet"
    " --json",
    "xltrack history copy xltrack.sqlite copy.sqlite --control xltrack.xlsm --lang zh --json"
    " --quiet",
    "xltrack --version",
]
SHOWN = shown_commands()
RUNNABLE = sorted({s.text: s for s in [*SHOWN, *(Shown("sweep", line) for line in SWEEP)]
                   if not s.synopsis and not s.reference
                   and not any(n in s.text for n in _NEEDS_A_SERVER)}.values(),
                  key=lambda s: s.text)


def test_the_docs_show_the_commands_we_expect_to_find() -> None:
    """The parser finds the examples (a parser that finds nothing would test nothing)."""
    texts = {s.text for s in SHOWN}
    for wanted in ("xltrack init ops --period 2026-10", "xltrack run --period 2026-10",
                   "xltrack --quiet run --period 2026-10 --json",
                   "xltrack actions --as-of today --json",
                   "xltrack history copy xltrack.sqlite postgresql://xltrack@dbserver/xltrack",
                   "xltrack report --period 2026-10 --db xltrack.sqlite "
                   "--out reports/report-2026-10.xlsx"):
        assert wanted in texts, wanted
    assert len(RUNNABLE) >= 25
    assert {s.where.split(":")[0] for s in SHOWN} >= {"README.md", "user-guide.md",
                                                       "excel.md", "scheduling.md"}


def test_every_option_of_every_command_is_run_somewhere() -> None:
    """Each option of each --help is in a documented example or in SWEEP (--send and
    --scheduler need a server: only checked to exist)."""
    used: dict[tuple[str, ...], set[str]] = {}
    for shown in [*SHOWN, *(Shown("sweep", line) for line in SWEEP)]:
        path = _command_path(shown.args)
        used.setdefault(path, set()).update(a.split("=")[0] for a in shown.args
                                            if a.startswith("--"))
    for path in _help_paths():
        command: click.Command = cli
        for part in path:
            assert isinstance(command, click.Group)
            command = command.commands[part]
        own = {o for p in command.params for o in (*p.opts, *p.secondary_opts)
               if o.startswith("--")}
        if path == ():
            own -= {"--quiet", "--json"}  # global: shown as xltrack --quiet run … --json
        missing = own - used.get(path, set()) - {"--help", "--send", "--scheduler"}
        assert not missing, f"xltrack {' '.join(path)}: {sorted(missing)} never run"


@pytest.mark.parametrize("shown", SHOWN, ids=lambda s: f"{s.where} {s.text}")
def test_every_shown_command_and_option_exists(shown: Shown) -> None:
    words = shown.text.replace("[", " ").replace("]", " ").split()[1:]
    path = _command_path([w for w in words if w not in ("|",)])
    first = next((w for w in words if not w.startswith("-")), None)
    assert first is None or path, f"{shown.where}: no command {first!r} in {shown.text}"
    valid = _options(path)
    named = {w.split("=")[0].rstrip(",.;:)") for w in words if w.startswith("--")}
    assert named <= valid, f"{shown.where}: {sorted(named - valid)} not options of {path}"


@dataclass
class Ran:
    code: int
    stdout: str
    stderr: str


def _xltrack(args: list[str], cwd: Path) -> Ran:
    """The command as its console script runs it, in this process (no interpreter to start):
    an exception escaping the command is a failure, as the one-line error would be."""
    with chdir(cwd):
        result = CliRunner().invoke(cli, args)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        error = "".join(traceback.format_exception(result.exception))
        return Ran(3, result.stdout, f"{result.stderr}\n{error}")
    return Ran(result.exit_code, result.stdout, result.stderr)


@pytest.fixture(scope="session")
def working_folder(demo: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`xltrack init ops`, the demo's inbox in it, the month run once: what the README's
    reader has after following it. Also the files the --help examples name (register.json,
    a submission)."""
    root = tmp_path_factory.mktemp("docs")
    made = _xltrack(["init", "ops", "--period", PERIOD], root)
    assert made.code == 0, made.stderr
    ops = root / "ops"
    shutil.copytree(demo / "inbox", ops / "inbox", dirs_exist_ok=True)
    shutil.copy(demo / "register.json", ops)
    (ops / "rules.json").write_text(default_rules().model_dump_json(), encoding="utf-8")
    shutil.copy(demo / "inbox" / PERIOD / f"RE01-monthly-{PERIOD}.xlsx", ops)
    first = _xltrack(["run", "--period", PERIOD, "--lang", "en"], ops)
    assert first.code == 1, first.stderr  # the demo's rejected file and its variances
    (ops / "first-run.txt").write_text(first.stdout, encoding="utf-8")
    return ops


def test_the_first_run_prints_what_the_user_guide_shows(working_folder: Path) -> None:
    printed = (working_folder / "first-run.txt").read_text(encoding="utf-8")
    guide = (ROOT / "docs" / "user-guide.md").read_text(encoding="utf-8")
    quoted = re.search(r"`(prior-period restatement: [^`]*?) …`", guide, re.S)
    assert quoted, "the user guide no longer quotes a restatement line"
    assert " ".join(quoted.group(1).split()) in printed


def test_init_makes_what_the_user_guide_lists(working_folder: Path) -> None:
    guide = (ROOT / "docs" / "user-guide.md").read_text(encoding="utf-8")
    listed = re.search(r"This creates (.*?) and the history database `([^`]+)`", guide, re.S)
    assert listed
    for name in [*re.findall(r"`([^`]+)`", listed.group(1)), listed.group(2)]:
        assert (working_folder / name).exists(), name


@pytest.mark.parametrize("shown", RUNNABLE, ids=lambda s: s.text)
def test_every_documented_command_runs(shown: Shown, working_folder: Path,
                                       tmp_path: Path) -> None:
    args = shown.args
    if any(_command_path(args)[:len(c)] == c for c in _CREATES):
        cwd = tmp_path
    else:
        cwd = tmp_path / "ops"
        shutil.copytree(working_folder, cwd)
    result = _xltrack(args, cwd)
    assert "Traceback" not in result.stderr, (shown.where, result.stderr)
    # 1 is documented for run and validate: a file was rejected (the demo has one) or a
    # major variance was found. Anything else must succeed.
    allowed = (0, 1) if _command_path(args)[:1] in (("run",), ("validate",)) else (0,)
    assert result.code in allowed, (shown.where, result.stdout[-2000:], result.stderr)


def test_every_option_the_prose_names_exists() -> None:
    """`--near-days`, `--kind budget`, `--dry-run` …: each is an option of some command."""
    known = set().union(*(_options(path) for path in _help_paths()))
    for doc in DOCS:
        for span in re.finditer(r"`([^`\n]*)`", doc.read_text(encoding="utf-8")):
            named = set(re.findall(r"(?<![\w-])--[a-z][a-z0-9-]*", span.group(1)))
            assert named <= known, f"{doc.name}: {sorted(named - known)} in `{span.group(1)}`"


def test_a_later_run_of_the_month_does_not_print_the_restatement_again(
        working_folder: Path, tmp_path: Path) -> None:
    """As the user guide says: only the run that first reads the correcting file prints it."""
    shutil.copytree(working_folder, tmp_path / "ops")
    again = _xltrack(["run", "--period", PERIOD, "--lang", "en"], tmp_path / "ops")
    assert again.code == 1 and "prior-period restatement" not in again.stdout
    assert "prior-period restatement" in (working_folder / "first-run.txt").read_text("utf-8")


def test_every_test_the_docs_cite_exists() -> None:
    """docs/reliability.md cites a test for each case (`test_intake.py::test_…`, or `…::test_…`
    / `…suffix` for another of the same file): each one is there."""
    tests = ROOT / "tests"
    for doc in DOCS:
        text = doc.read_text(encoding="utf-8")
        for file, name in re.findall(r"(test_\w+\.py)::(test_\w+)", text):
            assert (tests / file).exists(), f"{doc.name}: {file}"
            assert f"def {name}(" in (tests / file).read_text(encoding="utf-8"), (doc.name, name)
        sources = [p.read_text(encoding="utf-8") for p in tests.glob("test_*.py")]
        for name in re.findall(r"…::(test_\w+)`", text):
            assert any(f"def {name}(" in source for source in sources), (doc.name, name)
        for tail in re.findall(r"…([a-z]\w+)`", text):
            assert any(re.search(rf"def test_\w*{tail}\(", source) for source in sources), (
                doc.name, tail)


def test_the_reports_the_readme_lists_are_written(working_folder: Path) -> None:
    """The README's table of what `make demo` writes: every CSV of `demo/reports/`."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    [row] = [line for line in readme.splitlines() if line.startswith("| `demo/reports/` |")]
    names = [n.replace("…", f"{PERIOD}.csv") for n in re.findall(r"`([\w-]+-(?:…|[\d-]+\.csv))`",
                                                                  row)]
    assert len(names) == 6, names
    written = {p.name for p in (working_folder / "reports").iterdir()}
    assert set(names) <= written, set(names) - written
    assert {p for p in written if p.endswith(".csv")} == set(names)  # and no other CSV
