"""Regenerate the hand-made bad files of tests/data/bad/ (issue 9): the files staff really send —
and a few hostile ones. Each file's expected problem code is in EXPECTED (tests/test_bad_files.py
checks it); run `python tests/data/bad/make_bad_files.py` to rebuild them all.

Everything is built from the standard library, deterministically: fixed zip timestamps, a seeded
random generator, workbooks written member by member (no openpyxl, whose files carry the time of
writing). Small workbooks are stored uncompressed so their bytes do not depend on the zlib build.
"""

from __future__ import annotations

import io
import random
import struct
import sys
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ZIP_TIME = (2025, 1, 1, 0, 0, 0)
#: What reading each file must report, and whether the file stops compute (an error) or is
#: only skipped (a sheet chsc does not recognise).
EXPECTED: dict[str, str] = {
    "random_bytes.xlsx": "unreadable-file",  # 4 KiB of noise with an .xlsx name
    "empty.xlsx": "unreadable-file",  # 0 bytes
    "truncated.xlsx": "unreadable-file",  # the first half of a real register workbook
    "password_protected.xlsx": "unreadable-file",  # an OLE2 container (how Office stores encrypted xlsx)
    "password_protected.xls": "unreadable-file",  # the same container named .xls (no Workbook stream)
    "really_a_csv.xlsx": "unreadable-file",  # a CSV register renamed to .xlsx
    "html_export.xls": "unreadable-file",  # an HTML table saved as .xls by a web system
    "zip_not_a_workbook.xlsx": "unreadable-file",  # a zip archive that holds no workbook
    "utf16.csv": "unreadable-file",  # UTF-16 without its byte-order mark (with it, the file is read)
    "shift_jis.csv": "unrecognised-sheet",  # Japanese Shift-JIS bytes: decodes as GB18030 nonsense
    "unclosed_quote.csv": "unreadable-file",  # a stray " on line 3 would swallow the 30 rows after it
    "header_at_row_25.xlsx": "unrecognised-sheet",  # the header below the 20 rows searched
    "zip_bomb.xlsx": "too-large",  # 48 MiB of zeros inside (with CHSC_MAX_UNPACKED_MB below 48)
    "zip_bomb_declared_3gb.xlsx": "too-large",  # its directory declares 3 GiB unpacked
    "lying_size.xlsx": "unreadable-file",  # declares 3 KB for a sheet that unpacks to 20 MB
    "xxe.xlsx": "unreadable-file",  # DOCTYPE with an external and an internal entity, used in cells
    "too_many_rows.xlsx": "too-large",  # a cell on row 1,048,577 (Excel stops at 1,048,576)
}
#: The genuine zip bomb unpacks to this many MiB; the tests lower the limit below it.
ZIP_BOMB_MIB = 48
#: What an expanded entity would put into a cell; it must never appear in chsc's output.
XXE_MARKER = "XXE-ENTITY-EXPANDED"

# ------------------------------------------------------------------------------ xlsx by hand

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    "</Types>"
)
ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
    "</Relationships>"
)
WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
    "</Relationships>"
)


def workbook_xml(sheet_name: str) -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        f'<sheets><sheet name="{sheet_name}" sheetId="1" r:id="rId1"/></sheets></workbook>'
    )


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def cell_xml(row: int, column: int, value: object, raw: bool = False) -> str:
    """One cell: str as an inline string (raw=True: the text goes in unescaped), numbers as numbers."""
    ref = f"{_column_letter(column)}{row}"
    if isinstance(value, str):
        text = value if raw else value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'
    return f'<c r="{ref}"><v>{value}</v></c>'


def sheet_xml(rows: dict[int, list[object]], doctype: str = "", raw: bool = False) -> str:
    """`rows`: Excel row number -> cell values from column A."""
    body = "".join(
        f'<row r="{number}">' + "".join(cell_xml(number, i, v, raw) for i, v in enumerate(values) if v is not None) + "</row>"
        for number, values in sorted(rows.items())
    )
    return (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n{doctype}'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f"<sheetData>{body}</sheetData></worksheet>"
    )


def xlsx_bytes(sheet: str, sheet_name: str = "Sheet1", extra: tuple = (), compression: int = zipfile.ZIP_STORED) -> bytes:
    """A minimal workbook chsc (python-calamine) reads; `extra` = (ZipInfo or name, bytes) pairs."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        members = [
            ("[Content_Types].xml", CONTENT_TYPES),
            ("_rels/.rels", ROOT_RELS),
            ("xl/workbook.xml", workbook_xml(sheet_name)),
            ("xl/_rels/workbook.xml.rels", WORKBOOK_RELS),
            ("xl/worksheets/sheet1.xml", sheet),
        ]
        for name, text in members:
            archive.writestr(_info(name, compression), text.encode("utf-8"))
        for info, data in extra:
            archive.writestr(info, data)
    return buffer.getvalue()


def _info(name: str, compression: int = zipfile.ZIP_STORED) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, ZIP_TIME)
    info.compress_type = compression
    info.external_attr = 0o644 << 16
    return info


def made_up_id(first17: str) -> str:
    """A made-up ID number with the right GB 11643 check character."""
    total = sum(int(digit) * (2 ** (17 - i) % 11) for i, digit in enumerate(first17))
    return first17 + "10X98765432"[total % 11]


ID_1, ID_2 = made_up_id("11010519500101001"), made_up_id("11010519550202002")
#: A small residents register: header on row 1, two people.
REGISTER_ROWS = {1: ["身份证号", "姓名", "建档日期"], 2: [ID_1, "张三", "2020-01-01"], 3: [ID_2, "李四", "2021-06-30"]}


def register_xlsx(compression: int = zipfile.ZIP_STORED, extra: tuple = ()) -> bytes:
    return xlsx_bytes(sheet_xml(REGISTER_ROWS), "居民", extra, compression)


# ------------------------------------------------------------------------------- the files


def random_bytes() -> bytes:
    return random.Random(9).randbytes(4096)


def truncated() -> bytes:
    whole = register_xlsx()
    return whole[: len(whole) // 2]


def ole2_encrypted() -> bytes:
    """A minimal but well-formed OLE2 compound file (CFB v3) holding the two streams an encrypted
    Office document has: EncryptionInfo (agile, version 4.4) and EncryptedPackage (noise)."""
    sector = 512
    free, end_of_chain, fat_sector, no_stream = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF
    info_xml = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n'
        '<encryption xmlns="http://schemas.microsoft.com/office/2006/encryption" '
        'xmlns:p="http://schemas.microsoft.com/office/2006/keyEncryptor/password">'
        '<keyData saltSize="16" blockSize="16" keyBits="256" hashSize="64" cipherAlgorithm="AES" '
        'cipherChaining="ChainingModeCBC" hashAlgorithm="SHA512" saltValue="AAAAAAAAAAAAAAAAAAAAAA=="/>'
        "</encryption>"
    ).encode("utf-8")
    encryption_info = (struct.pack("<HHI", 4, 4, 0x40) + info_xml).ljust(4096, b"\0")
    package = struct.pack("<Q", 6000) + random.Random(11).randbytes(8192 - 8)
    streams = [("EncryptionInfo", encryption_info), ("EncryptedPackage", package)]
    # sector 0: FAT, sector 1: directory, then each stream in consecutive sectors
    fat = [fat_sector, end_of_chain]
    starts = []
    for _, data in streams:
        count = len(data) // sector
        starts.append(len(fat))
        fat += [len(fat) + i + 1 for i in range(count - 1)] + [end_of_chain]
    fat += [free] * (sector // 4 - len(fat))

    def entry(name: str, kind: int, child: int, right: int, start: int, size: int) -> bytes:
        encoded = (name + "\0").encode("utf-16-le") if name else b""
        return (
            encoded.ljust(64, b"\0")
            + struct.pack("<HBB", len(encoded), kind, 1)  # name length, type, colour (black)
            + struct.pack("<III", no_stream, right, child)  # left sibling, right sibling, child
            + bytes(16 + 4 + 8 + 8)  # CLSID, state bits, creation and modification times
            + struct.pack("<IQ", start, size)
        )

    directory = (
        entry("Root Entry", 5, 1, no_stream, end_of_chain, 0)
        + entry("EncryptionInfo", 2, no_stream, 2, starts[0], len(encryption_info))
        + entry("EncryptedPackage", 2, no_stream, no_stream, starts[1], len(package))
        + entry("", 0, no_stream, no_stream, 0, 0)
    )
    header = (
        bytes.fromhex("D0CF11E0A1B11AE1")
        + bytes(16)
        + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6)
        + bytes(6)
        + struct.pack("<IIIIIIIII", 0, 1, 1, 0, 4096, end_of_chain, 0, end_of_chain, 0)
        + struct.pack("<109I", 0, *([free] * 108))
    )
    assert len(header) == sector and len(directory) == sector
    return header + struct.pack(f"<{len(fat)}I", *fat) + directory + b"".join(data for _, data in streams)


def really_a_csv() -> bytes:
    return f"身份证号,姓名,建档日期\r\n{ID_1},张三,2020-01-01\r\n".encode("utf-8-sig")


def html_export() -> bytes:
    return (
        '<html><head><meta charset="utf-8"></head><body><table>'
        "<tr><td>身份证号</td><td>姓名</td><td>建档日期</td></tr>"
        f"<tr><td>{ID_1}</td><td>张三</td><td>2020-01-01</td></tr>"
        "</table></body></html>"
    ).encode("utf-8")


def zip_not_a_workbook() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(_info("readme.txt"), "这不是 Excel 工作簿".encode("utf-8"))
    return buffer.getvalue()


def utf16_csv() -> bytes:
    return f"身份证号\t姓名\t建档日期\r\n{ID_1}\t张三\t2020-01-01\r\n".encode("utf-16-le")


def shift_jis_csv() -> bytes:
    return "氏名,生年月日,住所\r\n山田太郎,1950/01/01,東京都\r\n".encode("shift_jis")


def unclosed_quote_csv() -> bytes:
    lines = ["身份证号,姓名,建档日期", f"{ID_1},张三,2020-01-01", f'{ID_2},"李四,2021-06-30']
    lines += [f"{made_up_id(f'110105196001{n:02d}003')},居民{n},2022-01-01" for n in range(1, 31)]
    return ("\r\n".join(lines) + "\r\n").encode("utf-8")


def header_at_row_25() -> bytes:
    rows: dict[int, list[object]] = {1: ["临城街道社区卫生服务中心居民健康档案花名册"]}
    for number in range(2, 25):
        rows[number] = [f"说明第 {number - 1} 条：本表由区平台导出，请勿修改格式"]
    rows[25] = REGISTER_ROWS[1]
    rows[26], rows[27] = REGISTER_ROWS[2], REGISTER_ROWS[3]
    return xlsx_bytes(sheet_xml(rows), "居民")


def zip_bomb() -> bytes:
    """A real register plus a member of 48 MiB of zeros: about 50 KB on disk."""
    padding = _info("xl/media/image1.bin", zipfile.ZIP_DEFLATED)
    return register_xlsx(extra=((padding, bytes(ZIP_BOMB_MIB * 1024 * 1024)),))


def zip_bomb_declared_3gb() -> bytes:
    """The same register plus a member whose sizes (local header and central directory) say it
    unpacks to 3 GiB — what an archive of repeated data really declares."""
    data = bytearray(register_xlsx(extra=((_info("xl/media/image1.bin"), b"\0" * 1024),)))
    _patch_sizes(data, "xl/media/image1.bin", 3 * 1024**3, compressed=False)
    return bytes(data)


def lying_size() -> bytes:
    """A sheet that unpacks to 20 MB (white space after the rows) but declares 3,000 bytes."""
    sheet = sheet_xml(REGISTER_ROWS).replace("</sheetData>", " " * 20_000_000 + "</sheetData>")
    data = bytearray(xlsx_bytes(sheet, "居民", compression=zipfile.ZIP_DEFLATED))
    _patch_sizes(data, "xl/worksheets/sheet1.xml", 3000, compressed=False)
    return bytes(data)


def _patch_sizes(data: bytearray, name: str, size: int, compressed: bool) -> None:
    """Overwrite the uncompressed size of member `name` (and, if `compressed`, its compressed size)
    in its local header and its central directory entry."""
    encoded = name.encode("utf-8")
    offset = 0
    while (offset := data.find(b"PK\x03\x04", offset)) >= 0:
        length = struct.unpack_from("<H", data, offset + 26)[0]
        if data[offset + 30 : offset + 30 + length] == encoded:
            struct.pack_into("<I", data, offset + 22, size)
            if compressed:
                struct.pack_into("<I", data, offset + 18, size)
            break
        offset += 4
    offset = 0
    while (offset := data.find(b"PK\x01\x02", offset)) >= 0:
        length = struct.unpack_from("<H", data, offset + 28)[0]
        if data[offset + 46 : offset + 46 + length] == encoded:
            struct.pack_into("<I", data, offset + 24, size)
            if compressed:
                struct.pack_into("<I", data, offset + 20, size)
            return
        offset += 4
    raise AssertionError(f"{name} not found")


def xxe() -> bytes:
    """Entities declared in the sheet's DOCTYPE and used in cells: an external one (the password
    file) and an internal one. A parser that expanded them would put their text into the cells."""
    doctype = (
        '<!DOCTYPE worksheet [<!ENTITY xxe SYSTEM "file:///etc/passwd">'
        f'<!ENTITY marker "{XXE_MARKER}">]>'
    )
    rows = {1: ["身份证号", "姓名", "建档日期"], 2: [ID_1, "&xxe;", "2020-01-01"], 3: [ID_2, "&marker;", "2021-06-30"]}
    return xlsx_bytes(sheet_xml(rows, doctype, raw=True), "居民")


def too_many_rows() -> bytes:
    """The register, plus one cell on row 1,048,577 — one row more than an Excel sheet can hold."""
    rows = {**REGISTER_ROWS, 1_048_577: ["备注"]}
    return xlsx_bytes(sheet_xml(rows), "居民")


BUILDERS = {
    "random_bytes.xlsx": random_bytes,
    "empty.xlsx": lambda: b"",
    "truncated.xlsx": truncated,
    "password_protected.xlsx": ole2_encrypted,
    "password_protected.xls": ole2_encrypted,
    "really_a_csv.xlsx": really_a_csv,
    "html_export.xls": html_export,
    "zip_not_a_workbook.xlsx": zip_not_a_workbook,
    "utf16.csv": utf16_csv,
    "shift_jis.csv": shift_jis_csv,
    "unclosed_quote.csv": unclosed_quote_csv,
    "header_at_row_25.xlsx": header_at_row_25,
    "zip_bomb.xlsx": zip_bomb,
    "zip_bomb_declared_3gb.xlsx": zip_bomb_declared_3gb,
    "lying_size.xlsx": lying_size,
    "xxe.xlsx": xxe,
    "too_many_rows.xlsx": too_many_rows,
}
assert BUILDERS.keys() == EXPECTED.keys()


def build_all(folder: Path = HERE) -> list[Path]:
    written = []
    for name, build in BUILDERS.items():
        path = folder / name
        path.write_bytes(build())
        written.append(path)
    return written


if __name__ == "__main__":
    for path in build_all(Path(sys.argv[1]) if len(sys.argv) > 1 else HERE):
        print(f"{path.stat().st_size:>10,}  {path.name}")
