"""Table rows from text laid out without tabs: space-aligned columns (PDF text extraction, OCR) and pipe tables.

A row is its label followed by the numbers at the end of the line. A label wrapped over lines is joined
again; numbers standing on a line of their own stay a row of values, which the table readers attach to
the label before them. Nothing is ever split or merged inside a number: a cell that cannot be placed
stays out and the table reader reports the row.
"""

from __future__ import annotations

import re

from bot.importer.cells import kind_of

LONE = re.compile(r"^[\u4e00-\u9fff、]$")
PIPE_RULE = re.compile(r"^:?-{2,}:?$")
PAGE_NUMBER = re.compile(r"^[-—–－]\s*\d{1,3}\s*[-—–－]$|^第\s*\d{1,3}\s*页")
OPENS_LABEL = re.compile(r"^(（[一二三四五六七八九十]+）|\([一二三四五六七八九十]+\)|[一二三四五六七八九十]+[、.．]|\d+[.、．]|第二十条)")


def is_pipe_row(line: str) -> bool:
    return line.strip().startswith("|") and line.count("|") >= 2


def _pipe_cells(line: str) -> list[str] | None:
    """The cells of '| 规章 | 0 | 0 | 0 |', or None for the '|---|---|' rule under a header."""
    cells = [c.strip() for c in line.strip().strip("|").split("|")]
    if all(PIPE_RULE.match(c) or not c for c in cells):
        return None
    # a merged label repeated in each column it spans ('| 一、本年新收… | 一、本年新收… | 3 |') is one label
    return [c for i, c in enumerate(cells) if i == 0 or c != cells[i - 1] or kind_of(c) != "text"]


def _split(line: str) -> tuple[str, list[str]]:
    """(label, the number or blank-mark tokens ending the line)."""
    tokens = line.split()
    while len(tokens) > 1 and LONE.match(tokens[0]) and kind_of(tokens[0]) == "text":
        tokens.pop(0)  # a character of a group label printed vertically beside the rows ('三', '、', '本' …)
    if len(tokens) == 1 and LONE.match(tokens[0]) and kind_of(tokens[0]) == "text":
        return "", []
    values: list[str] = []
    while tokens and kind_of(tokens[-1]) in ("number", "blank", "ocr"):
        values.insert(0, tokens.pop())
    return " ".join(tokens), values


def _unclosed(label: str) -> bool:
    return label.count("（") + label.count("(") > label.count("）") + label.count(")")


def rows_from_layout(lines: list[str]) -> list[list[str]]:
    """Rows of cell texts from space-aligned or pipe-table lines."""
    rows: list[list[str]] = []
    open_label = False  # the last row is a label waiting for the rest of its text
    for raw in lines:
        line = raw.strip().replace("\u3000", " ")
        if not line or PAGE_NUMBER.match(line):
            continue
        if is_pipe_row(line):
            cells = _pipe_cells(line)
            if cells is not None:
                rows.append(cells)
            open_label = False
            continue
        label, values = _split(line)
        if not label and not values:
            continue
        continues = (
            open_label and label and not OPENS_LABEL.match(label.replace(" ", "")) and (not values or _unclosed(rows[-1][0]))
        )
        if (
            not continues and label and not values and len(rows) >= 2 and rows[-2] and _unclosed(rows[-2][0])
            and len(rows[-2]) == 1 and all(kind_of(c) != "text" for c in rows[-1]) and not OPENS_LABEL.match(label.replace(" ", ""))
        ):  # the rest of a wrapped label printed under the numbers that stand between its lines
            rows[-2][0] += label
            open_label = False
            continue
        if continues:
            rows[-1][0] += label
            rows[-1].extend(values)
        else:
            rows.append(([label] if label else []) + values)
        open_label = bool(label) and not values
    return rows
