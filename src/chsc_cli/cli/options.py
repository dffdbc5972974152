"""The option and argument types the commands share (typer `Annotated` types, help text in Chinese).

A command's own options (used by that command only) stay in its file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

DataDir = Annotated[Path, typer.Argument(help="数据文件夹（存放各登记表 Excel/CSV 的文件夹）", show_default=False)]
ConfigOption = Annotated[
    Path | None, typer.Option("--config", help="另一个 chsc.yaml（默认读数据文件夹中的 chsc.yaml）", show_default=False)
]
QuietOption = Annotated[bool, typer.Option("--quiet", help="不显示进度条和提示信息")]
DebugOption = Annotated[bool, typer.Option("--debug", help="出错时显示完整的技术信息（traceback）")]
NoCacheOption = Annotated[bool, typer.Option("--no-cache", help="不使用解析缓存，重新读取每个 Excel 文件")]
RegisterKindsOption = Annotated[
    list[Path] | None,
    typer.Option(
        "--register-kinds",
        help="另加的登记表类型文件夹（YAML，同 name 的文件替换自带类型），可写多次",
        show_default=False,
    ),
]
PeriodOption = Annotated[str, typer.Option("--period", "-p", help="统计期：2025、2025H1、2025Q3、2025-06、2025-01..2025-06 或 2025-01-01..2025-06-30；也可写 2025年、2025年上半年、2025年第三季度、2025年6月、2025年1-6月")]
FormatOption = Annotated[
    str | None, typer.Option("--format", help="输出格式：table（默认）、json、csv 或 xlsx；给了 -o 时按文件后缀（两者须一致）", show_default=False)
]
def _output_option(suffixes: str) -> typer.models.OptionInfo:
    return typer.Option("--output", "-o", help=f"写入文件（{suffixes}），格式由后缀决定", show_default=False)


OutputOption = Annotated[Path | None, _output_option(".json / .csv / .xlsx")]
GapsOutputOption = Annotated[Path | None, _output_option(".csv / .xlsx")]
ProgressOutputOption = Annotated[Path | None, _output_option(".xlsx / .html")]
ByOption = Annotated[str | None, typer.Option("--by", help="分组：station（站点）或 team（家庭医生团队）", show_default=False)]
CentresOption = Annotated[bool, typer.Option("--centres", help="DATA_DIR 是区级文件夹：每个子文件夹是一个中心，输出各中心及全区合计")]
IndicatorsOption = Annotated[
    list[Path] | None,
    typer.Option("--indicators", help="另加的指标文件夹（同 id 的文件替换自带指标），可写多次"),
]
