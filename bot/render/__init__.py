"""The finished report: .docx in the official layout (GB/T 9704-2012 typesetting), PDF and page pictures.

- `render_docx(report, out, status=..., findings=..., created=...)`: the .docx; status 草稿 marks every
  page and, with findings, adds a last page of the open errors; 定稿 (or "") carries neither.
- `document_filename(report, status)`: the name to send or save it under ("（草稿）" for a draft).
- `render_pages(docx_bytes) -> (pdf_bytes, [png_bytes, ...])`: PDF and one PNG per page (LibreOffice and
  pdftoppm in subprocesses; a warm LibreOffice where python3-uno is installed, `warm`); `pdf_bytes(docx_bytes)`
  the PDF alone. Both keep what they made in memory by content. Errors are PdfError subclasses with a
  Chinese message for the clerk.
"""

from bot.render.docx import render_docx
from bot.render.draft import DRAFT, FINAL, document_filename
from bot.render.pages import PngUnavailable, pdf_bytes, render_pages
from bot.render.pdf import PdfError, PdfUnavailable, convert_to_pdf

__all__ = [
    "DRAFT",
    "FINAL",
    "PdfError",
    "PdfUnavailable",
    "PngUnavailable",
    "convert_to_pdf",
    "document_filename",
    "pdf_bytes",
    "render_docx",
    "render_pages",
]
