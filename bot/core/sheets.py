"""Writing rows into an .xlsx sheet so that no text from a person becomes a formula.

A spreadsheet program reads a cell whose text starts with `=` as a formula (openpyxl writes it as one),
and one starting with `+ - @`, a tab or a carriage return as one when the cell is edited or the sheet is
saved as CSV. A unit name, a county name or a file name can start so: every such text is written as a
string cell with Excel's "quote prefix", so it stays text. Every .xlsx the product writes passes through
`keep_text` just before it is saved (bot/county/collect.py's 汇总表, bot/checks/batch.py's check results).
"""

from __future__ import annotations

from typing import Any

RISKY_START = ("=", "+", "-", "@", "\t", "\r")


def risky(value: object) -> bool:
    """Text a spreadsheet could take for a formula."""
    return isinstance(value, str) and value.startswith(RISKY_START)


def as_text(cell: Any) -> None:
    """Make one openpyxl cell plain text if its value could be taken for a formula."""
    if risky(cell.value):
        cell.data_type = "s"
        cell.quotePrefix = True


def keep_text(book: Any) -> None:
    """Every cell of every sheet of an openpyxl workbook: text that could be taken for a formula stays text."""
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                as_text(cell)
