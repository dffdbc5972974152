"""A safe YAML loader that remembers the line of every mapping key and list item.

Indicator and register-kind files are data from the centre as much as from us: they are loaded with a SafeLoader (no
Python objects), and every problem is reported as `file:line: message`.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml


class LineDict(dict):
    """A mapping that knows the line of each key (1-based) and of itself."""

    line: int = 0
    key_lines: dict[str, int]


class LineList(list):
    line: int = 0
    item_lines: list[int]


#: libyaml's parser when PyYAML has it (ten times faster: the register kinds are read at every
#: start), else the pure-Python one; both only build plain values (SafeConstructor).
_SafeBase = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_SafeBase):
    def construct_mapping(self, node, deep=False):  # noqa: D102 - yaml's hook
        self.flatten_mapping(node)
        mapping = LineDict()
        mapping.line = node.start_mark.line + 1
        mapping.key_lines = {}
        for key_node, value_node in node.value:
            key = self.construct_object(key_node, deep=True)
            if not isinstance(key, (str, int)):
                raise yaml.constructor.ConstructorError(None, None, "键必须是文字", key_node.start_mark)
            key = str(key)
            if key in mapping:
                raise yaml.constructor.ConstructorError(
                    None, None, f"键「{key}」重复出现（第 {mapping.key_lines[key]} 行）", key_node.start_mark
                )
            mapping[key] = self.construct_object(value_node, deep=True)
            mapping.key_lines[key] = key_node.start_mark.line + 1
        return mapping

    def construct_sequence(self, node, deep=False):  # noqa: D102 - yaml's hook
        items = LineList(self.construct_object(child, deep=True) for child in node.value)
        items.line = node.start_mark.line + 1
        items.item_lines = [child.start_mark.line + 1 for child in node.value]
        return items

    def construct_yaml_timestamp(self, node):  # noqa: D102 - yaml's hook
        try:
            return super().construct_yaml_timestamp(node)
        except ValueError:  # 0000-00-00, 2025-02-30: YAML takes it for a date, and there is no such day
            raise yaml.constructor.ConstructorError(
                None, None, f"「{node.value}」被 YAML 当作日期，但没有这一天：请给它加引号，如 \"{node.value}\"", node.start_mark
            ) from None



def construct_int(loader, node):
    """YAML's integer, or an error at its line past Python's 4,300 digits of a number written out
    (it was an internal error): no count, age or number of days has that many. For every loader."""
    try:
        return yaml.constructor.SafeConstructor.construct_yaml_int(loader, node)
    except ValueError:
        raise yaml.constructor.ConstructorError(
            None, None, f"数字位数过多（{len(node.value):,} 位），不是有效的人数、年龄或天数：请改正", node.start_mark
        ) from None


_Loader.add_constructor("tag:yaml.org,2002:int", construct_int)
_Loader.add_constructor("tag:yaml.org,2002:timestamp", _Loader.construct_yaml_timestamp)
_Loader.add_constructor("tag:yaml.org,2002:map", _Loader.construct_mapping)
_Loader.add_constructor("tag:yaml.org,2002:seq", _Loader.construct_sequence)


TOO_DEEP = "YAML 嵌套层数过多（方括号或缩进套了几百层），不是有效的指标文件"


class YamlError(Exception):
    def __init__(self, line: int | None, message: str):
        super().__init__(message)
        self.line = line
        self.message = message


NOT_TEXT = "不是文本文件（无法按 UTF-8、UTF-16 或 GBK 读取）：请用记事本打开后“另存为”，编码选 UTF-8"


def yaml_text(data: bytes) -> str:
    """A YAML file's text (chsc.yaml, indicator and kind files), as Notepad on a Chinese Windows saves
    it: UTF-8 (with or without BOM); UTF-16 (“Unicode”) or UTF-32 with its BOM; else GB18030
    (“ANSI”). UnicodeDecodeError when it is none of them, or holds a NUL character."""
    if data.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):  # UTF-32 begins as UTF-16 LE does
        text = data.decode("utf-32")
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = data.decode("utf-16")
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = data.decode("gb18030")
    if "\x00" in text:  # UTF-16 without its BOM read as UTF-8, a binary file: no YAML text holds NUL
        raise UnicodeDecodeError("utf-8", data, 0, len(data), "a NUL character: not a text file")
    return text


def cannot_read(error: OSError) -> str:
    """What a YAML file that cannot be read says after its `file:line: `."""
    return f"无法读取（{error.strerror or error}）"


def unprintable_at(text: str) -> tuple[int, str] | None:
    """(line, character) of the first character YAML does not allow in a file (a control character
    pasted in from a register or a web page), or None. YAML's parser would stop there with an
    English message and no line."""
    found = yaml.reader.Reader.NON_PRINTABLE.search(text)
    return None if found is None else (text.count("\n", 0, found.start()) + 1, found.group())


def unprintable_message(character: str) -> str:
    return f"含有不可见的控制字符（U+{ord(character):04X}），请在文本编辑器中删去这个字符"


def load_yaml(path: Path, data: bytes | None = None) -> Any:
    """Parse one YAML file (`data`: its bytes, read already); raises YamlError(line, Chinese message)."""
    try:
        text = yaml_text(path.read_bytes() if data is None else data)
    except OSError as error:
        raise YamlError(None, cannot_read(error)) from None
    except UnicodeDecodeError:
        raise YamlError(None, NOT_TEXT) from None
    if (unprintable := unprintable_at(text)) is not None:
        raise YamlError(unprintable[0], unprintable_message(unprintable[1]))
    loader = _Loader(text)  # a safe loader: no tag builds a Python object
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        if "&" in text:  # without an anchor there is no alias: the nodes are the text's own
            _check_expanded_size(node)
        return loader.construct_document(node)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
        problem = getattr(error, "problem", None) or str(error)
        return_line = mark.line + 1 if mark else None
        if "nesting depth" in str(problem):  # libyaml's limit; the pure-Python parser recurses instead
            raise YamlError(return_line, TOO_DEEP) from None
        near = text.splitlines()[max(mark.line - 1, 0):mark.line + 1] if mark else []
        raise YamlError(return_line, f"YAML 格式错误：{yaml_problem(str(problem), near)}") from None
    except RecursionError:
        raise YamlError(None, TOO_DEEP) from None
    finally:
        loader.dispose()


#: PyYAML's words for the mistakes people make, in Chinese (its own are English): (phrase, meaning).
_YAML_PROBLEMS = (
    ("tab", "用了 Tab 缩进或对齐，请改用空格"),
    ("found character '\\t'", "用了 Tab 缩进或对齐，请改用空格"),  # PyYAML writes the tab as \t
    ("expected ',' or ']'", "方括号 [ ] 没有配对，或两项之间缺逗号"),  # (did not find … / … but got <stream end>)
    ("expected ',' or '}'", "花括号 { } 没有配对，或两项之间缺逗号"),
    ("mapping values are not allowed", "这里不能有「键: 值」：这一行可能比上一行的键多缩进了（同一项的键要对齐），或值里有「: 」（请给整个值加引号）"),
    ("could not find expected ':'", "缺少冒号「:」（键后要有英文冒号和空格）"),
    ("expected <block end>", "缩进不齐：同一层的键要对齐"),
    ("did not find expected key", "缩进不齐：同一层的键要对齐"),
    # `*慢病名册*.xlsx: …` unquoted: YAML reads a leading * as an alias (&anchor / *alias)
    ("expected alphabetic or numeric character", "以 * 或 & 开头的值（如文件名通配符）要加引号：\"*慢病名册*.xlsx\": …"),
    ("did not find expected '-' indicator", "列表项缩进不齐：「- 」要对齐"),
    ("found unexpected end of stream", "引号或括号没有配对，文件就结束了"),
    ("found unknown escape character", "双引号中的反斜杠 \\ 后面的字符不认识：请改用单引号"),
    ("found undefined alias", "用了没有定义的别名（*名字）"),
    ("found duplicate anchor", "锚点（&名字）重复定义"),
    ("could not determine a constructor", "不支持的 YAML 标签（!!…）"),
    ("found character", "有不能出现在这里的字符（如 @ 或 ` 开头的值要加引号）"),
)


#: `key: value` on one line (a list item's too), the value unquoted
_PLAIN_VALUE = re.compile(r"^\s*(?:-\s+)?[^\s:'\"#][^:#]*:\s+([^'\"\s].*?)\s*$")


def _closing_at(value: str) -> int | None:
    """Where the bracket opening `value` closes (None: it does not close on this line)."""
    depth = 0
    for at, character in enumerate(value):
        depth += {"{": 1, "[": 1, "}": -1, "]": -1}.get(character, 0)
        if depth == 0:
            return at
    return None


def _unquoted_value_hint(lines: list[str]) -> str | None:
    """The common cause a line shows: an unquoted value that YAML reads as more than text — one
    opening with { or [ and going on after its bracket ({date}未做血常规), or holding 「: 」."""
    for line in reversed(lines):
        found = _PLAIN_VALUE.match(line)
        if not found:
            continue
        value = re.split(r"\s#", found.group(1), maxsplit=1)[0].rstrip()  # a comment is not the value
        if not value:
            continue
        end = _closing_at(value) if value[0] in "{[" else None
        if end == len(value) - 1:  # a flow mapping or list: {in_population: x}, [a, b]
            continue
        if value[0] in "{[" and end is None:  # a bracket that does not close on its line: unpaired
            return None
        if end is not None:  # {date}未做…, {a}签约，未满{b} (not a list going on below)
            return f"值「{value}」以 {value[0]} 开头，YAML 会把它读成{'映射' if value[0] == '{' else '列表'}：请给整个值加引号，如 \"{value}\""
        if ": " in value:
            return f"值「{value}」中有「: 」（冒号加空格），YAML 会把它读成「键: 值」：请给整个值加引号，如 \"{value}\""
    return None


def yaml_problem(problem: str, lines: list[str] | tuple = ()) -> str:
    """PyYAML's problem text in Chinese where it is one of the common mistakes (the English after it);
    `lines`: the line PyYAML stopped at and the one before, for a hint about an unquoted value."""
    hint = _unquoted_value_hint(list(lines))
    if hint:
        return f"{hint}（{problem}）"
    for phrase, meaning in _YAML_PROBLEMS:
        if phrase in problem:
            return f"{meaning}（{problem}）"
    return problem


#: An indicator file has a few hundred values; aliases (*name) that multiply past this many are a
#: "billion laughs" file, which would take minutes and gigabytes to walk.
MAX_EXPANDED_NODES = 100_000


def _check_expanded_size(root: yaml.Node) -> None:
    """Count the values with every alias expanded (each node once, memoised); refuse too many."""
    sizes: dict[int, int] = {}
    in_progress: set[int] = set()

    def size(node: yaml.Node) -> int:
        key = id(node)
        if key in sizes:
            return sizes[key]
        if key in in_progress:
            raise YamlError(node.start_mark.line + 1, "YAML 别名（*名称）引用了它自身所在的内容")
        in_progress.add(key)
        if isinstance(node, yaml.SequenceNode):
            total = 1 + sum(size(child) for child in node.value)
        elif isinstance(node, yaml.MappingNode):
            total = 1 + sum(size(k) + size(v) for k, v in node.value)
        else:
            total = 1
        in_progress.discard(key)
        sizes[key] = min(total, MAX_EXPANDED_NODES + 1)
        if total > MAX_EXPANDED_NODES:
            raise YamlError(
                node.start_mark.line + 1,
                f"内容过大：YAML 别名（*名称）展开后超过 {MAX_EXPANDED_NODES:,} 个值，指标文件不需要这样写",
            )
        return sizes[key]

    size(root)


def line_at(data: Any, location: tuple) -> int | None:
    """The line of the deepest element of `location` (keys and list indexes) that has one."""
    line = getattr(data, "line", None)
    node = data
    for step in location:
        if isinstance(node, LineDict) and isinstance(step, str) and step in node:
            line = node.key_lines.get(step, line)
            node = node[step]
        elif isinstance(node, LineList) and isinstance(step, int) and 0 <= step < len(node):
            line = node.item_lines[step]
            node = node[step]
        else:
            break
    return line
