"""make profile: where a run's time goes, by pyinstrument, written to bench/profile.txt.

(Not named profile.py: run from bench/, that name would shadow the standard library's
`profile`, which cProfile imports.)

Two profiles over the same N packs (bench/data/, made by make bench):
  1. what a reader process does per file (intake, read, validate), run in this process so the
     profiler sees it;
  2. the run itself (`run_month`), where reading happens in worker processes and the profile
     shows storing, consolidation and variances.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from pyinstrument import Profiler

from xltrack.demo import demo_register
from xltrack.monthly import run_month
from xltrack.validate import validate_all
from xltrack.workers import examine

HERE = Path(__file__).resolve().parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=200)
    args = parser.parse_args()
    from run import generate  # bench/run.py: the same packs as the benchmark

    files = sorted(generate(args.n).glob("*.xlsx"))
    register = demo_register()
    out = []
    reading = Profiler()
    with reading:
        validate_all([examine(p) for p in files], register, None, None)
    out.append(f"# 1. Reading {len(files)} packs in one process (a reader's work)\n")
    out.append(reading.output_text(color=False, show_all=False))
    run = Profiler()
    with tempfile.TemporaryDirectory() as tmp, run:
        run_month(files[0].parent, register, "2036-12", Path(tmp) / "history.sqlite")
    out.append(f"# 2. run_month over the same {len(files)} packs (readers in processes)\n")
    out.append(run.output_text(color=False, show_all=False))
    (HERE / "profile.txt").write_text("\n".join(out), encoding="utf-8")
    print(f"wrote {HERE / 'profile.txt'}")


if __name__ == "__main__":
    main()
