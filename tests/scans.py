"""Scans and photos of the project's own sample reports (issue 27, item 6): each report with its planted
problems rendered by LibreOffice, rasterized at 150 dpi with pdftoppm, turned a little and speckled with
Pillow, and saved as a PDF of pictures only (no text layer) or as a photo (.jpg).

Used by tests/test_scan_ocr.py and bench/check.py --scan.
"""

from __future__ import annotations

import io
import random
import shutil
import subprocess
import tempfile
from pathlib import Path

from forms import soffice, via_libreoffice

from bot.core.report import Report

DPI = 150


def tools_missing() -> str | None:
    if soffice() is None:
        return "LibreOffice (soffice) is not installed"
    if shutil.which("pdftoppm") is None:
        return "poppler-utils (pdftoppm) is not installed"
    return None


def pages(pdf: bytes) -> list:  # type: ignore[type-arg]
    """The PDF's pages as grey pictures at 150 dpi (pdftoppm)."""
    from PIL import Image

    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "r.pdf").write_bytes(pdf)
        subprocess.run(["pdftoppm", "-r", str(DPI), "-gray", "-png", "r.pdf", "p"], cwd=tmp, check=True, timeout=120)
        return [Image.open(p).copy() for p in sorted(Path(tmp).glob("p-*.png"), key=lambda p: int(p.stem.split("-")[1]))]


def scanned(image, rng: random.Random, max_skew: float = 1.5, noise: float = 0.004):  # type: ignore[no-untyped-def]
    """A page as a scanner gives it: turned by up to `max_skew` degrees, grey speckles, a slight blur."""
    from PIL import ImageFilter

    page = image.convert("L").rotate(rng.uniform(-max_skew, max_skew), resample=3, expand=False, fillcolor=255)
    pixels = page.load()
    width, height = page.size
    for _ in range(int(width * height * noise)):
        x, y = rng.randrange(width), rng.randrange(height)
        pixels[x, y] = rng.choice((0, 60, 120, 200))  # type: ignore[index]
    return page.filter(ImageFilter.GaussianBlur(0.5))


def scan_pdf(report: Report, seed: int = 0, first: int = 0, last: int | None = None, holding: tuple[str, ...] = ()) -> bytes:
    """The report as a scanned PDF (pages `first`..`last`, or the pages holding those texts), pictures only."""
    rng = random.Random(seed)
    pdf = via_libreoffice(report, "pdf")
    chosen = pages(pdf)
    chosen = [chosen[page_holding(pdf, text)] for text in holding] if holding else chosen[first:last]
    images = [scanned(p, rng) for p in chosen]
    out = io.BytesIO()
    images[0].save(out, "PDF", save_all=True, append_images=images[1:], resolution=DPI)
    return out.getvalue()


def page_holding(pdf: bytes, text: str) -> int:
    """The first page of the PDF whose text (spaces left out) holds `text`."""
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "r.pdf").write_bytes(pdf)
        done = subprocess.run(["pdftotext", "r.pdf", "-"], cwd=tmp, capture_output=True, check=True, timeout=60)
    for n, page in enumerate(done.stdout.decode("utf-8").split("\f")):
        if text in "".join(page.split()):
            return n
    raise ValueError(f"no page holds {text}")


def photo(report: Report, holding: str, seed: int = 0) -> bytes:
    """The page of the report holding `holding` as a phone photo (.jpg)."""
    pdf = via_libreoffice(report, "pdf")
    image = scanned(pages(pdf)[page_holding(pdf, holding)], random.Random(seed), max_skew=2.5)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=80)
    return out.getvalue()
