"""Text saved from a web page by a crawler: the body on one line, the headings in the middle of it, and
each table row's label followed by its numbers with no separator ('…申请数量3010004').

The line is cut again before each section heading. In a table section each row of the format is found by
its label in order; its digits are split into cells only when exactly one split satisfies the row's sum
(总计 = the six parts) or, failing that, the column sums the other rows fix (表三 (七)总计 = its rows,
一 + 二 = (七) + 四). Anything else stays a label without numbers, which the table reader reports as a row
it could not read (W-UNREAD). Nothing here guesses.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from bot.format.definition import FormatDef, Grid, Section
from bot.importer.source import Element, Para, Table
from bot.importer.unread import flat

LONG_LINE = 1500  # characters: a line this long holding two headings is a page's body run together
MAX_DIGITS = 40  # of one glued run; longer runs are left unread (and the search stays small)
MAX_SPLITS = 20_000  # splits tried for one run
NUMBERS = re.compile(r"\d+(?:\.\d+)?|[—/－-]")


def is_run_together(elements: list[Element], fmt: FormatDef) -> bool:
    return any(isinstance(el, Para) and len(el.text) >= LONG_LINE and len(_headings(el.text, fmt)) >= 2 for el in elements)


def _headings(text: str, fmt: FormatDef) -> list[tuple[int, int, Section]]:
    """(start, end, section) of each section heading inside a line, in order, each section once."""
    found: list[tuple[int, int, Section]] = []
    seen: set[str] = set()
    for m in re.finditer(r"([一二三四五六])[、.．]", text):
        for section in fmt.sections:
            if section.number != m.group(1) or section.key in seen:
                continue
            head = text[m.start() : m.start() + len(section.full_heading) + 6]
            if flat(head).startswith(flat(section.full_heading)):
                end = m.start() + len(section.full_heading)
            elif any(k in head[: len(section.full_heading)] for k in section.keywords):
                end = m.end() + max(head.find(k) + len(k) for k in section.keywords if k in head) - 2
            else:
                continue
            if not found or m.start() >= found[-1][1]:
                found.append((m.start(), end, section))
                seen.add(section.key)
            break
    return found


def unglue(elements: list[Element], fmt: FormatDef) -> list[Element]:
    """The elements with each run-together line cut into title, headings, texts and table rows."""
    out: list[Element] = []
    for el in elements:
        if not (isinstance(el, Para) and len(el.text) >= LONG_LINE):
            out.append(el)
            continue
        text = el.text
        heads = _headings(text, fmt)
        if len(heads) < 2:
            out.append(el)
            continue
        head = text[: heads[0][0]]
        cut = head.find("年度报告")
        if cut != -1:
            out += [Para(head[: cut + 4]), Para(head[cut + 4 :])]
        else:
            out.append(Para(head))
        for n, (_start, end, section) in enumerate(heads):
            body = text[end : heads[n + 1][0] if n + 1 < len(heads) else len(text)]
            out.append(Para(section.full_heading))
            if section.table:
                out.append(Table(_table_rows(body, section.table, fmt)))
            elif body.strip():
                out.append(Para(body.strip()))
    return out


# ---- rows of a table section ------------------------------------------------------------------


def _table_rows(body: str, table: str, fmt: FormatDef) -> list[list[str]]:
    if table == "table4":
        return _table4(body, fmt)
    grid = fmt.table2 if table == "table2" else fmt.table3
    rows = grid.data_rows
    found: list[tuple[int, int]] = []  # (start, end) of each row's label in the body, or (-1, -1)
    pos = 0
    for row in rows:
        at = _find_label(body, row.label, pos)
        found.append(at)
        if at[0] != -1:
            pos = at[1]
    regions: list[str | None] = []
    for i, (start, end) in enumerate(found):
        if start == -1:
            regions.append(None)
            continue
        nxt = next((s for s, _ in found[i + 1 :] if s != -1), len(body))
        regions.append(body[end:nxt])
    if table == "table2":
        return [_row2(row.label, region, fmt, str(row.key)) for row, region in zip(rows, regions, strict=True) if region is not None]
    return _rows3(fmt, [r.label for r in rows], regions)


def _find_label(body: str, label: str, pos: int) -> tuple[int, int]:
    """The label's span in the body from pos, compared without spaces; (-1, -1) when absent."""
    pattern = r"\s*".join(re.escape(ch) for ch in flat(label))
    m = re.compile(pattern).search(body, pos)
    return (m.start(), m.end()) if m else (-1, -1)


def _values(region: str) -> list[str]:
    """The cell texts right after a label: separated tokens as printed, or one glued digit run."""
    lead = re.match(r"[\s\u3000]*((?:(?:\d+(?:\.\d+)?|[—/－-])[\s\u3000]*)+)", region)
    return NUMBERS.findall(lead.group(1)) if lead else []


def _row2(label: str, region: str, fmt: FormatDef, key: str) -> list[str]:
    width = len(fmt.table2.block_of(key).columns) or 1
    values = _values(region)
    if len(values) == 1 and width > 1:
        splits = list(_splits(values[0], width))
        values = list(map(str, splits[0])) if len(splits) == 1 else []
    return [label, *values] if len(values) == width else [label]


def _rows3(fmt: FormatDef, labels: list[str], regions: list[str | None]) -> list[list[str]]:
    grid = fmt.table3
    total = grid.total_column()
    assert total is not None
    width = len(grid.col_keys)
    found: dict[str, list[int] | None] = {}
    runs: dict[str, str] = {}
    keys = [str(row.key) for row in grid.data_rows]
    for key, region in zip(keys, regions, strict=True):
        values = _values(region) if region is not None else []
        if len(values) == width:
            found[key] = [int(v) if v.isdigit() else 0 for v in values]
            runs[key] = ""
            continue
        found[key] = None
        if len(values) == 1 and values[0].isdigit():
            runs[key] = values[0]
            ok = [s for s in _splits(values[0], width) if sum(s[:-1]) == s[-1]]
            if len(ok) == 1:
                found[key] = ok[0]
    balance = fmt.rule("E-T3-BALANCE").params
    _by_columns(grid, found, runs, list(balance["left"]), list(balance["right"]))
    out = []
    for key, label, region in zip(keys, labels, regions, strict=True):
        if region is None:
            continue
        values = _values(region)
        split = found[key]
        if len(values) == width:
            out.append([label, *values])
        elif split is not None:
            out.append([label, *map(str, split)])
        else:
            out.append([label])
    return out


def _by_columns(grid: Grid, found: dict[str, list[int] | None], runs: dict[str, str], left: list[str], right: list[str]) -> None:
    """A row whose split its own sum does not settle, when the column sums fix its six parts: the one
    split that starts with them (its 总计 is then what follows, right or wrong)."""
    total_row = grid.total_row()
    assert total_row is not None
    nparts = len(grid.col_keys) - 1
    leaves = [str(k) for k in grid.leaves()]
    groups = [  # each: the rows and their sign in a sum that is zero per column
        {k: 1 for k in leaves} | {str(total_row.key): -1},
        {k: 1 for k in left} | {k: -1 for k in right},  # 一 + 二 = (七) + 四 (the rule E-T3-BALANCE)
    ]
    for _ in range(2):
        for signs in groups:
            missing = [k for k in signs if found.get(k) is None]
            if len(missing) != 1 or not runs.get(missing[0]):
                continue
            key = missing[0]
            known = {k: v for k, v in found.items() if k in signs and k != key and v is not None}
            rest = [sum(signs[k] * v[c] for k, v in known.items()) for c in range(nparts)]
            want = [-signs[key] * v for v in rest]
            if any(v < 0 for v in want):
                continue
            prefix = "".join(map(str, want))
            tail = runs[key][len(prefix) :]
            if runs[key].startswith(prefix) and re.fullmatch(r"0|[1-9]\d*", tail):
                found[key] = [*want, int(tail)]


def _table4(body: str, fmt: FormatDef) -> list[list[str]]:
    grid = fmt.table4
    width = len(grid.col_keys)
    groups = len(grid.row_keys)
    tokens = NUMBERS.findall(body)
    if len(tokens) == width * groups:
        return [tokens[i * width : (i + 1) * width] for i in range(groups)]
    if len(tokens) == 1 and tokens[0].isdigit():
        ok = [s for s in _splits(tokens[0], width * groups) if all(
            sum(s[g * width : (g + 1) * width - 1]) == s[(g + 1) * width - 1] for g in range(groups))]
        if len(ok) == 1:
            return [list(map(str, ok[0][g * width : (g + 1) * width])) for g in range(groups)]
    return [[body.strip()[-80:]]] if tokens else []


def _splits(digits: str, parts: int) -> Iterator[list[int]]:
    """Every way to cut a digit run into `parts` numbers (no leading zeros), at most MAX_SPLITS of them."""
    if len(digits) > MAX_DIGITS or len(digits) < parts:
        return
    count = 0

    def cut(i: int, left: int) -> Iterator[list[int]]:
        nonlocal count
        if count > MAX_SPLITS:
            return
        if left == 1:
            piece = digits[i:]
            if piece == "0" or not piece.startswith("0"):
                count += 1
                yield [int(piece)]
            return
        for j in range(i + 1, len(digits) - left + 2):
            piece = digits[i:j]
            if piece.startswith("0") and piece != "0":
                break
            for rest in cut(j, left - 1):
                yield [int(piece), *rest]

    yield from cut(0, parts)
