"""Reading words against a column's vocabulary: yes/no columns and categories.

real-exports.md and registers.md say what real files write in such columns, for every kind:

- a listed value preceded by 已 means that value (已死亡 = 死亡, 已签约 = 签约);
- the national form's numbered options: `1`, `1门诊`, `1.门诊`, `（1）门诊` — a label, when there is one,
  is read as the value; a number alone means the option the column's `codes` (or the codes its
  header declares in brackets, `常住类型（1：户籍 2：非户籍）`) number so;
- yes/no columns take the general words (是/否, 有/无, √/×, 1/0, 已/未 …), the column's own words
  (签约, 已签约 yes; 未签约, 不签约 no) and its vocabulary; a content-filled column (健康指导: 建议复查)
  is yes for any other content except values starting with 未, 无 or 不;
- 其它 is 其他 (normalise_value_text).

Each parser has the shape of values.py's: value -> (parsed, problem code or None, Chinese detail).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from .columns import (
    ALREADY,
    CONTENT_NO_PREFIXES,
    OWN_WORD_NO_PREFIXES,
    OWN_WORD_YES_PREFIXES,
    Column,
    normalise_value_text,
)
from .kinds import active_catalogue

Parsed = tuple[Any, str | None, str | None]

#: A numbered option after normalisation: `1`, `1门诊`, `1.门诊`, `(1)门诊`, `1、门诊`, `1:门诊`.
_FORM_CODE = re.compile(r"\(?([0-9]{1,2})(?:\)|[.、:,-])?(.*)")
#: A number alone however it is written: `1.0` (a CSV of a number cell), `(2)`, `（2）`, `1.`.
NUMBER_ALONE = re.compile(r"\(?([0-9]{1,2})\)?(?:\.0*)?")
#: Codes a header declares in its brackets: `常住类型（1：户籍 2：非户籍）`, `性别(1男,2女)`.
_DECLARED_CODE = re.compile(r"([0-9]{1,2})\s*[:：=.、]?\s*([^0-9\s,，;；:：=、/|()（）]+)")
_BRACKETS = re.compile(r"[(（\[［【〔{｛<＜]([^()（）\[\]［］【】〔〕{}｛｝<>＜＞]*)[)）\]］】〕}｝>＞]")
_NOT_FOUND = object()


def normalised_vocabulary(vocabulary: dict[str, object]) -> dict[str, object]:
    return {normalise_value_text(word): value for word, value in vocabulary.items()}


def yes_no_table(column: Column) -> dict[str, object]:
    """Every word a yes/no column accepts (normalised) -> True/False."""
    table: dict[str, object] = dict(active_catalogue().yes_no)  # the yes_no value set of the kind files
    for word in column.own_words:
        table.update({normalise_value_text(prefix + word): True for prefix in OWN_WORD_YES_PREFIXES})
        table.update({normalise_value_text(prefix + word): False for prefix in OWN_WORD_NO_PREFIXES})
    table.update(normalised_vocabulary(column.vocabulary))
    return table


class Lookup:
    """A column's words (normalised) and numbered options; `find` answers _NOT_FOUND when neither
    knows the text."""

    def __init__(self, table: dict[str, object], codes: dict[str, str | None]):
        self.table = table
        self.codes = {number: None if word is None else normalise_value_text(word) for number, word in codes.items()}

    def word(self, key: str) -> object:
        if key in self.table:
            return self.table[key]
        if key.startswith(ALREADY) and key[1:] in self.table:
            return self.table[key[1:]]
        return _NOT_FOUND

    def find(self, text: str) -> object:
        key = normalise_value_text(text)
        number = NUMBER_ALONE.fullmatch(key)
        if number:
            key = number.group(1)
        if key in self.codes:  # a number alone: the option the form (or the header) numbers so
            return None if self.codes[key] is None else self.word(self.codes[key])
        found = self.word(key)
        if found is not _NOT_FOUND:
            return found
        match = _FORM_CODE.fullmatch(key)
        if match and match.group(2):  # a number followed by its label: the label decides
            return self.word(match.group(2))
        return _NOT_FOUND


def declared_codes(header: str, column: Column) -> dict[str, str]:
    """The numbered options a header lists in brackets (`常住类型（1：户籍 2：非户籍）`), kept only
    when every label is a word the column knows: for a yes/no or category column only."""
    if column.type not in ("yesno", "category"):
        return {}
    table = yes_no_table(column) if column.type == "yesno" else normalised_vocabulary(column.vocabulary)
    lookup = Lookup(table, {})
    declared: dict[str, str] = {}
    for inside in _BRACKETS.findall(header or ""):
        pairs = _DECLARED_CODE.findall(inside)
        if pairs and all(lookup.word(normalise_value_text(label)) is not _NOT_FOUND for _, label in pairs):
            declared.update(pairs)
    return declared


def with_declared_codes(column: Column, header: str) -> Column:
    """The column with the codes its header declares on top of its own (the header wins)."""
    declared = declared_codes(header, column)
    return replace(column, codes={**column.codes, **declared}) if declared else column


def yes_no_parser(column: Column, text_of: Callable[[object], str], shown: Callable[[object], str]):
    """A yes/no column's parser: blank is the column's default (no when it has none); an unknown word is `unknown-value` and keeps the
    column's default (no when it has none); a content-filled column has no unknown words."""
    lookup = Lookup(yes_no_table(column), column.codes)
    default = bool(column.default) if column.default is not None else False
    treated = "按“是”处理" if default else "按“否”处理"
    if column.vocabulary and not column.own_words:
        listed = "、".join(dict.fromkeys(column.vocabulary))
        unknown = f"不在可选值（{listed}）之中，{treated}"
    else:
        unknown = f"不是 是/否 类的值，{treated}"

    def parse(value: object) -> Parsed:
        if isinstance(value, bool):
            return value, None, None
        text = text_of(value)
        if not text:
            return default, None, None
        found = lookup.find(text)
        if found is not _NOT_FOUND:
            return bool(found), None, None
        if column.content_filled:
            return not normalise_value_text(text).startswith(CONTENT_NO_PREFIXES), None, None
        return default, "unknown-value", f"「{shown(value)}」{unknown}"

    return parse


def category_parser(column: Column, text_of: Callable[[object], str], shown: Callable[[object], str]):
    """A category column's parser: a known word gives its canonical value (None for a word that
    means unknown, 性别 9); an unknown one is `unknown-value`, kept as written or the default."""
    lookup = Lookup(normalised_vocabulary(column.vocabulary), column.codes)
    allowed = "、".join(dict.fromkeys(column.vocabulary))

    def parse(value: object) -> Parsed:
        text = text_of(value)
        if not text:
            return column.default, None, None
        found = lookup.find(text)
        if found is not _NOT_FOUND:
            return found, None, None
        kept = text if column.keep_unknown else column.default
        # say it the way the column is written: the first vocabulary word for the default value
        written = next((word for word, canonical in column.vocabulary.items() if canonical == kept), kept)
        if kept is None:
            treated = "按未填处理"
        else:
            treated = "照原样保留" if column.keep_unknown else f"按“{written}”处理"
        return kept, "unknown-value", f"「{shown(value)}」不在可选值（{allowed}）之中，{treated}"

    return parse
