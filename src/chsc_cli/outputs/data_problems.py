"""The one sentence that says a result was computed over data with problems: how many errors (the
rows or cells they are in are left out, cli.md) and how many warnings, and where the list is. The
compute table prints it under the figures; check, gaps, progress and report say it on stderr, and a
report carries it in its data note."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from ..engine.results import DEFINITION_WARNING, PERIOD_WITHOUT_DATA
from ..problems import DISTRICT_CODES, PERIOD_CODES

#: notices said apart, about the period, the district's folders or the indicator files rather than
#: the registers' rows (a district's count of warnings is its centres' own: 77 + 36 + 32, not one more
#: for a folder with no register)
NOTICES = (PERIOD_WITHOUT_DATA, DEFINITION_WARNING, *DISTRICT_CODES)


def data_problems_text(warnings: Iterable, *, codes: bool = True, period: str | None = None,
                       district: bool = False) -> str | None:
    """数据中有 7 处错误（bad-id 2，…；出错的行或单元格未计入）、77 处警告（…），详见 chsc validate。
    `warnings`: a result's grouped warnings (anything with code, level and count); None when the data
    has none. `codes=False` leaves the problem codes out (a report's reader does not need them).
    `period`: the period's label — validate lists the problems found for a period (not-in-roster …)
    when given it, so the pointer says so; `district`: the warnings of several centres (validate
    reads one centre folder at a time)."""
    tally: dict[str, Counter] = {"error": Counter(), "warning": Counter()}
    for warning in warnings:
        if warning.code not in NOTICES and warning.level in tally:  # the notices are said apart
            tally[warning.level][warning.code] += warning.count
    errors, others = tally["error"], tally["warning"]
    if not errors and not others:
        return None

    def listed(found: Counter, *after: str) -> str:
        parts = ["，".join(f"{code} {n:,}" for code, n in sorted(found.items()))] if codes else []
        return "（" + "；".join(parts + list(after)) + "）" if parts or after else ""

    said = []
    if errors:
        said.append(f"{sum(errors.values()):,} 处错误{listed(errors, '出错的行或单元格未计入')}")
    if others:
        said.append(f"{sum(others.values()):,} 处警告{listed(others)}")
    found_for_period = period and any(code in PERIOD_CODES for found in tally.values() for code in found)
    command = f"chsc validate{' 中心文件夹' if district else ''}{f' --period {period}' if found_for_period else ''}"
    if district:  # validate reads one centre folder at a time
        return f"数据中有 {'、'.join(said)}，可对各中心文件夹分别运行 {command} 查看。"
    return f"数据中有 {'、'.join(said)}，详见 {command}。"
