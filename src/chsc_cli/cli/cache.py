"""`chsc cache clear` — remove the parse cache (it holds personal data)."""

from __future__ import annotations

import typer

from ..problems import UserError
from .common import EXIT_OK, stdout
from .options import DebugOption, QuietOption

cache_app = typer.Typer(help="解析缓存：已解析的登记表保存在本机用户缓存文件夹中（仅本人可读）。示例：chsc cache clear", no_args_is_help=True)


@cache_app.command("clear")
def clear(quiet: QuietOption = False, debug: DebugOption = False) -> int:
    """删除全部解析缓存（缓存中含个人信息）。

    示例：chsc cache clear
    """
    from ..registers import ParseCache

    cache = ParseCache()
    removed, failed = cache.clear()
    if not quiet:
        stdout.print(f"已清除解析缓存（{removed} 个文件的缓存）：{cache.folder}", markup=False)
    if failed:
        raise UserError(
            f"有 {failed} 个缓存项无法删除：可能另一个 chsc 正在使用缓存，或缓存由其他用户（如 sudo chsc）写入。",
            hint="等其他 chsc 运行结束后重试；属于其他用户的缓存项请用该用户的权限删除。",
        )
    return EXIT_OK


@cache_app.command("path")
def path(quiet: QuietOption = False, debug: DebugOption = False) -> int:  # --quiet: accepted as everywhere; the path is the output
    """显示解析缓存所在的文件夹。

    示例：chsc cache path
    """
    from ..registers import ParseCache

    stdout.print(str(ParseCache().folder), markup=False)
    return EXIT_OK


def register(app: typer.Typer) -> None:
    app.add_typer(cache_app, name="cache")
