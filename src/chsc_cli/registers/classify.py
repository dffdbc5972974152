"""Which register kind a sheet is: chsc.yaml's `kinds:`, then the rules of registers.md and
services.md ("Telling the new kinds apart"), every one of them stated in the kind files:

0. Columns only one kind knows (`settled_by`) settle the sheet before any counting; the kind settled
   by the most such columns wins.
1. Disease words (`disease.words`): the sheet name, then the title rows, then the file name — the
   first that names exactly one disease decides. It rules out the other diseases' kinds and says
   nothing about kinds of no disease; a sheet left with no kind is `unrecognised-sheet`. With no
   disease word, among the kinds of one `shape`: `ambiguous` (rosters that differ only by their
   disease), or the first by `rank` whose `when` holds (follow-ups told apart by their columns) —
   unless only one kind of the shape has all its required columns in the sheet: then it is that one.
2. Otherwise the kind with the most distinct canonical columns present wins.
3. A tie is broken by the count of distinct kind words in the file name, sheet name and title rows.
4. A tie that remains is `ambiguous-kind`.
"""

from __future__ import annotations

import fnmatch
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from .columns import Condition, RegisterKind, normalise_value_text
from .headers import AliasIndex
from .vocabularies import NUMBER_ALONE, Lookup, normalised_vocabulary, with_declared_codes

#: column index -> the cells below the header (for conditions on values); None: not looked at.
CellsOf = Callable[[int], list[object]]


@dataclass(frozen=True)
class Classification:
    kind: str | None  # None when the sheet matches no kind or is ambiguous
    matched: dict[str, int]  # field -> column index, for `kind`
    ambiguous: tuple[str, ...] = ()  # the kinds still tied after step 3
    forced: bool = False  # settled by chsc.yaml `kinds:`
    #: The disease word that ruled out every kind the sheet could be (a 肺结核随访记录 with no such kind).
    ruled_out_by: str | None = None


def kind_from_settings(kinds_setting: dict[str, str], file: str, sheet: str | None) -> str | None:
    """chsc.yaml `kinds:`: a glob over the relative path (or the file name), optionally `#sheet`.
    A name matches itself too, as written: 1#站慢病名册.xlsx (a # in the name: the key is split at
    any of its #s) and 名册[2025].xlsx ([ ] a glob's character class) could not be named at all,
    and the key validate suggested for them settled nothing."""
    file_name = file.rsplit("/", 1)[-1]
    for pattern, kind in kinds_setting.items():
        for path_pattern, sheet_pattern in _splits(pattern):
            if not (_matches(file, path_pattern) or _matches(file_name, path_pattern)):
                continue
            if sheet_pattern and not _matches(sheet or "", sheet_pattern):
                continue
            return kind
    return None


def _splits(pattern: str):
    """(path, sheet) for the key split at each of its #s, the first # first, then the key as a whole
    (a key with a # as a whole only as a name written out: "*#*随访*" is a file pattern and a
    sheet pattern, never a pattern of file names alone that takes every sheet)."""
    at = pattern.find("#")
    while at >= 0:
        yield pattern[:at], pattern[at + 1 :]
        at = pattern.find("#", at + 1)
    yield (pattern, "") if "#" not in pattern else (_Literal(pattern), "")


class _Literal(str):
    """A file name that matches only itself."""


def _matches(name: str, pattern: str) -> bool:
    return name == pattern or (not isinstance(pattern, _Literal) and fnmatch.fnmatchcase(name, pattern))


def classify(
    index: AliasIndex,
    names: list[str],
    file: str,
    sheet: str | None,
    title_text: str,
    forced_kind: str | None = None,
    cells: CellsOf | None = None,
) -> Classification:
    if forced_kind is not None:
        return Classification(forced_kind, index.match(forced_kind, names), forced=True)
    kinds = index.kinds
    matches = {kind: index.match(kind, names) for kind in kinds}
    candidates = [
        kind for kind, matched in matches.items() if all(column.field in matched for column in kinds[kind].required)
    ]
    settled = _settled(kinds, matches)
    if len(settled) == 1:
        return Classification(settled[0], matches[settled[0]])
    if settled:
        candidates = [kind for kind in candidates if kind in settled]
    disease = disease_named(kinds, sheet, title_text, file)
    ambiguous_groups: dict[str, tuple[str, ...]] = {}
    if disease is not None:
        kept = [kind for kind in candidates if kinds[kind].disease in (None, disease[0])]
        if candidates and not kept:
            return Classification(None, {}, ruled_out_by=disease[1])
        candidates = kept
    else:
        candidates, ambiguous_groups = _shape_rules(index, candidates, matches, cells, names)
    if not candidates:
        return Classification(None, {})
    counts = {kind: index.canonical_count(kind, matches[kind]) for kind in candidates}
    top = max(counts.values())
    candidates = [kind for kind in candidates if counts[kind] == top]
    if len(candidates) > 1:
        texts = " ".join(filter(None, (file, sheet, title_text)))
        word_counts = {kind: sum(word in texts for word in kinds[kind].words) for kind in candidates}
        top_words = max(word_counts.values())
        candidates = [kind for kind in candidates if word_counts[kind] == top_words]
    if len(candidates) == 1 and candidates[0] in ambiguous_groups:
        return Classification(None, {}, ambiguous=ambiguous_groups[candidates[0]])
    if len(candidates) > 1:
        tied = [name for kind in candidates for name in ambiguous_groups.get(kind, (kind,))]
        return Classification(None, {}, ambiguous=tuple(dict.fromkeys(tied)))
    return Classification(candidates[0], matches[candidates[0]])


def _settled(kinds: Mapping[str, RegisterKind], matches: dict[str, dict[str, int]]) -> list[str]:
    """The kinds whose `settled_by` columns are all present, those settled by the most of them."""
    settled = [k for k, kind in kinds.items() if kind.settled_by and all(f in matches[k] for f in kind.settled_by)]
    if not settled:
        return []
    most = max(len(kinds[k].settled_by) for k in settled)
    return [k for k in settled if len(kinds[k].settled_by) == most]


def disease_named(
    kinds: Mapping[str, RegisterKind], sheet: str | None, title_text: str, file: str
) -> tuple[str, str] | None:
    """(disease, word) of the first of sheet name, title rows, file name that names exactly one disease."""
    words = [(word, kind.disease) for kind in kinds.values() if kind.disease for word in kind.disease_words]
    for text in (sheet or "", title_text, file):
        found = {disease: word for word, disease in words if word in text}
        if len(found) == 1:
            return next(iter(found.items()))
    return None


def _shape_rules(
    index: AliasIndex,
    candidates: list[str],
    matches: dict[str, dict[str, int]],
    cells: CellsOf | None,
    names: list[str] = (),
) -> tuple[list[str], dict[str, tuple[str, ...]]]:
    """With no disease word: each shape among the candidates leaves one kind. For an `ambiguous`
    shape that kind stands for all of the shape's kinds (returned as the second value) and counts
    as the one of them with the most columns."""
    kinds = index.kinds
    shapes = dict.fromkeys(kinds[k].shape for k in candidates if kinds[k].shape_rule is not None)
    result = list(candidates)
    groups: dict[str, tuple[str, ...]] = {}
    for shape in shapes:
        members = [k for k in result if kinds[k].shape == shape]
        if kinds[members[0]].shape_rule.ambiguous:
            chosen = max(members, key=lambda k: index.canonical_count(k, matches[k]))
            groups[chosen] = tuple(k for k, kind in kinds.items() if kind.shape == shape)
        else:
            if len(members) == 1:  # the only kind of the shape whose required columns the sheet has
                continue
            ranked = sorted(members, key=lambda k: kinds[k].shape_rule.rank)
            others = {k: {i for m in members if m != k for i in matches[m].values()} for k in members}
            chosen = next((k for k in ranked if _holds(kinds[k], matches[k], cells, others[k], names)), None)
        result = [k for k in result if kinds[k].shape != shape or k == chosen]
    return result, groups


def _holds(kind: RegisterKind, matched: dict[str, int], cells: CellsOf | None, shared: set[int] = frozenset(),
           names: list[str] = ()) -> bool:
    """`shared`: the sheet's columns another kind of the shape reads too; `names`: the sheet's headers."""
    conditions = kind.shape_rule.when
    return not conditions or any(_condition_holds(kind, c, matched, cells, shared, names) for c in conditions)


def _condition_holds(kind: RegisterKind, condition: Condition, matched: dict[str, int], cells: CellsOf | None,
                     shared: set[int] = frozenset(), names: list[str] = ()) -> bool:
    if condition.field not in matched:
        return False
    if condition.values is None:
        return True
    if cells is None:
        return False
    # the column's words as the reader reads them (已 before a word, a numbered option with its label:
    # `3稳定`, `（3）稳定`). A number alone counts only under a header no other kind of the shape reads
    # (本次随访分类, the SMI form's own): under one they share (随访分类) 1-4 are their codes too
    # (此次随访分类's 控制满意 …), and a number alone says nothing about which kind the sheet is
    # — and only when every number alone in it is one of the column's codes (a 4 is no SMI class)
    column = kind.column(condition.field)
    at = matched[condition.field]
    if at < len(names):  # codes the header lists (本次随访分类（1不稳定 … 4未访到）), as the reader reads them
        column = with_declared_codes(column, names[at])
    texts = [normalise_value_text(unicodedata.normalize("NFKC", str(value))) for value in cells(at)
             if value is not None and not (isinstance(value, float) and value != value)]
    numbers = {found.group(1) for text in texts if (found := NUMBER_ALONE.fullmatch(text))}
    by_code = at not in shared and numbers <= set(column.codes)
    lookup = Lookup(normalised_vocabulary(column.vocabulary), column.codes if by_code else {})
    for text in texts:
        canonical = lookup.find(text)
        if text in condition.values or (isinstance(canonical, str) and normalise_value_text(canonical) in condition.values):
            return True
    return False
