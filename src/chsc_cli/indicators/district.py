"""A district: each sub-folder a centre; one row per centre and a district total computed as the
sum of numerators over the sum of denominators (never an average of rates)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from ..periods import Period
from ..problems import Problem
from .results import ComputeResult, GroupedWarning, IndicatorResult, group_problems


@dataclass
class DistrictResult:
    """Shaped like ComputeResult (centre = the district's name), so every output can render it."""

    centre: str
    period: Period
    centres: dict[str, ComputeResult]
    indicators: list[IndicatorResult] = field(default_factory=list)  # total, then one row per centre
    warnings: list[GroupedWarning] = field(default_factory=list)

    def to_json(self) -> dict:
        return {
            "centre": self.centre,
            "period": {"label": self.period.label, "start": self.period.start.isoformat(), "end": self.period.end.isoformat()},
            "centres": list(self.centres),
            "indicators": [row.to_json() for row in self.indicators],
            "warnings": [warning.to_json() for warning in self.warnings],
        }


def district_total(rows: dict[str, IndicatorResult], target) -> IndicatorResult:
    """Sum of numerators over sum of denominators; not computable when any centre is not."""
    first = next(iter(rows.values()))
    if first.unit == "count":  # the district's minimum per year, for the period as each centre's is
        target = sum((row.target for row in rows.values() if row.target is not None), Decimal(0))
    total = IndicatorResult(
        id=first.id, name=first.name, category=first.category, group=None, numerator=None, denominator=None,
        target=target, comparison=first.comparison, denominator_source=None, unit=first.unit,
    )
    missing = {centre: row.reason for centre, row in rows.items() if row.numerator is None}
    if missing:
        listed = "；".join(f"{centre}（{reason}）" for centre, reason in missing.items())
        total.reason = f"以下中心无法计算，区合计不完整：{listed}"
        return total
    total.numerator = sum(row.numerator for row in rows.values())
    if first.unit == "count":
        return total
    total.denominator = sum(row.denominator for row in rows.values())
    sources = {row.denominator_source for row in rows.values()}
    total.denominator_source = sources.pop() if len(sources) == 1 else None
    return total


def roll_up(
    district: str, period: Period, centres: dict[str, ComputeResult], root_problems: list[Problem], targets: dict
) -> DistrictResult:
    """`targets`: indicator id -> the district's target (its chsc.yaml, else the library's)."""
    result = DistrictResult(district, period, centres)
    ids = [row.id for row in next(iter(centres.values())).indicators if row.group is None] if centres else []
    for indicator_id in ids:
        per_centre = {
            name: next(r for r in computed.indicators if r.id == indicator_id and r.group is None)
            for name, computed in centres.items()
        }
        result.indicators.append(district_total(per_centre, targets[indicator_id]))
        for name, row in per_centre.items():
            row.group = {"centre": name}
            result.indicators.append(row)
    result.warnings = group_problems(root_problems)
    for name, computed in centres.items():
        for warning in computed.warnings:
            warning.file = f"{name}/{warning.file}" if warning.file else name
            result.warnings.append(warning)
    return result
