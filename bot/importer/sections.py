"""Finding the title, the six sections and their texts in a published report."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from bot.findings import Finding
from bot.formatdef import FormatDef, Section
from bot.importer.source import Element, Para, Table
from bot.importer.tables import norm_label

HEADING = re.compile(r"^([一二三四五六])[、.．]\s*(.{2,40})$")
TITLE = re.compile(r"^(.*?)((?:19|20)\d{2}|2100)年度?政府信息公开工作年度报告$")
OPENS_ITEM = re.compile(r"^(（[一二三四五六七八九十]+）|\([一二三四五六七八九十]+\)|[一二三四五六七八九十]+[、是]|\d+[.、．]|[一二]方面|另一方面)")
ENDS_SENTENCE = tuple("。！？；：…”」）)!?;:")


@dataclass
class Layout:
    """Where things stand in the source: title lines, preamble, and each section's elements."""

    title_lines: list[str] = field(default_factory=list)
    preamble: list[Element] = field(default_factory=list)
    sections: dict[str, list[Element]] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)


def heading_of(line: str, fmt: FormatDef) -> Section | None:
    text = norm_label(line).rstrip("：:")
    if "\t" in line.strip():
        return None
    m = HEADING.match(text)
    if not m:
        return None
    for section in fmt.sections:
        if section.number == m.group(1) and any(k in m.group(2) for k in section.keywords):
            return section
    return None


def split_sections(elements: list[Element], fmt: FormatDef) -> Layout:
    layout = Layout()
    found: list[tuple[int, Section]] = []
    for i, el in enumerate(elements):
        if isinstance(el, Para):
            section = heading_of(el.text, fmt)
            if section:
                found.append((i, section))
    rule = fmt.rule("E-SECTIONS")
    keys = [s.key for _, s in found]
    for section in fmt.sections:
        count = keys.count(section.key)
        if count == 0:
            layout.findings.append(
                Finding(rule=rule.id, level=rule.level, cells=[], message=rule.say("missing_heading", heading=section.full_heading))
            )
        elif count > 1:
            layout.findings.append(
                Finding(
                    rule=rule.id,
                    level=rule.level,
                    cells=[],
                    message=rule.say("heading_twice", heading=section.full_heading, count=count),
                )
            )
    firsts: list[tuple[int, Section]] = []
    for pos, section in found:
        if section.key not in {s.key for _, s in firsts}:
            firsts.append((pos, section))
    if [fmt.sections.index(s) for _, s in firsts] != sorted(fmt.sections.index(s) for _, s in firsts):
        layout.findings.append(
            Finding(rule=rule.id, level=rule.level, cells=[], message=rule.say("order"))
        )
    start = firsts[0][0] if firsts else len(elements)
    head = elements[:start]
    title_end = _title_end(head)
    layout.title_lines = [el.text.strip() for el in head[:title_end] if isinstance(el, Para) and el.text.strip()]
    layout.preamble = head[title_end:]
    firsts_sorted = sorted(firsts)
    for n, (pos, section) in enumerate(firsts_sorted):
        end = firsts_sorted[n + 1][0] if n + 1 < len(firsts_sorted) else len(elements)
        body = [el for el in elements[pos + 1 : end] if not (isinstance(el, Para) and heading_of(el.text, fmt))]
        layout.sections[section.key] = body
    return layout


def _title_end(head: list[Element]) -> int:
    """Index just after the title: the line holding '…年政府信息公开工作年度报告'."""
    for i, el in enumerate(head[:12]):
        if isinstance(el, Para) and TITLE.match(re.sub(r"\s+", "", el.text)):
            return i + 1
    return 0


def read_title(lines: list[str]) -> tuple[str, int | None]:
    """(unit name, year) from the title lines: '次营镇人民政府' / '2023 年政府信息公开工作年度报告'."""
    for i, line in enumerate(lines):
        m = TITLE.match(re.sub(r"\s+", "", line))
        if m:
            unit = m.group(1) or "".join(re.sub(r"\s+", "", ln) for ln in lines[:i])
            return unit, int(m.group(2))
    return "", None


def paragraphs(elements: list[Element], join_lines: bool = True) -> str:
    """Narrative text, one paragraph a line; tables inside are skipped.

    With join_lines (text extractions), lines broken in the middle of a sentence are joined again;
    a Word file's paragraphs are real and kept as they are.
    """
    out: list[str] = []
    for el in elements:
        if isinstance(el, Table):
            continue
        line = el.text.strip().replace("\t", " ")
        if not line:
            continue
        if join_lines and out and _continues(out[-1], line):
            out[-1] += line
        else:
            out.append(line)
    return "\n".join(out)


def _continues(previous: str, line: str) -> bool:
    if previous.endswith(ENDS_SENTENCE) or OPENS_ITEM.match(line):
        return False
    if OPENS_ITEM.match(previous) and len(previous) < 40:
        return False  # a subheading such as （一）主要问题
    return len(previous) >= 20


def table_lines(elements: list[Element]) -> tuple[list[Table], list[str]]:
    """The Word tables of a section, or else its text lines (for tables extracted as text)."""
    tables = [el for el in elements if isinstance(el, Table)]
    lines = [el.text for el in elements if isinstance(el, Para)]
    return tables, lines
