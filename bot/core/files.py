"""Files the product writes: private to the operator's account, never half-written, never outside their folder.

Reports, the database and invite tokens are the units' business: nobody else on the server may read them,
whatever the umask of the shell that started the bot. An output is written to a temporary file beside it and
renamed, so a crash or a full disk leaves the old file or none, never a truncated one.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

PRIVATE_DIR = 0o700
PRIVATE_FILE = 0o600
# Characters no file name may hold on Windows, Linux or in a zip, and control characters.
_UNSAFE = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*]')
MAX_NAME = 120  # characters of a file name's stem; Chinese unit names are far shorter


def private_process() -> None:
    """Every file and folder this process creates from now on is readable by its owner only."""
    os.umask(0o077)


def private_dir(path: Path) -> Path:
    """Create `path` (and parents) if needed, and make it 0700 even if it existed before."""
    path.mkdir(parents=True, exist_ok=True, mode=PRIVATE_DIR)
    os.chmod(path, PRIVATE_DIR)
    return path


def make_private(path: Path) -> None:
    """Make an existing file 0600 (a database made by an earlier release, its WAL and shared memory)."""
    if path.is_file():
        os.chmod(path, PRIVATE_FILE)


def safe_filename(name: str, fallback: str = "年报") -> str:
    """A file name from any text (a unit name from an upload may be `../../x` or `/etc/passwd`): no folder
    separators, no control characters, no leading dots, bounded length."""
    stem, dot, ext = name.rpartition(".") if "." in name[-8:] else (name, "", "")
    cleaned = _UNSAFE.sub("_", stem).strip().lstrip(".").strip()[:MAX_NAME]
    ext = _UNSAFE.sub("", ext)[:8]
    return (cleaned or fallback) + (dot + ext if ext else "")


def write_atomic(path: Path, data: bytes, mode: int = PRIVATE_FILE) -> None:
    """Write `data` to `path` through a temporary file in the same folder and a rename."""
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temp, mode)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
