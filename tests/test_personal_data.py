"""Personal data (issue 9, item 4): every command, run on sample_data/, is scanned — standard output,
standard error and every file it writes (every cell of every sheet of an xlsx, every text part of a
docx, every byte of csv/json/md/html) — for any full ID number of the data. None may appear unless
the user asked with --show-id; with --show-id they must (so this test can fail). And --debug
tracebacks show where, never the local variables (which hold people's data).

The commands run in this process (captured like a terminal 4,000 columns wide, so no ID is folded
over two lines and missed; sample_data read once for them all); a few run as real processes too.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import subprocess
import sys
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import Path

import openpyxl
import pytest
from docx import Document

from chsc_cli.cli import common
from chsc_cli.cli.main import run
from chsc_cli.engine import load_library
from chsc_cli.registers import KINDS
from chsc_cli.registers.folder import find_register_files
from chsc_cli.registers.sources import read_file
from chsc_cli.services import workspace
from cli_helpers import SRC

HERE = Path(__file__).resolve().parent
SAMPLE = HERE.parent / "sample_data"
PERIOD = ["--period", "2025"]
INDICATORS = list(load_library([]).indicators)

_CANDIDATES = re.compile(r"(?<![0-9])(?:[0-9]{17}[0-9X]|[0-9]{15})(?![0-9X])")


def _normalised(text: str) -> str:
    return unicodedata.normalize("NFKC", text).upper()


@pytest.fixture(scope="module")
def data_ids(sample_centre) -> frozenset[str]:
    """Every ID number of sample_data: the parsed ones, and every 18- (or 15-) character ID-shaped
    string in the files themselves (rows the reader rejected hold personal data too)."""
    read = sample_centre.read
    ids = set()
    for kind, table in read.tables.items():
        if KINDS[kind].key_field == "id_number":
            ids |= {value for value in table["id_number"].dropna() if isinstance(value, str)}
    raw = set()
    for path in find_register_files(SAMPLE):
        for sheet in read_file(path, SAMPLE):
            for row in sheet.rows:
                for value in row:
                    if isinstance(value, str):
                        compact = re.sub(r"\s+", "", _normalised(value))
                        if re.fullmatch(r"[0-9]{17}[0-9X]|[0-9]{15}", compact):
                            raw.add(compact)
    assert len(ids) > 20_000 and len(raw) >= len(ids) * 0.9, (len(ids), len(raw))
    return frozenset(ids | raw)


def leaked(text: str, ids: frozenset[str]) -> list[str]:
    return sorted({match for match in _CANDIDATES.findall(_normalised(text)) if match in ids})


# ------------------------------------------------------------------------------ reading outputs


def file_text(path: Path) -> str:
    """Everything a person could read in an output file."""
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        workbook = openpyxl.load_workbook(path)
        cells = [str(c.value) for sheet in workbook.worksheets for row in sheet.iter_rows() for c in row if c.value is not None]
        cells += [sheet.title for sheet in workbook.worksheets]
        return "\n".join(cells) + "\n" + _zip_text(path)
    if suffix == ".docx":
        document = Document(path)
        parts = [p.text for p in document.paragraphs]
        parts += [cell.text for table in document.tables for row in table.rows for cell in row.cells]
        for section in document.sections:
            parts += [p.text for p in section.header.paragraphs] + [p.text for p in section.footer.paragraphs]
        return "\n".join(parts) + "\n" + _zip_text(path)
    return path.read_bytes().decode("utf-8-sig")


def _zip_text(path: Path) -> str:
    """The text of every XML part with the tags removed (hidden sheets, comments, properties)."""
    with zipfile.ZipFile(path) as archive:
        texts = [archive.read(name).decode("utf-8", "replace") for name in archive.namelist() if name.endswith((".xml", ".rels"))]
    return "\n".join(re.sub(r"<[^>]+>", "\n", text) for text in texts)


@dataclass
class Output:
    label: str
    code: int
    text: str  # stdout + stderr + every file written


def run_in_process(label: str, args: list[object], files: list[Path] = ()) -> Output:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = run([str(a) for a in args])
    texts = [out.getvalue(), err.getvalue()]
    for path in files:
        assert path.exists(), (label, path, err.getvalue())
        texts.append(file_text(path))
    return Output(label, code, "\n".join(texts))


@pytest.fixture(scope="module")
def wide_console():
    """A terminal wide enough that rich never folds an ID over two lines."""
    saved = (common.stdout.width, common.stderr.width)
    common.stdout.width = common.stderr.width = 4000
    yield
    common.stdout.width, common.stderr.width = saved


def every_command(out: Path) -> list[tuple[str, list[object], list[Path]]]:
    """(label, arguments, files written) for every command and output format."""
    runs = [
        ("validate", ["validate", SAMPLE, "--limit", "100000"], []),
        ("validate json", ["validate", SAMPLE, "--format", "json"], []),
        ("compute", ["compute", SAMPLE, *PERIOD], []),
        ("compute json", ["compute", SAMPLE, *PERIOD, "--format", "json"], []),
        ("compute csv", ["compute", SAMPLE, *PERIOD, "--format", "csv"], []),
        ("compute -o xlsx", ["compute", SAMPLE, *PERIOD, "-o", out / "compute.xlsx"], [out / "compute.xlsx"]),
        ("compute -o csv", ["compute", SAMPLE, *PERIOD, "-o", out / "compute.csv"], [out / "compute.csv"]),
        ("compute -o json", ["compute", SAMPLE, *PERIOD, "-o", out / "compute.json"], [out / "compute.json"]),
        ("compute by station", ["compute", SAMPLE, *PERIOD, "--by", "station"], []),
        ("compute by team", ["compute", SAMPLE, *PERIOD, "--by", "team"], []),
        ("compute by station json", ["compute", SAMPLE, *PERIOD, "--by", "station", "--format", "json"], []),
        ("compute by team xlsx", ["compute", SAMPLE, *PERIOD, "--by", "team", "-o", out / "team.xlsx"], [out / "team.xlsx"]),
        ("check", ["check", SAMPLE, *PERIOD], []),
        ("gaps all", ["gaps", "all", SAMPLE, *PERIOD, "-o", out / "gaps_all.xlsx"], [out / "gaps_all.xlsx"]),
        # three months are enough to see what progress shows (each month is a full computation)
        ("progress", ["progress", SAMPLE, "--year", "2025", "--through", "3"], []),
        ("progress xlsx", ["progress", SAMPLE, "--year", "2025", "--through", "3", "-o", out / "progress.xlsx"], [out / "progress.xlsx"]),
        ("progress html", ["progress", SAMPLE, "--year", "2025", "--through", "3", "-o", out / "progress.html"], [out / "progress.html"]),
        ("explain with data", ["explain", "elderly_health_management_rate", SAMPLE, *PERIOD], []),
        ("explain children", ["explain", "nip_basic_full_series_rate", SAMPLE, *PERIOD], []),
        ("gaps -o csv", ["gaps", "elderly_health_management_rate", SAMPLE, *PERIOD, "-o", out / "gaps.csv"], [out / "gaps.csv"]),
        ("template", ["template", "residents", "-o", out / "template.xlsx"], [out / "template.xlsx"]),
        ("init", ["init", out / "new_folder"], [out / "new_folder" / "chsc.yaml"]),
        ("indicators", ["indicators"], []),
        ("explain without data", ["explain", "elderly_health_management_rate"], []),
    ]
    for kind in ("summary", "plan"):
        for suffix in ("md", "html", "docx"):
            path = out / f"{kind}.{suffix}"
            runs.append((f"report {kind} {suffix}", ["report", SAMPLE, *PERIOD, "--compare", "2024", "--kind", kind, "-o", path], [path]))
    for position, indicator in enumerate(INDICATORS):  # a csv file holds the same text as csv on standard output
        runs.append((f"gaps {indicator}", ["gaps", indicator, SAMPLE, *PERIOD], []))
        runs.append((f"gaps {indicator} csv", ["gaps", indicator, SAMPLE, *PERIOD, "--format", "csv"], []))
        if position % 4 == 0 or indicator == "elderly_health_management_rate":
            # every list is in `gaps all`'s xlsx above; a list alone, split by team, for every fourth
            xlsx = out / f"gaps_{indicator}.xlsx"
            runs.append((f"gaps {indicator} -o xlsx", ["gaps", indicator, SAMPLE, *PERIOD, "-o", xlsx, "--split", "team"], [xlsx]))
    return runs


@pytest.fixture(scope="module")
def read_once():
    """sample_data is read once for all the computing commands of this module (they differ in what
    they print, not in how they read; validate and the real processes below read it themselves)."""
    real = workspace.read_registers
    memo = {}

    def read_registers(data_dir, settings, **options):
        key = (Path(data_dir).resolve(), settings.path)
        if key not in memo:
            memo[key] = real(data_dir, settings, **options)
        return memo[key]

    workspace.read_registers = read_registers
    yield
    workspace.read_registers = real


@pytest.fixture(scope="module")
def listed_once():
    """Each indicator's gap list is worked out once for its three runs (table, csv, xlsx): they
    differ in how the list is written — what this module scans — not in who is on it."""
    from chsc_cli.services import gaps as gap_service

    real = gap_service.gap_lists
    memo = {}

    def gap_lists(workspace, period, wanted):
        key = (id(workspace.registers), period, tuple(wanted))
        if key not in memo:
            memo[key] = (workspace.registers, real(workspace, period, wanted))  # holds the read: its id stays its own
        return memo[key][1]

    gap_service.gap_lists = gap_lists
    yield
    gap_service.gap_lists = real


@pytest.fixture(scope="module")
def outputs(tmp_path_factory, wide_console, read_once, listed_once) -> list[Output]:
    out = tmp_path_factory.mktemp("outputs")
    return [run_in_process(label, args, files) for label, args, files in every_command(out)]


def test_every_command_ran_and_no_output_holds_a_full_id_number(outputs, data_ids):
    """One test over the ~100 commands of `outputs` (about a minute): split over several tests,
    pytest-xdist ran them on both workers and each worker ran every command again."""
    codes = {o.label: o.code for o in outputs}
    assert codes["validate"] in (0, 1) and codes["check"] in (0, 1)
    assert {label: code for label, code in codes.items() if label not in ("validate", "validate json", "check")} == {
        label: 0 for label in codes if label not in ("validate", "validate json", "check")
    }
    alone = sum(1 for position, i in enumerate(INDICATORS) if position % 4 == 0 or i == "elderly_health_management_rate")
    assert len(outputs) == 24 + 6 + 2 * len(INDICATORS) + alone

    found = {o.label: leaked(o.text, data_ids)[:3] for o in outputs}
    assert {label: ids for label, ids in found.items() if ids} == {}

    # the gaps lists carry the masked form (6 + 8 stars + 4): the scan looked at real lists
    shown = "".join(o.text for o in outputs if o.label.startswith("gaps elderly_health_management_rate"))
    assert len(re.findall(r"[0-9]{6}\*{8}[0-9]{3}[0-9X]", shown)) > 100


def test_with_show_id_the_full_ids_appear(tmp_path, data_ids, wide_console):
    xlsx, csv_file = tmp_path / "ids.xlsx", tmp_path / "ids.csv"
    gaps = ["gaps", "elderly_health_management_rate", SAMPLE, *PERIOD, "--show-id"]
    for label, args, files in [("xlsx", [*gaps, "-o", xlsx], [xlsx]), ("csv", [*gaps, "-o", csv_file], [csv_file]), ("stdout", [*gaps, "--format", "csv"], []), ("table", gaps, [])]:
        output = run_in_process(label, args, files)
        assert output.code == 0
        assert len(leaked(output.text, data_ids)) > 100, label


def test_real_processes_print_no_full_id_number(tmp_path, data_ids):
    env = dict(os.environ, PYTHONPATH=str(SRC), COLUMNS="4000", NO_COLOR="1")
    code = "import sys; from chsc_cli.cli.main import run; sys.exit(run(sys.argv[1:]))"
    for args in (["validate", SAMPLE], ["compute", SAMPLE, *PERIOD, "--format", "json"], ["gaps", "elderly_health_management_rate", SAMPLE, *PERIOD]):
        ran = subprocess.run([sys.executable, "-c", code, *map(str, args)], capture_output=True, text=True, env=env)
        assert ran.returncode in (0, 1), ran.stderr
        assert leaked(ran.stdout + ran.stderr, data_ids) == [], args


# ---------------------------------------------------------------------------- --debug


WRAPPER = '''
import sys
from chsc_cli.outputs import compute_table

def render_compute_table(*args, **kwargs):
    person_id = sys.argv[1]
    patient = {"身份证号": person_id, "诊断": "2型糖尿病"}
    raise RuntimeError("boom")

compute_table.render_compute_table = render_compute_table
from chsc_cli.cli.main import run
sys.exit(run(sys.argv[2:]))
'''


def test_debug_tracebacks_show_no_local_variables(tmp_path, data_ids):
    """A forced internal error while a person's ID sits in a local variable: with --debug the
    traceback says where, and nothing of the locals; without it, one line."""
    person_id = sorted(data_ids)[0]
    wrapper = tmp_path / "wrapper.py"
    wrapper.write_text(WRAPPER, encoding="utf-8")
    env = dict(os.environ, PYTHONPATH=str(SRC), COLUMNS="200", NO_COLOR="1")
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "居民.csv").write_text(f"身份证号,建档日期,诊断\n{person_id},2020-01-01,2型糖尿病\n", encoding="utf-8")
    for debug in (True, False):
        args = ["compute", folder, *PERIOD, "--no-cache", *(["--debug"] if debug else [])]
        ran = subprocess.run([sys.executable, str(wrapper), person_id, *map(str, args)], capture_output=True, text=True, env=env)
        assert ran.returncode == 3, ran.stderr
        assert "内部错误" in ran.stderr
        assert person_id not in ran.stdout + ran.stderr
        assert "2型糖尿病" not in ran.stderr and "patient" not in ran.stderr.replace("raise RuntimeError", "")
        assert not re.search(r"locals|person_id\s*=|─ locals ─|╭─", ran.stderr)
        if debug:
            assert "Traceback" in ran.stderr and "RuntimeError: boom" in ran.stderr and "render_compute_table" in ran.stderr
        else:
            assert "Traceback" not in ran.stderr and len(ran.stderr.strip().splitlines()) == 1


def test_debug_on_a_user_error_shows_no_local_variables(tmp_path):
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "坏文件.xlsx").write_bytes(b"not a workbook")
    env = dict(os.environ, PYTHONPATH=str(SRC), COLUMNS="200", NO_COLOR="1")
    code = "import sys; from chsc_cli.cli.main import run; sys.exit(run(sys.argv[1:]))"
    ran = subprocess.run([sys.executable, "-c", code, "compute", str(folder), *PERIOD, "--debug", "--no-cache"], capture_output=True, text=True, env=env)
    assert ran.returncode == 2 and "Traceback" in ran.stderr and "坏文件.xlsx" in ran.stderr
    assert not re.search(r"locals|─ locals ─|╭─", ran.stderr)


# ------------------------------------------------------------------ one masking function


def test_one_masking_function_masks_everywhere():
    """Only masking.py and id_masks.py (its pandas-free part) mask: no other module builds its own
    stars (mask_id / mask_ids / mask_cell are used)."""
    source = HERE.parent / "src" / "chsc_cli"
    own_masking = re.compile(r"""["']\*["']\s*\*|\*{4,}""")
    offenders = [
        str(path.relative_to(source))
        for path in source.rglob("*.py")
        if path.name not in ("masking.py", "id_masks.py") and own_masking.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []
    users = {path.name for path in source.rglob("*.py") if re.search(r"\bmask_(ids?|cell)\b", path.read_text(encoding="utf-8"))}
    assert {"gaps_files.py", "values.py", "persons.py"} <= users


def test_an_id_typed_in_groups_in_another_column_is_masked_in_every_message(tmp_path):
    """A shifted column can put an ID typed in groups (「110105 19500101 0020」, which the ID parser
    accepts) into a date or number cell: the bad-date / bad-number messages show it masked. An
    ID-column value with no digit in it (不详) is shown as written: it cannot be part of an ID."""
    from helpers import make_id, write_workbook

    person = make_id("19500101", "002")
    grouped = [f"{person[:6]} {person[6:14]} {person[14:]}", f"{person[:6]}-{person[6:14]}-{person[14:]}",
               f"{person[:6]}\n{person[6:]}"]
    rows = [["姓名", "身份证号", "体检日期", "收缩压"]]
    rows += [[f"甲{i}", make_id("19500101", f"1{i}1"), value, value] for i, value in enumerate(grouped)]
    rows.append(["乙", "不详", "2025-03-01", 120])
    write_workbook(tmp_path / "老年人体检2025.xlsx", {"体检": rows})
    ids = frozenset({person})
    for args in (["validate", tmp_path, "--format", "json"], ["validate", tmp_path],
                 ["compute", tmp_path, *PERIOD, "--format", "json"]):
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            run([str(a) for a in args])
        shown = re.sub(r"[\s\-]", "", out.getvalue() + err.getvalue())
        assert leaked(shown, ids) == [], args
        if args[0] == "validate" and "json" in args:  # (a table may fold a message over two lines)
            assert "「不详」不是有效的身份证号" in out.getvalue()
            assert person[:6] in shown and "*" * 8 in shown  # the grouped IDs are in the messages, masked
