"""What the CLI says to a person, in 中文 and English, defined once.

Each sentence is a (中文, English) pair with {named} blanks; cli.say(key, …) picks the language
of the messages (--lang, else the control workbook's `language`, else the locale). Codes inside
a sentence are worded with words.py; --json prints neither, only codes and English keys.
"""

from __future__ import annotations

import unicodedata

from .words import Words, word

SAID: dict[str, tuple[str, str]] = {
    # the guard of every command (cli._main)
    "aborted": ("已取消。", "Aborted."),
    "error": ("错误：", "Error: "),
    "demo_register": ("使用内置的演示项目档案（此处没有 xltrack.xlsm；见 xltrack init）。",
                      "Using the built-in demo register (no xltrack.xlsm here; see xltrack "
                      "init)."),
    "history": ("错误：历史库无法使用（{exc}）。请释放磁盘空间、确认没有其他程序占用它，"
                "然后重新运行。",
                "Error: the history database could not be used ({exc}). Free some space, "
                "check that no other program holds it, then run again."),
    "files": ("错误：无法读写{where}：{why}。请释放磁盘空间或换一个文件夹，然后重新运行。",
              "Error: cannot write or read{where}: {why}. Free some space or choose another "
              "folder, then run again."),
    "internal": ("内部错误（{kind}）：{exc}。请报告此问题。{details}",
                 "Internal error ({kind}): {exc}. Please report it.{details}"),
    "details": (" 详情：{log}", " Details: {log}"),
    # written files
    "wrote": ("已生成 {path}", "wrote {path}"),
    "progress_checking": ("检查", "Checking"),
    "progress_reading": ("读取", "Reading"),
    # validate
    "validated": ("{files} 个文件：接收 {accepted} 个，退回 {rejected} 个；错误 {errors} 项，"
                  "警告 {warnings} 项，提示 {infos} 项；跳过 Excel 锁文件 {lock_files_skipped} 个",
                  "{files} files: {accepted} accepted, {rejected} rejected; {errors} errors, "
                  "{warnings} warnings, {infos} notes; {lock_files_skipped} lock files skipped"),
    "feedback": ("反馈文件：{path}", "feedback: {path}"),
    # run
    "network_share": ("警告：历史库 {db} 位于网络共享（{share}）上，SQLite 的锁在那里不可靠。"
                      "请放在本地磁盘并做好备份。",
                      "Warning: the history {db} is on a network share ({share}); SQLite's "
                      "locks are unreliable there. Keep it on a local disk and back it up."),
    "run_counts": ("{period}：新文件 {files} 个，接收 {accepted} 个，退回 {rejected} 个"
                   "（另有 {already_in_history} 个已在历史库中）；历史库 {db}",
                   "{period}: {files} new files, {accepted} accepted, {rejected} rejected "
                   "({already_in_history} already in the history); store {db}"),
    "run_status": ("报送情况：{counts}", "status: {counts}"),
    "run_rejected": ("退回：{file}（{subsidiary} {kind} {period}，错误 {errors} 项）反馈文件："
                     "{feedback}",
                     "rejected: {file} ({subsidiary} {kind} {period}, {errors} errors) "
                     "feedback: {feedback}"),
    "feedback_earlier": ("首次读取时已生成", "written when it was first read"),
    "run_version": ("版本：{file}：{message}", "version: {file}: {message}"),
    "run_same_bytes": ("重复：{file} 与 {same_as} 内容完全相同，只保存一份",
                       "same file: {file} holds exactly the bytes of {same_as}; stored once"),
    "run_feedback": ("给报送单位的反馈文件：{folder}",
                     "feedback workbooks for the senders: {folder}"),
    "restatement": ("以前月份数据更正：{subsidiary} {month} {project} {table} {item} "
                    "{old} → {new}（{file} {cell}，替代 {superseded}）",
                    "prior-period restatement: {subsidiary} {month} {project} {table} {item} "
                    "{old} -> {new} ({file} {cell}, replaces {superseded})"),
    "none": ("（无）", "(none)"),
    "group_investment": ("集团投资（{basis}）：本月 {month:>18,.2f}   本年累计 {ytd:>18,.2f}",
                         "group investment {basis:8}: month {month:>18,.2f}   year to date "
                         "{ytd:>18,.2f}"),
    "run_variances": ("偏差：重大 {major} 项，需关注 {attention} 项；重大偏差项目：{projects}",
                      "variances: {major} major, {attention} to watch; major in {projects}"),
    "no_project": ("无", "no project"),
    # report
    "report_written": ("已生成 {path}（保留批注 {kept} 条，找不到对应项目的批注 {orphaned} 条）",
                       "wrote {path} ({kept} comments kept, {orphaned} orphaned)"),
    "report_backup": ("原报告已保留为 {backup}", "previous report kept as {backup}"),
    # special-reports
    "tracked": ("已在 {table} 中添加 {count} 项跟踪事项", "{count} item(s) added to {table}"),
    "no_special": ("{period} 无重大偏差：无需专项报告。",
                   "No major variance in {period}: no special report needed."),
    "overview": ("月度概览：{path}", "monthly overview: {path}"),
    # explain
    "no_figures": ("{project}（{measure}）截至 {period} 没有数据；请检查项目编号，并确认该月已运行",
                   "no figures for {project} ({measure}) up to {period}; check the project ID "
                   "and that the period has been run"),
    "explained": ("{project} {measure} {basis} {span}：{amount:,.2f}",
                  "{project} {measure} {basis} {span}: {amount:,.2f}"),
    # actions
    "cadence_bad": ("--cutoff-day 须为 1 到 31，各 --…-every 选项至少为 1",
                    "--cutoff-day must be 1 to 31, the --…-every options at least 1"),
    "follow_ups": ("{day}（{table}）：待跟进 {chase} 项，逾期 {overdue} 项，未完成 {open} 项",
                   "{day} ({table}): {chase} to follow up, {overdue} overdue, {open} open"),
    "to_correct": ("，需更正 {count} 处", ", {count} cell(s) to correct"),
    "follow_up": ("  {mark}{id}  期限 {deadline}  {department}/{person}  {content}",
                  "  {mark}{id}  due {deadline}  {department}/{person}  {content}"),
    "overdue_mark": ("逾期 ", "OVERDUE "),
    "table_exists": ("{path} 已存在；请换一个名称", "{path} exists already; choose another name"),
    "table_written": ("已生成 {path}：每条指示、会议纪要事项或决议一行",
                      "wrote {path}: one row per instruction, minutes item or resolution"),
    "rolled_over": ("{month} 已于 {cutoff} 截止：本月完成 {done} 项，{carried} 项结转至 {table}；"
                    "月度小结已加入 {closed}",
                    "{month} closed on {cutoff}: {done} done this month, {carried} rolled over "
                    "to {table}; summary sheet added to {closed}"),
    "previous_kept": ("（原文件已保留为 {backup}）", " (previous file kept as {backup})"),
    # issue, chase
    "no_history_plans": ("没有历史库 {db}：模板中不含计划数据。",
                         "No history at {db}: the templates carry no plan figures."),
    "send_needs_smtp": ("--send 需要 SMTP 服务器：--smtp HOST:PORT，或在控制工作簿的 Control "
                        "表中填写 smtp_server",
                        "--send needs an SMTP server: --smtp HOST:PORT, or smtp_server on the "
                        "control workbook's Control sheet"),
    "send_needs_sender": ("--send 需要发件人：--from 地址，或在控制工作簿的 Control 表中填写 "
                          "mail_from",
                          "--send needs a sender: --from ADDRESS, or mail_from on the control "
                          "workbook's Control sheet"),
    "no_email": ("（项目档案中没有邮箱）", "(no e-mail in the register)"),
    "sent": ("已发送", "sent"),
    "not_sent": ("未发送", "NOT SENT"),
    "nothing_to_chase": ("{period} 无需催报：所有文件均已报送并接收。",
                         "Nothing to chase for {period}: every file is in and accepted."),
    # history copy
    "copied": ("已从 {source} 复制到 {dest}：报送 {submissions} 份、记录 {records} 条、金额 "
               "{amounts} 行、更正 {restatements} 条；已核对，各项计数与合计均一致",
               "copied {submissions} submissions, {records} records, {amounts} amount rows "
               "and {restatements} restatements from {source} to {dest}; verified: every "
               "count and sum is the same"),
    # init, build-workbook, demo-data
    "not_empty": ("{folder} 不是空文件夹；请选择一个新文件夹",
                  "{folder} is not empty; choose a new folder"),
    "created": ("已创建 {folder}/：{created}\n下一步：在 {control} 中把演示集团换成贵集团的板块、"
                "单位和项目；把 templates/ 发给各单位；把收到的文件放入 {inbox}/；然后点击"
                "“运行本月”，或\n  cd {folder} && xltrack run --period {month}",
                "Created {folder}/: {created}\nNext: in {control}, replace the demo group with "
                "your segments, subsidiaries and projects; send templates/ to the "
                "subsidiaries; put their files in {inbox}/; then click Run month, or\n"
                "  cd {folder} && xltrack run --period {month}"),
    "build_new_file": ("请生成到一个新文件，核对后再替换旧文件",
                       "build into a new file, then replace the old one once checked"),
    "demo_written": ("{inbox} 中有 {files} 份报送；控制工作簿 {control}；预设问题清单 {expected}",
                     "{files} submissions in {inbox}; control workbook {control}; expected "
                     "faults {expected}"),
}


def said(key: str, lang: str, **values: object) -> str:
    """The sentence `key` in `lang` (zh, else English), its blanks filled."""
    zh, en = SAID[key]
    return (zh if lang == "zh" else en).format(**values)


def shown(words: Words, code: object, lang: str) -> str:
    """A code as the messages show it: its Chinese word in 中文, the code itself in English
    (the English messages have always printed the codes, and scripts read them)."""
    return word(words, code, "zh") if lang == "zh" else ("" if code is None else str(code))


def pad(text: str, width: int) -> str:
    """`text` padded to `width` terminal columns: a Chinese character takes two, so that the
    columns of the 中文 lines line up as the English ones do."""
    used = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
    return text + " " * max(width - used, 0)


def pair(key: str, **values: object) -> tuple[str, str]:
    """Both texts of `key`, filled: for an error, which is printed in the language chosen."""
    zh, en = SAID[key]
    return zh.format(**values), en.format(**values)
