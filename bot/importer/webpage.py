"""Saved web pages: the article body as paragraphs and its tables as tables.

Government sites wrap the report in navigation, breadcrumbs and layout tables. The body is the
smallest element holding both the first and a later part of the report; the title is the page's
heading or <title> when it is outside that element. Pages far bigger than any report (10^6 elements)
are refused before they are parsed.
"""

from __future__ import annotations

import re
from typing import Any

from bot.importer.layout import PAGE_NUMBER
from bot.importer.source import Element, Para, Source, Table, UnreadableError
from bot.importer.titles import title_span

MAX_TAGS = 100_000
BLOCK = {
    "p", "div", "section", "article", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol", "blockquote", "pre",
    "center", "header", "footer", "dd", "dt", "dl", "tr", "body", "main", "hr",
}  # fmt: skip
DROP = {"script", "style", "noscript", "iframe", "form", "nav", "select", "button", "head", "svg", "object", "template"}
CJK = "\u2e80-\u9fff\u3000-\u303f\uff00-\uffef"
SPACE_BY_CJK = re.compile(rf"(?<=[{CJK}])\s+|\s+(?=[{CJK}])")
CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9_-]+)""", re.I)
FIRST_PART = ("总体情况",)
LATER_PART = ("收到和处理", "主动公开政府信息", "其他需要报告", "行政复议")


def looks_like_html(data: bytes, name: str) -> bool:
    head = data[:2048].lstrip().lower()
    return name.lower().endswith((".html", ".htm", ".shtml", ".xhtml")) or head.startswith((b"<!doctype html", b"<html")) or b"<html" in head


def _decode(data: bytes) -> str:
    m = CHARSET.search(data[:4096])
    declared = m.group(1).decode("ascii", "replace").lower() if m else ""
    encodings = ["utf-8-sig"] if data.startswith(b"\xef\xbb\xbf") else []
    if declared in ("gb2312", "gbk", "gb18030"):
        encodings.append("gb18030")
    elif declared:
        encodings.append(declared)
    encodings += ["utf-8", "gb18030"]
    for encoding in encodings:
        try:
            return data.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            continue
    raise UnreadableError("无法识别网页的文字编码（不是UTF-8或GBK）。")


def _clean(text: str) -> str:
    text = text.replace("\xa0", " ").replace("\u3000", " ")
    return SPACE_BY_CJK.sub("", re.sub(r"\s+", " ", text)).strip()


def read_html(data: bytes) -> Source:
    if data.count(b"<") > MAX_TAGS:
        raise UnreadableError(f"网页中的元素过多（超过{MAX_TAGS}个），不像是一篇年报，未读取。")
    from lxml import etree
    from lxml import html as lxml_html

    text = _decode(data)
    try:
        parser = lxml_html.HTMLParser(encoding="utf-8", recover=True, no_network=True, remove_comments=True, remove_pis=True)
        root = lxml_html.document_fromstring(text.encode("utf-8"), parser=parser)
    except (etree.ParserError, etree.XMLSyntaxError, ValueError) as exc:
        raise UnreadableError(f"网页文件已损坏，无法解析（{type(exc).__name__}）。") from None
    for el in list(root.iter(*DROP)):
        if el.getparent() is not None and el.tag != "head":
            el.drop_tree()
    title = _page_title(root)
    body = _article(root)
    elements = _elements(body, etree)
    opening = [e.text for e in elements[:8] if isinstance(e, Para)]
    if title and title_span(opening) == (0, 0):
        elements.insert(0, Para(title))
    if not any(isinstance(e, Para) and e.text.strip() for e in elements):
        raise UnreadableError("网页中没有找到正文文字。")
    images = len(body.xpath(".//img"))
    return Source(elements=elements, kind="html", images=images)


def _page_title(root: Any) -> str:
    for path in ("//h1", "//h2", "//*[contains(@class,'title')]", "//title"):
        for el in root.xpath(path)[:5]:
            text = _clean(el.text_content())
            if "政府信息公开" in text and "报告" in text and len(text) <= 60:
                return re.sub(r"[_|－-].*$", "", text) if path == "//title" else text
    return ""


def _article(root: Any) -> Any:
    """The smallest element whose text holds both the report's first part and a later one."""
    best = root.find("body") if root.find("body") is not None else root
    best_len = len(best.text_content())
    for el in root.iter("div", "article", "section", "td", "main"):
        content = el.text_content()
        if len(content) < best_len and any(k in content for k in FIRST_PART) and any(k in content for k in LATER_PART):
            best, best_len = el, len(content)
    return best


def _table_rows(table: Any) -> list[list[str]]:
    rows = []
    for tr in table.iter("tr"):
        cells = [_clean(td.text_content()) for td in tr if isinstance(td.tag, str) and td.tag in ("td", "th")]
        if cells:
            rows.append(cells)
    return rows


def _elements(body: Any, etree: Any) -> list[Element]:
    """Paragraphs and data tables in document order; a table holding tables is layout, read through."""
    elements: list[Element] = []
    line: list[str] = []

    def flush() -> None:
        text = _clean("".join(line))
        if text and not PAGE_NUMBER.match(text):
            elements.append(Para(text))
        line.clear()

    walker = etree.iterwalk(body, events=("start", "end"))
    for event, el in walker:
        tag = el.tag if isinstance(el.tag, str) else ""
        if event == "start":
            if tag == "table" and el.find(".//table") is None:
                flush()
                elements.append(Table(_table_rows(el)))
                walker.skip_subtree()  # its "end" event still comes and brings the tail
                continue
            if tag in BLOCK or tag == "br" or tag == "table":
                flush()
            line.append(el.text or "")
        else:
            if tag in BLOCK or tag == "table":
                flush()
            if el is not body:
                line.append(el.tail or "")
    flush()
    return elements
