"""Building the `ReportContext` of a 工作总结 / 工作计划 from the computed indicators
(`build_report_context`): the centre's lines, each station's, the plan's figures and the charts.

The change from the compare period is 无上年数据 when the compare period has no value for the
indicator — not computable, a zero denominator, or no row of the registers it reads dated in the
compare period (the caller passes those indicators: `engine.activity.indicators_with_rows_in`) —
and the current period has one; without a current value it is —, as without --compare.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from decimal import Decimal
from fractions import Fraction
from typing import Literal

from ..engine import ComputeResult, IndicatorResult, Library
from ..engine.groups import UNFILLED
from ..engine.results import PERIOD_ADVICE, PERIOD_ADVICE_IN_DOCUMENT, ceil_decimal
from ..periods import Period, chinese_label
from ..services.progress import monthly_pace
from . import report_counts, svg_charts
from .data_problems import data_problems_text
from .formatting import percent, target_percent, unit_word
from .report_context import CategorySection, Change, Counts, IndicatorLine, PeriodInfo, PlanFigures, ReportContext, StationLine
from .report_words import (
    CHINESE_NUMERALS,
    DEFAULT_CENTRE,
    NO_COMPARE_DATA,
    NO_TARGET,
    NO_VALUE,
    category_plan_paragraph,
    change_in_points,
    chinese_amount,
    chinese_count,
    clean_text,
    compare_phrase,
    describe_change,
    is_computable,
    met_word,
    opening_paragraph,
    rate_fraction,
    rate_or_count_text,
    summary_sentence,
    target_or_minimum_text,
    why_not_computable,
    zero_denominator,
)

PLAN_MONTHS = 12


def period_info(period: Period) -> PeriodInfo:
    return PeriodInfo(label=period.label, chinese_label=chinese_label(period), start=period.start.isoformat(),
                      end=period.end.isoformat())


def _change(row: IndicatorResult, previous: IndicatorResult | None, compared: bool, has_rows: bool) -> Change:
    if not compared:
        return Change(available=False, direction=None, points=None, signed=None, text=NO_VALUE, table_text=NO_VALUE,
                      compare_rate_text=NO_VALUE, compare_numerator=None, compare_denominator=None)
    if row.is_count:
        if not is_computable(row):  # no value now: nothing to compare, whatever the compare period had
            return Change(available=False, direction=None, points=None, signed=None, text=NO_VALUE, table_text=NO_VALUE,
                          compare_rate_text=NO_VALUE, compare_numerator=None, compare_denominator=None)
        if not (has_rows and is_computable(previous)):
            return Change(available=False, direction=None, points=None, signed=None, text=NO_COMPARE_DATA,
                          table_text=NO_COMPARE_DATA, compare_rate_text=NO_VALUE, compare_numerator=None,
                          compare_denominator=None)
        return Change(**report_counts.change_fields(row, previous))
    before = rate_fraction(previous) if has_rows else None
    now = rate_fraction(row)
    figures = dict(
        compare_rate_text=percent(previous.numerator, previous.denominator) if before is not None else NO_VALUE,
        compare_numerator=previous.numerator if before is not None else None,
        compare_denominator=previous.denominator if before is not None else None,
    )
    if now is None:  # no value now: the change is meaningless, whether or not the compare period has one
        return Change(available=False, direction=None, points=None, signed=None, text=NO_VALUE, table_text=NO_VALUE, **figures)
    if before is None:
        return Change(available=False, direction=None, points=None, signed=None, text=NO_COMPARE_DATA,
                      table_text=NO_COMPARE_DATA, **figures)
    direction, points, signed = describe_change(change_in_points(now, before))
    text = "持平" if direction == "持平" else f"{direction}{points}个百分点"
    table_text = "持平" if direction == "持平" else f"{signed}个百分点"
    return Change(available=True, direction=direction, points=points, signed=signed, text=text, table_text=table_text, **figures)


def _station_line(row: IndicatorResult) -> StationLine:
    computable = is_computable(row)
    shortfall = row.shortfall if computable else None
    monthly = monthly_pace(shortfall, PLAN_MONTHS)
    if row.is_count:  # as the centre's plan: the year's minimum spread over its months, whatever this year held
        monthly = report_counts.monthly(int(row.per_year)) if computable and row.per_year is not None else None
    return StationLine(
        station=clean_text(row.group_name), indicator_id=row.id, indicator_name=row.name,
        category=row.category, computable=computable, reason=None if computable else why_not_computable(row),
        target_text=target_or_minimum_text(row), numerator=row.numerator, denominator=row.denominator,
        numerator_text=chinese_count(row.numerator), denominator_text=chinese_count(row.denominator),
        rate_text=rate_or_count_text(row), met=row.met,
        met_text=NO_TARGET if computable and row.is_count and row.target is None else met_word(row.met, row),
        shortfall=shortfall, shortfall_text=chinese_count(shortfall), shortfall_amount=chinese_amount(shortfall, row),
        monthly=monthly, monthly_text=chinese_count(monthly), monthly_amount=chinese_amount(monthly, row),
    )


def _plan(row: IndicatorResult, stations: list[StationLine], period_text: str, per_year: int | None = None) -> PlanFigures:
    target = target_or_minimum_text(row)
    rate = rate_or_count_text(row)
    if not is_computable(row):
        sentence = (f"{row.name}{period_text}分母为0，没有应纳入的对象，不判断达标" if zero_denominator(row)
                    else f"{row.name}{period_text}无法计算（{why_not_computable(row)}），先补齐数据再确定目标任务")
        return PlanFigures(target_text=target, rate_text=rate, shortfall=None, shortfall_text=NO_VALUE,
                           shortfall_amount=NO_VALUE, required=None, required_text=NO_VALUE, monthly=None,
                           monthly_text=NO_VALUE, monthly_amount=NO_VALUE, pace_text=NO_VALUE, sentence=sentence)
    shortfall = row.shortfall
    behind = sorted((s for s in stations if s.shortfall), key=lambda s: (-s.shortfall, s.station))
    station_shortfalls = "、".join(f"{s.station}尚差{chinese_amount(s.shortfall, row)}" for s in behind)
    if row.is_count:
        monthly = report_counts.monthly(per_year)
        return PlanFigures(
            target_text=f"{per_year}{unit_word(row)}", rate_text=rate, shortfall=shortfall, shortfall_text=chinese_count(shortfall),
            shortfall_amount=chinese_amount(shortfall, row), required=per_year, required_text=chinese_count(per_year),
            monthly=monthly, monthly_text=chinese_count(monthly), monthly_amount=chinese_amount(monthly, row),
            pace_text=f"每月至少开展{monthly}{unit_word(row)}" if monthly else f"全年不少于{per_year}{unit_word(row)}",
            sentence=report_counts.plan_sentence(row, per_year, period_text, f"其中{station_shortfalls}" if behind else ""))
    required = ceil_decimal(row.target * row.denominator)
    monthly = monthly_pace(shortfall, PLAN_MONTHS)
    if shortfall == 0:
        pace_text = "已达标，保持现有水平"
        sentence = f"{row.name}保持在{target}以上（{period_text}为{rate}，已达到目标）"
        if behind:
            sentence += f"，但{station_shortfalls}"
    else:
        pace_text = f"每月需完成约{chinese_amount(monthly, row)}"
        sentence = f"{row.name}力争达到{target}（{period_text}为{rate}，尚差{chinese_amount(shortfall, row)}），{pace_text}"
        if behind:
            sentence += f"，其中{station_shortfalls}"
    return PlanFigures(target_text=target, rate_text=rate, shortfall=shortfall, shortfall_text=chinese_count(shortfall),
                       shortfall_amount=chinese_amount(shortfall, row), required=required, required_text=chinese_count(required),
                       monthly=monthly, monthly_text=chinese_count(monthly), monthly_amount=chinese_amount(monthly, row),
                       pace_text=pace_text, sentence=sentence)


def _indicator_line(row, indicator, previous, compared, has_rows, phrase, stations, period) -> IndicatorLine:
    period_text = chinese_label(period)
    change = _change(row, previous, compared, has_rows)
    if change.text == NO_COMPARE_DATA and phrase != "上年":  # 无上年同期数据, 无2025年第二季度数据
        change = change.model_copy(update={"text": f"无{phrase}数据", "table_text": f"无{phrase}数据"})
    computable = is_computable(row)
    target = target_or_minimum_text(row)
    rate = rate_or_count_text(row)
    # a count's plan: the yearly minimum (the row's own for a year, else chsc.yaml's or the library's per year)
    yearly = row.per_year if row.per_year is not None else indicator.target
    per_year = int(row.target if period.whole_year else yearly) if row.is_count else None
    if computable and row.met is False:
        missed_text = f"{row.name}{rate}，目标{target}，尚差{chinese_amount(row.shortfall, row)}"
    else:
        missed_text = ""
    return IndicatorLine(
        id=row.id, name=row.name, category=row.category, definition=indicator.definition, computable=computable,
        reason=None if computable else why_not_computable(row), target_text=target, numerator=row.numerator,
        denominator=row.denominator, numerator_text=chinese_count(row.numerator),
        denominator_text=chinese_count(row.denominator), rate_text=rate,
        denominator_source=row.denominator_source, met=row.met if computable else None,
        met_text=met_word(row.met if computable else None, row), shortfall=row.shortfall if computable else None,
        shortfall_text=chinese_count(row.shortfall if computable else None),
        shortfall_amount=chinese_amount(row.shortfall if computable else None, row), change=change,
        sentence=summary_sentence(row, change, phrase, period), missed_text=missed_text,
        plan=_plan(row, stations, period_text, per_year), stations=stations,
    )


def _station_lines(rows: Iterable[IndicatorResult]) -> dict[str, list[StationLine]]:
    """indicator id -> its station lines; none at all when every person's station is 未填."""
    lines: dict[str, list[StationLine]] = {}
    for row in rows:
        if row.group is not None and ("station" in row.group or "centre" in row.group):
            lines.setdefault(row.id, []).append(_station_line(row))
    names = {line.station for group in lines.values() for line in group}
    return {} if names <= {UNFILLED} else lines


def _notes(current: ComputeResult) -> str:
    """What qualifies the totals (a district total that leaves out a centre folder), as sentences."""
    notes = dict.fromkeys(clean_text(row.note) for row in current.indicators if row.group is None and row.note)
    return "".join(f"{note}。" for note in notes)


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
        # the stations' (a district's centres') lines, whenever one of them has a value: a district
        # total that one centre cannot compute keeps the others' figures
        stations = station_lines.get(indicator_id, [])
        stations = stations if any(line.computable for line in stations) else []
        lines.append(_indicator_line(row, indicator, previous_rows.get(indicator_id), compare is not None, has_rows,
                                     phrase, stations, current.period))
    order = library.category_order(line.category for line in lines)
    # the lists after the sections (未达标, 无法计算, the stations' table) in the sections' order
    lines = [line for name in order for line in lines if line.category == name]
    categories = []
    for number, name in enumerate(order):
        items = [line for line in lines if line.category == name]
        change_bars = [_change_bar(i) for i in items]
        station_rows = sorted((s for item in items for s in item.stations), key=_station_order(lines))
        categories.append(CategorySection(
            number=CHINESE_NUMERALS[number],
            name=name, indicators=items, missed_count=sum(1 for i in items if i.computable and not i.met),
            summary_paragraph="".join(item.sentence for item in items),
            plan_paragraph=category_plan_paragraph(name, plan_year_label, period_text, items), station_rows=station_rows,
            chart_svg=svg_charts.target_chart(f"{name}：完成率与目标", [_bar(centre_rows[i.id]) for i in items]),
            # (a section of counts alone has no change in points to draw)
            change_chart_svg=svg_charts.change_chart(f"{name}：较{phrase}变化（百分点）", change_bars)
            if compare and any(bar.points is not None for bar in change_bars) else "",
        ))
    missed = [line for line in lines if line.computable and not line.met]
    not_computable = [line for line in lines if not line.computable]
    counts = Counts(total=len(lines), met=len(lines) - len(missed) - len(not_computable), missed=len(missed),
                    not_computable=len(not_computable),
                    zero_denominator=sum(1 for line in not_computable if zero_denominator(centre_rows[line.id])))
    centre = clean_text(current.centre) or DEFAULT_CENTRE
    station_rows = sorted((s for line in lines for s in line.stations), key=_station_order(lines))
    return ReportContext(
        kind=kind,
        unit=unit,
        title=f"{centre}{period_text}基本公共卫生服务工作总结" if kind == "summary"
        else f"{centre}{plan_year_label}基本公共卫生服务工作计划",
        centre=centre, period=period_info(current.period),
        compare=period_info(compare.period) if compare else None, compare_phrase=phrase,
        change_header=f"较{phrase or '上年'}",
        plan_year=plan_year, plan_year_label=plan_year_label, counts=counts,
        opening=opening_paragraph(period_text, centre, counts, categories) + _notes(current), categories=categories,
        indicators=lines,
        missed=missed, not_computable=not_computable,
        stations=list(dict.fromkeys(s.station for s in sorted(station_rows, key=_station_order(lines)))),
        station_rows=station_rows,
        closing=f"以上{len(missed)}项指标未达到目标，列为{plan_year_label}工作重点。" if missed else "各项指标均已达到目标。",
        plan_intro=(f"根据{period_text}基本公共卫生服务各项指标的完成情况，制定{plan_year_label}工作计划。"
                    f"未达标的{len(missed)}项指标按尚差人数分解到全年{PLAN_MONTHS}个月，已达标的指标保持现有水平。"),
        numbers=list(CHINESE_NUMERALS),
        data_note=_data_note(current),
    )


def _data_note(current: ComputeResult) -> str:
    """The period's notice (no register row dated in it: a wrong year, a register left out of the
    folder — without it a document would show a fall to 0.0% without a word), then the data's
    problems."""
    # (a district's: a line per centre, each with the advice: said once, at the end)
    lines = [line.replace(PERIOD_ADVICE, "").rstrip("，：") for line in (current.period_notice or "").splitlines()]
    notice = f"{'；'.join(lines)}，{PERIOD_ADVICE_IN_DOCUMENT}" if lines else ""
    problems = data_problems_text(current.warnings, codes=False, period=current.period.label,
                                  district=hasattr(current, "centres")) or ""
    return "".join(part for part in (notice, problems) if part)


def _station_order(lines: list[IndicatorLine]):
    position = {line.id: index for index, line in enumerate(lines)}
    return lambda s: (s.station == UNFILLED, s.station, position.get(s.indicator_id, 0))


def _bar(row: IndicatorResult) -> svg_charts.Bar:
    if row.is_count:  # the count as a share of its minimum (the target line at 100%)
        value = Fraction(row.numerator, int(row.target)) if is_computable(row) and row.target else None
        return svg_charts.Bar(label=row.name, value=value, target=Fraction(1), met=row.met if value is not None else None,
                              value_text=rate_or_count_text(row), target_text=target_or_minimum_text(row))
    value = rate_fraction(row)
    return svg_charts.Bar(label=row.name, value=value, target=Fraction(row.target),
                          met=row.met if value is not None else None,
                          value_text=percent(row.numerator, row.denominator), target_text=target_percent(row.target),
                          empty_text="分母为0" if zero_denominator(row) else "无法计算")


def _change_bar(item: IndicatorLine) -> svg_charts.ChangeBar:
    in_points = item.change.available and item.change.direction in ("提升", "下降", "持平") and item.change.signed != "0"
    points = Decimal(item.change.signed) if in_points else None  # a count's change is in 次, not drawn as points
    return svg_charts.ChangeBar(label=item.name, points=points, text=item.change.text)
