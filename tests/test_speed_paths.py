"""The reader's shortcuts for speed (issue 18) give what the plain computation gives: header search
looking only at the kinds that know a cell, the ID facts worked out in one pass, a grid's columns
factorised as they are (missing cells placed by hand), the grid filled cell by cell, white space
found with str.split."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st
from budget import examples

from chsc_cli.registers.headers import AliasIndex
from chsc_cli.registers.kinds import active_catalogue

KINDS = active_catalogue().kinds
INDEX = AliasIndex.build(KINDS, {"老人姓名": "姓名"})
KNOWN_HEADERS = sorted({name for kind in KINDS.values() for column in kind.columns for name in column.all_names()})
CELLS = st.one_of(
    st.sampled_from(KNOWN_HEADERS),
    st.sampled_from(["", "张三", "2025-03-12", "序号", "备注", "老人姓名", " 身份证号 ", "收缩压（mmHg）", "血压"]),
    st.text(max_size=4),
)


def _score_over_every_kind(index: AliasIndex, names: list[str]) -> tuple[int, int, int]:
    """AliasIndex.score as it was: every kind matched against the row."""
    best = (0, 0, 0)
    for kind in index.kinds.values():
        matched = index.match(kind.name, names)
        complete = int(all(column.field in matched for column in kind.required))
        best = max(best, (complete, index.canonical_count(kind.name, matched), len(matched)))
    return best


@settings(max_examples=examples(300), deadline=None)
@given(st.lists(CELLS, max_size=20))
def test_header_score_looks_only_at_the_kinds_that_know_a_cell(names):
    assert INDEX.score(names) == _score_over_every_kind(INDEX, names)


def test_a_kind_without_required_columns_scores_a_row_of_unknown_cells():
    """The row naming no column still scores (1, 0, 0) when some kind requires nothing."""
    kind = next(iter(KINDS.values()))
    lax = replace(kind, name="lax", columns=tuple(replace(column, required=False) for column in kind.columns))
    index = AliasIndex.build({**KINDS, "lax": lax})
    assert index.score(["张三", "x"]) == _score_over_every_kind(index, ["张三", "x"]) == (1, 0, 0)


ID_LIKE = st.one_of(
    st.from_regex(r"[0-9]{6}(18|19|20|22)[0-9]{2}(0[0-9]|1[0-3])[0-3][0-9][0-9]{3}[0-9X]", fullmatch=True),
    st.sampled_from(["110101195001010011", "11010119500230001X", "110101195002290011", "1101011950010100x1", "", "X" * 18]),
    st.none(), st.floats(allow_nan=True), st.integers(), st.text(max_size=19),
)


@settings(max_examples=examples(300), deadline=None)
@given(st.lists(ID_LIKE, max_size=30))
def test_id_facts_in_one_pass_are_the_three_vectorised_functions(values):
    import numpy as np
    import pandas as pd

    from chsc_cli.people import birth_dates_from_ids, checksums_valid, id_facts, sexes_from_ids

    objects = np.empty(len(values), dtype=object)
    objects[:] = values
    valid, births, sexes = id_facts(objects)
    series = pd.Series(objects, dtype=object)
    assert valid.tolist() == checksums_valid(series).tolist()
    assert np.array_equal(births, birth_dates_from_ids(series).to_numpy(), equal_nan=True)
    assert sexes.tolist() == sexes_from_ids(series).tolist()


@settings(max_examples=examples(300), deadline=None)
@given(st.lists(ID_LIKE, max_size=30), st.lists(ID_LIKE | st.sampled_from(["１１０１０１１９５００１０１００１１", "'110101195001010011"]), max_size=30))
def test_the_id_fast_path_and_the_id_facts_look_at_the_ids_once_and_give_what_each_gives_alone(cells, more):
    """The reader gives the ID fast path's clean IDs (people.id_shaped of the distinct cells) to
    the parse and to the ID facts of the parsed IDs: the same typed IDs, problems and facts as each
    working them out alone."""
    import numpy as np

    from chsc_cli.people import id_facts
    from chsc_cli.registers.distinct_values import _parse_uniques, clean_ids
    from chsc_cli.registers.values import PARSERS

    uniques = np.empty(len(cells) + len(more), dtype=object)
    uniques[:] = cells + more
    fast_result, shapes = clean_ids(uniques, PARSERS["id"], "id")
    alone = _parse_uniques(uniques, PARSERS["id"], "id")
    given_fast = _parse_uniques(uniques, PARSERS["id"], "id", fast_result)
    assert alone[0].tolist() == given_fast[0].tolist() and [type(v) for v in alone[0]] == [type(v) for v in given_fast[0]]
    assert alone[1].tolist() == given_fast[1].tolist() and alone[2].tolist() == given_fast[2].tolist()
    facts, known_facts = id_facts(alone[0]), id_facts(given_fast[0], shapes)
    for plain, known in zip(facts, known_facts):
        assert plain.dtype == known.dtype and np.array_equal(plain, known, equal_nan=plain.dtype.kind == "M")
    assert clean_ids(uniques, PARSERS["text"], "id") is None and clean_ids(uniques, PARSERS["id"], "text") is None


CELL_VALUES = st.one_of(
    st.none(), st.floats(allow_nan=True), st.integers(-3, 3), st.booleans(), st.text(max_size=3),
    st.dates(), st.datetimes(), st.sampled_from(["", " ", "2025-03-12", float("nan"), -0.0, 0.0]),
)


@settings(max_examples=examples(300), deadline=None)
@given(st.lists(CELL_VALUES, max_size=30), st.integers(1, 3))
def test_factorising_a_grid_column_is_factorising_it_as_a_series(values, width):
    """distinct_values.factorize takes a grid's strided column as it is: the same positions and distinct
    values (same types, in the same order) as pandas gives for the column as a Series."""
    import numpy as np
    import pandas as pd

    from chsc_cli.registers.distinct_values import factorize

    grid = np.empty((len(values), width), dtype=object)
    for column in range(width):
        grid[:, column] = values
    positions, uniques = factorize(grid[:, width - 1])
    series_positions, series_uniques = pd.factorize(pd.Series(values, dtype=object), use_na_sentinel=False)
    assert positions.tolist() == series_positions.tolist()
    expected = list(np.asarray(series_uniques, dtype=object))
    assert [(type(value), repr(value)) for value in uniques] == [(type(value), repr(value)) for value in expected]


@settings(max_examples=examples(500), deadline=None)
@given(st.text(alphabet=st.sampled_from(["a", "张", "\0", " ", "\u3000", "\x1c", "\t", "\u00a0", "\u200b", "\n"]), max_size=6))
def test_white_space_is_found_as_the_regex_finds_it(text):
    import re

    from chsc_cli.registers.distinct_values import _has_space

    assert _has_space(text) == (re.search(r"\s", text) is not None)


@settings(max_examples=examples(200), deadline=None)
@given(st.lists(st.lists(CELL_VALUES, max_size=4), max_size=8))
def test_the_grid_holds_every_cell_where_it_was(rows):
    """table._grid: row r, column c is the sheet's cell (short rows padded with empty cells)."""
    from chsc_cli.registers.table import _grid

    grid = _grid(rows)
    width = max(map(len, rows), default=0)
    assert grid.shape == (len(rows), width) and grid.dtype == object
    for r, row in enumerate(rows):
        for c in range(width):
            expected = row[c] if c < len(row) else ""
            assert grid[r, c] is expected or (grid[r, c] == expected and type(grid[r, c]) is type(expected))


TOTAL_CELLS = st.one_of(CELL_VALUES, st.sampled_from(["合计", "总计：", " 小 计", "合计x", "", None]))


@settings(max_examples=examples(300), deadline=None)
@given(st.lists(st.lists(TOTAL_CELLS, min_size=3, max_size=3), min_size=1, max_size=12), st.sets(st.integers(0, 2)))
def test_total_rows_from_factorised_columns_are_those_of_the_grid(rows, factorised):
    """skipped_rows.total_rows judges a factorised column on its distinct values: the same rows as cell by cell."""
    from chsc_cli.registers.skipped_rows import total_rows
    from chsc_cli.registers.table import _grid
    from chsc_cli.registers.distinct_values import factorize

    grid = _grid(rows)
    columns = {index: factorize(grid[:, index]) for index in factorised}
    assert total_rows(grid, columns).tolist() == total_rows(grid).tolist()
