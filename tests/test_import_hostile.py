"""Broken and hostile web pages and old Word/WPS files: refused early with one Chinese line, never a traceback."""

from __future__ import annotations

import shutil

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.channels.cli.commands import main
from bot.importer import UnreadableError, import_bytes
from bot.importer.office import OLE

PAGE = (
    "<html><head><meta charset='utf-8'><title>某镇人民政府2023年政府信息公开工作年度报告</title></head><body>"
    "<div class='content'><p>一、总体情况</p><p>全年主动公开政府信息12条。</p><p>二、主动公开政府信息情况</p>"
    "<table><tr><td>信息内容</td><td>本年制发件数</td><td>本年废止件数</td><td>现行有效件数</td></tr>"
    "<tr><td>规章</td><td>0</td><td>0</td><td>0</td></tr></table>"
    "<p>三、收到和处理政府信息公开申请情况</p><p>六、其他需要报告的事项</p><p>本年度未收取任何费用。</p></div></body></html>"
)


def _refused(data: bytes, name: str) -> str:
    with pytest.raises(UnreadableError) as info:
        import_bytes(data, name)
    message = str(info.value)
    assert message and "\n" not in message and "Traceback" not in message
    return message


def test_a_small_page_is_read():
    result = import_bytes(PAGE.encode("utf-8"), "r.html")
    assert (result.report.unit["name"], result.report.year) == ("某镇人民政府", 2023)
    assert result.report.cells["table2.REG.made"] == 0
    assert result.report.text["other"] == "本年度未收取任何费用。"


def test_a_page_of_a_million_elements_is_refused_before_parsing():
    bomb = b"<html><body>" + b"<div>" * 1_000_000 + b"</body></html>"
    assert "元素过多" in _refused(bomb, "bomb.html")


def test_deeply_nested_page_is_refused_with_one_line():
    """libxml2 stops at its nesting limit; what is past it is not the report, and that is said in one line."""
    deep = "<html><body>" + "<div>" * 20_000 + PAGE + "</div>" * 20_000 + "</body></html>"
    assert "正文" in _refused(deep.encode("utf-8"), "deep.html")


def test_broken_pages_are_refused_with_one_line():
    assert "正文" in _refused(b"<html><body><script>x</script></body></html>", "empty.html")
    _refused(PAGE.encode("utf-8")[:90], "cut.html")
    _refused(b"<html>" + bytes(range(256)) * 50, "binary.html")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_fuzz_mutated_pages_never_crash(data):
    base = bytearray(PAGE.encode("utf-8"))
    cut = data.draw(st.integers(min_value=1, max_value=len(base)))
    page = base[:cut]
    for _ in range(data.draw(st.integers(min_value=0, max_value=10))):
        at = data.draw(st.integers(min_value=0, max_value=len(page) - 1))
        page[at] = data.draw(st.sampled_from(list(b"<>/\"'=&;#x0\x00\xff\xfe")))
    try:
        import_bytes(bytes(page), "fuzz.html")
    except UnreadableError as exc:
        assert str(exc) and "\n" not in str(exc)


def _need_office() -> None:
    if not (shutil.which("soffice") or shutil.which("libreoffice")):
        pytest.skip("needs LibreOffice (soffice) for .doc/.wps")


@pytest.mark.timeout(120)
def test_corrupt_doc_and_wps_are_refused_with_one_line():
    _need_office()
    assert "损坏" in _refused(OLE + b"\x00" * 4000, "坏.doc")
    _refused(OLE + bytes(range(256)) * 30, "坏.wps")  # LibreOffice may read garbage as text: then it is no report
    assert "不是Word" in _refused("这只是一段文字，却叫作.doc".encode(), "假.doc")


def test_without_libreoffice_the_clerk_is_told_what_to_do(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("PATH", str(tmp_path))  # a machine where LibreOffice is not installed
    doc = tmp_path / "年报.doc"
    doc.write_bytes(OLE + b"\x00" * 600)
    assert main(["import", str(doc), "-o", str(tmp_path / "out.json")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "未安装LibreOffice" in err[0] and "另存为.docx" in err[0]


@pytest.mark.timeout(300)
@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(min_size=0, max_size=3000))
def test_fuzz_ole_files_never_crash(tail):
    _need_office()
    try:
        import_bytes(OLE + tail, "fuzz.doc")
    except UnreadableError as exc:
        assert str(exc) and "\n" not in str(exc)


def test_a_docx_zip_bomb_is_refused_before_it_is_inflated():
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        with z.open("word/document.xml", "w", force_zip64=True) as member:
            chunk = b" " * (1 << 20)
            for _ in range(300):
                member.write(chunk)
    assert len(buffer.getvalue()) < 2 * 1024 * 1024
    assert "解压后" in _refused(buffer.getvalue(), "bomb.docx")


def test_a_text_file_far_longer_than_any_report_is_refused_at_once():
    lines = ["某镇人民政府2023年政府信息公开工作年度报告", "三、收到和处理政府信息公开申请情况"]
    lines += ["（二）部分公开 1 2 3"] * 200_000
    assert "年报不会这么长" in _refused("\n".join(lines).encode("utf-8"), "long.txt")
    lines = lines[:5000]  # under the line limit, but a table of thousands of rows
    assert "表格" in _refused("\n".join(lines).encode("utf-8"), "rows.txt")


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(alphabet=st.sampled_from(list("0123456789 |-/—.，,（）()一二三四五六七八九十、规章行政许可总计其他\t")), max_size=60), max_size=30))
def test_fuzz_text_tables_never_invent_a_number(lines):
    """Whatever text comes, every number the layout reader puts in a row stands in the text as a token."""
    from bot.importer.layout import rows_from_layout

    tokens = {t for line in lines for t in line.replace("|", " ").split()}
    for row in rows_from_layout(lines):
        for cell in row:
            if cell.strip().isdigit():
                assert cell.strip() in tokens
