"""Official figures from chsc.yaml for a period (population, prevalence) and the reference date
ages are counted at."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ..config_model import FIGURE_SECTIONS, CentreConfig, Population as Figures
from ..periods import Period
from ..pydantic_words import close_match
from .library import Library
from .model import Figure, Indicator
from .results import ceil_decimal


def reference_date(period: Period, settings: CentreConfig) -> dt.date:
    return period.start if settings.reference_date == "period_start" else period.end


def figures_for(period: Period, settings: CentreConfig) -> Figures | None:
    """population_by_year for the period's year when given, else population."""
    year = period.start.year
    if year == period.end.year and year in settings.population_by_year:
        return settings.population_by_year[year]
    return settings.population


def resolve_figure(figure: str | Figure, figures: Figures | None, settings: CentreConfig) -> tuple[int | None, list[str]]:
    """(value, names of missing settings)."""
    names = (figure,) if isinstance(figure, str) else figure.multiply
    values, missing = [], []
    for name in names:
        section, _, key = name.partition(".")
        holder = figures if section == "population" else settings.prevalence if section == "prevalence" else None
        value = holder.figure(key) if holder is not None else None
        if value is None:
            missing.append(name)
        else:
            values.append(Decimal(value))
    if missing:
        return None, missing
    product = Decimal(1)
    for value in values:
        product *= value
    return ceil_decimal(product), []


def station_figure(indicator: Indicator, period: Period, settings: CentreConfig):
    """station name -> (the indicator's figure from chsc.yaml `stations:`, missing setting names)."""

    def figure_for_station(station: str):
        figure = indicator.denominator.figure
        station_figures = settings.station_figures(station)
        if station_figures is None:
            names = (figure,) if isinstance(figure, str) else figure.multiply
            return None, [name for name in names if name.startswith("population.")]
        return resolve_figure(figure, station_figures, settings)

    return figure_for_station


def figures_not_given(library: Library, indicators: list[Indicator], period: Period, settings: CentreConfig) -> list[str]:
    """`file:line: message` for each figure an indicator names that is not one of chsc.yaml's own
    settings — a new one (population.disabled_persons) or a misspelt one (population.totl) — and
    that chsc.yaml does not give for `period`: said, so that the population counted instead (or the
    indicator not computed) is never left unexplained. chsc's own settings are not said: their
    fallbacks are the documented ones."""
    said = []
    for indicator in indicators:
        denominator = indicator.denominator
        if denominator is None or denominator.figure is None or indicator.unit == "count":
            continue
        _, missing = resolve_figure(denominator.figure, figures_for(period, settings), settings)
        for name in missing:
            section, _, key = name.partition(".")
            own = list(FIGURE_SECTIONS[section].model_fields)
            if key in own:
                continue
            close = close_match(key, own)
            guess = f"是不是 {section}.{close}？" if close else f"要用它，请在 chsc.yaml 的 {section}: 下写 {key}: 数字"
            instead = "分母改按 denominator.population 的人群计" if denominator.population is not None else "该指标无法计算"
            said.append(library.located(indicator.id, f"denominator.figure：chsc.yaml 没有给出 {name}，"
                                                      f"它也不是 chsc 自带的设置项（{guess}），{instead}〔{name}〕"))
    return said
