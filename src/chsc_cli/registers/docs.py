"""docs/registers.md, generated from the kind files: every kind, its columns, aliases, canonical values
and their synonyms, the shared value sets and lookup tables.

    python -m chsc_cli.registers.docs > docs/registers.md      (or: make docs)

A test keeps the file equal to this output, so the page never drifts from the kind files.
"""

from __future__ import annotations

import sys

from .catalogue import Catalogue
from .columns import Column, RegisterKind

TYPE_NAMES = {
    "id": "身份证号",
    "code": "编码",
    "date": "日期",
    "datetime": "日期时间",
    "text": "文字",
    "yesno": "是/否",
    "number": "数字",
    "whole_number": "不小于0的整数",
    "weeks": "孕周（12+3、12周3天）",
    "blood_pressure": "血压（135/85）",
    "category": "选项",
}


def registers_markdown(catalogue: Catalogue) -> str:
    lines = [
        "# 登记表类型 / Register kinds",
        "",
        "<!-- Generated from register_kinds/*.yaml by `python -m chsc_cli.registers.docs`; do not edit. -->",
        "",
        "chsc 能识别的登记表类型，由 `register_kinds/` 中的 YAML 文件定义（每种一个文件）。本中心可用",
        "`--register-kinds 文件夹` 加入自己的类型，或用同 `name` 的文件替换自带的类型。",
        "",
        "| 类型 | 名称 | 每行是 | 键 | 病种 | 识别用词 |",
        "|---|---|---|---|---|---|",
    ]
    for kind in catalogue.kinds.values():
        lines.append(
            f"| `{kind.name}` | {kind.title} | {'一人（名册）' if kind.roster else '一次（事件）'} | {_key(kind)} "
            f"| {'、'.join(kind.disease_words) or '—'} | {'、'.join(kind.words) or '—'} |"
        )
    for kind in catalogue.kinds.values():
        lines += ["", *_kind_section(kind)]
    lines += ["", "## 共用取值表 / Value sets", "", "| 名称 | 标准值 ← 同义词 |", "|---|---|"]
    for name, words in catalogue.value_sets.items():
        lines.append(f"| `{name}` | {_words(words)} |")
    for name, table in catalogue.lookups.items():
        lines += ["", f"## 查找表 `{name}`：{table.title}", "", "| 代码 | 已知名称 |", "|---|---|"]
        for codes, names in table.entries:
            lines.append(f"| {' + '.join(codes)} | {'、'.join(names)} |")
        lines.append("")
        lines.append(f"不在表中的名称：`{table.unknown_code}`（{table.unknown_message}）。")
    return "\n".join(lines) + "\n"


def _key(kind: RegisterKind) -> str:
    if kind.key_field is None:
        return "无（完全相同的行为一条）"
    unit = "人" if kind.key_unit == "person" else "条记录"
    return f"{kind.column(kind.key_field).header}（每{unit}）"


def _kind_section(kind: RegisterKind) -> list[str]:
    lines = [f"## `{kind.name}` — {kind.title}", ""]
    if kind.settled_by:
        headers = "、".join(kind.column(f).header for f in kind.settled_by)
        lines += [f"有 {headers} 的表即为此类型（在数列数之前）。", ""]
    if kind.shape_rule is not None:
        if kind.shape_rule.ambiguous:
            lines += [f"与同形状（{kind.shape}）的类型只能靠病种字样区分，否则为 `ambiguous-kind`。", ""]
        else:
            when = "；或".join(_condition(kind, c) for c in kind.shape_rule.when) or "总是"
            lines += [f"没有病种字样时（形状 {kind.shape}，顺序 {kind.shape_rule.rank}）：{when}。", ""]
    if kind.completeness_fields:
        headers = "、".join(kind.column(f).header for f in kind.completeness_fields)
        lines += [f"记录完整须：{headers}。", ""]
    if kind.contact_dates:
        headers = "、".join(kind.column(f).header for f in kind.contact_dates)
        lines += [f"待完成名单的「最近一次联系」取：{headers}（最晚的一个，不晚于统计期末）。", ""]
    lines += ["| 标准列名 | 字段 | 类型 | 别名 | 必填 | 取值（标准值 ← 同义词） |", "|---|---|---|---|---|---|"]
    for column in kind.columns:
        lines.append(
            f"| {column.header} | `{column.field}` | {_type(column)} | {_aliases(column)} "
            f"| {'是' if column.required else ''} | {_values(column)} |"
        )
    return lines


def _condition(kind: RegisterKind, condition) -> str:
    header = kind.column(condition.field).header
    if condition.values is None:
        return f"有「{header}」列"
    return f"「{header}」列中有 {'、'.join(sorted(condition.values))}"


def _type(column: Column) -> str:
    text = TYPE_NAMES[column.type]
    if column.plausible is not None:
        text += f"，合理范围 {column.plausible[0]:g}–{column.plausible[1]:g}"
    if column.fills:
        text += f"，填入 {'、'.join(f'`{f}`' for f in column.fills)}"
    if column.lookup is not None:
        text += f"，按查找表 `{column.lookup[0]}` 得到 `{column.lookup[1]}`"
    return text


def _aliases(column: Column) -> str:
    aliases = "、".join(column.aliases)
    if column.low_priority_aliases:
        aliases += f"（次选：{'、'.join(column.low_priority_aliases)}）"
    if column.aliases_when_absent:
        aliases += f"（本列不存在时：{'、'.join(column.aliases_when_absent)}）"
    return aliases


def _values(column: Column) -> str:
    extras = _value_rules(column)
    if not column.vocabulary:
        base = "是、有、√、1…（见 `yes_no`）；空 = 否" if column.type == "yesno" else ""
        return "；".join(filter(None, (base, extras)))
    grouped: dict[object, list[str]] = {}
    for word, canonical in column.vocabulary.items():
        grouped.setdefault(canonical, []).append(word)
    shown = "；".join(f"{_canonical(c)} ← {'、'.join(words)}" for c, words in grouped.items())
    if column.default is not None:
        shown += f"；空 = {_canonical(column.default)}"
        if not column.default_when_absent:
            shown += "（没有这一列时不按此值：用到它的指标无法计算）"
    if column.keep_unknown:
        shown += "；其他值照原样保留"
    return "；".join(filter(None, (shown, extras)))


def _value_rules(column: Column) -> str:
    """Form codes, the column's own words and content-filled columns, as one phrase."""
    rules = []
    if column.codes:
        codes = "、".join(f"{number} {word if word is not None else '未说明'}" for number, word in column.codes.items())
        rules.append(f"表单编码 {codes}")
    if column.own_words:
        rules.append(f"本列的词（{'、'.join(column.own_words)}，已…为是，未/不…为否）")
    if column.content_filled:
        rules.append("填写内容即为是（否、无、未、不…开头者为否）")
    if column.blank_words:
        rules.append(f"{'、'.join(column.blank_words)} 视为空白")
    return "；".join(rules)


def _canonical(value: object) -> str:
    if isinstance(value, bool):
        return "是" if value else "否"
    return str(value)


def _words(words) -> str:
    if isinstance(words, dict):
        return "；".join(f"{canonical} ← {'、'.join(synonyms)}" for canonical, synonyms in words.items())
    return "、".join(words)


def main() -> None:
    from .kinds import active_catalogue

    sys.stdout.write(registers_markdown(active_catalogue()))


if __name__ == "__main__":
    main()
