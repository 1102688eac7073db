"""Column widths of the printed tables, and the measure of how a cell's text breaks into lines.

The measure is deterministic (no rendering): a Chinese character or full-width sign is one em of
the cell's font size, anything else half an em; a line may not start with closing punctuation
nor end with opening punctuation, so such a character takes its neighbour to the next line, as
Word, WPS and LibreOffice do. A column is wide enough when none of its texts leaves a single
character alone on its last line ("1.本机关不掌握相关政府信/息").
"""

from __future__ import annotations

from bot.render.layout import TableLayout
from bot.render.style import Style
from bot.render.wordml import twips_mm, twips_pt

NO_LINE_START = set("，。、；：？！）》」』”’〕】…%,.;:?!)]")
NO_LINE_END = set("（《「『“‘〔【([")
MAX_CHARS = 12  # the widest a group or number column may grow to, in characters
# What a cell loses besides its margins (borders, rounding of the layout engine): a column sized
# to exactly three characters holds two in LibreOffice.
SLACK_TWIPS = 40


def char_em(ch: str) -> float:
    return 0.5 if ord(ch) < 0x2E80 else 1.0


def break_lines(text: str, width_em: float) -> list[str]:
    """The lines `text` takes in a column `width_em` wide, breaking anywhere but around punctuation."""
    lines: list[str] = []
    line = ""
    used = 0.0
    for ch in text:
        em = char_em(ch)
        if line and used + em > width_em + 1e-9:
            carry = ""
            if ch in NO_LINE_START and len(line) > 1:
                carry, line = line[-1], line[:-1]
            if len(line) > 1 and line[-1] in NO_LINE_END:
                carry, line = line[-1] + carry, line[:-1]
            lines.append(line)
            line = carry
            used = sum(char_em(c) for c in line)
        line += ch
        used += em
    if line:
        lines.append(line)
    return lines


def leaves_one_alone(text: str, width_em: float) -> bool:
    """True when the text wraps and its last line holds a single character."""
    lines = break_lines(text, width_em)
    return len(lines) > 1 and len(lines[-1]) == 1


def text_em(width_twips: int, margin_twips: int, size_pt: float) -> float:
    """How many ems of `size_pt` fit in a cell `width_twips` wide, less its margins and the slack."""
    return (width_twips - 2 * margin_twips - SLACK_TWIPS) / twips_pt(size_pt)


def _column_texts(layout: TableLayout) -> list[list[str]]:
    """Per grid column, the texts of the cells that occupy that column alone."""
    texts: list[list[str]] = [[] for _ in range(layout.ncols)]
    for row in layout.rows:
        col = 0
        for cell in row:
            if cell.span == 1 and cell.text:
                texts[col].append(cell.text)
            col += cell.span
    return texts


def _narrowest(texts: list[str], min_chars: int, value_column: bool) -> int:
    """The fewest characters a line may hold so that no text is left with one character alone."""
    for chars in range(min_chars, MAX_CHARS + 1):
        if value_column and any(sum(char_em(c) for c in t) > chars for t in texts if t.replace(".", "").isdigit()):
            continue
        if not any(leaves_one_alone(t, chars) for t in texts):
            return chars
    return MAX_CHARS


def column_widths(layout: TableLayout, style: Style) -> list[int]:
    """Twips per grid column, summing to the text width.

    Without row labels (表二, 表四) all columns are equal, as the official template. With row
    labels (表三) each group and number column is the narrowest that holds its texts; the row-label
    column takes the rest.
    """
    tables = style.tables
    size = style.role("table").size_pt
    total = twips_mm(style.page.text_width_mm)
    margin = twips_mm(tables.cell_margin_mm)
    n = layout.ncols
    if layout.label_cols:
        texts = _column_texts(layout)
        widths = [0] * n
        for col in range(n):
            if col == layout.label_cols - 1:
                continue
            value_column = col >= layout.label_cols
            minimum = tables.data_min_chars if value_column else tables.group_min_chars
            widths[col] = _narrowest(texts[col], minimum, value_column) * twips_pt(size) + 2 * margin + SLACK_TWIPS
        label = total - sum(widths)
        if label >= max(widths):
            widths[layout.label_cols - 1] = label
            return widths
    base, extra = divmod(total, n)
    return [base] * (n - extra) + [base + 1] * extra
