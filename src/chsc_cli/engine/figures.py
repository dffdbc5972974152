"""Official figures from chsc.yaml for a period (population, prevalence) and the reference date
ages are counted at."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ..config_model import CentreConfig, Population as Figures
from ..periods import Period
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
        holder = figures if section == "population" else getattr(settings, section, None)
        value = getattr(holder, key, None) if holder is not None else None
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
