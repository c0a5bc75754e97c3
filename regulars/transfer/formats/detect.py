"""Which reader a file goes to, decided by its content.

The file name's extension is only a claim: people rename files, and programs save CSV
with .xls names. Content decides: a ZIP is read as a workbook (and checked to be one), a
file starting BEGIN:VCARD as vCard, any other text as CSV. A file of a kind we recognise but
cannot read (a PDF, a picture, an old .xls) is refused by name, so the user knows what
went wrong.
"""

from __future__ import annotations

import codecs
from pathlib import Path
from typing import Literal

from regulars.transfer.formats.base import FileRefused, Limits
from regulars.transfer.formats.text import HEAD_BYTES, UTF8_BOM, UTF16_BOMS, utf16_without_bom

Format = Literal["csv", "xlsx", "vcard"]

ZIP_MAGIC = b"PK\x03\x04"
EMPTY_ZIP_MAGIC = b"PK\x05\x06"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

WHAT_TO_UPLOAD = "Export your contacts as CSV, Excel (.xlsx) or vCard (.vcf) and upload that."

EMPTY = (
    "The file is empty. Check you chose the right file; if it is the right one, export it "
    "again from the program it came from."
)
OLE = (
    "This file is password-protected or in the old Excel .xls format. Remove the password "
    "or open it in Excel and save it as .xlsx or CSV, then upload that."
)

# Kinds of file people upload by mistake, recognised by their first bytes.
_KNOWN_BINARY: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "This is a PDF, not a spreadsheet."),
    (b"\x89PNG\r\n\x1a\n", "This is a PNG picture, not a spreadsheet."),
    (b"\xff\xd8\xff", "This is a JPEG picture, not a spreadsheet."),
    (b"GIF87a", "This is a GIF picture, not a spreadsheet."),
    (b"GIF89a", "This is a GIF picture, not a spreadsheet."),
    (b"\x1f\x8b", "This is a compressed (gzip) file, not a spreadsheet."),
    (b"Rar!\x1a\x07", "This is a RAR archive, not a spreadsheet."),
    (b"7z\xbc\xaf\x27\x1c", "This is a 7-Zip archive, not a spreadsheet."),
    (b"SQLite format 3\x00", "This is an SQLite database, not a spreadsheet."),
    (b"{\\rtf", "This is a Rich Text (RTF) document, not a spreadsheet."),
)
_HTML_STARTS = (b"<!doctype html", b"<html")


def human_size(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.0f} MB"
    if size >= 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size:,} bytes"


def read_head(path: Path) -> bytes:
    with path.open("rb") as f:
        return f.read(HEAD_BYTES)


def detect_format(path: Path, *, limits: Limits) -> tuple[Format, bytes]:
    """The reader for the file, and the file's first bytes (every reader wants them)."""
    size = path.stat().st_size
    if size == 0:
        raise FileRefused(EMPTY)
    if size > limits.max_bytes:
        raise FileRefused(
            f"The file is {human_size(size)}, over the limit of {human_size(limits.max_bytes)}. "
            "Split it into smaller files and import them one after another."
        )
    head = read_head(path)
    if head.startswith(ZIP_MAGIC):
        return "xlsx", head
    if head.startswith(EMPTY_ZIP_MAGIC):
        raise FileRefused(f"This is an empty ZIP archive, not a spreadsheet. {WHAT_TO_UPLOAD}")
    if head.startswith(OLE_MAGIC):
        raise FileRefused(OLE)
    for magic, what in _KNOWN_BINARY:
        if head.startswith(magic):
            raise FileRefused(f"{what} {WHAT_TO_UPLOAD}")

    text = _head_text(head)
    if size <= len(head) and not text.strip():
        raise FileRefused(EMPTY)
    start = text.lstrip()[:20].lower().encode("ascii", "replace")
    if start.startswith(b"begin:vcard"):
        return "vcard", head
    if start.startswith(_HTML_STARTS):
        raise FileRefused(
            "This is a web page (HTML), not a spreadsheet, even if its name ends in .xls. "
            f"Open it in a spreadsheet program and save it as .xlsx or CSV. {WHAT_TO_UPLOAD}"
        )
    return "csv", head


def _head_text(head: bytes) -> str:
    """The head as text, well enough to look at its first characters."""
    if head.startswith(UTF8_BOM):
        return head[len(UTF8_BOM) :].decode("utf-8", "replace")
    if head.startswith(UTF16_BOMS):
        return head.decode("utf-16", "replace")
    utf16 = utf16_without_bom(head)
    if utf16 is not None:
        return codecs.decode(head, utf16, "replace")
    return head.decode("latin-1")
