"""A file a clerk sends, read before any database transaction opens (issue 24).

`read_upload` does all the file work — the bounded child reads the file, the report is made of what it
gave — so the interview's transaction only stores the result (`Input.reading`). It says nothing to the
clerk itself: `bot/interview/uploads.py` turns a `Reading` into replies.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.report import Report, ReportError, load_report_json
from bot.importer import READABLE, ImportResult, UnreadableError, import_bytes, import_source, is_json
from bot.importer.forms import read_source
from bot.importer.source import Para, check_json

TEXT_FORMS = (".txt", ".docx")  # at a narrative question, such a file may be that section's text


@dataclass(frozen=True)
class Reading:
    """What a file gave: a report JSON, a published report, and its plain text for a narrative question."""

    json_report: Report | None = None  # a .json file, read strictly
    result: ImportResult | None = None  # any other form, read as a published report
    error: str = ""  # why neither could be read (one Chinese line)
    text: str | None = None  # a .txt/.docx's paragraphs (None: not read, or unreadable)
    text_error: str = ""  # why the text could not be read


def read_upload(data: bytes, name: str) -> Reading:
    lower = name.lower()
    if not lower.endswith(READABLE):
        return Reading()  # the interview refuses it by its name
    if lower.endswith(".json"):
        return _read_json(data)
    if is_json(data, name):  # a .txt that begins with "{": a JSON report, else its text
        try:
            return Reading(result=import_bytes(data, name))
        except UnreadableError as exc:
            error = str(exc)
        return _with_text(Reading(error=error), data, name) if lower.endswith(TEXT_FORMS) else Reading(error=error)
    try:
        source = read_source(data, name)
    except UnreadableError as exc:
        return Reading(error=str(exc), text_error=str(exc))
    try:
        reading = Reading(result=import_source(source))
    except UnreadableError as exc:
        reading = Reading(error=str(exc))
    if lower.endswith(TEXT_FORMS) and (reading.result is None or reading.result.report.year is None):
        text = "\n".join(e.text.strip() for e in source.elements if isinstance(e, Para) and e.text.strip())
        reading = Reading(json_report=None, result=reading.result, error=reading.error, text=text)
    return reading


def _with_text(reading: Reading, data: bytes, name: str) -> Reading:
    try:
        source = read_source(data, name)
    except UnreadableError as exc:
        return Reading(error=reading.error, text_error=str(exc))
    text = "\n".join(e.text.strip() for e in source.elements if isinstance(e, Para) and e.text.strip())
    return Reading(error=reading.error, text=text)


def _read_json(data: bytes) -> Reading:
    try:
        check_json(data)
        report, _ = load_report_json(data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        return Reading(error="JSON文件不是UTF-8编码，无法读取。")
    except UnreadableError as exc:
        return Reading(error=str(exc))
    except ReportError as exc:
        where = f"（位置：{exc.path}）" if exc.path else ""
        return Reading(error=f"JSON文件不符合年报数据格式{where}：{exc.message}")
    return Reading(json_report=report)
