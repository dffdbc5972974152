"""A district: each sub-folder a centre; one row per centre and a district total computed as the
sum of numerators over the sum of denominators (never an average of rates).

A centre is known by its folder (its path relative to the district folder), never by its display
name: two centres whose chsc.yaml say the same `centre:` are both counted, and their rows show the
folder after the name."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

from ..periods import Period
from ..problems import Problem
from ..engine.results import ComputeResult, GroupedWarning, IndicatorResult, group_problems

#: A file at the district folder's root: it belongs to no centre (said apart, not a data problem).
DISTRICT_ROOT_FILE = "district-root-file"
#: the notice that the centres' targets of an indicator differ and the district sets none (about
#: the settings, not the data: not among the data's problems)
DISTRICT_TARGET_DIFFERS = "district-target-differs"


@dataclass
class DistrictResult:
    """Shaped like ComputeResult (centre = the district's name), so every output can render it.

    `centres`: folder -> that centre's result (its `centre` is the display name); `left_out`:
    folder -> why the folder is not in the totals (no registers)."""

    centre: str
    period: Period
    centres: dict[str, ComputeResult]
    indicators: list[IndicatorResult] = field(default_factory=list)  # total, then one row per centre
    warnings: list[GroupedWarning] = field(default_factory=list)
    left_out: dict[str, str] = field(default_factory=dict)

    #: the total row of a district's csv / xlsx (a centre's says 全中心)
    total_label = "全区合计"

    @property
    def period_notice(self) -> str | None:
        """The centres' `period-without-data` notices (no register row dated in the period), said
        before the figures as one centre's is: the notice alone when every centre has the same one
        (a period not yet begun), else one line per centre, after its name; None when no centre has one."""
        notices = {folder: computed.period_notice for folder, computed in self.centres.items() if computed.period_notice}
        if not notices:
            return None
        if len(notices) == len(self.centres) and len(set(notices.values())) == 1:
            return next(iter(notices.values()))
        labels = centre_labels({folder: computed.centre for folder, computed in self.centres.items()})
        return "\n".join(f"{labels[folder]}：{notice}" for folder, notice in notices.items())

    @property
    def complete(self) -> bool:
        """The totals cover every centre folder of the district."""
        return not self.left_out

    def to_json(self) -> dict:
        return {
            "centre": self.centre,
            "period": {"label": self.period.label, "start": self.period.start.isoformat(), "end": self.period.end.isoformat()},
            "centres": [computed.centre for computed in self.centres.values()],
            "folders": list(self.centres),
            "complete": self.complete,
            "left_out": [{"folder": folder, "reason": reason} for folder, reason in self.left_out.items()],
            "indicators": [row.to_json() for row in self.indicators],
            "warnings": [warning.to_json() for warning in self.warnings],
        }


def centre_labels(names: dict[str, str]) -> dict[str, str]:
    """folder -> what rows show: the display name, followed by the folder when the name repeats."""
    repeats = Counter(names.values())
    return {folder: name if repeats[name] == 1 else f"{name}（{folder}）" for folder, name in names.items()}


def repeated_names(names: dict[str, str], config_files: dict[str, str | None]) -> list[Problem]:
    """One warning per centre folder whose display name another centre folder also has.
    `config_files`: folder -> its chsc.yaml (relative to the district folder), None without one."""
    by_name: dict[str, list[str]] = {}
    for folder, name in names.items():
        by_name.setdefault(name, []).append(folder)
    problems = []
    for name, folders in by_name.items():
        if len(folders) < 2:
            continue
        for folder in folders:
            others = "、".join(f for f in folders if f != folder)
            problems.append(Problem(
                "centre-name-repeated",
                f"中心名称「{name}」与中心文件夹 {others} 的相同；仍分别计入区合计，表中写作「{name}（{folder}）」。"
                f"请在本中心 chsc.yaml 的 centre: 一行写上本中心的名称",
                file=config_files.get(folder) or folder,
            ))
    return problems


def _percent(target: Decimal) -> str:
    return f"{(target * 100).normalize():f}%"


def district_targets(library, own: dict[str, Decimal], centres: dict[str, dict[str, Decimal]],
                     labels: dict[str, str] | None = None) -> tuple[dict[str, Decimal], list[Problem]]:
    """Each indicator's target for the district total: the district's own chsc.yaml (or --config)
    `targets:`; else the one target every centre rolled up computes it against (its own chsc.yaml's,
    else the library's); else the library's, with a `district-target-differs` notice naming the
    indicator. `own`: the district's targets; `centres`: folder -> that centre's own chsc.yaml
    targets. A count's total target is the sum of the centres' (district_total), not chosen here."""
    labels = labels or {}
    targets, problems = {}, []
    for indicator_id, indicator in library.indicators.items():
        if indicator_id in own:
            targets[indicator_id] = own[indicator_id]
            continue
        targets[indicator_id] = indicator.target
        if indicator.unit == "count" or not centres:
            continue
        used = {folder: written.get(indicator_id, indicator.target) for folder, written in centres.items()}
        if len(set(used.values())) == 1:
            targets[indicator_id] = next(iter(used.values()))
            continue
        listed = "，".join(f"{labels.get(folder, folder)} {_percent(target)}" for folder, target in used.items())
        problems.append(Problem(
            DISTRICT_TARGET_DIFFERS,
            f"各中心的「{indicator.name}」目标不一致（{listed}），区级 chsc.yaml 没有写该指标的目标："
            f"区合计按指标库的默认目标 {_percent(indicator.target)} 判断是否达标。"
            f"如需另定，请在区级文件夹的 chsc.yaml 的 targets 中写 {indicator_id}",
        ))
    return targets, problems


def coverage_note(centres: dict[str, ComputeResult], left_out: dict[str, str]) -> str | None:
    """What a district total covers, when it is not every centre folder; None when it is."""
    if not left_out:
        return None
    missing = "；".join(f"{folder}（{reason}）" for folder, reason in left_out.items())
    total = len(centres) + len(left_out)
    return f"区合计只包含 {total} 个中心文件夹中的 {len(centres)} 个，不是全区的完整数字；未包含：{missing}"


def district_total(rows: dict[str, IndicatorResult], target, labels: dict[str, str] | None = None) -> IndicatorResult:
    """Sum of numerators over sum of denominators; not computable when any centre is not.
    `rows`: centre folder -> its row; `labels`: folder -> how the reason names it (else the folder)."""
    first = next(iter(rows.values()))
    per_year = None
    if first.unit == "count":  # the district's minimum per year, for the period as each centre's is
        target = sum((row.target for row in rows.values() if row.target is not None), Decimal(0))
        per_year = sum((Decimal(row.per_year) for row in rows.values() if row.per_year is not None), Decimal(0))
    total = IndicatorResult(
        id=first.id, name=first.name, category=first.category, group=None, numerator=None, denominator=None,
        target=target, comparison=first.comparison, denominator_source=None, unit=first.unit,
        unit_word=first.unit_word, per_year=per_year,
    )
    labels = labels or {}
    missing = {folder: row.reason for folder, row in rows.items() if row.reason is not None or row.numerator is None}
    if missing:
        listed = "；".join(f"{labels.get(folder, folder)}（{reason}）" for folder, reason in missing.items())
        total.reason = f"以下中心无法计算，区合计不完整：{listed}"
        return total
    total.numerator = sum(row.numerator for row in rows.values())
    if first.unit == "count":
        return total
    denominators = [row.denominator for row in rows.values()]
    total.denominator = None if any(d is None for d in denominators) else sum(denominators)
    total.denominator_source = _denominator_source(rows)
    return total


#: The order a tie between denominator sources is settled in.
_SOURCES = ("config", "roster", "register")


def _denominator_source(rows: dict[str, IndicatorResult]) -> str | None:
    """The total's denominator_source. cli.md allows one: where the centres' differ (one has
    official figures in its chsc.yaml, another counts its roster), the source of the largest part
    of the total's denominator (a tie: config, roster, register); each centre's own row says its own."""
    shares: dict[str, int] = {}
    for row in rows.values():
        shares[row.denominator_source] = shares.get(row.denominator_source, 0) + (row.denominator or 0)
    rank = {source: position for position, source in enumerate(_SOURCES)}
    return max(shares, key=lambda source: (shares[source], -rank.get(source, len(rank))))


def roll_up(
    district: str,
    period: Period,
    centres: dict[str, ComputeResult],
    root_problems: list[Problem],
    targets: dict,
    left_out: dict[str, str] | None = None,
) -> DistrictResult:
    """`centres`: centre folder -> its result, named by its display name; `targets`: indicator id ->
    the district's target (its chsc.yaml, else the library's); `left_out`: folder -> why it is not in
    the totals."""
    left_out = dict(left_out or {})
    result = DistrictResult(district, period, centres, left_out=left_out)
    labels = centre_labels({folder: computed.centre for folder, computed in centres.items()})
    note = coverage_note(centres, left_out)
    ids = [row.id for row in next(iter(centres.values())).indicators if row.group is None] if centres else []
    for indicator_id in ids:
        per_centre = {
            folder: next(r for r in computed.indicators if r.id == indicator_id and r.group is None)
            for folder, computed in centres.items()
        }
        total = district_total(per_centre, targets[indicator_id], labels)
        total.note = note
        result.indicators.append(total)
        for folder, row in per_centre.items():
            row.group = {"centre": centres[folder].centre, "folder": folder}
            row.group_label = labels[folder]
            result.indicators.append(row)
    result.warnings = group_problems(root_problems)
    for folder, computed in centres.items():
        for warning in computed.warnings:
            warning.file = f"{folder}/{warning.file}" if warning.file else folder
            result.warnings.append(warning)
    return result
