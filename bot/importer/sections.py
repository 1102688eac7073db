"""Finding the title, the six sections and their texts in a published report."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from bot.checks.findings import Finding
from bot.format.definition import FormatDef, Section
from bot.importer.cells import norm_label
from bot.importer.source import Element, Para, Table
from bot.importer.titles import title_span

HEADING = re.compile(r"^([一二三四五六])[、.．]\s*(.{2,40})$")
OWN_HEADING = re.compile(r"^([一二三四五六七八九十]|[1-9])[、.．]\s*(.{2,30})$")
MARKS = re.compile(r"^#{1,6}\s*|^[*_]{2}|[*_]{2}$|^【|】$")
PART = re.compile(r"^第([一二三四五六七八九十])部分[、.．：:]?")
OPENS_ITEM = re.compile(r"^(（[一二三四五六七八九十]+）|\([一二三四五六七八九十]+\)|[一二三四五六七八九十]+[、是]|\d+[.、．]|[一二]方面|另一方面)")
ENDS_SENTENCE = tuple("。！？；：…”」）)!?;:")


@dataclass
class Layout:
    """Where things stand in the source: title lines, preamble, and each section's elements."""

    title_lines: list[str] = field(default_factory=list)
    preamble: list[Element] = field(default_factory=list)
    sections: dict[str, list[Element]] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)


def _heading_text(line: str) -> str:
    """A heading line without markdown marks ('## ', '**…**'), '第一部分' written as '一、', no spaces."""
    text = norm_label(MARKS.sub("", line.strip())).rstrip("：:")
    return PART.sub(r"\1、", text)


def heading_of(line: str, fmt: FormatDef) -> Section | None:
    """The section a line heads by the national numbering: '一、总体情况', '## 二、主动公开…', '**三、…**'."""
    if "\t" in line.strip():
        return None
    m = HEADING.match(_heading_text(line))
    if not m:
        return None
    for section in fmt.sections:
        if section.number == m.group(1) and any(k in m.group(2) for k in section.keywords):
            return section
    return None


def heading_by_content(line: str, fmt: FormatDef, missing: list[Section]) -> Section | None:
    """A top-level heading numbered the report's own way ('二、主动公开…' as the first part, '1.总体情况')
    that names a section the national numbering did not find."""
    if "\t" in line.strip():
        return None
    m = OWN_HEADING.match(_heading_text(line))
    if not m:
        return None
    for section in missing:
        if any(k in m.group(2) for k in section.keywords):
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
    missing = [sec for sec in fmt.sections if sec not in {s for _, s in found}]
    if missing:
        own = _by_content(elements, fmt, missing, found)
        if own:
            found = sorted(found + own, key=lambda item: item[0])
            shown = "、".join(f"“{norm_label(elements[i].text)[:20]}”" for i, _ in own[:3])  # type: ignore[union-attr]  # a heading found by content is a paragraph
            layout.findings.append(
                Finding(rule=rule.id, level=rule.level, cells=[],
                        message=f"部分标题的编号与规定格式不一致（如{shown}），已按内容识别各部分；请按“一、总体情况”至“六、其他需要报告的事项”编号。")
            )
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
    first, end = title_span([el.text if isinstance(el, Para) else "" for el in head])
    layout.title_lines = [el.text.strip() for el in head[first:end] if isinstance(el, Para) and el.text.strip()]
    layout.preamble = head[end:]
    firsts_sorted = sorted(firsts, key=lambda item: item[0])
    pos_of = {id(elements[i]): True for i, _ in found}
    for n, (pos, section) in enumerate(firsts_sorted):
        end = firsts_sorted[n + 1][0] if n + 1 < len(firsts_sorted) else len(elements)
        body = [el for el in elements[pos + 1 : end] if not (isinstance(el, Para) and (heading_of(el.text, fmt) or pos_of.get(id(el))))]
        layout.sections[section.key] = body
    return layout


def _by_content(elements: list[Element], fmt: FormatDef, missing: list[Section], found: list[tuple[int, Section]]) -> list[tuple[int, Section]]:
    """Headings of the missing sections, found by what they name, each in its place between the others."""
    own: list[tuple[int, Section]] = []
    for i, el in enumerate(elements):
        if not isinstance(el, Para) or any(i == pos for pos, _ in found):
            continue
        section = heading_by_content(el.text, fmt, [s for s in missing if s not in {x for _, x in own}])
        if section is None:
            continue
        order = fmt.sections.index(section)
        before = [pos for pos, s in found if fmt.sections.index(s) < order]
        after = [pos for pos, s in found if fmt.sections.index(s) > order]
        if (not before or max(before) < i) and (not after or i < min(after)):
            own.append((i, section))
    return own


def paragraphs(elements: list[Element], join_lines: bool = True, fee_tables: bool = False) -> str:
    """Narrative text, one paragraph a line; tables inside are skipped.

    With join_lines (text extractions), lines broken in the middle of a sentence are joined again;
    a Word file's paragraphs are real and kept as they are. With fee_tables (section 六), a table about
    fees is kept as lines (its cells separated by spaces): a fee reported in a table of its own is the
    report's fee statement.
    """
    out: list[str] = []
    for el in elements:
        if isinstance(el, Table):
            if fee_tables and any("费" in cell for row in el.rows for cell in row):
                out += [" ".join(c.strip() for c in row if c.strip()) for row in el.rows if any(c.strip() for c in row)]
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
