"""Published PDFs (洪泽区 2023 and 2024) import cell by cell; their space-aligned text reads the same;
`check --previous` finds exactly the printed errors. Hostile PDFs are refused with one line, never a traceback."""

from __future__ import annotations

import json
import shutil
import subprocess
import zlib

import pytest
from conftest import REPORTS
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.channels.cli.commands import main
from bot.core.report import load_report_json
from bot.importer import UnreadableError, import_bytes, import_path

PDFS = REPORTS / "pdf"
YEARS = (2023, 2024)


def _need_pdfs() -> None:
    if not (PDFS / "hongze-district-2023.pdf").exists():
        pytest.skip("needs ../shared: data/reports/pdf/hongze-district-*.pdf")


def _expected(year: int, fmt):
    report, _ = load_report_json((PDFS / f"hongze-district-{year}.json").read_text(encoding="utf-8"), fmt, lenient=True)
    return report


def _assert_cells_equal(got, want) -> None:
    assert set(got.cells) == set(want.cells)
    wrong = {path: (got.cells[path], value) for path, value in want.cells.items() if got.cells[path] != value}
    assert wrong == {}
    assert sum(1 for v in want.cells.values() if v is not None) >= 179  # the comparison really covered the tables


@pytest.mark.parametrize("year", YEARS)
def test_pdf_every_printed_cell_is_exact(year, fmt):
    _need_pdfs()
    result = import_path(PDFS / f"hongze-district-{year}.pdf")
    want = _expected(year, fmt)
    _assert_cells_equal(result.report, want)
    # The missing 其他处理 rows stay null and are reported as the 2019 layout, not filled with its zeros.
    assert all(result.report.cells[f"table3.OTH{n}.NP"] is None for n in (1, 2, 3))
    assert any("2019年试行格式" in f.message for f in result.findings)


@pytest.mark.parametrize("year", YEARS)
def test_pdf_title_level_and_texts(year, fmt):
    _need_pdfs()
    report = import_path(PDFS / f"hongze-district-{year}.pdf").report
    want = _expected(year, fmt)
    assert report.year == year
    assert report.unit["name"] == {2023: "洪泽区人民政府", 2024: "淮安市洪泽区人民政府"}[year]
    assert report.unit["level"] == "county"
    assert report.text == want.text  # page numbers gone, broken lines joined, hanging punctuation kept


def test_check_previous_finds_the_printed_errors_and_nothing_false(capsys):
    _need_pdfs()
    status = main(["check", "--json", str(PDFS / "hongze-district-2023.pdf")])
    first = json.loads(capsys.readouterr().out)["files"][0]["findings"]
    assert status == 1
    sums = [f for f in first if f["rule"] == "E-T4-SUM"]
    assert sorted(f["cells"][0].split(".")[1] for f in sums) == ["LR", "RV"]
    assert all("总计" in f["message"] and "填的是0" in f["message"] for f in sums)
    assert {f["rule"] for f in first} == {"E-T4-SUM", "E-T3-SHAPE"}
    status = main(["check", "--json", "--previous", str(PDFS / "hongze-district-2023.pdf"), str(PDFS / "hongze-district-2024.pdf")])
    second = json.loads(capsys.readouterr().out)["files"][0]["findings"]
    assert {f["rule"] for f in second} == {"W-TXT-APPS", "E-T3-SHAPE"}
    assert [f for f in second if f["rule"] == "W-TXT-APPS"][0]["actual"] in (17, "17")


@pytest.mark.parametrize("year", YEARS)
def test_space_aligned_text_of_the_pdf_reads_the_same(year, fmt, tmp_path):
    _need_pdfs()
    if shutil.which("pdftotext") is None:
        pytest.skip("needs pdftotext (poppler-utils) to make the space-aligned text")
    out = tmp_path / f"hz{year}.txt"
    subprocess.run(["pdftotext", "-layout", str(PDFS / f"hongze-district-{year}.pdf"), str(out)], check=True, timeout=30)
    assert "\t" not in out.read_text(encoding="utf-8")
    _assert_cells_equal(import_path(out).report, _expected(year, fmt))


# ---- hostile PDFs ------------------------------------------------------------------------------


def make_pdf(objects: list[bytes], root: int = 1) -> bytes:
    """A well-formed PDF file (header, numbered objects, xref table, trailer) around the given object bodies."""
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for n, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % n + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for off in offsets:
        out += b"%010d 00000 n \n" % off
    out += b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, root, xref)
    return bytes(out)


def _stream(data: bytes, extra: bytes = b"") -> bytes:
    return b"<< /Length %d %s >>\nstream\n" % (len(data), extra) + data + b"\nendstream"


PAGE = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>"
FONT = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"


def text_pdf(text: bytes = b"Hello") -> bytes:
    content = b"BT /F1 12 Tf 72 720 Td (" + text + b") Tj ET"
    return make_pdf([b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>", PAGE, _stream(content), FONT])


def _refused(data: bytes, name: str = "x.pdf") -> str:
    with pytest.raises(UnreadableError) as info:
        import_bytes(data, name)
    message = str(info.value)
    assert message and "\n" not in message and "Traceback" not in message
    return message


@pytest.mark.timeout(60)
def test_hostile_pdfs_are_refused_with_one_line(tmp_path):
    assert "损坏" in _refused(b"%PDF-1.4\n" + b"\x00garbage" * 100)
    assert "损坏" in _refused(text_pdf()[:120]) or "没有" in _refused(text_pdf()[:120])
    # A page-count bomb: the page tree claims a million pages.
    bomb = make_pdf([b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1000000 >>", PAGE, _stream(b""), FONT])
    assert "1000000页" in _refused(bomb)
    # Deeply nested objects.
    nested = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /X " + b"[" * 200_000 + b"]" * 200_000 + b" >>"
    deep = make_pdf([b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>", PAGE, _stream(b"BT /F1 12 Tf (x) Tj ET"), nested])
    _refused(deep)
    # A stream that inflates to 1 GB.
    packer = zlib.compressobj(9)
    chunk = b"\x00" * (1 << 20)
    packed = b"".join(packer.compress(chunk) for _ in range(1024)) + packer.flush()
    huge = make_pdf(
        [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>", PAGE, _stream(packed, b"/Filter /FlateDecode"), FONT]
    )
    assert "过大" in _refused(huge)
    # A page with no text layer is named as a scan.
    scan = make_pdf([b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>", PAGE, _stream(b""), FONT])
    assert "扫描" in _refused(scan)


def test_cli_refuses_a_broken_pdf_with_exit_2(tmp_path, capsys):
    broken = tmp_path / "坏文件.pdf"
    broken.write_bytes(text_pdf()[:200])
    assert main(["import", str(broken), "-o", str(tmp_path / "out.json")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("无法读取") and "Traceback" not in err[0]


@pytest.mark.timeout(300)
@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(st.data())
def test_fuzz_mutated_pdfs_never_crash(data):
    base = bytearray(text_pdf("一、总体情况".encode("utf-16-be")))
    cut = data.draw(st.integers(min_value=5, max_value=len(base)))
    mutated = base[:cut]
    for _ in range(data.draw(st.integers(min_value=0, max_value=8))):
        if not mutated:
            break
        at = data.draw(st.integers(min_value=0, max_value=len(mutated) - 1))
        mutated[at] = data.draw(st.integers(min_value=0, max_value=255))
    try:
        import_bytes(bytes(mutated), "fuzz.pdf")
    except UnreadableError as exc:
        assert str(exc) and "\n" not in str(exc)
