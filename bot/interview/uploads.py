"""Files a clerk sends: a report JSON fills everything; last year's report pre-fills this year's.

After every upload the clerk is told what was filled and what could not be read; nothing already
saved is changed by a file that cannot be read.
"""

from __future__ import annotations

from typing import Any

from bot.core.limits import unit_name_problem
from bot.core.progress import default_year
from bot.core.report import Report
from bot.format.interview import Step
from bot.importer import READABLE, READABLE_WORDS, ImportResult
from bot.importer.reading import TEXT_FORMS, Reading, read_upload
from bot.interview import confirm
from bot.interview.context import Ctx
from bot.interview.moves import STAY, Move, advance, again
from bot.interview.narrative import Draft
from bot.interview.parse import AnswerError, level_of
from bot.storage.models import id_of


def report_values(report: Report, *, skip_empty: bool) -> dict[str, Any]:
    """A report as answers: cells, texts, unit fields (empty ones left out when skip_empty)."""
    values: dict[str, Any] = {}
    for path, value in report.cells.items():
        if value is not None or not skip_empty:
            values[path] = value
    for key, text in report.text.items():
        if text or not skip_empty:
            values[f"text.{key}"] = text
    for key, text in report.unit.items():
        if text:
            values[f"unit.{key}"] = text
    values["meta.profile"] = report.profile
    if report.info_fee:
        values["info_fee"] = report.info_fee
        values["fee.cases"] = report.info_fee.get("cases", 0)
        values["fee.amount_yuan"] = report.info_fee.get("amount_yuan", 0)
    return values


def handle_upload(ctx: Ctx, filename: str, data: bytes, reading: Reading | None = None) -> Move:
    """Answer a file. `reading` is the file as read before the transaction opened (`Service.handle`);
    without it (the engine called directly) the file is read here."""
    name = filename or "文件"
    if not name.lower().endswith(READABLE):
        ctx.say(f"不支持“{name}”这种文件。请发送{READABLE_WORDS}格式的报告。")
        return STAY
    if reading is None:
        reading = read_upload(data, name)
    if name.lower().endswith(".json"):
        return _upload_json(ctx, reading)
    step = ctx.step()
    at_text = step is not None and step.kind == "draft" and name.lower().endswith(TEXT_FORMS)
    result = reading.result
    if at_text and step is not None and (result is None or result.report.year is None):
        return _section_text(ctx, step, name, reading)  # not a report: the text of the section being written
    if result is None:
        ctx.say(f"无法读取“{name}”：{reading.error}\n已保存的内容没有任何改动。")
        return STAY
    return _upload_report(ctx, name, result)


def _section_text(ctx: Ctx, step: Step, name: str, reading: Reading) -> Move:
    """A .txt/.docx sent at a narrative question: its paragraphs are that section's text (long answers)."""
    if reading.text is None:
        ctx.say(f"无法读取“{name}”：{reading.text_error or reading.error}\n已保存的内容没有任何改动。")
        return STAY
    text = reading.text
    if not text:
        ctx.say(f"“{name}”里没有文字。已保存的内容没有任何改动。")
        return STAY
    try:
        return Draft().take_text(ctx, step, text, f"“{name}”")
    except AnswerError as exc:
        ctx.say(str(exc))
        return STAY


def _ensure_report(ctx: Ctx, report: Report, year: int) -> bool:
    """Before any unit exists: create it from the uploaded report (this person owns it). False (said) when
    the file's unit name is no unit's name (the one check of bot/core/limits.py): nothing is written then."""
    if ctx.conv.report_id:
        return True
    name = report.unit.get("name", "") or "未命名单位"
    problem = unit_name_problem(name)
    if problem:
        ctx.say(f"文件中的单位名称“{name[:40]}”无法使用：{problem}\n已保存的内容没有任何改动。")
        return False
    level = level_of(name) or report.unit.get("level", "township")
    unit = ctx.store.create_unit(ctx.user, name, level)
    record = ctx.store.report_for(id_of(unit), year)
    assert record is not None
    ctx.conv.report_id = record.id
    ctx.reset_answers()
    ctx.save({"unit.name": name, "unit.level": level}, action="upload")
    return True


def _upload_json(ctx: Ctx, reading: Reading) -> Move:
    report = reading.json_report
    if report is None:
        ctx.say(f"{reading.error}\n已保存的内容没有任何改动。")
        return STAY
    record = ctx.record
    if record is not None and report.year != record.year:
        if report.year == record.year - 1:
            return _store_previous(ctx, report, "JSON")
        ctx.say(f"这份JSON是{report.year}年度的，而您正在填写{record.year}年度的报告。请发送本年度或上一年度的数据。")
        return STAY
    assert report.year is not None  # a report JSON always names its year
    if not _ensure_report(ctx, report, report.year):
        return STAY
    values = report_values(report, skip_empty=False)
    missing = [p for p, v in report.cells.items() if v is None]
    summary = f"已从JSON填入：单位信息、三张表格（{len(report.cells) - len(missing)}个格子）和各部分文字。"
    if missing:
        summary += f"\n有{len(missing)}个格子为空，需要补填。"
    return confirm.offer(ctx, values, what="上传的JSON文件", action="upload", then="goto:finish", done=summary)


def _upload_report(ctx: Ctx, name: str, result: ImportResult) -> Move:
    report = result.report

    record = ctx.record
    this_year = record.year if record else default_year(ctx.engine.today())
    if report.year is None:
        ctx.say(f"“{name}”中没有读出报告年度（标题应为“……××××年政府信息公开工作年度报告”）。已保存的内容没有任何改动。")
        return STAY
    if report.year == this_year - 1:
        if not _ensure_report(ctx, report, this_year):
            return STAY
        return _store_previous(ctx, report, name, result)
    if report.year != this_year:
        ctx.say(f"“{name}”是{report.year}年度的报告，而您正在填写{this_year}年度的报告。请发送本年度或上一年度的报告。")
        return STAY
    if not _ensure_report(ctx, report, this_year):
        return STAY
    values = report_values(report, skip_empty=True)
    read = sum(1 for v in report.cells.values() if v is not None)
    lines = [f"已从“{name}”填入{read}个表格数字和{sum(1 for t in report.text.values() if t)}段文字。"]
    lines += [f"· {note}" for note in result.notes]
    lines += [f"· {f.message}" for f in result.findings]
    return confirm.offer(ctx, values, what=f"上传的“{name}”", action="upload", then="goto:finish", done="\n".join(lines))


def prefill_values(ctx: Ctx, previous: Report) -> dict[str, Any]:
    """This year's answers that follow from last year's report: 上年结转 (its 结转下年度) and the unit's details."""
    filled: dict[str, Any] = {}
    fwd_row, carry_row = previous.format.role_row("forwarded"), ctx.fmt.role_row("carried")
    for col in ctx.fmt.table3.col_keys:
        fwd = previous.cells.get(f"table3.{fwd_row}.{col}")
        if fwd is not None:
            filled[f"table3.{carry_row}.{col}"] = fwd
    answers = ctx.answers()
    for key in ("name", "level", "province", "city", "county", "address", "phone", "website"):
        if previous.unit.get(key) and not answers.get(f"unit.{key}"):
            filled[f"unit.{key}"] = previous.unit[key]
    return filled


def carried(ctx: Ctx, filled: dict[str, Any]) -> int:
    """The applications carried over, as pre-filled: the 总计 column's, not the sum of every column."""
    total = filled.get(ctx.fmt.role_cell("carried"))
    if isinstance(total, int):
        return total
    return sum(v for k, v in filled.items() if k.startswith("table3.") and isinstance(v, int))


def _store_previous(ctx: Ctx, previous: Report, name: str, result: ImportResult | None = None) -> Move:
    """Keep last year's report (for cross-year checks and drafts) and pre-fill this year's from it."""
    record = ctx.record
    assert record is not None
    prev_record = ctx.store.report_for(record.unit_id, record.year - 1, source="import")
    assert prev_record is not None
    ctx.store.set_answers(id_of(prev_record), report_values(previous, skip_empty=False), ctx.user, "upload")
    filled = prefill_values(ctx, previous)
    ctx.save(filled, action="prefill")
    lines = [
        f"已读取{previous.year}年度报告“{name}”，用于预填和跨年度核对：",
        f"· 表三“上年结转”已按去年的“结转下年度继续办理”填好（{carried(ctx, filled)}件）。",
        "· 去年的行政规范性文件现行有效件数将用于核对今年的数字。",
        "· 填写各部分文字时，可以选择以去年的文字为底稿。",
    ]
    if result is not None:
        lines += [f"· {note}" for note in result.notes if "格子" in note]
    if ctx.conv.step in ("", ctx.script.steps[0].id):  # the unit is named by the file: continue after its name
        return advance("\n".join(lines), after=ctx.script.steps[0].id)
    return again("\n".join(lines))
