"""Old Word (.doc) and WPS (.wps) files, converted to .docx by LibreOffice headless in a bounded child process.

Each conversion gets its own throw-away LibreOffice profile (so conversions never wait on each other or
on a running office), a time limit and an address-space limit; without LibreOffice the clerk is told
what to do instead.
"""

from __future__ import annotations

import functools
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


def is_rtf(data: bytes) -> bool:
    return data[:256].lstrip(b"\xef\xbb\xbf \t\r\n").startswith(RTF)


def is_old_office(data: bytes, name: str) -> bool:
    """Word 97–2003 / WPS (an OLE file) or RTF by content, or a .doc/.wps by name."""
    return data.startswith(OLE) or is_rtf(data) or name.lower().endswith((".doc", ".wps"))


def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


# The conversion profile: linked content (pictures, OLE objects, DDE, other files) is never fetched or
# updated, and no macro runs. Written into each throw-away profile before LibreOffice starts.
PROFILE_SETTINGS = {
    "/org.openoffice.Office.Common/Security/Scripting": {
        "BlockUntrustedRefererLinks": ("boolean", "true"),  # no linked picture or other link is loaded
        "DisableMacrosExecution": ("boolean", "true"),
        "MacroSecurityLevel": ("int", "3"),
    },
    "/org.openoffice.Office.Writer/Content/Update": {"Link": ("int", "2")},  # links: never updated
    "/org.openoffice.Office.Calc/Content/Update": {"Link": ("int", "2")},
    "/org.openoffice.Office.Common/Misc": {"FirstRun": ("boolean", "false")},
}


def write_profile(profile: Path) -> None:
    """A LibreOffice user profile holding PROFILE_SETTINGS (registrymodifications.xcu)."""
    items = [
        f'<item oor:path="{path}"><prop oor:name="{name}" oor:op="fuse"><value>{value}</value></prop></item>'
        for path, props in PROFILE_SETTINGS.items()
        for name, (_, value) in props.items()
    ]
    user = profile / "user"
    user.mkdir(parents=True, exist_ok=True)
    (user / "registrymodifications.xcu").write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">\n' + "\n".join(items) + "\n</oor:items>\n",
        encoding="utf-8",
    )


@functools.cache
def no_network() -> list[str]:
    """The command prefix that starts a program in a network namespace of its own (no interface but a
    loopback that is down), when this system allows it (`unshare -rn`: a user namespace, no privilege)."""
    program = shutil.which("unshare")
    if program is None:
        return []
    try:
        done = subprocess.run([program, "-rn", "true"], capture_output=True, timeout=5, check=False)
    except (OSError, subprocess.SubprocessError):
        return []
    return [program, "-rn"] if done.returncode == 0 else []


def _limits() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_BYTES, MEMORY_BYTES))


def convert_to_docx(data: bytes, name: str) -> bytes:
    """The .docx LibreOffice makes of an old Word or WPS file."""
    program = soffice()
    if program is None:
        raise ConversionError(NO_OFFICE)
    suffix = ".rtf" if is_rtf(data) else ".wps" if name.lower().endswith(".wps") else ".doc"
    with tempfile.TemporaryDirectory(prefix="nianbao-office-") as tmp:
        work = Path(tmp)
        source = work / f"report{suffix}"
        source.write_bytes(data)
        write_profile(work / "profile")
        command = [
            *no_network(), program, f"-env:UserInstallation={(work / 'profile').as_uri()}", "--headless", "--norestore",
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
