"""Reports in every form a published report comes in, made by the project itself from its three township
samples: the truth (consistent tables, the sample's texts), planted problems, and the report printed as
plain text, markdown, OCR-like text, text run together on one line, a web page, .docx, .doc and PDF.

Used by tests/test_corpus_forms.py, tests/test_unread_rows.py and bench/check.py --forms.
"""

from __future__ import annotations

import random
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from bot.checks.findings import Finding
from bot.checks.validate import validate
from bot.core.report import Report
from bot.format.definition import Grid
from bot.importer import ImportResult, import_bytes, import_path
from bot.render.html import layouts, report_html
from bot.render.layout import TableLayout

SAMPLES = Path(__file__).resolve().parent / "fixtures" / "reports"
TOWNSHIPS = ["township-2023-shanxi-ciying.txt", "township-2023-shandong-caohe.txt", "township-2022-gansu-guojia.txt"]


LEAVES = (0, 0, 0, 0, 1, 2, 5)


def truth(name: str, seed: int | None = None, leaves: tuple[int, ...] = LEAVES) -> Report:
    """A township sample with its tables filled consistently (seeded by the name, or the seed): every sum holds."""
    report = import_path(SAMPLES / name).report
    rng = random.Random(name if seed is None else f"{name}:{seed}")
    fmt = report.format
    cells = report.cells
    for cell in fmt.cells():
        cells[cell.path] = Decimal(0) if cell.kind == "money" else 0
    t2 = fmt.table2
    for row in t2.data_rows:
        if row.key == "REG" or row.kind == "money":
            continue
        for col in t2.block_of(row.key).columns or [None]:
            path = f"table2.{row.key}" + (f".{col.key}" if col else "")
            cells[path] = rng.choice([0, 0, 1, 3, 12, 48])
    _fill_grid3(fmt.table3, cells, rng, leaves)
    grid4: Grid = fmt.table4
    total4 = grid4.total_column()
    assert total4 is not None
    for row in grid4.data_rows:
        parts = {c: rng.choice([0, 0, 0, 1, 2]) for c in total4.sum_of}
        for c, v in parts.items():
            cells[f"table4.{row.key}.{c}"] = v
        cells[f"table4.{row.key}.{total4.key}"] = sum(parts.values())
    return report


def _fill_grid3(grid: Grid, cells: dict, rng: random.Random, choices: tuple[int, ...] = LEAVES) -> None:
    total_col = grid.total_column()
    total_row = grid.total_row()
    assert total_col is not None and total_row is not None
    parts = list(total_col.sum_of)
    for col in parts:
        leaves = {leaf: rng.choice(choices) for leaf in grid.leaves()}
        total = sum(leaves.values())
        carry = rng.choice([0, 0, 1, 2])
        forward = rng.choice([0, 0, 1])
        new = total + forward - carry
        if new < 0:
            forward -= new
            new = 0
        for leaf, v in leaves.items():
            cells[f"table3.{leaf}.{col}"] = v
        cells[f"table3.{total_row.key}.{col}"] = total
        cells[f"table3.CARRY.{col}"] = carry
        cells[f"table3.FWD.{col}"] = forward
        cells[f"table3.NEW.{col}"] = new
    for row in grid.data_rows:
        cells[f"table3.{row.key}.{total_col.key}"] = sum(cells[f"table3.{row.key}.{c}"] for c in parts)


@dataclass
class Planted:
    report: Report
    rules: dict[str, str]  # what was planted → the rule that must find it


def plant(report: Report) -> Planted:
    """The report with a wrong total, a text that says another count than 表三, and a year slip."""
    fmt = report.format
    total_row = fmt.table3.total_row()
    total_col = fmt.table3.total_column()
    assert total_row is not None and total_col is not None
    cells = report.cells
    cells[f"table3.{total_row.key}.{total_col.key}"] += 1  # type: ignore[operator]
    new = cells[f"table3.NEW.{total_col.key}"]
    year = report.year or 2023
    report.text["overview"] = f"本年度共收到政府信息公开申请{new + 7}件。\n" + report.text["overview"]  # type: ignore[operator]
    report.text["problems"] = report.text["problems"] + f"\n{year - 3}年，我镇将继续加强政务公开工作。"
    return Planted(report, {"wrong total": "E-T3-TOTAL", "text/table": "W-TXT-APPS", "year slip": "W-YEAR"})


# ---- printed forms ------------------------------------------------------------------------------


def _table_rows(layout: TableLayout, merged: str = "repeat") -> list[list[str]]:
    """The layout's rows as cell texts: a merged cell repeated in each slot ('repeat') or left empty ('empty')."""
    out: list[list[str]] = []
    above: dict[int, str] = {}
    for row in layout.rows:
        line: list[str] = []
        c = 0
        for cell in row:
            text = cell.text if cell.vmerge != "continue" else (above.get(c, "") if merged == "repeat" else "")
            for i in range(cell.span):
                line.append(text if (i == 0 or merged == "repeat") else "")
                above[c + i] = text
            c += cell.span
        out.append(line)
    return out


def _data_lines(layout: TableLayout, sep: str = "  ") -> list[str]:
    """Space-aligned lines as a PDF's text extraction gives them: labels, then the values."""
    lines = []
    for row in layout.rows:
        labels = [c.text for c in row if c.kind in ("label", "heading", "header", "corner", "group") and c.text]
        values = [c.text for c in row if c.kind == "value"]
        if layout.key == "table4" and values:
            lines.append(sep.join(values))
        elif labels or values:
            lines.append(sep.join(labels + values))
    return lines


def _document(report: Report, table: callable) -> list[str]:  # type: ignore[valid-type]
    out = [report.title(), ""]
    out += [ln for ln in report.text.get("preamble", "").splitlines() if ln.strip()]
    tables = layouts(report)
    for section in report.format.sections:
        out.append(section.full_heading)
        if section.text:
            out += [ln for ln in report.text.get(section.text, "").splitlines() if ln.strip()]
        elif section.table:
            out += table(tables[section.table])  # type: ignore[operator]
    return out


def as_text(report: Report) -> str:
    return "\n".join(_document(report, _data_lines))


def as_markdown(report: Report, merged: str = "repeat", page_break_after: int = 12) -> str:
    """Pipe tables: header rows spread over lines, merged cells repeated or left empty, 表三 split by a
    page break with its header repeated, blanks and zeros printed as '—' now and then."""

    def table(layout: TableLayout) -> list[str]:
        rows = _table_rows(layout, merged)
        head, body = rows[: layout.header_rows], rows[layout.header_rows :]
        if not head:
            head, body = [[""] * layout.ncols], rows
        pipe = ["| " + " | ".join(r) + " |" for r in head] + ["|" + "---|" * layout.ncols]
        for n, r in enumerate(body):
            if n and n % page_break_after == 0:
                pipe += ["", "— 分页 —", ""] + ["| " + " | ".join(h) + " |" for h in head] + ["|" + "---|" * layout.ncols]
            pipe.append("| " + " | ".join(r) + " |")
        return ["", *pipe, ""]

    return "\n".join(("## " + ln if ln in {s.full_heading for s in report.format.sections} else ln) for ln in _document(report, table))


OCR_SWAPS = {"0": "O", "1": "l"}


def as_ocr(report: Report, seed: int = 0) -> str:
    """Text as an OCR engine gives it: full-width digits, 0 read as O and 1 as l here and there, thousands
    separators, ideographic spaces between columns."""
    rng = random.Random(seed)

    def table(layout: TableLayout) -> list[str]:
        out = []
        for line in _data_lines(layout, "\u3000 "):
            tokens = line.split("\u3000 ")
            for i, tok in enumerate(tokens):
                if re.fullmatch(r"\d+", tok):
                    if rng.random() < 0.08 and len(tok) == 1:
                        tok = OCR_SWAPS.get(tok, tok)
                    elif rng.random() < 0.1:
                        tok = tok.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
                    tokens[i] = tok
            out.append("\u3000 ".join(tokens))
        return out

    return "\n".join(_document(report, table))


def run_together(report: Report) -> str:
    """Text saved from a page by a crawler: the body on one line, headings mid-line, each table row's label
    followed by its numbers with no separator."""

    def table(layout: TableLayout) -> list[str]:
        out = []
        for row in layout.rows:
            labels = "".join(c.text for c in row if c.kind != "value" and c.text)
            values = "".join(c.text for c in row if c.kind == "value")
            out.append(labels + values)
        return out

    return "".join(_document(report, table))


def as_html(report: Report) -> bytes:
    return f"<html><head><meta charset='utf-8'></head><body>{report_html(report)}</body></html>".encode()


def as_docx(report: Report) -> bytes:
    import io

    from bot.render.docx import render_docx

    out = io.BytesIO()
    render_docx(report, out)
    return out.getvalue()


def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def via_libreoffice(report: Report, to: str) -> bytes:
    """The report's .docx converted by LibreOffice to 'pdf' or 'doc'."""
    office = soffice()
    assert office is not None
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "report.docx"
        src.write_bytes(as_docx(report))
        subprocess.run(
            [office, f"-env:UserInstallation={(Path(tmp) / 'profile').as_uri()}", "--headless", "--convert-to", to, "--outdir", tmp, str(src)],
            capture_output=True, timeout=180, check=True,
        )  # fmt: skip
        return (Path(tmp) / f"report.{to}").read_bytes()


def pdftotext(pdf: bytes) -> str:
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "r.pdf"
        src.write_bytes(pdf)
        done = subprocess.run(["pdftotext", "-layout", str(src), "-"], capture_output=True, timeout=60, check=True)
        return done.stdout.decode("utf-8")


# ---- measuring ------------------------------------------------------------------------------------


@dataclass
class Measure:
    cells: int = 0
    exact: int = 0
    wrong: int = 0
    planted: int = 0
    found: int = 0
    false: int = 0
    false_findings: tuple[Finding, ...] = ()
    wrong_cells: tuple[str, ...] = ()

    def add(self, other: Measure) -> Measure:
        return Measure(
            self.cells + other.cells, self.exact + other.exact, self.wrong + other.wrong, self.planted + other.planted,
            self.found + other.found, self.false + other.false, self.false_findings + other.false_findings,
            self.wrong_cells + other.wrong_cells,
        )


def read(data: bytes | str, name: str) -> ImportResult:
    return import_bytes(data.encode("utf-8") if isinstance(data, str) else data, name)


def _key(f: Finding) -> tuple[str, tuple[str, ...]]:
    return f.rule, tuple(f.cells)


def measure(want: Report, got: ImportResult, planted: dict[str, str] | None = None) -> Measure:
    """Cells exact and wrong (an empty cell is neither), planted problems found, findings the truth has not."""
    cells = [p for p in want.cells if want.cells[p] is not None]
    exact = sum(1 for p in cells if got.report.cells.get(p) == want.cells[p])
    wrong = tuple(p for p in cells if got.report.cells.get(p) is not None and got.report.cells[p] != want.cells[p])
    findings = got.findings + validate(got.report, problems=got.problems)
    truth_keys = {_key(f) for f in validate(want)}
    planted = planted or {}
    planted_rules = set(planted.values())
    found = sum(1 for rule in planted.values() if any(f.rule == rule for f in findings))
    false = tuple(f for f in findings if _key(f) not in truth_keys and f.rule not in planted_rules and f.rule != "W-UNREAD")
    return Measure(len(cells), exact, len(wrong), len(planted), found, len(false), false, wrong)


# ---- the corpus ---------------------------------------------------------------------------------------

TEXT_FORMS = {  # form → (made from a report, the name it is read under)
    "plain text": (as_text, "report.txt"),
    "markdown (merged cells repeated)": (as_markdown, "report.md"),
    "markdown (merged cells empty)": (lambda r: as_markdown(r, "empty"), "report.md"),
    "OCR-like text": (as_ocr, "scan.txt"),
    "run-together text": (run_together, "page.txt"),
    "HTML": (as_html, "report.html"),
    ".docx": (as_docx, "report.docx"),
}
OFFICE_FORMS = {  # made through LibreOffice (and pdftotext): skipped where they are not installed
    "PDF": (lambda r: via_libreoffice(r, "pdf"), "report.pdf"),
    ".doc": (lambda r: via_libreoffice(r, "doc"), "report.doc"),
    "pdftotext -layout": (lambda r: pdftotext(via_libreoffice(r, "pdf")), "report.txt"),
}


def office_missing() -> str | None:
    if soffice() is None:
        return "LibreOffice (soffice) is not installed"
    if shutil.which("pdftotext") is None:
        return "poppler-utils (pdftotext) is not installed"
    return None


def measure_form(make, name: str) -> Measure:  # type: ignore[no-untyped-def]
    """The three township reports, each with its planted problems, made in one form and read back."""
    total = Measure()
    for township in TOWNSHIPS:
        planted = plant(truth(township))
        got = read(make(planted.report.copy()), name)
        total = total.add(measure(planted.report, got, planted.rules))
    return total


def row(form: str, m: Measure) -> str:
    return (f"| {form} | {m.exact}/{m.cells} ({m.exact / max(1, m.cells):.1%}) | {m.wrong} | {m.found}/{m.planted} | {m.false} |")
