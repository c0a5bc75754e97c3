"""Which encoding a text file is in, and its lines read back one at a time.

Files reach us from every program that ever wrote a CSV or vCard: Excel on Windows
(Windows-1252, or UTF-16 for "Unicode text"), Numbers and Google (UTF-8, sometimes with a
BOM), and files pasted together from several of them. Nothing typed by the user may be lost
to a wrong guess, so a file that is not valid UTF-8 is decoded line by line: UTF-8 where a
line is valid UTF-8, Windows-1252 where it is not.
"""

from __future__ import annotations

import codecs
import io
import re
from collections.abc import Generator
from dataclasses import dataclass
from pathlib import Path

from regulars.transfer.formats.base import FileRefused

UTF8_BOM = codecs.BOM_UTF8
UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
HEAD_BYTES = 64 * 1024
_CHUNK = 1024 * 1024

# Five bytes have no character in Windows-1252; Windows itself maps them to the C1 controls
# of the same number, which is what Latin-1 does. Decoding them so keeps every byte.
_CP1252_FALLBACK = "regulars-cp1252-latin1"


def _latin1_for_undefined(error: UnicodeError) -> tuple[str, int]:
    if not isinstance(error, UnicodeDecodeError):
        raise error
    return error.object[error.start : error.end].decode("latin-1"), error.end


codecs.register_error(_CP1252_FALLBACK, _latin1_for_undefined)

# A valid UTF-8 sequence of two or more bytes. Windows-1252 text almost never contains one
# (it would need e.g. "Ã©" typed on purpose), so finding one in a file that is not valid
# UTF-8 as a whole means the file mixes both encodings.
_UTF8_MULTIBYTE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}"
)

# Bytes that no text file contains: C0 controls other than tab, newlines, form feed,
# Ctrl-Z (old DOS end of file) and escape.
_CONTROL = bytes(b for b in range(32) if b not in (9, 10, 12, 13, 26, 27))

NOT_TEXT = (
    "This file is not a text file (it holds binary data), so it cannot be read as a CSV or "
    "vCard file. Export your contacts as CSV, Excel (.xlsx) or vCard (.vcf) and upload that."
)
HAS_NUL = (
    "This file contains NUL bytes, so it is not a text file and cannot be read as CSV "
    "(it is not a text CSV). Open it in a spreadsheet program, save it as CSV (UTF-8) or "
    "Excel (.xlsx), and upload that."
)


@dataclass(frozen=True)
class TextEncoding:
    """How to turn the file's bytes into text.

    `codec` is None for a mixed file, which is decoded line by line.
    """

    label: str  # shown to the user and stored on Table.encoding
    codec: str | None
    errors: str = "strict"
    skip_utf8_bom: bool = False  # mixed files: drop a UTF-8 BOM at the start


UTF8 = TextEncoding("utf-8", "utf-8")
UTF8_SIG = TextEncoding("utf-8-sig", "utf-8-sig")
WINDOWS_1252 = TextEncoding("windows-1252", "cp1252", errors=_CP1252_FALLBACK)


def utf16_without_bom(head: bytes) -> str | None:
    """'utf-16-le' or 'utf-16-be' when the head has the NUL pattern of UTF-16 text.

    Text in Latin script stored as UTF-16 has a NUL in every other byte: the high byte of
    each character. A binary file has NULs too, but not so regularly on one side only.
    """
    sample = head[: len(head) - len(head) % 2]
    pairs = len(sample) // 2
    if pairs < 2:
        return None
    nul_even = sample[0::2].count(0)
    nul_odd = sample[1::2].count(0)
    if nul_odd >= pairs * 0.3 and nul_even <= pairs * 0.02:
        return "utf-16-le"
    if nul_even >= pairs * 0.3 and nul_odd <= pairs * 0.02:
        return "utf-16-be"
    return None


def detect_encoding(path: Path, head: bytes) -> TextEncoding:
    """Read the file once, in chunks, to choose an encoding; refuse binary content.

    The whole file is checked (a NUL on line 900,000 would otherwise stop the import half
    way), but never held in memory: one chunk at a time.
    """
    if head.startswith(UTF16_BOMS):
        return TextEncoding("utf-16", "utf-16", errors="replace")
    utf16 = utf16_without_bom(head)
    if utf16 is not None:
        return TextEncoding("utf-16", utf16, errors="replace")

    nuls = head.count(0)
    control = len(head) - len(head.translate(None, _CONTROL)) - nuls
    if control > max(8, len(head) // 200) or nuls > len(head) // 10:
        raise FileRefused(NOT_TEXT)
    if nuls:
        raise FileRefused(HAS_NUL)

    bom = head.startswith(UTF8_BOM)
    decoder = codecs.getincrementaldecoder("utf-8")()
    valid_utf8 = True
    has_multibyte = False
    tail = b""  # the end of the previous chunk, so a sequence split across chunks is seen
    with path.open("rb") as f:
        while chunk := f.read(_CHUNK):
            if 0 in chunk:
                raise FileRefused(HAS_NUL)
            if valid_utf8:
                try:
                    decoder.decode(chunk)
                except UnicodeDecodeError:
                    valid_utf8 = False
            if not valid_utf8 and not has_multibyte:
                has_multibyte = _UTF8_MULTIBYTE.search(tail + chunk) is not None
            tail = chunk[-3:]
    if valid_utf8:
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            valid_utf8 = False
    if valid_utf8:
        return UTF8_SIG if bom else UTF8
    if has_multibyte:
        return TextEncoding("utf-8 (some lines windows-1252)", None, skip_utf8_bom=bom)
    return WINDOWS_1252


def _decode_line(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors=_CP1252_FALLBACK)


def read_lines(path: Path, encoding: TextEncoding, max_chars: int) -> Generator[str, None, None]:
    """The file's lines with their line endings, none longer than `max_chars`.

    A longer line comes in pieces of `max_chars`, so a 50 MB file without a newline costs
    one piece of memory; the reader sees a piece that long and refuses it.
    """
    if encoding.codec is None:
        yield from _read_mixed_lines(path, encoding, max_chars)
        return
    with (
        path.open("rb") as raw,
        io.TextIOWrapper(raw, encoding=encoding.codec, errors=encoding.errors, newline="") as f,
    ):
        while line := f.readline(max_chars):
            yield line


def _read_mixed_lines(
    path: Path, encoding: TextEncoding, max_chars: int
) -> Generator[str, None, None]:
    # Up to four bytes a character: a line cut here is always over `max_chars` characters.
    max_bytes = max_chars * 4
    with path.open("rb") as f:
        first = True
        while raw := f.readline(max_bytes):
            if first and encoding.skip_utf8_bom and raw.startswith(UTF8_BOM):
                raw = raw[len(UTF8_BOM) :]
            first = False
            yield _decode_line(raw)
