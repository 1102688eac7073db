"""The interview in a terminal: lines in, text out; buttons become numbered choices, files are paths.

Type the number of a choice, any answer, a command such as /menu, or the path of a .docx/.txt/.json
file to upload it. Documents and page pictures the bot sends are written to the documents folder.
"""

from __future__ import annotations

import getpass
import sys
from pathlib import Path
from typing import TextIO

from bot.files import private_dir, safe_filename, write_atomic
from bot.importer import READABLE
from bot.interview.pagework import finish
from bot.interview.types import IMAGE, Button, Input, Outcome, Reply
from bot.service import Service


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

    def show(self, outcome: Outcome) -> None:
        if outcome.ack:
            self.write(f"（{outcome.ack}）")
        for reply in outcome.replies:
            self.show_reply(reply)
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
            self.write("  ".join(f"[{i}] {b.label}" for i, b in enumerate(self.choices, start=1)))
        if reply.later is not None:
            for made in finish(reply.later):
                self.show_reply(made)

    def to_input(self, line: str) -> Input | None:
        text = line.rstrip("\n")
        stripped = text.strip()
        if stripped.isdigit() and 1 <= int(stripped) <= len(self.choices):
            return Input(kind="button", text=self.choices[int(stripped) - 1].data)
        candidate = Path(stripped.strip("'\"")).expanduser()
        if stripped.lower().strip("'\"").endswith(READABLE) and "\n" not in stripped:
            if candidate.is_file():
                try:
                    return Input(kind="file", data=candidate.read_bytes(), filename=candidate.name)
                except OSError as exc:
                    self.write(f"无法读取文件：{exc.strerror}")
                    return None
            self.write(f"找不到文件：{candidate}")
            return None
        if not stripped:
            return None
        return Input.parse_text(text)

    def run(self) -> int:
        self.write("年报助手（终端模式）。输入数字选择选项，输入文件路径上传报告，/help 查看帮助，Ctrl-D 退出。")
        self.show(self.service.handle("terminal", self.user, Input(kind="command", text="start"), self.user))
        for line in self.stdin:
            inp = self.to_input(line)
            if inp is None:
                continue
            self.show(self.service.handle("terminal", self.user, inp, self.user))
        self.write("再见！所有回答都已保存，下次运行会从停下的地方继续。")
        return 0
