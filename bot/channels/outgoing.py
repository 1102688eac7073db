"""Shaping the interview's replies into a messenger's messages: what every chat channel (Telegram,
DingTalk) does the same way, each with its own message size."""

from __future__ import annotations

from bot.interview.types import Reply


def chunks(text: str, size: int) -> list[str]:
    """Split at line ends so that no message exceeds the channel's limit (a longer line is cut)."""
    out: list[str] = []
    current = ""
    for line in text.split("\n"):
        while len(line) > size:
            if current:
                out.append(current)
                current = ""
            out.append(line[:size])
            line = line[size:]
        if len(current) + len(line) + 1 > size:
            out.append(current)
            current = line
        else:
            current = f"{current}\n{line}" if current else line
    if current:
        out.append(current)
    return out or [""]


def merge(replies: list[Reply], size: int) -> list[Reply]:
    """Consecutive plain texts go out as one message: fewer notifications, fewer calls against the limit.
    A reply with files, or one whose pages are still to be made, stays a message of its own."""
    out: list[Reply] = []
    for reply in replies:
        prev = out[-1] if out else None
        if (
            prev is not None
            and not prev.buttons
            and not prev.attachments()
            and not reply.attachments()
            and prev.later is None
            and len(prev.text) + len(reply.text) + 1 <= size
        ):
            out[-1] = Reply(text=f"{prev.text}\n{reply.text}" if prev.text else reply.text, buttons=reply.buttons, later=reply.later)
        else:
            out.append(reply)
    return out
