"""The report's pages for the chat: pictures for /preview, the PDF beside the .docx for /docx.

LibreOffice takes seconds, so the interview does not wait for it: it answers at once with a reply
carrying a `PageJob` ("正在生成预览，请稍候…"), and the channel calls `finish(job)` in a thread, off its
hot path, then sends what it returns. Every channel does the same, so the wording lives here.
"""

from __future__ import annotations

from pathlib import PurePath

from bot.interview.types import IMAGE, Attachment, PageJob, Reply
from bot.render import PdfError, pdf_bytes, render_pages
from bot.render.pdf import find_soffice

WORKING = "正在生成预览，请稍候…"
NO_LIBREOFFICE = "（服务器未安装LibreOffice，暂时无法生成页面图片，以下是文字预览。）"


def can_render() -> bool:
    """Whether this machine can make pages at all (LibreOffice installed)."""
    return find_soffice() is not None


def page_names(filename: str, count: int) -> list[str]:
    """`…年度报告（草稿）-1.png`, … — the names `nianbao render --png` gives."""
    stem = PurePath(filename).stem
    return [f"{stem}-{n}.png" for n in range(1, count + 1)]


def finish(job: PageJob) -> list[Reply]:
    """Make the pictures or the PDF of `job`; a failure is said in Chinese (with the text preview)."""
    stem = PurePath(job.filename).stem
    try:
        if job.images:
            _, pages = render_pages(job.docx)
        else:
            pdf = pdf_bytes(job.docx)
    except PdfError as exc:
        if job.images:
            return [Reply(text=f"未能生成页面图片：{exc}\n以下是文字预览：\n\n{job.fallback}")]
        return [Reply(text=f"PDF版未能生成：{exc}（Word文档不受影响。）")]
    if job.images:
        files = [Attachment(name, png, IMAGE) for name, png in zip(page_names(job.filename, len(pages)), pages, strict=True)]
        return [Reply(text=f"预览：共{len(pages)}页，点开图片可放大。需要Word文档请发送 /docx。", files=files)]
    return [Reply(text="PDF版（与Word文档内容相同，便于在手机上查看或直接打印）：", files=[Attachment(f"{stem}.pdf", pdf)])]
