"""What a 工作总结 / 工作计划 template sees: one documented pydantic model, `ReportContext`, built
from the computed indicators by `build_report_context`.

Every figure a template shows is already formatted here (percentages to one decimal, counts the
Chinese way, sentences written from the figures), so a centre's own template only places fields.
Field descriptions are the documentation: `field_reference()` turns them into the README table.

The change from the compare period follows cli.md: the exact difference of the two values in
percentage points, rounded half up to 0.1 (on the exact fraction); 持平 when that is 0.0; 无上年数据
when the compare period has no value for the indicator — not computable, a zero denominator, or no
row of the registers it reads dated in the compare period (`indicators_with_rows_in`).
"""

from __future__ import annotations

import math
import re
from collections.abc import Collection, Iterable
from decimal import Decimal
from fractions import Fraction
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from ..engine import ComputeResult, IndicatorResult, Library
from ..engine.activity import indicators_with_rows_in  # noqa: F401 (used here and by cli)
from ..services.progress import monthly_pace
from ..engine.results import ceil_decimal
from ..periods import Period, chinese_label
from . import report_counts, svg_charts
from .formatting import percent, target_percent, target_text, unit_word

PLAN_MONTHS = 12
NO_VALUE = "—"
NO_COMPARE_DATA = "无上年数据"
NO_TARGET = "不设目标"  # a station's count with no per_year_station (公众健康咨询)
UNFILLED_STATION = "未填"
DEFAULT_CENTRE = "本中心"
_DIGITS = "一二三四五六七八九"
# 一, 二, …, 十, 十一, …, 二十, 二十一, …, 九十九: section numbers
CHINESE_NUMERALS = tuple(
    (f"{_DIGITS[n // 10 - 1]}十" if n >= 20 else "十" if n >= 10 else "") + (_DIGITS[n % 10 - 1] if n % 10 else "")
    for n in range(1, 100)
)
# Characters XML 1.0 (and so Word) cannot hold; a register cell with one would corrupt the .docx.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PeriodInfo(Model):
    """统计期 / a statistics period."""

    label: str = Field(description="统计期，按 --period 原样，如 2025、2025H1")
    chinese_label: str = Field(description="中文写法，如 2025年、2025年上半年")
    start: str = Field(description="起始日期 YYYY-MM-DD")
    end: str = Field(description="截止日期 YYYY-MM-DD（含当天）")


class Change(Model):
    """较比较期的变化（百分点）/ the change from the compare period."""

    available: bool = Field(description="有可比的上期数值时为 true")
    direction: Literal["提升", "下降", "持平", "增加", "减少"] | None = Field(description="提升 / 下降 / 持平（计次指标：增加 / 减少 / 持平）；无可比数据时为空")
    points: str | None = Field(description="变化的百分点数（绝对值，一位小数），如 3.2")
    signed: str | None = Field(description="带符号的百分点数，如 +3.2、-0.1、0.0")
    text: str = Field(description="如「提升3.2个百分点」「持平」「无上年数据」；未给 --compare 时为「—」")
    table_text: str = Field(description="表格「较上年(百分点)」一栏：+3.2 / -0.1 / 0.0 / 无上年数据 / —")
    compare_rate_text: str = Field(description="上期完成率，如 83.2%；无则为「—」")
    compare_numerator: int | None = Field(description="上期分子")
    compare_denominator: int | None = Field(description="上期分母（有 population_by_year 时为该年官方人数）")


class StationLine(Model):
    """一个指标在一个站点的数字 / one indicator at one station (as chsc compute --by station)."""

    station: str = Field(description="站点名称（登记表中没有站点的人归入「未填」）")
    indicator_id: str = Field(description="指标 id")
    indicator_name: str = Field(description="指标名称")
    category: str = Field(description="服务类别")
    computable: bool = Field(description="能否按站点计算")
    reason: str | None = Field(description="不能计算时的原因")
    target_text: str = Field(description="目标，如 90%")
    numerator: int | None = Field(description="分子")
    denominator: int | None = Field(description="分母")
    numerator_text: str = Field(description="分子（中文数字写法）")
    denominator_text: str = Field(description="分母（中文数字写法）")
    rate_text: str = Field(description="完成率，如 86.4%；不能计算为「—」")
    met: bool | None = Field(description="是否达标；不能计算为空")
    met_text: str = Field(description="是 / 否 / 无法计算 / 不设目标（站点的计次指标没有 per_year_station）")
    gap: int | None = Field(description="尚差人数（达标为 0）")
    gap_text: str = Field(description="尚差人数的文字")
    monthly: int | None = Field(description="计划年度每月需完成人数：ceil(尚差 ÷ 12)")
    monthly_text: str = Field(description="每月需完成人数的文字")


class PlanFigures(Model):
    """一个指标的计划数字 / next year's figures of one indicator (工作计划)."""

    target_text: str = Field(description="计划年度目标（chsc.yaml 的 targets，否则指标库默认值），如 90%")
    rate_text: str = Field(description="本期完成率")
    gap: int | None = Field(description="与目标相差的人数（本期尚差人数；达标为 0）")
    gap_text: str = Field(description="相差人数的文字")
    required: int | None = Field(description="按本期分母达到目标所需的人数：ceil(目标 × 分母)")
    required_text: str = Field(description="所需人数的文字")
    monthly: int | None = Field(description="每月需完成人数：ceil(相差人数 ÷ 12)")
    monthly_text: str = Field(description="每月需完成人数的文字（表格用），如 16；达标为 0")
    pace_text: str = Field(description="如「每月需完成约16人」「已达标，保持现有水平」")
    sentence: str = Field(description="本指标的计划语句（不含句号）")


class IndicatorLine(Model):
    """全中心的一个指标 / one indicator for the whole centre."""

    id: str = Field(description="指标 id，如 elderly_health_management_rate")
    name: str = Field(description="指标名称")
    category: str = Field(description="服务类别，如 老年人健康管理")
    definition: str = Field(description="指标口径（指标库中的 definition）")
    computable: bool = Field(description="能否计算（有分子、分母且分母不为 0）")
    reason: str | None = Field(description="不能计算时的原因")
    target_text: str = Field(description="目标，如 90%")
    numerator: int | None = Field(description="分子")
    denominator: int | None = Field(description="分母")
    numerator_text: str = Field(description="分子（中文数字写法：四位以内不分节，五位起用千分位）")
    denominator_text: str = Field(description="分母（同上）")
    rate_text: str = Field(description="完成率，一位小数，如 86.4%；不能计算为「—」")
    denominator_source: str | None = Field(description="分母来源：config（chsc.yaml）、roster（名册）、register（登记表）")
    met: bool | None = Field(description="是否达标；不能计算为空")
    met_text: str = Field(description="是 / 否 / 无法计算")
    shortfall: int | None = Field(description="尚差人数：max(0, ceil(目标 × 分母) − 分子)")
    shortfall_text: str = Field(description="尚差人数的文字")
    change: Change = Field(description="较上期的变化（见 Change）")
    sentence: str = Field(description="总结语句，如「老年人健康管理率86.4%（4501/5210），较上年提升3.2个百分点，未达到90%的目标，尚差188人。」")
    missed_text: str = Field(description="未达标清单中的一行：名称、完成率、目标、尚差人数")
    plan: PlanFigures = Field(description="计划年度的数字（见 PlanFigures）")
    stations: list[StationLine] = Field(description="本指标各站点的数字")


class CategorySection(Model):
    """一类服务（老年人健康管理、高血压患者健康管理……），按指标库的顺序 / one service category."""

    number: str = Field(description="中文序号：一、二、三……")
    name: str = Field(description="类别名称")
    indicators: list[IndicatorLine] = Field(description="本类指标，按指标库的 order 排列")
    missed_count: int = Field(description="本类未达标指标数")
    summary_paragraph: str = Field(description="工作总结的段落：本类各指标的总结语句")
    plan_paragraph: str = Field(description="工作计划的段落：本类各指标的目标、差距和每月进度")
    station_rows: list[StationLine] = Field(description="本类指标的各站点数字，按站点、指标排列")
    chart_svg: str = Field(description="HTML 用：各指标完成率与目标的条形图（内嵌 SVG，文字已转义，用 |safe 输出）")
    change_chart_svg: str = Field(description="HTML 用：较上期变化的条形图（内嵌 SVG）；未给 --compare 时为空")


class Counts(Model):
    """指标个数 / how many indicators met, missed or could not be computed."""

    total: int = Field(description="指标总数")
    met: int = Field(description="达标指标数")
    missed: int = Field(description="未达标指标数")
    not_computable: int = Field(description="无法计算的指标数")


class ReportContext(Model):
    """模板看到的全部字段（工作总结、工作计划相同）/ everything a report template sees."""

    kind: Literal["summary", "plan"] = Field(description="summary（工作总结）或 plan（工作计划）")
    title: str = Field(description="标题，如「××社区卫生服务中心2025年基本公共卫生服务工作总结」")
    centre: str = Field(description="中心名称（chsc.yaml 的 centre；未填为「本中心」）")
    period: PeriodInfo = Field(description="统计期（见 PeriodInfo）")
    compare: PeriodInfo | None = Field(description="比较期（--compare）；未给时为空")
    compare_phrase: str = Field(description="比较期在句中的说法：上年 / 上年同期 / 2023年；未给 --compare 时为空")
    plan_year: int = Field(description="计划年度：统计期截止年份的下一年")
    plan_year_label: str = Field(description="计划年度的中文写法，如 2026年")
    counts: Counts = Field(description="指标个数：total、met、missed、not_computable")
    opening: str = Field(description="工作总结开头段落：达标情况与主要指标")
    categories: list[CategorySection] = Field(description="各服务类别（见 CategorySection）")
    indicators: list[IndicatorLine] = Field(description="全部指标（不分类别），按 order 排列")
    missed: list[IndicatorLine] = Field(description="未达标的指标")
    not_computable: list[IndicatorLine] = Field(description="无法计算的指标")
    unit: str = Field(description="分组单位：站点（中心的报告）或 中心（区级报告，chsc report --centres）")
    stations: list[str] = Field(description="站点（区级报告中为各中心）名称；登记表没有站点信息时为空")
    station_rows: list[StationLine] = Field(description="全部站点数字，按站点、指标排列")
    closing: str = Field(description="工作总结结尾：未达标指标的小结")
    plan_intro: str = Field(description="工作计划开头段落")
    numbers: list[str] = Field(description="中文序号表：numbers[0] 为「一」，可写 numbers[categories|length] 续编章节号")


# ------------------------------------------------------------------------------------ numbers


def chinese_count(value: int | None) -> str:
    """Counts as Chinese publications write them (GB/T 15835): up to four digits unseparated
    (4501), from five digits with thousands separators (12,345); '—' for none."""
    if value is None:
        return NO_VALUE
    return str(value) if abs(value) < 10000 else f"{value:,}"


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


def _fraction(row: IndicatorResult | None) -> Fraction | None:
    if row is None or row.numerator is None or not row.denominator:
        return None
    return Fraction(row.numerator, row.denominator)


def _computable(row: IndicatorResult | None) -> bool:
    """A rate needs a fraction; a count (no denominator) only its count."""
    if row is not None and row.is_count:
        return row.numerator is not None and row.reason is None
    return _fraction(row) is not None


# ------------------------------------------------------------------------- compare-period rows


# ------------------------------------------------------------------------------------ building


def period_info(period: Period) -> PeriodInfo:
    return PeriodInfo(label=period.label, chinese_label=chinese_label(period), start=period.start.isoformat(),
                      end=period.end.isoformat())


def compare_phrase(period: Period, compare: Period) -> str:
    """上年 for the previous year, 上年同期 for the same months a year earlier, else the period's name."""
    try:
        shifted = (period.start.replace(year=period.start.year - 1), period.end.replace(year=period.end.year - 1))
    except ValueError:  # 29 February
        shifted = None
    if shifted == (compare.start, compare.end):
        whole_year = (period.start.month, period.start.day, period.end.month, period.end.day) == (1, 1, 12, 31)
        return "上年" if whole_year and period.start.year == period.end.year else "上年同期"
    return chinese_label(compare)


def _change(row: IndicatorResult, previous: IndicatorResult | None, compared: bool, has_rows: bool) -> Change:
    if not compared:
        return Change(available=False, direction=None, points=None, signed=None, text=NO_VALUE, table_text=NO_VALUE,
                      compare_rate_text=NO_VALUE, compare_numerator=None, compare_denominator=None)
    if row.is_count:
        if not (has_rows and _computable(previous)):
            return Change(available=False, direction=None, points=None, signed=None, text=NO_COMPARE_DATA,
                          table_text=NO_COMPARE_DATA, compare_rate_text=NO_VALUE, compare_numerator=None,
                          compare_denominator=None)
        if not _computable(row):
            return Change(available=False, direction=None, points=None, signed=None, text=NO_VALUE, table_text=NO_VALUE,
                          compare_rate_text=NO_VALUE, compare_numerator=None, compare_denominator=None)
        return Change(**report_counts.change_fields(row, previous))
    before = _fraction(previous) if has_rows else None
    now = _fraction(row)
    figures = dict(
        compare_rate_text=percent(previous.numerator, previous.denominator) if before is not None else NO_VALUE,
        compare_numerator=previous.numerator if before is not None else None,
        compare_denominator=previous.denominator if before is not None else None,
    )
    if before is None:
        return Change(available=False, direction=None, points=None, signed=None, text=NO_COMPARE_DATA,
                      table_text=NO_COMPARE_DATA, **figures)
    if now is None:
        return Change(available=False, direction=None, points=None, signed=None, text=NO_VALUE, table_text=NO_VALUE, **figures)
    direction, points, signed = describe_change(change_in_points(now, before))
    text = "持平" if direction == "持平" else f"{direction}{points}个百分点"
    return Change(available=True, direction=direction, points=points, signed=signed, text=text, table_text=signed, **figures)


def _change_clause(change: Change, phrase: str) -> str:
    if not change.available:
        return change.text if change.text == NO_COMPARE_DATA else ""
    return f"与{phrase}持平" if change.direction == "持平" else f"较{phrase}{change.text}"


def _reason(row: IndicatorResult) -> str:
    if row.reason:
        return clean_text(row.reason).rstrip("。")
    return "分母为0" if row.numerator is not None else "无数据"


def _sentence(row: IndicatorResult, change: Change, phrase: str, period: Period) -> str:
    if not _computable(row):
        return f"{row.name}本期无法计算（{_reason(row)}）。"
    if row.is_count:
        return report_counts.sentence(row, _change_clause(change, phrase), period)
    parts = [f"{row.name}{percent(row.numerator, row.denominator)}（{chinese_count(row.numerator)}/{chinese_count(row.denominator)}）"]
    clause = _change_clause(change, phrase)
    if clause:
        parts.append(clause)
    target = target_percent(row.target)
    if row.met:
        parts.append(f"达到{target}的目标")
    else:
        parts.append(f"未达到{target}的目标，尚差{chinese_count(row.shortfall)}{unit_word(row)}")
    return "，".join(parts) + "。"


def _station_line(row: IndicatorResult) -> StationLine:
    computable = _computable(row)
    gap = row.shortfall if computable else None
    monthly = monthly_pace(gap, PLAN_MONTHS)
    return StationLine(
        station=clean_text(row.group_name), indicator_id=row.id, indicator_name=row.name,
        category=row.category, computable=computable, reason=None if computable else _reason(row),
        target_text=_target_text(row), numerator=row.numerator, denominator=row.denominator,
        numerator_text=chinese_count(row.numerator), denominator_text=chinese_count(row.denominator),
        rate_text=_rate_text(row), met=row.met,
        met_text=NO_TARGET if computable and row.is_count and row.target is None else _met_text(row.met),
        gap=gap, gap_text=chinese_count(gap), monthly=monthly, monthly_text=chinese_count(monthly),
    )


def _rate_text(row: IndicatorResult) -> str:
    """86.4%, or a count's 12次."""
    if row.is_count:
        return NO_VALUE if row.numerator is None else f"{row.numerator}{unit_word(row)}"
    return percent(row.numerator, row.denominator)


def _target_text(row: IndicatorResult) -> str:
    """90%, or a count's minimum for the period (12次; — where a station has none)."""
    return target_text(row) if row.is_count else target_percent(row.target)


def _met_text(met: bool | None) -> str:
    return "无法计算" if met is None else ("是" if met else "否")


def _plan(row: IndicatorResult, stations: list[StationLine], period_text: str, per_year: int | None = None) -> PlanFigures:
    target = _target_text(row)
    rate = _rate_text(row)
    if not _computable(row):
        sentence = f"{row.name}{period_text}无法计算（{_reason(row)}），先补齐数据再确定目标任务"
        return PlanFigures(target_text=target, rate_text=rate, gap=None, gap_text=NO_VALUE, required=None,
                           required_text=NO_VALUE, monthly=None, monthly_text=NO_VALUE, pace_text=NO_VALUE,
                           sentence=sentence)
    gap = row.shortfall
    behind = sorted((s for s in stations if s.gap), key=lambda s: (-s.gap, s.station))
    station_gaps = "、".join(f"{s.station}尚差{chinese_count(s.gap)}{unit_word(row)}" for s in behind)
    if row.is_count:
        monthly = report_counts.monthly(per_year)
        return PlanFigures(
            target_text=f"{per_year}{unit_word(row)}", rate_text=rate, gap=gap, gap_text=chinese_count(gap),
            required=per_year, required_text=chinese_count(per_year), monthly=monthly, monthly_text=chinese_count(monthly),
            pace_text=f"每月至少开展{monthly}{unit_word(row)}",
            sentence=report_counts.plan_sentence(row, per_year, period_text, f"其中{station_gaps}" if behind else ""))
    required = ceil_decimal(row.target * row.denominator)
    monthly = monthly_pace(gap, PLAN_MONTHS)
    if gap == 0:
        pace_text = "已达标，保持现有水平"
        sentence = f"{row.name}保持在{target}以上（{period_text}为{rate}，已达到目标）"
        if behind:
            sentence += f"，但{station_gaps}"
    else:
        pace_text = f"每月需完成约{chinese_count(monthly)}{unit_word(row)}"
        sentence = f"{row.name}力争达到{target}（{period_text}为{rate}，尚差{chinese_count(gap)}{unit_word(row)}），{pace_text}"
        if behind:
            sentence += f"，其中{station_gaps}"
    return PlanFigures(target_text=target, rate_text=rate, gap=gap, gap_text=chinese_count(gap), required=required,
                       required_text=chinese_count(required), monthly=monthly, monthly_text=chinese_count(monthly),
                       pace_text=pace_text, sentence=sentence)


def _indicator_line(row, indicator, previous, compared, has_rows, phrase, stations, period) -> IndicatorLine:
    period_text = chinese_label(period)
    change = _change(row, previous, compared, has_rows)
    computable = _computable(row)
    target = _target_text(row)
    rate = _rate_text(row)
    # a count's plan: the yearly minimum (the row's own for a year, else the library's per year)
    per_year = int(row.target if report_counts.whole_year(period) else indicator.target) if row.is_count else None
    if computable and row.met is False:
        missed_text = f"{row.name}{rate}，目标{target}，尚差{chinese_count(row.shortfall)}{unit_word(row)}"
    else:
        missed_text = ""
    return IndicatorLine(
        id=row.id, name=row.name, category=row.category, definition=indicator.definition, computable=computable,
        reason=None if computable else _reason(row), target_text=target, numerator=row.numerator,
        denominator=row.denominator, numerator_text=chinese_count(row.numerator),
        denominator_text=chinese_count(row.denominator), rate_text=rate,
        denominator_source=row.denominator_source, met=row.met if computable else None,
        met_text=_met_text(row.met if computable else None), shortfall=row.shortfall if computable else None,
        shortfall_text=chinese_count(row.shortfall if computable else None), change=change,
        sentence=_sentence(row, change, phrase, period), missed_text=missed_text,
        plan=_plan(row, stations, period_text, per_year), stations=stations,
    )


def _station_lines(rows: Iterable[IndicatorResult]) -> dict[str, list[StationLine]]:
    """indicator id -> its station lines; none at all when every person's station is 未填."""
    lines: dict[str, list[StationLine]] = {}
    for row in rows:
        if row.group is not None and ("station" in row.group or "centre" in row.group):
            lines.setdefault(row.id, []).append(_station_line(row))
    names = {line.station for group in lines.values() for line in group}
    return {} if names <= {UNFILLED_STATION} else lines


def _opening(period_text: str, centre: str, counts: Counts, categories: list[CategorySection]) -> str:
    text = f"{period_text}，{centre}基本公共卫生服务共统计{counts.total}项指标，其中{counts.met}项达到目标，{counts.missed}项未达到目标"
    if counts.not_computable:
        text += f"，{counts.not_computable}项因数据不全无法计算"
    text += "。"
    headline = [next((i for i in category.indicators if i.computable), None) for category in categories]
    figures = [f"{item.name}{item.rate_text}" for item in headline if item is not None]
    if figures:
        text += "主要指标：" + "，".join(figures) + "。"
    return text


def _notes(current: ComputeResult) -> str:
    """What qualifies the totals (a district total that leaves out a centre folder), as sentences."""
    notes = dict.fromkeys(clean_text(row.note) for row in current.indicators if row.group is None and row.note)
    return "".join(f"{note}。" for note in notes)


def _category_plan(name: str, plan_year_label: str, period_text: str, items: list[IndicatorLine]) -> str:
    if all(item.computable and item.met for item in items):
        lead = f"{name}各项指标{period_text}均已达到目标，{plan_year_label}继续保持："
    else:
        lead = f"{plan_year_label}{name}工作目标："
    return lead + "；".join(item.plan.sentence for item in items) + "。"


def build_report_context(
    current: ComputeResult,
    *,
    library: Library,
    kind: Literal["summary", "plan"] = "summary",
    compare: ComputeResult | None = None,
    compare_with_rows: Collection[str] | None = None,
    unit: str = "站点",
) -> ReportContext:
    """The context of a summary or plan: `current` is this period's result (with `--by station`
    rows when available), `compare` the compare period's, and `compare_with_rows` the indicators
    that have a register row dated in the compare period (None: trust every computable value)."""
    centre_rows = {row.id: row for row in current.indicators if row.group is None}
    previous_rows = {row.id: row for row in compare.indicators if row.group is None} if compare else {}
    station_lines = _station_lines(current.indicators)
    period_text = chinese_label(current.period)
    phrase = compare_phrase(current.period, compare.period) if compare else ""
    plan_year = current.period.end.year + 1
    plan_year_label = f"{plan_year}年"
    lines: list[IndicatorLine] = []
    for indicator_id, indicator in library.indicators.items():  # the library is sorted by order
        row = centre_rows.get(indicator_id)
        if row is None:
            continue
        has_rows = compare_with_rows is None or indicator_id in compare_with_rows
        stations = station_lines.get(indicator_id, []) if _computable(row) else []
        lines.append(_indicator_line(row, indicator, previous_rows.get(indicator_id), compare is not None, has_rows,
                                     phrase, stations, current.period))
    categories = []
    for number, name in enumerate(library.category_order(line.category for line in lines)):
        items = [line for line in lines if line.category == name]
        station_rows = sorted((s for item in items for s in item.stations), key=_station_order(lines))
        categories.append(CategorySection(
            number=CHINESE_NUMERALS[number],
            name=name, indicators=items, missed_count=sum(1 for i in items if i.computable and not i.met),
            summary_paragraph="".join(item.sentence for item in items),
            plan_paragraph=_category_plan(name, plan_year_label, period_text, items), station_rows=station_rows,
            chart_svg=svg_charts.target_chart(f"{name}：完成率与目标", [_bar(centre_rows[i.id]) for i in items]),
            change_chart_svg=svg_charts.change_chart(f"{name}：较{phrase}变化（百分点）", [_change_bar(i) for i in items])
            if compare else "",
        ))
    missed = [line for line in lines if line.computable and not line.met]
    not_computable = [line for line in lines if not line.computable]
    counts = Counts(total=len(lines), met=len(lines) - len(missed) - len(not_computable), missed=len(missed),
                    not_computable=len(not_computable))
    centre = clean_text(current.centre) or DEFAULT_CENTRE
    station_rows = sorted((s for line in lines for s in line.stations), key=_station_order(lines))
    return ReportContext(
        kind=kind,
        unit=unit,
        title=f"{centre}{period_text}基本公共卫生服务工作总结" if kind == "summary"
        else f"{centre}{plan_year_label}基本公共卫生服务工作计划",
        centre=centre, period=period_info(current.period),
        compare=period_info(compare.period) if compare else None, compare_phrase=phrase,
        plan_year=plan_year, plan_year_label=plan_year_label, counts=counts,
        opening=_opening(period_text, centre, counts, categories) + _notes(current), categories=categories,
        indicators=lines,
        missed=missed, not_computable=not_computable,
        stations=list(dict.fromkeys(s.station for s in sorted(station_rows, key=_station_order(lines)))),
        station_rows=station_rows,
        closing=f"以上{len(missed)}项指标未达到目标，列为{plan_year_label}工作重点。" if missed else "各项指标均已达到目标。",
        plan_intro=(f"根据{period_text}基本公共卫生服务各项指标的完成情况，制定{plan_year_label}工作计划。"
                    f"未达标的{len(missed)}项指标按尚差人数分解到全年{PLAN_MONTHS}个月，已达标的指标保持现有水平。"),
        numbers=list(CHINESE_NUMERALS),
    )


def _station_order(lines: list[IndicatorLine]):
    position = {line.id: index for index, line in enumerate(lines)}
    return lambda s: (s.station == UNFILLED_STATION, s.station, position.get(s.indicator_id, 0))


def _bar(row: IndicatorResult) -> svg_charts.Bar:
    if row.is_count:  # the count as a share of its minimum (the target line at 100%)
        value = Fraction(row.numerator, int(row.target)) if _computable(row) and row.target else None
        return svg_charts.Bar(label=row.name, value=value, target=Fraction(1), met=row.met if value is not None else None,
                              value_text=_rate_text(row), target_text=_target_text(row))
    value = _fraction(row)
    return svg_charts.Bar(label=row.name, value=value, target=Fraction(row.target),
                          met=row.met if value is not None else None,
                          value_text=percent(row.numerator, row.denominator), target_text=target_percent(row.target))


def _change_bar(item: IndicatorLine) -> svg_charts.ChangeBar:
    in_points = item.change.available and item.change.direction in ("提升", "下降", "持平") and item.change.signed != "0"
    points = Decimal(item.change.signed) if in_points else None  # a count's change is in 次, not drawn as points
    return svg_charts.ChangeBar(label=item.name, points=points, text=item.change.text)


# ---------------------------------------------------------------------------------- reference


def field_reference() -> str:
    """The fields of ReportContext and its parts as Markdown tables (for the README)."""
    sections = []
    for model in (ReportContext, PeriodInfo, Counts, CategorySection, IndicatorLine, Change, PlanFigures, StationLine):
        rows = [f"| `{name}` | {field.description.replace('|', chr(92) + '|')} |" for name, field in model.model_fields.items()]
        doc = (model.__doc__ or "").strip().splitlines()[0] if model.__doc__ else ""
        sections.append(f"**{model.__name__}** — {doc}\n\n| 字段 | 含义 |\n|---|---|\n" + "\n".join(rows))
    return "\n\n".join(sections) + "\n"
