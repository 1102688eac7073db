"""`check` and `import` read reports from http(s) addresses, served here from 127.0.0.1; too big, too slow,
endless redirects and errors are refused with one line."""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from conftest import REPORTS

from bot.channels.cli.commands import main
from bot.importer import UnreadableError, fetch, import_path

PDFS = REPORTS / "pdf"
PAGE = (
    "<html><head><meta charset='utf-8'><title>某镇人民政府2023年政府信息公开工作年度报告</title></head><body>"
    "<div><p>一、总体情况</p><p>全年主动公开政府信息12条。</p><p>二、主动公开政府信息情况</p>"
    "<table><tr><td>规章</td><td>0</td><td>0</td><td>0</td></tr></table>"
    "<p>六、其他需要报告的事项</p><p>本年度未收取信息处理费。</p></div></body></html>"
).encode()


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass

    def _send(self, body: bytes, kind: str, status: int = 200) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        with contextlib.suppress(OSError):  # the reader gave up (too slow on purpose)
            self.wfile.write(body)

    def do_GET(self) -> None:
        path = self.path
        if path.startswith("/show?year="):
            year = path.rsplit("=", 1)[1]
            self._send((PDFS / f"hongze-district-{year}.pdf").read_bytes(), "application/pdf")
        elif path == "/page":
            self._send(PAGE, "text/html; charset=utf-8")
        elif path == "/moved":
            self.send_response(302)
            self.send_header("Location", "/page")
            self.end_headers()
        elif path.startswith("/loop"):
            n = int(path[5:] or 0)
            self.send_response(302)
            self.send_header("Location", f"/loop{n + 1}")
            self.end_headers()
        elif path == "/huge":
            self.send_response(200)
            self.send_header("Content-Type", "application/pdf")
            self.send_header("Content-Length", str(200 * 1024 * 1024))
            self.end_headers()
        elif path == "/endless":
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.end_headers()  # no length: streams until the reader stops
            try:
                for _ in range(30 * 16):
                    self.wfile.write(b"x" * 65536)
            except OSError:
                pass
        elif path == "/slow":
            time.sleep(3)
            self._send(PAGE, "text/html")
        else:
            self._send("找不到".encode(), "text/plain; charset=utf-8", 404)


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def _need_pdfs() -> None:
    if not (PDFS / "hongze-district-2023.pdf").exists():
        pytest.skip("needs ../shared: data/reports/pdf/hongze-district-*.pdf")


def test_check_previous_reads_both_years_from_addresses(server, capsys):
    _need_pdfs()
    status = main(["check", "--json", "--previous", f"{server}/show?year=2023", f"{server}/show?year=2024"])
    out = json.loads(capsys.readouterr().out)["files"][0]
    assert status == 1  # the missing 其他处理 rows are errors
    assert (out["unit"], out["year"]) == ("淮安市洪泽区人民政府", 2024)
    assert {f["rule"] for f in out["findings"]} == {"W-TXT-APPS", "E-T3-SHAPE"}


def test_import_of_a_page_and_a_redirect(server, tmp_path):
    out = tmp_path / "r.json"
    assert main(["import", f"{server}/moved", "-o", str(out)]) == 0
    report = json.loads(out.read_text(encoding="utf-8"))
    assert report["unit"]["name"] == "某镇人民政府" and report["year"] == 2023
    assert import_path(f"{server}/page").report.cells["table2.REG.made"] == 0


@pytest.mark.parametrize(
    "path, reason",
    [("/loop", "跳转次数过多"), ("/huge", "过大"), ("/endless", "过大"), ("/missing", "HTTP 404"), ("/slow", "超时")],
)
def test_bad_addresses_are_refused_with_one_line(server, path, reason, monkeypatch, capsys):
    monkeypatch.setattr(fetch, "TIMEOUT_SECONDS", 1)
    with pytest.raises(UnreadableError) as info:
        import_path(server + path)
    assert reason in str(info.value) and "\n" not in str(info.value)
    assert main(["check", server + path]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and reason in err[0]


def test_only_http_addresses_are_fetched():
    with pytest.raises(UnreadableError):
        fetch.fetch("file:///etc/passwd")
