"""Reading each sheet of a register file into a grid of raw cell values (folder.py finds the files).

Workbooks (.xlsx, .xlsm, .xlsb, .xls, .ods) are read with python-calamine; CSV files are decoded as UTF-8 (with
or without BOM) or, failing that, GB18030 (a superset of GBK). A grid is a list of rows of raw
values: str, float, int, bool, date, datetime ('' for an empty cell).
"""

from __future__ import annotations

import csv
import errno
import io
import os
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from ..characters import CONTROL_CHARACTERS
from ..problems import UserError
from .cell_xml import ZIP_ERRORS, apply_fixes, inspect_sheet, workbook_xml
from .folder import relative_name
from .ods_merges import ods_merges

EXCEL_MAX_ROWS = 1_048_576
#: An xlsx whose members declare more than this many uncompressed bytes is refused (zip bomb).
DEFAULT_MAX_UNPACKED_BYTES = 2 * 1024**3
#: The limit in MiB, when the centre needs another one (a huge roster, or a stricter machine).
MAX_UNPACKED_ENV = "CHSC_MAX_UNPACKED_MB"
#: A CSV record may hold line breaks inside quotes (an address), but not this many: that is a
#: double quote never closed, which would silently swallow the rows after it.
MAX_LINES_PER_CSV_ROW = 20


@dataclass
class RawSheet:
    file: str  # path relative to the data folder, with forward slashes
    sheet: str | None  # None for a CSV file
    rows: list[list[object]]
    #: Merged cell ranges as (first row, first column, last row, last column), 0-based like `rows`
    #: (.xlsx and .xls keep them; a CSV has none).
    merges: tuple[tuple[int, int, int, int], ...] = ()
    #: "" (shown), HIDDEN (Excel's or LibreOffice's hidden sheet) or VERY_HIDDEN (Excel's "very hidden",
    #: which only a program sets: a system's lookup lists or backup); chsc.yaml's `hidden_sheets` says
    #: which are read (sheets.py).
    hidden: str = ""
    #: Columns the sheet hides (0-based; .xlsx/.xlsm): when a header is written twice, the visible one is read.
    hidden_columns: frozenset[int] = frozenset()
    #: The workbook counts dates from 1904 (old Mac Excel): a date typed as a serial number in a General
    #: cell is 1,462 days later than the same number counted from 1900 (table.py shifts it).
    date1904: bool = False
    #: The line each row starts on, where it is not the row's position + 1: a CSV record whose
    #: quoted cell holds a line break (an address) spans two lines, and every row after it is
    #: shown (cli.md: "in CSV files `row` is the line number") by the line it starts on.
    line_numbers: tuple[int, ...] | None = None
    #: The lines of a UTF-8 CSV whose bytes were damaged (read as �): said as bad-encoding warnings.
    damaged_lines: tuple[int, ...] = ()

    def shown_row(self, index: int) -> int:
        """The row number a user sees for `rows[index]` (0-based): Excel's row, a CSV's line."""
        return self.line_numbers[index] if self.line_numbers is not None else index + 1


class UnreadableFile(Exception):
    """The file cannot be read at all. `code` is unreadable-file or too-large; `reason` is Chinese."""

    def __init__(self, reason: str, code: str = "unreadable-file"):
        super().__init__(reason)
        self.reason = reason
        self.code = code


def max_unpacked_bytes() -> int:
    """The zip-bomb limit: CHSC_MAX_UNPACKED_MB (a positive number of MiB) or 2 GiB."""
    text = os.environ.get(MAX_UNPACKED_ENV, "").strip()
    if not text:
        return DEFAULT_MAX_UNPACKED_BYTES
    try:
        megabytes = float(text)
    except ValueError:
        megabytes = float("nan")
    if not 0 < megabytes < 1024**2:  # NaN fails too
        raise UserError(
            f"环境变量 {MAX_UNPACKED_ENV}={text} 不对：应为解压后大小的上限（MB），如 4096。",
            hint=f"不设置时上限为 {DEFAULT_MAX_UNPACKED_BYTES // 1024**2} MB。",
        )
    return int(megabytes * 1024**2)


def read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as error:
        why = _WHY.get(error.errno, error.strerror)
        if isinstance(error, IsADirectoryError) or _is_folder(path):  # one find_register_files could not open
            raise UnreadableFile(f"无法打开这个文件夹（{why}），其中的登记表都没有读入：请检查文件夹的权限") from None
        raise UnreadableFile(f"无法打开文件（{why}）：请检查文件的权限，或关闭正在使用它的程序后重试") from None


#: Why a file or folder cannot be opened, in Chinese, for the errors a centre meets.
_WHY = {errno.EACCES: "没有权限", errno.EPERM: "没有权限", errno.ENAMETOOLONG: "路径过长", errno.ENOENT: "已不存在",
        errno.EBUSY: "正被占用", errno.EIO: "磁盘读取错误"}


def _is_folder(path: Path) -> bool:
    try:
        return path.is_dir()
    except OSError:
        return False


def read_file(
    path: Path, data_dir: Path, max_unpacked: int | None = None, data: bytes | None = None
) -> list[RawSheet]:
    """All sheets of one file as raw grids; raises UnreadableFile with a Chinese reason.

    `max_unpacked` defaults to max_unpacked_bytes() (CHSC_MAX_UNPACKED_MB, else 2 GiB)."""
    if max_unpacked is None:
        max_unpacked = max_unpacked_bytes()
    name = relative_name(path, data_dir)
    if data is None:
        data = read_bytes(path)
    if path.suffix.lower() == ".csv":
        if not data:  # a new empty file is no fault (listed, skipped); an export that did not finish says so
            raise UnreadableFile(EMPTY_CSV_REASON, code="unsupported-file")
        rows, lines, damaged = _read_csv(data)
        if rows and written_by_chsc(rows[0]):
            raise UnreadableFile(OUTPUT_REASON, code="unsupported-file")
        # a CSV of blank lines is an empty sheet
        return [RawSheet(name, None, rows, line_numbers=lines, damaged_lines=damaged)]
    if not data:
        raise UnreadableFile("文件是空的（0 字节）：请从原系统重新导出，或删除这个文件")
    return _read_workbook(data, name, path.suffix.lower(), max_unpacked)


#: Byte-order marks of UTF-16, which Excel's "Unicode 文本" and some systems' exports are written in
#: (tab-separated): such a file is read by its mark, whatever it is named.
UTF16_MARKS = (b"\xff\xfe", b"\xfe\xff")


#: A text that is UTF-8 but for a few damaged bytes (a field cut short by bytes: 高血 and half of 压):
#: at least this many well-formed non-ASCII characters for each one that is not. GB18030 text read as
#: UTF-8 has more broken sequences than whole ones, so it is never taken for damaged UTF-8.
UTF8_WHOLE_PER_BROKEN = 20


def _damaged_utf8(data: bytes) -> str | None:
    """The text of UTF-8 with a few broken byte sequences (each read as �), or None when the bytes
    are not mostly UTF-8 (then GB18030 is tried): reading such a file as GB18030 turned every
    character into another and the file was skipped as having no header, silently."""
    text = data.decode("utf-8", errors="replace").removeprefix("\ufeff")
    broken = text.count("\ufffd")
    whole = sum(1 for character in text if character > "\x7f") - broken
    return text if broken and whole >= UTF8_WHOLE_PER_BROKEN * broken else None


def damaged_lines(text: str) -> tuple[int, ...]:
    """The lines (1-based) holding a � put for bytes that were not UTF-8."""
    lines, at = [], text.find("\ufffd")
    while at >= 0:
        line = text.count("\n", 0, at) + 1
        if not lines or lines[-1] != line:
            lines.append(line)
        at = text.find("\ufffd", at + 1)
    return tuple(lines)


def _decoded_text(data: bytes) -> str | None:
    """Text by its byte-order mark (UTF-16), else UTF-8 (with or without BOM; with a few damaged bytes
    read as �, said by the reader at their lines), else GB18030; None when none decodes it (GB18030
    fails on a few byte sequences, a lone 0x80 or 0xFF; UTF-16 on an odd length)."""
    for encoding in ("utf-16",) if data.startswith(UTF16_MARKS) else ("utf-8-sig", "utf-8-damaged", "gb18030"):
        if encoding == "utf-8-damaged":
            text = _damaged_utf8(data)
            if text is not None:
                return text
            continue
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return None


#: The longest CSV cell read (2**31 - 1: what the csv module takes on every platform).
CSV_FIELD_LIMIT = 2**31 - 1


def _read_csv(data: bytes) -> tuple[list[list[object]], tuple[int, ...] | None, tuple[int, ...]]:
    """The records, the line each starts on (None when every record is one line: the line is
    the record's position + 1), and the lines whose UTF-8 bytes were damaged."""
    text = _decoded_text(data)
    if text is None:
        raise UnreadableFile("无法识别文件编码：请另存为 UTF-8 或 GBK 编码的 CSV")
    if "\x00" in text:
        raise UnreadableFile("文件含有二进制内容，不是 CSV 文本文件：若是 Excel 工作簿，请把扩展名改为 .xlsx；否则请从原系统重新导出")
    # a cell may be as long as the file (Python's csv stops at 131,072 characters, and a note pasted
    # into one cell rejected the whole file as an unclosed quote); an unclosed quote is caught below
    csv.field_size_limit(max(csv.field_size_limit(), CSV_FIELD_LIMIT))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    rows: list[list[object]] = []
    starts: list[int] = []
    last_line = 0
    try:
        for row in reader:
            starts.append(last_line + 1)
            if reader.line_num - last_line > MAX_LINES_PER_CSV_ROW:  # a quote never closed swallows lines
                raise UnreadableFile(
                    f"第 {last_line + 1} 行的双引号没有配对：第 {last_line + 1}–{reader.line_num} 行被读成了一格。"
                    "请检查该行的双引号"
                )
            last_line = reader.line_num
            rows.append(row)
    except csv.Error:  # e.g. a field past csv's size limit: the same unclosed quote in a big file
        raise UnreadableFile(f"第 {last_line + 1} 行附近格式有误（可能有没有配对的双引号）：请检查该行的双引号") from None
    if '"' in text and "=" in text:
        rows = [[_formula_text(cell) if cell[:1] == "=" else cell for cell in row] for row in rows]
    # (a � written in the file itself is no damage)
    damaged = damaged_lines(text) if text.count("\ufffd") != data.count(b"\xef\xbf\xbd") else ()
    return rows, (tuple(starts) if last_line != len(rows) else None), damaged


#: A CSV cell that is a formula of one text literal, `="13800000000"` (`="a""b"` is a"b): how exports
#: keep Excel from turning a phone number, a code or a date into a number. Excel shows the text, so
#: it is read as the text in every column (registers.md names IDs and codes; a wrapped phone number
#: or date is the same cell). Any other formula stays as written.
_TEXT_FORMULA = re.compile(r'=\s*"((?:[^"]|"")*)"\s*', re.DOTALL)


def _formula_text(cell: str) -> str:
    match = _TEXT_FORMULA.fullmatch(cell)
    return match.group(1).replace('""', '"') if match else cell


def _delimiter(text: str) -> str:
    """"," — or a tab, when more of the first lines (where the header is looked for) hold tabs
    than commas: a list exported as tab-separated text and saved as .csv."""
    lines = [line for line in text[:65536].splitlines()[:40] if line.strip()][:20]
    tabs = sum("\t" in line for line in lines)
    return "\t" if tabs > sum("," in line for line in lines) else ","


#: In the document properties (keywords) of every list or table chsc writes as .xlsx
#: (outputs/writer.py): such a file saved into a data folder is skipped, not read as a register.
OUTPUT_MARK = "chsc-output"
#: What an empty CSV (0 bytes) is listed with (unsupported-file, info): 新建.csv made by hand is no
#: fault, and a failed export is said to be empty rather than to have no recognisable header.
EMPTY_CSV_REASON = "文件是空的（0 字节）：若它应是导出的登记表，请从原系统重新导出"
#: What a skipped chsc result file is listed with (unsupported-file, info).
OUTPUT_REASON = "这是 chsc 写出的结果文件（名单、指标表），不是登记表"
#: What a hidden sheet that reads as a register and is not read is listed with (chsc.yaml
#: `hidden_sheets`), and what any other hidden sheet is (a lookup list: nothing to do).
HIDDEN_REGISTER_REASON = "工作表已隐藏，未读入：若要计入，请在 Excel 中取消隐藏，或在 chsc.yaml 中写 hidden_sheets: read"
VERY_HIDDEN_REGISTER_REASON = (
    "工作表被程序设为“非常隐藏”（在 Excel 中看不到，多是系统的备份或代码表），未读入："
    "若是本中心的登记表，请在 chsc.yaml 中写 hidden_sheets: all"
)
HIDDEN_REASON = "工作表已隐藏，不是可识别的登记表，已跳过"
#: Every reason a hidden sheet is skipped with.
HIDDEN_REASONS = (HIDDEN_REGISTER_REASON, VERY_HIDDEN_REGISTER_REASON, HIDDEN_REASON)


def written_by_chsc(header: list) -> bool:
    """A CSV's first row is the header of a table chsc writes (a CSV has no properties to carry
    OUTPUT_MARK): an indicator table (指标编号, 指标, …: compute, a district) or a gap list (站点 first
    and a 原因 column: 站点, 团队, 姓名, 身份证号, …, 原因, 最近一次联系; a card list 站点, 卡片编号, …, 原因),
    also with columns the staff added. A list saved into the data folder once read as a roster
    missing 建档日期 — an error in every later run."""
    cells = [str(cell).strip() for cell in header]
    return cells[:2] == ["指标编号", "指标"] or (cells[:1] == ["站点"] and "原因" in cells)


#: What to do with a file that cannot be read as a workbook (damaged, or something else saved as one).
RESAVE = "请用 Excel 或 WPS 打开它：能打开就另存为 .xlsx；打不开就从原系统重新导出"
DAMAGED = f"文件已损坏或不是 Excel 工作簿：{RESAVE}"
ENCRYPTED = "文件已加密（设置了打开密码）：请在 Excel 中取消密码后另存为 .xlsx"


def _sheet_damaged(sheet_name: str, error: BaseException | None = None) -> UnreadableFile:
    said = _out_of_memory(error) if error is not None else None
    return UnreadableFile(f"工作表「{sheet_name}」{said}" if said else f"工作表「{sheet_name}」无法读取，文件可能已损坏：{RESAVE}")


#: What calamine's failures are caught without: the user's Ctrl-C and an exit.
_STOPS = (KeyboardInterrupt, SystemExit, GeneratorExit)


def _unsupported_sheet(data: bytes) -> str | None:
    """A workbook calamine cannot open because it holds a sheet of a kind calamine does not read (an
    Excel 4.0 macro sheet, a dialog sheet, often hidden) is not damaged: saying so sent staff looking
    for the wrong fault."""
    if data[:4] != b"PK\x03\x04":
        return None
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = [name.replace("\\", "/").lower() for name in archive.namelist()]
    except ZIP_ERRORS:
        return None
    if any(name.startswith("xl/macrosheets/") for name in names):
        what = "Excel 4.0 宏表"
    elif any(name.startswith("xl/dialogsheets/") for name in names):
        what = "对话框工作表"
    else:
        return None
    return (f"文件中有一张 chsc 读不了的{what}（可能是隐藏的）："
            "请在 Excel 或 WPS 中取消隐藏并删除该工作表，或把登记表复制到新工作簿，另存为 .xlsx（打不开就从原系统重新导出）")


def _out_of_memory(error: BaseException) -> str | None:
    """What to say when reading ran out of memory: a MemoryError, or the panic python-calamine turns
    it into (pyo3's PanicException is no Exception: it ended chsc with a traceback and exit 1)."""
    if isinstance(error, MemoryError) or type(error).__name__ == "PanicException":
        return ("读取时内存不足或读取程序出错（文件中可能有异常巨大的单元格，或文件已损坏）："
                "请关闭其他程序后重试；仍不行就用 Excel 或 WPS 打开检查，另存为 .xlsx")
    return None


def _check_zip(data: bytes, max_unpacked: int) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            declared = unpacked_size(archive)
            properties = _core_properties(archive)
    except zipfile.BadZipFile:
        raise UnreadableFile(DAMAGED) from None
    if declared > max_unpacked:
        raise UnreadableFile(
            f"文件解压后达 {declared / 1024**2:,.0f} MB，超过上限 {max_unpacked / 1024**2:,.0f} MB，已拒绝读取："
            f"若确是登记表，请设置环境变量 {MAX_UNPACKED_ENV}（MB）放宽上限",
            code="too-large",
        )
    if OUTPUT_MARK.encode("ascii") in properties:
        raise UnreadableFile(OUTPUT_REASON, code="unsupported-file")


def unpacked_size(archive: zipfile.ZipFile) -> int:
    """The bytes a zip (xlsx, docx) says it unpacks to: what the zip-bomb limit is held against."""
    return sum(member.file_size for member in archive.infolist())


def _core_properties(archive: zipfile.ZipFile) -> bytes:
    """docProps/core.xml (a few hundred bytes), or nothing when absent, damaged or implausibly large."""
    try:
        info = archive.getinfo("docProps/core.xml")
        return archive.read(info) if info.file_size <= 65536 else b""
    except ZIP_ERRORS:
        return b""


def _read_workbook(data: bytes, name: str, suffix: str, max_unpacked: int) -> list[RawSheet]:
    return open_workbook(data, name, suffix, max_unpacked).raw_sheets()


def open_workbook(data: bytes, name: str, suffix: str, max_unpacked: int | None = None, *, decode: bool = False) -> OpenedWorkbook:
    """A workbook opened by python-calamine; `decode`: its sheets decoded now too (calamine releases
    the GIL meanwhile: read_plan.py reads ahead on a thread), else one at a time by raw_sheets."""
    from python_calamine import CalamineWorkbook

    if max_unpacked is None:
        max_unpacked = max_unpacked_bytes()
    if data[:4] == b"PK\x03\x04":
        _check_zip(data, max_unpacked)
    elif data[:8] == _OLE and _encrypted_package(data):  # Office's encrypted container, whatever its name
        raise UnreadableFile(ENCRYPTED)
    elif data[:8] == _OLE and suffix != ".xls":
        raise UnreadableFile("文件已加密（设置了打开密码）或是旧版 .xls 格式：请取消密码并另存为 .xlsx")
    elif _looks_like_html(data):
        raise UnreadableFile("文件内容是网页（HTML），不是真正的 Excel 工作簿：请用 Excel 打开后另存为 .xlsx")
    elif _looks_like_spreadsheet_xml(data):
        raise UnreadableFile("这是 Excel 2003 XML 表格，不是 Excel 工作簿：请用 Excel 打开后另存为 .xlsx")
    elif suffix == ".xls" and _looks_like_text_table(data):
        raise UnreadableFile("文件内容是文字表格（制表符或逗号分隔），不是 Excel 工作簿：请把扩展名改为 .csv，或用 Excel 打开后另存为 .xlsx")
    elif suffix != ".xls":
        raise UnreadableFile("不是 Excel 工作簿（文件内容不是 xlsx 格式）：若是 CSV，请把扩展名改为 .csv")
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
    except _STOPS:
        raise
    except BaseException as error:  # calamine raises its own error types for every damaged file
        raise UnreadableFile(_out_of_memory(error) or _unsupported_sheet(data) or DAMAGED) from None
    package = data if data[:4] == b"PK\x03\x04" and suffix in (".xlsx", ".xlsm", ".ods") else None
    opened = OpenedWorkbook(name, workbook, list(workbook.sheet_names), package)
    if decode:
        for sheet_name in opened.names:
            sheet = opened.decoded[sheet_name] = _decoded(workbook, sheet_name)
            if isinstance(sheet, UnreadableFile) or not _fits(sheet):
                break  # raw_sheets stops at this sheet: it cannot be read, or is past Excel's row limit
    return opened


@dataclass
class OpenedWorkbook:
    name: str  # the file's path relative to the data folder
    workbook: object  # its CalamineWorkbook
    names: list[str]  # its sheets, in order
    #: the .xlsx/.xlsm file's bytes: its sheets' XML is looked at for formulas calamine reads as
    #: empty and for error values (cell_xml.py); the .ods file's, for its merged cells (ods_merges.py)
    package: bytes | None = None
    #: sheets decoded ahead: a CalamineSheet, or why it cannot be read (given up in raw_sheets)
    decoded: dict[str, object] = field(default_factory=dict)

    def raw_sheets(self) -> list[RawSheet]:
        """Every sheet as a grid of Python values; UnreadableFile at the first that cannot be read.
        Each decoded sheet is let go once its values are out (a workbook's sheets are never all held
        decoded beside their values)."""
        out = []
        hidden = _hidden_sheets(self.workbook)
        is_ods = self.name.lower().endswith(".ods")
        book = workbook_xml(self.package) if self.package is not None and not is_ods else None
        merged = ods_merges(self.package) if self.package is not None and is_ods else {}
        for sheet_name in self.names:
            sheet = self.decoded.pop(sheet_name) if sheet_name in self.decoded else _decoded(self.workbook, sheet_name)
            if isinstance(sheet, UnreadableFile):
                raise sheet
            try:
                last_row = _last_row(sheet)
                if last_row > EXCEL_MAX_ROWS:
                    raise UnreadableFile(
                        f"工作表「{sheet_name}」有 {last_row:,} 行，超过 Excel 的行数上限 {EXCEL_MAX_ROWS:,} 行："
                        "请删去表格末尾的空行或把数据分到几张工作表中",
                        code="too-large",
                    )
                rows = sheet.to_python(skip_empty_area=False)
                fixes, hidden_columns = inspect_sheet(book, sheet_name)
                if fixes:
                    apply_fixes(rows, fixes)
            except (UnreadableFile, *_STOPS):
                raise
            except BaseException as error:
                raise _sheet_damaged(sheet_name, error) from None
            merges = _merges(sheet) or merged.get(sheet_name, ())  # calamine reports none in an .ods
            date1904 = book is not None and book.date1904
            out.append(RawSheet(self.name, sheet_name, rows, merges, hidden.get(sheet_name, ""), hidden_columns, date1904))
            del sheet
        return out


HIDDEN, VERY_HIDDEN = "hidden", "very hidden"


def _hidden_sheets(workbook) -> dict[str, str]:
    """The sheets a workbook hides: name -> HIDDEN or VERY_HIDDEN (none when it cannot say)."""
    try:
        from python_calamine import SheetVisibleEnum

        states = ((SheetVisibleEnum.Hidden, HIDDEN), (SheetVisibleEnum.VeryHidden, VERY_HIDDEN))  # (compared, not hashed)
        return {
            item.name: state for item in workbook.sheets_metadata for visible, state in states if item.visible == visible
        }
    except Exception:  # noqa: BLE001 - damaged metadata hides nothing: the sheet is read as before
        return {}


def _last_row(sheet) -> int:
    """The last used row, counted from row 1 (calamine's total_height is one less)."""
    return sheet.end[0] + 1 if sheet.end else 0


def _fits(sheet) -> bool:
    """Within Excel's row limit, with a size that can be read (raw_sheets reports either)."""
    try:
        return _last_row(sheet) <= EXCEL_MAX_ROWS
    except Exception:  # noqa: BLE001 - raw_sheets raises it as the sheet's UnreadableFile
        return False


def _decoded(workbook, sheet_name: str):
    """The sheet decoded (a CalamineSheet), or why it cannot be read."""
    try:
        return workbook.get_sheet_by_name(sheet_name)
    except _STOPS:
        raise
    except BaseException as error:
        return _sheet_damaged(sheet_name, error)


def _merges(sheet) -> tuple[tuple[int, int, int, int], ...]:
    """The sheet's merged ranges; none when the format keeps none (calamine answers None)."""
    try:
        ranges = sheet.merged_cell_ranges or ()
        return tuple((int(r0), int(c0), int(r1), int(c1)) for (r0, c0), (r1, c1) in ranges)
    except Exception:  # a damaged merge list loses the merges, not the sheet
        return ()


#: The signature of an OLE compound file: an old .xls, or Office's encrypted container of an .xlsx.
_OLE = bytes.fromhex("D0CF11E0A1B11AE1")


def _encrypted_package(data: bytes) -> bool:
    """An OLE file holding Office's EncryptedPackage stream (a password-protected workbook)."""
    return "EncryptedPackage".encode("utf-16-le") in data


def _looks_like_spreadsheet_xml(data: bytes) -> bool:
    """Excel 2003's "XML 表格" (SpreadsheetML), which some systems export as .xls."""
    start = data[:4096]
    return start.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<?xml") and b"urn:schemas-microsoft-com:office:spreadsheet" in start


def _looks_like_text_table(data: bytes) -> bool:
    """Text whose first lines hold tabs or commas: a web system's "导出Excel" that is a text list
    (often tab-separated) named .xls. Only text that decodes cleanly, without control characters."""
    start = data[:4096]
    start = start[: start.rfind(b"\n") + 1] if len(data) > len(start) else start  # whole lines only
    if b"\x00" in start and not start.startswith(UTF16_MARKS):
        return False
    text = _decoded_text(start)
    if text is None or CONTROL_CHARACTERS.search(text):
        return False
    lines = [line for line in text.splitlines()[:5] if line.strip()]
    return len(lines) >= 2 and all("\t" in line or "," in line for line in lines[:2])


def _looks_like_html(data: bytes) -> bool:
    """Web systems often save an HTML table as .xls: the content starts with a tag."""
    start = data[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return start.startswith((b"<html", b"<!doctype html", b"<table", b"<meta", b"<head"))
