"""The limits on every value of a report, whichever way it comes in.

One table for answers typed in the interview, a report JSON uploaded in a chat or the web page, `nianbao
import`/`render`, reports read from .docx/.txt/.pdf/.html, and values already stored (read by the county
views). A value outside them is refused with one line of Chinese naming the field; why each figure is what
it is: docs/security.md.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any, NamedTuple

from bot.checks.findings import Finding
from bot.core.numbers import display
from bot.format.definition import FormatDef
from bot.format.tables import Cell

# Two bounds for every number, each from what published reports show (issue 27: a city's PDF with a
# 行政处罚 count in the millions was refused whole under the old 1,000,000). Beyond PLAUSIBLE_* a value
# is kept and the validator warns (W-LARGE: 数值异常大，请核对); only beyond MAX_* (the absurd: more than
# any unit of China could reach) is a value refused, naming the cell.
#
# Counts of decisions (表二 许可, 处罚, 强制): province-level reports print tens of millions (traffic
# penalties counted one by one); a margin of about 3 gives the plausible bound. The absurd bound is a
# decision for every third person in China in one year from one unit.
PLAUSIBLE_DECISIONS = 100_000_000
# Every other count (applications, documents, cases): the largest seen in published reports are some
# tens of thousands (a province's 自然资源 department); a million stays plausible.
PLAUSIBLE_COUNT = 1_000_000
MAX_COUNT = 500_000_000
# 万元 in a cell (表二 行政事业性收费), 元 for the fee item: province-level fees reach billions of 元 (some
# hundred thousand 万元), with cents (6 places in 万元); 10 billion 元 is plausible. The absurd bound,
# 10^8 万元 = 1 trillion 元, is more than all 行政事业性收费 of China in a year (about 0.4 trillion 元).
PLAUSIBLE_MONEY = Decimal(1_000_000)
MAX_MONEY = Decimal(100_000_000)
MONEY_PLACES = 12  # digits after the point
MAX_TEXT = 20_000  # characters of one section's text; the longest published section has some thousands
MAX_OTHER = 4_000  # characters of any other answer (a fact behind a draft)
UNIT_NAME_MIN = 2
UNIT_TEXT = {"name": 40, "province": 20, "city": 20, "county": 20, "address": 200, "phone": 30, "website": 200}
UNIT_LABELS = {"name": "单位名称", "level": "单位层级", "province": "所在省", "city": "所在市", "county": "所在县",
               "address": "办公地址", "phone": "联系电话", "website": "网站"}
OTHER_LABELS = {"meta.profile": "第六部分格式", "fee.cases": "信息处理费件数", "fee.amount_yuan": "信息处理费金额（元）",
                "info_fee": "信息处理费", "year": "报告年度"}


class Problem(NamedTuple):
    """A value outside the limits: where (a dotted key) and why, one line for the clerk."""

    key: str
    message: str


def count_problem(value: object) -> str | None:
    """Why `value` is not a count (an integer 0…MAX_COUNT), or None."""
    if isinstance(value, bool) or not isinstance(value, int):
        return "应为不小于0的整数"
    if value < 0:
        return "不能为负数"
    if value > MAX_COUNT:
        return f"太大了，不应超过{MAX_COUNT}"
    return None


def as_money(value: object) -> Decimal | str:
    """An amount (0…MAX_MONEY, at most MONEY_PLACES decimals) from a number or its text, or why it is not one."""
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal | str):
        return "应为不小于0的金额"
    try:
        amount = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except InvalidOperation:
        return "应为不小于0的金额"
    if not amount.is_finite():
        return "应为有限的金额"
    if amount < 0:
        return "不能为负数"
    if amount > MAX_MONEY:
        return f"太大了，不应超过{MAX_MONEY}"
    exponent = amount.as_tuple().exponent  # an int for a finite amount (checked above)
    if amount and isinstance(exponent, int) and exponent < -MONEY_PLACES:
        return f"小数位数过多，最多{MONEY_PLACES}位"
    return amount


def text_problem(value: object, limit: int) -> str | None:
    if not isinstance(value, str):
        return "应为文字"
    if len(value) > limit:
        return f"太长了（{len(value)}字），最多{limit}字"
    return None


UNIT_NAME_RULE = f"单位名称应为{UNIT_NAME_MIN}到{UNIT_TEXT['name']}个字的中文全称，以汉字、字母或数字开头，不含 < > = + @ # / 等符号，例如：次营镇人民政府。"
_NAME_SYMBOLS = frozenset("<>{}[]\\/@#$%^&*=+|~`\"'")


def unit_name_problem(name: str) -> str | None:
    """The one check of a unit's name, on every way a name comes in (typed at onboarding, /addunit, read
    from an uploaded report): UNIT_NAME_RULE when it breaks it, else None. The name has no spaces."""
    if not UNIT_NAME_MIN <= len(name) <= UNIT_TEXT["name"] or not name[0].isalnum():
        return UNIT_NAME_RULE
    if any(c in _NAME_SYMBOLS or not c.isprintable() or c.isspace() for c in name):
        return UNIT_NAME_RULE
    if not any("\u4e00" <= c <= "\u9fff" for c in name):
        return UNIT_NAME_RULE
    return None


def label(key: str, fmt: FormatDef) -> str:
    """The field's name as a clerk knows it."""
    if key.startswith("unit."):
        return UNIT_LABELS.get(key[5:], key)
    if key.startswith("text.") and key[5:] in fmt.texts:
        return fmt.text_label(key[5:])
    if key in OTHER_LABELS:
        return OTHER_LABELS[key]
    cell = _cell(fmt, key)
    return cell.name if cell is not None else key


def named(key: str, fmt: FormatDef) -> str:
    """The field's name quoted for a message: 「单位名称」, 表二「行政许可」本年处理决定数量 (quoted already)."""
    name = label(key, fmt)
    return name if "「" in name else f"「{name}」"


def check_value(key: str, value: object, fmt: FormatDef) -> Problem | None:
    """The problem with one answer (a cell path, `text.*`, `unit.*`, `meta.profile`, `fee.*`, …), or None."""
    reason = _reason(key, value, fmt)
    return Problem(key, f"{named(key, fmt)}{reason}。") if reason else None


def check_values(values: Mapping[str, object], fmt: FormatDef) -> Problem | None:
    """The first answer outside the limits, or None when all are within them."""
    for key, value in values.items():
        problem = check_value(key, value, fmt)
        if problem:
            return problem
    return None


def _reason(key: str, value: Any, fmt: FormatDef) -> str | None:
    if key.startswith("unit."):
        field = key[5:]
        if field == "level":
            return None if isinstance(value, str) and value in fmt.levels else f"应为{'、'.join(fmt.levels.values())}之一"
        return text_problem(value, UNIT_TEXT.get(field, MAX_OTHER))
    if key.startswith("text."):
        return text_problem(value, MAX_TEXT)
    if key == "meta.profile":
        return None if isinstance(value, str) and value in fmt.profiles else f"应为{'、'.join(p.label for p in fmt.profiles.values())}之一"
    if key == "fee.cases":
        return count_problem(value)
    if key == "fee.amount_yuan":
        money = as_money(value)
        return money if isinstance(money, str) else None
    if key == "info_fee":
        return _fee_reason(value)
    cell = _cell(fmt, key)
    if cell is not None:
        if value is None:
            return None
        if cell.kind == "money":
            money = as_money(value)
            return money if isinstance(money, str) else None
        return count_problem(value)
    return _any_reason(value)


def _fee_reason(value: Any) -> str | None:
    if not isinstance(value, dict):
        return "应为件数和金额"
    if "cases" in value and (reason := count_problem(value["cases"])):
        return f"的件数{reason}"
    if "amount_yuan" in value and isinstance(money := as_money(value["amount_yuan"]), str):
        return f"的金额{money}"
    return None


def _any_reason(value: Any) -> str | None:
    """Any other answer: a short text, a bounded number, or a small list or mapping of them."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, str):
        return text_problem(value, MAX_TEXT)
    if isinstance(value, int):
        return None if abs(value) <= MAX_COUNT * 1000 else "太大了"
    if isinstance(value, float | Decimal):
        money = as_money(abs(value))
        return money if isinstance(money, str) else None
    if isinstance(value, list | dict):
        items = list(value.values()) if isinstance(value, dict) else value
        if len(items) > 1000:
            return "项数过多"
        return next((r for r in map(_any_reason, items) if r), None)
    return "不是可以保存的值"


def _cell(fmt: FormatDef, key: str) -> Any:
    try:
        return fmt.cell(key)
    except KeyError:
        return None


def plausible_bound(fmt: FormatDef, cell: Cell) -> int | Decimal:
    """The largest value of a cell that needs no second look (beyond it: W-LARGE)."""
    if cell.kind == "money":
        return PLAUSIBLE_MONEY
    if cell.table == "table2" and not fmt.table2.block_of(cell.row).columns:
        return PLAUSIBLE_DECISIONS  # a row of one count: decisions (许可, 处罚, 强制)
    return PLAUSIBLE_COUNT


def large_values(rule: Any, report: Any) -> Iterator[Any]:
    """W-LARGE: a value within the limits but beyond what published reports show: kept, and asked about."""
    fmt = report.format
    for cell in fmt.cells():
        value = report.cells[cell.path]
        if isinstance(value, int | Decimal) and not isinstance(value, bool):
            bound = plausible_bound(fmt, cell)
            if value > bound:
                yield Finding(rule=rule.id, level=rule.level, cells=[cell.path], expected=bound, actual=value,
                              message=rule.say(cell=cell.name, actual=display(value), limit=display(bound)))
