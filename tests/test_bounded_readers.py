"""Every reader runs bounded: a hostile file is refused with one Chinese line and the process that asked
(the server) stays small, whatever the file inflates to (issue 24, item 1)."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import pytest
from driver import Clerk, make_service, onboard

from bot.importer import UnreadableError, import_bytes
from bot.importer.forms import read_source

CHINESE = re.compile(r"[\u4e00-\u9fff]")
MB = 1024 * 1024
W = b'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
CONTENT_TYPES = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    b'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    b'<Default Extension="xml" ContentType="application/xml"/>'
    b'<Override PartName="/word/document.xml" '
    b'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>'
)
RELS = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    b'Target="word/document.xml"/></Relationships>'
)


def docx_bomb(megabytes: int = 190) -> bytes:
    """A valid .docx whose document.xml is `megabytes` MB of paragraphs, compressed to a few hundred KB.

    Written as a stream, so this test never holds the XML itself."""
    paragraph = "<w:p><w:r><w:t>一、总体情况 本机关2024年主动公开政府信息。</w:t></w:r></w:p>".encode()
    block = paragraph * (MB // len(paragraph))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("[Content_Types].xml", CONTENT_TYPES)
        z.writestr("_rels/.rels", RELS)
        with z.open("word/document.xml", "w", force_zip64=True) as member:
            member.write(b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document ' + W + b"><w:body>")
            for _ in range(megabytes):
                member.write(block)
            member.write(b"</w:body></w:document>")
    return buffer.getvalue()


def _status(field: str) -> int:
    """This process's VmRSS / VmHWM (peak) in bytes."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    raise AssertionError(field)


def _reset_peak() -> bool:
    try:
        Path("/proc/self/clear_refs").write_text("5")  # resets VmHWM to the current RSS
    except OSError:
        return False
    return True


def _one_chinese_line(message: str) -> None:
    assert message and "\n" not in message and CHINESE.search(message), message


@pytest.mark.timeout(120)
def test_docx_of_190_mb_xml_is_refused_and_the_caller_stays_small():
    data = docx_bomb(190)
    assert len(data) < 1 * MB  # a few hundred KB, as the file that took the service down
    declared = sum(i.file_size for i in zipfile.ZipFile(io.BytesIO(data)).infolist())
    assert 180 * MB < declared < 200 * MB  # under the old declared-size check
    exact = _reset_peak()
    before = _status("VmRSS")
    with pytest.raises(UnreadableError) as refused:
        import_bytes(data, "年报.docx")
    _one_chinese_line(str(refused.value))
    assert "Word文件" in str(refused.value)
    if exact:
        assert _status("VmHWM") < 300 * MB
    assert _status("VmRSS") - before < 100 * MB


def test_docx_whose_zip_lies_about_its_sizes_is_refused():
    """The sizes in the zip directory are not trusted: a part claiming 1 000 bytes that inflates to
    8 MB is refused as broken, never read past what it claims."""
    xml = b'<w:document ' + W + b"><w:body>" + b"<w:p/>" * (8 * MB // 6) + b"</w:body></w:document>"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", CONTENT_TYPES)
        z.writestr("_rels/.rels", RELS)
        z.writestr("word/document.xml", xml)
    data = bytearray(buffer.getvalue())
    entry = data.rindex(b"PK\x01\x02")  # the central directory entry of word/document.xml, the last one
    data[entry + 24 : entry + 28] = (1000).to_bytes(4, "little")
    assert zipfile.ZipFile(io.BytesIO(bytes(data))).getinfo("word/document.xml").file_size == 1000
    with pytest.raises(UnreadableError) as refused:
        read_source(bytes(data), "年报.docx")
    _one_chinese_line(str(refused.value))


@pytest.mark.parametrize(
    "name,data",
    [
        ("行.txt", b"\n" * (5 * MB)),  # 5 million empty lines
        ("行.md", b"\r" * (5 * MB)),
        ("数据.json", b"[" + b"{}," * (3 * MB) + b"{}]"),  # 3 million dicts
        ("数据.txt", b'{"a": [' + b"0," * (3 * MB) + b"0]}"),  # JSON by its content
    ],
)
def test_files_of_millions_of_elements_are_refused_and_the_caller_stays_small(name, data):
    exact = _reset_peak()
    before = _status("VmRSS")
    with pytest.raises(UnreadableError) as refused:
        import_bytes(data, name)
    _one_chinese_line(str(refused.value))
    if exact:
        assert _status("VmHWM") - before < 100 * MB
    assert _status("VmRSS") - before < 50 * MB


def test_web_page_and_text_are_read_in_the_child():
    """The readers still read: a page and a text file give their paragraphs and tables."""
    page = "<html><body><h1>某镇2024年政府信息公开工作年度报告</h1><p>一、总体情况</p><table><tr><td>规章</td><td>0</td></tr></table></body></html>"
    source = read_source(page.encode("utf-8"), "r.html")
    assert source.kind == "html"
    texts = [getattr(e, "text", None) for e in source.elements]
    assert "一、总体情况" in texts
    assert any(getattr(e, "rows", None) == [["规章", "0"]] for e in source.elements)
    text = read_source("标题\n\n一、总体情况\t1".encode("gb18030"), "r.txt")
    assert text.kind == "txt" and [getattr(e, "text", "") for e in text.elements] == ["标题", "", "一、总体情况\t1"]


@pytest.mark.timeout(120)
def test_the_service_answers_the_bomb_with_one_line_and_stays_small(tmp_path):
    """Through the service, as on the web page: the clerk is told in one line, nothing saved changes."""
    data = docx_bomb(190)
    clerk = Clerk(make_service(tmp_path))
    onboard(clerk)
    exact = _reset_peak()
    before = _status("VmRSS")
    clerk.upload("年报.docx", data)
    told = clerk.texts()
    assert told.startswith("无法读取“年报.docx”：Word文件") and "已保存的内容没有任何改动" in told, told
    if exact:
        assert _status("VmHWM") < 300 * MB
    assert _status("VmRSS") - before < 100 * MB
