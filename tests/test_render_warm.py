"""The warm LibreOffice (bot/render/warm.py): converts one report after another without starting again,
and a crash of LibreOffice costs one cold conversion, not the PDF."""

from __future__ import annotations

import io
import os
import shutil
import signal
from pathlib import Path

import pdfplumber
import pytest
from factories import zero_report

from bot.render import render_docx
from bot.render.pages import forget_pages, pdf_bytes
from bot.render.pdf import find_soffice, libreoffice_ready
from bot.render.warm import WarmOffice, has_uno, warm_office


def needs_warm_office() -> str:
    soffice = find_soffice()
    if soffice is None or shutil.which("pdftoppm") is None:
        pytest.skip("needs LibreOffice (apt-get install libreoffice-writer-nogui poppler-utils)")
    if not has_uno():
        pytest.skip("needs python3-uno for the system Python (apt-get install python3-uno) to keep LibreOffice warm")
    return soffice


@pytest.fixture
def source(tmp_path: Path) -> Path:
    buffer = io.BytesIO()
    render_docx(zero_report(2026, "暖启动镇人民政府"), buffer)
    path = tmp_path / "report.docx"
    path.write_bytes(libreoffice_ready(buffer.getvalue()))
    return path


def test_one_office_converts_again_and_again_and_a_crash_costs_one_conversion(tmp_path: Path, source: Path) -> None:
    office = WarmOffice(needs_warm_office())
    try:
        assert office.convert(source, tmp_path / "a.pdf", 60)
        assert office.office is not None
        started = office.office.pid
        assert office.convert(source, tmp_path / "b.pdf", 60)
        assert office.office.pid == started  # the same LibreOffice, not started again
        for name in ("a.pdf", "b.pdf"):
            assert (tmp_path / name).read_bytes().startswith(b"%PDF")
        os.killpg(started, signal.SIGKILL)  # LibreOffice crashes
        office.office.wait()
        assert not office.convert(source, tmp_path / "c.pdf", 60)  # this one the caller converts cold …
        assert office.convert(source, tmp_path / "d.pdf", 60)  # … the next has a new warm office
        assert office.office is not None and office.office.pid != started
    finally:
        office.stop()
    assert office.office is None and office.converter is None


def test_pdf_bytes_uses_the_warm_office_and_can_do_without_it(monkeypatch: pytest.MonkeyPatch, source: Path) -> None:
    soffice = needs_warm_office()
    forget_pages()
    warm = pdf_bytes(source.read_bytes())
    office = warm_office(soffice)
    assert office is not None and office.office is not None and office.office.poll() is None
    forget_pages()
    monkeypatch.setenv("NIANBAO_WARM_OFFICE", "0")
    assert warm_office(soffice) is None
    cold = pdf_bytes(source.read_bytes())
    warm_pages, cold_pages = pages_text(warm), pages_text(cold)
    assert len(warm_pages) == len(cold_pages) >= 3 and "暖启动镇人民政府" in warm_pages[0]
    assert [t.split() for t in warm_pages] == [t.split() for t in cold_pages]  # the same document, page by page


def pages_text(pdf: bytes) -> list[str]:
    with pdfplumber.open(io.BytesIO(pdf)) as document:
        return [page.extract_text() or "" for page in document.pages]
