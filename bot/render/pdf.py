"""PDF from the rendered .docx through LibreOffice, the converter a county office can install for free."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

SOFFICE_NAMES = ("soffice", "libreoffice")
TIMEOUT_S = 180


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


def convert_to_pdf(
    docx_path: Path, out_dir: Path, *, soffice: str | None = None, search_path: str | None = None
) -> Path:
    """Convert with `soffice --headless --convert-to pdf`; returns the PDF's path in `out_dir`.

    A private LibreOffice profile is used for each run, so that a LibreOffice window the clerk
    has open (or a stale lock of a crashed one) cannot block or swallow the conversion.
    """
    binary = soffice or find_soffice(search_path)
    if binary is None:
        raise PdfUnavailable(
            "未找到LibreOffice（soffice/libreoffice命令），无法生成PDF。"
            "请先安装LibreOffice（Debian/Ubuntu：apt-get install libreoffice-writer-nogui fonts-noto-cjk），"
            "或直接使用已生成的Word文件。"
        )
    docx_path = Path(docx_path)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / f"{docx_path.stem}.pdf"
    target.unlink(missing_ok=True)  # a PDF left from an earlier run must not pass for this one
    with tempfile.TemporaryDirectory(prefix="nianbao-lo-") as profile:
        command = [
            binary,
            f"-env:UserInstallation={Path(profile).as_uri()}",
            "--headless",
            "--norestore",
            "--convert-to",
            "pdf",
            "--outdir",
            str(out_dir),
            str(docx_path),
        ]
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT_S, check=False)
        except FileNotFoundError:
            raise PdfUnavailable(f"无法运行LibreOffice（{binary}），无法生成PDF。请检查LibreOffice是否已正确安装。") from None
        except subprocess.TimeoutExpired:
            raise PdfError(f"LibreOffice转换PDF超过{TIMEOUT_S}秒仍未完成，已放弃。请稍后重试。") from None
    if done.returncode != 0 or not target.exists():
        detail = (done.stderr or done.stdout).strip()[-300:]
        raise PdfError(f"LibreOffice未能将{docx_path.name}转换为PDF（返回码{done.returncode}）。{detail}")
    return target
