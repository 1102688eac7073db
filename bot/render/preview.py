"""`make preview`: a sample report as .docx, PDF and PNG pages, to look at the layout without Word."""

from __future__ import annotations

import sys
from pathlib import Path

from bot.core.report import Report
from bot.importer import import_path
from bot.render.docx import render_docx
from bot.render.pages import render_pages
from bot.render.pdf import PdfError

SAMPLE = Path(__file__).resolve().parents[3] / "shared" / "data" / "reports" / "township-2023-shanxi-ciying.txt"
DEFAULT_OUT = Path("build/preview")


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
    for old in [*out.glob("preview-*.png"), out / "preview.pdf"]:
        old.unlink(missing_ok=True)
    try:
        pdf, pages = render_pages(docx_path.read_bytes())
    except PdfError as exc:
        print(f"PDF/PNG：未生成。{exc}")
        return written
    (out / "preview.pdf").write_bytes(pdf)
    written.append(out / "preview.pdf")
    print(f"PDF：{out / 'preview.pdf'}")
    for n, png in enumerate(pages, 1):
        page = out / f"preview-{n}.png"
        page.write_bytes(png)
        written.append(page)
        print(f"PNG：{page}")
    return written


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else DEFAULT_OUT)
