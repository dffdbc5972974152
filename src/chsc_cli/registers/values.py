"""Parsing cell values, as registers.md's 'Cell values' table says.

Each value type has one scalar parser `value -> (parsed, problem code or None, detail)`; a column
runs it once per distinct value, after the type's bulk fast path (distinct_values.py).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable
from typing import Any

from ..masking import mask_cell
from ..people import SCIENTIFIC_TEXT, parse_id
from .cell_xml import UnstoredFormula
from .cells import CONTROL_CHARACTERS, DATE_HINT, DATE_YEARS, EXCEL_EPOCH, EXCEL_ERRORS, is_blank, shown_value
from .cells import cell_text as _text
from .columns import Column, normalise_value_text
from .datetimes import parse_datetime
from .vocabularies import category_parser, yes_no_parser

Parsed = tuple[Any, str | None, str | None]  # (value, problem code, Chinese detail)

_SPACES = re.compile(r"\s+")
_DATE_TEXT = re.compile(
    r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
    r"(?:[\sT]+\d{1,2}[:：]\d{1,2}(?:[:：]\d{1,2}(?:\.\d+)?)?)?"
)
_NUMBER_TEXT = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)")
_BP_TEXT = re.compile(r"(\d+(?:\.\d+)?)\s*/\s*(\d+(?:\.\d+)?)")


def _number_to_date(number: float, shown: str) -> Parsed:
    if number.is_integer() and 19000101 <= number <= 21001231:
        digits = str(int(number))
        try:
            return dt.date(int(digits[:4]), int(digits[4:6]), int(digits[6:])), None, None
        except ValueError:
            return None, "bad-date", f"「{shown}」不是有效日期，{DATE_HINT}"
    if 0 < number < 100000:
        return EXCEL_EPOCH + dt.timedelta(days=int(number)), None, None
    return None, "bad-date", f"数字「{shown}」不是日期，{DATE_HINT}"


def parse_date(value: object) -> Parsed:
    """Real dates, Excel serials (<100000), 2025-03-12, 2025/3/12, 2025.3.12, 2025年3月12日, 20250312.

    A year outside DATE_YEARS is a typo (1025, 9999), not a date: datetime64[ns] cannot even hold it."""
    parsed = _parse_date(value)
    date = parsed[0]
    if date is not None and not DATE_YEARS[0] <= date.year <= DATE_YEARS[1]:
        return None, "bad-date", f"「{shown_value(value)}」的年份 {date.year} 不可能，{DATE_HINT}"
    return parsed


def _parse_date(value: object) -> Parsed:
    if is_blank(value):
        return None, None, None
    if isinstance(value, dt.datetime):
        return value.date(), None, None
    if isinstance(value, dt.date):
        return value, None, None
    if isinstance(value, dt.time):  # what a date cell before 1900 (a negative serial) is read as
        return None, "bad-date", f"单元格只有时间「{shown_value(value)}」，没有日期（1900 年以前的日期也会这样），{DATE_HINT}"
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        return None, "bad-date", f"「{shown_value(value)}」不是日期，{DATE_HINT}"
    if isinstance(value, (int, float)):
        return _number_to_date(float(value), shown_value(value))
    text = _text(value)
    if text == ".":  # real-exports.md: a dot alone in a date cell is blank
        return None, None, None
    if text in EXCEL_ERRORS:
        return None, "bad-date", f"单元格是 Excel 错误值 {text}，{DATE_HINT}"
    if _NUMBER_TEXT.fullmatch(text):
        return _number_to_date(float(text), shown_value(text))
    match = _DATE_TEXT.fullmatch(text)
    if match:
        try:
            return dt.date(*(int(part) for part in match.groups())), None, None
        except ValueError:
            pass
    moment = parse_datetime(text)[0]  # the other date-time shapes (14时20分, 20250312 14:20): the day
    if moment is not None:
        return moment[0].date(), None, None
    return None, "bad-date", f"「{shown_value(value)}」不是有效日期，{DATE_HINT}"


def parse_number(value: object) -> Parsed:
    if is_blank(value):
        return None, None, None
    if isinstance(value, bool):
        return None, "bad-number", f"「{shown_value(value)}」不是数字"
    if isinstance(value, (int, float)):
        return float(value), None, None
    text = _text(value).replace(",", "")
    if _NUMBER_TEXT.fullmatch(text):
        return float(text), None, None
    return None, "bad-number", f"「{shown_value(value)}」不是数字"


def parse_whole_number(value: object) -> Parsed:
    """活产数, 产前检查次数: a whole number, 0 or more; anything else is bad-number."""
    number, code, detail = parse_number(value)
    if code is not None or number is None:
        return number, code, detail
    if number < 0 or not float(number).is_integer():
        return None, "bad-number", f"「{shown_value(value)}」不是不小于0的整数"
    return float(number), None, None


#: 建册孕周: an optional 孕, whole or decimal weeks, optionally 周, then optionally days 0-6 as
#: `+3`, `3天`, `+3天` or `w3d` (services.md).
#: services.md's 建册孕周: an optional 孕, whole or decimal weeks, optionally 周, then optionally days
#: 0–6 as +3, 3天 (after 周), +3天 or w3d; anything else is bad-number (12周3, 12w, 12+3d are not read)
_WEEKS_TEXT = re.compile(r"孕?(\d+(?:\.\d+)?)(?:周(?:\+?([0-6])天|\+([0-6]))?|\+([0-6])天?|w([0-6])d)?")


def parse_weeks(value: object) -> Parsed:
    """A gestational age in weeks: 12+3, 12周3天, 12w3d -> 12 + 3/7; 12.5 -> 12.5."""
    if is_blank(value):
        return None, None, None
    if isinstance(value, bool):
        return None, "bad-number", f"「{shown_value(value)}」不是孕周，请写成 12、12+3 或 12周3天"
    if isinstance(value, (int, float)):
        return (float(value), None, None) if value >= 0 else (None, "bad-number", f"「{shown_value(value)}」不是孕周")
    text = _SPACES.sub("", _text(value)).lower()  # (12 + 3, 12W3D: white space and case are not the shape)
    match = _WEEKS_TEXT.fullmatch(text)
    if match:
        weeks = float(match.group(1))
        days = next((day for day in match.groups()[1:] if day is not None), None)
        # services.md's grammar: whole or decimal weeks, then optionally days (12.5+3 is 12.5 weeks 3 days)
        return weeks + (int(days) / 7 if days is not None else 0.0), None, None
    return None, "bad-number", f"「{shown_value(value)}」不是孕周，请写成 12、12+3 或 12周3天"


def parse_blood_pressure(value: object) -> Parsed:
    """One 血压 cell such as 135/85 -> (135.0, 85.0)."""
    if is_blank(value):
        return None, None, None
    match = _BP_TEXT.fullmatch(_text(value)) if isinstance(value, str) else None
    if not match:
        return None, "bad-number", f"「{shown_value(value)}」不是血压读数，请写成 135/85"
    return (float(match.group(1)), float(match.group(2))), None, None


def _cell_text(value: object) -> str:
    """A cell as normalised text, '' when blank."""
    return "" if is_blank(value) else _text(value)


def parse_yes_no(value: object) -> Parsed:
    """是/否, 有/无, √/×, ✓, Y/N, 1/0, 已/未, 已完成/未完成; blank is no; other text is unknown (no)."""
    return _GENERAL_YES_NO(value)


_GENERAL_YES_NO = yes_no_parser(Column("是否", "yes_no", "yesno"), _cell_text, shown_value)


def parse_text(value: object) -> Parsed:
    """Free text: NFKC, all white space removed (station names match that way)."""
    if value.__class__ is str:  # the common case, kept cheap: names and phones are mostly distinct
        text = "".join(value.split())
        if CONTROL_CHARACTERS.search(text):  # first: what is left around one may compose (e ESC ´ is é)
            text = CONTROL_CHARACTERS.sub("", text)
        if not text:
            return None, None, None
        if not unicodedata.is_normalized("NFKC", text):
            text = "".join(unicodedata.normalize("NFKC", text).split())
        if text in EXCEL_ERRORS:
            return None, "implausible-value", f"「{text}」是 Excel 的错误值（公式出错），按空白处理"
        return text, None, None
    if value.__class__ is UnstoredFormula:
        return None, "implausible-value", f"「{value}」{UNSTORED_SAID.format(treated='按空白处理')}"
    if is_blank(value):
        return None, None, None
    return _SPACES.sub("", _text(value)), None, None


#: What a column says of a formula saved without its result (cell_xml.UnstoredFormula).
UNSTORED_SAID = "是公式，文件中没有保存它的结果，{treated}；请用 Excel 或 WPS 打开、保存后再读"

#: The two ways exports keep Excel from turning a long number into 1.1E+17: `'110105…`, `="110105…"`.
_EXPORT_WRAPPER = re.compile(r'=\s*"(.*)"|\'(.*)', re.DOTALL)
#: What an ID's last character X is typed as besides X and x (Ｘ, Ⅹ and ⅹ are X after NFKC).
_X_LOOKALIKES = ("×",)


def unwrap_export_text(value: object) -> object:
    """A text cell without the export wrapper and the white space around it; others unchanged."""
    if not isinstance(value, str):
        return value
    text = _text(value)
    match = _EXPORT_WRAPPER.fullmatch(text)
    if match is None:
        return value
    return (match.group(1) if match.group(1) is not None else match.group(2)).strip()


def parse_person_id(value: object) -> Parsed:
    if value.__class__ is UnstoredFormula:  # (its text masked: a formula may hold an ID, ="3301…"&A2)
        shown = mask_cell("".join(str(value).split()))
        shown = shown if len(shown) <= SHOWN_ID_LENGTH else shown[:SHOWN_ID_LENGTH] + "…"
        return None, "bad-id", f"身份证号「{shown}」{UNSTORED_SAID.format(treated='该行不计入')}"
    value = unwrap_export_text(value)
    if isinstance(value, str):
        value = _text(value)
        if value.endswith(_X_LOOKALIKES):
            value = value[:-1] + "X"
    person_id, code = parse_id(value)
    if code is None:
        return person_id, None, None
    if code == "missing-id":
        return None, code, "身份证号为空，该行不计入人数"
    if code == "id-as-number":
        return None, code, "身份证号以数字格式保存，后几位已丢失：请把该列设为“文本”格式后重新输入"
    text = "".join(_text(value).split())
    # the words written for "no ID" and Excel's error values shown as they are; anything else masked (part of an ID, or a
    # name from a shifted column: messages never echo either)
    shown = text if text.upper() in NO_ID_WORDS or text.upper() in EXCEL_ERRORS else mask_cell(text)
    if len(shown) > SHOWN_ID_LENGTH:  # a note pasted into the cell: its start, as other cells are quoted
        shown = shown[:SHOWN_ID_LENGTH] + "…"
    return None, code, f"「{shown}」不是有效的身份证号（应为18位）"


#: The most of a bad 身份证号 cell a message shows (a 5,000-character cell filled 74 lines of validate).
SHOWN_ID_LENGTH = 24


#: What staff write in a 身份证号 cell for "none" or "unknown": shown in the bad-id message as written.
NO_ID_WORDS = frozenset({"不详", "无", "未知", "暂无", "未提供", "无身份证", "无证", "没有", "空", "待补", "待查", "不明",
                         "缺失", "丢失", "遗失", "未办", "未办理", "-", "--", "/", "N/A", "NA", "NULL", "NONE", "无号"})


#: A code stored as a number at or past 2**53 (an 18-digit 预防接种编码) is not held exactly by a
#: number cell (float64; Excel itself keeps 15 digits): its last digits are lost, and two children
#: would share what is left. Shorter whole numbers are read as they are.
EXACT_NUMBER_LIMIT = 2**53
#: A code written out from such a number: in scientific notation, what Excel shows (and a CSV
#: re-save writes) for a long number (3.30102E+17), or a float's digits with `.0`.
_FLOAT_TEXT = re.compile(r"[0-9]{16,}\.0*")
CODE_AS_NUMBER = "编码以数字格式保存，后几位已丢失：请把该列设为“文本”格式后重新导出或输入"


def code_number_lost_digits(value: object) -> bool:
    """A code cell that is a number too long for a cell to hold exactly, or one written out as 3.30102E+17."""
    if isinstance(value, bool):
        return False
    if isinstance(value, (int, float)):
        return not abs(value) < EXACT_NUMBER_LIMIT  # NaN and infinities too
    if not isinstance(value, str):
        return False
    text = unicodedata.normalize("NFKC", _text(value)).upper()
    if SCIENTIFIC_TEXT.fullmatch(text):
        return True
    return _FLOAT_TEXT.fullmatch(text) is not None and float(text) >= EXACT_NUMBER_LIMIT


def parse_code(value: object) -> Parsed:
    """儿童编码: text or whole numbers, normalised like IDs (no checksum), export wrappers dropped.
    A number past 2**53 (or one shown as 3.30102E+17) has lost digits: id-as-number."""
    if value.__class__ is UnstoredFormula:  # its text is no code: every such cell would be one child
        return None, "bad-id", f"「{value}」{UNSTORED_SAID.format(treated='该行不计入')}"
    value = unwrap_export_text(value)
    if is_blank(value):
        return None, "missing-id", "儿童编码为空，该行不计入人数"
    if code_number_lost_digits(value):
        return None, "id-as-number", f"「{shown_value(value)}」：{CODE_AS_NUMBER}"
    if isinstance(value, float) and not value.is_integer():
        return None, "bad-id", f"「{shown_value(value)}」不是有效的儿童编码"
    code = _SPACES.sub("", _text(value)).upper()
    if code in EXCEL_ERRORS:
        return None, "missing-id", f"儿童编码是 Excel 的错误值 {code}（公式出错），该行不计入人数"
    return code, None, None


def _saying_unstored(parser: Callable[[object], Parsed], code: str) -> Callable[[object], Parsed]:
    treated = "按空白处理" if code == "implausible-value" else "该单元格不计入"

    def parse(value: object) -> Parsed:
        if value.__class__ is UnstoredFormula:  # read as a blank cell is (a column's default: 常住 blank = yes)
            return parser(None)[0], code, f"「{value}」{UNSTORED_SAID.format(treated=treated)}"
        return parser(value)

    parse.__wrapped__ = parser  # distinct_values: the scalar parser's fast path still serves it
    return parse


PARSERS: dict[str, Callable[[object], Parsed]] = {
    "id": parse_person_id,
    "code": parse_code,
    "date": parse_date,
    "datetime": parse_datetime,
    "text": parse_text,
    "yesno": parse_yes_no,
    "number": parse_number,
    "whole_number": parse_whole_number,
    "weeks": parse_weeks,
    "blood_pressure": parse_blood_pressure,
}


#: The problem a formula saved without its result is in a column whose parser does not say it
#: itself (text, ID and code columns do): a date or number cannot be read (an error, as any
#: unreadable cell); a yes/no or category cell is blank with a warning — never its formula text
#: read as content (a content-filled 健康指导 took =IF(…) for yes).
_UNSTORED_CODES = {"date": "bad-date", "datetime": "bad-date", "number": "bad-number", "whole_number": "bad-number",
                   "weeks": "bad-number", "blood_pressure": "bad-number", "yesno": "implausible-value",
                   "category": "implausible-value"}


def parser_for(column: Column) -> Callable[[object], Parsed]:
    parser = _parser_of(column)
    unstored = _UNSTORED_CODES.get(column.type)
    if unstored is not None:
        parser = _saying_unstored(parser, unstored)
    if not column.blank_words:
        return parser
    blank = blank_in(column)

    def parse(value: object) -> Parsed:  # the column's own words for an empty cell (NULL, 0000-00-00)
        return parser(None) if blank(value) else parser(value)

    return parse


def blank_in(column: Column) -> Callable[[object], bool]:
    """Whether a cell of the column is empty: blank, or one of the column's `blank_words`."""
    if not column.blank_words:
        return is_blank
    words = frozenset(normalise_value_text(word) for word in column.blank_words)
    return lambda value: is_blank(value) or (isinstance(value, str) and normalise_value_text(value) in words)


def _parser_of(column: Column) -> Callable[[object], Parsed]:
    if column.type == "category":
        return category_parser(column, _cell_text, shown_value)
    if column.type == "yesno" and (column.vocabulary or column.own_words or column.content_filled or column.codes):
        return yes_no_parser(column, _cell_text, shown_value)
    return PARSERS[column.type]
