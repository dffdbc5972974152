"""pydantic's validation errors said in Chinese (its own messages are English): what the indicator
library and the register-kind files report for a value of the wrong type."""

from __future__ import annotations

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
