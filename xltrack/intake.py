"""Guards for untrusted files, run before any parser touches them.

Each guard looks at bytes only: the file's first bytes, the zip directory, the first few
kilobytes of each XML part. A file that fails a guard gets one finding saying what it really is
and what the sender should do; it never reaches calamine.
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .models import Finding, Reason, Severity


@dataclass(frozen=True)
class Limits:
    max_file_bytes: int = 50 * 2**20
    max_unzipped_bytes: int = 500 * 2**20
    max_ratio: float = 200.0  # a part inflating more than this is a zip bomb …
    ratio_floor_bytes: int = 10 * 2**20  # … once it is larger than this
    max_parts: int = 10_000
    max_sheet_cells: int = 5_000_000  # rows × columns of a sheet's used area
    xml_head_bytes: int = 4096  # a DTD must come before the root element


DEFAULT_LIMITS = Limits()
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
_DIMENSION = re.compile(rb'<dimension\s+ref="([A-Z]{1,3})?(\d+)?(?::([A-Z]{1,3})(\d+))?"')
# Cell and row references, in whichever quotes, spacing, case and namespace prefix (`x:c`)
# XML allows.
_PREFIX = rb"(?:[^\s<>/:=\"']+:)?"
_CELL = re.compile(rb"<" + _PREFIX + rb"c\b[^>]*?\br\s*=\s*[\"']([A-Za-z]{1,3})(\d+)[\"']")
_ROW = re.compile(rb"<" + _PREFIX + rb"row\b[^>]*?\br\s*=\s*[\"'](\d+)[\"']")
# Any attribute r= (on whatever element, so also every one _CELL and _ROW take) whose value
# is a reference beyond column Z or row 99,999. Where there is none, every cell lies within
# Z99999 and one search (its literal `r` found in C) settles the extent; only a sheet that
# has one is scanned by _CELL and _ROW.
_BEYOND_Z99999 = re.compile(
    rb"r(?<!\wr)\s*=\s*[\"'](?:[A-Za-z]{2,}[0-9]|[A-Za-z]?[0-9]{6})")
_WITHIN = (99_999, 26)


def _beyond_in_python(data: bytes) -> bool:
    """The search as the expression makes it: the reference, and the way without a C
    compiler."""
    return _BEYOND_Z99999.search(data) is not None


def _compiled_beyond() -> Callable[[bytes], bool]:
    """The same search compiled (xltrack/_cells.c, memchr for each `r`: a tenth of the time
    on a pack's sheets), where it is built."""
    try:
        from ._cells import beyond_z99999
    except ImportError:  # pragma: no cover - built wherever the tests run
        return _beyond_in_python
    return beyond_z99999


_beyond_z99999 = _compiled_beyond()


def is_lock_file(path: Path) -> bool:
    """Excel's owner file (~$name.xlsx) while a workbook is open: skipped, never read."""
    return path.name.startswith("~$")


def _finding(path: Path, severity: Severity, reason: Reason, zh: str, en: str) -> Finding:
    return Finding(severity=severity, reason=reason, file=path.name, message_zh=zh,
                   message_en=en)


def check(path: Path, limits: Limits = DEFAULT_LIMITS, data: bytes | None = None,
          sheets: dict[str, bytes] | None = None,
          opened: list[zipfile.ZipFile] | None = None) -> list[Finding]:
    """Findings about the file as a whole; any ERROR among them means: do not parse it.

    `data` are the file's bytes when the caller has read them already (see workers.examine:
    a file is read once, so what is checked is what is parsed and hashed). `sheets`, if given,
    receives each worksheet part's XML and every XML part no larger than the head looked at,
    unzipped here anyway, for the reader to use (by part name). `opened`, if given, receives
    the zip opened over `data`, left open for the reader (its directory is read once; it holds
    nothing but `data`), where its checks found no error."""
    def refuse(reason: Reason, zh: str, en: str) -> list[Finding]:
        return [_finding(path, Severity.ERROR, reason, zh, en)]

    size = len(data) if data is not None else path.stat().st_size
    if size == 0:
        return refuse(Reason.EMPTY_FILE, "文件为空（0 字节），请重新保存后发送",
                      "the file is empty (0 bytes); save it again and resend it")
    if size > limits.max_file_bytes:
        limit_mb = limits.max_file_bytes / 2**20
        return refuse(Reason.TOO_LARGE,
                      f"文件过大（{size / 2**20:.1f} MB，上限 {limit_mb:.0f} MB）",
                      f"the file is too large ({size / 2**20:.1f} MB; the limit is "
                      f"{limit_mb:.0f} MB): remove pictures and unused sheets")
    data = path.read_bytes() if data is None else data
    head = data[:4096]
    if head.startswith(OLE_MAGIC):
        return refuse(*_ole_kind(data))
    if not head.startswith(ZIP_MAGIC):
        return refuse(Reason.WRONG_FORMAT, *_not_zip_kind(head))
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        try:
            found = _zip_checks(path, zf, limits, {} if sheets is None else sheets, data)
        except BaseException:
            zf.close()
            raise
        if opened is not None and not any(f.severity is Severity.ERROR for f in found):
            opened.append(zf)
        else:
            zf.close()
        return found
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError, OSError) as exc:
        return refuse(Reason.CORRUPT_ZIP, f"文件已损坏或不完整（{exc}），请重新保存后发送",
                      f"the file is damaged or truncated ({exc}); save it again and resend it")


def _ole_kind(data: bytes) -> tuple[Reason, str, str]:
    if "EncryptedPackage".encode("utf-16-le") in data:
        return (Reason.ENCRYPTED, "文件设置了打开密码，请取消密码后重新发送",
                "the file is protected by a password; remove the password "
                "(File > Info > Protect Workbook) and send it again")
    if _has_stream(data, "Workbook") or _has_stream(data, "Book"):
        return (Reason.WRONG_FORMAT, "这是 Excel 97-2003 (.xls) 文件，请另存为 .xlsx 后发送",
                "this is an Excel 97-2003 workbook (.xls); save it as .xlsx and send it again")
    return (Reason.WRONG_FORMAT, "这是 OLE 复合文件（如 Word 文档或宏工程），不是 Excel 工作簿",
            "this is an OLE compound file (a Word document or a macro project, say), not an "
            "Excel workbook; send the filled .xlsx template")


def _has_stream(data: bytes, name: str) -> bool:
    """Whether an OLE directory entry (128-byte records, name first) carries this name.

    OLE names are case-insensitive; bytes.lower() lowers the ASCII half of UTF-16LE.
    """
    data, entry = data.lower(), name.lower().encode("utf-16-le") + b"\x00\x00"
    at = data.find(entry)
    while at != -1:
        if at % 128 == 0:
            return True
        at = data.find(entry, at + 1)
    return False


def _not_zip_kind(head: bytes) -> tuple[str, str]:
    try:
        text = head.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = head.decode("gb18030")
        except UnicodeDecodeError:
            text = ""
    if text and "\x00" not in text:
        lines = [line for line in text.splitlines()[:5] if line.strip()]
        for sep in (",", "\t", ";"):
            counts = {line.count(sep) for line in lines}
            if len(counts) == 1 and counts != {0}:
                return ("这是 CSV 文本文件，不是 Excel 工作簿，请使用标准模板填写",
                        "this is CSV text, not an Excel workbook; fill the standard template "
                        "instead")
    if text.lstrip().startswith("<"):
        return ("这是网页或 XML 文件，不是 Excel 工作簿，请另存为 .xlsx",
                "this is an HTML or XML file, not an Excel workbook; save it as .xlsx")
    if text and "\x00" not in text:
        return ("这是文本文件，不是 Excel 工作簿，请使用标准模板填写",
                "this is a text file, not an Excel workbook; fill the standard template instead")
    return ("不是 Excel 工作簿（无法识别的文件格式）",
            "this is not an Excel workbook (unrecognised format); send the filled .xlsx template")


def _zip_checks(path: Path, zf: zipfile.ZipFile, limits: Limits,
                sheets: dict[str, bytes], data: bytes) -> list[Finding]:
    infos = zf.infolist()
    names = {i.filename for i in infos}

    def refuse(reason: Reason, zh: str, en: str) -> list[Finding]:
        return [_finding(path, Severity.ERROR, reason, zh, en)]

    if "mimetype" in names and b"opendocument" in zf.read("mimetype")[:100]:
        return refuse(Reason.WRONG_FORMAT, "这是 OpenDocument (.ods) 文件，请另存为 .xlsx",
                      "this is an OpenDocument spreadsheet (.ods); save it as Excel .xlsx")
    if "xl/workbook.bin" in names:
        return refuse(Reason.WRONG_FORMAT, "这是 Excel 二进制工作簿 (.xlsb)，请另存为 .xlsx",
                      "this is an Excel binary workbook (.xlsb); save it as .xlsx")
    if "[Content_Types].xml" not in names:
        return refuse(Reason.CORRUPT_ZIP, "不是 Excel 工作簿（缺少 [Content_Types].xml）",
                      "not an Excel workbook: the package has no [Content_Types].xml")
    if len(infos) > limits.max_parts:
        return refuse(Reason.ZIP_BOMB, "文件内部结构异常（部件过多）",
                      f"the package holds {len(infos)} parts; that is not a normal workbook")
    total = sum(i.file_size for i in infos)
    for info in infos:
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > limits.ratio_floor_bytes and ratio > limits.max_ratio:
            return refuse(Reason.ZIP_BOMB, "文件解压后异常巨大，已拒收",
                          f"{info.filename} would inflate {ratio:.0f}-fold to "
                          f"{info.file_size / 2**20:.0f} MB; refused as a zip bomb")
    if total > limits.max_unzipped_bytes:
        return refuse(Reason.ZIP_BOMB, "文件解压后过大，已拒收",
                      f"the workbook would unpack to {total / 2**20:.0f} MB (limit "
                      f"{limits.max_unzipped_bytes / 2**20:.0f} MB)")
    findings: list[Finding] = []
    for info in infos:
        lower = info.filename.lower()
        if not lower.endswith((".xml", ".rels", ".vml")):
            continue
        sheet = lower.startswith("xl/worksheets/") and lower.endswith(".xml")
        if sheet or info.file_size <= limits.xml_head_bytes:
            # Read whole: a sheet's extent is checked below, and the reader takes what is
            # read here (a small part's head is all of it) rather than unzip it again.
            sheets[info.filename] = xml = unzipped(zf, data, info)
            head = xml[:limits.xml_head_bytes]
        else:
            with zf.open(info) as part:
                head = part.read(limits.xml_head_bytes)
        if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
            return refuse(Reason.XML_UNSAFE, "文件包含不安全的 XML 声明 (DTD)，已拒收",
                          f"{info.filename} declares a DTD or entities, which Excel never "
                          "writes; refused for safety")
        if sheet:
            too_large = _sheet_area(xml, limits)
            if too_large:
                return refuse(Reason.SHEET_TOO_LARGE, "工作表范围过大，请删除多余的行列后重新保存",
                              f"{info.filename} spans {too_large}; delete the unused rows "
                              "and columns (Ctrl+End shows the last cell) and save again")
    if any(n.lower().endswith("vbaproject.bin") for n in names):
        findings.append(_finding(path, Severity.WARNING, Reason.MACROS,
                                 "文件含有宏；宏不会被运行，数据照常读取",
                                 "the file contains macros; they are never run, the data is "
                                 "read as usual"))
    if any(n.startswith(("xl/embeddings/", "xl/activeX/")) for n in names):
        findings.append(_finding(path, Severity.WARNING, Reason.EMBEDDED_OBJECT,
                                 "文件含有嵌入对象；对象不会被打开，数据照常读取",
                                 "the file contains embedded objects; they are never opened, "
                                 "the data is read as usual"))
    return findings


def unzipped(zf: zipfile.ZipFile, data: bytes, info: zipfile.ZipInfo) -> bytes:
    """zf.read(info), `data` being the bytes of `zf`: the member inflated from `data` at once
    where it is stored or deflated, unencrypted, its local header names it as the directory
    does, and it inflates to its size and CRC; anything else is left to zf.read, which reads
    it as always or says what is wrong. The same bytes, without zipfile's file object and
    its reads in chunks (37 parts a pack)."""
    at = info.header_offset
    head = data[at:at + _LOCAL_HEADER]
    if (info.compress_type in _METHODS and not info.flag_bits & _NOT_PLAIN
            and len(head) == _LOCAL_HEADER and head[:4] == _LOCAL_MAGIC):
        flags, = struct.unpack_from("<H", head, 6)
        name_length, extra_length = struct.unpack_from("<HH", head, 26)
        start = at + _LOCAL_HEADER + name_length + extra_length
        name = data[at + _LOCAL_HEADER:at + _LOCAL_HEADER + name_length]
        raw = data[start:start + info.compress_size]
        try:
            same_name = name.decode("utf-8" if flags & _UTF8_NAME else "cp437") == (
                info.orig_filename)
        except UnicodeDecodeError:
            same_name = False
        if same_name and len(raw) == info.compress_size:
            try:
                out = (raw if info.compress_type == zipfile.ZIP_STORED else
                       zlib.decompressobj(-15).decompress(raw, info.file_size + 1))
            except zlib.error:
                out = b""
            if len(out) == info.file_size and zlib.crc32(out) == info.CRC:
                return out
    return zf.read(info)


_LOCAL_HEADER = 30  # bytes of a local file header before its name and extra field
_LOCAL_MAGIC = b"PK\x03\x04"
_METHODS = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)
_NOT_PLAIN = 0x01 | 0x20 | 0x40  # encrypted, compressed patch data, strong encryption
_UTF8_NAME = 0x800


def _column_number(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ch - 64
    return n


def _sheet_area(data: bytes, limits: Limits) -> str:
    """A description of the sheet's extent when it is absurdly large, else ''.

    Both the declared dimension and the cells themselves are looked at: a file may declare
    A1:A2 and still hold a cell at XFD1048576, which is what makes readers allocate gigabytes.
    """
    max_row = max_col = 0
    m = _DIMENSION.search(data, 0, 2048)
    if m and m.group(4):
        max_row, max_col = int(m.group(4)), _column_number(m.group(3).upper())
    if (max(max_row, _WITHIN[0]) * max(max_col, _WITHIN[1]) <= limits.max_sheet_cells
            and not _beyond_z99999(data)):
        return ""
    # findall and set run in C; only the distinct letters and numbers reach Python.
    cells = _CELL.findall(data)
    columns = {letters.upper() for letters, _ in cells}
    rows = {number for _, number in cells} | set(_ROW.findall(data))
    if columns:
        max_col = max(max_col, max(_column_number(letters) for letters in columns))
    if rows:
        max_row = max(max_row, max(int(number) for number in rows))
    if max_row * max(max_col, 1) > limits.max_sheet_cells:
        return f"{max_row:,} rows × {max_col:,} columns"
    return ""
