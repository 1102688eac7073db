"""What passes between a channel and the interview: inputs, buttons and replies, free of any channel."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from bot.importer.reading import Reading

# What a person sent: a typed text, a command (`/docx`), a button press, a file, or a text changed after it
# was sent (an edit, answered as the question it answered).
InputKind = Literal["text", "command", "button", "file", "edit"]


@dataclass(frozen=True)
class Input:
    """One thing a person sent: a text, a command (`/docx`), a button press, or a file."""

    kind: InputKind
    text: str = ""  # the text; the command name without '/'; the button's data
    args: str = ""  # a command's argument (`/start TOKEN`)
    data: bytes = b""
    filename: str = ""
    size: int = 0  # a file's announced size, when it was too big to fetch
    seq: int = 0  # the channel's increasing id of this input (0: none); a repeat is not handled twice
    ref: str = ""  # the channel's id of the message (a text), or of the message changed (kind "edit")
    # a file as read before the transaction opened (Service.handle); None: the engine reads it itself
    reading: Reading | None = field(default=None, compare=False, repr=False)


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


IMAGE = "image"  # a picture the channel shows in the chat (PNG): Telegram's album, the web page's <img>
DOCUMENT = "document"  # a file to download


@dataclass(frozen=True)
class Attachment:
    """A file sent with a reply. Channels show "image"s as pictures (several in a row as an album) and
    offer "document"s for download; a channel that cannot show pictures sends them as documents."""

    filename: str
    data: bytes
    kind: str = DOCUMENT  # IMAGE | DOCUMENT


@dataclass(frozen=True)
class PageJob:
    """Pictures or a PDF of a .docx, to be made by the channel off its hot path (LibreOffice takes seconds).

    The reply carrying it is sent first (it tells the person it is working); then the channel calls
    `bot.interview.pagework.finish(job)` in a thread and sends the replies that returns, in order.
    """

    docx: bytes
    filename: str  # the .docx's name: the PDF and the pictures are named after it
    images: bool  # True: each page as a picture (/preview); False: the PDF beside the .docx (/docx)
    fallback: str = ""  # sent instead when the pictures cannot be made (the text preview)


@dataclass
class Reply:
    """A message to send: text, optional button rows, files, and work to finish off the hot path.

    `document` (filename, bytes) is the older single-file form, still accepted: `attachments()` gives
    it and `files` together, which is what channels send.
    """

    text: str = ""
    buttons: list[list[Button]] = field(default_factory=list)
    document: tuple[str, bytes] | None = None
    files: list[Attachment] = field(default_factory=list)
    later: PageJob | None = None

    def attachments(self) -> list[Attachment]:
        """Every file of the reply, the `document` first."""
        first = [Attachment(*self.document)] if self.document is not None else []
        return first + self.files

    def images(self) -> list[Attachment]:
        return [a for a in self.attachments() if a.kind == IMAGE]

    def documents(self) -> list[Attachment]:
        return [a for a in self.attachments() if a.kind != IMAGE]


@dataclass
class Outcome:
    """The interview's answer to one input."""

    replies: list[Reply] = field(default_factory=list)
    ack: str = ""  # short text for the button press itself (a toast in Telegram)
    stale: bool = False  # the button belonged to an older prompt and was not obeyed
