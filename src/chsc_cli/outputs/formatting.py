"""Numbers the Chinese way: percentages to one decimal (rounded half up, exactly), counts with
thousands separators, targets as 90%."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction


def percent(numerator: int | None, denominator: int | None, places: int = 1) -> str:
    """86.4% for 4501/5210; '—' when there is no value. Exact: no binary-float rounding."""
    if numerator is None or not denominator:
        return "—"
    exact = Fraction(numerator * 100, denominator)
    value = (Decimal(exact.numerator) / Decimal(exact.denominator)).quantize(
        Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP
    )
    return f"{value}%"


def target_percent(target: Decimal) -> str:
    """Decimal('0.9') -> 90%, Decimal('0.955') -> 95.5%."""
    value = (target * 100).normalize()
    text = f"{value:f}"
    return f"{text}%"


def count(value: int | None) -> str:
    return "—" if value is None else f"{value:,}"


def unit_word(row) -> str:
    """The word a row's numbers are counted in (the indicator file's `unit_word`: 人, 例, 条, 次)."""
    word = getattr(row, "unit_word", None)
    return word or ("次" if getattr(row, "unit", "person") == "count" else "人")


def amount(value: int | None, row) -> str:
    """5次, 3例, 1,204人; '—' for none."""
    return "—" if value is None else f"{value:,}{unit_word(row)}"


def gap_heading(rows) -> str:
    """差距(人) when every row counts persons, else 差距 (each cell then carries its word)."""
    words = {unit_word(row) for row in rows}
    return f"差距({words.pop()})" if len(words) == 1 else "差距"


def rate_text(row) -> str:
    """The rate column: a count indicator shows its count (it has no rate)."""
    if getattr(row, "unit", "person") == "count":
        return amount(row.numerator, row)
    return percent(row.numerator, row.denominator)


def target_text(row) -> str:
    """The target column: a count indicator's minimum for the period, in 次."""
    if getattr(row, "unit", "person") == "count":
        return "—" if row.target is None else amount(int(row.target), row)
    return target_percent(row.target)
