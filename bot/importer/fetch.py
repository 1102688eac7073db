"""Reports given as http(s) addresses: downloaded with a size limit, a time limit and few redirects.

The name given to the reader comes from the server's content type (a PDF served as '/show?id=5' is
still a PDF); the reader sniffs the content anyway.
"""

from __future__ import annotations

import time
import urllib.error
import urllib.parse
import urllib.request
from email.message import Message
from http.client import HTTPMessage
from typing import IO

from bot.importer.source import MAX_BYTES, UnreadableError

TIMEOUT_SECONDS = 10
MAX_REDIRECTS = 5
TYPES = {
    "application/pdf": ".pdf",
    "text/html": ".html",
    "application/xhtml+xml": ".html",
    "application/msword": ".doc",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
    "application/json": ".json",
    "text/plain": ".txt",
    "text/markdown": ".md",
}


def is_url(text: str) -> bool:
    return text.lower().startswith(("http://", "https://"))


class _Redirects(urllib.request.HTTPRedirectHandler):
    max_redirections = MAX_REDIRECTS

    def redirect_request(self, req: urllib.request.Request, fp: IO[bytes], code: int, msg: str, headers: HTTPMessage,
                         newurl: str) -> urllib.request.Request | None:
        if not is_url(newurl):
            raise UnreadableError("网址跳转到了不是http(s)的地址，未下载。")
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def fetch(url: str) -> tuple[bytes, str]:
    """(content, a file name whose extension says what it is)."""
    if not is_url(url):
        raise UnreadableError("只支持http://或https://开头的网址。")
    opener = urllib.request.build_opener(_Redirects())
    request = urllib.request.Request(url, headers={"User-Agent": "nianbao/0.1 (annual report checker)"})
    started = time.monotonic()
    try:
        with opener.open(request, timeout=TIMEOUT_SECONDS) as response:
            length = response.headers.get("Content-Length")
            if length and length.isdigit() and int(length) > MAX_BYTES:
                raise UnreadableError(f"网址上的文件过大（{int(length) / 1024 / 1024:.1f} MB），报告文件不应超过{MAX_BYTES // 1024 // 1024} MB。")
            data = _read_bounded(response, started)
            return data, _name(response.geturl(), response.headers)
    except UnreadableError:
        raise
    except urllib.error.HTTPError as exc:
        if exc.code in (301, 302, 303, 307, 308):
            raise UnreadableError(f"网址跳转次数过多（超过{MAX_REDIRECTS}次），未下载。") from None
        raise UnreadableError(f"无法下载：服务器返回HTTP {exc.code}。") from None
    except urllib.error.URLError as exc:
        reason = exc.reason
        if isinstance(reason, TimeoutError) or "timed out" in str(reason):
            raise UnreadableError(f"下载超时（超过{TIMEOUT_SECONDS}秒）。") from None
        raise UnreadableError(f"无法连接到网址：{reason}") from None
    except TimeoutError:
        raise UnreadableError(f"下载超时（超过{TIMEOUT_SECONDS}秒）。") from None
    except (OSError, ValueError) as exc:
        raise UnreadableError(f"无法下载：{type(exc).__name__}") from None


def _read_bounded(response: IO[bytes], started: float) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while chunk := response.read(64 * 1024):
        size += len(chunk)
        if size > MAX_BYTES:
            raise UnreadableError(f"网址上的文件过大，报告文件不应超过{MAX_BYTES // 1024 // 1024} MB。")
        if time.monotonic() - started > TIMEOUT_SECONDS:
            raise UnreadableError(f"下载超时（超过{TIMEOUT_SECONDS}秒）。")
        chunks.append(chunk)
    return b"".join(chunks)


def _name(url: str, headers: Message) -> str:
    path = urllib.parse.urlsplit(url).path
    base = path.rsplit("/", 1)[-1] or "index"
    kind = (headers.get_content_type() or "").lower()
    extension = TYPES.get(kind, "")
    if extension and not base.lower().endswith(extension):
        return base + extension
    return base
