"""The readers on real files, written here in each format, encoding and delimiter."""

from __future__ import annotations

import datetime
import io
import zipfile
from pathlib import Path

import openpyxl
import pytest

from regulars.transfer.formats import FileRefused, Limits, RawRow, Table, open_table


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def read(path: Path, **kwargs: object) -> tuple[Table, list[RawRow]]:
    table = open_table(path, name=path.name, **kwargs)  # type: ignore[arg-type]
    return table, list(table.rows())


def cells(rows: list[RawRow]) -> list[list[str]]:
    return [row.cells for row in rows]


# --- CSV -------------------------------------------------------------------------------


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_csv_delimiters(tmp_path: Path, delimiter: str) -> None:
    text = delimiter.join(["Name", "Email", "Note"]) + "\n"
    text += delimiter.join(["Anna", "anna@example.com", '"a, b; c | d"']) + "\n"
    text += delimiter.join(["Bob", "bob@example.com", "plain"]) + "\n"
    table, rows = read(write(tmp_path, "c.csv", text.encode()))
    assert table.format == "csv"
    assert table.delimiter == delimiter
    assert table.headers == ["Name", "Email", "Note"]
    assert cells(rows) == [
        ["Anna", "anna@example.com", "a, b; c | d"],
        ["Bob", "bob@example.com", "plain"],
    ]
    assert [row.number for row in rows] == [2, 3]


def test_csv_quotes_embedded_newlines_and_row_numbers(tmp_path: Path) -> None:
    data = b'Name,Note\r\n"Anna ""Ania"" K",plain\r\n\r\n"Bob","two\r\nlines"\r\n,\r\nCarol,last'
    table, rows = read(write(tmp_path, "q.csv", data))
    assert table.headers == ["Name", "Note"]
    assert cells(rows) == [['Anna "Ania" K', "plain"], ["Bob", "two\r\nlines"], ["Carol", "last"]]
    # Blank rows are skipped but counted, as a spreadsheet program shows them.
    assert [row.number for row in rows] == [2, 4, 6]
    assert all(row.error is None for row in rows)


def test_csv_single_column(tmp_path: Path) -> None:
    table, rows = read(write(tmp_path, "one.csv", b"Email\na@example.com\nb@example.com\n"))
    assert table.headers == ["Email"]
    assert cells(rows) == [["a@example.com"], ["b@example.com"]]


def test_csv_short_rows_padded_long_rows_rejected_empty_headers_named(tmp_path: Path) -> None:
    data = b"Name,,Email,\nAnna\nBob,x,b@example.com,extra\n"
    table, rows = read(write(tmp_path, "r.csv", data))
    assert table.headers == ["Name", "Column 2", "Email"]
    assert rows[0] == RawRow(2, ["Anna", "", ""])
    assert rows[1].cells == ["Bob", "x", "b@example.com"]
    assert rows[1].error is not None
    assert "4 cells but there are only 3 column headers" in rows[1].error


def test_csv_long_cell_rejects_row_with_cut_cells(tmp_path: Path) -> None:
    data = b"Name,Note\nAnna," + b"x" * 12_000 + b"\n"
    _, rows = read(write(tmp_path, "long.csv", data))
    assert rows[0].error == "The cell in column “Note” is longer than 10,000 characters."
    assert rows[0].cells == ["Anna", "x" * 10_000]


def test_csv_duplicate_headers_allowed(tmp_path: Path) -> None:
    table, _ = read(write(tmp_path, "d.csv", b"Phone,Phone\n1,2\n"))
    assert table.headers == ["Phone", "Phone"]


TEXT = "Name,City\nJosé,Málaga\nJürgen,Köln\nZoë,Zürich\n"
EXPECTED = [["José", "Málaga"], ["Jürgen", "Köln"], ["Zoë", "Zürich"]]


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (TEXT.encode(), "utf-8"),
        (b"\xef\xbb\xbf" + TEXT.encode(), "utf-8-sig"),
        (b"\xff\xfe" + TEXT.encode("utf-16-le"), "utf-16"),
        (b"\xfe\xff" + TEXT.encode("utf-16-be"), "utf-16"),
        (TEXT.encode("utf-16-le"), "utf-16"),
        (TEXT.encode("utf-16-be"), "utf-16"),
        (TEXT.encode("cp1252"), "windows-1252"),
        (TEXT.encode("latin-1"), "windows-1252"),
    ],
    ids=[
        "utf8",
        "utf8-bom",
        "utf16le-bom",
        "utf16be-bom",
        "utf16le",
        "utf16be",
        "cp1252",
        "latin1",
    ],
)
def test_csv_encodings(tmp_path: Path, data: bytes, encoding: str) -> None:
    table, rows = read(write(tmp_path, "e.csv", data))
    assert table.encoding == encoding
    assert table.headers == ["Name", "City"]
    assert cells(rows) == EXPECTED


def test_csv_windows_1252_specials(tmp_path: Path) -> None:
    data = "Name,Note\nStraße,5 €\n".encode("cp1252") + b"Odd,\x81\n"
    table, rows = read(write(tmp_path, "w.csv", data))
    assert table.encoding == "windows-1252"
    assert cells(rows) == [["Straße", "5 €"], ["Odd", "\x81"]]


def test_csv_mixed_encodings_decoded_line_by_line(tmp_path: Path) -> None:
    data = (
        "Name,City\nJosé,Málaga\n".encode()
        + "Jürgen,Köln\n".encode("cp1252")
        + "Zoë,Zürich\n".encode()
    )
    table, rows = read(write(tmp_path, "m.csv", data))
    assert table.encoding == "utf-8 (some lines windows-1252)"
    assert cells(rows) == EXPECTED


def test_csv_formulas_are_plain_text(tmp_path: Path) -> None:
    _, rows = read(write(tmp_path, "f.csv", b"A,B\n=1+1,+cmd\n"))
    assert cells(rows) == [["=1+1", "+cmd"]]


def test_csv_rows_can_be_read_twice(tmp_path: Path) -> None:
    table, rows = read(write(tmp_path, "t.csv", b"A\n1\n2\n"))
    assert list(table.rows()) == rows


def test_csv_more_rows_than_limit_refused_while_reading(tmp_path: Path) -> None:
    path = write(tmp_path, "n.csv", b"A\n1\n2\n3\n")
    table = open_table(path, name="n.csv", limits=Limits(max_rows=2))
    with pytest.raises(FileRefused, match="more than 2 rows"):
        list(table.rows())


def test_content_decides_over_extension(tmp_path: Path) -> None:
    table, _ = read(write(tmp_path, "really.xlsx", b"A,B\n1,2\n"))
    assert table.format == "csv"


# --- XLSX ------------------------------------------------------------------------------


def make_workbook(tmp_path: Path, name: str = "book.xlsx") -> Path:
    workbook = openpyxl.Workbook()
    first = workbook.active
    assert first is not None
    first.title = "Customers"
    first.append(["Name", "Born", "Phone", "Spend", "VIP", "Visits", "Seen at", "Total", None])
    first.append(
        [
            "Anna",
            datetime.date(1985, 3, 2),
            447700900123.0,
            1.5,
            True,
            3,
            datetime.datetime(2024, 5, 6, 14, 30),  # noqa: DTZ001 - cells are naive
            "=F2*2",
        ]
    )
    first.append([None])
    first.append(
        [
            "Bob",
            datetime.datetime(1990, 1, 2, 0, 0),  # noqa: DTZ001
            7700900456,
            0.1 + 0.2,
            False,
            None,
            None,
        ]
    )
    second = workbook.create_sheet("Suppliers")
    second.append(["Company", "Email"])
    second.append(["Acme", "orders@acme.example"])
    path = tmp_path / name
    workbook.save(path)
    return path


def test_xlsx_cells_as_text(tmp_path: Path) -> None:
    table, rows = read(make_workbook(tmp_path))
    assert table.format == "xlsx"
    assert table.sheet == "Customers"
    assert table.sheets == ["Customers", "Suppliers"]
    assert table.headers == ["Name", "Born", "Phone", "Spend", "VIP", "Visits", "Seen at", "Total"]
    assert rows == [
        # The formula has no cached value (openpyxl does not calculate): "".
        RawRow(
            2, ["Anna", "1985-03-02", "447700900123", "1.5", "TRUE", "3", "2024-05-06 14:30", ""]
        ),
        RawRow(4, ["Bob", "1990-01-02", "7700900456", "0.3", "FALSE", "", "", ""]),
    ]


def test_xlsx_formula_cached_value_used(tmp_path: Path) -> None:
    path = make_workbook(tmp_path)
    with zipfile.ZipFile(path) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    sheet = parts["xl/worksheets/sheet1.xml"]
    assert b"<f>F2*2</f><v />" in sheet
    parts["xl/worksheets/sheet1.xml"] = sheet.replace(b"<f>F2*2</f><v />", b"<f>F2*2</f><v>6</v>")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    path.write_bytes(buffer.getvalue())
    _, rows = read(path)
    assert rows[0].cells[7] == "6"


def test_xlsx_second_sheet_by_name(tmp_path: Path) -> None:
    table, rows = read(make_workbook(tmp_path), sheet="Suppliers")
    assert table.sheet == "Suppliers"
    assert table.headers == ["Company", "Email"]
    assert rows == [RawRow(2, ["Acme", "orders@acme.example"])]


def test_xlsx_unknown_sheet_lists_the_sheets(tmp_path: Path) -> None:
    with pytest.raises(FileRefused) as refused:
        read(make_workbook(tmp_path), sheet="Nope")
    assert "“Nope”" in refused.value.reason
    assert "“Customers”, “Suppliers”" in refused.value.reason


def test_xlsx_named_csv_is_read_as_workbook(tmp_path: Path) -> None:
    table, rows = read(make_workbook(tmp_path, "export.csv"))
    assert table.format == "xlsx"
    assert rows[0].cells[0] == "Anna"


def test_xlsx_headers_only_refused(tmp_path: Path) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["Name", "Email"])
    path = tmp_path / "h.xlsx"
    workbook.save(path)
    with pytest.raises(FileRefused, match="column headers but no rows"):
        read(path)


# --- vCard -----------------------------------------------------------------------------

VCARD_3 = (
    "BEGIN:VCARD\r\n"
    "VERSION:3.0\r\n"
    "N:Kowalska;Anna;Maria;Dr.;\r\n"
    "FN:Dr. Anna Kowalska\r\n"
    "ORG:Kowalska Design;Studio\r\n"
    "EMAIL;TYPE=INTERNET:other@example.com\r\n"
    "EMAIL;TYPE=INTERNET,pref:anna@example.com\r\n"
    "TEL;TYPE=HOME,VOICE:020 7946 0000\r\n"
    "item1.TEL:07700 900123\r\n"
    "item1.X-ABLabel:_$!<Mobile>!$_\r\n"
    "item2.TEL:020 7946 0001\r\n"
    "item2.X-ABLabel:Work\r\n"
    "TEL;TYPE=FAX:020 7946 0009\r\n"
    "ADR;TYPE=HOME:;Flat 3;12 High Street;London;Greater London;SW1A 1AA;United Kingdom\r\n"
    "BDAY:19850302\r\n"
    "NOTE:Likes tea\\, not coffee\\nSecond line that is long enough to be fol\r\n"
    " ded by the exporter\r\n"
    "CATEGORIES:VIP,Regular\r\n"
    "END:VCARD\r\n"
    "BEGIN:VCARD\r\n"
    "VERSION:3.0\r\n"
    "N:Smith;Bob;;;\r\n"
    "FN:Bob Smith\r\n"
    "TEL:0123 456\r\n"
    "BDAY:--0302\r\n"
    "END:VCARD\r\n"
)

VCARD_4 = """BEGIN:VCARD
VERSION:4.0
N:Doe;John;;;
FN:John Doe
TEL;VALUE=uri;TYPE="cell,voice";PREF=1:tel:+1-555-555-5555
TEL;VALUE=uri;TYPE=work:tel:+1-555-555-0001
EMAIL;PREF=1:john@example.com
BDAY:1990-12-31
END:VCARD
BEGIN:VCARD
VERSION:4.0
FN:Jane Roe
EMAIL:jane@example.com
END:VCARD
"""

VCARD_21 = (
    "BEGIN:VCARD\r\n"
    "VERSION:2.1\r\n"
    "N;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:M=C3=BCller;J=C3=B6rg\r\n"
    "TEL;CELL;VOICE:0170 1234567\r\n"
    "NOTE;ENCODING=QUOTED-PRINTABLE:line one=0D=0Aline=\r\n"
    " two\r\n"
    "END:VCARD\r\n"
)


def row_dict(table: Table, row: RawRow) -> dict[str, str]:
    return {h: c for h, c in zip(table.headers, row.cells, strict=True) if c}


def test_vcard_30(tmp_path: Path) -> None:
    table, rows = read(write(tmp_path, "c.vcf", VCARD_3.encode()))
    assert table.format == "vcard"
    assert [row.number for row in rows] == [2, 3]
    assert row_dict(table, rows[0]) == {
        "First Name": "Anna",
        "Last Name": "Kowalska",
        "Full Name": "Dr. Anna Kowalska",
        "Company": "Kowalska Design",
        "E-mail": "anna@example.com",
        "Mobile Phone": "07700 900123",
        "Home Phone": "020 7946 0000",
        "Work Phone": "020 7946 0001",
        "Address Line 1": "12 High Street",
        "Address Line 2": "Flat 3",
        "City": "London",
        "Region": "Greater London",
        "Postal Code": "SW1A 1AA",
        "Country": "United Kingdom",
        "Birthday": "1985-03-02",
        "Note": "Likes tea, not coffee\nSecond line that is long enough to be folded by the exporter",
        "Categories": "VIP; Regular",
    }
    assert row_dict(table, rows[1]) == {
        "First Name": "Bob",
        "Last Name": "Smith",
        "Full Name": "Bob Smith",
        "Phone": "0123 456",
    }


def test_vcard_40(tmp_path: Path) -> None:
    table, rows = read(write(tmp_path, "c.vcf", VCARD_4.encode()))
    assert row_dict(table, rows[0]) == {
        "First Name": "John",
        "Last Name": "Doe",
        "Full Name": "John Doe",
        "E-mail": "john@example.com",
        "Mobile Phone": "+1-555-555-5555",
        "Work Phone": "+1-555-555-0001",
        "Birthday": "1990-12-31",
    }
    assert row_dict(table, rows[1]) == {"Full Name": "Jane Roe", "E-mail": "jane@example.com"}


def test_vcard_21_quoted_printable(tmp_path: Path) -> None:
    table, rows = read(write(tmp_path, "c.vcf", VCARD_21.encode()))
    assert row_dict(table, rows[0]) == {
        "First Name": "Jörg",
        "Last Name": "Müller",
        "Mobile Phone": "0170 1234567",
        "Note": "line one\r\nline two",
    }


def test_vcard_utf16_with_bom(tmp_path: Path) -> None:
    table, rows = read(write(tmp_path, "c.vcf", b"\xff\xfe" + VCARD_4.encode("utf-16-le")))
    assert table.encoding == "utf-16"
    assert len(rows) == 2


def test_vcard_broken_contact_is_one_rejected_row(tmp_path: Path) -> None:
    broken = "BEGIN:VCARD\r\nVERSION:3.0\r\nno colon here\r\nEND:VCARD\r\n"
    _, rows = read(write(tmp_path, "c.vcf", (broken + VCARD_4).encode()))
    assert [row.number for row in rows] == [2, 3, 4]
    assert rows[0].error is not None
    assert "Contact 1 could not be read" in rows[0].error
    assert rows[1].error is None
    assert rows[2].error is None
