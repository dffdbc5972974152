"""The words and numbers of a 工作总结 / 工作计划: counts written the Chinese way, the change in
percentage points, and the sentences written from an indicator's figures.

The change from the compare period follows cli.md: the exact difference of the two values in
percentage points, rounded half up to 0.1 (on the exact fraction); 持平 when that is 0.0.
"""

from __future__ import annotations

import math
import re
from decimal import Decimal
from fractions import Fraction

from ..engine import IndicatorResult
from ..periods import Period, chinese_label
from . import report_counts
from .formatting import percent, target_percent, target_text, unit_word
from .report_context import CategorySection, Change, Counts, IndicatorLine

NO_VALUE = "—"
NO_COMPARE_DATA = "无上年数据"
NO_TARGET = "不设目标"  # a station's count with no per_year_station (公众健康咨询)
DEFAULT_CENTRE = "本中心"
_DIGITS = "一二三四五六七八九"
# 一, 二, …, 十, 十一, …, 二十, 二十一, …, 九十九: section numbers
CHINESE_NUMERALS = tuple(
    (f"{_DIGITS[n // 10 - 1]}十" if n >= 20 else "十" if n >= 10 else "") + (_DIGITS[n % 10 - 1] if n % 10 else "")
    for n in range(1, 100)
)
# Characters XML 1.0 (and so Word) cannot hold; a register cell with one would corrupt the .docx.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def chinese_count(value: int | None) -> str:
    """Counts as Chinese publications write them (GB/T 15835): up to four digits unseparated
    (4501), from five digits with thousands separators (12,345); '—' for none."""
    if value is None:
        return NO_VALUE
    return str(value) if abs(value) < 10000 else f"{value:,}"


def chinese_amount(value: int | None, row) -> str:
    """A count in the row's unit word, written as chinese_count writes it: 188人, 1例, 12,345次; '—' for none."""
    return NO_VALUE if value is None else f"{chinese_count(value)}{unit_word(row)}"


def change_in_points(current: Fraction, previous: Fraction) -> Decimal:
    """(current − previous) × 100, rounded half up (away from zero) to 0.1 on the exact fraction."""
    tenths = (current - previous) * 1000
    rounded = math.floor(abs(tenths) + Fraction(1, 2))
    return Decimal(rounded if tenths >= 0 else -rounded).scaleb(-1)


def describe_change(points: Decimal) -> tuple[str, str, str]:
    """(direction, absolute points text, signed text) for a rounded change."""
    if points == 0:
        return "持平", "0.0", "0.0"
    magnitude = f"{abs(points):.1f}"
    return ("提升", magnitude, f"+{magnitude}") if points > 0 else ("下降", magnitude, f"-{magnitude}")


def clean_text(text: str | None) -> str:
    """Register text made safe for every output: no characters XML (and so Word) cannot hold."""
    return _NOT_XML.sub("", text or "")


def rate_fraction(row: IndicatorResult | None) -> Fraction | None:
    if row is None or row.numerator is None or not row.denominator:
        return None
    return Fraction(row.numerator, row.denominator)


def is_computable(row: IndicatorResult | None) -> bool:
    """A rate needs a fraction; a count (no denominator) only its count."""
    if row is not None and row.is_count:
        return row.numerator is not None and row.reason is None
    return rate_fraction(row) is not None


def compare_phrase(period: Period, compare: Period) -> str:
    """上年 for the previous year, 上年同期 for the same months a year earlier, else the period's name."""
    try:
        shifted = (period.start.replace(year=period.start.year - 1), period.end.replace(year=period.end.year - 1))
    except ValueError:  # 29 February
        shifted = None
    if shifted == (compare.start, compare.end):
        return "上年" if period.whole_year else "上年同期"
    return chinese_label(compare)


def change_clause(change: Change, phrase: str) -> str:
    if not change.available:
        return change.text if change.text == f"无{phrase}数据" else ""
    return f"与{phrase}持平" if change.direction == "持平" else f"较{phrase}{change.text}"


def why_not_computable(row: IndicatorResult) -> str:
    if row.reason:
        return clean_text(row.reason).rstrip("。")
    return ZERO_DENOMINATOR if zero_denominator(row) else "无数据"


#: An indicator computed over no one (cli.md: a null reason means it was computed): not judged.
ZERO_DENOMINATOR = "本期分母为0（统计期内没有应纳入的对象），不判断达标"


def zero_denominator(row: IndicatorResult) -> bool:
    """Computed (no reason), over a denominator of 0: neither met nor missed, and not 'not computable'."""
    return not row.reason and not row.is_count and row.numerator is not None and not row.denominator


def summary_sentence(row: IndicatorResult, change: Change, phrase: str, period: Period) -> str:
    if zero_denominator(row):
        return f"{row.name}{ZERO_DENOMINATOR}。"
    if not is_computable(row):
        return f"{row.name}本期无法计算（{why_not_computable(row)}）。"
    if row.is_count:
        return report_counts.sentence(row, change_clause(change, phrase), period)
    parts = [f"{row.name}{percent(row.numerator, row.denominator)}（{chinese_count(row.numerator)}/{chinese_count(row.denominator)}）"]
    clause = change_clause(change, phrase)
    if clause:
        parts.append(clause)
    target = target_percent(row.target)
    if row.met:
        parts.append(f"达到{target}的目标")
    else:
        parts.append(f"未达到{target}的目标，尚差{chinese_amount(row.shortfall, row)}")
    return "，".join(parts) + "。"


def rate_or_count_text(row: IndicatorResult) -> str:
    """86.4%, or a count's 12次."""
    if row.is_count:
        return NO_VALUE if row.numerator is None else f"{row.numerator}{unit_word(row)}"
    return percent(row.numerator, row.denominator)


def target_or_minimum_text(row: IndicatorResult) -> str:
    """90%, or a count's minimum for the period (12次; — where a station has none)."""
    return target_text(row) if row.is_count else target_percent(row.target)


def met_word(met: bool | None, row: IndicatorResult | None = None) -> str:
    """是 / 否 / 无法计算 — or 不判断（分母为0） for `row` computed over no one."""
    if row is not None and zero_denominator(row):
        return NOT_JUDGED
    return "无法计算" if met is None else ("是" if met else "否")


#: The 达标 cell of an indicator computed over no one.
NOT_JUDGED = "不判断（分母为0）"


def opening_paragraph(period_text: str, centre: str, counts: Counts, categories: list[CategorySection]) -> str:
    text = f"{period_text}，{centre}基本公共卫生服务共统计{counts.total}项指标，其中{counts.met}项达到目标，{counts.missed}项未达到目标"
    if counts.not_computable - counts.zero_denominator:
        text += f"，{counts.not_computable - counts.zero_denominator}项因数据不全无法计算"
    if counts.zero_denominator:
        text += f"，{counts.zero_denominator}项本期分母为0、不判断达标"
    text += "。"
    headline = [next((i for i in category.indicators if i.computable), None) for category in categories]
    figures = [f"{item.name}{item.rate_text}" for item in headline if item is not None]
    if figures:
        text += "主要指标：" + "，".join(figures) + "。"
    return text


def category_plan_paragraph(name: str, plan_year_label: str, period_text: str, items: list[IndicatorLine]) -> str:
    if all(item.computable and item.met for item in items):
        lead = f"{name}各项指标{period_text}均已达到目标，{plan_year_label}继续保持："
    else:
        lead = f"{plan_year_label}{name}工作目标："
    return lead + "；".join(item.plan.sentence for item in items) + "。"
