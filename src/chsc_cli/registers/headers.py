"""Finding the header row of a sheet and matching its cells to a kind's canonical columns.

The header row is searched in the first 20 rows. A two-row header (a group cell such as
`血压(mmHg)` above leaf cells `收缩压`, `舒张压`) is recognised from the cell values alone: each
column takes its leaf cell, or the cell above when the leaf is empty (a cell merged down over both
rows is a leaf). The header row reported is the leaf row.
"""

from __future__ import annotations

import re
import unicodedata
import dataclasses
from dataclasses import dataclass

from .columns import RegisterKind, normalise_header

HEADER_SEARCH_ROWS = 20


#: Priorities of a header: the canonical name (and chsc.yaml's `columns:` names for it), then the
#: aliases, then `low_priority_aliases` (which also fill rows the chosen column leaves without a
#: reading), then `aliases_when_absent` (which never do). Of two columns of one priority the first
#: (left) is read; the other fills the rows it leaves blank (`alternates`).
CANONICAL, TOP, LOW, WHEN_ABSENT = 0, 1, 2, 3


@dataclass(frozen=True)
class AliasIndex:
    """normalised header -> (field, priority) for each kind; a lower priority number wins."""

    by_kind: dict[str, dict[str, tuple[str, int]]]
    kinds: dict[str, RegisterKind]
    #: normalised header -> the kinds that know it (header search looks only at those kinds).
    kinds_of: dict[str, tuple[str, ...]] = dataclasses.field(default_factory=dict)
    #: The score of a row that names no kind's column: 1 only if a kind has no required column.
    unmatched: tuple[int, int, int] = (0, 0, 0)

    @classmethod
    def build(cls, kinds: dict[str, RegisterKind], extra_aliases: dict[str, str] | None = None) -> "AliasIndex":
        """`extra_aliases` is chsc.yaml's `columns:` (alias -> canonical Chinese name)."""
        by_kind: dict[str, dict[str, tuple[str, int]]] = {}
        for kind in kinds.values():
            table: dict[str, tuple[str, int]] = {}
            for column in kind.columns:
                table.setdefault(normalise_header(column.header), (column.field, CANONICAL))
                for name in column.all_names():
                    table.setdefault(normalise_header(name), (column.field, TOP))
                for name in column.low_priority_aliases:
                    table.setdefault(normalise_header(name), (column.field, LOW))
                for name in column.aliases_when_absent:
                    table.setdefault(normalise_header(name), (column.field, WHEN_ABSENT))
                for alias, canonical in (extra_aliases or {}).items():
                    if normalise_header(canonical) == normalise_header(column.header):
                        table[normalise_header(alias)] = (column.field, CANONICAL)
            by_kind[kind.name] = table
        kinds_of: dict[str, list[str]] = {}
        for kind_name, table in by_kind.items():
            for key in table:
                kinds_of.setdefault(key, []).append(kind_name)
        unmatched = max(((int(not kind.required), 0, 0) for kind in kinds.values()), default=(0, 0, 0))
        return cls(by_kind, kinds, {key: tuple(names) for key, names in kinds_of.items()}, unmatched)

    def match(self, kind_name: str, names: list[str]) -> dict[str, int]:
        """field -> column index for one kind; the first column of the best priority wins."""
        return self._match(kind_name, [normalise_header(name) for name in names])

    def _match(self, kind_name: str, keys: list[str]) -> dict[str, int]:
        """match() on headers already normalised."""
        table = self.by_kind[kind_name]
        chosen: dict[str, tuple[int, int]] = {}
        for index, key in enumerate(keys):
            hit = table.get(key)
            if hit is None:
                continue
            field, priority = hit
            if field not in chosen or priority < chosen[field][1]:
                chosen[field] = (index, priority)
        return {field: index for field, (index, _) in chosen.items()}

    def fallbacks(self, kind_name: str, names: list[str], matched: dict[str, int]) -> dict[str, int]:
        """field -> a lower-priority column beside a chosen top-priority one (收缩压L beside 收缩压R).

        It fills the rows where the chosen columns hold no reading (see table.py)."""
        table = self.by_kind[kind_name]
        found: dict[str, int] = {}
        for index, name in enumerate(names):
            hit = table.get(normalise_header(name))
            if hit is None or hit[1] != LOW or hit[0] not in matched or matched[hit[0]] == index:
                continue
            if table[normalise_header(names[matched[hit[0]]])][1] <= TOP:
                found.setdefault(hit[0], index)
        return found

    def visible_first(self, kind_name: str, names: list[str], matched: dict[str, int], hidden: frozenset[int]) -> dict[str, int]:
        """A field read from a hidden column (an old copy: a corrected 身份证号 beside the old one, or
        an old 纳入管理日期 hidden beside a visible 建卡日期) is read from a visible column of it: the
        same header first, else the best of its canonical name and aliases, left first."""
        table = self.by_kind[kind_name]
        keys = [normalise_header(name) for name in names]
        out = dict(matched)
        for field, index in matched.items():
            if index not in hidden:
                continue
            visible = [
                (keys[j] != keys[index], table[keys[j]][1], j)
                for j in range(len(keys))
                if j not in hidden and keys[j] in table and table[keys[j]][0] == field
                and (keys[j] == keys[index] or table[keys[j]][1] <= TOP)
            ]
            if visible:
                out[field] = min(visible)[2]
        return out

    def alternates(
        self, kind_name: str, names: list[str], matched: dict[str, int], hidden: frozenset[int] = frozenset()
    ) -> dict[str, list[int]]:
        """field -> the other columns of the canonical name or an alias beside the one read (死亡日期
        beside 迁出日期, both 注销日期; a header written twice), left to right: each fills the rows the
        columns before it leave blank. Not for required fields (the column read decides whether a
        row is kept), nor for the columns of a `low_priority_aliases` group or a split column (which
        fill as a group: one arm per row), nor hidden columns (an old copy)."""
        table, kind = self.by_kind[kind_name], self.kinds[kind_name]
        grouped = {c.field for c in kind.columns if c.required or c.low_priority_aliases or c.fills}
        grouped |= {field for c in kind.split_columns for field in c.fills}
        found: dict[str, list[int]] = {}
        for index, name in enumerate(names):
            hit = table.get(normalise_header(name))
            if hit is None or hit[1] > TOP or hit[0] not in matched or hit[0] in grouped:
                continue
            if index != matched[hit[0]] and index not in hidden:
                found.setdefault(hit[0], []).append(index)
        return found

    def canonical_count(self, kind_name: str, matched: dict[str, int]) -> int:
        """Distinct canonical columns found; one 血压 column counts as both 收缩压 and 舒张压."""
        fields = set(matched)
        for column in self.kinds[kind_name].split_columns:
            if column.field in fields:
                fields.discard(column.field)
                fields |= set(column.fills)
        return len(fields)

    def score(self, names: list[str]) -> tuple[int, int, int]:
        """For header search: (1 if some kind has all its required columns, its canonical count,
        its matched cells). The last part prefers 收缩压 + 舒张压 leaves over their 血压 group cell."""
        keys = [normalise_header(name) for name in names]  # once, not once per kind
        best = self.unmatched  # what every kind that knows none of the cells scores
        hit = {kind_name for key in keys for kind_name in self.kinds_of.get(key, ())}
        for kind in (self.kinds[kind_name] for kind_name in hit):  # a data row names none, usually
            matched = self._match(kind.name, keys)
            complete = int(all(column.field in matched for column in kind.required))
            best = max(best, (complete, self.canonical_count(kind.name, matched), len(matched)))
        return best


@dataclass(frozen=True)
class Header:
    row_index: int  # 0-based index of the (leaf) header row in the grid
    names: list[str]  # header text as written, one per column ('' when none)
    title_text: str  # the text of the rows above the header (titles, notes)


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


_BRACKETED = re.compile(r"\(.*\)")
_BARE_UNIT = re.compile(r"mmhg|mmol/l|μmol/l|umol/l|g/l|%|kg|kg/m2|cm|次/分|次/分钟|分|岁", re.IGNORECASE)


def _is_unit(text: str) -> bool:
    """A header cell that is only a unit: `（mmol/L）`, `mmHg`, `%`."""
    compact = "".join(unicodedata.normalize("NFKC", text).split())
    return bool(compact) and (_BRACKETED.fullmatch(compact) is not None or _BARE_UNIT.fullmatch(compact) is not None)


def _combine(upper: list[str], leaves: list[str]) -> list[str]:
    """A two-row header's names: the leaf, else the cell above. A leaf that is only a unit
    (`（mmol/L）` or `分` under a name) belongs to the cell above instead of replacing it."""
    combined = []
    for i, leaf in enumerate(leaves):
        above = upper[i] if i < len(upper) else ""
        compact = "".join(unicodedata.normalize("NFKC", leaf).split())
        if above and _BRACKETED.fullmatch(compact):
            leaf = above + leaf
        elif above and _BARE_UNIT.fullmatch(compact):
            leaf = above
        combined.append(leaf or above)
    return combined


def _units_only(names: list[str]) -> bool:
    """A row of units under the names (`mmHg`, `（mmol/L）`, `%`, the other cells empty): part of the
    header, never data, even when it adds no name."""
    filled = [name for name in names if name]
    return bool(filled) and all(_is_unit(name) for name in filled)


def find_header(rows: list[list[object]], index: AliasIndex) -> Header | None:
    """The best header row among the first 20 rows, or None when no row names a known column."""
    best: tuple[tuple[int, int, int], int, list[str], int] | None = None  # (score, row, names, first title-free row)
    previous: list[str] | None = None
    for row_index, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        names = [_cell_text(value) for value in row]
        candidates = [(names, row_index)]
        if previous is not None:
            candidates.append((_combine(previous, names), row_index - 1))
        for candidate_names, top_row in candidates:
            score = index.score(candidate_names)
            if score[1] > 0 and (best is None or score > best[0]):
                best = (score, row_index, candidate_names, top_row)
        if best is not None and best[1] == row_index - 1 and _units_only(names):
            # a row of units right under the header (under a two-row header too): part of it, never data
            best = (best[0], row_index, best[2], best[3])
        previous = names
    if best is None:
        return None
    _, row_index, names, top_row = best
    title_text = " ".join(_cell_text(v) for row in rows[:top_row] for v in row if _cell_text(v))
    return Header(row_index, names, title_text)
