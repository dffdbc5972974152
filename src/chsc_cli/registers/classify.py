"""Which register kind a sheet is: chsc.yaml's `kinds:`, then the four-step rule of registers.md.

1. Between a hypertension kind and a diabetes kind, 高血压 / 糖尿病 in the sheet name, title rows or
   file name decide; a follow-up sheet with neither word is diabetes when it has a glucose column.
2. Otherwise the kind with the most distinct canonical columns present wins.
3. A tie is broken by the count of distinct kind words in the file name, sheet name and title rows.
4. A tie that remains is `ambiguous-kind`.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass

from .headers import AliasIndex
from .kinds.followups import GLUCOSE_FIELDS

DISEASE_WORDS = {"hypertension": "高血压", "diabetes": "糖尿病"}


@dataclass(frozen=True)
class Classification:
    kind: str | None  # None when the sheet matches no kind or is ambiguous
    matched: dict[str, int]  # field -> column index, for `kind`
    ambiguous: tuple[str, ...] = ()  # the kinds still tied after step 3
    forced: bool = False  # settled by chsc.yaml `kinds:`


def kind_from_settings(kinds_setting: dict[str, str], file: str, sheet: str | None) -> str | None:
    """chsc.yaml `kinds:`: a glob over the relative path (or the file name), optionally `#sheet`."""
    file_name = file.rsplit("/", 1)[-1]
    for pattern, kind in kinds_setting.items():
        path_pattern, _, sheet_pattern = pattern.partition("#")
        if not (fnmatch.fnmatchcase(file, path_pattern) or fnmatch.fnmatchcase(file_name, path_pattern)):
            continue
        if sheet_pattern and not fnmatch.fnmatchcase(sheet or "", sheet_pattern):
            continue
        return kind
    return None


def classify(
    index: AliasIndex,
    names: list[str],
    file: str,
    sheet: str | None,
    title_text: str,
    forced_kind: str | None = None,
) -> Classification:
    if forced_kind is not None:
        return Classification(forced_kind, index.match(forced_kind, names), forced=True)
    matches = {kind: index.match(kind, names) for kind in index.kinds}
    candidates = [
        kind
        for kind, matched in matches.items()
        if all(column.field in matched for column in index.kinds[kind].required)
    ]
    candidates = _disease_rule(index, candidates, matches, file, sheet, title_text)
    if not candidates:
        return Classification(None, {})
    counts = {kind: index.canonical_count(kind, matches[kind]) for kind in candidates}
    top = max(counts.values())
    candidates = [kind for kind in candidates if counts[kind] == top]
    if len(candidates) > 1:
        texts = " ".join(filter(None, (file, sheet, title_text)))
        word_counts = {kind: sum(word in texts for word in index.kinds[kind].words) for kind in candidates}
        top_words = max(word_counts.values())
        candidates = [kind for kind in candidates if word_counts[kind] == top_words]
    if len(candidates) > 1:
        return Classification(None, {}, ambiguous=tuple(candidates))
    return Classification(candidates[0], matches[candidates[0]])


def _disease_rule(
    index: AliasIndex,
    candidates: list[str],
    matches: dict[str, dict[str, int]],
    file: str,
    sheet: str | None,
    title_text: str,
) -> list[str]:
    """Step 1: keep one kind of each hypertension/diabetes pair that both match."""
    result = list(candidates)
    for hypertension_kind in [k for k in candidates if index.kinds[k].disease == "hypertension"]:
        partner = _partner(index, hypertension_kind)
        if partner not in result:
            continue
        disease = _disease_from_words(sheet, title_text, file)
        if disease is None and hypertension_kind.endswith("_followups"):
            has_glucose = any(field in matches[partner] for field in GLUCOSE_FIELDS)
            disease = "diabetes" if has_glucose else "hypertension"
        if disease is not None:
            loser = partner if disease == "hypertension" else hypertension_kind
            result.remove(loser)
    return result


def _partner(index: AliasIndex, hypertension_kind: str) -> str:
    return hypertension_kind.replace("hypertension_", "diabetes_")


def _disease_from_words(sheet: str | None, title_text: str, file: str) -> str | None:
    """The first of sheet name, title rows, file name that names exactly one of the two diseases."""
    for text in (sheet or "", title_text, file):
        found = [disease for disease, word in DISEASE_WORDS.items() if word in text]
        if len(found) == 1:
            return found[0]
    return None
