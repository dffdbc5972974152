"""chsc.yaml's references to the rest of chsc, checked in this one place.

`config.py` reads chsc.yaml and checks each value on its own (types, ranges, duplicate keys). What a
value names is checked here, against what it names: `columns:` and `kinds:` against the register
kinds (before the registers are read with them), `targets:` and the `population:` keys that are not
chsc's own (a figure of a centre's own indicator) against the indicator library. Every problem is a
`bad-config` UserError naming the line of chsc.yaml.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..config import CONFIG_NAME, LoadedConfig
from ..config import _kind as value_kind, unknown_setting
from ..config_model import FIGURE_SECTIONS
from pydantic_core import PydanticCustomError

from ..problems import UserError
from ..registers.columns import normalise_header
from ..registers.kinds import KINDS

if TYPE_CHECKING:  # (the engine loads pandas: chsc.yaml is checked before it is needed)
    from ..engine import Library


def _where(config: LoadedConfig, line: int | None) -> str:
    """The settings file and line, as config.py says them: the file given with --config is named,
    not the data folder's chsc.yaml (which may be fine)."""
    name = str(config.path) if config.path is not None else CONFIG_NAME
    return f"{name} 第 {line} 行" if line is not None else name


def verify_columns_and_kinds(config: LoadedConfig) -> None:
    """chsc.yaml `columns:` must name canonical columns and `kinds:` known kinds (bad-config)."""
    known_headers = {normalise_header(c.header) for kind in KINDS.values() for c in kind.columns}
    for alias, canonical in config.settings.columns.items():
        if normalise_header(canonical) not in known_headers:
            line = config.line_of("columns", alias)
            raise UserError(
                f"{_where(config, line)}：columns 中「{alias}」对应的「{canonical}」不是已知的标准列名。",
                hint="请写登记表规范中的标准列名，如 身份证号、体检日期、随访方式。",
                code="bad-config",
            )
    for pattern, kind in config.settings.kinds.items():
        if kind not in KINDS:
            line = config.line_of("kinds", pattern)
            raise UserError(
                f"{_where(config, line)}：kinds 中「{pattern}」的类型「{kind}」不存在。",
                hint=f"可选的类型：{', '.join(KINDS)}",
                code="bad-config",
            )


def verify_against_library(library: Library, config: LoadedConfig) -> None:
    """What chsc.yaml names of the indicator library: its targets and its figures."""
    verify_targets(library, config)
    verify_figures(library, config)


def verify_figures(library: Library, config: LoadedConfig) -> None:
    """A `population:` (or `stations:`, `population_by_year:`, `prevalence:`) key that is not one of
    chsc's own must be one a loaded indicator's `figure:` reads — population.disabled_persons for a
    centre's own category; any other is a misspelling (bad-config), as an unknown key anywhere in
    chsc.yaml is, and the first by line is said."""
    settings, named = config.settings, library.figure_names()
    places = [(("population",), settings.population), (("prevalence",), settings.prevalence),
              *((("stations", name), figures) for name, figures in settings.stations.items()),
              *((("population_by_year", year), figures) for year, figures in settings.population_by_year.items())]
    unknown = []
    for place, figures in places:
        section = "prevalence" if place == ("prevalence",) else "population"
        for key in figures.other_keys() if figures is not None else ():
            if f"{section}.{key}" not in named:
                unknown.append((config.line_of(*place, key) or 0, place, section, key))
    if not unknown:
        _check_figure_values(config, places)
        return
    line, place, section, key = min(unknown, key=lambda found: found[0])
    own = list(FIGURE_SECTIONS[section].model_fields)
    read = [name.partition(".")[2] for name in named if name.startswith(f"{section}.") and name.partition(".")[2] not in own]
    raise UserError(
        f"{_where(config, line or None)}：{unknown_setting(key, place, own + read)}。",
        hint=f"chsc 自带的之外，只能写所用指标的 figure: 读取的设置项（figure: {section}.键）；自己的指标请用 --indicators 给出。",
        code="bad-config",
    )


def _check_figure_values(config: LoadedConfig, places) -> None:
    """The values of the figures a centre's own indicators read, checked as chsc's own are (a number
    of persons, a rate between 0 and 1), once their keys are known to be figures (bad-config)."""
    for place, figures in places:
        for key in figures.other_keys() if figures is not None else ():
            value = (figures.model_extra or {})[key]
            try:
                type(figures).checked(value)
            except (PydanticCustomError, ValueError, TypeError, ArithmeticError) as error:
                level = ".".join(map(str, (*place, key)))
                shown = value_kind(value)
                reason = error.message() if isinstance(error, PydanticCustomError) else "不是数字"
                rule = ('应为 0 与 1 之间（不含两端）的小数，如 0.25 或 "25%"' if place == ("prevalence",)
                        else "应为正整数（人数），如 12000")
                raise UserError(f"{_where(config, config.line_of(*place, key))}：{level} 的值（{shown}）不对：{reason}。{level} {rule}。",
                                code="bad-config") from None


def verify_targets(library: Library, config: LoadedConfig) -> None:
    """Every indicator chsc.yaml `targets:` names is in the library, with a target of its unit."""
    for indicator_id, target in config.settings.targets.items():
        line = config.line_of("targets", indicator_id)
        if indicator_id not in library.indicators:
            raise UserError(
                f"{_where(config, line)}：targets 中的指标「{indicator_id}」不存在。",
                hint=f"可用的指标：{library.listing()}",
                code="bad-config",
            )
        indicator = library.indicators[indicator_id]
        written = f"{target:f}"  # as a number is written (Decimal 90 would show as 9E+1)
        if indicator.unit == "count" and target != target.to_integral_value():
            raise UserError(f"{_where(config, line)}：targets.{indicator_id} 的值（{written}）不对：计次指标的目标是每年的最少次数。",
                            hint=f"写整数，如 {indicator_id}: {int(indicator.target)}", code="bad-config")
        if indicator.unit != "count" and target > 1:
            raise UserError(f"{_where(config, line)}：targets.{indicator_id} 的值（{written}）不对：超出 0 到 1（0% 到 100%）的范围。",
                            hint=f'targets.{indicator_id} 应为 0 到 1 之间的小数，如 0.9；百分数请写成 "{written}%"。', code="bad-config")
