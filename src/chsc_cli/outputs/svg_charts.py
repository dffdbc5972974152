"""Bar charts as inline SVG for the HTML reports: no scripts, no fonts, no network.

Every piece of text (indicator names come from the library, which a centre can extend) goes through
`html.escape`, so a name cannot break out of the SVG. Coordinates are written with one decimal, so
the same figures always give the same bytes (golden-file tests).
"""

from __future__ import annotations

import html
import unicodedata
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

FONT_SIZE = 13
ROW_HEIGHT = 30
BAR_HEIGHT = 16
TOP = 30
BOTTOM = 26
PLOT_WIDTH = 360
RIGHT_TEXT = 170
MIN_LABEL, MAX_LABEL = 120, 320
MIN_CHANGE_SCALE = Decimal(5)
MET, MISSED, NEUTRAL, UP, DOWN = "#2e7d32", "#c62828", "#9e9e9e", "#2e7d32", "#c62828"
FONT = 'font-family="sans-serif" font-size="13"'


@dataclass(frozen=True)
class Bar:
    """One indicator's value against its target (fractions of 1)."""

    label: str
    value: Fraction | None
    target: Fraction
    met: bool | None
    value_text: str
    target_text: str
    #: what stands where there is no value: 无法计算, or 分母为0 for an indicator over no one
    empty_text: str = "无法计算"


@dataclass(frozen=True)
class ChangeBar:
    """One indicator's change in percentage points (None: no value to compare)."""

    label: str
    points: Decimal | None
    text: str


def esc(text: str) -> str:
    return html.escape(str(text), quote=True)


def text_width(text: str) -> int:
    """Approximate width in pixels at 13px: wide (CJK) characters a full em, others about half."""
    return sum(FONT_SIZE if unicodedata.east_asian_width(char) in ("W", "F") else 7 for char in text)


def _n(value: float | Fraction | Decimal) -> str:
    return f"{float(value):.1f}"


def _label_width(labels: list[str]) -> int:
    widest = max((text_width(label) for label in labels), default=0)
    return min(max(widest + 16, MIN_LABEL), MAX_LABEL)


def _open(title: str, width: int, height: int) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'role="img" aria-label="{esc(title)}">',
        f"<title>{esc(title)}</title>",
        f'<text x="0" y="18" {FONT} font-weight="bold" fill="#222">{esc(title)}</text>',
    ]


def _label(x: int, y: float, label: str) -> str:
    return f'<text x="{x - 8}" y="{_n(y + ROW_HEIGHT / 2 + 4)}" {FONT} text-anchor="end" fill="#222">{esc(label)}</text>'


def target_chart(title: str, bars: list[Bar]) -> str:
    """Horizontal bars from 0 to 100%, a dashed mark at each target, the value and target on the right."""
    left = _label_width([bar.label for bar in bars])
    width, height = left + PLOT_WIDTH + RIGHT_TEXT, TOP + ROW_HEIGHT * len(bars) + BOTTOM
    parts = _open(title, width, height)
    axis_y = TOP + ROW_HEIGHT * len(bars)
    for step in range(0, 101, 20):
        x = left + PLOT_WIDTH * step / 100
        parts.append(f'<line x1="{_n(x)}" y1="{TOP}" x2="{_n(x)}" y2="{axis_y}" stroke="#e0e0e0"/>')
        parts.append(f'<text x="{_n(x)}" y="{axis_y + 16}" {FONT} text-anchor="middle" fill="#666">{step}%</text>')
    for index, bar in enumerate(bars):
        y = TOP + ROW_HEIGHT * index
        parts.append(_label(left, y, bar.label))
        if bar.value is not None:
            colour = MET if bar.met else MISSED
            length = PLOT_WIDTH * min(max(bar.value, Fraction(0)), Fraction(1))
            parts.append(
                f'<rect x="{left}" y="{_n(y + (ROW_HEIGHT - BAR_HEIGHT) / 2)}" width="{_n(length)}" height="{BAR_HEIGHT}" '
                f'fill="{colour}"><title>{esc(bar.label)} {esc(bar.value_text)}</title></rect>'
            )
        target_x = left + PLOT_WIDTH * min(max(bar.target, Fraction(0)), Fraction(1))
        parts.append(
            f'<line x1="{_n(target_x)}" y1="{y + 3}" x2="{_n(target_x)}" y2="{y + ROW_HEIGHT - 3}" stroke="#222" '
            f'stroke-width="2" stroke-dasharray="3,2"><title>目标 {esc(bar.target_text)}</title></line>'
        )
        shown = bar.value_text if bar.value is not None else bar.empty_text
        parts.append(
            f'<text x="{left + PLOT_WIDTH + 8}" y="{_n(y + ROW_HEIGHT / 2 + 4)}" {FONT} fill="#222">'
            f"{esc(shown)}（目标{esc(bar.target_text)}）</text>"
        )
    parts.append("</svg>")
    return "\n".join(parts)


def change_chart(title: str, bars: list[ChangeBar]) -> str:
    """Bars left (下降) or right (提升) of a zero line, scaled to the largest change (at least 5 points)."""
    left = _label_width([bar.label for bar in bars])
    width, height = left + PLOT_WIDTH + RIGHT_TEXT, TOP + ROW_HEIGHT * len(bars) + BOTTOM
    scale = max([abs(bar.points) for bar in bars if bar.points is not None] + [MIN_CHANGE_SCALE])
    centre = left + PLOT_WIDTH / 2
    axis_y = TOP + ROW_HEIGHT * len(bars)
    parts = _open(title, width, height)
    parts.append(f'<line x1="{_n(centre)}" y1="{TOP}" x2="{_n(centre)}" y2="{axis_y}" stroke="#666"/>')
    for x, text in ((left, f"-{scale:.1f}"), (centre, "0"), (left + PLOT_WIDTH, f"+{scale:.1f}")):
        parts.append(f'<text x="{_n(x)}" y="{axis_y + 16}" {FONT} text-anchor="middle" fill="#666">{esc(text)}</text>')
    for index, bar in enumerate(bars):
        y = TOP + ROW_HEIGHT * index
        parts.append(_label(left, y, bar.label))
        if bar.points is not None and bar.points != 0:
            length = Decimal(PLOT_WIDTH / 2) * abs(bar.points) / scale
            x = centre if bar.points > 0 else centre - float(length)
            colour = UP if bar.points > 0 else DOWN
            parts.append(
                f'<rect x="{_n(x)}" y="{_n(y + (ROW_HEIGHT - BAR_HEIGHT) / 2)}" width="{_n(length)}" height="{BAR_HEIGHT}" '
                f'fill="{colour}"><title>{esc(bar.label)} {esc(bar.text)}</title></rect>'
            )
        elif bar.points is not None:
            parts.append(
                f'<line x1="{_n(centre - 2)}" y1="{_n(y + ROW_HEIGHT / 2)}" x2="{_n(centre + 2)}" y2="{_n(y + ROW_HEIGHT / 2)}" '
                f'stroke="{NEUTRAL}" stroke-width="{BAR_HEIGHT}"/>'
            )
        parts.append(
            f'<text x="{left + PLOT_WIDTH + 8}" y="{_n(y + ROW_HEIGHT / 2 + 4)}" {FONT} fill="#222">{esc(bar.text)}</text>'
        )
    parts.append("</svg>")
    return "\n".join(parts)
