"""The finished report: .docx in the official layout (GB/T 9704-2012 typesetting) and PDF via LibreOffice."""

from bot.render.docx import render_docx
from bot.render.pdf import PdfError, PdfUnavailable, convert_to_pdf

__all__ = ["PdfError", "PdfUnavailable", "convert_to_pdf", "render_docx"]
