"""Rules that read the narrative against the tables: applications, reviews and lawsuits, documents,
breakdowns and years. (`bot/checks/text_content.py` holds the rules on the text's own content.)

Real reports phrase things in many ways, and a false alarm costs a clerk as much as a missed error,
so every pattern here is narrow: it fires only on phrasing whose meaning is unambiguous.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache

from bot.checks.findings import Finding
from bot.core.numbers import NUMBER, to_int
from bot.core.report import Report
from bot.format.definition import Rule

NARRATIVE = ("overview", "problems", "other")
HAN = re.compile(r"[\u4e00-\u9fff]")
N = rf"({NUMBER})"


WIDE_DIGIT = re.compile("[０-９]")
SPACES = re.compile(r"[ \t\u3000\u00a0]+")


@lru_cache(maxsize=64)
def normalize(text: str) -> str:
    """Fold full-width digits and drop the spaces that text extraction puts inside numbers and words.

    Cached: every text rule reads the same few texts, and the interview re-validates unchanged texts.
    """
    if WIDE_DIGIT.search(text):
        text = WIDE_DIGIT.sub(lambda m: chr(ord(m.group(0)) - 0xFEE0), text)
    return SPACES.sub("", text)


NOT_HAN = re.compile(r"[^\u4e00-\u9fff]+")


def han_count(text: str) -> int:
    return len(NOT_HAN.sub("", text))


def snippet(text: str, start: int, end: int, pad: int = 10) -> str:
    lo = max(0, start - pad)
    hi = min(len(text), end + pad)
    return text[lo:hi].replace("\n", " ")


SENTENCE = re.compile(r"[^。！？\n]+[。！？\n]?")


def sentences(text: str) -> list[tuple[int, str]]:
    """(offset, sentence) pairs, split at 。！？ and line ends."""
    return [(m.start(), m.group(0)) for m in SENTENCE.finditer(text)]


NUMBER_TAIL = re.compile(rf"({NUMBER})\Z")


class CountBefore:
    """A count written before a phrase ('69件已办结'): found by the phrase, then the number before it.

    Scanning for the number first would try a match at every digit and Chinese numeral of the text.
    """

    def __init__(self, phrase: str):
        self.phrase = re.compile(phrase)

    def finditer(self, text: str) -> Iterator[re.Match[str] | _Found]:
        for m in self.phrase.finditer(text):
            n = NUMBER_TAIL.search(text, max(0, m.start() - 12), m.start())
            if n:
                yield _Found(text[n.start() : m.end()], n.group(1))


class _Found:
    """The two groups of a CountBefore match, shaped like a regex match for the callers."""

    def __init__(self, whole: str, number: str):
        self._groups = (whole, number)

    def group(self, i: int = 0) -> str:
        return self._groups[i]


def sentence_at(text: str, pos: int) -> str:
    """The sentence around a position."""
    start = max(text.rfind(ch, 0, pos) for ch in "。！？\n") + 1
    ends = [i for i in (text.find(ch, pos) for ch in "。！？\n") if i != -1]
    return text[start : min(ends) + 1 if ends else len(text)]


def narrative_texts(report: Report, keys: tuple[str, ...] = NARRATIVE) -> Iterator[tuple[str, str]]:
    for key in keys:
        text = normalize(report.text.get(key, ""))
        if text:
            yield key, text


def _num(text: str) -> int | None:
    return to_int(text)


def cell_total(report: Report, path: str) -> int | None:
    value = report.cells.get(path)
    return value if isinstance(value, int) else None


def role_total(report: Report, paths: tuple[str, ...] | list[str]) -> int | None:
    """The sum of cells (a role's, `cells:` of the format); None when one is not a number."""
    values = [cell_total(report, p) for p in paths]
    return None if any(v is None for v in values) else sum(v for v in values if v is not None)


# ---- W-TXT-APPS ------------------------------------------------------------------------------

NOT_APPLICATIONS = re.compile(r"复议|诉讼|建议|提案|投诉|举报|信访|咨询|留言|来电")
# A literal each pattern of a kind needs, to skip texts that cannot match.
APP_NEEDLES = {"received": ("收到", "新收", "受理"), "concluded": ("办结",), "forwarded": ("结转",), "carried": ("结转",)}
Pattern = re.Pattern[str] | CountBefore
APP_PATTERNS: dict[str, list[Pattern]] = {
    # received this year (or received in all, counting carried-over ones)
    "received": [
        re.compile(rf"(?:新收|收到|受理)[^。；，,\d]{{0,20}}?申请[^。；，,\d]{{0,8}}?{N}件"),
        re.compile(rf"(?:新收|收到|受理){N}件[^。；，,]{{0,8}}?申请"),
    ],
    "concluded": [re.compile(rf"办结(?:申请)?{N}件"), CountBefore(r"件(?:申请)?(?:已|均已)?办结")],
    "forwarded": [
        re.compile(rf"结转(?:至|到)?下(?:一)?年度?(?:继续办理)?{N}件"),
        CountBefore(r"件(?:申请)?(?:结转|转入)(?:至|到)?下(?:一)?年"),
    ],
    "carried": [re.compile(rf"上一?年度?结转(?:的)?(?:申请)?{N}件")],
}
NONE_RECEIVED = re.compile(r"(?:未|没有)(?:收到|受理|发生)[^。；，,\d]{0,12}申请|(?:无|未发生)依申请公开")


def text_applications(rule: Rule, report: Report) -> Iterator[Finding]:
    fmt = report.format
    cell_of = {kind: fmt.role_cell(kind) for kind in ("received", "concluded", "forwarded", "carried")}
    new, carry = cell_total(report, cell_of["received"]), cell_total(report, cell_of["carried"])
    expected = {
        "received": [new, None if new is None or carry is None else new + carry],
        "concluded": [cell_total(report, cell_of["concluded"])],
        "forwarded": [cell_total(report, cell_of["forwarded"])],
        "carried": [carry],
    }
    for key, text in narrative_texts(report):
        if "申请" not in text:
            continue
        for kind, patterns in APP_PATTERNS.items():
            if not any(needle in text for needle in APP_NEEDLES[kind]):
                continue
            allowed = [v for v in expected[kind] if v is not None]
            for pattern in patterns:
                for m in pattern.finditer(text):
                    stated = _num(m.group(1))
                    if NOT_APPLICATIONS.search(m.group(0)) or stated is None or not allowed or stated in allowed:
                        continue
                    yield Finding(
                        rule=rule.id,
                        level=rule.level,
                        cells=[f"text.{key}", cell_of[kind]],
                        expected=allowed[0],
                        actual=stated,
                        message=rule.say(kind, section=report.format.text_label(key), quote=m.group(0), expected=allowed[0]),
                    )
        if not new:
            continue
        for m in NONE_RECEIVED.finditer(text):
            if not NOT_APPLICATIONS.search(sentence_at(text, m.start())):
                yield Finding(
                    rule=rule.id,
                    level=rule.level,
                    cells=[f"text.{key}", cell_of["received"]],
                    expected=new,
                    actual=0,
                    message=rule.say(
                        "none_received", section=report.format.text_label(key), quote=snippet(text, m.start(), m.end(), 4), expected=new
                    ),
                )


# ---- W-TXT-REVIEW ----------------------------------------------------------------------------

REVIEW_COUNT: dict[str, list[Pattern]] = {
    "RV": [re.compile(rf"行政复议(?:案件|申请)?(?:共)?{N}(?:件|起)"), CountBefore(r"(?:件|起)行政复议")],
    "LIT": [re.compile(rf"行政诉讼(?:案件)?(?:共)?{N}(?:件|起)"), CountBefore(r"(?:件|起)行政诉讼")],
}
REVIEW_NONE = re.compile(
    r"(?:未|没有|无)(?:发生|收到|出现|产生|涉及|被提起)?(?:因?政府信息公开(?:申请)?(?:而|引起|引发)?的?)?"
    r"((?:行政)?复议(?:[、和及或与]行政诉讼|[、和及或与]诉讼)?|(?:行政)?诉讼(?:[、和及或与](?:行政)?复议)?)"
)


def text_review(rule: Rule, report: Report) -> Iterator[Finding]:
    cells = {"RV": list(report.format.role("reviews")), "LIT": list(report.format.role("lawsuits"))}
    totals = {kind: role_total(report, paths) for kind, paths in cells.items()}
    for key, text in narrative_texts(report):
        if "复议" not in text and "诉讼" not in text:
            continue
        for kind, patterns in REVIEW_COUNT.items():
            if ("行政复议" if kind == "RV" else "行政诉讼") not in text:
                continue
            for pattern in patterns:
                for m in pattern.finditer(text):
                    stated = _num(m.group(1))
                    if stated is None or totals[kind] is None or stated == totals[kind]:
                        continue
                    yield Finding(
                        rule=rule.id,
                        level=rule.level,
                        cells=[f"text.{key}", *cells[kind]],
                        expected=totals[kind],
                        actual=stated,
                        message=rule.say(kind, section=report.format.text_label(key), quote=m.group(0), expected=totals[kind]),
                    )
        for m in REVIEW_NONE.finditer(text):
            for kind, word in (("RV", "复议"), ("LIT", "诉讼")):
                if word in m.group(1) and totals[kind]:
                    yield Finding(
                        rule=rule.id,
                        level=rule.level,
                        cells=[f"text.{key}", *cells[kind]],
                        expected=totals[kind],
                        actual=0,
                        message=rule.say(kind, section=report.format.text_label(key), quote=m.group(0), expected=totals[kind]),
                    )


# ---- W-TXT-DOCS ------------------------------------------------------------------------------

DOC_PATTERNS = {
    "made": re.compile(rf"(?:制发|制定|印发)(?:的)?(?:行政)?规范性文件{N}件"),
    "repealed": re.compile(rf"(?:废止(?:的)?(?:行政)?规范性文件{N}件|(?:行政)?规范性文件[^。；，,\d]{{0,6}}废止{N}件)"),
    "valid": re.compile(rf"现行有效(?:的)?(?:行政)?规范性文件{N}件"),
}


def text_documents(rule: Rule, report: Report) -> Iterator[Finding]:
    for key, text in narrative_texts(report):
        if "规范性文件" not in text:
            continue
        for kind, pattern in DOC_PATTERNS.items():
            path = f"table2.{rule.params['row']}.{kind}"
            table = report.cells.get(path)
            if not isinstance(table, int):
                continue
            for m in pattern.finditer(text):
                stated = _num(next(g for g in m.groups() if g))
                if stated is None or stated == table:
                    continue
                yield Finding(
                    rule=rule.id,
                    level=rule.level,
                    cells=[f"text.{key}", path],
                    expected=table,
                    actual=stated,
                    message=rule.say(kind, section=report.format.text_label(key), quote=m.group(0), expected=table),
                )


# ---- W-TXT-BREAKDOWN -------------------------------------------------------------------------

UNITS = "条|件|篇|个|次|期|项"
# A count is 1-9 digits not preceded by a digit: the engine never starts inside a run of digits and never
# backtracks through one, so a page of digits is read in linear time (and no count overflows int()).
COUNTED = re.compile(rf"(?<!\d)(\d{{1,9}})({UNITS})")
MARKER = re.compile(r"其中|涉及|包括")
PART = re.compile(rf"([^、，,；;：:。\d（）()]{{1,16}}?)(\d{{1,9}})({UNITS})")
NOT_A_PART = re.compile(r"均|已|累计|同比|较|占|超过|不少于|约|余|多")
CATCH_ALL = re.compile(r"其他|其余|其它")
OVERLAP = re.compile(r"涉及|含|包括|其中|同时")
PARENS = re.compile(r"（[^（）]*）|\([^()]*\)")
CLAUSE_END = re.compile(r"[；;]")


def _clauses(sentence: str) -> list[str]:
    """A sentence cut at each ； that a new breakdown (其中…) follows: '复议351件，其中…；诉讼46件，其中…'."""
    out: list[str] = []
    start = 0
    for m in CLAUSE_END.finditer(sentence):
        if MARKER.search(sentence, m.end()):
            out.append(sentence[start : m.end()])
            start = m.end()
    return [*out, sentence[start:]]


def text_breakdown(rule: Rule, report: Report) -> Iterator[Finding]:
    for key, text in narrative_texts(report, ("preamble", *NARRATIVE)):
        previous_total: tuple[int, str, str] | None = None
        for sentence in (clause for _, whole in sentences(text) for clause in _clauses(whole)):
            plain = PARENS.sub("", sentence)
            marker = MARKER.search(plain)
            totals_before = list(COUNTED.finditer(plain[: marker.start()])) if marker else []
            if marker and totals_before:
                last = totals_before[-1]
                total = (int(last.group(1)), last.group(2), plain[: marker.start()])
            elif marker and marker.start() == 0 and previous_total:
                total = previous_total
            else:
                total = None
            counted = list(COUNTED.finditer(plain))
            previous_total = (int(counted[-1].group(1)), counted[-1].group(2), plain) if counted else None
            if not marker or total is None:
                continue
            parts = [p for p in PART.finditer(plain[marker.end() :]) if p.group(3) == total[1]]
            if len(parts) < 2 or any(NOT_A_PART.search(p.group(1)) for p in parts):
                continue
            if OVERLAP.search(plain[marker.end() :]):
                continue  # '其中…涉及…', '含…': the parts may overlap, so their sum says nothing
            part_sum = sum(int(p.group(2)) for p in parts)
            exhaustive = any(CATCH_ALL.search(p.group(1)) for p in parts)
            if part_sum > total[0] or (exhaustive and part_sum != total[0]):
                yield Finding(
                    rule=rule.id,
                    level=rule.level,
                    cells=[f"text.{key}"],
                    expected=total[0],
                    actual=part_sum,
                    message=rule.say(
                        section=report.format.text_label(key), quote=sentence.strip()[:60], expected=total[0], actual=part_sum
                    ),
                )


# ---- W-YEAR ----------------------------------------------------------------------------------

YEAR = re.compile(r"(?<!\d)(20\d{2})(?!\d)")
RANGE_NEAR = re.compile(r"^[-—–~～至到]\d{4}|\d{4}[-—–~～至到]$")
COMPARE_BEFORE = re.compile(r"较|比|同比|与|相比|上年|去年|以来|自|从")
DOC_NUMBER_TAIL = re.compile(r"\d+号")
SINCE_AFTER = re.compile(r"年?(以来|起|开始|版|底前)")
# A year naming another document or exercise, not the report's year copied: '2023年预算', '2023年度考核'.
OTHER_DOCUMENT = re.compile(r"年度?(?:部门|财政|政府)?(?:预算|决算|考核|考评|绩效|审计|工作要点|政务公开工作要点|计划|规划|述职|评估|评议|督查)")
TEXTS = ("preamble", *NARRATIVE)  # every section's own text
OPEN_CLOSE = {"《": "》", "〔": "〕", "[": "]", "［": "］", "【": "】"}


def _inside_citation(text: str, pos: int) -> bool:
    """True when pos sits in 《…》 or a document number's 〔…〕 / [...] / (…)."""
    for opener, closer in OPEN_CLOSE.items():
        left = text.rfind(opener, 0, pos)
        if left != -1 and text.rfind(closer, left, pos) == -1:
            right = text.find(closer, pos)
            if right != -1 and right - pos < 60:
                return True
    before, after = text[pos - 1 : pos], text[pos + 4 : pos + 5]
    return before in "(（" and after in ")）" and bool(DOC_NUMBER_TAIL.match(text, pos + 5))


def text_years(rule: Rule, report: Report) -> Iterator[Finding]:
    year = report.year
    if year is None:
        return
    for key, text in narrative_texts(report, TEXTS):
        for m in YEAR.finditer(text):
            y = int(m.group(1))
            if y >= year or y < year - 5:
                continue  # this year, next year's plans, or history too old to be a copy slip
            if key == "problems" and y == year - 1:
                continue  # last year's problems and how they were fixed
            around = text[max(0, m.start() - 6) : m.start()]
            after = text[m.end() : m.end() + 6]
            if RANGE_NEAR.search(text[max(0, m.start() - 5) : m.start()]) or RANGE_NEAR.match(text[m.end() : m.end() + 5]):
                continue
            if COMPARE_BEFORE.search(around) or SINCE_AFTER.match(after) or OTHER_DOCUMENT.match(text, m.end()):
                continue
            if _inside_citation(text, m.start()):
                continue
            yield Finding(
                rule=rule.id,
                level=rule.level,
                cells=[f"text.{key}"],
                expected=year,
                actual=y,
                message=rule.say(
                    section=report.format.text_label(key), quote=snippet(text, m.start(), m.end()), actual=y, expected=year
                ),
            )
