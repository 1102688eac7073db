"""Every hostile file, whatever its form, gives `nianbao import` exit 2 and one Chinese line, in a process
that may use no more than 500 MB of address space (children included), well within the time limit."""

from __future__ import annotations

import io
import resource
import shutil
import subprocess
import sys
import zipfile
import zlib
from pathlib import Path

import pytest
from test_import_pdf import FONT, PAGE, _stream, make_pdf

from bot.importer.office import OLE

LIMIT = 500 * 1024 * 1024
NIANBAO = Path(sys.executable).with_name("nianbao")


def _pdf_page_bomb() -> bytes:
    return make_pdf([b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 5000000 >>", PAGE, _stream(b""), FONT])


def _pdf_stream_bomb() -> bytes:
    packer = zlib.compressobj(9)
    packed = b"".join(packer.compress(b"\x00" * (1 << 20)) for _ in range(2048)) + packer.flush()
    return make_pdf(
        [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>", PAGE, _stream(packed, b"/Filter /FlateDecode"), FONT]
    )


def _docx_bomb() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z, z.open("word/document.xml", "w", force_zip64=True) as member:
        for _ in range(1024):
            member.write(b"<w:p/>" * 174763)
    return buffer.getvalue()


HOSTILE = {
    "page-bomb.pdf": _pdf_page_bomb,
    "stream-bomb.pdf": _pdf_stream_bomb,
    "truncated.pdf": lambda: make_pdf([b"<< /Type /Catalog /Pages 2 0 R >>"])[:60],
    "elements.html": lambda: b"<html><body>" + b"<p>x</p>" * 1_000_000 + b"</body></html>",
    "zip-bomb.docx": _docx_bomb,
    "long.txt": lambda: ("一、总体情况\n" + "（二）部分公开 1 2 3\n" * 700_000).encode("utf-8"),
    "corrupt.doc": lambda: OLE + bytes(range(256)) * 4000,
}


def _limit() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (LIMIT, LIMIT))


@pytest.mark.timeout(120)
@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_file_exits_2_with_one_line_under_500_mb(name, tmp_path):
    if name.endswith(".doc") and not (shutil.which("soffice") or shutil.which("libreoffice")):
        pytest.skip("needs LibreOffice (soffice) for .doc")
    data = HOSTILE[name]()
    assert len(data) <= 20 * 1024 * 1024  # every file is within the upload limit
    path = tmp_path / name
    path.write_bytes(data)
    done = subprocess.run(
        [str(NIANBAO), "import", str(path), "-o", str(tmp_path / "out.json")], check=False, capture_output=True, timeout=60, preexec_fn=_limit
    )
    err = done.stderr.decode("utf-8").strip().splitlines()
    assert done.returncode == 2, err
    assert len(err) == 1 and err[0].startswith("无法读取") and "Traceback" not in err[0]
    assert not (tmp_path / "out.json").exists()
