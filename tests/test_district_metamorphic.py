"""A district total never loses a centre (issue 19), as a metamorphic property over generated
districts: 2–5 centre folders copied from centres the sample generator made with different seeds and
settings, some with the same `centre:` name, some missing registers or official figures (so that
some indicators are not computable in some centres), sometimes an empty folder too.

For every indicator and period form, the district total equals the sums of the numerators and the
denominators of the centres computed alone — or is not computable exactly when one centre's figure
is — and there is one row per centre folder with that centre's own figures. The same holds through
`compute --format json`, csv, xlsx and the district report."""

from __future__ import annotations

import csv
import importlib.util
import json
import re
import shutil
import sys
import tempfile
from pathlib import Path

import pytest
from cli_helpers import in_process
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from chsc_cli.cli.district import compute_district
from chsc_cli.config import find_config, load_config
from chsc_cli.engine import compute_indicators, load_library
from chsc_cli.periods import parse_period
from chsc_cli.registers import ParseCache, read_folder

ROOT = Path(__file__).resolve().parents[1]
PERIODS = ("2025", "2025H1", "2025Q3", "2025-06", "2025-01..2025-06", "2025-03-01..2025-09-30")
OUTPUTS = ("json", "csv", "xlsx", "report")
NAMES = ("临城街道社区卫生服务中心", "东湖街道社区卫生服务中心", None)  # None: no centre: line (named after the folder)
#: What a centre may lack: its whole chsc.yaml, its official figures, or a folder of registers.
REMOVALS = ("chsc.yaml", "population", "预防接种", "老年人体检", "慢病")
#: Generated centres the districts are drawn from: different seeds, sizes, stations, mess and births.
SOURCES = (  # each station large enough for the generator's rounded official figures to be positive
    {"residents": 400, "seed": 101, "mess": True, "stations": ("城东站", "城西站")},
    {"residents": 300, "seed": 202, "mess": False, "stations": ("一站",)},
    {"residents": 500, "seed": 303, "mess": True, "births_per_1000": 25, "stations": ("东站", "西站")},
)
#: Few examples, no shrinking: each builds a district and runs two or three periods and two outputs, and
#: `make test` stays short (the CI profile's 60 give 3; HYPOTHESIS_PROFILE=thorough gives 100).
EXAMPLES = max(3, settings.default.max_examples // 20)
PHASES = [Phase.explicit, Phase.reuse, Phase.generate]


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> list[Path]:
    spec = importlib.util.spec_from_file_location("chsc_sample_generate_district", ROOT / "sample_data" / "generate.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is built
    dont_write, sys.dont_write_bytecode = sys.dont_write_bytecode, True
    try:
        spec.loader.exec_module(module)
    finally:
        sys.dont_write_bytecode = dont_write
    base = tmp_path_factory.mktemp("generated")
    folders = []
    for number, arguments in enumerate(SOURCES):
        folder = base / f"source{number}"
        module.generate_centre(folder, **arguments)
        folders.append(folder)
    sys.modules.pop(spec.name, None)
    return folders


centre_plans = st.fixed_dictionaries({
    "source": st.integers(0, len(SOURCES) - 1),
    "name": st.sampled_from(NAMES),
    "remove": st.sets(st.sampled_from(REMOVALS), max_size=2),
})


def _make_centre(source: Path, folder: Path, name: str | None, remove: set[str]) -> None:
    shutil.copytree(source, folder)
    config = folder / "chsc.yaml"
    text = config.read_text(encoding="utf-8")
    text = re.sub(r"^centre: .*$", f"centre: {name}" if name else "", text, count=1, flags=re.M)
    if "population" in remove:
        text = re.sub(r"^population:\n(?:  .*\n)*", "", text, count=1, flags=re.M)
    config.write_text(text, encoding="utf-8")
    for part in remove - {"population"}:
        target = folder / part
        target.unlink() if target.is_file() else shutil.rmtree(target)


@pytest.fixture(scope="module")
def computed_alone(generated, tmp_path_factory):
    """(source, what was removed) -> the figures of such a centre computed on its own, in a folder
    of its own: the name and the folder do not change the figures, so a centre drawn again with the
    same source and removals is not computed again (it keeps the test short)."""
    figures: dict[tuple, dict] = {}
    base = tmp_path_factory.mktemp("alone")

    def alone(source: int, remove: set[str]) -> dict[str, dict[str, tuple]]:
        key = (source, frozenset(remove))
        if key not in figures:
            folder = base / f"{len(figures)}"
            _make_centre(generated[source], folder, None, remove)
            figures[key] = _alone(folder, load_library(), ParseCache())
        return figures[key]

    return alone


class _ByPeriod(dict):
    """period -> figures, each period computed when first asked for (an example checks a few)."""

    def __init__(self, compute):
        super().__init__()
        self.compute = compute

    def __missing__(self, label: str):
        self[label] = figures = self.compute(label)
        return figures


def _alone(folder: Path, library, cache) -> dict[str, dict[str, tuple]]:
    """period -> indicator id -> (numerator, denominator, not computable) of the centre on its own."""
    loaded = load_config(find_config(folder, None))
    read = read_folder(folder, loaded.settings, cache=cache)

    def figures(label: str) -> dict[str, tuple]:
        computed = compute_indicators(read, parse_period(label), loaded.settings, library, reasons=False)
        return {r.id: (r.numerator, r.denominator, r.reason is not None) for r in computed.indicators if r.group is None}

    return _ByPeriod(figures)


def _expected_total(centres: list[tuple]) -> tuple:
    if any(not_computable for _, _, not_computable in centres):
        return (None, None, True)
    denominators = [denominator for _, denominator, _ in centres]
    return (sum(n for n, _, _ in centres), None if None in denominators else sum(denominators), False)


def _labels(names: dict[str, str]) -> dict[str, str]:
    """What a table shows per centre folder: the name, and the folder after it when the name repeats."""
    values = list(names.values())
    return {folder: name if values.count(name) == 1 else f"{name}（{folder}）" for folder, name in names.items()}


def _number(text) -> int | None:
    text = str(text).replace(",", "")
    return None if text in ("", "None", "—") else int(float(text))  # — : no denominator (a count)


def _check_rows(rows: list[tuple], expected: dict, labels: dict[str, str], where: str) -> None:
    """rows: (indicator id, group label or None for the total, numerator, denominator)."""
    seen = {}
    for indicator_id, label, numerator, denominator in rows:
        assert (indicator_id, label) not in seen, f"{where}: two rows for {indicator_id} {label}"
        seen[(indicator_id, label)] = (numerator, denominator)
    for indicator_id, per_folder in expected.items():
        total = _expected_total(list(per_folder.values()))
        assert seen.pop((indicator_id, None)) == total[:2], f"{where}: total of {indicator_id}"
        for folder, figures in per_folder.items():
            assert seen.pop((indicator_id, labels[folder])) == figures[:2], f"{where}: {indicator_id} of {folder}"
    assert not seen, f"{where}: rows of no centre folder: {sorted(seen)}"


@given(plans=st.lists(centre_plans, min_size=2, max_size=5), empty=st.booleans(), shown=st.sampled_from(PERIODS),
       more=st.lists(st.sampled_from(PERIODS), min_size=1, max_size=2, unique=True),
       outputs=st.lists(st.sampled_from(OUTPUTS), min_size=2, max_size=2, unique=True))
@settings(max_examples=EXAMPLES, deadline=None, phases=PHASES,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture, HealthCheck.data_too_large])
def test_a_district_total_is_the_sum_of_its_centres_computed_alone(generated, computed_alone, plans, empty, shown, more,
                                                                   outputs):
    """The totals of `shown` and of one or two `more` periods, and two of the four `outputs` (all six
    periods and four outputs were checked in every example; the examples between them draw them
    all, and `make test HYPOTHESIS_PROFILE=thorough` many times)."""
    with tempfile.TemporaryDirectory(prefix="chsc-district-") as temporary:
        district = Path(temporary) / "区"
        folders = [f"{number + 1}号中心" for number in range(len(plans))]
        for folder, plan in zip(folders, plans):
            _make_centre(generated[plan["source"]], district / folder, plan["name"], plan["remove"])
        if empty:
            (district / "0号中心").mkdir()  # no registers: named in a warning and left out of the totals
        alone = {folder: computed_alone(plan["source"], plan["remove"]) for folder, plan in zip(folders, plans)}
        names = {folder: ("chsc.yaml" not in plan["remove"] and plan["name"]) or folder for folder, plan in zip(folders, plans)}
        labels = _labels(names)
        for label in dict.fromkeys([shown, *more]):
            result, _ = compute_district(district, parse_period(label), [], None, quiet=True, no_cache=False)
            expected = {i: {folder: alone[folder][label][i] for folder in folders} for i in alone[folders[0]][label]}
            assert list(result.centres) == folders and result.complete is not empty
            _check_rows([(r.id, r.group_name, r.numerator, r.denominator) for r in result.indicators],
                        expected, labels, f"library {label}")
            for row in result.indicators:
                if row.group is None:
                    assert (row.reason is not None) is _expected_total(list(expected[row.id].values()))[2], row
                else:
                    assert row.group == {"centre": names[row.group["folder"]], "folder": row.group["folder"]}
        expected = {i: {folder: alone[folder][shown][i] for folder in folders} for i in alone[folders[0]][shown]}
        _check_outputs(district, Path(temporary), shown, expected, names, labels, outputs)


def _check_outputs(district: Path, out: Path, period: str, expected: dict, names: dict, labels: dict,
                   outputs=OUTPUTS) -> None:
    common = ("compute", district, "-p", period, "--centres", "--quiet")
    if "json" in outputs:
        _check_json(common, out, expected, names, labels, period)
    if "csv" in outputs:
        _check_csv(common, out, expected, labels, period)
    if "xlsx" in outputs:
        _check_xlsx(common, out, expected, labels, period)
    if "report" in outputs:
        assert in_process("report", district, "-p", period, "--centres", "--quiet", "-o", out / "区总结.md") == 0
        _check_report((out / "区总结.md").read_text(encoding="utf-8"), expected, labels)


def _check_json(common: tuple, out: Path, expected: dict, names: dict, labels: dict, period: str) -> None:
    assert in_process(*common, "-o", out / "区.json") == 0
    data = json.loads((out / "区.json").read_text(encoding="utf-8"))
    rows = [(r["id"], labels[r["group"]["folder"]] if r["group"] else None, r["numerator"], r["denominator"])
            for r in data["indicators"]]
    _check_rows(rows, expected, labels, f"json {period}")
    assert all(r["group"] is None or r["group"]["centre"] == names[r["group"]["folder"]] for r in data["indicators"])
    for row in data["indicators"]:
        if row["group"] is None:  # a reason is the one sign of a total that cannot be computed
            assert (row["reason"] is not None) is _expected_total(list(expected[row["id"]].values()))[2], row


def _check_csv(common: tuple, out: Path, expected: dict, labels: dict, period: str) -> None:
    assert in_process(*common, "-o", out / "区.csv") == 0
    with open(out / "区.csv", encoding="utf-8-sig", newline="") as handle:
        table = list(csv.reader(handle))[1:]
    _check_rows([(r[0], None if r[2] == "全区合计" else r[2], _number(r[3]), _number(r[4])) for r in table],
                expected, labels, f"csv {period}")


def _check_xlsx(common: tuple, out: Path, expected: dict, labels: dict, period: str) -> None:
    assert in_process(*common, "-o", out / "区.xlsx") == 0
    from python_calamine import CalamineWorkbook

    sheet = CalamineWorkbook.from_path(str(out / "区.xlsx")).get_sheet_by_index(0).to_python()[1:]
    _check_rows([(r[0], None if r[2] == "全区合计" else r[2], _number(r[3]), _number(r[4])) for r in sheet],
                expected, labels, f"xlsx {period}")


def _check_report(text: str, expected: dict, labels: dict) -> None:
    """The report's centre table: one row per centre folder of every indicator some centre
    computes, with that centre's own figures (— for one that cannot: the others' stay), and no
    row at all for an indicator no centre computes."""
    library = load_library()
    rows = {}
    for line in text.splitlines():
        cells = [cell.strip().replace("\\", "") for cell in line.strip("|").split("|")]
        if len(cells) == 8 and cells[0] in labels.values():
            rows[(cells[0], cells[1])] = (_number(cells[3]), _number(cells[4]))
    wanted = {}
    for indicator_id, per_folder in expected.items():
        if not any(not not_computable and denominator != 0 for _, denominator, not_computable in per_folder.values()):
            continue
        for folder, (numerator, denominator, not_computable) in per_folder.items():
            wanted[(labels[folder], library.indicators[indicator_id].name)] = (None, None) if not_computable else (numerator, denominator)
    assert rows == wanted
