"""Excel workbooks (.xlsx), checked as a ZIP before any XML is parsed.

An .xlsx is a ZIP of XML files, which makes it a carrier for zip bombs and hostile XML.
The ZIP directory is checked first (entry count, declared sizes, compression ratios,
macros, external links), with `zipfile` alone. Only then does openpyxl parse, through
defusedxml, which refuses entity expansion (billion laughs) and external entities (XXE).
zipfile never inflates an entry past its declared size (a lie fails the CRC check), so the
declared sizes checked here are a true bound.

Formula cells give their cached value (what Excel last showed); a formula with no cached
value, as written by programs that do not calculate (openpyxl among them), gives "".
"""

from __future__ import annotations

import datetime
import warnings
import zipfile
from collections.abc import Generator
from contextlib import closing
from pathlib import Path
from typing import Any

import openpyxl
from defusedxml import DefusedXmlException

from regulars.transfer.formats.base import MB, FileRefused, Limits, RawRow, Table
from regulars.transfer.formats.detect import WHAT_TO_UPLOAD, human_size
from regulars.transfer.formats.rows import is_blank, make_headers, make_row, too_many_rows

# Entries smaller than this are not checked for their compression ratio: a highly
# compressible small file (a sheet of empty styled cells) is common and harmless.
RATIO_FLOOR = 1 * MB
CONTENT_TYPES_CAP = 1 * MB
MACRO_EXTENSIONS = (".xlsm", ".xltm", ".xlam")

DAMAGED = (
    "This Excel file is damaged or incomplete (perhaps cut short while uploading or "
    "copying), so it cannot be read. Open it in Excel to check it, save it again as .xlsx "
    "or CSV, and upload that."
)
SAVE_AS_CSV = "If it is a real workbook, open it in Excel, save it as CSV and upload that."
MACROS = (
    "This workbook contains macros. Open it in Excel and save it as an Excel Workbook "
    "(.xlsx) or CSV, which leaves the macros out, then upload that."
)


def _not_a_workbook(names: set[str], head: bytes) -> str:
    if "word/document.xml" in names:
        what = "This is a Word document, not a spreadsheet."
    elif "ppt/presentation.xml" in names:
        what = "This is a PowerPoint presentation, not a spreadsheet."
    elif "xl/workbook.bin" in names:
        what = "This is an Excel binary workbook (.xlsb), which cannot be read here."
    elif b"opendocument.spreadsheet" in head:
        what = "This is an OpenDocument spreadsheet (.ods), which cannot be read here."
    else:
        what = "This is a ZIP archive, not an Excel workbook."
    return f"{what} {WHAT_TO_UPLOAD}"


def check_zip(path: Path, name: str, head: bytes, limits: Limits) -> None:
    """Refuse what would be dangerous or pointless to parse, from the ZIP directory alone."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        raise FileRefused(DAMAGED) from None
    with archive:
        infos = archive.infolist()
        if len(infos) > limits.zip_max_entries:
            raise FileRefused(
                f"This file has {len(infos):,} parts, more than a workbook has (the limit is "
                f"{limits.zip_max_entries:,}), so it was not opened. {SAVE_AS_CSV}"
            )
        total = sum(info.file_size for info in infos)
        if total > limits.zip_max_uncompressed:
            raise FileRefused(
                f"This file unpacks to {human_size(total)}, over the limit of "
                f"{human_size(limits.zip_max_uncompressed)}, so it was not opened. {SAVE_AS_CSV}"
            )
        for info in infos:
            if info.flag_bits & 0x1:
                raise FileRefused(
                    "This file is password-protected. Remove the password in Excel, save it "
                    "as .xlsx or CSV, and upload that."
                )
            if info.file_size > RATIO_FLOOR and info.file_size > limits.zip_max_ratio * max(
                info.compress_size, 1
            ):
                raise FileRefused(
                    "This file unpacks to far more data than a real spreadsheet of its size "
                    f"holds (a “zip bomb”), so it was not opened. {SAVE_AS_CSV}"
                )
        names = {info.filename for info in infos}
        if "xl/workbook.xml" not in names:
            raise FileRefused(_not_a_workbook(names, head))
        if any(n.startswith("xl/externalLinks/") for n in names):
            raise FileRefused(
                "This workbook has links to other workbooks (external links), which are not "
                "followed here. In Excel, break the links (Data, Edit Links, Break Link), save "
                "the file and upload it again, or save the sheet as CSV."
            )
        if name.lower().endswith(MACRO_EXTENSIONS) or any(
            n.lower().endswith("vbaproject.bin") for n in names
        ):
            raise FileRefused(MACROS)
        if "[Content_Types].xml" in names:
            try:
                with archive.open("[Content_Types].xml") as part:
                    content_types = part.read(CONTENT_TYPES_CAP).lower()
            except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError):
                raise FileRefused(DAMAGED) from None
            if b"macroenabled" in content_types or b"vbaproject" in content_types:
                raise FileRefused(MACROS)


def cell_text(value: Any) -> str:
    """A cell as the text a person would type for it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        # Phone numbers typed into Excel are stored as floats: 447700900123.0.
        if value.is_integer() and abs(value) < 2**53:
            return str(int(value))
        return f"{value:.15g}"
    if isinstance(value, datetime.datetime):
        if value.time() == datetime.time(0):
            return value.date().isoformat()
        timespec = "seconds" if value.second or value.microsecond else "minutes"
        return value.isoformat(sep=" ", timespec=timespec)
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, datetime.time):
        return value.isoformat(timespec="seconds" if value.second else "minutes")
    return str(value)


def _unsafe_xml() -> FileRefused:
    return FileRefused(
        "This workbook contains XML features that can be used to attack a server (entity "
        "definitions or references to outside files), so it was not opened. Open it in "
        "Excel, save it as CSV and upload that."
    )


def _is_unsafe_xml(error: BaseException) -> bool:
    """Whether defusedxml refused the XML; openpyxl wraps its errors in ValueError."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        if isinstance(current, DefusedXmlException):
            return True
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return False


def _load(file: Any) -> Any:
    if not openpyxl.DEFUSEDXML:  # pragma: no cover - a deployment error, not a user's
        raise RuntimeError("openpyxl must parse through defusedxml (OPENPYXL_DEFUSEDXML).")
    try:
        with warnings.catch_warnings():
            # openpyxl warns about parts it drops (data validation, unknown extensions):
            # nothing the import needs.
            warnings.simplefilter("ignore")
            return openpyxl.load_workbook(file, read_only=True, data_only=True, keep_links=False)
    except Exception as error:
        # openpyxl raises anything from KeyError to TypeError on a malformed workbook.
        raise (_unsafe_xml() if _is_unsafe_xml(error) else FileRefused(DAMAGED)) from None


def _sheet_records(path: Path, sheet: str) -> Generator[tuple[int, list[str]], None, None]:
    """Every row of the sheet with its spreadsheet row number, trailing empty cells cut."""
    with path.open("rb") as file:
        workbook = _load(file)
        try:
            worksheet = workbook[sheet]
            # The stored dimension may claim 16,384 columns; without it, each row is as
            # wide as its last cell.
            worksheet.reset_dimensions()
            values = worksheet.iter_rows(values_only=True)
            number = 0
            while True:
                try:
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore")
                        row = next(values)
                except StopIteration:
                    return
                except Exception as error:
                    unsafe = _is_unsafe_xml(error)
                    raise (_unsafe_xml() if unsafe else FileRefused(DAMAGED)) from None
                number += 1
                cells = [cell_text(value) for value in row]
                while cells and not cells[-1]:
                    cells.pop()
                yield number, cells
        finally:
            workbook.close()


def open_xlsx(path: Path, *, name: str, head: bytes, sheet: str | None, limits: Limits) -> Table:
    check_zip(path, name, head, limits)
    with path.open("rb") as file:
        workbook = _load(file)
        try:
            sheets = [worksheet.title for worksheet in workbook.worksheets]
        finally:
            workbook.close()
    if not sheets:
        raise FileRefused(f"This workbook has no sheets with cells. {WHAT_TO_UPLOAD}")
    if sheet is None:
        sheet = sheets[0]
    elif sheet not in sheets:
        listed = ", ".join(f"“{s}”" for s in sheets)
        raise FileRefused(
            f"This workbook has no sheet called “{sheet}”. Choose one of its sheets: {listed}."
        )
    chosen = sheet

    header_number = 0
    headers: list[str] = []
    with closing(_sheet_records(path, chosen)) as records:
        for number, cells in records:
            if not is_blank(cells):
                header_number, headers = number, make_headers(cells, limits)
                break
    if not headers:
        raise FileRefused(
            f"The sheet “{chosen}” is empty. Choose another sheet, or check you uploaded the "
            "right file."
        )

    def rows() -> Generator[RawRow, None, None]:
        """Data rows; raises FileRefused past the row limit, so dry-run it first."""
        count = 0
        with closing(_sheet_records(path, chosen)) as records:
            for number, cells in records:
                if number <= header_number or is_blank(cells):
                    continue
                count += 1
                if count > limits.max_rows:
                    raise too_many_rows(limits)
                yield make_row(number, cells, headers, limits)

    return Table(format="xlsx", headers=headers, rows=rows, sheet=chosen, sheets=sheets)
