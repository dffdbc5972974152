"""pydantic's validation errors said in Chinese (its own messages are English): what the indicator
library and the register-kind files report for a value of the wrong type."""

from __future__ import annotations

import difflib
from types import UnionType
from typing import Annotated, Union, get_args, get_origin

#: pydantic's error types and what the value should have been
_WANTED_TYPES = (
    (("int_parsing", "int_type", "int_from_float"), "整数"),
    (("decimal_parsing", "decimal_type", "float_parsing", "float_type", "finite_number"), "数字"),
    (("bool_parsing", "bool_type"), " true 或 false"),
    (("list_type", "tuple_type"), "列表"),
    (("dict_type", "model_type", "model_attributes_type"), "键值对（每行「键: 值」）"),
    (("string_type",), "文字"),
)


def key_name(location: tuple) -> str:
    """The key a location ends in (`plausible` for columns.8.plausible.0: a list's item has no name)."""
    return next((str(step) for step in reversed(location) if not isinstance(step, int)), "")


def type_message(item: dict, token: object) -> str | None:
    """「order」应为整数, 「unit」只能是 'person' 或 'record'，而不是「event」 …; None for an error
    that is not about a value's type (a check of chsc's own says it in Chinese already)."""
    if item["type"] == "literal_error":  # unit: persons, type: datum
        expected = str(item.get("ctx", {}).get("expected", "")).replace(" or ", " 或 ")
        return f"「{token}」只能是 {expected}，而不是「{item.get('input')}」"
    if item["type"] == "string_pattern_mismatch":  # a field's or a kind's name written in Chinese
        pattern = str(item.get("ctx", {}).get("pattern", ""))
        wanted = _PATTERN_WORDS.get(pattern, f"符合 {pattern} 的写法")
        return f"「{token}」只能是{wanted}，而不是「{item.get('input')}」"
    for types, wanted in _WANTED_TYPES:
        if item["type"] in types:
            return f"「{token}」应为{wanted}"
    return None


#: What the patterns of chsc's definition files ask for, in words.
_PATTERN_WORDS = {
    r"^[a-z][a-z0-9_]*$": "小写英文字母、数字和下划线，以字母开头（如 visit_date；中文写在 header 或 title 里）",
    r"^[a-z][a-z-]*$": "小写英文字母和连字符（如 unknown-value）",
    r"\S": "不空白的文字",
}


# --------------------------------------------------------------------------------------- unions

#: Error types that say a value is not of a type at all (a mapping where text is wanted …).
_NOT_OF_THE_TYPE = ("literal_error", "is_instance_of", "is_subclass_of", "model_attributes_type")


def best_branches(errors: list[dict], is_tag) -> list[dict]:
    """The errors of a value that fits none of a union's types, for the type it comes closest to.

    pydantic reports a mapping that is neither a `Population` nor a `Union` with both sets of errors:
    `were` unknown to both, and beside it "missing union", "unknown register" — keys that are right
    for the type the author meant. At each union (its branches are the location steps `is_tag`
    accepts), only the branch with the fewest errors is kept, a branch the value is not even of (text
    for a mapping) counting after every other; equally close branches are all kept. In pydantic's order."""
    order = {id(error): position for position, error in enumerate(errors)}
    return sorted(_closest(list(errors), 0, is_tag), key=lambda error: order[id(error)])


def _closest(errors: list[dict], depth: int, is_tag) -> list[dict]:
    kept: list[dict] = []
    unions: dict[tuple, dict[str, list[dict]]] = {}
    for error in errors:
        location = tuple(error["loc"])
        at = next((i for i in range(depth, len(location)) if is_tag(location[i])), None)
        if at is None:
            kept.append(error)
        else:
            unions.setdefault(location[:at], {}).setdefault(location[at], []).append(error)
    for prefix, branches in unions.items():

        def distance(branch: list[dict]) -> tuple[bool, int]:
            not_of_it = any(len(error["loc"]) == len(prefix) + 1 and _not_of_the_type(error["type"]) for error in branch)
            return not_of_it, len(branch)

        closest = min(map(distance, branches.values()))
        for branch in branches.values():
            if distance(branch) == closest:
                kept += _closest(branch, len(prefix) + 1, is_tag)
    return kept


def _not_of_the_type(error_type: str) -> bool:
    return error_type.endswith(("_type", "_parsing")) or error_type in _NOT_OF_THE_TYPE


def keys_at(model, location: tuple) -> tuple[str, ...]:
    """The keys the pydantic `model` allows in the mapping at `location` (a validation error's
    location without its last step, union tags included; at a union, those of any of its types);
    () when it cannot be told."""
    current = model
    for step in location:
        current = _unwrapped(current)
        if isinstance(current, type) and hasattr(current, "model_fields"):
            if step not in current.model_fields:
                return ()
            current = current.model_fields[step].annotation
            continue
        members = get_args(current)
        if get_origin(current) in (Union, UnionType):
            current = next((m for m in members if getattr(_unwrapped(m), "__name__", None) == step), None)
        elif get_origin(current) is dict and len(members) == 2:
            current = members[1]
        elif get_origin(current) in (tuple, list) and members and isinstance(step, int):
            current = members[0]
        else:
            return ()
    current = _unwrapped(current)
    members = get_args(current) if get_origin(current) in (Union, UnionType) else (current,)
    return tuple(dict.fromkeys(key for member in map(_unwrapped, members)
                               if isinstance(member, type) and hasattr(member, "model_fields") for key in member.model_fields))


def _unwrapped(annotation):
    """`Annotated[X, …]` and `X | None` → X (the other members of a union stay)."""
    while True:
        if get_origin(annotation) is Annotated:
            annotation = get_args(annotation)[0]
            continue
        members = get_args(annotation)
        if get_origin(annotation) in (Union, UnionType) and type(None) in members:
            rest = tuple(m for m in members if m is not type(None))
            annotation = rest[0] if len(rest) == 1 else Union[rest]
            continue
        return annotation


def close_match(word: object, candidates) -> str | None:
    """The candidate a letter or two from `word` (a misspelt key: totl is total), or None."""
    close = difflib.get_close_matches(str(word), list(candidates), n=1)
    return close[0] if close else None


def close_key(key: object, allowed: tuple[str, ...]) -> str:
    """What to say after an unknown key: 「（是不是 where？）」 when it is a letter or two from an
    allowed one, else the allowed keys; "" when they are not known."""
    if str(key) in allowed:  # a key of another form of the value (union: beside register:, where: beside union:)
        return f"（「{key}」属于另一种写法，不能与这里的其他键写在一起）"
    close = close_match(key, allowed)
    if close:
        return f"（是不是 {close}？）"
    return f"；这里可用的键：{', '.join(allowed)}" if allowed else ""
