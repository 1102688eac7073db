"""Rules that read the narrative for its content: what 一 covers and how long it is, whether 五 names
problems and measures, what 六 explains, the fee statement and its unit, the unit's level, citations and
extraction leftovers. (`bot/checks/text_tables.py` holds the rules that compare the text with the tables.)"""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal

from bot.checks.findings import Finding
from bot.checks.text_tables import NARRATIVE, cell_total, han_count, narrative_texts, normalize, sentences, snippet
from bot.core.report import Report
from bot.format.definition import Rule

# ---- content ---------------------------------------------------------------------------------


def overview_aspects(rule: Rule, report: Report) -> Iterator[Finding]:
    text = normalize(report.text.get("overview", ""))
    if not text:
        return
    aspects = report.format.aspects
    # A sentence listing three aspects or more ('全文包括总体情况、主动公开、依申请公开…') covers none of them.
    text = "".join(
        sentence
        for _, sentence in sentences(text)
        if sentence.count("、") < 2 or sum(1 for a in aspects if any(k in sentence for k in a.keywords)) < 3
    )
    missing = [a.label for a in aspects if not any(k in text for k in a.keywords)]
    if missing:
        yield Finding(
            rule=rule.id,
            level=rule.level,
            cells=["text.overview"],
            message=rule.say(missing="、".join(missing)),
        )


def overview_length(rule: Rule, report: Report) -> Iterator[Finding]:
    limit = rule.params["limit"]
    count = han_count(report.text.get("overview", ""))
    if count > limit:
        yield Finding(
            rule=rule.id,
            level=rule.level,
            cells=["text.overview"],
            expected=limit,
            actual=count,
            message=rule.say(actual=count, expected=limit),
        )


PROBLEM_WORDS = re.compile(r"问题|不足|差距|短板|薄弱|有待|不够|欠缺|滞后|不高|不强|不全|不到位|不规范")
MEASURE_WORDS = re.compile(r"下一步|措施|改进|整改|将|加强|推进|完善|提升|强化")


PLACEHOLDER = re.compile(r"【待补充[:：]?[^】\n]{0,40}】")
SUBHEADING = re.compile(r"^[（(][一二三四五六七八九十][）)][^。\n]{0,20}$")
NOTHING = ("", "无", "暂无", "没有")


def placeholders(text: str) -> list[str]:
    """The 【待补充：…】 a draft left where the clerk gave no fact."""
    return PLACEHOLDER.findall(text)


def problems_empty(text: str) -> bool:
    """五 says nothing: empty, only its subheadings, or only “无” (an error, not a style remark)."""
    body = [line for line in normalize(text).split("\n") if line.strip() and not SUBHEADING.match(line.strip())]
    return all(line.strip("。.；; ") in NOTHING for line in body)


def problems_content(rule: Rule, report: Report) -> Iterator[Finding]:
    text = normalize(report.text.get("problems", ""))
    if problems_empty(text) or placeholders(text):  # E-SECTIONS says it, as an error
        return
    if han_count(text) < rule.params["min_chars"]:
        reason = rule.say("short", count=han_count(text))
    elif not PROBLEM_WORDS.search(text):
        reason = rule.say("no_problems")
    elif not MEASURE_WORDS.search(text):
        reason = rule.say("no_measures")
    else:
        return
    yield Finding(
        rule=rule.id,
        level=rule.level,
        cells=["text.problems"],
        message=rule.say(reason=reason),
    )


OTHER_EXPLAINED = re.compile(r"其他处理|其他情形")


def other_high(rule: Rule, report: Report) -> Iterator[Finding]:
    fmt = report.format
    total = cell_total(report, fmt.role_cell("concluded"))
    others = [cell_total(report, path) for path in fmt.role("other_results")]
    if total is None or None in others:
        return
    share_limit = rule.params["share"]
    other_sum = sum(v for v in others if v is not None)
    if total >= rule.params["min_total"] and other_sum > total * share_limit:
        yield Finding(
            rule=rule.id,
            level=rule.level,
            cells=[*fmt.role("other_results"), fmt.role_cell("concluded")],
            expected=int(total * share_limit),
            actual=other_sum,
            message=rule.say("high", actual=other_sum, total=total),
        )
    oth3 = cell_total(report, fmt.role_cell("other_unnamed"))
    explained = any(OTHER_EXPLAINED.search(normalize(t)) for t in report.text.values())
    if oth3 and not explained:
        yield Finding(
            rule=rule.id,
            level=rule.level,
            cells=[fmt.role_cell("other_unnamed")],
            actual=oth3,
            message=rule.say("unexplained_items" if report.format.profiles[report.profile].other_items else "unexplained", actual=oth3),
        )


def fee_unit(rule: Rule, report: Report) -> Iterator[Finding]:
    fee = report.cells.get(report.format.role_cell("fee"))
    if not isinstance(fee, Decimal):
        return
    exponent = fee.normalize().as_tuple().exponent
    decimals = -exponent if isinstance(exponent, int) and exponent < 0 else 0
    if report.is_township() and fee >= rule.params["township_max"]:
        reason = rule.say("township", fee=fee, yuan=f"{fee * 10000:f}")
    elif decimals > rule.params["max_decimals"]:
        reason = rule.say("decimals", decimals=decimals)
    else:
        return
    yield Finding(
        rule=rule.id,
        level=rule.level,
        cells=[report.format.role_cell("fee")],
        actual=fee,
        message=rule.say(reason=reason),
    )


def wrong_level(rule: Rule, report: Report) -> Iterator[Finding]:
    if report.unit.get("level", "township") not in rule.params["levels"]:
        return
    for key, text in narrative_texts(report, ("preamble", *NARRATIVE)):
        hits = [(text.find(w), w) for w in rule.params["words"] if w in text]
        if hits:
            pos, word = min(hits)
            yield Finding(
                rule=rule.id,
                level=rule.level,
                cells=[f"text.{key}"],
                actual="、".join(w for _, w in sorted(hits)),
                message=rule.say(
                    section=report.format.text_label(key),
                    words="、".join(f"“{w}”" for _, w in sorted(hits)),
                    quote=snippet(text, pos, pos + len(word), 8),
                ),
            )


BRACKETS = {"《": "》", "〈": "〉", "<": ">", "（": "）", "(": ")", "〔": "〕", "“": "”"}
CITATION_BRACKETS = set("《》〈〉<>")


def citations(rule: Rule, report: Report) -> Iterator[Finding]:
    for key, text in narrative_texts(report, ("preamble", *NARRATIVE)):
        for wrong, right in rule.params["wrong"].items():
            pos = text.find(wrong)
            if pos != -1 and not text.startswith(right, pos) and right not in text[max(0, pos - 4) : pos + len(wrong) + 4]:
                yield Finding(
                    rule=rule.id,
                    level=rule.level,
                    cells=[f"text.{key}"],
                    actual=wrong,
                    expected=right,
                    message=rule.say(section=report.format.text_label(key), wrong=wrong, right=right),
                )
        yield from _bracket_mismatches(rule, key, text, report.format.text_label(key))


UNOPENED = set("〕）)》")  # a closer with no opener before it on its line
CITATION_NEAR = re.compile(r"《|》|〔|\d+号|条例|办法|通知|意见|规定")
LIST_ORDINAL = re.compile(r"(?:^|[\n。；;：:，,\s])[\d一二三四五六七八九十]{1,2}$")


def _cited_near(text: str, i: int) -> bool:
    """A closing bracket inside a citation ('国办公开办函2021〕30号', '条例》'), not a list ordinal ('1）')."""
    if text[i] == "〕":
        return True
    before = text[max(0, i - 20) : i]
    return not LIST_ORDINAL.search(text[max(0, i - 3) : i]) and bool(CITATION_NEAR.search(before + text[i + 1 : i + 4]))


BRACKET_CHARS = re.compile("[" + re.escape("".join(BRACKETS) + "".join(BRACKETS.values())) + "\n]")


def _bracket_mismatches(rule: Rule, key: str, text: str, section: str) -> Iterator[Finding]:
    closers = {v: k for k, v in BRACKETS.items()}
    stack: list[tuple[str, int]] = []
    for m in BRACKET_CHARS.finditer(text):
        ch, i = m.group(0), m.start()
        if ch == "\n":
            stack.clear()
        elif ch in BRACKETS:
            stack.append((ch, i))
        elif stack and stack[-1][0] == closers[ch]:
            stack.pop()
        elif not stack and ch in UNOPENED and text.rfind(closers[ch], 0, i) <= text.rfind(ch, 0, i) and _cited_near(text, i):
            # (an opener on an earlier line, as a page's line break leaves it, counts)
            yield Finding(
                rule=rule.id,
                level=rule.level,
                cells=[f"text.{key}"],
                actual=ch,
                message=rule.say("unopened", section=section, quote=snippet(text, i, i + 1, 8), opener=closers[ch], closer=ch),
            )
        elif stack and (ch in CITATION_BRACKETS or stack[-1][0] in CITATION_BRACKETS):
            opener, at = stack.pop()
            yield Finding(
                rule=rule.id,
                level=rule.level,
                cells=[f"text.{key}"],
                actual=f"{opener}…{ch}",
                message=rule.say(
                    "brackets", section=section, quote=snippet(text, at, i + 1, 4), opener=opener, closer=ch
                ),
            )


ARTIFACTS = [
    (re.compile(r"\[bookmark[^\]]*\]?"), "bookmark"),
    (re.compile(r"\[image[^\]]*\]?"), "image"),
    (re.compile(r"X{2,}|×{2,}|Ｘ{2,}"), "placeholder"),
    (re.compile(r"于组织|于召开|于月日|于年月"), "date"),
]
def _in_latin_word(text: str, m: re.Match[str]) -> bool:
    """'XXL' or 'MAXX' are words, not placeholders."""
    around = text[max(0, m.start() - 1) : m.start()] + text[m.end() : m.end() + 1]
    return any("A" <= ch <= "Z" or "a" <= ch <= "z" for ch in around)


ORDINAL = re.compile(r"(?<![统唯])([一二三四五六七八九十])是")
ORDINAL_VALUE = {ch: i + 1 for i, ch in enumerate("一二三四五六七八九十")}


def artifacts(rule: Rule, report: Report) -> Iterator[Finding]:
    for key, text in narrative_texts(report, ("preamble", *NARRATIVE)):
        for pattern, what in ARTIFACTS:
            m = next((m for m in pattern.finditer(text) if not _in_latin_word(text, m)), None)
            if m:
                yield Finding(
                    rule=rule.id,
                    level=rule.level,
                    cells=[f"text.{key}"],
                    actual=m.group(0),
                    message=rule.say(what, section=report.format.text_label(key), quote=snippet(text, m.start(), m.end(), 6)),
                )
        last = 0
        for m in ORDINAL.finditer(text):
            value = ORDINAL_VALUE[m.group(1)]
            if value != 1 and value <= last:
                yield Finding(
                    rule=rule.id,
                    level=rule.level,
                    cells=[f"text.{key}"],
                    actual=m.group(0),
                    message=rule.say("ordinal", section=report.format.text_label(key), quote=snippet(text, m.start(), m.end(), 8)),
                )
                break
            last = value


FEE_WORD = re.compile(r"处理费|收费|收取[^。；]{0,12}费|费用")
FEE_STATED = re.compile(r"未|没有|无|不|免|零|\d")
CITED = re.compile(r"《[^》]*》|〔\d+〕\d+号")


def fee_statement(rule: Rule, report: Report) -> Iterator[Finding]:
    where = report.format.fee_text  # the text that holds the statement (`fee: true` in the format's texts)
    lines = [line for line in normalize(report.text.get(where, "")).split("\n") if line.strip()]
    for i, line in enumerate(lines):
        for _, sentence in sentences(line):
            if FEE_WORD.search(sentence) and FEE_STATED.search(CITED.sub("", sentence)):
                return
        # an item heading about the fee, answered on the next line ("无。" in the Shandong practice)
        answer = lines[i + 1] if i + 1 < len(lines) else ""
        if FEE_WORD.search(line) and "情况" in line and answer and not answer.startswith(("（", "(")):
            return
    yield Finding(
        rule=rule.id,
        level=rule.level,
        cells=[f"text.{where}"],
        message=rule.say(year=report.year or ""),
    )
