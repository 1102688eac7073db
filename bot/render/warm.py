"""A warm LibreOffice: one `soffice --accept` kept running, so a conversion costs 0.3–0.5 s instead of
LibreOffice's start-up (1.2 CPU-s, 2–6 s of wall time on the 2-core machine, measured in docs/render.md).

The bot talks to it through a small converter run by the system Python, which has `uno` (Debian's
python3-uno; the bot's own virtualenv does not): bot/render/uno_convert.py, one JSON line per
conversion. Anything unexpected (no python3-uno, the office not answering within the time limit,
a crash) stops the warm office and the caller converts the cold way (bot/render/pdf.py); the next
conversion starts a fresh warm office. NIANBAO_WARM_OFFICE=0 turns it off.
"""

from __future__ import annotations

import atexit
import contextlib
import functools
import json
import os
import secrets
import selectors
import signal
import subprocess
import tempfile
import threading
import time
from pathlib import Path

from bot.core.config import Config
from bot.importer.office import write_profile
from bot.render.pdf import soffice_env

SYSTEM_PYTHON = "/usr/bin/python3"
CONVERTER = Path(__file__).resolve().parent / "uno_convert.py"
START_S = 60  # LibreOffice's first start with a new profile, on a loaded machine
STOP_S = 5


@functools.cache
def has_uno(python: str = SYSTEM_PYTHON) -> bool:
    """Whether the system Python can talk to LibreOffice (python3-uno installed)."""
    try:
        return subprocess.run([python, "-c", "import uno"], capture_output=True, timeout=30, check=False).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


class WarmOffice:
    """One LibreOffice and its converter; conversions one at a time (LibreOffice loads one document at a time anyway)."""

    def __init__(self, soffice: str):
        self.soffice = soffice
        self.lock = threading.Lock()
        self.office: subprocess.Popen[bytes] | None = None
        self.converter: subprocess.Popen[bytes] | None = None
        self.profile: tempfile.TemporaryDirectory[str] | None = None
        self.pending = b""

    def convert(self, source: Path, target: Path, timeout_s: float) -> bool:
        """Convert `source` to the PDF `target`; False when the warm office could not (convert it cold)."""
        with self.lock:
            try:
                if self.converter is None or self.converter.poll() is not None:
                    self._start()
                answer = self._ask({"in": str(source), "out": str(target)}, timeout_s)
            except (OSError, ValueError, TimeoutError):
                self._stop()
                return False
            if answer.get("ok") is True and target.exists():
                return True
            self._stop()  # the office may be gone with the converter still there: the next one starts afresh
            return False

    def _start(self) -> None:
        self._stop()
        self.profile = tempfile.TemporaryDirectory(prefix="nianbao-warm-lo-")
        write_profile(Path(self.profile.name))  # linked content never loaded
        pipe = f"nianbao-{os.getpid()}-{secrets.token_hex(4)}"
        self.office = subprocess.Popen(
            [self.soffice, f"-env:UserInstallation={Path(self.profile.name).as_uri()}", "--headless", "--invisible", "--nologo",
             "--norestore", "--nodefault", f"--accept=pipe,name={pipe};urp;StarOffice.ComponentContext"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=soffice_env(), start_new_session=True,
        )
        self.converter = subprocess.Popen(
            [SYSTEM_PYTHON, "-u", str(CONVERTER), pipe], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
        )
        self.pending = b""
        if self._read(time.monotonic() + START_S).get("ready") is not True:
            raise ValueError("the converter did not connect")

    def _ask(self, request: dict[str, str], timeout_s: float) -> dict[str, object]:
        assert self.converter is not None and self.converter.stdin is not None
        self.converter.stdin.write(json.dumps(request).encode() + b"\n")
        self.converter.stdin.flush()
        return self._read(time.monotonic() + timeout_s)

    def _read(self, deadline: float) -> dict[str, object]:
        """The converter's next line, by `deadline`."""
        assert self.converter is not None and self.converter.stdout is not None
        out = self.converter.stdout
        with selectors.DefaultSelector() as selector:
            selector.register(out, selectors.EVENT_READ)
            while b"\n" not in self.pending:
                left = deadline - time.monotonic()
                if left <= 0 or not selector.select(left):
                    raise TimeoutError("LibreOffice did not answer in time")
                chunk = os.read(out.fileno(), 65536)
                if not chunk:
                    raise ValueError("the converter ended")
                self.pending += chunk
        line, _, self.pending = self.pending.partition(b"\n")
        answer = json.loads(line)
        if not isinstance(answer, dict):
            raise ValueError("not an answer")
        return answer

    def _stop(self) -> None:
        """The converter closes LibreOffice when its input ends; what is still running then is killed."""
        if self.converter is not None:
            with contextlib.suppress(OSError):
                if self.converter.stdin is not None:
                    self.converter.stdin.close()
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.converter.wait(STOP_S)
            if self.converter.poll() is None:
                self.converter.kill()
                self.converter.wait()
            if self.converter.stdout is not None:
                self.converter.stdout.close()
        if self.office is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.office.wait(STOP_S)
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.office.pid, signal.SIGKILL)  # its session: the launcher and soffice.bin
            self.office.wait()
        if self.profile is not None:
            self.profile.cleanup()
        self.converter = self.office = self.profile = None

    def stop(self) -> None:
        with self.lock:
            self._stop()


_offices: dict[str, WarmOffice] = {}
_offices_lock = threading.Lock()


def warm_office(soffice: str) -> WarmOffice | None:
    """The warm office of this LibreOffice binary; None when turned off or without python3-uno."""
    if not Config.load().warm_office or not has_uno():  # read each time: a bench turns it off and on
        return None
    with _offices_lock:
        if soffice not in _offices:
            for other in _offices.values():  # another binary now (PATH changed): one warm office at a time
                other.stop()
            _offices.clear()
            _offices[soffice] = WarmOffice(soffice)
        return _offices[soffice]


def kill_all() -> None:
    """Kill every warm office at once, taking no lock: for a worker told to end (a signal handler), where
    the thread that holds the lock may be the one the signal interrupted."""
    for office in list(_offices.values()):
        for process, group in ((office.office, True), (office.converter, False)):
            if process is None:
                continue
            with contextlib.suppress(ProcessLookupError, PermissionError, OSError):
                if group:
                    os.killpg(process.pid, signal.SIGKILL)  # its session: the launcher and soffice.bin
                else:
                    process.kill()
        if office.profile is not None:
            with contextlib.suppress(OSError):
                office.profile.cleanup()


@atexit.register
def stop_all() -> None:
    """Stop every warm office (at exit, and for tests)."""
    with _offices_lock:
        for office in _offices.values():
            office.stop()
        _offices.clear()
