"""What passes between a channel and the interview: inputs, buttons and replies, free of any channel."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Input:
    """One thing a person sent: a text, a command (`/docx`), a button press, or a file."""

    kind: str  # "text" | "command" | "button" | "file" | "edit" (a text changed after it was sent)
    text: str = ""  # the text; the command name without '/'; the button's data
    args: str = ""  # a command's argument (`/start TOKEN`)
    data: bytes = b""
    filename: str = ""
    size: int = 0  # a file's announced size, when it was too big to fetch
    seq: int = 0  # the channel's increasing id of this input (0: none); a repeat is not handled twice
    ref: str = ""  # the channel's id of the message (a text), or of the message changed (kind "edit")


    @classmethod
    def parse_text(cls, text: str) -> Input:
        """A typed line: '/cmd arg' is a command, anything else is text."""
        stripped = text.strip()
        if stripped.startswith("/") and len(stripped) > 1 and not stripped.startswith("//"):
            head, _, rest = stripped[1:].partition(" ")
            return cls(kind="command", text=head.split("@", 1)[0].lower(), args=rest.strip())
        return cls(kind="text", text=text)


@dataclass(frozen=True)
class Button:
    label: str
    data: str  # "<prompt token>:<action>"; the channel passes it back unchanged


@dataclass
class Reply:
    """A message to send: text, optional button rows, optional document (filename, bytes)."""

    text: str = ""
    buttons: list[list[Button]] = field(default_factory=list)
    document: tuple[str, bytes] | None = None


@dataclass
class Outcome:
    """The interview's answer to one input."""

    replies: list[Reply] = field(default_factory=list)
    ack: str = ""  # short text for the button press itself (a toast in Telegram)
    stale: bool = False  # the button belonged to an older prompt and was not obeyed
