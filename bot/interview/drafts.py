"""Drafts of the narrative sections, written with the jinja2 templates in `bot/templates/`.

Numbers in a draft come only from the tables, never from guesses, so the text cannot contradict them.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import jinja2

from bot.core.report import Report
from bot.format.definition import CN_ORDINALS

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"
ENDINGS = tuple("。！？；…”）)")


def sentence(text: Any, default: str = "") -> str:
    """A clerk's fact as a finished sentence: trimmed, with a full stop; the default when empty."""
    value = str(text or "").strip()
    if not value:
        return default
    return value if value.endswith(ENDINGS) else value + "。"


def placeholder(label: str) -> str:
    """What a draft says where the clerk gave no fact: visible, and an error for the checker until replaced."""
    return f"【待补充：{label}】"


def given(text: Any, label: str) -> str:
    """A fact the clerk gave, as a sentence; else the placeholder naming it. A draft never fills the gap itself."""
    return sentence(text) or placeholder(label)


def nest_quotes(text: str) -> str:
    """Quotes inside quotes as ‘’ (“危及‘三安全一稳定’的信息”), paragraph by paragraph."""
    out: list[str] = []
    depth = 0
    for ch in text:
        if ch == "\n":
            depth = 0
        if ch == "“":
            out.append("‘" if depth % 2 else "“")
            depth += 1
        elif ch == "”" and depth:
            depth -= 1
            out.append("’" if depth % 2 else "”")
        else:
            out.append(ch)
    return "".join(out)


@cache
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=False,
        keep_trailing_newline=False,
        undefined=jinja2.StrictUndefined,
    )
    env.filters["sentence"] = sentence
    env.filters["given"] = given
    return env


def render(template: str, **context: Any) -> str:
    return nest_quotes(environment().get_template(template).render(**context).strip())


def we(unit_name: str) -> str:
    """How the unit calls itself in its own report: 我镇, 我乡, 我街道, else 本机关."""
    for suffix, word in (("镇人民政府", "我镇"), ("乡人民政府", "我乡"), ("街道办事处", "我街道"), ("镇", "我镇"), ("乡", "我乡")):
        if unit_name.endswith(suffix):
            return word
    return "本机关"


def _sum(report: Report, paths: tuple[str, ...] | list[str]) -> int:
    return sum(int(report.cells.get(p) or 0) for p in paths)


def applications_sentence(report: Report) -> str:
    fmt = report.format
    grid = fmt.table3
    total = grid.total_column()
    assert total is not None
    new = fmt.role_row("received")
    cols = [c for c in grid.part_columns if report.cells.get(f"table3.{new}.{c.key}")]
    by_applicant = "、".join(f"{c.name}{report.cells[f'table3.{new}.{c.key}']}件" for c in cols)
    groups = [(g.name, _sum(report, [f"table3.{r}.{total.key}" for r in g.rows])) for g in grid.result_groups]
    return render(
        "applications.j2",
        year=report.year,
        we=we(report.unit.get("name", "")),
        new=_sum(report, fmt.role("received")),
        carry=_sum(report, fmt.role("carried")),
        total=_sum(report, fmt.role("concluded")),
        fwd=_sum(report, fmt.role("forwarded")),
        by_applicant=by_applicant if len(cols) > 1 else "",
        results="、".join(f"{name}{n}件" for name, n in groups if n),
    )


def reviews_sentence(report: Report) -> str:
    return render("reviews.j2", review=_sum(report, report.format.role("reviews")), lawsuit=_sum(report, report.format.role("lawsuits")))


def fee_sentence(report: Report, facts: dict[str, Any]) -> str:
    return render("fee.j2", year=report.year, cases=facts.get("fee.cases") or 0, amount=facts.get("fee.amount_yuan") or 0)


def draft(template: str, report: Report, facts: dict[str, Any]) -> str:
    """The draft of one narrative section from the facts (answers `fact.*`, `fee.*`, `unit.*`) and the tables.
    The section the format marks as holding the 信息处理费 statement (`fee: true`; 六 in the national format, whose
    template places it) ends with it."""
    text = _draft(template, report, facts)
    if Path(template).stem == report.format.fee_text and template != "other.j2":
        text = f"{text}\n{fee_sentence(report, facts)}" if text else fee_sentence(report, facts)
    return text


def _draft(template: str, report: Report, facts: dict[str, Any]) -> str:
    name = report.unit.get("name", "")
    if template == "overview.j2":
        return render(
            template,
            year=report.year,
            we=we(name),
            active=facts.get("fact.active"),
            manage=facts.get("fact.manage"),
            platform=facts.get("fact.platform"),
            supervise=facts.get("fact.supervise"),
            applications=applications_sentence(report),
            reviews=reviews_sentence(report),
        )
    if template == "problems.j2":
        return render(
            template,
            ordinals=" " + CN_ORDINALS,
            last_problems=facts.get("fact.last_problems"),
            problems=facts.get("fact.problems"),
            measures=facts.get("fact.measures"),
        )
    if template == "other.j2":
        items = []
        profile = report.format.profiles[report.profile]
        fee = fee_sentence(report, facts) if Path(template).stem == report.format.fee_text else ""
        if profile.other_items:
            for i, heading in enumerate(profile.other_items, start=1):
                answer = fee if i - 1 == profile.fee_item and fee else facts.get(f"fact.other{i}")
                items.append((heading, answer))
        return render(template, items=items, fee=fee, extra=facts.get("fact.other"))
    if template == "preamble.j2":
        return render(
            template,
            name=name,
            year=report.year,
            website=report.unit.get("website", ""),
            address=report.unit.get("address", ""),
            phone=report.unit.get("phone", ""),
        )
    raise KeyError(template)
