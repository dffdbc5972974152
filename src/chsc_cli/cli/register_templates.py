"""`chsc template KIND -o FILE.xlsx` and `chsc init DIR`: blank registers to fill in."""

from __future__ import annotations

import errno
import os
import shutil
import tempfile
import unicodedata
from pathlib import Path
from typing import Annotated

import typer

from ..problems import UserError
from .common import EXIT_OK, stderr, use_register_kinds_option
from .options import DebugOption, QuietOption, RegisterKindsOption


def _kinds_help() -> str:
    """The kind argument's help: the kinds of the shipped kind files (read when the help is built)."""
    from ..registers import KINDS

    try:
        names = "、".join(KINDS)
    except UserError:  # a broken shipped file is reported when a command runs, not in the help
        names = "见 docs/registers.md"
    return f"登记表类型：{names}（--register-kinds 加入的本中心类型也可用）"


def template(
    kind: Annotated[str, typer.Argument(help=_kinds_help(), show_default=False)],
    output: Annotated[Path, typer.Option("--output", "-o", help="输出的 .xlsx 文件", show_default=False)],
    register_kinds: RegisterKindsOption = None,
    quiet: QuietOption = False,
    debug: DebugOption = False,
) -> int:
    """生成一张空白登记表：标准表头（冻结首行）、身份证号列为文本格式、日期列为日期格式、是/否和随访方式有下拉选项。

    示例：chsc template hypertension_followups -o 高血压随访记录.xlsx

    类型也可写中文名称，如 chsc template 高血压患者随访记录 -o 高血压随访记录.xlsx
    """
    use_register_kinds_option(register_kinds)
    from ..outputs.register_templates import write_template
    from ..registers import KINDS

    if kind not in KINDS:  # its Chinese title too (高血压患者随访记录), as explain and gaps take an indicator's name
        def plain(text: str) -> str:  # full-width and spacing aside (０～６岁 is 0~6岁), as explain finds a name
            return "".join(unicodedata.normalize("NFKC", text).split())

        titled = [name for name, known in KINDS.items() if plain(known.title) == plain(kind)]
        if not titled:
            raise UserError(f"没有登记表类型「{kind}」。",
                            hint=f"可选：{'、'.join(f'{name}（{known.title}）' for name, known in KINDS.items())}")
        kind = titled[0]
    if output.suffix.lower() != ".xlsx":
        raise UserError(f"模板只能写成 .xlsx 文件，而不是 {output.name}。")
    if output.exists():  # it may be a register already filled in: a blank one must not replace it
        raise UserError(f"{output} 已存在，chsc template 不会覆盖已有的文件（它可能是已填好的登记表）。", hint="请换一个文件名，或先删除、改名该文件。")
    written = write_template(output, KINDS[kind])
    if not quiet:
        stderr.print(f"已写入 {written}", markup=False)
    return EXIT_OK


def _yaml_text(centre: str) -> str:
    """The centre's name as a YAML scalar that reads back as typed: quoted (a name with # was cut at
    it as a comment, one starting with [ or @ made chsc.yaml unreadable, null became no name, and a
    line break wrote settings of its own)."""
    import json

    name = centre.strip()
    if "\n" in name or "\r" in name:
        raise UserError("中心名称不能分成几行。", hint="请把名称写在一行里，如 --centre 临城街道社区卫生服务中心")
    if not name or any(ord(character) < 32 or 127 <= ord(character) <= 159 or 0xD800 <= ord(character) <= 0xDFFF
                       for character in name):  # (a C1 control YAML refuses; a byte the system could not decode)
        raise UserError(f"中心名称「{name.encode('utf-8', 'replace').decode('utf-8')}」不可用：不能为空，也不能含控制字符或无法识别的字符。", hint="如 --centre 临城街道社区卫生服务中心")
    return json.dumps(name, ensure_ascii=False)  # a JSON string is a YAML double-quoted scalar


def init(
    folder: Annotated[Path, typer.Argument(help="要创建的数据文件夹", show_default=False)],
    centre: Annotated[str, typer.Option("--centre", help="中心名称，写入 chsc.yaml")] = "某某社区卫生服务中心",
    register_kinds: RegisterKindsOption = None,
    quiet: QuietOption = False,
    debug: DebugOption = False,
) -> int:
    """新建一个数据文件夹：带注释的 chsc.yaml，以及每种登记表（含 --register-kinds 加入的）的空白模板各一份。

    示例：chsc init 2026年数据 --centre 临城街道社区卫生服务中心
    """
    use_register_kinds_option(register_kinds)
    from ..outputs.atomic import os_reason
    from ..outputs.register_templates import CONFIG_TEMPLATE, template_files, write_template
    from ..outputs.writer import write_text
    from ..registers import KINDS

    _check_new_folder(folder)
    files = template_files(KINDS)
    settings_text = CONFIG_TEMPLATE.format(centre=_yaml_text(centre))

    def fill(target: Path, written: list[Path]) -> None:
        for name in ("chsc.yaml", *files.values()):
            written.append(target / name)  # (named before it is written: a Ctrl-C inside leaves none behind)
        write_text(target / "chsc.yaml", settings_text)
        for kind, name in files.items():
            write_template(target / name, KINDS[kind])

    # Ctrl-C or a full disk halfway once left a folder with some of the templates, which a second
    # `chsc init` refused as not empty: all of it is written, or none
    try:
        if folder.is_dir():  # an empty folder (chsc init .): filled in place, what was written removed on failure
            written: list[Path] = []
            try:
                fill(folder, written)
            except BaseException:
                for path in written:
                    path.unlink(missing_ok=True)
                raise
        else:  # a new folder: made whole beside it, then put in place
            building = Path(tempfile.mkdtemp(prefix=BUILDING_PREFIX, dir=folder.absolute().parent))
            try:
                fill(building, [])
                building.chmod(_folder_mode())  # (mkdtemp's is owner-only: as a folder made by hand instead)
                building.rename(folder)
            finally:
                shutil.rmtree(building, ignore_errors=True)  # (gone once renamed)
    except OSError as error:  # no permission, a read-only disk …: the user's to change (exit 2)
        if error.errno == errno.ENAMETOOLONG:  # said as for every command's paths (cli/main.py)
            raise
        raise UserError(f"无法创建文件夹 {folder}（{os_reason(error)}）。", hint="请换一个有写入权限的位置。") from None
    if not quiet:
        stderr.print(f"已创建 {folder}：chsc.yaml 和 {len(files)} 张空白登记表", markup=False)
    return EXIT_OK


#: The folder `chsc init` fills beside the new one before putting it in place.
BUILDING_PREFIX = ".~chsc-init-"


def _folder_mode() -> int:
    """The permissions a new folder gets from this process's umask."""
    mask = os.umask(0o022)
    os.umask(mask)
    return 0o777 & ~mask


def _check_new_folder(folder: Path) -> None:
    """`folder` may be made: it does not exist, or it is an empty folder; a file or a folder with data
    is refused."""
    if folder.exists() and not folder.is_dir():
        raise UserError(f"{folder} 是一个已有的文件，不是文件夹。", hint="请指定一个新的文件夹名，以免覆盖已有的文件。")
    if folder.exists() and any(folder.iterdir()):
        raise UserError(f"{folder} 已存在且不是空文件夹。", hint="请指定一个新的文件夹名，以免覆盖已有的数据。")
    if not folder.parent.exists():
        raise UserError(f"上级文件夹 {folder.parent} 不存在。", hint="请先创建它，或换一个位置。")
    if not folder.parent.is_dir():
        raise UserError(f"{folder.parent} 是一个文件，不是文件夹。", hint="请在一个文件夹中新建数据文件夹。")


def register(app: typer.Typer) -> None:
    app.command("template")(template)
    app.command("init")(init)
