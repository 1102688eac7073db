"""Last year's text as this year's base, carefully.

The report year is changed only where it is the report year: never inside a document number (〔2021〕,
[2021]), a plan period (2021-2035), a quotation or a title (“…”, 《…》), or a full date (a cited
document's). Every sentence that states figures of table 三 or 四 is replaced by this year's sentence
written from the tables; other sentences with counts are listed for the clerk to check.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from bot.core.numbers import NUMBER
from bot.core.report import Report
from bot.interview.drafts import applications_sentence, reviews_sentence

YEAR = re.compile(r"(?<!\d)(\d{4})(?!\d)")
PERIOD_AFTER = re.compile(r"\s*年?\s*[-—–~～至到]\s*\d{4}")
PERIOD_BEFORE = re.compile(r"\d{4}\s*年?\s*[-—–~～至到]\s*\Z")
FULL_DATE = re.compile(r"\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日")
PAIRS = {"“": "”", "《": "》", "「": "」", "『": "』", "〔": "〕", "[": "]", "【": "】"}
SENTENCE = re.compile(r"[^。！？；\n]*[。！？；]?|\n")
COUNT = re.compile(rf"{NUMBER}\s*(?:件|条|次|期|个|人次|家)")
APPLICATIONS = re.compile(r"申请|办结|予以公开|部分公开|不予公开|无法提供|不予处理|结转")
NOT_APPLICATIONS = re.compile(r"复议|诉讼|建议|提案|投诉|举报|信访|咨询|留言|来电")
REVIEWS = re.compile(r"复议|诉讼")
NONE_STATED = re.compile(r"未收到|没有收到|无上年结转|未发生|未产生|没有发生")


@dataclass
class Carried:
    """Last year's text made this year's base, and what the clerk should still look at."""

    text: str
    kept: list[str] = field(default_factory=list)  # years left as they were, with why
    replaced: list[str] = field(default_factory=list)  # last year's sentences replaced from the tables
    check: list[str] = field(default_factory=list)  # sentences with counts nobody can check here


def _inside(text: str, pos: int) -> bool:
    """Inside a quotation, a title or a bracketed number: an opener before pos in this paragraph not yet closed."""
    start = text.rfind("\n", 0, pos) + 1
    depth: dict[str, int] = {}
    for ch in text[start:pos]:
        if ch in PAIRS:
            depth[ch] = depth.get(ch, 0) + 1
        else:
            for opener, closer in PAIRS.items():
                if ch == closer and depth.get(opener):
                    depth[opener] -= 1
    return any(depth.values())


def _why_kept(text: str, m: re.Match[str]) -> str:
    """Why this year must stay ("" when it is the report year and may change)."""
    before, after = text[: m.start()], text[m.end() :]
    if before.endswith(("〔", "[", "［", "（", "(")) and re.match(r"\s*[〕\]］）)]\s*第?\s*\d", after) or _inside(text, m.start()):
        return "文号、引文或标题"
    if PERIOD_AFTER.match(after) or PERIOD_BEFORE.search(before[-12:]):
        return "规划或时间段"
    if FULL_DATE.match(after):
        return "具体日期"
    return ""


def shift_years(text: str, old: int, new: int) -> tuple[str, list[str]]:
    """Last year's report years (and the year after it, its plans) moved by new - old, where they are the report year."""
    kept: list[str] = []

    def one(m: re.Match[str]) -> str:
        year = int(m.group(1))
        if year not in (old, old + 1):
            return m.group(0)
        why = _why_kept(text, m)
        if why:
            kept.append(f"{text[max(0, m.start() - 8): m.end() + 8].strip()}（{why}，未改）")
            return m.group(0)
        return str(year + new - old)

    return YEAR.sub(one, text), kept


def _states_applications(sentence: str) -> bool:
    return bool(APPLICATIONS.search(sentence)) and not NOT_APPLICATIONS.search(sentence) and bool(
        COUNT.search(sentence) or NONE_STATED.search(sentence)
    )


def _states_reviews(sentence: str) -> bool:
    return bool(REVIEWS.search(sentence)) and bool(COUNT.search(sentence) or NONE_STATED.search(sentence))


def carry(text: str, previous_year: int, report: Report) -> Carried:
    """Last year's text for this year's report (report.year), sentences stating table figures rewritten."""
    assert report.year is not None
    shifted, kept = shift_years(text, previous_year, report.year)
    out: list[str] = []
    result = Carried(text="", kept=kept)
    written: set[str] = set()
    for m in SENTENCE.finditer(shifted):
        sentence = m.group(0)
        if not sentence:
            continue
        kind = "apps" if _states_applications(sentence) else "reviews" if _states_reviews(sentence) else ""
        if kind:
            original = text[m.start() : m.end()].strip() or sentence.strip()
            result.replaced.append(original)
            if kind not in written:  # one sentence from the tables in place of last year's (others dropped)
                written.add(kind)
                out.append(applications_sentence(report) if kind == "apps" else reviews_sentence(report))
            continue
        if COUNT.search(sentence):
            result.check.append(sentence.strip())
        out.append(sentence)
    result.text = re.sub(r"\n{3,}", "\n\n", "".join(out)).strip()
    return result
