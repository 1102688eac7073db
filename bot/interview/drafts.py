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
GROUPS = [
    ("予以公开", ["OPEN"]),
    ("部分公开", ["PART"]),
    ("不予公开", [f"DEN{i}" for i in range(1, 9)]),
    ("无法提供", ["UNA1", "UNA2", "UNA3"]),
    ("不予处理", [f"NOP{i}" for i in range(1, 6)]),
    ("其他处理", ["OTH1", "OTH2", "OTH3"]),
]


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


def _sum(report: Report, rows: list[str], col: str = "SUM") -> int:
    return sum(int(report.cells.get(f"table3.{r}.{col}") or 0) for r in rows)


def applications_sentence(report: Report) -> str:
    fmt = report.format
    cols = [c for c in fmt.table3.columns if not c.sum_of]
    by_applicant = "、".join(
        f"{c.label if c.key != 'OTHORG' else '其他组织'}{report.cells[f'table3.NEW.{c.key}']}件"
        for c in cols
        if report.cells.get(f"table3.NEW.{c.key}")
    )
    results = "、".join(f"{name}{_sum(report, rows)}件" for name, rows in GROUPS if _sum(report, rows))
    return render(
        "applications.j2",
        year=report.year,
        we=we(report.unit.get("name", "")),
        new=_sum(report, ["NEW"]),
        carry=_sum(report, ["CARRY"]),
        total=_sum(report, ["TOTAL"]),
        fwd=_sum(report, ["FWD"]),
        by_applicant=by_applicant if len([c for c in cols if report.cells.get(f"table3.NEW.{c.key}")]) > 1 else "",
        results=results,
    )


def reviews_sentence(report: Report) -> str:
    cell = report.cells.get
    return render(
        "reviews.j2",
        review=int(cell("table4.RV.T") or 0),
        lawsuit=int(cell("table4.LD.T") or 0) + int(cell("table4.LR.T") or 0),
    )


def fee_sentence(report: Report, facts: dict[str, Any]) -> str:
    return render("fee.j2", year=report.year, cases=facts.get("fee.cases") or 0, amount=facts.get("fee.amount_yuan") or 0)


def draft(template: str, report: Report, facts: dict[str, Any]) -> str:
    """The draft of one narrative section from the facts (answers `fact.*`, `fee.*`, `unit.*`) and the tables."""
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
        if profile.other_items:
            for i, heading in enumerate(profile.other_items, start=1):
                answer = fee_sentence(report, facts) if i - 1 == profile.fee_item else facts.get(f"fact.other{i}")
                items.append((heading, answer))
        return render(template, items=items, fee=fee_sentence(report, facts), extra=facts.get("fact.other"))
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
