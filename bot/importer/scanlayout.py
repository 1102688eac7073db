"""Lines and table columns of a scanned page, rebuilt from the positions of the OCR engine's text boxes.

Pure geometry on plain lists (no engine, no image): the OCR child (ocrworker.py) imports it, and the
fuzz tests feed it any layout. A box is (quad, text, score) with quad four [x, y] corners clockwise from
the top left, in pixels. Coordinates come out in points of an A4 page (595 pt wide), whatever the
resolution, so the paragraph rules of the PDF reader apply unchanged.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

A4_POINTS = 595.0
MAX_SKEW = 10.0  # degrees; a photo turned further is not straightened here
NUMERIC = re.compile(r"^[0-9０-９OoIl丨|S]{1,9}(\.[0-9]{1,4})?$")
SPECKS = " '\"`.,:;，：；、。°‘’“”+*^~"  # dust of a scan that the engine reads beside a digit ('7.', "'5")


@dataclass
class Token:
    text: str
    score: float
    x0: float
    y0: float
    x1: float
    y1: float
    found: bool = False  # read again from the empty slot of a table column, not by the detector

    @property
    def xc(self) -> float:
        return (self.x0 + self.x1) / 2

    @property
    def yc(self) -> float:
        return (self.y0 + self.y1) / 2


@dataclass
class Line:
    tokens: list[Token] = field(default_factory=list)

    @property
    def y0(self) -> float:
        return min(t.y0 for t in self.tokens)

    @property
    def y1(self) -> float:
        return max(t.y1 for t in self.tokens)

    @property
    def yc(self) -> float:
        return sum(t.yc for t in self.tokens) / len(self.tokens)


@dataclass
class Slot:
    """A table cell the detector found nothing in: where to read again (page pixels, unrotated)."""

    line: int
    x0: float
    x1: float
    centre: tuple[float, float]
    size: tuple[float, float]


def is_numeric(text: str) -> bool:
    return bool(NUMERIC.match(text.strip().strip(SPECKS)))


def is_speck(tok: Token) -> bool:
    """A doubtful mark of a character or two that is no digit: dust on the scan, not text."""
    return tok.score < 0.5 and len(tok.text) <= 2 and not re.search(r"[0-9０-９]", tok.text)


def _finite(values: list[Any]) -> bool:
    return all(isinstance(v, int | float) and math.isfinite(v) for v in values)


def skew(boxes: list[Any]) -> float:
    """The page's tilt in degrees: the median slope of the top edges of the wide boxes."""
    angles = []
    for box in boxes:
        try:
            quad = box[0]
            (x0, y0), (x1, y1) = quad[0], quad[1]
            width, height = float(x1) - float(x0), abs(float(quad[3][1]) - float(y0))
            if math.isfinite(width) and math.isfinite(height) and width > 3 * max(height, 1.0):
                angles.append(math.degrees(math.atan2(float(y1) - float(y0), width)))
        except (TypeError, ValueError, IndexError, KeyError):
            continue  # a malformed box tells nothing about the page
    if not angles:
        return 0.0
    angles.sort()
    angle = angles[len(angles) // 2]
    return angle if abs(angle) <= MAX_SKEW else 0.0


def tokens(boxes: list[Any], angle: float, centre: tuple[float, float]) -> list[Token]:
    """The boxes turned upright around the page centre, as axis-aligned tokens (malformed boxes dropped)."""
    cos, sin = math.cos(math.radians(-angle)), math.sin(math.radians(-angle))
    cx, cy = centre
    out = []
    for box in boxes:
        try:
            quad, text, score = box
            points = [(float(x), float(y)) for x, y in quad]
            score = float(score)
        except (TypeError, ValueError):
            continue
        if len(points) != 4 or not _finite([c for p in points for c in p]) or not isinstance(text, str) or not text.strip():
            continue
        turned = [(cx + (x - cx) * cos - (y - cy) * sin, cy + (x - cx) * sin + (y - cy) * cos) for x, y in points]
        xs, ys = [p[0] for p in turned], [p[1] for p in turned]
        out.append(Token(text.strip(), score if math.isfinite(score) else 0.0, min(xs), min(ys), max(xs), max(ys)))
    return out


def lines(toks: list[Token]) -> list[Line]:
    """Tokens grouped into text lines by their vertical centres, each line read left to right."""
    if not toks:
        return []
    heights = sorted(t.y1 - t.y0 for t in toks)
    half = max(heights[len(heights) // 2], 1.0) / 2
    out: list[Line] = []
    for tok in sorted(toks, key=lambda t: t.yc):
        if out and abs(tok.yc - out[-1].yc) < half:
            out[-1].tokens.append(tok)
        else:
            out.append(Line([tok]))
    for line in out:
        line.tokens.sort(key=lambda t: t.x0)
    return out


def _columns(centres: list[float], near: float) -> list[float]:
    """Column centres: x-centres closer than `near` are one column."""
    groups: list[list[float]] = []
    for x in sorted(centres):
        if groups and x - groups[-1][-1] < near:
            groups[-1].append(x)
        else:
            groups.append([x])
    return [sum(g) / len(g) for g in groups if len(g) >= 2]


def empty_slots(page: list[Line], angle: float, centre: tuple[float, float]) -> list[Slot]:
    """Cells of a table row where the detector found no box though the rows around have a number there.

    A table is a run of lines ending in three numbers or more; its columns are where their numbers stand.
    A row holding at least half of its table's columns gets a slot for each column it lacks.
    """
    slots: list[Slot] = []
    runs: list[list[int]] = []
    for n, line in enumerate(page):
        if sum(1 for t in line.tokens if is_numeric(t.text)) >= 3:
            if runs and n - runs[-1][-1] <= 4:
                runs[-1].append(n)
            else:
                runs.append([n])
    for run in runs:
        numbers = [t for n in run for t in page[n].tokens if is_numeric(t.text)]
        size = sorted(t.y1 - t.y0 for t in numbers)[len(numbers) // 2]
        columns = _columns([t.xc for t in numbers], 1.2 * size)
        if len(run) == 1:  # one row of values (表四): its columns are its own, evenly spaced, to the header's end
            columns = _grid([t.xc for t in numbers], max((t.x1 for m in range(max(0, run[0] - 3), run[0]) for t in page[m].tokens), default=0.0))
        if len(columns) < 3:
            continue
        for n in run:
            have = [t.xc for t in page[n].tokens if is_numeric(t.text)]
            lacking = [c for c in columns if all(abs(c - x) >= 0.6 * size for x in have)]
            if not lacking or len(have) < len(columns) / 2:
                continue
            if any(min(columns) - size <= t.xc and not is_numeric(t.text) for t in page[n].tokens):
                continue  # text among the numbers: not a row of values
            for c in lacking:
                x, y = _unturn(c, page[n].yc, angle, centre)
                slots.append(Slot(n, c - 0.9 * size, c + 0.9 * size, (x, y), (2.4 * size, 1.5 * (page[n].y1 - page[n].y0))))
    return slots


def _grid(centres: list[float], right: float) -> list[float]:
    """Columns of a single row of eight values or more whose gaps are one step or two (a value missed):
    every step from the first value to the right end of the header above it."""
    if len(centres) < 8:
        return []
    xs = sorted(centres)
    gaps = [b - a for a, b in zip(xs, xs[1:], strict=False)]
    step = sorted(gaps)[len(gaps) // 2]
    if step <= 0 or any(not (0.75 <= g / step <= 1.25 or 1.75 <= g / step <= 2.25) for g in gaps):
        return []
    count = 1 + int((max(right, xs[-1]) - xs[0]) / step + 0.25)
    return [xs[0] + k * step for k in range(min(count, 2 * len(xs)))]


def _unturn(x: float, y: float, angle: float, centre: tuple[float, float]) -> tuple[float, float]:
    cos, sin = math.cos(math.radians(angle)), math.sin(math.radians(angle))
    cx, cy = centre
    return cx + (x - cx) * cos - (y - cy) * sin, cy + (x - cx) * sin + (y - cy) * cos


def fill(page: list[Line], slot: Slot, text: str, score: float) -> None:
    """A slot's reading put into its line as a token (an empty reading too: the cell stays unread)."""
    line = page[slot.line]
    line.tokens.append(Token(text.strip(), score, slot.x0, line.y0, slot.x1, line.y1, found=True))
    line.tokens.sort(key=lambda t: t.x0)


def page_json(page: list[Line], width: float) -> list[list[Any]]:
    """The page's lines as JSON: [[text, score, x0, x1, found] ...] per line, in points of an A4 page."""
    scale = A4_POINTS / width if width > 0 else 1.0
    return [
        [[t.text, round(t.score, 3), round(t.x0 * scale, 1), round(t.x1 * scale, 1), t.found] for t in line.tokens]
        for line in page
    ]
