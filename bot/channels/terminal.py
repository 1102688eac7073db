"""The interview in a terminal: lines in, text out; buttons become numbered choices, files are paths.

Type the number of a choice, any answer, a command such as /menu, or the path of a .docx/.txt/.json
file to upload it. Documents the bot sends are written to the data directory.
"""

from __future__ import annotations

import getpass
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

from bot.files import private_dir, safe_filename, write_atomic
from bot.importer import READABLE
from bot.interview.types import Button, Input, Outcome
from bot.service import Service

LINE_LIMIT = 4095  # bytes a terminal in canonical mode keeps of one line (Linux N_TTY_BUF_SIZE - 1)
MULTI_START, MULTI_END = "<<<", ">>>"


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
            if reply.text:
                self.write(reply.text)
            if reply.document:
                name, data = reply.document
                path = private_dir(self.out_dir) / safe_filename(name)
                write_atomic(path, data)
                self.write(f"【文件已保存】{path}")
            if reply.buttons:
                self.choices = [b for row in reply.buttons for b in row]
                self.write("  ".join(f"[{i}] {b.label}" for i, b in enumerate(self.choices, start=1)))
        self.write()

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

    def warn_if_cut(self, line: str) -> None:
        """A terminal in line mode keeps at most 4095 bytes of a line and drops the rest without a word."""
        if len(line.rstrip("\n").encode("utf-8")) >= LINE_LIMIT:
            self.write(
                f"（注意：这一行有{len(line.rstrip(chr(10)).encode('utf-8'))}字节，已达终端单行输入的上限{LINE_LIMIT}字节，"
                f"后面的内容很可能被截掉了。长文字请输入 {MULTI_START} 进入多行模式分行粘贴（以单独一行 {MULTI_END} 结束），"
                "或存为.txt文件后输入文件路径。请核对下面报告的字数。）"
            )

    def inputs(self) -> Iterator[Input]:
        """The inputs typed: a line each, or the lines between <<< and >>> as one text (long answers)."""
        block: list[str] | None = None
        for line in self.stdin:
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

    def run(self) -> int:
        self.write(f"年报助手（终端模式）。输入数字选择选项，输入文件路径上传报告，{MULTI_START} 开始多行输入，/help 查看帮助，Ctrl-D 退出。")
        self.show(self.service.handle("terminal", self.user, Input(kind="command", text="start"), self.user))
        for inp in self.inputs():
            self.show(self.service.handle("terminal", self.user, inp, self.user))
        self.write("再见！所有回答都已保存，下次运行会从停下的地方继续。")
        return 0
