"""make bench: xltrack's monthly run against the naive script, the raw reader and a bare peer.

For each N, generates N distinct subsidiary packs (all four kinds, filled through the contract
by the demo filler; cached under bench/data/), then times, median of --repeat rounds (each
round runs the four once), each run in a fresh subprocess whose process tree's memory (the
stage and the readers it starts) is sampled every 50 ms (tree_memory):

  (a) naive:   pandas.read_excel(engine="openpyxl") of every sheet, then concat and groupby
  (b) raw:     python-calamine reading every sheet of every file, nothing else
  (p) peer:    bench/peer.py — fastexcel + polars, tables by name, the consolidation's rules,
               an XlsxWriter summary; no guards, no database
  (c) xltrack: the whole run — intake, read, validate, store, consolidate, variances, report

Before timing, the peer's figures are checked against xltrack's to the cent (a difference
stops the bench). Then the report writer for 5,000 project rows with openpyxl and with
XlsxWriter, and a button-sized month cold from the CLI (button()). Writes bench/results.json
and bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"


def generate(n: int) -> Path:
    """N packs: subsidiary i % 12, period i // 12 months from 2020-01 (all distinct)."""
    folder = DATA / f"n{n}"
    done = folder / ".complete"
    if done.exists():
        return folder
    folder.mkdir(parents=True, exist_ok=True)
    larger = _larger_set(n)
    if larger is not None:  # pack i is the same file in every set: link the first n
        from xltrack.demo import demo_register

        codes = [s.code for s in demo_register().subsidiaries]
        for i in range(n):
            name = _pack_name(codes, i)
            if not (folder / name).exists():
                os.link(larger / name, folder / name)
    else:
        with ProcessPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
            list(pool.map(_one_pack, [(folder, i) for i in range(n)], chunksize=8))
    done.write_text(str(n))
    return folder


def _larger_set(n: int) -> Path | None:
    """A complete set of at least n packs already generated, if any (5,000 take a while)."""
    sets = [(int(f.name[1:]), f) for f in DATA.glob("n*") if (f / ".complete").exists()
            and f.name[1:].isdigit() and int(f.name[1:]) >= n]
    return min(sets)[1] if sets else None


def _pack_name(codes: list[str], i: int) -> str:
    """The file _one_pack writes for pack i: subsidiary i % 12, period i // 12 from 2020-01."""
    from xltrack.models import add_months

    return f"{codes[i % len(codes)]}-pack-{add_months('2020-01', i // len(codes))}.xlsx"


def _one_pack(job: tuple[Path, int]) -> None:
    import datetime as dt

    from xltrack import contract as c
    from xltrack.demo import (
        Story,
        _budget_rows,
        _forecast_rows,
        _monthly_rows,
        _plan_project,
        demo_register,
    )
    from xltrack.filler import fill_template
    from xltrack.models import add_months
    from xltrack.templates import write_template

    folder, i = job
    register = demo_register()
    template = folder.parent / "pack-template.xlsx"  # outside the folder the stages read
    if not template.exists():
        write_template(template.with_suffix(f".{os.getpid()}.xlsx"), c.PACK, "zh", register)
        os.replace(template.with_suffix(f".{os.getpid()}.xlsx"), template)
    sub = register.subsidiaries[i % len(register.subsidiaries)]
    period = add_months("2020-01", i // len(register.subsidiaries))
    story = Story()
    planned = [_plan_project(p, sub.segment, story) for p in register.projects
               if p.subsidiary == sub.code]
    month = next(iter(next(iter(planned)).budget["0101"]))  # a month the projects report
    rows = {"Plan": [m for p in planned for m in p.milestones],
            "Budget": [r for p in planned for r in _budget_rows(p, "元")],
            "SalesForecast": [r for p in planned for r in _forecast_rows(p, "元")]}
    monthly: dict[str, list[dict[str, object]]] = {}
    for p in planned:
        for table, table_rows in _monthly_rows(p, month, month, "元", story, False).items():
            monthly.setdefault(table, []).extend(table_rows)
    rows.update(monthly)
    header = {"xt_subsidiary": sub.code, "xt_period": period, "xt_preparer": f"bench {i}",
              "xt_prepared_on": dt.date(2026, 1, 1), "xt_unit": "元", "xt_revision": 1}
    fill_template(template, folder / f"{sub.code}-pack-{period}.xlsx", header, rows)


def naive(folder: Path) -> None:
    import pandas as pd

    frames = []
    for path in sorted(folder.glob("*.xlsx")):
        for name, frame in pd.read_excel(path, sheet_name=None, engine="openpyxl").items():
            frames.append(frame.assign(_file=path.name, _sheet=name))
    combined = pd.concat(frames, ignore_index=True)
    combined.groupby(["_file", "_sheet"]).size()


def raw(folder: Path) -> None:
    import python_calamine

    for path in sorted(folder.glob("*.xlsx")):
        book = python_calamine.CalamineWorkbook.from_path(str(path))
        for name in book.sheet_names:
            book.get_sheet_by_name(name).to_python()
        book.close()


def xltrack_run(folder: Path) -> None:
    from xltrack.demo import demo_register
    from xltrack.monthly import run_month, write_month
    from xltrack.report.monitoring import report_name

    with tempfile.TemporaryDirectory() as work:
        out = Path(work)
        periods = sorted(p.stem.rsplit("-pack-", 1)[1] for p in folder.glob("*.xlsx"))
        result = run_month(folder, demo_register(), periods[-1], out / "h.sqlite",
                           out / "feedback")
        write_month(result, out, out / report_name(result.period))  # as `xltrack run` does


def register_file() -> Path:
    """The demo register's owners (project -> [subsidiary, segment]) for the peer."""
    path = DATA / "owners.json"
    if not path.exists():
        from xltrack.demo import demo_register

        register = demo_register()
        owners = {p.id: [p.subsidiary, register.segment_of(p).code] for p in register.projects}
        DATA.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(owners))
    return path


def last_period(folder: Path) -> str:
    return sorted(p.stem.rsplit("-pack-", 1)[1] for p in folder.glob("*.xlsx"))[-1]


def peer(folder: Path) -> None:
    import peer as bare

    with tempfile.TemporaryDirectory() as work:
        bare.peer_run(folder, last_period(folder), DATA / "owners.json",
                      Path(work) / "summary.xlsx")


def agreement(folder: Path) -> dict[str, int]:
    """The peer's figures against xltrack's, to the cent (not timed). Raises on a difference."""
    import peer as bare

    from xltrack.demo import demo_register
    from xltrack.monthly import run_month

    with tempfile.TemporaryDirectory() as work:
        period = last_period(folder)
        theirs = bare.peer_run(folder, period, register_file(), Path(work) / "summary.xlsx")
        result = run_month(folder, demo_register(), period, Path(work) / "h.sqlite")
    f = result.consolidation.figures
    keys = zip(f.level, f.key, f.indicator, f.basis, f.span, strict=True)
    ours = {k: round(a, 2) for k, a in zip(keys, f.amount, strict=True) if round(a, 2) != 0}
    differ = [k for k in set(ours) | set(theirs)
              if round(ours.get(k, 0.0) - theirs.get(k, 0.0), 2) != 0]
    if differ:
        raise SystemExit(f"the peer and xltrack disagree on {len(differ)} figures, e.g. "
                         f"{sorted(differ)[:3]}")
    rejected = len(result.checked.rejected)
    return {"figures": len(ours), "rejected_files": rejected}


BUTTON_PERIOD = "2026-10"


def button_case() -> tuple[Path, Path]:
    """The demo's twelve new files of 2026-10 on a history holding its Jan-Sep (cached): the
    inbox and the history, built once by a run for 2026-09 over the months before."""
    folder = DATA / "button"
    inbox, history = folder / "demo" / "inbox", folder / "history.sqlite"
    if (folder / ".complete").exists():
        return inbox, history
    import shutil

    from xltrack.demo import demo_register, write_demo
    from xltrack.monthly import run_month

    shutil.rmtree(folder, ignore_errors=True)
    write_demo(folder / "demo", BUTTON_PERIOD)
    before = folder / "before"
    for month in inbox.iterdir():
        if month.name < BUTTON_PERIOD:
            shutil.copytree(month, before / month.name)
    run_month(before, demo_register(), "2026-09", history)
    (folder / ".complete").write_text("1")
    return inbox, history


def cli_seconds(args: list[str], history: Path | None = None) -> float:
    """Wall seconds of one cold `xltrack ...` (a fresh interpreter; a fresh copy of the
    history, so that every round reads the same twelve new files)."""
    import shutil

    exe = str(Path(sys.executable).with_name("xltrack"))
    with tempfile.TemporaryDirectory() as work:
        if history is not None:
            shutil.copy(history, Path(work) / "h.sqlite")
            args = [*args, "--db", str(Path(work) / "h.sqlite"), "--out", str(Path(work) / "r")]
        start = time.perf_counter()
        done = subprocess.run([exe, *args], cwd=work, capture_output=True, text=True)
        seconds = time.perf_counter() - start
    if done.returncode not in (0, 1):  # 1: the demo's rejected file and major variances
        raise SystemExit(f"xltrack {' '.join(args)} failed: {done.stderr[-2000:]}")
    return seconds


def warm_month(inbox: str, history: str) -> float:
    """Seconds of the button's month in a process that has run one already (a warm process,
    as xlwings' UDF server would keep): the steps `xltrack run` takes, on a fresh copy."""
    import shutil

    from xltrack.demo import demo_register
    from xltrack.monthly import run_month, write_month
    from xltrack.report.monitoring import report_name

    def month(work: Path) -> None:
        shutil.copy(history, work / "h.sqlite")
        result = run_month(Path(inbox), demo_register(), BUTTON_PERIOD, work / "h.sqlite",
                           work / "feedback")
        write_month(result, work, work / report_name(result.period))

    with tempfile.TemporaryDirectory() as first, tempfile.TemporaryDirectory() as second:
        month(Path(first))
        start = time.perf_counter()
        month(Path(second))
        return time.perf_counter() - start


def button(repeat: int) -> dict[str, float]:
    """Median seconds: the button-sized month cold from the CLI and warm (warm_month), validate
    of its 12 files and --help, cold."""
    inbox, history = button_case()
    new = inbox / BUTTON_PERIOD
    cases = {"run": (["run", "--period", BUTTON_PERIOD, "--inbox", str(inbox)], history),
             "validate_12": (["validate", str(new), "--period", BUTTON_PERIOD], None),
             "help": (["--help"], None)}
    samples: dict[str, list[float]] = {k: [] for k in cases}
    samples["run_warm"] = []
    code = (f"import sys; sys.path.insert(0, {str(HERE)!r}); import run; "
            f"print(run.warm_month({str(inbox)!r}, {str(history)!r}))")
    for _ in range(repeat):
        for name, (args, db) in cases.items():
            samples[name].append(cli_seconds(args, db))
        warm = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True,
                              text=True)
        samples["run_warm"].append(float(warm.stdout.strip().splitlines()[-1]))
    return {k: statistics.median(v) for k, v in samples.items()}


def writers(rows: int = 5_000) -> dict[str, float]:
    """Seconds to write a rows × 20 table of numbers and text, per library."""
    import openpyxl
    import xlsxwriter

    data = [[f"P{r:05d}", f"项目{r}"] + [r * 1.01 + c for c in range(18)] for r in range(rows)]
    timings = {}
    with tempfile.TemporaryDirectory() as work:
        start = time.perf_counter()
        wb = xlsxwriter.Workbook(str(Path(work) / "x.xlsx"))
        ws = wb.add_worksheet()
        for r, row in enumerate(data):
            ws.write_row(r, 0, row)
        wb.close()
        timings["xlsxwriter"] = time.perf_counter() - start
        start = time.perf_counter()
        book = openpyxl.Workbook()
        sheet = book.active
        for row in data:
            sheet.append(row)
        book.save(Path(work) / "o.xlsx")
        timings["openpyxl"] = time.perf_counter() - start
    return timings


STAGES = {"naive": naive, "raw": raw, "peer": peer, "xltrack": xltrack_run}


def in_child(function: str, arg: object) -> dict[str, Any]:
    """run.FUNCTION(arg) in a fresh interpreter, its JSON result. The bench's own process stays
    small: Linux carries a process's peak RSS across exec into the stages started from it."""
    code = (f"import json, sys; sys.path.insert(0, {str(HERE)!r}); import run; "
            f"print(json.dumps(run.{function}(run.Path({str(arg)!r}) "
            f"if {isinstance(arg, Path)!r} else {arg!r})))")
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True,
                         text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def measure(stage: str, folder: Path) -> dict[str, float]:
    """Run one stage in a fresh interpreter: its seconds, and the peak memory of its whole
    process tree (the stage and every reader it starts) sampled every 50 ms (tree_memory)."""
    code = (f"import json, sys, time; sys.path.insert(0, {str(HERE)!r}); import run; "
            f"t = time.perf_counter(); run.STAGES[{stage!r}](run.Path({str(folder)!r})); "
            "print(json.dumps({'seconds': time.perf_counter() - t}))")
    with subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE,
                          text=True) as child:
        peak = {"pss_mb": 0.0, "rss_mb": 0.0}
        while child.poll() is None:
            for key, value in tree_memory(child.pid).items():
                peak[key] = max(peak[key], value)
            time.sleep(0.05)
        out = child.stdout.read() if child.stdout else ""
    if child.returncode:
        raise SystemExit(f"{stage} failed (exit {child.returncode})")
    return {**json.loads(out.strip().splitlines()[-1]), **peak}


def tree_memory(root: int) -> dict[str, float]:
    """The memory of `root` and all its descendants now, in MB, from /proc (Linux): the sum of
    their PSS (each shared page split among the processes sharing it, so forked readers'
    pages shared with the parent count once) and the sum of their RSS (shared pages counted
    in every process: an upper bound)."""
    parents: dict[int, int] = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                with open(f"/proc/{entry.name}/stat") as stat:
                    parents[int(entry.name)] = int(stat.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
    tree, grew = {root}, True
    while grew:
        more = {pid for pid, parent in parents.items() if parent in tree} - tree
        tree |= more
        grew = bool(more)
    pss = rss = 0
    for pid in tree:
        try:
            with open(f"/proc/{pid}/smaps_rollup") as rollup:
                for line in rollup:
                    if line.startswith("Pss:"):
                        pss += int(line.split()[1])
                    elif line.startswith("Rss:"):
                        rss += int(line.split()[1])
        except OSError:  # ended meanwhile
            continue
    return {"pss_mb": pss / 1024, "rss_mb": rss / 1024}


def cells(folder: Path) -> int:
    import python_calamine

    total = 0
    for path in sorted(folder.glob("*.xlsx")):
        book = python_calamine.CalamineWorkbook.from_path(str(path))
        for name in book.sheet_names:
            sheet = book.get_sheet_by_name(name)
            total += sum(1 for row in sheet.to_python() for v in row if v != "")
        book.close()
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="+", default=["50,200,1000"],
                        help="numbers of packs, separated by commas or spaces")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--naive-up-to", type=int, default=2000,
                        help="run the naive script only up to this N (it takes about 0.14 s "
                        "a file, so 12 minutes a round at N=5000)")
    parser.add_argument("--no-button", action="store_true",
                        help="leave out the writers and the button-sized month")
    args = parser.parse_args()
    compiled()
    from xltrack import sheet_xml

    results: dict[str, Any] = {
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "platform": platform.platform(),
                    # xltrack/_cells.c built (the fast pass compiled), or the pass in Python
                    "compiled_pass": sheet_xml._compiled is not None},
        "repeat": args.repeat, "runs": []}
    if not args.no_button:
        results["writers_5000_rows"] = writers()
        results["button"] = in_child("button", args.repeat)
        print(f"button-sized month, cold: {results['button']}", flush=True)
    for n in (int(s) for s in " ".join(args.sizes).replace(",", " ").split()):
        started = time.perf_counter()
        folder = generate(n)
        print(f"N={n}: {time.perf_counter() - started:.0f} s to generate (cached after)",
              flush=True)
        row: dict[str, Any] = {"n": n, "cells": cells(folder),
                               "agree": in_child("agreement", folder)}
        stages = [s for s in STAGES if s != "naive" or n <= args.naive_up_to]
        # In rounds, each stage once per round: the machine's speed drifts, and a slow spell
        # then slows all three alike instead of one stage's every run.
        samples: dict[str, list[dict[str, float]]] = {stage: [] for stage in stages}
        for _ in range(args.repeat):
            for stage in stages:
                samples[stage].append(measure(stage, folder))
        for stage in stages:
            row[stage] = {"seconds": statistics.median(s["seconds"] for s in samples[stage]),
                          "pss_mb": max(s["pss_mb"] for s in samples[stage]),
                          "rss_mb": max(s["rss_mb"] for s in samples[stage])}
            print(f"  {stage:8} {row[stage]['seconds']:8.2f} s  "
                  f"{row[stage]['pss_mb']:6.0f} MB PSS  {row[stage]['rss_mb']:6.0f} MB RSS",
                  flush=True)
        secs = {k: row[k]["seconds"] for k in stages}
        row["xltrack_over_raw"] = secs["xltrack"] / secs["raw"]
        row["naive_over_xltrack"] = secs["naive"] / secs["xltrack"] if "naive" in secs else None
        row["xltrack_over_peer"] = secs["xltrack"] / secs["peer"]
        row["files_per_second"] = n / secs["xltrack"]
        row["ms_per_file"] = 1000 * secs["xltrack"] / n
        results["runs"].append(row)
    (HERE / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    (HERE / "RESULTS.md").write_text(markdown(results) + kept_notes())
    print((HERE / "RESULTS.md").read_text())


def compiled() -> None:
    """xltrack's modules compiled to bytecode, as pip compiles a package it installs: the
    editable install (make install) leaves them to be compiled on import, and where
    PYTHONDONTWRITEBYTECODE is set (this machine's environment) every start compiled the 51
    modules a run imports again, about 0.15 s of each cold start."""
    import compileall

    import xltrack

    compileall.compile_dir(Path(xltrack.__file__).parent, quiet=1)


NOTES = "## What each change bought"


def kept_notes() -> str:
    """The hand-written record below NOTES in RESULTS.md, kept when the tables are rewritten."""
    old = HERE / "RESULTS.md"
    text = old.read_text() if old.exists() else ""
    return "\n" + text[text.index(NOTES):] if NOTES in text else ""


def markdown(results: dict[str, Any]) -> str:
    m = results["machine"]
    lines = [f"# Benchmark results\n\nMachine: {m['cpus']} CPUs, Python {m['python']}, "
             f"{m['platform']}; sheets read by the fast pass "
             f"{'compiled (xltrack/_cells.c)' if m.get('compiled_pass') else 'in Python'}. "
             f"Median of {results['repeat']} rounds, each running the stages "
             "once, each in its own process. Produced by `make bench` (bench/run.py). Memory: "
             "the peak, over the run, of the sum of the PSS of the stage's process and every "
             "process it started (the readers), sampled every 50 ms from /proc; PSS splits a "
             "page shared by forked processes among them, so each page counts once (the sum of "
             "their RSS, which counts it in each, is in results.json).\n",
             "| N files | cells | (a) naive pandas+openpyxl | (b) raw calamine | "
             "(p) bare peer | (c) xltrack run | (c)/(p) | (c)/(b) | (a)/(c) | ms/file (c) | "
             "memory, all processes (c) | figures equal |",
             "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in results["runs"]:
        naive = f"{r['naive']['seconds']:.1f} s" if "naive" in r else "—"
        ratio = f"{r['naive_over_xltrack']:.1f}" if r["naive_over_xltrack"] else "—"
        lines.append(f"| {r['n']} | {r['cells']:,} | {naive} | "
                     f"{r['raw']['seconds']:.1f} s | {r['peer']['seconds']:.1f} s | "
                     f"{r['xltrack']['seconds']:.1f} s | {r['xltrack_over_peer']:.2f} | "
                     f"{r['xltrack_over_raw']:.2f} | {ratio} | "
                     f"{r['ms_per_file']:.1f} | {r['xltrack']['pss_mb']:.0f} MB | "
                     f"{r['agree']['figures']:,} |")
    if "writers_5000_rows" in results:
        w = results["writers_5000_rows"]
        lines.append(f"\nWriting 5,000 rows × 20 columns: XlsxWriter {w['xlsxwriter']:.2f} s, "
                     f"openpyxl {w['openpyxl']:.2f} s.\n")
    if "button" in results:
        b = results["button"]
        lines.append("A button-sized month (the demo's 12 new files of 2026-10 on a history "
                     f"holding Jan-Sep), median: `xltrack run` cold from the CLI {b['run']:.2f} "
                     "s, warm (in a process that has run one month already) "
                     f"{b['run_warm']:.2f} s; `xltrack validate` of the 12 files "
                     f"{b['validate_12']:.2f} s and `xltrack --help` {b['help']:.2f} s, cold.\n")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.setrecursionlimit(10_000)
    resource.setrlimit(resource.RLIMIT_NOFILE, resource.getrlimit(resource.RLIMIT_NOFILE))
    main()
