"""The `xltrack` command ends without taking apart every object it made (cli.script): the
exit code, the output and the exit handlers are those of Python's own exit."""

from __future__ import annotations

import subprocess
import sys


def _script(prelude: str, *args: str) -> subprocess.CompletedProcess[str]:
    code = (f"import atexit, sys, threading, time\n{prelude}\n"
            f"sys.argv = ['xltrack', *{list(args)!r}]\n"
            "from xltrack import cli\n"
            "ORIGINAL = cli.main\n"
            "if 'MAIN' in globals(): cli.main = MAIN\n"
            "cli.script()\n"
            "print('not reached')\n")
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120)


def test_the_output_and_the_exit_handlers_are_all_there() -> None:
    done = _script("atexit.register(lambda: print('handler ran', flush=False))", "--help")
    assert done.returncode == 0, done.stderr
    assert "Usage:" in done.stdout and done.stdout.rstrip().endswith("handler ran")
    assert "not reached" not in done.stdout


def test_the_exit_code_is_the_commands() -> None:
    done = _script("", "run", "--inbox", "no-such-folder")
    assert done.returncode == 2 and "no-such-folder" in done.stderr
    assert _script("", "no-such-command").returncode == 2


def test_an_exit_with_a_text_says_it_and_gives_1() -> None:
    done = _script("MAIN = lambda: sys.exit('stopped here')")
    assert (done.returncode, done.stderr.strip()) == (1, "stopped here")


def test_a_thread_still_running_is_waited_for_as_python_does() -> None:
    # The thread starts once the command has printed its help (main() as the command runs
    # it), so that it is still running when the command is done, however slow the machine.
    prelude = ("def later():\n    time.sleep(0.3)\n    print('thread done', flush=True)\n"
               "def MAIN():\n    try:\n        ORIGINAL()\n    finally:\n"
               "        threading.Thread(target=later).start()\n")
    done = _script(prelude, "--help")
    assert done.returncode == 0, done.stderr
    assert "Usage:" in done.stdout and done.stdout.rstrip().endswith("thread done")
