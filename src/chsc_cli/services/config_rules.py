"""chsc.yaml's references to the rest of chsc, checked in this one place.

`config.py` reads chsc.yaml and checks each value on its own (types, ranges, duplicate keys). What a
value names is checked here, against what it names: `columns:` and `kinds:` against the register
kinds (before the registers are read with them), `targets:` against the indicator library. Every
problem is a `bad-config` UserError naming the line of chsc.yaml.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..config import CONFIG_NAME, LoadedConfig
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
