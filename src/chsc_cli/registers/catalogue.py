"""Loading the register kinds: the shipped register_kinds/ folder, plus a centre's own folders.

Every file is checked before anything fails: all problems of all files are reported together as
`file:line: message〔token〕`, then the command stops (exit 2). A kind file whose `name` is a shipped
kind's replaces it; shared columns, value sets and lookup tables of a later folder replace those of
the same name.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from pydantic import ValidationError

from ..problems import UserError
from ..pydantic_words import best_branches, close_key, key_name, keys_at, type_message
from ..yamlfile import YamlError, cannot_read, line_at, load_yaml
from .catalogue_build import Catalogue, Sources, build_catalogue
from .kind_files import KindSpec, LookupsFile, SharedFile, ValueSetsFile

SHARED_FILE = "_shared.yaml"
VALUE_SETS_FILE = "_value_sets.yaml"
LOOKUPS_FILE = "_lookups.yaml"


def shipped_kinds_dir() -> Path:
    """The register_kinds/ folder shipped in the package (or the repository's, in a source checkout)."""
    packaged = Path(__file__).resolve().parents[1] / "library" / "register_kinds"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[3] / "register_kinds"


def load_catalogue(extra_dirs: list[Path] | tuple[Path, ...] = ()) -> Catalogue:
    """The shipped kinds, then each extra folder's (a kind with an existing `name` replaces it)."""
    sources = Sources()
    digest = hashlib.sha256()
    folders = (shipped_kinds_dir(), *extra_dirs)
    for folder in folders:
        if not folder.is_dir():
            raise UserError(
                f"找不到登记表类型文件夹：{folder}", hint="--register-kinds 应指向存放登记表类型 YAML 文件的文件夹。"
            )
        for path in sorted(p for p in folder.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file()):
            digest.update(path.name.encode("utf-8") + b"\0")
            try:  # read once: the kinds are built from the very bytes their fingerprint is taken of
                data = path.read_bytes()
            except OSError as error:  # not read again: a second read could give bytes never fingerprinted
                sources.problems.append(f"{path}:?: {cannot_read(error)}")
                continue
            digest.update(data)
            _read_file(path, sources, data)
    catalogue = build_catalogue(sources, digest.hexdigest(), tuple(folders))
    if sources.problems:
        shown = "\n".join(sources.problems[:20])
        more = f"\n……另有 {len(sources.problems) - 20} 处" if len(sources.problems) > 20 else ""
        raise UserError(f"登记表类型定义有误（共 {len(sources.problems)} 处）：\n{shown}{more}", code="bad-config")
    return catalogue


def _read_file(path: Path, sources: Sources, raw: bytes) -> None:
    if path.name == SHARED_FILE:
        parsed, data = _parse(path, SharedFile, sources.problems, raw)
        for name, spec in (parsed.columns if parsed else {}).items():
            sources.shared[name] = (spec, path, data)
    elif path.name == VALUE_SETS_FILE:
        parsed, data = _parse(path, ValueSetsFile, sources.problems, raw)
        for name, words in (parsed.root if parsed else {}).items():
            sources.value_sets[name] = (words, path, data)
    elif path.name == LOOKUPS_FILE:
        parsed, data = _parse(path, LookupsFile, sources.problems, raw)
        for name, table in (parsed.root if parsed else {}).items():
            sources.lookups[name] = (table, path, data)
    elif path.name.startswith("_"):
        known = "、".join((SHARED_FILE, VALUE_SETS_FILE, LOOKUPS_FILE))
        sources.problems.append(f"{path}:1: 以 _ 开头的文件只能是 {known}〔{path.name}〕")
    else:
        kind, data = _parse(path, KindSpec, sources.problems, raw)
        if kind is None:
            return
        if kind.name != path.stem:
            line = line_at(data, ("name",)) or 1
            sources.problems.append(f"{path}:{line}: 文件名应与 name 相同（{kind.name}.yaml）〔{kind.name}〕")
        sources.kinds[kind.name] = (kind, path, data)


def _parse(path: Path, model, problems: list[str], raw: bytes):
    """(the validated model or None, the YAML data with its lines); `raw`: the file's bytes, read already."""
    try:
        data = load_yaml(path, raw)
    except YamlError as error:
        problems.append(f"{path}:{error.line or '?'}: {error.message}")
        return None, None
    if not isinstance(data, dict):
        problems.append(f"{path}:1: 文件内容应为「键: 值」的映射")
        return None, data
    try:
        return model.model_validate(data), data
    except ValidationError as error:
        said = []
        for item in best_branches(error.errors(), _is_union_tag):  # (a union: the type it comes closest to)
            location = tuple(step for step in item["loc"] if not _is_union_tag(step))
            line = line_at(data, location) or "?"
            allowed = keys_at(model, tuple(item["loc"])[:-1]) if item["type"] == "extra_forbidden" else ()
            said.append(f"{path}:{line}: {_describe(item, location, allowed)}")
        problems += dict.fromkeys(said)
        return None, data


def _is_union_tag(step: object) -> bool:
    return isinstance(step, str) and (
        step in ("RankedRule", "literal['ambiguous']", "list[str]", "dict[str,list[str]]")
        or "[" in step
        or step.startswith("function-")
    )


def _describe(item: dict, location: tuple, allowed: tuple[str, ...] = ()) -> str:
    where = ".".join(str(step) for step in location) or "文件"
    token = location[-1] if location else ""
    if item["type"] == "extra_forbidden":  # (是不是 field？), or the keys allowed here
        return f"未知的键「{token}」（{where}）{close_key(token, allowed)}〔{token}〕"
    if item["type"] == "missing":
        return f"缺少必需的键「{token}」（{where}）"
    typed = type_message(item, key_name(location))  # type: datum, roster: 否, order: 第二百
    if typed is not None:
        return f"{typed}（{where}）〔{item.get('input') if isinstance(item.get('input'), (str, int, float)) else token}〕"
    message = re.sub(r"^(Value error|Assertion failed), ", "", item["msg"])
    if "〔" in message:  # the check named the offending token itself
        return f"{where}：{message}"
    shown = item.get("input")
    shown = shown if isinstance(shown, (str, int, float, bool)) else token
    return f"{where}：{message}〔{shown}〕"


__all__ = ["Catalogue", "load_catalogue", "shipped_kinds_dir"]
