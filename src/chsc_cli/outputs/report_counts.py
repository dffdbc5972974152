"""The words of a count indicator (lectures held, consultations) in the 工作总结 and 工作计划: a count
has no rate, so it reads as 「健康知识讲座12次，达到每年12次的要求」, its change from the compare period
in 次 (增加 / 减少 N 次, 持平), and its plan as 「全年开展健康知识讲座不少于12次，每月至少1次」.

Other indicators counted in another word than 人 (cards 例, clues 条) keep their rates: only the
word of their shortfall changes, which `formatting.unit_word` gives."""

from __future__ import annotations

from ..engine import IndicatorResult
from ..periods import Period, chinese_label
from .formatting import unit_word

PLAN_MONTHS = 12


def activity(row: IndicatorResult) -> str:
    """What is counted, as a sentence names it: 健康知识讲座次数 -> 健康知识讲座."""
    return row.name.removesuffix("次数") or row.name


def requirement(row: IndicatorResult, period: Period) -> str:
    """每年12次 for a year; 2025年上半年应开展6次 for a shorter period (the pro-rated minimum)."""
    word = unit_word(row)
    if period.whole_year:
        return f"每年{int(row.target)}{word}"
    return f"{chinese_label(period)}应开展{int(row.target)}{word}"


def change_fields(row: IndicatorResult, previous: IndicatorResult | None) -> dict:
    """The Change of a count: 增加 / 减少 N 次 or 持平 (no percentage points)."""
    word = unit_word(row)
    difference = row.numerator - previous.numerator
    if difference == 0:
        direction, text, signed = "持平", "持平", "0"
    elif difference > 0:
        direction, text, signed = "增加", f"增加{difference}{word}", f"+{difference}"
    else:
        direction, text, signed = "减少", f"减少{-difference}{word}", f"-{-difference}"
    return dict(available=True, direction=direction, points=str(abs(difference)), signed=signed, text=text,
                table_text=f"{signed}{word}" if difference else "持平", compare_rate_text=f"{previous.numerator}{word}",
                compare_numerator=previous.numerator, compare_denominator=None)


def sentence(row: IndicatorResult, change_clause: str, period: Period) -> str:
    """健康知识讲座12次，较上年增加2次，达到每年12次的要求。 / ……9次，未达到每年12次的要求，尚差3次。"""
    word = unit_word(row)
    parts = [f"{activity(row)}{row.numerator}{word}"]
    if change_clause:
        parts.append(change_clause)
    if row.target is None:
        return "，".join(parts) + "。"
    if row.met:
        parts.append(f"达到{requirement(row, period)}的要求")
    else:
        parts.append(f"未达到{requirement(row, period)}的要求，尚差{row.shortfall}{word}")
    return "，".join(parts) + "。"


def plan_sentence(row: IndicatorResult, per_year: int, period_text: str, behind: str) -> str:
    """全年开展健康知识讲座不少于12次，每月至少1次 (the monthly clause only from 12 a year), then how
    this period went and the stations behind."""
    word = unit_word(row)
    text = f"全年开展{activity(row)}不少于{per_year}{word}"
    if per_year >= PLAN_MONTHS:
        text += f"，每月至少{monthly(per_year)}{word}"
    if row.met:
        text += f"（{period_text}开展{row.numerator}{word}，已达到要求）"
    else:
        text += f"（{period_text}开展{row.numerator}{word}，尚差{row.shortfall}{word}）"
    if behind:
        text += f"，{behind}"
    return text


def monthly(per_year: int) -> int | None:
    """At least this many a month in the plan year: the yearly minimum spread over twelve months;
    None below 12 a year (6 a year is one every two months, not one a month: services.md gives the
    monthly clause only from 12 a year)."""
    return -(-per_year // PLAN_MONTHS) if per_year >= PLAN_MONTHS else None
