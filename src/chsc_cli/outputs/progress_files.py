"""`progress` as a table, an xlsx, or a self-contained HTML page with a small line chart per
indicator (inline SVG, the target drawn as a line)."""

from __future__ import annotations

from html import escape
from pathlib import Path

from rich.cells import cell_len
from rich.console import Console
from rich.table import Table
from rich.text import Text

from ..services.progress import ProgressRow
from .formatting import amount, count, gap_heading, rate_text, target_text, unit_word
from .writer import write_text
from .xlsx_writer import SheetSpec, write_xlsx


QUARTERLY_NOTE = (
    "按季度要求随访次数：统计期每多覆盖一个季度，应随访次数就加 1（1–3月1次，1–6月2次……全年4次），"
    "所以 4、7、10 月的累计完成率会比上月回落，这是新季度的随访刚到期，不是退步；"
    "请看季末（3、6、9、12月）的数值判断进度。"
)


def _months(through: int) -> str:
    """1–9月 for the months from January, 1月 for January alone (not 1–1月)."""
    return "1月" if through == 1 else f"1–{through}月"


def _headers(through: int, rows: list[ProgressRow] = ()) -> list[str]:
    gap = gap_heading([row.current for row in rows]) if rows else "差距(人)"
    last = "年底情况" if through >= 12 else f"每月需完成{gap.removeprefix('差距')}"
    return ["指标", *[f"{m}月" for m in range(1, through + 1)], "目标", gap, last]


def _shown_gap(row: ProgressRow, rows: list[ProgressRow]) -> str:
    return count(row.current.shortfall) if gap_heading([r.current for r in rows]) != "差距" else amount(row.current.shortfall, row.current)


def _chart_values(row: ProgressRow) -> tuple[list[float | None], float]:
    """Rates against their target; a count as a share of each month's pro-rated line (target 100%)."""
    if not row.current.is_count:
        return [m.value for m in row.months], float(row.current.target)
    return [None if m.numerator is None or not m.target else m.numerator / float(m.target) for m in row.months], 1.0


def pace_text(row: ProgressRow, through: int) -> str:
    """The pace column: persons a month still needed; in December, with no month left, the column is
    年底情况 and says whether the year ended on target and how many it fell short (未达标，尚差 N 人)."""
    if through < 12:
        return "—" if row.pace is None else f"{row.pace:,}"
    current = row.current
    if current.met is None:
        return "—"
    return "已达标" if current.met else f"未达标，尚差 {current.shortfall:,} {unit_word(current)}"


def _status(row: ProgressRow, through: int) -> str:
    """One sentence for the page: met, or the gap and what it asks of the months left."""
    current = row.current
    if current.met is None:
        return "—"
    if current.met:
        if through < 12 and current.is_count and row.pace:  # on schedule, the rest of the year still to hold
            return f"已达到{_months(through)}的进度；剩余 {12 - through} 个月，每月需完成 {row.pace:,} {unit_word(current)}"
        return "已达标"
    if through >= 12:
        return f"年底未达标，尚差 {current.shortfall:,} {unit_word(current)}"
    word = unit_word(current)
    return f"差 {current.shortfall:,} {word}，剩余 {12 - through} 个月，每月需完成 {pace_text(row, through)} {word}"


def render_progress_table(console: Console, rows: list[ProgressRow], year: int, through: int) -> None:
    table = Table(title=Text(f"{year}年 {_months(through)} 指标进度（各月为1月至该月的累计完成率）"), title_justify="left")
    name_width = max((cell_len(row.name) for row in rows), default=4)  # names whole, never cut to 「老年人中医药健康…」
    for heading in _headers(through, rows):
        if heading == "指标":
            table.add_column(heading, justify="left", min_width=name_width)
        else:
            table.add_column(heading, justify="right", no_wrap=True)
    for row in rows:
        cells = [rate_text(m) for m in row.months]  # a count: the cumulative count (its line is the target column)
        texts = (row.name, *cells, target_text(row.current), _shown_gap(row, rows), pace_text(row, through))
        table.add_row(*map(Text, texts))  # a library's words as written, never markup
    console.print(table)
    remaining = 12 - through
    if remaining > 0:
        counts = "；计次指标为（全年应开展次数 − 已开展次数）÷ 剩余月数" if any(row.current.is_count for row in rows) else ""
        console.print(f"每月需完成 = 当前差距 ÷ 剩余 {remaining} 个月（向上取整）{counts}，按此进度年底可达标。", markup=False)
    quarterly = [row.name for row in rows if row.quarterly]
    if quarterly and through > 3:
        console.print(f"{'、'.join(quarterly)}：{QUARTERLY_NOTE}", markup=False)


def write_progress_xlsx(path: Path, rows: list[ProgressRow], year: int, through: int, protected) -> Path:
    data = []
    for row in rows:
        last = row.pace if through < 12 else pace_text(row, through)
        if row.current.is_count:  # counts are not percentages: the cumulative counts and the line as text
            data.append([row.name, *[rate_text(m) for m in row.months], target_text(row.current), row.current.shortfall, last])
        else:
            data.append([row.name, *[m.value for m in row.months], float(row.current.target), row.current.shortfall, last])
    percent_columns = set(range(1, through + 2))
    missed = {i for i, row in enumerate(rows) if row.current.met is False}
    sheet = SheetSpec(title=f"{year}年进度", header=_headers(through, rows), rows=data, percent_columns=percent_columns, highlight_rows=missed)
    return write_xlsx(path, [sheet], protected=protected)


def line_chart_svg(values: list[float | None], target: float, width: int = 320, height: int = 140) -> str:
    """A small line chart of monthly values (0–100%) with the target as a dashed line."""
    left, right, top, bottom = 36, 10, 10, 24
    inner_w, inner_h = width - left - right, height - top - bottom
    months = len(values)

    def x(i: int) -> float:
        return left + (inner_w * i / max(months - 1, 1))

    def y(v: float) -> float:
        return top + inner_h * (1 - max(0.0, min(1.0, v)))

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img">']
    for level in (0, 0.5, 1):
        parts.append(f'<line x1="{left}" x2="{width - right}" y1="{y(level):.1f}" y2="{y(level):.1f}" stroke="#ddd"/>')
        parts.append(f'<text x="{left - 4}" y="{y(level) + 4:.1f}" font-size="10" text-anchor="end">{int(level * 100)}%</text>')
    parts.append(f'<line x1="{left}" x2="{width - right}" y1="{y(target):.1f}" y2="{y(target):.1f}" stroke="#c00" stroke-dasharray="4 3"/>')
    points = [(x(i), y(v)) for i, v in enumerate(values) if v is not None]
    if points:
        path = " ".join(f"{px:.1f},{py:.1f}" for px, py in points)
        parts.append(f'<polyline fill="none" stroke="#1f6fb2" stroke-width="2" points="{path}"/>')
        parts += [f'<circle cx="{px:.1f}" cy="{py:.1f}" r="2.5" fill="#1f6fb2"/>' for px, py in points]
    for i in range(months):
        parts.append(f'<text x="{x(i):.1f}" y="{height - 8}" font-size="10" text-anchor="middle">{i + 1}月</text>')
    parts.append("</svg>")
    return "".join(parts)


def progress_html(rows: list[ProgressRow], centre: str | None, year: int, through: int) -> str:
    cards = []
    for row in rows:
        current = row.current
        values, line = _chart_values(row)
        status = _status(row, through)
        if any(v is not None for v in values):
            chart = line_chart_svg(values, line)
        elif current.reason:
            chart = "<p>无法计算：" + escape(current.reason) + "</p>"
        else:  # computed over no one (cli.md: a null reason means computed)
            chart = "<p>本期分母为 0、不判断达标</p>"
        note = f'<p class="note">{escape(QUARTERLY_NOTE)}</p>' if row.quarterly and through > 3 else ""
        cards.append(
            f'<section class="card"><h2>{escape(row.name)}</h2>'
            f"<p>{_months(through)}累计 {escape(rate_text(current))}，目标 {escape(target_text(current))}；{escape(status)}</p>"
            f"{chart}{note}</section>"
        )
    title = escape(f"{centre or ''}{year}年指标进度（{_months(through)}）")
    style = (
        "body{font-family:'Microsoft YaHei','PingFang SC',sans-serif;margin:24px;color:#222}"
        ".grid{display:flex;flex-wrap:wrap;gap:16px}.card{border:1px solid #ddd;border-radius:6px;padding:8px 12px;width:340px}"
        "h2{font-size:15px;margin:4px 0}p{font-size:13px;margin:4px 0}.note{font-size:12px;color:#555}"
    )
    return (
        f'<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>{title}</title><style>{style}</style></head>'
        f'<body><h1>{title}</h1><div class="grid">{"".join(cards)}</div></body></html>\n'
    )


def write_progress_html(path: Path, rows: list[ProgressRow], centre: str | None, year: int, through: int, protected) -> Path:
    return write_text(path, progress_html(rows, centre, year, through), protected=protected)
