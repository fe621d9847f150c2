"""Reading export files: CSV in UTF-8 (with or without BOM) or GBK/GB18030, and XLSX.

Every reader yields the header row and then (row number as Excel shows it, cells as text). The
header is row 1, so the first data row is row 2. Cells come back as stripped strings, except that
XLSX date cells stay `datetime`/`date` (the date parser takes them as they are).
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from app.errors import DomainError

XLSX_REQUIRED_PARTS = ("[Content_Types].xml", "xl/workbook.xml")
# Bytes that never occur in a text export: a file holding them is not a CSV, whatever its name.
_BINARY_MARKERS = (b"\x00", b"\x89PNG", b"%PDF", b"\xff\xd8\xff", b"GIF8", b"\xd0\xcf\x11\xe0")


class FileRefused(DomainError):
    """The file is not something the importer can read; the message says why, in Chinese."""

    def __init__(self, message: str):
        super().__init__(message, "import_file_refused", status=422)


@dataclass
class Table:
    headers: list[str]
    rows: list[tuple[int, list]]  # (row number in the sheet, cells)
    format: str  # "csv" / "xlsx"
    encoding: str | None = None


def detect_format(path: Path) -> str:
    """'xlsx' or 'csv' from the file's content (never its name); FileRefused for anything else."""
    with open(path, "rb") as fh:
        head = fh.read(8192)
    if not head.strip():
        raise FileRefused("文件是空的")
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(path) as archive:
                names = set(archive.namelist())
        except zipfile.BadZipFile:
            raise FileRefused("文件已损坏,无法作为 Excel 文件打开") from None
        if not all(part in names for part in XLSX_REQUIRED_PARTS):
            raise FileRefused("压缩文件不是 Excel 工作簿(.xlsx)")
        return "xlsx"
    if any(marker in head for marker in _BINARY_MARKERS):
        raise FileRefused("文件不是 CSV 或 Excel(.xlsx)文件,请上传从核心系统导出的 CSV 或 xlsx 文件")
    try:
        _decode(head, probe=True)
    except UnicodeDecodeError:
        raise FileRefused("无法识别文件编码,请另存为 UTF-8 或 GBK 编码的 CSV") from None
    return "csv"


def read_table(path: Path) -> Table:
    fmt = detect_format(path)
    table = _read_xlsx(path) if fmt == "xlsx" else _read_csv(path)
    if not table.headers or not any(table.headers):
        raise FileRefused("第1行应为表头(列名),但它是空的")
    return table


def _decode(data: bytes, probe: bool = False) -> tuple[str, str]:
    """Text and the encoding it was in: UTF-8 first (a BOM is dropped), then GB18030, the superset
    of GBK that Chinese Excel writes. A probe may cut a multi-byte character at its end."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError as err:
            if probe and err.start >= len(data) - 3:
                return data[:err.start].decode(encoding), encoding
    raise UnicodeDecodeError("gb18030", data, 0, 1, "neither UTF-8 nor GB18030")


def _read_csv(path: Path) -> Table:
    data = path.read_bytes()
    try:
        text, encoding = _decode(data)
    except UnicodeDecodeError:
        raise FileRefused("无法识别文件编码,请另存为 UTF-8 或 GBK 编码的 CSV") from None
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",\t;")
        delimiter = dialect.delimiter
    except csv.Error:
        delimiter = ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        headers = [h.strip() for h in next(reader, [])]
        # Cells stay as read (parsers strip them): stripping 2 million cells one by one is a
        # visible share of a 100,000-row import, and most columns parse each distinct value once.
        rows = [(line_no, cells) for line_no, cells in enumerate(reader, start=2) if any(cells)]
    except csv.Error as err:
        raise FileRefused(f"CSV 格式错误:{err}") from None
    _pad(rows, len(headers))
    return Table(headers=headers, rows=rows, format="csv", encoding=encoding)


def _pad(rows: list[tuple[int, list]], width: int) -> None:
    """Give short rows empty cells up to the header's width, so a column is one index everywhere."""
    for _row_no, cells in rows:
        if len(cells) < width:
            cells.extend([""] * (width - len(cells)))


def _read_xlsx(path: Path) -> Table:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception:  # openpyxl raises a zoo of exceptions for a damaged workbook
        raise FileRefused("Excel 文件已损坏或格式不受支持") from None
    try:
        sheet = workbook.worksheets[0]
        rows_iter: Iterator = sheet.iter_rows(values_only=True)
        headers = [_cell_text(c) for c in next(rows_iter, ())]
        while headers and headers[-1] == "":
            headers.pop()
        rows = []
        for row_no, cells in enumerate(rows_iter, start=2):
            values = [_cell_value(c) for c in cells]
            if not any(v not in ("", None) for v in values):
                continue
            rows.append((row_no, values))
    finally:
        workbook.close()
    _pad(rows, len(headers))
    return Table(headers=headers, rows=rows, format="xlsx")


def _cell_text(value) -> str:
    return "" if value is None else str(value).strip()


def _cell_value(value):
    """Dates stay dates; numbers become the text a user typed (Excel stores 13812345678 as a float)."""
    if value is None:
        return ""
    if isinstance(value, datetime | date):
        return value
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value).strip()
