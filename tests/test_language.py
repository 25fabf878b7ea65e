"""Language and time by setting: --lang, then the control workbook, then the locale; times in
the set zone (else the machine's), with the zone shown."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest

from xltrack.errors import UsageError
from xltrack.language import document_lang, local_text, locale_lang, message_lang, zone


def test_the_locale_decides_when_nothing_else_does() -> None:
    assert locale_lang({"LANG": "zh_CN.UTF-8"}) == "zh"
    assert locale_lang({"LC_ALL": "en_US.UTF-8", "LANG": "zh_CN.UTF-8"}) == "en"
    assert locale_lang({"LC_MESSAGES": "zh_TW.UTF-8", "LANG": "C"}) == "zh"
    assert locale_lang({}) == "en"
    assert message_lang("en", "zh", {"LANG": "zh_CN"}) == "en"  # --lang first
    assert message_lang(None, "zh", {"LANG": "en_GB"}) == "zh"  # then the control workbook
    assert message_lang(None, "", {"LANG": "zh_CN"}) == "zh"  # then the locale
    assert document_lang(None, None) == "zh" and document_lang(None, "en") == "en"


def test_times_are_local_with_the_zone_shown() -> None:
    shanghai = zone("Asia/Shanghai")
    assert local_text("2026-11-04T22:36:00+00:00", shanghai) == "2026-11-05 06:36 CST (UTC+08:00)"
    assert local_text(dt.datetime(2026, 11, 4, 22, 36, 5, tzinfo=dt.UTC), shanghai,
                      seconds=True) == "2026-11-05 06:36:05 CST (UTC+08:00)"
    assert local_text("2026-11-04T22:36:00", zone("UTC")).startswith("2026-11-04 22:36 UTC")
    assert local_text("", shanghai) == ""
    with pytest.raises(UsageError, match="Asia/Shanghai"):
        zone("Mars/Olympus")
    here = dt.datetime.now().astimezone().utcoffset()
    assert dt.datetime(2026, 1, 1, tzinfo=zone(None)).utcoffset() is not None and here is not None


def _xltrack(*args: str, lang: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "LANG": lang, "LC_ALL": "", "LC_MESSAGES": ""}
    return subprocess.run([sys.executable, "-m", "xltrack", *args], capture_output=True,
                          text=True, timeout=120, env=env, cwd=Path(__file__).parent)


def test_the_cli_speaks_the_locale_or_lang() -> None:
    zh = _xltrack("validate", ".", "--period", "2026-13", lang="zh_CN.UTF-8")
    note, error = zh.stderr.splitlines()
    assert zh.returncode == 2 and error.startswith("错误：") and "演示项目档案" in note
    en = _xltrack("validate", ".", "--period", "2026-13", lang="en_US.UTF-8")
    assert en.returncode == 2 and en.stderr.splitlines()[-1].startswith("Error: "), en.stderr
    chosen = _xltrack("validate", ".", "--period", "2026-13", "--lang", "zh", lang="en_US.UTF-8")
    assert chosen.stderr.splitlines()[-1].startswith("错误：")
