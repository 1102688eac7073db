"""Pictures of the pages: the .docx through LibreOffice to PDF, the PDF through pdftoppm to PNG.

The core of "look before you download": the bot sends the PNGs as an album (readable on a phone)
and the PDF beside the .docx; `nianbao render --pdf --png` writes them. Both conversions run as
subprocesses with time limits in a private temporary directory, so a call is safe off the chat's
hot path in a thread or worker.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from bot.render.pdf import TIMEOUT_S, PdfError, PdfUnavailable, convert_to_pdf

PNG_DPI = 110  # an A4 page 910 × 1286 px: sharp on a phone, well under Telegram's photo limits
PDFTOPPM_TIMEOUT_S = 60
PAGE_NUMBER = re.compile(r"-(\d+)\.png$")
PDF_PAGE = re.compile(rb"/Type\s*/Page(?![a-zA-Z])")  # page objects of LibreOffice's uncompressed page tree


class PngUnavailable(PdfError):
    """No pdftoppm (poppler-utils) on this machine."""


def pdf_bytes(docx_bytes: bytes, *, soffice: str | None = None, timeout_s: float = TIMEOUT_S) -> bytes:
    """The PDF of a .docx given as bytes."""
    with tempfile.TemporaryDirectory(prefix="nianbao-pdf-") as work:
        source = Path(work) / "report.docx"
        source.write_bytes(docx_bytes)
        return convert_to_pdf(source, Path(work), soffice=soffice, timeout_s=timeout_s).read_bytes()


def pdf_pages(pdf: bytes, *, dpi: int = PNG_DPI, pdftoppm: str | None = None) -> list[bytes]:
    """Each page of a PDF as a PNG, in page order."""
    binary = pdftoppm or shutil.which("pdftoppm")
    if binary is None:
        raise PngUnavailable("未找到pdftoppm，无法生成页面图片。请安装poppler-utils（apt-get install poppler-utils）。")
    with tempfile.TemporaryDirectory(prefix="nianbao-png-") as work:
        source = Path(work) / "report.pdf"
        source.write_bytes(pdf)
        # odd and even pages in two processes: rasterising the Chinese glyphs is the slow part
        command = [binary, "-png", "-r", str(dpi), str(source), str(Path(work) / "page")]
        halves = [["-o"], ["-e"]] if len(PDF_PAGE.findall(pdf)) > 1 else [[]]
        runs = [
            subprocess.Popen([binary, *half, *command[1:]], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            for half in halves
        ]
        failures = []
        try:
            for process in runs:
                _, stderr = process.communicate(timeout=PDFTOPPM_TIMEOUT_S)
                if process.returncode != 0:
                    failures.append(f"pdftoppm返回码{process.returncode}。{stderr.decode(errors='replace').strip()[-200:]}")
        except subprocess.TimeoutExpired:
            for process in runs:
                process.kill()
                process.wait()
            raise PdfError(f"生成页面图片超过{PDFTOPPM_TIMEOUT_S}秒仍未完成，已放弃。") from None
        pages = sorted(Path(work).glob("page-*.png"), key=_page_number)
        if failures or not pages:
            raise PdfError(f"未能生成页面图片（{'；'.join(failures) or '没有页面'}）。")
        return [page.read_bytes() for page in pages]


def _page_number(path: Path) -> int:
    found = PAGE_NUMBER.search(path.name)
    return int(found.group(1)) if found else 0


def render_pages(
    docx_bytes: bytes, *, dpi: int = PNG_DPI, soffice: str | None = None, timeout_s: float = TIMEOUT_S
) -> tuple[bytes, list[bytes]]:
    """(PDF, one PNG per page) of a rendered .docx.

    Raises PdfUnavailable without LibreOffice, PngUnavailable without pdftoppm, PdfError when a
    conversion fails or runs out of time; each message says why in Chinese, for the clerk.
    """
    pdf = pdf_bytes(docx_bytes, soffice=soffice, timeout_s=timeout_s)
    return pdf, pdf_pages(pdf, dpi=dpi)


__all__ = ["PNG_DPI", "PdfError", "PdfUnavailable", "PngUnavailable", "pdf_bytes", "pdf_pages", "render_pages"]
