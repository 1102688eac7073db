"""The interview in a terminal: lines in, text out; buttons become lettered choices, files are paths.

Type the letter of a choice (`a`, `b`, …), any answer, a command such as /menu, or the path of a report
file to upload it. Digits are always an answer, never a choice, so "1" at "几件" is one 件. Documents and
page pictures the bot sends are written to the documents folder.

A multi-line paste is one message, as in a chat window, so a pasted 表三 is read as one table (never row
by row into the questions after it). At a terminal (a tty): what the terminal marks as pasted (bracketed
paste mode, switched on while the chat runs), and any lines that arrive together, faster than anyone
types. Through a pipe, where a whole script arrives at once: a run of lines that arrive together and read
as table rows (a tab between cells, or “行名 + 6个数”).
"""

from __future__ import annotations

import getpass
import os
import re
import select
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

from bot.core.files import private_dir, safe_filename, write_atomic
from bot.importer import READABLE
from bot.interview.pagework import finish
from bot.interview.parse import SEPARATORS
from bot.interview.service import Service
from bot.interview.table3input import split_row
from bot.interview.types import IMAGE, Button, Input, Outcome, Reply

LINE_LIMIT = 4095  # bytes a terminal in canonical mode keeps of one line (Linux N_TTY_BUF_SIZE - 1)
MULTI_START, MULTI_END = "<<<", ">>>"
PASTE_ON, PASTE_OFF = "\x1b[?2004h", "\x1b[?2004l"  # bracketed paste mode
PASTE_START, PASTE_END = "\x1b[200~", "\x1b[201~"  # around what the terminal says was pasted
WINDOW = 0.05  # seconds: lines arriving within this of each other arrived together (nobody types that fast)


CHOICE = re.compile(r"[a-zA-Z]|[a-zA-Z]{2}")


def letters(i: int) -> str:
    """The letter of the i-th choice (0-based): a … z, then aa, ab, …"""
    return chr(ord("a") + i) if i < 26 else letters(i // 26 - 1) + chr(ord("a") + i % 26)


def choices_line(buttons: list[Button]) -> str:
    return "  ".join(f"[{letters(i)}] {b.label}" for i, b in enumerate(buttons)) + "　（输入字母选择）"


class Terminal:
    def __init__(self, service: Service, out_dir: Path, user: str | None = None, stdin: TextIO = sys.stdin, stdout: TextIO = sys.stdout):
        self.service = service
        self.out_dir = out_dir
        self.user = user or getpass.getuser()
        self.stdin = stdin
        self.stdout = stdout
        self.choices: list[Button] = []

    def write(self, text: str = "") -> None:
        self.stdout.write(text + "\n")
        self.stdout.flush()

    def show(self, outcome: Outcome, keep_choices: bool = False) -> None:
        """Print the replies. The choices are those of the last reply with buttons; an answer whose
        replies have none leaves no choice on the screen (a command that shows only text keeps them)."""
        if outcome.ack:
            self.write(f"（{outcome.ack}）")
        shown = False
        for reply in outcome.replies:
            self.show_reply(reply)
            shown = shown or bool(reply.buttons)
        if not shown and (not keep_choices or outcome.stale):
            self.choices = []
        self.write()

    def show_reply(self, reply: Reply) -> None:
        """Its text, its files written to the documents folder (pictures too) and named, its choices;
        then the pages it asks for (one person at a terminal: made right away)."""
        if reply.text:
            self.write(reply.text)
        for attachment in reply.attachments():
            path = private_dir(self.out_dir) / safe_filename(attachment.filename)
            write_atomic(path, attachment.data)
            self.write(f"【{'图片' if attachment.kind == IMAGE else '文件'}已保存】{path}")
        if reply.buttons:
            self.choices = [b for row in reply.buttons for b in row]
            self.write(choices_line(self.choices))
        if reply.later is not None:
            for made in finish(reply.later):
                self.show_reply(made)

    def choice(self, stripped: str) -> Input | None:
        """A typed letter: the button it names on the screen, or a refusal (None) when there is none."""
        wanted = stripped.lower()
        for i, button in enumerate(self.choices):
            if letters(i) == wanted:
                return Input(kind="button", text=button.data)
        if self.choices:
            shown = "、".join(letters(i) for i in range(len(self.choices)))
            self.write(f"没有选项“{stripped}”。当前可选：{shown}（输入字母），也可以直接输入回答。\n")
        else:
            self.write(f"当前没有可选的选项，“{stripped}”没有发送。请直接输入回答，或发送 /help 查看命令。\n")
        return None

    def upload(self, candidate: Path) -> Input | None:
        try:
            return Input(kind="file", data=candidate.read_bytes(), filename=candidate.name)
        except OSError as exc:
            self.write(f"无法读取文件：{exc.strerror}")
            return None

    def to_input(self, line: str) -> Input | None:
        text = line.rstrip("\n")
        stripped = text.strip()
        if not stripped:
            return None
        if CHOICE.fullmatch(stripped) and (len(stripped) == 1 or len(self.choices) > 26):
            return self.choice(stripped)
        unquoted = stripped.strip("'\"")
        candidate = Path(unquoted).expanduser()
        if "\n" not in stripped and (unquoted.startswith(("/", "~", "./", "../")) or unquoted.lower().endswith(READABLE)):
            try:
                exists = candidate.is_file()
            except OSError:  # a name too long for the file system is no file
                exists = False
            if exists:
                return self.upload(candidate)
            if unquoted.lower().endswith(READABLE) or "/" in unquoted.lstrip("/").split(" ", 1)[0]:  # a path, not a command
                self.write(f"找不到文件：{candidate}")
                return None
        return Input.parse_text(text)

    def warn_if_cut(self, line: str) -> None:
        """A terminal in line mode keeps at most 4095 bytes of a line and drops the rest without a word."""
        if len(line.rstrip("\n").encode("utf-8")) >= LINE_LIMIT:
            self.write(
                f"（注意：这一行有{len(line.rstrip(chr(10)).encode('utf-8'))}字节，已达终端单行输入的上限{LINE_LIMIT}字节，"
                f"后面的内容很可能被截掉了。长文字请输入 {MULTI_START} 进入多行模式分行粘贴（以单独一行 {MULTI_END} 结束），"
                "或存为.txt文件后输入文件路径。请核对下面报告的字数。）"
            )

    def inputs(self) -> Iterator[Input]:
        """The inputs typed: a line each, a paste as one text, or the lines between <<< and >>> as one text."""
        block: list[str] | None = None
        for group in self.messages():
            if block is None and len(group) > 1 and group[0].strip() != MULTI_START:
                for line in group:
                    self.warn_if_cut(line)
                text = "\n".join(group).strip("\n")
                if text.strip():
                    yield Input(kind="text", text=text)
                continue
            for line in group:
                self.warn_if_cut(line)
                if block is not None:
                    if line.strip() == MULTI_END:
                        text, block = "\n".join(block).strip("\n"), None
                        if text.strip():
                            yield Input(kind="text", text=text)
                    else:
                        block.append(line.rstrip("\n"))
                    continue
                if line.strip() == MULTI_START:
                    block = []
                    self.write(f"（多行输入：请粘贴或输入文字，可以有很多行；以单独一行 {MULTI_END} 结束。）")
                    continue
                inp = self.to_input(line)
                if inp is not None:
                    yield inp

    @property
    def tty(self) -> bool:
        try:
            return self.stdin.isatty()
        except (AttributeError, ValueError):
            return False

    def batches(self) -> Iterator[list[str]]:
        """The lines of stdin, in batches of those that arrived together (within WINDOW of each other).
        A stream without a file descriptor (a test's StringIO) is one batch."""
        try:
            fd = self.stdin.fileno()
        except (AttributeError, OSError, ValueError):
            yield [line.rstrip("\n") for line in self.stdin]
            return
        rest, done = b"", False
        while not done:
            chunk = os.read(fd, 65536)
            done = not chunk
            rest += chunk
            while not done and select.select([fd], [], [], WINDOW)[0]:
                more = os.read(fd, 65536)
                done = not more
                rest += more
            *lines, rest = rest.split(b"\n")
            if done and rest:
                lines, rest = [*lines, rest], b""
            if lines:
                yield [line.decode("utf-8", "replace").rstrip("\r") for line in lines]

    def messages(self) -> Iterator[list[str]]:
        """The lines grouped into messages (see the module's note): a group of several lines is one text."""
        tty = self.tty
        pasted: list[str] | None = None
        for batch in self.batches():
            out: list[list[str]] = []
            typed: list[str] = []
            for line in batch:
                if PASTE_START in line and pasted is None:
                    pasted, line = [], line.replace(PASTE_START, "")
                if pasted is not None:
                    ended = PASTE_END in line
                    pasted.append(line.replace(PASTE_END, "").replace(PASTE_START, ""))
                    if ended:
                        out.append(pasted)
                        pasted = None
                    continue
                typed.append(line)
            if tty and len(typed) > 1:
                out.append(typed)
            else:
                out.extend(table_runs(typed))
            yield from (group for group in out if group)

    def run(self) -> int:
        bracketed = self.tty and getattr(self.stdout, "isatty", lambda: False)()
        if bracketed:
            self.stdout.write(PASTE_ON)
        try:
            return self._run()
        finally:
            if bracketed:
                self.stdout.write(PASTE_OFF)
                self.stdout.flush()

    def _run(self) -> int:
        self.write(
            "年报助手（终端模式）。输入选项前的字母选择（如 a），数字总是作为回答；输入文件路径上传报告，"
            f"{MULTI_START} 开始多行输入，/help 查看帮助，Ctrl-D 退出。"
        )
        self.show(self.service.handle("terminal", self.user, Input(kind="command", text="start"), self.user))
        for inp in self.inputs():
            self.dispatch(inp)
        self.write("再见！所有回答都已保存，下次运行会从停下的地方继续。")
        return 0

    def feed(self, line: str) -> None:
        """One typed line: read, handled, and its replies shown."""
        self.warn_if_cut(line)
        inp = self.to_input(line)
        if inp is not None:
            self.dispatch(inp)

    def dispatch(self, inp: Input) -> None:
        self.show(self.service.handle("terminal", self.user, inp, self.user), keep_choices=inp.kind == "command")


def is_row(line: str) -> bool:
    """A line of a pasted table: cells between tabs, or a row's name and its six (or seven) numbers."""
    if "\t" in line.strip("\r\n"):
        return True
    split = split_row(line.strip())  # the chat's own scanner of “行名 + 数字”
    return split is not None and len([t for t in SEPARATORS.split(split[1]) if t]) in (6, 7)


def table_runs(lines: list[str]) -> list[list[str]]:
    """Lines that arrived together, as messages: a run of two or more table rows is one, any other line is
    one each."""
    out: list[list[str]] = []
    for line in lines:
        if out and len(out[-1]) >= 1 and is_row(line) and all(is_row(x) for x in out[-1]):
            out[-1].append(line)
        else:
            out.append([line])
    return out
