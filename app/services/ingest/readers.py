"""Reading export files: CSV in UTF-8 (with or without BOM) or GBK/GB18030, and XLSX.

Every reader gives the header row and then (row number as Excel shows it, cells as text), in parts
(TableReader.parts) so that validation can start before the whole file is read. The header is
row 1, so the first data row is row 2. Cells come back as stripped strings, except that
XLSX date cells stay `datetime`/`date` (the date parser takes them as they are).
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from itertools import islice
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


class TableReader:
    """An open export file: its header row now, its data rows in parts (`parts`), so that a big
    file's first rows can be validated and loaded while the rest is still being read."""

    def __init__(self, headers: list[str], rows: Iterator[tuple[int, list]], format: str,
                 encoding: str | None = None, size_hint: int = 0, close: Callable[[], None] | None = None):
        self.headers = headers
        self.format = format
        self.encoding = encoding
        self.size_hint = size_hint  # about how many data rows (for progress), 0 if unknown
        self._rows = rows
        self._close = close

    def parts(self, sizes: tuple[int, ...] | None = None) -> Iterator[Table]:
        """The data rows as Tables of up to sizes[0] rows, then sizes[1], ..., the last size
        repeating (all rows in one if sizes is None); at least one Table, maybe empty."""
        sizes = iter(sizes or (None,))
        size = next(sizes)
        first = True
        while True:
            rows = list(islice(self._rows, size)) if size else list(self._rows)
            if rows or first:
                _pad(rows, len(self.headers))
                yield Table(self.headers, rows, self.format, self.encoding)
            if not rows or not size or len(rows) < size:
                return
            first, size = False, next(sizes, size)

    def close(self) -> None:
        if self._close is not None:
            self._close()

    def __enter__(self) -> TableReader:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def open_table(path: Path) -> TableReader:
    fmt = detect_format(path)
    reader = _open_xlsx(path) if fmt == "xlsx" else _open_csv(path)
    if not reader.headers or not any(reader.headers):
        reader.close()
        raise FileRefused("第1行应为表头(列名),但它是空的")
    return reader


def read_table(path: Path) -> Table:
    """The whole file at once."""
    with open_table(path) as reader:
        return next(reader.parts(None))


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


def _open_csv(path: Path) -> TableReader:
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
    size_hint = text.count("\n")
    if '"' not in text:
        # No quoting anywhere (what core systems usually export): every line is one row and its
        # cells are what lies between the delimiters, exactly as the csv module would read them,
        # at a third of the cost.
        lines = text.replace("\r\n", "\n").split("\n")
        if "\r" not in text.replace("\r\n", ""):
            headers = [h.strip() for h in lines[0].split(delimiter)] if lines[0] else []
            return TableReader(headers, _split_rows(lines, delimiter), "csv", encoding, size_hint=size_hint)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        headers = [h.strip() for h in next(reader, [])]
    except csv.Error as err:
        raise FileRefused(f"CSV 格式错误:{err}") from None
    return TableReader(headers, _csv_rows(reader), "csv", encoding, size_hint=size_hint)


def _split_rows(lines: list[str], delimiter: str) -> Iterator[tuple[int, list]]:
    return ((line_no, cells) for line_no, cells in enumerate((line.split(delimiter) for line in lines[1:]), start=2)
            if any(cells))


def _csv_rows(reader) -> Iterator[tuple[int, list]]:
    # Cells stay as read (parsers strip them): stripping 2 million cells one by one is a visible
    # share of a 100,000-row import, and most columns parse each distinct value once.
    try:
        yield from ((line_no, cells) for line_no, cells in enumerate(reader, start=2) if any(cells))
    except csv.Error as err:
        raise FileRefused(f"CSV 格式错误:{err}") from None


def _pad(rows: list[tuple[int, list]], width: int) -> None:
    """Give short rows empty cells up to the header's width, so a column is one index everywhere."""
    for _row_no, cells in rows:
        if len(cells) < width:
            cells.extend([""] * (width - len(cells)))


def _open_xlsx(path: Path) -> TableReader:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception:  # openpyxl raises a zoo of exceptions for a damaged workbook
        raise FileRefused("Excel 文件已损坏或格式不受支持") from None
    try:
        sheet = workbook.worksheets[0]
        rows_iter: Iterator = sheet.iter_rows(values_only=True)
        headers = [_cell_text(c) for c in next(rows_iter, ())]
    except Exception:
        workbook.close()
        raise FileRefused("Excel 文件已损坏或格式不受支持") from None
    while headers and headers[-1] == "":
        headers.pop()
    return TableReader(headers, _xlsx_rows(rows_iter), "xlsx", size_hint=max((sheet.max_row or 1) - 1, 0),
                       close=workbook.close)


def _xlsx_rows(rows_iter: Iterator) -> Iterator[tuple[int, list]]:
    for row_no, cells in enumerate(rows_iter, start=2):
        values = [_cell_value(c) for c in cells]
        if any(v not in ("", None) for v in values):
            yield row_no, values


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
