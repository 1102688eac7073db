"""Reads a scanned PDF or a photo with the offline OCR engine, in a child process of its own (issue 27).

Run by bot/importer/scan.py with the file on stdin and its name as the argument. It caps its own memory
and CPU time and lowers its priority first; the parent gives it a hard wall-clock limit and kills it
when the parent dies. The engine (rapidocr-onnxruntime, the `ocr` extra: PP-OCRv4 models shipped in the
package, nothing downloaded) reads each page; the boxes are turned upright and grouped into lines
(scanlayout.py), and a table cell the detector missed is read again from its slot.
Output: {"ok": true, "pages": n, "lines": [page: [line: [[text, score, x0, x1, found], ...]]]}
or {"ok": false, "reason": "<one line in Chinese>"}.
"""

from __future__ import annotations

import io
import json
import os
import resource
import sys
from typing import Any

MEMORY_BYTES = 2500 * 1024 * 1024  # address space: the engine maps ~1.4 GB; its resident peak is ~0.8 GB
CPU_SECONDS = 240  # summed over the engine's threads
NICE = 10
MAX_PAGES = 20
DPI = 150
MAX_SIDE = 2500  # a phone photo is scaled down to this before reading (the detector works at ~1300 px)
MAX_PIXELS = 60_000_000  # a picture claiming more is a decompression bomb
MISSING = "本机未安装文字识别组件"


def limit() -> None:
    """Killed with the server (Linux: PR_SET_PDEATHSIG), low priority, capped in memory and CPU time."""
    parent = os.getppid()
    try:
        import ctypes
        import signal

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # not Linux: the parent's wall-clock limit still ends it
        pass
    if os.getppid() != parent:  # the parent died before the request took effect
        os._exit(1)
    os.nice(NICE)
    for what, amount in ((resource.RLIMIT_AS, MEMORY_BYTES), (resource.RLIMIT_CPU, CPU_SECONDS)):
        soft, hard = resource.getrlimit(what)
        cap = amount if hard == resource.RLIM_INFINITY else min(amount, hard)
        resource.setrlimit(what, (cap, hard))


def pages_of(data: bytes) -> list[Any]:
    """The file's pages as PIL images: a PDF's rendered at 150 dpi, a photo upright (its EXIF turn applied)."""
    from PIL import Image, ImageOps

    Image.MAX_IMAGE_PIXELS = MAX_PIXELS
    if data.lstrip()[:5] == b"%PDF-":
        import pdfplumber

        out = []
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            if len(pdf.pages) > MAX_PAGES:
                raise ValueError(f"扫描件有{len(pdf.pages)}页，超过{MAX_PAGES}页，年报不会这么长，未读取。")
            for page in pdf.pages:
                out.append(page.to_image(resolution=DPI).original.convert("L"))
                page.close()
        return out
    image = ImageOps.exif_transpose(Image.open(io.BytesIO(data)))
    image = image.convert("L")
    if max(image.size) > MAX_SIDE:
        image.thumbnail((MAX_SIDE, MAX_SIDE))
    return [image]


def read_page(engine: Any, image: Any) -> list[list[Any]]:
    from bot.importer import scanlayout

    boxes, _ = engine(image, use_cls=False)  # scans and photos stand upright (a photo's EXIF turn is applied)
    boxes = boxes or []
    centre = (image.width / 2, image.height / 2)
    angle = scanlayout.skew(boxes)
    # a doubtful speck ('√' 0.35 where a digit stands) is no reading: its cell is read again below
    page = scanlayout.lines([t for t in scanlayout.tokens(boxes, angle, centre) if not scanlayout.is_speck(t)])
    for slot in scanlayout.empty_slots(page, angle, centre):
        (x, y), (w, h) = slot.centre, slot.size
        crop = image.crop((int(x - w / 2), int(y - h / 2), int(x + w / 2), int(y + h / 2)))
        got, _ = engine(crop, use_cls=False)  # the detector on the cell alone finds what it missed on the page
        found = sorted(got or [], key=lambda box: -float(box[2]))
        text, score = (str(found[0][1]), float(found[0][2])) if len(found) == 1 else ("", 0.0)
        scanlayout.fill(page, slot, text, score)
    return scanlayout.page_json(page, image.width)


def read(data: bytes) -> dict[str, Any]:
    try:
        from rapidocr_onnxruntime import RapidOCR
    except ImportError:
        return {"ok": False, "missing": True, "reason": MISSING}
    try:
        images = pages_of(data)
    except ValueError as exc:
        return {"ok": False, "reason": str(exc) if str(exc).startswith("扫描件") else "图片或PDF无法打开，可能已损坏。"}
    except Exception as exc:  # PIL and pdfminer raise many types for a broken file
        name = type(exc).__name__
        if "DecompressionBomb" in name:
            return {"ok": False, "reason": "图片像素过多，可能是异常文件，未读取。"}
        return {"ok": False, "reason": f"图片或PDF已损坏或格式不正确，无法读取（{name}）。"}
    # small isolated digits are what a table holds: a lower box threshold keeps them
    engine = RapidOCR(det_box_thresh=0.3, text_score=0.3, print_verbose=False)
    return {"ok": True, "pages": len(images), "lines": [read_page(engine, image) for image in images]}


def main() -> None:
    limit()
    data = sys.stdin.buffer.read()
    try:
        out = read(data)
    except MemoryError:
        out = {"ok": False, "reason": "文字识别超出内存限制，可能是异常文件，未读取。"}
    sys.stdout.write(json.dumps(out, ensure_ascii=False))


if __name__ == "__main__":
    main()
