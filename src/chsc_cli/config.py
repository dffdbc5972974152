"""`chsc.yaml`: the centre's settings (registers.md, last section), read safely and checked strictly.

The file is parsed with a `yaml.SafeLoader` subclass, so no tag can build a Python object. Every
mapping key is read as the text written in the file (so `no:` stays "no", never False) and its line is
remembered by key path, so this layer and later ones (indicators, registers, kinds) can point at the
line of a bad value with `LoadedConfig.line_of(...)`. Decimal numbers are built from the text as
written: `0.25` is exactly `Decimal('0.25')`.

Every mistake is a `UserError` (code "bad-config", exit 2) in Chinese that names the file, the line,
the key path and what is allowed. Pydantic models reject unknown keys at every level.
"""

from __future__ import annotations

import errno
import os
import re
import types
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, Union, get_args, get_origin

import yaml
from pydantic import BaseModel, ValidationError

from chsc_cli.config_model import CentreConfig, Population
from chsc_cli.problems import UserError
from chsc_cli.pydantic_words import close_match
from chsc_cli.yamlfile import NOT_TEXT, construct_int, unprintable_at, unprintable_message, yaml_problem, yaml_text

CONFIG_NAME = "chsc.yaml"
CODE = "bad-config"
KeyPath = tuple[str, ...]

# --------------------------------------------------------------------------------------- YAML


class _KeyLineLoader(yaml.SafeLoader):
    """SafeLoader that reads every mapping key as its text and floats as exact Decimals."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[str, Any]:
        self.flatten_mapping(node)
        return {_key_text(key_node): self.construct_object(value_node, deep=deep) for key_node, value_node in node.value}

    def construct_yaml_float(self, node: yaml.ScalarNode) -> Decimal:
        text = self.construct_scalar(node).replace("_", "").lower()
        if text.lstrip("+-") in (".inf", ".nan"):
            return Decimal(text.replace(".", ""))  # Decimal('-inf') etc.; rejected later as not finite
        if ":" in text:  # YAML 1.1 base-60 floats: no one means that in chsc.yaml, keep its value
            return Decimal(str(super().construct_yaml_float(node)))
        return Decimal(text)


_KeyLineLoader.add_constructor("tag:yaml.org,2002:float", _KeyLineLoader.construct_yaml_float)
_KeyLineLoader.add_constructor("tag:yaml.org,2002:int", construct_int)
_MERGE_TAG = "tag:yaml.org,2002:merge"


def _key_text(node: yaml.Node) -> str:
    if not isinstance(node, yaml.ScalarNode):
        raise yaml.constructor.ConstructorError(None, None, "设置项的名称必须是文字", node.start_mark)
    return node.value


def _index_keys(root: yaml.Node) -> dict[KeyPath, int]:
    """Line (1-based) of every mapping key by key path; a key written twice in one mapping is an error."""
    lines: dict[KeyPath, int] = {}
    visited: set[int] = set()

    def walk(node: yaml.Node, path: KeyPath) -> None:
        if id(node) in visited:  # an alias: its keys were indexed where the anchor is
            return
        visited.add(id(node))
        if not isinstance(node, yaml.MappingNode):
            return
        seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE_TAG:
                continue
            key, line = _key_text(key_node), key_node.start_mark.line + 1
            if key in seen:
                raise _Duplicate((*path, key), seen[key], line)
            seen[key] = lines[(*path, key)] = line
            walk(value_node, (*path, key))

    walk(root, ())
    return lines


class _Duplicate(Exception):
    def __init__(self, path: KeyPath, first: int, second: int):
        super().__init__(path)
        self.path, self.first, self.second = path, first, second


# --------------------------------------------------------------------------------------- loading


@dataclass(frozen=True)
class LoadedConfig:
    """The validated settings, the file they came from (None: all defaults) and each key's line."""

    settings: CentreConfig
    path: Path | None = None
    key_lines: dict[KeyPath, int] = field(default_factory=dict, repr=False)

    def line_of(self, *keys: object) -> int | None:
        """Line of a key path in the file, e.g. line_of("kinds", "*慢病名册*.xlsx"); None if not written."""
        return self.key_lines.get(tuple(str(key) for key in keys))


def find_config(data_dir: Path, explicit: Path | None) -> Path | None:
    """The settings file to use: `--config FILE` (must exist), else DATA_DIR/chsc.yaml if present."""
    if explicit is not None:
        if not explicit.exists():
            raise UserError(f"找不到配置文件 {explicit}（--config 指定）。", hint="请检查路径是否写对。", code=CODE)
        if not explicit.is_file():
            raise UserError(f"--config 指定的 {explicit} 不是文件。", hint="请指定一个 chsc.yaml 文件。", code=CODE)
        return explicit
    default = data_dir / CONFIG_NAME
    try:
        if default.is_file():
            return default
        present = os.path.lexists(default)
    except OSError as error:
        raise UserError(f"无法读取 {default}（{error.strerror}）。", hint="请检查数据文件夹的权限。", code=CODE) from None
    if present:  # a folder named chsc.yaml, or a link to nothing: not silently the defaults
        raise UserError(f"{default} 不是文件（是文件夹或失效的链接），中心的设置没有读入。",
                        hint="请把 chsc.yaml 换成设置文件，或删除它以使用默认设置。", code=CODE)
    return None


def load_config(path: Path | None) -> LoadedConfig:
    """Read and check a settings file; None or a file that does not exist gives all defaults."""
    if path is None or not path.exists():
        return LoadedConfig(CentreConfig(), None)
    data, lines = _read_yaml(path)
    if data is None:
        return LoadedConfig(CentreConfig(), path, lines)
    if not isinstance(data, dict):
        hint = "冒号要用英文半角「:」，后面加一个空格。" if "：" in str(data) else None
        raise UserError(
            f"{path} 第 1 行：内容应为「设置项: 值」的形式（如 centre: 某某社区卫生服务中心），现在是{_kind(data)}。",
            hint=hint,
            code=CODE,
        )
    try:
        settings = CentreConfig.model_validate(data)
    except ValidationError as error:
        raise _user_error(path, lines, error) from None
    return LoadedConfig(settings, path, lines)


def _read_yaml(path: Path) -> tuple[Any, dict[KeyPath, int]]:
    try:
        raw = path.read_bytes()
    except OSError as error:
        reason = "没有读取权限" if error.errno in (errno.EACCES, errno.EPERM) else error.strerror or type(error).__name__
        raise UserError(
            f"无法读取配置文件 {path}（{reason}）。", code=CODE,
            hint="请检查该文件的权限（或它是不是一个文件），或把数据文件夹复制到自己有权限的位置后再运行。",
        ) from None
    try:
        text = yaml_text(raw)  # UTF-8, UTF-16 with BOM or GBK: as Notepad on a Chinese Windows saves it
    except UnicodeDecodeError:
        raise UserError(f"{path} {NOT_TEXT}。", code=CODE) from None
    if (unprintable := unprintable_at(text)) is not None:  # the loader would raise before any line is known
        raise UserError(f"{path} 第 {unprintable[0]} 行{unprintable_message(unprintable[1])}。", code=CODE)
    loader = _KeyLineLoader(text)
    try:
        root = loader.get_single_node()
        if root is None:
            return None, {}
        lines = _index_keys(root)
        return loader.construct_document(root), lines
    except _Duplicate as duplicate:
        raise UserError(
            f"{path} 第 {duplicate.second} 行：设置项 {_dotted(duplicate.path)} 重复出现"
            f"（第 {duplicate.first} 行和第 {duplicate.second} 行）。每个设置项只能写一次，请删去其中一处。",
            code=CODE,
        ) from None
    except yaml.YAMLError as error:
        raise _yaml_error(path, error, text) from None
    except RecursionError:
        raise UserError(f"{path}：嵌套层数过多（方括号或缩进套了几百层），不是有效的设置文件。", code=CODE) from None
    finally:
        loader.dispose()


def _yaml_error(path: Path, error: yaml.YAMLError, text: str = "") -> UserError:
    mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
    where = f"{path} 第 {mark.line + 1} 行第 {mark.column + 1} 列" if mark else str(path)
    problem = getattr(error, "problem", None) or "格式错误"
    if "could not determine a constructor" in problem:
        quoted = re.search(r"'([^']*)'", problem)
        tag = (quoted.group(1) if quoted else "").replace("tag:yaml.org,2002:", "!!")
        return UserError(
            f"{where}：不支持的 YAML 标签 {tag}。", hint="chsc.yaml 只能写文字、数字和「设置项: 值」。", code=CODE
        )
    near = text.splitlines()[max(mark.line - 1, 0):mark.line + 1] if mark else []
    return UserError(
        f"{where}：YAML 格式错误：{yaml_problem(problem, near)}。",  # Chinese first, PyYAML's words after
        hint="常见原因：冒号后缺空格、缩进不齐或用了 Tab 缩进、引号没有配对。",
        code=CODE,
    )


# --------------------------------------------------------------------------------------- messages

_POPULATION_KEYS = ", ".join(Population.model_fields)
_RULES: dict[KeyPath, str] = {
    ("centre",): "应为中心名称（文字）",
    ("population",): f"应为人数设置，允许的设置项：{_POPULATION_KEYS}",
    ("prevalence",): "应为患病率设置，允许的设置项：hypertension, diabetes",
    ("prevalence", "*"): '应为 0 与 1 之间（不含两端）的小数，如 0.25 或 "25%"',
    ("stations",): "应为「服务站名称: {total: 人数, age_65_plus: 人数}」",
    ("stations", "*"): f"应为该站的人数设置，允许的设置项：{_POPULATION_KEYS}",
    ("targets",): "应为「指标编号: 目标值」，如 elderly_health_management_rate: 0.9",
    ("targets", "*"): '应为：率写 0 到 1 之间的小数（如 0.9 或 "90%"），计次指标写每年的次数（整数，如 12）',
    ("columns",): "应为「别名: 规范列名」，如 证件号: 身份证号",
    ("columns", "*"): "应为规范列名（文字），如 身份证号",
    ("reference_date",): "只能是 period_end 或 period_start",
    ("hidden_sheets",): "只能是 read（读入隐藏的登记表，默认）、skip（跳过所有隐藏的工作表）或 all（连“非常隐藏”的也读入）",
    ("kinds",): '应为「文件名模式: 登记册类型」，如 "*慢病名册*.xlsx": hypertension_patients',
    ("kinds", "*"): "应为登记册类型名（文字），如 hypertension_patients",
    ("population_by_year",): "应为「年份: {total: 人数, age_65_plus: 人数}」",
    ("population_by_year", "*"): f"应为该年的人数设置，允许的设置项：{_POPULATION_KEYS}",
    ("population_by_year", "*", "[key]"): "年份应为 1900 到 2100 之间的四位整数，如 2024",
}
_DICT_FIELDS = {"stations", "targets", "columns", "kinds", "population_by_year"}


def _pattern(loc: KeyPath) -> KeyPath:
    """("stations", "一站", "total") → ("stations", "*", "total"): the shape of a key path."""
    if loc and loc[0] in (_DICT_FIELDS | {"prevalence"}) and len(loc) > 1:
        return (loc[0], "*", *loc[2:])
    return loc


def _rule(loc: KeyPath) -> str:
    pattern = _pattern(loc)
    if len(pattern) > 1 and pattern[-1] in Population.model_fields:
        return f"应为正整数（{Population.model_fields[pattern[-1]].description}），如 12000"
    return _RULES.get(pattern, "值不符合要求")


def _model_at(loc: KeyPath) -> type[BaseModel] | None:
    """The model whose keys sit at `loc` (CentreConfig at the top), found from the annotations."""
    current: Any = CentreConfig
    for item in loc:
        if isinstance(current, type) and issubclass(current, BaseModel):
            if item not in current.model_fields:
                return None
            current = _unwrap(current.model_fields[item].annotation)
        elif get_origin(current) is dict:
            current = _unwrap(get_args(current)[1])
        else:
            return None
    return current if isinstance(current, type) and issubclass(current, BaseModel) else None


def _unwrap(annotation: Any) -> Any:
    while True:
        origin = get_origin(annotation)
        if origin is Annotated:
            annotation = get_args(annotation)[0]
        elif origin is Union or origin is types.UnionType:
            annotation = next(arg for arg in get_args(annotation) if arg is not type(None))
        else:
            return annotation


def _dotted(path: KeyPath) -> str:
    return ".".join(f"「{part}」" if ("." in part or " " in part or not part) else part for part in path)


def _kind(value: Any) -> str:
    if value is None:
        return "空值"
    if isinstance(value, bool):
        return f"是/否值 {str(value).lower()}"
    if isinstance(value, (int, Decimal, float)):
        return f"数字 {value}"
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:40] + "…"
        return f"文字「{shown}」"
    if isinstance(value, dict):
        return "一组「设置项: 值」"
    if isinstance(value, list):
        return "列表"
    return "日期" if type(value).__name__ in ("date", "datetime") else "不支持的值"


def unknown_setting(key: str, level: tuple, allowed: list[str]) -> str:
    """未知的设置项「totl」（是不是 total？）。population 下允许的设置项：… — for a key of chsc.yaml
    that is not there (config_rules says it too, of a figure key no indicator reads)."""
    close = close_match(key, allowed)
    guess = f"（是不是 {close}？）" if close else ""
    where = f"{_dotted(tuple(map(str, level)))} 下" if level else ""
    return f"未知的设置项「{key}」{guess}。{where}允许的设置项：{', '.join(allowed)}"


def _describe(error: dict[str, Any]) -> tuple[KeyPath, str]:
    """One pydantic error → (key path whose line to show, Chinese sentence)."""
    loc = tuple(str(part) for part in error["loc"])
    if error["type"] == "extra_forbidden":
        model = _model_at(loc[:-1])
        return loc, unknown_setting(loc[-1], loc[:-1], list(model.model_fields) if model else [])
    if loc and loc[-1] == "[key]":
        return loc[:-1], f"{_dotted(loc[:-2])} 下的「{loc[-2]}」不能作为键：{_rule(loc)}"
    reason = error["msg"] if error["type"] in _OUR_ERRORS else None
    problem = f"不对：{reason}" if reason else "不符合要求"
    name = _dotted(loc) or "内容"
    return loc, f"{name} 的值（{_kind(error['input'])}）{problem}。{name} {_rule(loc)}"


_OUR_ERRORS = {"not-a-number", "out-of-range", "not-a-count", "not-positive", "station-clash", "station-name"}


def _user_error(path: Path, lines: dict[KeyPath, int], error: ValidationError) -> UserError:
    described = []
    for item in error.errors(include_url=False):
        key_path, sentence = _describe(item)
        line = next((lines[key_path[:n]] for n in range(len(key_path), 0, -1) if key_path[:n] in lines), None)
        described.append((line if line is not None else 10**9, line, sentence))
    described.sort(key=lambda entry: entry[0])
    _, line, sentence = described[0]
    where = f"{path} 第 {line} 行" if line is not None else str(path)
    others = sorted({entry[1] for entry in described[1:] if entry[1] is not None})
    hint = None
    if len(described) > 1:
        at = f"（第 {'、'.join(map(str, others))} 行）" if others else ""
        hint = f"另有 {len(described) - 1} 处设置有误{at}。"
    return UserError(f"{where}：{sentence}。", hint=hint, code=CODE)
