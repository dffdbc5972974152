"""What a 工作总结 / 工作计划 template sees: one documented pydantic model, `ReportContext`, and its parts.

Every figure a template shows is already formatted (percentages to one decimal, counts the Chinese
way, sentences written from the figures; see report_build.py), so a centre's own template only
places fields. Field descriptions are the documentation: `field_reference()` turns them into the
README table.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, computed_field

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
    text: str = Field(description="如「提升3.2个百分点」「持平」「无上年数据」（比较期不是上年时如「无上年同期数据」）；未给 --compare 或本期无法计算时为「—」")
    table_text: str = Field(description="表格「较上年」一栏（表头见 change_header），带单位：+3.2个百分点 / -0.1个百分点 / 持平（计次指标：+2次 / -1次 / 持平）/ 无上年数据（比较期不是上年时如 无上年同期数据、无2025年第二季度数据）/ —（未给 --compare 或本期无法计算）")
    compare_rate_text: str = Field(description="上期完成率，如 83.2%；无则为「—」")
    compare_numerator: int | None = Field(description="上期分子")
    compare_denominator: int | None = Field(description="上期分母（有 population_by_year 时为该年官方人数）")


class _OldGapNames(Model):
    """`gap` and `gap_text`, the names templates used before `shortfall`, kept for them."""

    @computed_field(description="同 shortfall（旧名，已有的模板仍可用）")
    @property
    def gap(self) -> int | None:
        return self.shortfall

    @computed_field(description="同 shortfall_text（旧名，已有的模板仍可用）")
    @property
    def gap_text(self) -> str:
        return self.shortfall_text


class StationLine(_OldGapNames):
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
    met_text: str = Field(description="是 / 否 / 无法计算 / 不判断（分母为0） / 不设目标（站点的计次指标没有 per_year_station）")
    shortfall: int | None = Field(description="尚差人数（达标为 0）")
    shortfall_text: str = Field(description="尚差人数的文字")
    shortfall_amount: str = Field(description="尚差，带单位（人、例、条、次），如 188人、1例；表格用")
    monthly: int | None = Field(description="计划年度每月需完成人数：ceil(尚差 ÷ 12)；次数类指标为站点每年最低次数 ÷ 12（向上取整；每年不足12次的为空，表格写 —）")
    monthly_text: str = Field(description="每月需完成人数的文字")
    monthly_amount: str = Field(description="每月需完成，带单位，如 16人；表格用")


class PlanFigures(_OldGapNames):
    """一个指标的计划数字 / next year's figures of one indicator (工作计划)."""

    target_text: str = Field(description="计划年度目标（chsc.yaml 的 targets，否则指标库默认值），如 90%")
    rate_text: str = Field(description="本期完成率")
    shortfall: int | None = Field(description="与目标相差的人数（本期尚差人数；达标为 0）")
    shortfall_text: str = Field(description="相差人数的文字")
    shortfall_amount: str = Field(description="相差，带单位（人、例、条、次），如 188人；表格用")
    required: int | None = Field(description="按本期分母达到目标所需的人数：ceil(目标 × 分母)")
    required_text: str = Field(description="所需人数的文字")
    monthly: int | None = Field(description="每月需完成人数：ceil(相差人数 ÷ 12)；次数类指标为每年最低次数 ÷ 12（向上取整），与本期完成多少无关；每年不足12次的为空（表格写 —）")
    monthly_text: str = Field(description="每月需完成人数的文字（表格用），如 16；达标为 0")
    monthly_amount: str = Field(description="每月需完成，带单位，如 16人、1次；表格用")
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
    met_text: str = Field(description="是 / 否 / 无法计算 / 不判断（分母为0）")
    shortfall: int | None = Field(description="尚差人数：max(0, ceil(目标 × 分母) − 分子)")
    shortfall_text: str = Field(description="尚差人数的文字")
    shortfall_amount: str = Field(description="尚差，带单位（人、例、条、次），如 188人、1例")
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
    not_computable: int = Field(description="无法计算或分母为0（不判断达标）的指标数")
    zero_denominator: int = Field(0, description="其中本期分母为0、不判断达标的指标数（算出了，只是没有应纳入的对象）")


class ReportContext(Model):
    """模板看到的全部字段（工作总结、工作计划相同）/ everything a report template sees."""

    kind: Literal["summary", "plan"] = Field(description="summary（工作总结）或 plan（工作计划）")
    title: str = Field(description="标题，如「××社区卫生服务中心2025年基本公共卫生服务工作总结」")
    centre: str = Field(description="中心名称（chsc.yaml 的 centre；未填为「本中心」）")
    period: PeriodInfo = Field(description="统计期（见 PeriodInfo）")
    compare: PeriodInfo | None = Field(description="比较期（--compare）；未给时为空")
    compare_phrase: str = Field(description="比较期在句中的说法：上年 / 上年同期 / 2023年；未给 --compare 时为空")
    change_header: str = Field(default="较上年", description="表格中变化一栏的表头：较上年 / 较上年同期 / 较2025年第二季度（未给 --compare 时为 较上年，该栏为「—」）")
    plan_year: int = Field(description="计划年度：统计期截止年份的下一年")
    plan_year_label: str = Field(description="计划年度的中文写法，如 2026年")
    counts: Counts = Field(description="指标个数：total、met、missed、not_computable")
    opening: str = Field(description="工作总结开头段落：达标情况与主要指标")
    categories: list[CategorySection] = Field(description="各服务类别（见 CategorySection）")
    indicators: list[IndicatorLine] = Field(description="全部指标（不分类别），按 order 排列")
    missed: list[IndicatorLine] = Field(description="未达标的指标")
    not_computable: list[IndicatorLine] = Field(description="无法计算或分母为0（不判断达标）的指标，reason 说明是哪一种")
    unit: str = Field(description="分组单位：站点（中心的报告）或 中心（区级报告，chsc report --centres）")
    stations: list[str] = Field(description="站点（区级报告中为各中心）名称；登记表没有站点信息时为空")
    station_rows: list[StationLine] = Field(description="全部站点数字，按站点、指标排列")
    closing: str = Field(description="工作总结结尾：未达标指标的小结")
    plan_intro: str = Field(description="工作计划开头段落")
    data_note: str = Field(default="", description="数据说明（模板中写作「注：…」）：统计期内登记表没有服务记录时的提醒（哪些指标、最晚或最早的日期），"
                                                   "登记表有错误或警告时的一句话（几处错误，出错的行或单元格未计入；几处警告；"
                                                   "详见 chsc validate）；都没有时为空")
    numbers: list[str] = Field(description="中文序号表：numbers[0] 为「一」，可写 numbers[categories|length] 续编章节号")


# ---------------------------------------------------------------------------------- reference


def field_reference() -> str:
    """The fields of ReportContext and its parts as Markdown tables (for the README)."""
    sections = []
    for model in (ReportContext, PeriodInfo, Counts, CategorySection, IndicatorLine, Change, PlanFigures, StationLine):
        fields = [*model.model_fields.items(), *model.model_computed_fields.items()]  # then the old names
        rows = [f"| `{name}` | {field.description.replace('|', chr(92) + '|')} |" for name, field in fields]
        doc = (model.__doc__ or "").strip().splitlines()[0] if model.__doc__ else ""
        sections.append(f"**{model.__name__}** — {doc}\n\n| 字段 | 含义 |\n|---|---|\n" + "\n".join(rows))
    return "\n\n".join(sections) + "\n"
