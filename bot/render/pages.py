"""Pictures of the pages: the .docx through LibreOffice to PDF, the PDF through pdftoppm to PNG.

The core of "look before you download": the bot sends the PNGs as an album (readable on a phone)
and the PDF beside the .docx; `nianbao render --pdf --png` writes them. Both conversions run as
subprocesses with time limits in a private temporary directory, so a call is safe off the chat's
hot path in a thread or worker; at most MAX_RENDERS run at once, and a report rendered before
(same content, whatever its time stamps) is answered from memory. The PDF comes from a warm
LibreOffice kept running (bot/render/warm.py) where python3-uno is installed, else from a cold one.

Measured (docs/render.md): pdftoppm's own PNG writer took 0.17 CPU-s a page; it rasterises to PPM
in 0.015 s a page, and Pillow writes a 64-colour PNG of that in about 0.04 s, a third of the bytes.
"""

from __future__ import annotations

import hashlib
import io
import re
import shutil
import subprocess
import tempfile
import threading
import zipfile
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image

from bot.render.pdf import TIMEOUT_S, PdfError, PdfUnavailable, convert_to_pdf, find_soffice, libreoffice_ready
from bot.render.warm import warm_office

PNG_DPI = 110  # an A4 page 910 × 1287 px: sharp on a phone, well under Telegram's photo limits
PNG_COLOURS = 64  # anti-aliased black text, the red draft mark and the shading fit; a third of RGB's bytes
PDFTOPPM_TIMEOUT_S = 60
WARM_TIMEOUT_S = 60  # the warm office gets this long before it is stopped and the document converted cold
MAX_RENDERS = 2  # LibreOffice runs at once (one per core); more wait their turn
CACHED = 16  # reports whose pages are kept in memory (about 1 MB each)
PAGE_NUMBER = re.compile(r"-(\d+)\.ppm$")
STAMPS = "docProps/core.xml"  # created/modified times: not part of what the pages show


@dataclass
class _Rendered:
    pdf: bytes
    pngs: dict[int, list[bytes]] = field(default_factory=dict)  # by dpi


_turns = threading.BoundedSemaphore(MAX_RENDERS)
_cache: OrderedDict[str, _Rendered] = OrderedDict()
_cache_lock = threading.Lock()


class PngUnavailable(PdfError):
    """No pdftoppm (poppler-utils) on this machine."""


def _cached(key: str) -> _Rendered | None:
    with _cache_lock:
        found = _cache.get(key)
        if found is not None:
            _cache.move_to_end(key)
        return found


def pdf_bytes(docx_bytes: bytes, *, soffice: str | None = None, timeout_s: float = TIMEOUT_S) -> bytes:
    """The PDF of a .docx given as bytes; the same content again comes from memory."""
    key = content_key(docx_bytes)
    found = _cached(key)
    if found is not None:
        return found.pdf
    binary = soffice or find_soffice()
    office = warm_office(binary) if binary else None
    with _turns, tempfile.TemporaryDirectory(prefix="nianbao-pdf-") as work:
        source, warm_source, warm_pdf = (Path(work) / name for name in ("report.docx", "warm.docx", "warm.pdf"))
        source.write_bytes(docx_bytes)
        warm_source.write_bytes(libreoffice_ready(docx_bytes))
        if office is not None and office.convert(warm_source, warm_pdf, min(timeout_s, WARM_TIMEOUT_S)):
            pdf = warm_pdf.read_bytes()
        else:  # LibreOffice started for this document alone (and it says why when it cannot)
            pdf = convert_to_pdf(source, Path(work), soffice=soffice, timeout_s=timeout_s).read_bytes()
    with _cache_lock:
        _cache[key] = _cache.get(key) or _Rendered(pdf)
        while len(_cache) > CACHED:
            _cache.popitem(last=False)
    return pdf


def pdf_pages(pdf: bytes, *, dpi: int = PNG_DPI, pdftoppm: str | None = None) -> list[bytes]:
    """Each page of a PDF as a PNG, in page order."""
    binary = pdftoppm or shutil.which("pdftoppm")
    if binary is None:
        raise PngUnavailable("未找到pdftoppm，无法生成页面图片。请安装poppler-utils（apt-get install poppler-utils）。")
    with tempfile.TemporaryDirectory(prefix="nianbao-png-") as work:
        source = Path(work) / "report.pdf"
        source.write_bytes(pdf)
        command = [binary, "-r", str(dpi), str(source), str(Path(work) / "page")]
        try:
            done = subprocess.run(command, capture_output=True, timeout=PDFTOPPM_TIMEOUT_S, check=False)
        except subprocess.TimeoutExpired:
            raise PdfError(f"生成页面图片超过{PDFTOPPM_TIMEOUT_S}秒仍未完成，已放弃。") from None
        pages = sorted(Path(work).glob("page-*.ppm"), key=_page_number)
        if done.returncode != 0 or not pages:
            detail = f"pdftoppm返回码{done.returncode}。{done.stderr.decode(errors='replace').strip()[-200:]}"
            raise PdfError(f"未能生成页面图片（{detail if done.returncode else '没有页面'}）。")
        return [_png(page) for page in pages]


def _png(ppm: Path) -> bytes:
    with Image.open(ppm) as image:
        out = io.BytesIO()
        image.quantize(PNG_COLOURS, method=Image.Quantize.FASTOCTREE).save(out, "PNG", compress_level=1)
        return out.getvalue()


def _page_number(path: Path) -> int:
    found = PAGE_NUMBER.search(path.name)
    return int(found.group(1)) if found else 0


def content_key(docx_bytes: bytes) -> str:
    """A hash of what the pages show: every part of the .docx but its time stamps."""
    digest = hashlib.sha256()
    try:
        with zipfile.ZipFile(io.BytesIO(docx_bytes)) as package:
            for info in sorted(package.infolist(), key=lambda i: i.filename):
                if info.filename != STAMPS:
                    digest.update(info.filename.encode() + b"\0" + package.read(info) + b"\0")
    except (zipfile.BadZipFile, KeyError, ValueError):
        digest.update(docx_bytes)
    return digest.hexdigest()


def render_pages(
    docx_bytes: bytes, *, dpi: int = PNG_DPI, soffice: str | None = None, timeout_s: float = TIMEOUT_S
) -> tuple[bytes, list[bytes]]:
    """(PDF, one PNG per page) of a rendered .docx; the same content again comes from memory.

    Raises PdfUnavailable without LibreOffice, PngUnavailable without pdftoppm, PdfError when a
    conversion fails or runs out of time; each message says why in Chinese, for the clerk.
    """
    key = content_key(docx_bytes)
    found = _cached(key)
    if found is not None and dpi in found.pngs:
        return found.pdf, found.pngs[dpi]
    pdf = pdf_bytes(docx_bytes, soffice=soffice, timeout_s=timeout_s)
    pngs = pdf_pages(pdf, dpi=dpi)
    with _cache_lock:
        _cache.setdefault(key, _Rendered(pdf)).pngs[dpi] = pngs
    return pdf, pngs


def forget_pages() -> None:
    """Empty the cache (tests and benchmarks that time a first render)."""
    with _cache_lock:
        _cache.clear()


__all__ = [
    "PNG_DPI",
    "PdfError",
    "PdfUnavailable",
    "PngUnavailable",
    "content_key",
    "forget_pages",
    "pdf_bytes",
    "pdf_pages",
    "render_pages",
]
