"""Old Word (.doc) and WPS (.wps) files, converted to .docx by LibreOffice headless in a bounded child process.

Each conversion gets its own throw-away LibreOffice profile (so conversions never wait on each other or
on a running office), a time limit and an address-space limit; without LibreOffice the clerk is told
what to do instead.
"""

from __future__ import annotations

import os
import resource
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

TIMEOUT_SECONDS = 9  # with process start, a .doc is answered within 10 s
MEMORY_BYTES = 500 * 1024 * 1024
OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
RTF = b"{\\rtf"
NO_OFFICE = "这是旧版Word（.doc）或WPS文件，本系统未安装LibreOffice，无法转换；请在Word或WPS中另存为.docx后再上传。"


class ConversionError(Exception):
    """The file could not be converted; the message says why, in Chinese."""


def is_old_office(data: bytes, name: str) -> bool:
    return data.startswith((OLE, RTF)) or name.lower().endswith((".doc", ".wps"))


def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def _limits() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_BYTES, MEMORY_BYTES))


def convert_to_docx(data: bytes, name: str) -> bytes:
    """The .docx LibreOffice makes of an old Word or WPS file."""
    program = soffice()
    if program is None:
        raise ConversionError(NO_OFFICE)
    suffix = ".rtf" if data.startswith(RTF) else ".wps" if name.lower().endswith(".wps") else ".doc"
    with tempfile.TemporaryDirectory(prefix="nianbao-office-") as tmp:
        work = Path(tmp)
        source = work / f"report{suffix}"
        source.write_bytes(data)
        command = [
            program, f"-env:UserInstallation={(work / 'profile').as_uri()}", "--headless", "--norestore",
            "--convert-to", "docx:MS Word 2007 XML", "--outdir", str(work / "out"), str(source),
        ]  # fmt: skip
        try:
            process = subprocess.Popen(
                command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, preexec_fn=_limits, start_new_session=True
            )
        except OSError as exc:
            raise ConversionError(f"无法启动LibreOffice：{exc.strerror or exc}") from None
        try:
            process.wait(timeout=TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)  # soffice starts helpers in its own session: end them all
            process.wait()
            raise ConversionError(f"转换旧版Word/WPS文件超时（超过{TIMEOUT_SECONDS}秒），文件可能已损坏。") from None
        out = work / "out" / "report.docx"
        if not out.exists() or out.stat().st_size == 0:
            raise ConversionError("无法转换这个旧版Word/WPS文件，文件可能已损坏；请在Word或WPS中另存为.docx后再上传。")
        return out.read_bytes()
