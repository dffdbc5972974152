"""Click's own words in Chinese: the usage errors (缺少选项 --period / -p) and the headings of the --help
page (用法、参数、选项、命令), which typer and click write in English.

The help page is translated where click builds it, in the help formatter (a click extension point:
`Context.formatter_class`), so every command and group gets it by its class; the usage errors by
the class of the exception, whose fields (the option, its names, what was typed) are kept apart.
A message this module does not know is shown as click wrote it.
"""

from __future__ import annotations

import re

import typer
from typer.core import TyperCommand, TyperGroup

try:  # typer >= 0.20 vendors click; older versions use the click package
    from typer._click import exceptions as click_exceptions
    from typer._click.core import Context
    from typer._click.formatting import HelpFormatter
except ImportError:  # pragma: no cover
    from click import exceptions as click_exceptions
    from click.core import Context
    from click.formatting import HelpFormatter

# ------------------------------------------------------------------ usage errors

#: What pydantic (typer's conversion of option values) says, by error type.
_VALUE_WANTED = {"int_parsing": "应为整数", "float_parsing": "应为数字", "bool_parsing": "应为 true 或 false"}


def usage_message(error: click_exceptions.ClickException) -> str:
    """The line after 用法错误： for a usage error, in Chinese."""
    if isinstance(error, click_exceptions.MissingParameter):
        return _missing(error.param)
    if isinstance(error, click_exceptions.BadParameter):
        return _bad_value(error)
    if isinstance(error, click_exceptions.NoSuchOption):
        maybe = f"（是不是 {'、'.join(sorted(error.possibilities))}？）" if error.possibilities else ""
        return f"没有这个选项：{error.option_name}{maybe}"
    if isinstance(error, click_exceptions.BadOptionUsage):
        wanted = re.search(r"requires (an argument|(\d+) arguments)", error.message)
        if wanted:
            return f"选项 {error.option_name} 后面要写{wanted.group(2) + ' 个' if wanted.group(2) else '一个'}值。"
        if "does not take a value" in error.message:
            return f"选项 {error.option_name} 不带值（去掉 = 及其后面的部分）。"
        return error.format_message()
    message = error.format_message()
    extra = re.fullmatch(r"Got unexpected extra argument(?:s|\(s\))? \((.*)\)", message, re.S)
    if extra:
        return f"多余的参数：{extra.group(1)}（路径或文件名中有空格时，请用引号括起来）"
    command = re.fullmatch(r"No such command '(.*)'\.", message, re.S)
    if command:
        return f"没有命令「{command.group(1)}」。"
    if message == "Missing command.":
        return "缺少命令。"
    return message


def _names(param) -> str:
    """An option by its names (--period / -p), an argument by its name in capitals (DATA_DIR)."""
    if param is None:
        return ""
    if param.param_type_name == "option":
        return " / ".join(param.opts)
    return (param.name or "").upper()


def _missing(param) -> str:
    if param is not None and param.param_type_name == "argument":
        described = f"：{param.help}" if getattr(param, "help", None) else ""
        return f"缺少参数 {_names(param)}{described}。"
    return f"缺少选项 {_names(param)}。"


#: click's words for a path it checked (typer's exists=/readable=…), in Chinese with what to do.
_PATH_PROBLEM = re.compile(
    r"(file|directory|path) (['\"])(.*)\2 (does not exist|is a file|is a directory|is not readable|is not writable)\.", re.S | re.I
)
_PATH_KINDS = {"file": "文件", "directory": "文件夹", "path": "路径"}
_PATH_WORDS = {
    "does not exist": "不存在：请检查路径是否写对",
    "is a file": "是一个文件，这里要的是文件夹",
    "is a directory": "是一个文件夹，这里要的是文件",
    "is not readable": "没有读取权限：请检查它的权限，或把它复制到自己有权限的位置后再运行",
    "is not writable": "没有写入权限：请换一个有写入权限的位置",
}


def _bad_value(error: click_exceptions.BadParameter) -> str:
    found = error.__cause__.errors()[0] if hasattr(error.__cause__, "errors") and error.__cause__.errors() else {}
    path = _PATH_PROBLEM.fullmatch(error.message or "")
    if path:  # (where: the argument or option it was given to)
        said = f"{_PATH_KINDS[path.group(1).lower()]}「{path.group(3)}」{_PATH_WORDS[path.group(4)]}"
        return f"{_names(error.param)}：{said}" if error.param is not None else said
    wanted = _VALUE_WANTED.get(found.get("type"), error.message)
    typed = f"「{found['input']}」" if isinstance(found.get("input"), str) else ""
    where = _names(error.param)
    return f"{where} 的值{typed}不对：{wanted}" if where else f"值{typed}不对：{wanted}"


# ------------------------------------------------------------------ the --help page

_HEADINGS = {"Arguments": "参数", "Options": "选项", "Commands": "命令"}
_USAGE_WORDS = (("[OPTIONS]", "[选项]"), ("COMMAND [ARGS]...", "命令 [参数]..."))
_HELP_WORDS = {"Show this message and exit.": "显示本帮助并退出。"}
#: The bracket click adds after an option's help: [default: summary; required].
_EXTRA = re.compile(r"\[([^\[\]]*)\]$")


def _extra_words(found: re.Match) -> str:
    parts = []
    for part in found.group(1).split("; "):
        if part == "required":
            parts.append("必填")
        elif part.startswith("default: "):
            parts.append(f"默认：{part.removeprefix('default: ')}")
        else:
            parts.append(part)
    return f"[{'；'.join(parts)}]"


class _ChineseHelpFormatter(HelpFormatter):
    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        for english, chinese in _USAGE_WORDS:
            args = args.replace(english, chinese)
        super().write_usage(prog, args, "用法：" if prefix is None else prefix)

    def write_heading(self, heading: str) -> None:
        self.write(f"{'':>{self.current_indent}}{_HEADINGS.get(heading, heading)}：\n")

    def write_dl(self, rows, *args, **kwargs) -> None:
        rows = [(term, _EXTRA.sub(_extra_words, _HELP_WORDS.get(text, text))) for term, text in rows]
        super().write_dl(rows, *args, **kwargs)


class _ChineseContext(Context):
    formatter_class = _ChineseHelpFormatter


class ChineseCommand(TyperCommand):
    context_class = _ChineseContext


class ChineseGroup(TyperGroup):
    context_class = _ChineseContext


def use_chinese_words(app: typer.Typer) -> None:
    """Every command and group of `app` (and of its sub-apps) writes its help page in Chinese."""
    for command in app.registered_commands:
        if command.cls in (None, TyperCommand):  # typer's default: not a class a command chose
            command.cls = ChineseCommand
    for group in app.registered_groups:
        if group.typer_instance is None:
            continue
        if not isinstance(group.cls, type):  # not given in add_typer (a default placeholder)
            group.cls = ChineseGroup
        use_chinese_words(group.typer_instance)
