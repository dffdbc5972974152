"""The register kinds in force for this process: the shipped kind files, or those plus a centre's.

`KINDS` and `VALUE_SETS` are read-only mappings over the active catalogue, loaded from the files once
per process on first use. `use_register_kinds(folders)` (the `--register-kinds` option) loads the
shipped kinds plus the centre's folders and makes them the active ones.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path

from .catalogue import Catalogue, load_catalogue
from .columns import LookupTable, RegisterKind

_active: list[Catalogue] = []


def active_catalogue() -> Catalogue:
    """The catalogue in force (the shipped kinds unless use_register_kinds said otherwise)."""
    if not _active:
        _active.append(load_catalogue())
    return _active[0]


def use_register_kinds(folders: list[Path] | tuple[Path, ...] = ()) -> Catalogue:
    """Load the shipped kinds plus `folders` and make them the active ones (bad files: UserError)."""
    catalogue = load_catalogue(tuple(folders)) if folders else _shipped()
    use_catalogue(catalogue)
    return catalogue


def use_catalogue(catalogue: Catalogue) -> None:
    _active[:] = [catalogue]


def _shipped() -> Catalogue:
    if _active and not _active[0].folders[1:]:
        return _active[0]
    return load_catalogue()


class _ActiveMapping(Mapping):
    def __init__(self, part: str):
        self._part = part

    def _mapping(self) -> Mapping:
        return getattr(active_catalogue(), self._part)

    def __getitem__(self, name: str):
        return self._mapping()[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._mapping())

    def __len__(self) -> int:
        return len(self._mapping())

    def __repr__(self) -> str:
        return f"{self._part}({', '.join(self._mapping())})"


#: kind name -> RegisterKind, in the kinds' `order`.
KINDS: Mapping[str, RegisterKind] = _ActiveMapping("kinds")
#: value-set name -> words (a tuple) or canonical value -> synonyms (e.g. VALUE_SETS["face_to_face_modes"]).
VALUE_SETS: Mapping[str, tuple[str, ...] | dict[str, tuple[str, ...]]] = _ActiveMapping("value_sets")
#: lookup-table name -> LookupTable (vaccine names -> series).
LOOKUPS: Mapping[str, LookupTable] = _ActiveMapping("lookups")

__all__ = ["KINDS", "LOOKUPS", "VALUE_SETS", "active_catalogue", "use_catalogue", "use_register_kinds"]
