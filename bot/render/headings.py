"""Telling a （一）-style heading from a sentence that starts with an ordinal, and splitting run-in headings.

Reports write level-2 headings in two ways: on a line of their own ("（一）主动公开政府信息情况"),
or run in, the heading closed by 。 or ： and the paragraph continuing on the same line
("（一）主动公开方面。有序推进…"). GB/T 9704 sets the heading in 楷体 and the text in 仿宋, so a
run-in line is split in two parts. A line that merely starts with an ordinal and reads as a
sentence (long, no short part closed early) stays body text.
"""

from __future__ import annotations

import re

SUBHEADING = re.compile(r"^[（(][一二三四五六七八九十]+[）)]")
SENTENCE_END = tuple("。！？；：…!?;:")
HEADING_END = "。：:"
SUBHEADING_MAX_CHARS = 30  # a whole line up to this long is a heading even when it ends like a sentence
RUN_IN_MAX_CHARS = 24  # the heading part of a run-in line, its closing 。 or ： included


def is_subheading(line: str) -> bool:
    """A （一）-style line that is a heading on its own, not a paragraph that merely starts with an ordinal."""
    return bool(SUBHEADING.match(line)) and (len(line) <= SUBHEADING_MAX_CHARS or not line.endswith(SENTENCE_END))


def split_heading(line: str) -> tuple[str, str] | None:
    """(heading, text after it) of a heading line; the text is "" for a heading on its own; None for body text.

    A run-in heading is the ordinal and a short phrase closed by 。 or ：, with more text after it.
    """
    match = SUBHEADING.match(line)
    if not match:
        return None
    rest = line[match.end() :]
    ends = [i for i in (rest.find(ch) for ch in HEADING_END) if i >= 0]
    if ends:
        cut = match.end() + min(ends) + 1
        if cut <= RUN_IN_MAX_CHARS and cut < len(line) and cut - match.end() > 1:
            return line[:cut], line[cut:]
    if is_subheading(line):
        return line, ""
    return None
