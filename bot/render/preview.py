"""`make preview`: a sample report as .docx, PDF and PNG pages, to look at the layout without Word."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from bot.importer import import_path
from bot.render.docx import render_docx
from bot.render.pdf import PdfError, convert_to_pdf
from bot.report import Report

SAMPLE = Path(__file__).resolve().parents[3] / "shared" / "data" / "reports" / "township-2023-shanxi-ciying.txt"
DEFAULT_OUT = Path("build/preview")
PNG_DPI = 100


def sample_report() -> Report:
    """The 次营镇 2023 report when the shared samples are at hand, else a complete all-zero one."""
    if SAMPLE.exists():
        return import_path(SAMPLE).report
    report = Report.empty(year=2023, unit_name="示例镇人民政府")
    for path in report.cells:
        report.cells[path] = 0
    report.text.update(
        overview="（一）主动公开政府信息情况\n本年度在县政府信息公开平台公开信息66条。",
        problems="一是公开内容不够全面。二是更新不够及时。下一步，我镇将加强培训，规范发布。",
        other="本机关2023年度未收取政府信息公开信息处理费。",
    )
    return report


def main(out_dir: Path | str = DEFAULT_OUT) -> list[Path]:
    """Write the preview files and print their paths; PDF and PNG only where the tools are installed."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    report = sample_report()
    docx_path = out / "preview.docx"
    render_docx(report, docx_path)
    written = [docx_path]
    print(f"Word：{docx_path}")
    blanks = sum(1 for v in report.cells.values() if v is None)
    if blanks:
        print(f"（样例中有{blanks}个格子原文为空，按空白显示。）")
    try:
        pdf = convert_to_pdf(docx_path, out)
    except PdfError as exc:
        print(f"PDF：未生成。{exc}")
        return written
    written.append(pdf)
    print(f"PDF：{pdf}")
    pdftoppm = shutil.which("pdftoppm")
    if pdftoppm is None:
        print("PNG：未生成。未找到pdftoppm（请安装poppler-utils）。")
        return written
    for old in out.glob("preview-*.png"):
        old.unlink()
    subprocess.run([pdftoppm, "-png", "-r", str(PNG_DPI), str(pdf), str(out / "preview")], check=True)
    pages = sorted(out.glob("preview-*.png"))
    written.extend(pages)
    for page in pages:
        print(f"PNG：{page}")
    return written


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else DEFAULT_OUT)
