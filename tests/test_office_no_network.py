"""LibreOffice fetches nothing a document links to (issue 24, item 3): a .doc whose picture points at an
address on 127.0.0.1 is converted through the upload path while a listener there counts requests.
And an RTF document saved as .doc is read through LibreOffice (it used to be taken for bad JSON)."""

from __future__ import annotations

import contextlib
import http.server
import shutil
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import SAMPLES

from bot.importer import UnreadableError, import_bytes, office

pytestmark = [
    pytest.mark.skipif(office.soffice() is None, reason="needs LibreOffice (soffice)"),
    pytest.mark.timeout(180),
]


class Listener:
    """An HTTP server on 127.0.0.1 that records every request path."""

    def __init__(self) -> None:
        self.paths: list[str] = []
        paths = self.paths

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                paths.append(self.path)
                self.send_response(404)
                self.end_headers()

            do_HEAD = do_GET
            do_PROPFIND = do_GET
            do_OPTIONS = do_GET

            def log_message(self, *args: object) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def listener() -> Iterator[Listener]:
    server = Listener()
    yield server
    server.server.shutdown()
    server.server.server_close()


def linked_fodt(url: str) -> bytes:
    """A flat OpenDocument text whose picture is a link to `url` (not embedded)."""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<office:document xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"
 xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0"
 xmlns:xlink="http://www.w3.org/1999/xlink" xmlns:svg="urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0"
 office:version="1.2" office:mimetype="application/vnd.oasis.opendocument.text"><office:body><office:text>
<text:p>某镇人民政府2024年政府信息公开工作年度报告<draw:frame svg:width="2cm" svg:height="2cm" text:anchor-type="as-char">
<draw:image xlink:href="{url}" xlink:type="simple" xlink:show="embed" xlink:actuate="onLoad"/></draw:frame></text:p>
</office:text></office:body></office:document>""".encode()


def word97(fodt: bytes, tmp_path: Path) -> bytes:
    """The .doc (Word 97, an OLE file) LibreOffice makes of `fodt`, keeping the picture as a link."""
    (tmp_path / "linked.fodt").write_bytes(fodt)
    program = office.soffice()
    assert program is not None
    profile = tmp_path / "maker-profile"
    subprocess.run(
        [program, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore", "--convert-to", "doc:MS Word 97",
         "--outdir", str(tmp_path), str(tmp_path / "linked.fodt")],
        capture_output=True, timeout=120, check=True,
    )  # fmt: skip
    data = (tmp_path / "linked.doc").read_bytes()
    assert data.startswith(office.OLE) and b"127.0.0.1" in data  # the link is in the file
    return data


def test_an_uploaded_doc_whose_picture_is_a_link_makes_no_request(listener, tmp_path):
    doc = word97(linked_fodt(listener.url + "/doc-picture.png"), tmp_path)
    listener.paths.clear()  # making the .doc may have asked; only the upload's reading counts
    with contextlib.suppress(UnreadableError):  # not a whole report: what matters is what LibreOffice asked for
        import_bytes(doc, "年报.doc")  # the upload path: the bounded child converts it with LibreOffice
    assert listener.paths == []


@pytest.mark.parametrize("form", ["fodt", "html"])
def test_the_profile_alone_loads_no_linked_picture(listener, monkeypatch, form):
    """Where no network namespace can be made, the conversion profile still loads no linked content."""
    monkeypatch.setattr(office, "no_network", lambda: [])
    url = f"{listener.url}/{form}.png"
    data = linked_fodt(url) if form == "fodt" else f'<html><body><p>报告</p><img src="{url}"></body></html>'.encode()
    assert office.convert_to_docx(data, "年报.doc")
    assert listener.paths == []


def test_the_network_namespace_alone_reaches_nothing(listener, monkeypatch):
    if not office.no_network():
        pytest.skip("this system cannot make a network namespace (unshare -rn)")
    monkeypatch.setattr(office, "write_profile", lambda profile: None)
    assert office.convert_to_docx(linked_fodt(listener.url + "/netns.png"), "年报.doc")
    assert listener.paths == []


def _rtf(text: str) -> bytes:
    """Text as an RTF document, every non-ASCII character as \\uN? (as Word writes Chinese)."""
    def escape(line: str) -> str:
        out = []
        for char in line:
            if ord(char) > 127:
                code = ord(char)
                out.append(f"\\u{code if code < 32768 else code - 65536}?")
            elif char in "\\{}":
                out.append("\\" + char)
            elif char == "\t":
                out.append("\\tab ")
            else:
                out.append(char)
        return "".join(out)

    body = "".join(f"{escape(line)}\\par\n" for line in text.splitlines())
    return ("{\\rtf1\\ansi\\ansicpg936\\deff0{\\fonttbl{\\f0 SimSun;}}\\f0\n" + body + "}").encode("ascii")


def test_an_rtf_saved_as_doc_is_read_through_libreoffice():
    text = (SAMPLES / "township-2023-shanxi-ciying.txt").read_text(encoding="utf-8")
    result = import_bytes(_rtf(text), "次营镇2023年报.doc")
    assert result.report.year == 2023
    assert result.report.unit["name"] == "次营镇人民政府"
    as_text = import_bytes(text.encode("utf-8"), "次营镇2023年报.txt").report
    assert result.report.cells == as_text.cells  # every figure of the three tables, as from the text
    assert result.report.text["overview"].startswith("（一）主动公开政府信息情况\n我们充分运用平台")


def test_unshare_is_looked_for_once():
    office.no_network.cache_clear()
    first = office.no_network()
    assert office.no_network() is first
    assert first == [] or Path(first[0]).name == "unshare" and shutil.which("unshare")
