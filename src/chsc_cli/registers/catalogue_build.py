"""Building the in-memory kinds from the parsed files: `use:` resolved, vocabularies and value sets
expanded, and every reference checked (a problem is `file:line: message〔token〕`)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..yamlfile import line_at
from .columns import NUMBER_TYPES, Column, Condition, LookupTable, RegisterKind, ShapeRule, normalise_header, normalise_value_text
from .kind_files import NO_WORD, YES_WORD, ColumnSpec, KindSpec, RankedRule

#: The column types that read a vocabulary, and so the numbered options of `codes:` (1 -> 门诊).
CODED_TYPES = ("category", "yesno")
#: The value set every yes/no column without its own vocabulary reads (是 -> yes, 否 -> no).
YES_NO_SET = "yes_no"


@dataclass(frozen=True)
class Catalogue:
    """Every register kind in force, with the value sets and lookup tables they share."""

    kinds: dict[str, RegisterKind]
    value_sets: dict[str, tuple[str, ...] | dict[str, tuple[str, ...]]]
    lookups: dict[str, LookupTable]
    yes_no: dict[str, bool]  # normalised word -> yes/no, from the yes_no value set
    fingerprint: str  # SHA-256 of every file read: part of the parse-cache key
    folders: tuple[Path, ...] = ()


@dataclass
class Sources:
    """What the files hold, before the kinds are built; each with its file and YAML data (for lines)."""

    shared: dict[str, tuple[ColumnSpec, Path, Any]] = field(default_factory=dict)
    value_sets: dict[str, tuple[list | dict, Path, Any]] = field(default_factory=dict)
    lookups: dict[str, tuple[Any, Path, Any]] = field(default_factory=dict)
    kinds: dict[str, tuple[KindSpec, Path, Any]] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


def vocabulary_words(words: list[str] | dict[str, list[str]]) -> dict[str, str]:
    """word -> canonical value, in file order: a list's words are their own canonical values."""
    if isinstance(words, dict):
        return {synonym: canonical for canonical, synonyms in words.items() for synonym in synonyms}
    return {word: word for word in words}


def yes_no_value(canonical: str) -> bool | None:
    return {YES_WORD: True, NO_WORD: False}.get(canonical)


def lookup_table(name: str, spec) -> LookupTable:
    known = [(normalise_value_text(n), tuple(entry.codes)) for entry in spec.entries for n in entry.names]
    known.sort(key=lambda item: -len(item[0]))  # stable: the table's order among names of one length
    entries = tuple((tuple(entry.codes), tuple(entry.names)) for entry in spec.entries)
    return LookupTable(name, spec.title, spec.unknown.code, spec.unknown.message, tuple(known), entries)



_OVERRIDABLE = tuple(name for name in ColumnSpec.model_fields if name != "use")
#: Column keys _KindBuilder._column turns into model values itself.
_BUILT = {"header", "field", "type", "aliases", "required", "vocabulary", "default", "plausible"}
_BUILT |= {"low_priority_aliases", "keep_unknown", "fills", "lookup", "own_words"}


def _passed_through(values: dict) -> dict:
    """Any other key of ColumnSpec that names a Column field goes to the model as it is (lists as
    tuples): a new column setting needs its line in ColumnSpec and in Column, nothing here."""
    column_fields = {f.name for f in dataclasses.fields(Column)}
    return {
        name: tuple(value) if isinstance(value, list) else value
        for name, value in values.items()
        if name in column_fields and name not in _BUILT
    }


def build_catalogue(sources: Sources, fingerprint: str, folders: tuple[Path, ...]) -> Catalogue:
    value_sets = {name: words for name, (words, _, _) in sources.value_sets.items()}
    lookups = {name: lookup_table(name, spec) for name, (spec, _, _) in sources.lookups.items()}
    yes_no: dict[str, bool] = {}
    if YES_NO_SET not in value_sets or not isinstance(value_sets[YES_NO_SET], dict):
        sources.problems.append(f"_value_sets.yaml:1: 缺少取值表 {YES_NO_SET}（是: [...], 否: [...]）〔{YES_NO_SET}〕")
    else:
        for word, canonical in vocabulary_words(value_sets[YES_NO_SET]).items():
            if yes_no_value(canonical) is None:
                _, path, data = sources.value_sets[YES_NO_SET]
                line = line_at(data, (YES_NO_SET, canonical)) or "?"
                sources.problems.append(f"{path}:{line}: {YES_NO_SET} 的值只能是 是 或 否〔{canonical}〕")
                break
            yes_no[normalise_value_text(word)] = yes_no_value(canonical)
    kinds = {}
    for name, (spec, path, data) in sources.kinds.items():
        kind = _KindBuilder(spec, path, data, sources, value_sets, lookups).build()
        if kind is not None:
            kinds[name] = kind
    _check_shapes(kinds, sources)
    ordered = dict(sorted(kinds.items(), key=lambda item: (item[1].order, item[0])))
    frozen_sets = {
        name: {k: tuple(v) for k, v in words.items()} if isinstance(words, dict) else tuple(words)
        for name, words in value_sets.items()
    }
    return Catalogue(ordered, frozen_sets, lookups, yes_no, fingerprint, folders)


class _KindBuilder:
    def __init__(self, spec: KindSpec, path: Path, data: Any, sources: Sources, value_sets, lookups):
        self.spec, self.path, self.data, self.sources = spec, path, data, sources
        self.value_sets, self.lookups = value_sets, lookups
        self.failed = False

    def problem(self, location: tuple, message: str, token: object) -> None:
        line = line_at(self.data, location) or "?"
        self.sources.problems.append(f"{self.path}:{line}: {message}〔{token}〕")
        self.failed = True

    def build(self) -> RegisterKind | None:
        spec = self.spec
        columns = [self._column(index, column) for index, column in enumerate(spec.columns)]
        columns = [c for c in columns if c is not None]
        by_field = {c.field: c for c in columns}
        self._check_columns(columns, by_field)
        key_field = spec.key.field if spec.key else None
        if spec.roster and key_field is None:
            self.problem(("roster",), "名册（roster: true）须写 key：每人一行，靠键认人", spec.name)
        if key_field is not None and (key_field not in by_field or by_field[key_field].type not in ("id", "code")):
            self.problem(("key", "field"), "key 的 field 应为本类型中 type 为 id 或 code 的列", key_field)
        for index, name in enumerate(spec.completeness):
            if name not in by_field or by_field[name].type != "yesno":
                self.problem(("completeness", index), "completeness 应列出本类型中的 是/否（yesno）列", name)
        if spec.contact_source is not None and (
            not spec.roster or spec.contact_source not in by_field or by_field[spec.contact_source].type != "date"
        ):
            self.problem(("contact_source",), "contact_source 只用于名册，应为本类型中的一个日期（date）列", spec.contact_source)
        prefer = self._contact_prefer(spec, by_field)
        for index, name in enumerate(spec.contact_dates):
            if name not in by_field or by_field[name].type not in ("date", "datetime"):
                self.problem(("contact_dates", index), "contact_dates 应列出本类型中的日期（date、datetime）列", name)
        rule = self._shape_rule(by_field)
        for index, name in enumerate(spec.classify.settled_by):
            if name not in by_field:
                self.problem(("classify", "settled_by", index), "settled_by 应列出本类型的列（field）", name)
        if self.failed:
            return None
        disease = spec.classify.disease
        return RegisterKind(
            name=spec.name,
            title=spec.title,
            columns=tuple(columns),
            words=tuple(spec.classify.words),
            disease=disease.name if disease else None,
            disease_words=tuple(disease.words) if disease else (),
            shape=spec.classify.shape,
            shape_rule=rule,
            settled_by=tuple(spec.classify.settled_by),
            key_field=key_field,
            key_unit=spec.key.unit if spec.key else "record",
            roster=spec.roster,
            completeness_fields=tuple(spec.completeness),
            contact_source=spec.contact_source,
            contact_prefer=prefer,
            contact_dates=tuple(dict.fromkeys(spec.contact_dates)),
            order=spec.order,
            source=str(self.path),
        )

    def _contact_prefer(self, spec: KindSpec, by_field: dict) -> tuple[tuple[str, tuple], ...]:
        """contact_prefer's values as the rows hold them: a category's canonical values (a synonym
        is taken to its value), a yes/no column's True / False (是 / 否)."""
        if spec.contact_prefer and spec.contact_source is None:
            self.problem(("contact_prefer",), "contact_prefer 只和 contact_source 一起用", spec.name)
            return ()
        prefer = []
        for name, words in spec.contact_prefer.items():
            column = by_field.get(name)
            if column is None or column.type not in ("category", "yesno"):
                self.problem(("contact_prefer", name), "contact_prefer 的键应为本类型中的选项（category）或是/否（yesno）列", name)
                continue
            values = []
            for word in words:
                if column.type == "yesno":
                    value = yes_no_value(word)
                else:
                    value = column.vocabulary.get(word, word if word in column.vocabulary.values() else None)
                if value is None:
                    self.problem(("contact_prefer", name), f"「{word}」不是 {column.header} 的可选值", word)
                    continue
                values.append(value)
            prefer.append((name, tuple(values)))
        return tuple(prefer)

    def _column(self, index: int, given: ColumnSpec) -> Column | None:
        where = ("columns", index)
        values = {}
        if given.use is not None:
            if given.use not in self.sources.shared:
                known = "、".join(self.sources.shared) or "无"
                self.problem((*where, "use"), f"_shared.yaml 中没有共用列「{given.use}」（可用：{known}）", given.use)
                return None
            shared = self.sources.shared[given.use][0]
            values = {name: getattr(shared, name) for name in _OVERRIDABLE if getattr(shared, name) is not None}
            values.setdefault("field", given.use)
        values.update({name: getattr(given, name) for name in _OVERRIDABLE if getattr(given, name) is not None})
        for needed in ("header", "field"):
            if needed not in values:
                self.problem(where, f"列缺少 {needed}（或用 use: 引用共用列）", needed)
                return None
        column_type = values.get("type", "text")
        vocabulary = self._vocabulary(where, column_type, values.get("vocabulary"))
        default = self._default(where, column_type, values.get("default"), vocabulary)
        if values.get("plausible") is not None and column_type not in NUMBER_TYPES:
            self.problem((*where, "plausible"), "plausible 只用于数字列（number、whole_number、weeks）", values["header"])
        if bool(values.get("fills")) != (column_type == "blood_pressure"):
            self.problem((*where, "fills"), "blood_pressure 列须写 fills: [收缩压的 field, 舒张压的 field]，其他列不写", values["header"])
        if values.get("codes") and column_type not in CODED_TYPES:  # a text column would read 1 as "1"
            self.problem((*where, "codes") if given.codes is not None else where,
                         "codes（表单选项编号）只用于 category 或 yesno 列：编号读作本列 vocabulary 中的词；"
                         "要按编号读，请写 type: category 和 vocabulary", column_type)
        if values.get("default_when_absent") is not None and values.get("default") is None:
            self.problem((*where, "default_when_absent"), "default_when_absent 只与 default 一起写（说明没有这一列时是否也按 default）",
                         values["header"])
        if values.get("content_filled") and column_type != "yesno":  # it would be read as text: 是 never matched
            self.problem((*where, "content_filled") if given.content_filled is not None else where,
                         "content_filled（有内容即为是）只用于 yesno 列：请加 type: yesno", column_type)
        lookup = values.get("lookup")
        if lookup is not None and lookup.table not in self.lookups:
            self.problem((*where, "lookup", "table"), f"_lookups.yaml 中没有查找表「{lookup.table}」", lookup.table)
        return Column(
            **_passed_through(values),
            header=values["header"],
            field=values["field"],
            type=column_type,
            aliases=tuple(values.get("aliases") or ()),
            required=bool(values.get("required", False)),
            vocabulary=vocabulary,
            default=default,
            plausible=tuple(values["plausible"]) if values.get("plausible") else None,
            low_priority_aliases=tuple(values.get("low_priority_aliases") or ()),
            keep_unknown=bool(values.get("keep_unknown", False)),
            fills=tuple(values.get("fills") or ()),
            lookup=(lookup.table, lookup.into) if lookup is not None else None,
            own_words=self._own_words(column_type, values),
        )

    @staticmethod
    def _own_words(column_type: str, values: dict) -> tuple[str, ...]:
        """real-exports.md: a yes/no column takes its own word alone or after 已 for yes, after
        未, 不, 无 or 没 for no (常住, 不常住). Without `own_words` that word is its header; a
        content-filled column has its own rule (any content but the no words), and `own_words: []`
        turns it off."""
        given = values.get("own_words")
        if given is not None:
            return tuple(given)
        if column_type == "yesno" and not values.get("content_filled"):
            return (values["header"],)
        return ()

    def _vocabulary(self, where: tuple, column_type: str, spec) -> dict[str, object]:
        if spec is None:
            return {}
        if column_type not in ("category", "yesno"):
            self.problem((*where, "vocabulary"), "vocabulary 只用于 category 或 yesno 列", column_type)
            return {}
        words = dict(vocabulary_words(spec.values))
        for index, name in enumerate(spec.sets):
            if name not in self.value_sets:
                known = "、".join(self.value_sets) or "无"
                self.problem((*where, "vocabulary", "sets", index), f"_value_sets.yaml 中没有取值表「{name}」（可用：{known}）", name)
                continue
            for word, canonical in vocabulary_words(self.value_sets[name]).items():
                words.setdefault(word, canonical)
        if column_type == "yesno":
            for canonical in dict.fromkeys(words.values()):
                if yes_no_value(canonical) is None:
                    self.problem((*where, "vocabulary"), f"是/否 列的取值只能归为 {YES_WORD} 或 {NO_WORD}", canonical)
                    return {}
            return {word: yes_no_value(canonical) for word, canonical in words.items()}
        return words

    def _default(self, where: tuple, column_type: str, default: str | None, vocabulary: dict) -> object:
        if default is None:
            return None
        if column_type == "yesno":
            if yes_no_value(default) is None:
                self.problem((*where, "default"), f"是/否 列的 default 只能是 {YES_WORD} 或 {NO_WORD}", default)
            return yes_no_value(default)
        if column_type != "category" or default not in set(vocabulary.values()):
            self.problem((*where, "default"), "default 应为该列 vocabulary 中的一个标准值", default)
        return default

    def _check_columns(self, columns: list[Column], by_field: dict[str, Column]) -> None:
        seen: set[str] = set()
        names: dict[str, Column] = {}  # a header or alias, as matched -> its column
        for index, column in enumerate(columns):
            if column.field in seen:
                self.problem(("columns", index), "同一类型中 field 重复", column.field)
            seen.add(column.field)
            for name in (column.header, *column.aliases):
                other = names.setdefault(normalise_header(name), column)
                if other.field != column.field:  # a sheet's column would be read as whichever came first
                    self.problem(("columns", index), f"表头「{name}」同时是「{other.header}」（{other.field}）的列名或别名，"
                                                     f"读表时分不清是哪一列；请删去其中一处", name)
            for position, target in enumerate(column.fills):
                if target not in by_field or by_field[target].type != "number":
                    self.problem(("columns", index, "fills", position), "fills 应为本类型中的 number 列", target)
            if column.lookup is not None and column.lookup[1] in by_field:
                self.problem(("columns", index, "lookup", "into"), "lookup 的 into 不能与已有的列同名", column.lookup[1])

    def _shape_rule(self, by_field: dict[str, Column]) -> ShapeRule | None:
        given = self.spec.classify.without_disease_word
        if given is None:
            return None
        if not isinstance(given, RankedRule):
            return ShapeRule(ambiguous=True)
        conditions = []
        for index, condition in enumerate(given.when):
            location = ("classify", "without_disease_word", "when", index, "column")
            if condition.column not in by_field:
                self.problem(location, "when 的 column 应为本类型的列（field）", condition.column)
                continue
            values = frozenset(normalise_value_text(v) for v in condition.values) if condition.values else None
            conditions.append(Condition(condition.column, values))
        return ShapeRule(rank=given.rank, when=tuple(conditions))


def _check_shapes(kinds: dict[str, RegisterKind], sources: Sources) -> None:
    """The kinds of one shape say the same thing: all `ambiguous`, or all ranked."""
    by_shape: dict[str, list[RegisterKind]] = {}
    for kind in kinds.values():
        if kind.shape is not None:
            by_shape.setdefault(kind.shape, []).append(kind)
    for shape, members in by_shape.items():
        styles = {None if k.shape_rule is None else k.shape_rule.ambiguous for k in members}
        if len(styles) > 1:
            names = "、".join(k.name for k in members)
            sources.problems.append(
                f"{members[-1].source}:1: 形状 {shape} 的类型（{names}）的 without_disease_word 应一致：都是 ambiguous 或都写 rank〔{shape}〕"
            )
