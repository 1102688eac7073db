"""Look before you download: /preview sends the pages as pictures and /docx a PDF beside the .docx, in
Telegram (the real PTB application against the fake Bot API), the terminal and the web page.

LibreOffice runs off the chat's hot path: a wrapper in front of the real `soffice` holds each
conversion until the test opens its gate, so "another clerk is answered meanwhile" is an order of
events, not a timing. Tests that convert skip without LibreOffice and pdftoppm (CI installs them).
"""

from __future__ import annotations

import io
import json
import shutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from driver import make_service, onboard
from factories import zero_report
from fakebotapi import FakeBotAPI
from PIL import Image
from tgharness import START, BotThread, TgClerk, config_for
from webharness import Client, Server, account

from bot.channels.terminal import Terminal
from bot.core.config import Config
from bot.render.pages import forget_pages
from bot.render.pdf import find_soffice

REPORT = zero_report(2026, "测试镇人民政府")
DOCX_NAME = "测试镇人民政府2026年政府信息公开工作年度报告（草稿）.docx"


def needs_tools() -> str:
    soffice = find_soffice()
    if soffice is None or shutil.which("pdftoppm") is None:
        pytest.skip("needs LibreOffice (soffice) and pdftoppm (apt-get install libreoffice-writer-nogui poppler-utils) to render pages")
    return soffice


@pytest.fixture
def api() -> Iterator[FakeBotAPI]:
    with FakeBotAPI(token="123:ABC") as fake:
        yield fake


@pytest.fixture
def gate(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A `soffice` first on PATH that counts its runs and waits for the file `gate` before converting."""
    real = needs_tools()
    forget_pages()  # a report rendered by an earlier test must not be answered from memory here
    folder = tmp_path / "bin"
    folder.mkdir()
    wrapper = folder / "soffice"
    wrapper.write_text(f'#!/bin/sh\necho run >> "{folder}/runs"\nwhile [ ! -e "{folder}/gate" ]; do sleep 0.05; done\nexec "{real}" "$@"\n')
    wrapper.chmod(0o755)
    monkeypatch.setenv("PATH", f"{folder}:{Path(real).parent}")
    return folder


def runs(gate: Path) -> int:
    return len((gate / "runs").read_text().splitlines()) if (gate / "runs").exists() else 0


def open_gate(gate: Path) -> None:
    (gate / "gate").touch()


def is_page_picture(data: bytes) -> bool:
    """A real PNG of an A4 page at the preview's resolution."""
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    with Image.open(io.BytesIO(data)) as image:
        image.verify()
    with Image.open(io.BytesIO(data)) as image:
        width, height = image.size
        assert 880 <= width <= 940 and abs(height / width - 297 / 210) < 0.01
        assert image.convert("L").getextrema()[0] < 128  # something is printed on it
    return True


def upload_report(clerk: TgClerk) -> None:
    clerk.say("/start")
    clerk.upload("年报.json", json.dumps(REPORT.to_dict(), ensure_ascii=False).encode())
    assert "已从JSON填入" in clerk.last_text()


def test_preview_is_an_album_of_page_pictures_and_a_second_one_comes_from_memory(api: FakeBotAPI, tmp_path: Path, gate: Path) -> None:
    open_gate(gate)
    with BotThread(config_for(api, tmp_path / "data")):
        clerk = TgClerk(api, 801)
        upload_report(clerk)
        sent = clerk.say("/preview")
        assert sent[0].method == "sendMessage" and sent[0].text == "正在生成预览，请稍候…"
        pictures = clerk.last_pictures()
        assert len(pictures) >= 3 and all(is_page_picture(p.data or b"") for p in pictures)
        assert pictures[0].caption == f"预览：共{len(pictures)}页，点开图片可放大。需要Word文档请发送 /docx。"
        assert [p.filename for p in pictures] == [f"{Path(DOCX_NAME).stem}-{n}.png" for n in range(1, len(pictures) + 1)]
        albums = {id(p.params) for p in pictures if p.method == "sendMediaGroup"}
        assert all(len(p.params["media"]) <= 10 for p in pictures if p.method == "sendMediaGroup") and albums
        assert runs(gate) == 1
        again = clerk.say("/preview")
        assert len(clerk.last_pictures()) == len(pictures) and again[0].text == "正在生成预览，请稍候…"
        assert runs(gate) == 1  # the same report: the pages were kept, LibreOffice did not run again
        assert not api.errors


def test_docx_comes_with_a_pdf_beside_it(api: FakeBotAPI, tmp_path: Path, gate: Path) -> None:
    open_gate(gate)
    with BotThread(config_for(api, tmp_path / "data")):
        clerk = TgClerk(api, 802)
        upload_report(clerk)
        clerk.say("/docx")
        word, pdf = clerk.last_document(".docx"), clerk.last_document(".pdf")
        assert word is not None and word.filename == DOCX_NAME and (word.data or b"").startswith(b"PK")
        assert pdf is not None and pdf.filename == DOCX_NAME.replace(".docx", ".pdf")
        assert (pdf.data or b"").startswith(b"%PDF") and "PDF版" in (pdf.caption or "")
        assert [c.method for c in api.messages_to(802)][-2:] == ["sendDocument", "sendDocument"]  # Word first, then the PDF


def test_other_clerks_are_answered_while_the_pages_are_made(api: FakeBotAPI, tmp_path: Path, gate: Path) -> None:
    with BotThread(config_for(api, tmp_path / "data")):
        slow, other = TgClerk(api, 803), TgClerk(api, 804, "李四")
        upload_report(slow)
        before = len(api.sent)
        slow.send_only("/preview")
        api.wait_for(lambda c: c.chat_id == 803 and c.text == "正在生成预览，请稍候…", timeout=20, since=before)
        wait_until(lambda: runs(gate) == 1)  # LibreOffice has been started for it
        other.say("/start")  # LibreOffice is held at the gate: the bot still answers someone else
        assert "年报助手" in other.last_text()
        assert runs(gate) == 1 and not [c for c in api.sent if c.chat_id == 803 and c.method in ("sendMediaGroup", "sendPhoto")]
        open_gate(gate)
        api.wait_for(lambda c: c.chat_id == 803 and c.method == "sendMediaGroup", timeout=120, since=before)


def test_without_libreoffice_preview_is_the_text_and_says_why(api: FakeBotAPI, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    empty = tmp_path / "bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    with BotThread(config_for(api, tmp_path / "data")):
        clerk = TgClerk(api, 805)
        upload_report(clerk)
        clerk.say("/preview")
        text = clerk.last_text()
        assert "未安装LibreOffice" in text and "表二 主动公开" in text and not clerk.last_pictures()
        clerk.say("/docx")
        assert clerk.last_document() is not None and clerk.last_document(".pdf") is None


def test_terminal_writes_the_pictures_and_names_them(tmp_path: Path) -> None:
    needs_tools()
    forget_pages()
    report = tmp_path / "年报.json"
    report.write_text(json.dumps(REPORT.to_dict(), ensure_ascii=False), encoding="utf-8")
    out = io.StringIO()
    config = Config(data_dir=tmp_path / "data", clock_start=START)
    from bot.channels.wiring import build_service

    lines = io.StringIO(f"{report}\n/preview\n/docx\n")
    Terminal(build_service(config), tmp_path / "documents", user="clerk", stdin=lines, stdout=out).run()
    text = out.getvalue()
    assert "正在生成预览，请稍候…" in text and "预览：共" in text
    pictures = [Path(line.split("】", 1)[1]) for line in text.splitlines() if line.startswith("【图片已保存】")]
    assert len(pictures) >= 3 and all(p.parent == tmp_path / "documents" and is_page_picture(p.read_bytes()) for p in pictures)
    files = [Path(line.split("】", 1)[1]) for line in text.splitlines() if line.startswith("【文件已保存】")]
    assert [f.suffix for f in files] == [".docx", ".pdf"] and files[1].read_bytes().startswith(b"%PDF")


def test_web_page_shows_the_pictures(tmp_path: Path) -> None:
    needs_tools()
    forget_pages()
    server = Server(make_service(tmp_path))
    try:
        clerk: Client = account(server, "预览填报")
        onboard(clerk, name="测试镇人民政府")
        first = clerk.say("/preview")
        waiting = next(m for m in first if m["text"] == "正在生成预览，请稍候…")
        assert waiting.get("waiting") is True  # answered at once; the pictures follow
        answer = wait_for_answer(clerk, waiting["id"])
        images = [f for f in answer["files"] if f["kind"] == "image"]
        assert len(images) >= 3
        for image in images:
            response = clerk.get(f"/doc/{image['id']}")
            assert response.status == 200 and response.headers["Content-Type"] == "image/png"
            assert is_page_picture(response.body)
    finally:
        server.stop()


def wait_until(condition: Callable[[], object], timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "waited in vain"
        time.sleep(0.05)


def wait_for_answer(clerk: Client, waiting: int) -> dict[str, Any]:
    found: list[dict[str, Any]] = []
    wait_until(lambda: found.extend(m for m in clerk.messages() if m.get("answers") == waiting) or found)
    return found[0]


def test_merged_texts_keep_the_pages_they_announce() -> None:
    from bot.channels.outgoing import merge
    from bot.channels.telegram.channel import CHUNK
    from bot.interview.types import PageJob, Reply

    job = PageJob(b"PK", DOCX_NAME, images=True)
    merged = merge([Reply(text="（注意：报告原已定稿……）"), Reply(text="正在生成预览，请稍候…", later=job)], CHUNK)
    assert len(merged) == 1 and merged[0].later is job and merged[0].text.endswith("正在生成预览，请稍候…")
