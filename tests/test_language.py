"""Language and time by setting: --lang, then the control workbook, then the locale; times in
the set zone (else the machine's), with the zone shown."""

from __future__ import annotations

import datetime as dt
import os
import pickle
import re
import subprocess
import sys
from pathlib import Path

import pytest

from xltrack.errors import HistoryError, RegisterError, UsageError
from xltrack.language import document_lang, local_text, locale_lang, message_lang, zone
from xltrack.models import check_period
from xltrack.monthly import MonthResult
from xltrack.settings import load_register


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
    assert local_text("2026-11-04T22:36:00", zone("UTC")) == "2026-11-04 22:36 UTC"  # once
    assert local_text("2026-11-04T22:36:00", zone("Europe/London")) == (
        "2026-11-04 22:36 GMT (UTC+00:00)")
    assert local_text("2026-11-04T22:36:00", zone("Asia/Tashkent")) == (
        "2026-11-05 03:36 UTC+05:00")  # named only by its offset ("+05"): said once
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


def test_the_control_workbook_decides_before_the_locale(tmp_path: Path) -> None:
    from xltrack.demo import demo_register
    from xltrack.excel.build import build_workbook
    from xltrack.variance import default_rules

    for language, locale, said in (("en", "zh_CN.UTF-8", "Error: period '2026-13' is not"),
                                   ("zh", "en_US.UTF-8", "错误：期间“2026-13”格式不对")):
        folder = tmp_path / language
        folder.mkdir()
        build_workbook(folder / "xltrack.xlsm", demo_register(), default_rules(),
                       {"period": "2026-10", "language": language})
        env = {**os.environ, "LANG": locale, "LC_ALL": "", "LC_MESSAGES": ""}
        done = subprocess.run([sys.executable, "-m", "xltrack", "validate", ".", "--period",
                               "2026-13"], capture_output=True, text=True, timeout=120,
                              env=env, cwd=folder)
        assert done.returncode == 2 and done.stderr.splitlines()[-1].startswith(said), done.stderr
        # --lang still comes first.
        other = "zh" if language == "en" else "en"
        chosen = subprocess.run([sys.executable, "-m", "xltrack", "validate", ".", "--period",
                                 "2026-13", "--lang", other], capture_output=True, text=True,
                                timeout=120, env=env, cwd=folder)
        assert chosen.stderr.splitlines()[-1].startswith("错误：" if other == "zh" else "Error: ")


def test_an_error_is_printed_in_one_language(demo_month: MonthResult) -> None:
    db = str(demo_month.db)
    zh = _xltrack("explain", "NOPE", "--period", "2026-10", "--db", db, lang="zh_CN.UTF-8")
    assert zh.returncode == 2
    assert zh.stderr.strip() == ("错误：NOPE（投资）截至 2026-10 没有数据；"
                                 "请检查项目编号，并确认该月已运行")
    en = _xltrack("explain", "NOPE", "--period", "2026-10", "--db", db, lang="en_US.UTF-8")
    assert en.stderr.strip() == ("Error: no figures for NOPE (investment) up to 2026-10; check "
                                 "the project ID and that the period has been run")
    # Raised deep in a helper: the period, the register, the history.
    with pytest.raises(UsageError) as caught:
        check_period("2026/10")
    assert caught.value.text("zh") == "期间“2026/10”格式不对，应为 YYYY-MM，如 2026-10"
    assert caught.value.text("en") == "period '2026/10' is not YYYY-MM, e.g. 2026-10"
    assert str(caught.value) == f"{caught.value.text('zh')} / {caught.value.text('en')}"
    with pytest.raises(RegisterError) as missing:
        load_register(Path("no-such-register.json"))
    assert missing.value.text("zh").endswith("设置有 1 处问题：\n  - 文件不存在")
    assert missing.value.text("en").endswith("the settings have 1 problem(s):\n  - file not found")
    # Both texts survive the way to and from a worker process.
    again = pickle.loads(pickle.dumps(missing.value))
    assert again.text("zh") == missing.value.text("zh") and again.problems == ["file not found"]
    assert not re.search(r"[\u4e00-\u9fff]", HistoryError("h.sqlite", "bad page").text("en"))
    assert HistoryError("h.sqlite", "bad page").text("zh").startswith("历史库 h.sqlite 已损坏")


def test_the_run_summary_speaks_chinese(demo_month: MonthResult,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    from xltrack.cli_month import _print_run, _run_json

    summary = _run_json(demo_month, [Path("reports/figures-2026-10.csv")], Path("feedback"))
    _print_run(summary, "zh")
    lines = capsys.readouterr().out.splitlines()
    n = summary["check"]
    assert lines[0] == (f"2026-10：新文件 {n['files']} 个，接收 {n['accepted']} 个，退回 "
                        f"{n['rejected']} 个（另有 {n['already_in_history']} 个已在历史库中）；"
                        f"历史库 {demo_month.db}")
    assert lines[1].startswith("报送情况：已报送 ") and "被退回 1" in lines[1]
    rejected = next(line for line in lines if line.startswith("退回："))
    assert "INF03 月报 2026-10，错误 3 项" in rejected
    assert any(line.startswith("以前月份数据更正：RE03 2026-09 RE03-P01 实际投资 0101")
               for line in lines)
    g = summary["group"]
    assert f"集团投资（实际）：本月 {g['investment actual month']:>18,.2f}   本年累计 " \
           f"{g['investment actual ytd']:>18,.2f}" in lines
    majors = summary["major_variances"]
    assert f"偏差：重大 {summary['variances']['major']} 项，需关注 " \
           f"{summary['variances']['attention']} 项；重大偏差项目：{'、'.join(majors)}" in lines
    assert lines[-1] == "已生成 reports/figures-2026-10.csv"
    english = re.compile(r"\b(status|rejected|group|variances|wrote|major|month)\b")
    assert not [line for line in lines if english.search(line)]
    _print_run(summary, "en")  # the English summary is as it always was: scripts grep it
    assert f"major in {', '.join(majors)}" in capsys.readouterr().out
    # A version finding is shown in 中文 too (the summary's files carry the English one).
    older = {"file": "RE01-monthly-2026-10-v1.xlsx", "status": "accepted", "new": True,
             "versions": ["a newer version is in force"]}
    _print_run({**summary, "files": [older]}, "zh",
               {older["file"]: ["已有更新版本，本文件不再生效"]})
    assert "版本：RE01-monthly-2026-10-v1.xlsx：已有更新版本，本文件不再生效" in \
        capsys.readouterr().out.splitlines()
    # The same bytes sent under a second name: said once, in either language.
    twin = {**older, "file": "RE01 copy.xlsx", "same_as": "RE01.xlsx", "versions": []}
    for lang, line in (("zh", "重复：RE01 copy.xlsx 与 RE01.xlsx 内容完全相同，只保存一份"),
                       ("en", "same file: RE01 copy.xlsx holds exactly the bytes of RE01.xlsx; "
                              "stored once")):
        _print_run({**summary, "files": [twin, twin]}, lang)
        assert capsys.readouterr().out.splitlines().count(line) == 1
    # One name in two folders (a copy saved in the wrong month's): each named with its folder.
    copy = {**twin, "file": "RE01.xlsx", "path": "inbox/2026-09/RE01.xlsx",
            "same_as_path": "inbox/2026-10/RE01.xlsx"}
    _print_run({**summary, "files": [copy]}, "en")
    assert ("same file: 2026-09/RE01.xlsx holds exactly the bytes of 2026-10/RE01.xlsx; "
            "stored once") in capsys.readouterr().out.splitlines()


def test_every_lang_option_says_how_the_language_is_decided() -> None:
    from click.testing import CliRunner

    from xltrack.cli import LANG_RULE, cli

    def plain(text: str) -> str:
        return " ".join(text.split())

    commands = [(name,) for name in cli.commands if name not in ("actions", "history")]
    commands += [("actions",), ("actions", "init"), ("history", "copy")]
    for command in commands:
        shown = plain(CliRunner().invoke(cli, [*command, "--help"],
                                         terminal_width=200).output)
        assert "--lang" in shown, command
        if command != ("templates",):  # its --lang also offers `all`; its help says so
            assert plain(LANG_RULE) in shown, command
    guide = (Path(__file__).resolve().parents[1] / "docs" / "user-guide.md").read_text(
        encoding="utf-8")
    assert plain(LANG_RULE) in plain(re.sub(r"\n>", " ", guide))  # quoted there, as said


def test_register_and_rules_problems_are_worded_in_chinese_too(tmp_path: Path) -> None:
    """pydantic's checks of the settings, in 中文 beside the English scripts read."""
    import json

    from xltrack.demo import demo_register
    from xltrack.settings import parse_register
    from xltrack.variance import default_rules, load_rules

    data = json.loads(demo_register().model_dump_json())
    data["segments"][0]["major_threshold"] = "abc"
    del data["subsidiaries"][0]["code"]
    with pytest.raises(RegisterError) as raised:
        parse_register(data, "register.json")
    zh, en = raised.value.text("zh"), raised.value.text("en")
    assert "segments.0.major_threshold：应为数字（填写的是 'abc'）" in zh
    assert "subsidiaries.0.code：缺少此项" in zh
    assert "Input should be a valid number" not in zh
    assert "segments.0.major_threshold: Input should be a valid number" in en

    rules = json.loads(default_rules().model_dump_json())
    rules["amount"][0]["normal_pct"] = -1
    path = tmp_path / "rules.json"
    path.write_text(json.dumps(rules), encoding="utf-8")
    with pytest.raises(RegisterError) as raised:
        load_rules(path)
    assert "amount.0.normal_pct：不应小于 0" in raised.value.text("zh")
    assert "greater than or equal to 0" in raised.value.text("en")


def test_a_workbook_that_is_no_template_is_said_in_both_languages() -> None:
    from openpyxl import Workbook

    from xltrack.errors import TemplateError
    from xltrack.filler import read_column_map

    with pytest.raises(TemplateError) as raised:
        read_column_map(Workbook())
    assert raised.value.text("zh") == "没有 _xltrack 工作表：不是 xltrack 模板"
    assert raised.value.text("en") == "no _xltrack sheet: not an xltrack template"
