"""PDF from the rendered .docx through LibreOffice, the converter a county office can install for free.

LibreOffice runs in a subprocess with a private profile and the project's font configuration
(bot/render/fonts.conf, through FONTCONFIG_FILE): the Windows fonts the document names are
matched, by role, to the free fonts installed with it, whatever the server's own configuration.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
import zipfile
from collections.abc import Sequence
from pathlib import Path

from lxml import etree

from bot.importer.office import write_profile
from bot.render.lo_compat import libreoffice_copy

SOFFICE_NAMES = ("soffice", "libreoffice")
TIMEOUT_S = 180
FONTS_CONF = Path(__file__).resolve().parent / "fonts.conf"


class PdfError(RuntimeError):
    """The PDF could not be made; the message says why, in Chinese."""


class PdfUnavailable(PdfError):
    """No LibreOffice on this machine."""


def find_soffice(search_path: str | None = None) -> str | None:
    """The LibreOffice binary on `search_path` (default: PATH), under either of its names."""
    for name in SOFFICE_NAMES:
        found = shutil.which(name, path=search_path)
        if found:
            return found
    return None


def soffice_env() -> dict[str, str]:
    """The environment of the LibreOffice subprocess: ours, with the project's font configuration."""
    env = dict(os.environ)
    env["FONTCONFIG_FILE"] = str(FONTS_CONF)
    return env


def libreoffice_ready(data: bytes) -> bytes:
    """The .docx as LibreOffice should read it (bot/render/lo_compat.py); one this project did not
    write as it is (LibreOffice reads it, or says why not)."""
    with contextlib.suppress(zipfile.BadZipFile, etree.XMLSyntaxError, KeyError, ValueError):
        return libreoffice_copy(data)
    return data


def _libreoffice_copies(docx_paths: Sequence[Path], into: Path) -> list[Path]:
    """Each .docx as LibreOffice should read it, under its own name."""
    into.mkdir()
    copies = []
    for path in docx_paths:
        copy = into / Path(path).name
        copy.write_bytes(libreoffice_ready(Path(path).read_bytes()))
        copies.append(copy)
    return copies


def convert_all(
    docx_paths: Sequence[Path],
    out_dir: Path,
    *,
    soffice: str | None = None,
    search_path: str | None = None,
    timeout_s: float = TIMEOUT_S,
) -> list[Path]:
    """Convert with one `soffice --headless --convert-to pdf`; returns the PDFs' paths in `out_dir`.

    A private LibreOffice profile is used for each run, so that a LibreOffice window the clerk
    has open (or a stale lock of a crashed one) cannot block or swallow the conversion.
    """
    binary = soffice or find_soffice(search_path)
    if binary is None:
        raise PdfUnavailable(
            "未找到LibreOffice（soffice/libreoffice命令），无法生成PDF。"
            "请先安装LibreOffice（Debian/Ubuntu：apt-get install libreoffice-writer-nogui fonts-noto-cjk fonts-arphic-ukai fonts-liberation2），"
            "或直接使用已生成的Word文件。"
        )
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    targets = [out_dir / f"{Path(p).stem}.pdf" for p in docx_paths]
    for target in targets:
        target.unlink(missing_ok=True)  # a PDF left from an earlier run must not pass for this one
    with tempfile.TemporaryDirectory(prefix="nianbao-lo-") as work:
        profile = Path(work) / "profile"
        write_profile(profile)  # linked content never loaded, as for a clerk's .doc
        sources = _libreoffice_copies(docx_paths, Path(work) / "in")
        command = [
            binary,
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--norestore",
            "--convert-to",
            "pdf",
            "--outdir",
            str(out_dir),
            *(str(p) for p in sources),
        ]
        try:
            done = subprocess.run(
                command, capture_output=True, text=True, timeout=timeout_s, check=False, env=soffice_env()
            )
        except FileNotFoundError:
            raise PdfUnavailable(f"无法运行LibreOffice（{binary}），无法生成PDF。请检查LibreOffice是否已正确安装。") from None
        except subprocess.TimeoutExpired:
            raise PdfError(f"LibreOffice转换PDF超过{timeout_s:g}秒仍未完成，已放弃。请稍后重试。") from None
    missing = [t for t in targets if not t.exists()]
    if done.returncode != 0 or missing:
        detail = (done.stderr or done.stdout).strip()[-300:]
        names = "、".join(Path(p).name for p, t in zip(docx_paths, targets, strict=True) if t in missing) or "文件"
        raise PdfError(f"LibreOffice未能将{names}转换为PDF（返回码{done.returncode}）。{detail}")
    return targets


def convert_to_pdf(
    docx_path: Path,
    out_dir: Path,
    *,
    soffice: str | None = None,
    search_path: str | None = None,
    timeout_s: float = TIMEOUT_S,
) -> Path:
    """Convert one .docx; returns the PDF's path in `out_dir`."""
    return convert_all([Path(docx_path)], out_dir, soffice=soffice, search_path=search_path, timeout_s=timeout_s)[0]
