"""Benchmark: validate one report, import one .txt, .docx, PDF and web page. Prints median times.

Targets (issue 2): ≤ 2 ms to validate, ≤ 100 ms to import, on the 2-core CI machine.
Targets (issue 13): ≤ 1 s to import a published PDF report, ≤ 100 ms per saved web page (made by
LibreOffice from the rendered report; skipped without LibreOffice).
Run: .venv/bin/python bench/check.py [--runs N]
Issue 27: .venv/bin/python bench/check.py --forms prints, per form, the printed cells read exactly, cells read
wrong, planted problems found and false findings of the corpus in tests/forms.py, then the median time to read
one report of each form (markdown and OCR text ≤ 100 ms, run-together text ≤ 200 ms).
Issue 27, item 6: .venv/bin/python bench/check.py --scan reads a 6-page scan with the OCR engine (≤ 40 s) and
measures the latency of the server's other work meanwhile (bench/scanbench.py).
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import docx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.checks.validate import validate  # noqa: E402
from bot.importer import import_path  # noqa: E402
from bot.render import render_docx  # noqa: E402

SHARED = ROOT.parent / "shared"
REPORTS = SHARED / "data" / "reports"


def median_ms(fn, runs: int) -> float:
    fn()  # warm caches (format definition, regex compilation)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def filled_template(path: Path) -> Path:
    """The official blank template with title, texts and every table cell filled, as a clerk's Word file."""
    document = docx.Document(str(SHARED / "data" / "official-blank-format-2021.docx"))
    document.paragraphs[0].text = "测试镇人民政府2024年政府信息公开工作年度报告"
    for p in document.paragraphs:
        if p.text.startswith("（文字描述"):
            p.text = "本机关2024年度未收取政府信息公开信息处理费。一是加强领导；二是完善制度。"
    for table in document.tables:
        for row in table.rows:
            for cell in row.cells:
                if not cell.text.strip():
                    cell.text = "0"
    document.save(str(path))
    return path


def web_page(folder: Path) -> Path | None:
    """洪泽区 2023 rendered to .docx and saved as a web page by LibreOffice, as a site would publish it."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        return None
    source = folder / "hz2023.docx"
    render_docx(import_path(REPORTS / "pdf" / "hongze-district-2023.json").report, source)
    profile = f"-env:UserInstallation={(folder / 'profile').as_uri()}"
    subprocess.run([soffice, profile, "--headless", "--convert-to", "html", "--outdir", str(folder), str(source)], capture_output=True, timeout=120, check=True)
    return folder / "hz2023.html"


READ_TARGETS = {"markdown (merged cells repeated)": "≤ 100", "markdown (merged cells empty)": "≤ 100", "OCR-like text": "≤ 100",
                "run-together text": "≤ 200"}


def forms_table() -> None:
    """The corpus of tests/test_corpus_forms.py measured form by form, as a markdown table."""
    sys.path.insert(0, str(ROOT / "tests"))
    import forms

    print("| form | printed cells exact | wrong | planted problems found | false findings |")
    print("|---|---|---|---|---|")
    timings: list[str] = []
    chosen = dict(forms.TEXT_FORMS)
    missing = forms.office_missing()
    if missing is None:
        chosen |= forms.OFFICE_FORMS
    total = forms.Measure()
    for form, (make, name) in chosen.items():
        measured = forms.measure_form(make, name)
        total = total.add(measured)
        print(forms.row(form, measured))
        made = make(forms.plant(forms.truth(forms.TOWNSHIPS[0])).report.copy())
        target = READ_TARGETS.get(form)
        ms = median_ms(lambda made=made, name=name: forms.read(made, name), 7)
        timings.append(f"| {form} | {ms:.0f} | {target if target else ''} |")
        for finding in measured.false_findings:
            print(f"|   false: {finding.rule} | {finding.message} | | | |")
    print(forms.row("all forms", total))
    if missing:
        print(f"(PDF, .doc and pdftotext forms skipped: {missing})")
    print("\n| form | median read of one report (ms, 7 runs) | target (issue 27) |\n|---|---|---|")
    print("\n".join(timings))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--forms", action="store_true", help="the corpus of every form (issue 27), and the time to read each")
    parser.add_argument("--scan", action="store_true", help="a 6-page scan read by OCR (issue 27, item 6) against 40 s")
    args = parser.parse_args()
    if args.forms:
        forms_table()
        return
    if args.scan:
        subprocess.run([sys.executable, str(ROOT / "bench" / "scanbench.py")], check=True)
        return
    txt = REPORTS / "zone-2022-fujian-pingtan.txt"
    previous = import_path(REPORTS / "zone-2021-fujian-pingtan.txt").report
    with tempfile.TemporaryDirectory() as tmp:
        docx_path = filled_template(Path(tmp) / "filled.docx")
        result = import_path(txt)
        fresh = iter(range(10**9))

        def validate_new_texts() -> None:
            """Texts never seen before, so no cached normalisation helps."""
            report = result.report
            n = next(fresh)
            report.text = {k: f"{v}{n}" for k, v in base_texts.items()}
            validate(report, problems=result.problems)

        base_texts = dict(result.report.text)
        rows = [
            ("validate one report, texts unseen (平潭 2022)", median_ms(validate_new_texts, args.runs), 2),
            ("validate one report again (平潭 2022)", median_ms(lambda: validate(result.report, problems=result.problems), args.runs), 2),
            ("validate with last year's report", median_ms(lambda: validate(result.report, previous), args.runs), 2),
            ("import one .txt (平潭 2022, 10.7 KB)", median_ms(lambda: import_path(txt), args.runs), 100),
            ("import one .docx (filled official template)", median_ms(lambda: import_path(docx_path), max(20, args.runs // 4)), 100),
        ]
        pdf = REPORTS / "pdf" / "hongze-district-2023.pdf"
        rows.append(("import one PDF (洪泽区 2023, 5 pages, 287 KB)", median_ms(lambda: import_path(pdf), max(5, args.runs // 40)), 1000))
        page = web_page(Path(tmp))
        if page is not None:
            rows.append(("import one web page (洪泽区 2023 as HTML)", median_ms(lambda: import_path(page), max(20, args.runs // 4)), 100))
    print(f"{'what':48} {'median ms':>10} {'target ms':>10}")
    for name, ms, target in rows:
        print(f"{name:48} {ms:10.2f} {target:10}")


if __name__ == "__main__":
    main()
