"""The engine's shortcuts for speed (issue 18) give what the plain pandas computation gives: visits
counted per person from distinct (person, day or quarter) pairs, event rows' births and ages spread
from their persons, plain comparisons combined in numpy."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
from budget import examples
from hypothesis import given, settings
from hypothesis import strategies as st

from chsc_cli.engine.conditions import PERSON, _quarter_number, _visits_per_person
from chsc_cli.engine.event_rows import _births_and_ages
from chsc_cli.engine.engine_input import EngineData, ages
from chsc_cli.engine.evaluation import Context, _compare, blanks
from chsc_cli.engine.expressions import Comparison, Operand

DAYS = st.one_of(st.none(), st.sampled_from(["2024-02-29", "2025-01-01", "2025-03-31", "2025-04-01", "2025-12-31", "2025-12-31 23:00"]))


def _dates(values) -> pd.Series:
    return pd.to_datetime(pd.Series(values, dtype=object), format="ISO8601").astype("datetime64[ns]")


@settings(max_examples=examples(60), deadline=None)
@given(st.lists(st.tuples(st.integers(0, 4), DAYS), max_size=20), st.booleans())
def test_visits_per_person_are_the_distinct_days_or_quarters(visits, per_quarter):
    eligible = pd.DataFrame({PERSON: np.array([p for p, _ in visits], dtype=np.intp), "date": _dates([d for _, d in visits])})
    days = eligible.assign(date=eligible["date"].dt.normalize())  # a time of day counts as its day
    expected_visits = days[[PERSON, "date"]].drop_duplicates()
    if per_quarter:
        expected_visits = expected_visits.assign(_quarter=_quarter_number(expected_visits["date"]))
        expected_visits = expected_visits.drop_duplicates([PERSON, "_quarter"])
    expected = np.bincount(expected_visits[PERSON].to_numpy(), minlength=5)
    assert _visits_per_person(eligible, "date", per_quarter, 5).tolist() == expected.tolist()


@settings(max_examples=examples(60), deadline=None)
@given(st.lists(DAYS, min_size=1, max_size=5), st.lists(st.tuples(st.integers(0, 4), DAYS), max_size=12))
def test_event_rows_births_and_ages_are_those_of_the_merged_births(person_births, rows):
    persons = pd.DataFrame({"birth": _dates(person_births)}, index=pd.Index([f"p{i}" for i in range(len(person_births))], dtype=object))
    of_rows = np.array([p % len(person_births) for p, _ in rows], dtype=np.intp)
    table = pd.DataFrame({"birth": _dates([d for _, d in rows])}, index=pd.Index(np.arange(len(rows)) * 3))
    reference = dt.date(2025, 12, 31)
    expected = pd.Series(persons["birth"].to_numpy()[of_rows], index=table.index)
    expected = expected.where(expected.notna(), table["birth"])
    birth, age = _births_and_ages(persons, of_rows, table, EngineData(read=None), reference)
    pd.testing.assert_series_equal(birth, expected)
    np.testing.assert_array_equal(age, ages(expected, reference))


COLUMNS = {
    "date": st.lists(DAYS, min_size=6, max_size=6).map(_dates),
    "number": st.lists(st.sampled_from([1.0, 2.5, np.nan]), min_size=6, max_size=6).map(lambda v: pd.Series(v, dtype=float)),
    "text": st.lists(st.sampled_from(["是", "否", None]), min_size=6, max_size=6).map(lambda v: pd.Series(v, dtype=object)),
    "flag": st.lists(st.sampled_from([True, False, None]), min_size=6, max_size=6).map(lambda v: pd.Series(v, dtype="boolean")),
}
LITERALS = {"date": np.datetime64("2025-03-31", "ns"), "number": 2.0, "text": "是", "flag": True}


@settings(max_examples=examples(60), deadline=None)
@given(st.fixed_dictionaries(COLUMNS), st.sampled_from(sorted(COLUMNS)), st.sampled_from(["==", "!=", "<", "<=", ">", ">="]), st.booleans())
def test_plain_comparisons_are_the_pandas_ones(columns, field, op, with_field):
    if field in ("text", "flag") and op not in ("==", "!="):
        op = "=="
    frame = pd.DataFrame(columns, index=pd.Index([5, 3, 9, 1, 0, 7]))
    frame["other"] = pd.Series(frame[field].array[::-1], index=frame.index)  # same dtype, other rows
    operand = Operand("field", "other") if with_field else Operand("literal", LITERALS[field])
    node = Comparison(left=Operand("field", field), op=op, operand=operand, text="", mode="plain")
    column = frame[field]
    value = frame["other"] if with_field else LITERALS[field]
    compared = getattr(column, {"==": "__eq__", "!=": "__ne__", "<": "__lt__", "<=": "__le__", ">": "__gt__", ">=": "__ge__"}[op])(value)
    present = column.notna()
    if with_field:
        present &= value.notna()
    expected = (pd.Series(compared).fillna(False).astype(bool) & present).to_numpy(dtype=bool)
    got = _compare(node, frame, Context(dt.date(2025, 1, 1), dt.date(2025, 12, 31), {}))
    assert got.tolist() == expected.tolist()


@settings(max_examples=examples(30), deadline=None)
@given(COLUMNS["date"], st.sampled_from(["==", "!=", "<", "<=", ">", ">="]))
def test_a_date_compared_with_a_blank_date_is_what_pandas_says(dates, op):
    """numpy's datetime64 comparison (evaluation._dates_compared) against NaT: pandas' result."""
    frame = pd.DataFrame({"date": dates})
    blank = np.datetime64("NaT", "ns")
    node = Comparison(left=Operand("field", "date"), op=op, operand=Operand("literal", blank), text="", mode="plain")
    compared = getattr(frame["date"], {"==": "__eq__", "!=": "__ne__", "<": "__lt__", "<=": "__le__", ">": "__gt__", ">=": "__ge__"}[op])(blank)
    expected = (compared & frame["date"].notna()).to_numpy(dtype=bool)
    assert _compare(node, frame, Context(dt.date(2025, 1, 1), dt.date(2025, 12, 31), {})).tolist() == expected.tolist()


@settings(max_examples=examples(30), deadline=None)
@given(st.fixed_dictionaries(COLUMNS), st.sampled_from(sorted(COLUMNS)))
def test_blanks_are_the_series_isna(columns, field):
    frame = pd.DataFrame(columns)
    assert blanks(frame[field]).tolist() == frame[field].isna().to_numpy(dtype=bool).tolist()
    assert blanks(frame[field]).dtype == bool


# ---------------------------------------------------------------- event rows: the columns a step reads

from types import SimpleNamespace  # noqa: E402

from chsc_cli.engine.engine_input import first_birthdays  # noqa: E402
from chsc_cli.engine.event_rows import _ROW_FIELDS, EventRows, event_rows  # noqa: E402

KEYS = ["k0", "k1", "k2", "k3"]


def _whole_event_rows(condition, persons: pd.DataFrame, table: pd.DataFrame, reference, borrowed) -> pd.DataFrame:
    """The event rows as the engine built them before EventRows: every column of the rows taken, the
    person fields assigned, then the first-birthday window applied."""
    dates = table[condition.date]
    start, day_after = np.datetime64("2025-01-01", "ns"), np.datetime64("2026-01-01", "ns")  # the whole last day
    by_date = {"period": lambda: (dates >= start) & (dates < day_after), "all": dates.notna, "through_period_end": lambda: dates < day_after}
    window = by_date.get(condition.within)
    candidates = np.flatnonzero(window().to_numpy(dtype=bool)) if window is not None else np.arange(len(table))
    positions = persons.index.get_indexer(pd.Index(table["_key"].to_numpy()[candidates], dtype=object))
    rows = table.iloc[candidates[positions >= 0]]
    of_rows = positions[positions >= 0]
    birth = pd.Series(persons["birth"].to_numpy()[of_rows], index=rows.index)
    birth = birth.where(birth.notna(), rows["birth"])
    on = birth if condition.date == "birth" else rows[condition.date]
    rows = rows.assign(
        birth=birth, **{PERSON: of_rows}, age=ages(birth, reference), first_birthday=persons["first_birthday"].to_numpy()[of_rows],
        days_after_birth=(on - birth).dt.days, **{field: persons[field].to_numpy()[of_rows] for field in borrowed},
    )
    if condition.within == "before_first_birthday":
        rows = rows.loc[(rows[condition.date] < rows["first_birthday"]).to_numpy(dtype=bool)]
    return rows


@settings(max_examples=examples(60), deadline=None)
@given(
    st.lists(st.tuples(st.sampled_from(KEYS), DAYS, DAYS, st.sampled_from(["是", "否", None])), max_size=12),
    st.lists(st.tuples(DAYS, st.sampled_from(["甲", None])), min_size=4, max_size=4),
    st.sets(st.sampled_from(KEYS)),
    st.sampled_from(["period", "all", "through_period_end", "before_first_birthday"]),
    st.sampled_from(["visit_date", "birth"]),
    st.sets(st.sampled_from(["visit_date", "note", "birth", "first_birthday", "_present", "station", *_ROW_FIELDS])),
)
def test_event_rows_with_some_columns_are_those_columns_of_every_column(rows, people, chosen, within, date, columns):
    table = pd.DataFrame({
        "_key": pd.Series([key for key, *_ in rows], dtype=object),
        "visit_date": _dates([day for _, day, _, _ in rows]),
        "note": pd.Series([note for *_, note in rows], dtype=object),
        "birth": _dates([birth for _, _, birth, _ in rows]),
        "_present": pd.Series(["visit_date,note"] * len(rows), dtype=object),
    })
    table["first_birthday"] = first_birthdays(table["birth"])
    keys = [key for key in KEYS if key in chosen]
    persons = pd.DataFrame(
        {"birth": _dates([people[KEYS.index(key)][0] for key in keys]),
         "station": pd.Series([people[KEYS.index(key)][1] for key in keys], dtype=object)},
        index=pd.Index(keys, dtype=object),
    )
    persons["first_birthday"] = first_birthdays(persons["birth"])
    data = EngineData(read=None, tables={"visits": table})
    condition = SimpleNamespace(register="visits", date=date, within=within)
    period = SimpleNamespace(start=dt.date(2025, 1, 1), end=dt.date(2025, 12, 31))
    reference = dt.date(2025, 12, 31)
    found = event_rows(condition, persons, data, period, reference, ("station",))
    whole = _whole_event_rows(condition, persons, table, reference, ("station",))
    pd.testing.assert_frame_equal(found.frame(), whole, check_exact=True)
    some = found.frame(columns)
    pd.testing.assert_frame_equal(some, whole[[c for c in whole.columns if c in columns]], check_exact=True)
    assert found.person.tolist() == whole[PERSON].tolist()


# ---------------------------------------------------------------- matching keys by their numbers

from chsc_cli.engine.conditions import _holders  # noqa: E402
from chsc_cli.engine.engine_input import Members  # noqa: E402

NAMES = st.sampled_from(["110101199001011234", "11010119900101123X", "a", "b", "c"])


@settings(max_examples=examples(60), deadline=None)
@given(st.lists(NAMES, max_size=10), st.lists(st.booleans(), min_size=10, max_size=10), st.lists(NAMES, unique=True, max_size=5))
def test_persons_holding_a_passing_row_are_found_by_key_numbers(row_keys, passing, person_keys):
    """conditions._check: a person passes when one of the population's rows with their key passes."""
    rows = pd.Series(row_keys, dtype=object)
    passing = np.array(passing[: len(row_keys)], dtype=bool)
    persons = pd.DataFrame(index=pd.Index(person_keys, dtype=object))
    codes, keys = pd.factorize(rows)
    found = _holders((codes, pd.Index(keys, dtype=object)), passing, persons)
    expected = persons.index.isin(rows[passing].unique())
    assert found.tolist() == expected.tolist() and found.index.equals(persons.index)


@settings(max_examples=examples(60), deadline=None)
@given(st.lists(NAMES, max_size=8), st.lists(NAMES, unique=True, max_size=5))
def test_population_members_are_found_among_a_frames_keys(frame_keys, member_keys):
    """in_population: a frame of distinct keys looks the members up among its keys, any other frame
    its keys up among the members; both are `isin`."""
    frame = pd.DataFrame({"_key": pd.Series(frame_keys, dtype=object)})
    members = Members(pd.Index(member_keys, dtype=object), EngineData(read=None))
    assert members.holds(frame).tolist() == frame["_key"].isin(members.keys).tolist()
    assert members.holds(frame).tolist() == frame["_key"].isin(members.keys).tolist()  # the index remembered


@settings(max_examples=examples(60), deadline=None)
@given(st.lists(st.one_of(NAMES, st.sampled_from([None, np.nan, pd.NA, pd.NaT, ""])), max_size=10))
def test_a_tables_keys_numbered_as_it_is_keyed_are_its_rows_with_a_key(ids):
    """EngineData._keyed: the key column numbered once gives the rows with a key (notna) and the
    keyed table's numbers (key_codes), as numbering the keyed table's keys would."""
    from chsc_cli.registers import KINDS

    key_field = KINDS["residents"].key_field
    table = pd.DataFrame({key_field: pd.Series(ids, dtype=object), "birth": _dates([None] * len(ids))})
    read = SimpleNamespace(tables={"residents": table}, column=lambda kind, field: table[field])
    data = EngineData(read=read)
    keyed = data.table("residents")
    assert keyed[key_field].tolist() == table.loc[table[key_field].notna(), key_field].tolist()
    codes, keys = data.key_codes(keyed)
    expected_codes, expected_keys = pd.factorize(keyed["_key"])
    assert codes.tolist() == expected_codes.tolist() and keys.tolist() == list(expected_keys)


from chsc_cli.engine.engine_input import in_window  # noqa: E402


@settings(max_examples=examples(40), deadline=None)
@given(st.lists(DAYS, max_size=8), st.sampled_from(["period", "through_period_end"]), st.booleans())
def test_a_date_window_is_the_pandas_comparison(days, window, as_objects):
    """in_window (numpy for a datetime64 column, pandas for any other) against pandas' own steps:
    the days from start to end, a date-time later on the end day included (2025-12-31 23:00)."""
    dates = _dates(days)
    if as_objects:  # a column the reader left as Python objects: pandas compares it
        dates = dates.astype(object)
    start, end = np.datetime64("2025-01-01", "ns"), np.datetime64("2025-12-31", "ns")
    day_after = pd.Timestamp("2026-01-01")
    if window == "period":
        expected = ((dates >= start) & (dates < day_after)).to_numpy(dtype=bool)
        got = in_window(dates, start, end)
    else:
        expected = (dates < day_after).to_numpy(dtype=bool)
        got = in_window(dates, None, end)
    assert got.tolist() == expected.tolist()


@settings(max_examples=examples(40), deadline=None)
@given(st.lists(st.booleans(), min_size=1, max_size=6).flatmap(
    lambda held: st.tuples(st.just(held), st.permutations(range(len(held))), st.integers(0, len(held)), st.lists(st.booleans(), min_size=len(held), max_size=len(held)))
))
def test_an_outcome_on_other_labels_is_combined_as_series_and_in_place(case):
    """The numerator's booleans (compute._on_rows_of) are what `Series &=` leaves on the frame's
    labels in its order, also for an outcome whose labels stand in another order or are fewer."""
    from chsc_cli.engine.indicator_run import _on_rows_of

    held, order, dropped, eligible = case
    frame = pd.DataFrame({"x": range(len(held))}, index=pd.Index([f"p{9 - i}" for i in range(len(held))]))  # (not sorted)
    passed = pd.Series(held, index=frame.index, dtype=bool).iloc[list(order)].iloc[dropped:]
    expected = pd.Series(eligible, index=frame.index, dtype=bool)
    expected &= passed
    got = np.array(eligible, dtype=bool) & _on_rows_of(passed, frame)
    assert got.tolist() == expected.tolist()
