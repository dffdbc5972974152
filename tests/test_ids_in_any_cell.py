"""An ID number typed where no ID belongs — into the name, phone, station or team cell (a shifted
column), or into a file's name — is masked in every output, like the ID column (cli.md: ID numbers
masked unless --show-id; warnings never hold a full ID number). --show-id only unmasks."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from chsc_cli.id_masks import mask_ids_in_str
from chsc_cli.masking import mask_ids_in_text
from cli_helpers import run_chsc
from helpers import make_id, write_csv

PERIOD = ["--period", "2025"]
KEYS = [make_id(f"19{40 + n}0101", f"{n + 1:03d}", "330102") for n in range(6)]
IN_NAME, IN_PHONE, IN_STATION, IN_TEAM = (make_id(f"19{60 + n}0505", f"{n + 7:03d}", "110101") for n in range(4))
IN_FILE_NAME = make_id("19700101", "099", "330102")
TYPED = (IN_NAME, IN_PHONE, IN_STATION, IN_TEAM, IN_FILE_NAME)
ROSTER = ["身份证号", "姓名", "性别", "建档日期", "所属站点", "家庭医生团队", "常住", "档案状态", "联系电话"]


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("typed_ids")
    rows = [
        [KEYS[0], "张三" + IN_NAME, "男", "2020-01-01", "城东站", "T1", "是", "正常", "13800000000"],
        [KEYS[1], "李四", "男", "2020-01-01", "城东站", "T1", "是", "正常", IN_PHONE],
        [KEYS[2], "王五", "男", "2020-01-01", "站" + IN_STATION, "T2", "是", "正常", "13800000002"],
        [KEYS[3], "赵六", "女", "2020-01-01", "城西站", "组" + IN_TEAM, "是", "正常", "13800000003"],
        [KEYS[4], "钱七", "女", "2020-01-01", "城西站", "T3", "是", "正常", "13800000004"],
        [KEYS[5], "孙八", "女", "2020-01-01", "城西站", "T3", "是", "正常", "13800000005"],
    ]
    write_csv(root / "居民健康档案.csv", [ROSTER, *rows])
    checkups = [["身份证号", "体检日期", "所属站点"], [KEYS[5], "2025-05-01", "城西站"], ["不是身份证号", "2025-05-01", "城西站"]]
    write_csv(root / f"老年人体检_{IN_FILE_NAME}.csv", checkups)
    return root


def full_ids(text: str) -> list[str]:
    return [typed for typed in TYPED if typed in text]


def file_text(path: Path) -> str:
    if path.suffix in (".xlsx", ".docx"):
        with zipfile.ZipFile(path) as archive:
            return "\n".join(archive.read(name).decode("utf-8", "replace") for name in archive.namelist())
    return path.read_text(encoding="utf-8-sig")


def test_an_id_anywhere_in_a_text_is_masked_and_nothing_else():
    texts = pd.Series(["张三" + IN_NAME, "ID" + IN_NAME + "x", "110105 19500101 0020", "110105800101011号", None, 3.5,
                       "13800000000", "13800000000 13900000000", "3301020190101001", "20250312", "20250312101530",
                       "0.123456789012345", "卡片1234567890123456789"], dtype=object)
    assert list(mask_ids_in_text(texts)) == [
        "张三110101********007X", "ID110101********007Xx", "110105**********0020", "110105*****1011号", None, 3.5,
        "13800000000", "13800000000 13900000000", "3301020190101001", "20250312", "20250312101530",
        "0.123456789012345", "卡片1234567890123456789"]
    assert mask_ids_in_str(f"体检_{IN_FILE_NAME}.csv") == "体检_330102********0996.csv"
    assert mask_ids_in_str("体检_３３０１０２１９７００１０１０９９６.csv") == "体检_３３０１０２********０９９６.csv"


def test_gap_lists_mask_an_id_typed_into_the_name_phone_station_or_team_cell(folder, tmp_path):
    gaps = ["gaps", "elderly_health_management_rate", folder, *PERIOD]
    for args in ([], ["--format", "csv"]):
        ran = run_chsc(*gaps, *args)
        assert ran.code == 0 and full_ids(ran.output) == [], (args, ran.output)
        assert "张三110101********007X" in ran.stdout and "站110101********0090" in ran.stdout
    for name, split in (("by_station.xlsx", "station"), ("by_team.xlsx", "team"), ("list.csv", "station")):
        ran = run_chsc(*gaps, "-o", tmp_path / name, "--split", split)
        assert ran.code == 0 and full_ids(ran.output + file_text(tmp_path / name)) == [], name
    every = tmp_path / "all.xlsx"
    assert run_chsc("gaps", "all", folder, *PERIOD, "-o", every).code == 0
    assert full_ids(file_text(every)) == []
    titles = openpyxl.load_workbook(tmp_path / "by_station.xlsx").sheetnames
    assert "站110101＊＊＊＊＊＊＊＊0090" in titles  # the masked station (a sheet name holds no *: ＊)


def test_show_id_unmasks_the_typed_ids_and_changes_nothing_else(folder):
    gaps = ["gaps", "elderly_health_management_rate", folder, *PERIOD, "--format", "csv"]
    masked, shown = run_chsc(*gaps).stdout, run_chsc(*gaps, "--show-id").stdout
    assert set(full_ids(shown)) == {IN_NAME, IN_PHONE, IN_STATION, IN_TEAM}
    assert len(masked.splitlines()) == len(shown.splitlines())
    assert re.sub(r"[0-9]{6}\*+[0-9]{3}[0-9X]", "", masked) == re.sub(r"[0-9]{17}[0-9X]", "", shown)


def test_compute_and_report_mask_an_id_in_a_station_name_and_in_a_file_name(folder, tmp_path):
    """A station (or team) is a group of compute --by and a line of a report; a file's name is in
    compute's JSON warnings. Every format, on screen and in files."""
    compute = ["compute", folder, *PERIOD]
    for args in (["--by", "station"], ["--by", "team"], ["--by", "station", "--format", "json"],
                 ["--by", "station", "--format", "csv"], ["--format", "json"]):
        ran = run_chsc(*compute, *args)
        assert ran.code == 0 and full_ids(ran.output) == [], (args, full_ids(ran.output))
    assert "站110101********0090" in run_chsc(*compute, "--by", "station", "--format", "json").stdout
    assert f"老年人体检_330102********0996.csv" in run_chsc(*compute, "--format", "json").stdout
    for name in ("by_station.xlsx", "by_station.csv", "by_station.json"):
        ran = run_chsc(*compute, "--by", "station", "-o", tmp_path / name)
        assert ran.code == 0 and full_ids(ran.output + file_text(tmp_path / name)) == [], name
    for name in ("summary.md", "summary.html", "summary.docx", "plan.html"):
        kind = name.split(".")[0]
        ran = run_chsc("report", folder, *PERIOD, "--kind", kind, "-o", tmp_path / name)
        assert ran.code == 0 and full_ids(ran.output + file_text(tmp_path / name)) == [], name
    assert "站110101********0090" in file_text(tmp_path / "summary.html")


def test_validate_and_stderr_mask_an_id_in_a_file_or_sheet_name(folder, tmp_path):
    """A file or sheet renamed after a person: validate's table and JSON, and what chsc says on
    standard error (an unreadable file stops compute with its name), show the name masked; the file
    itself is read as it is."""
    for args in ([], ["--format", "json"]):
        ran = run_chsc("validate", folder, *args)
        assert ran.code in (0, 1) and full_ids(ran.output) == [], args
        assert "老年人体检_330102********0996.csv" in ran.stdout
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / f"随访_{IN_FILE_NAME}.xlsx").write_text("不是工作簿", encoding="utf-8")
    for command in (["validate", broken], ["compute", broken, *PERIOD]):
        ran = run_chsc(*command)
        assert ran.code == 2 and "随访_330102********0996.xlsx" in ran.stderr and full_ids(ran.output) == [], ran.output
    sheets = tmp_path / "sheets"
    sheets.mkdir()
    from helpers import write_workbook

    write_workbook(sheets / "名册.xlsx", {IN_NAME: [ROSTER[:5], [KEYS[0], "张三", "男", "2020-01-01", "城东站"]]})
    for args in ([], ["--format", "json"]):
        ran = run_chsc("validate", sheets, *args)
        assert IN_NAME[:6] + "********" + IN_NAME[-4:] in ran.stdout and full_ids(ran.output) == [], ran.output


def test_tables_mask_their_cells_themselves(folder):
    """Printing masks what is written, but rich folds a long cell over lines in a narrow column (a
    folded ID is never seen whole by that guard): the tables mask their cells before they are drawn.
    Drawn here on a console of its own, without the guard."""
    import io

    from rich.console import Console

    from chsc_cli.engine import compute_indicators
    from chsc_cli.outputs.compute_table import render_compute_table
    from chsc_cli.outputs.validation import render_validation_table
    from chsc_cli.periods import parse_period
    from chsc_cli.services.workspace import open_workspace, read_for_validate

    drawn = io.StringIO()
    console = Console(file=drawn, width=400, markup=False)
    render_validation_table(console, read_for_validate(folder, None, []), limit=100)
    workspace = open_workspace(folder, None, [])
    result = compute_indicators(workspace.registers, parse_period("2025"), workspace.settings, workspace.library, by="station")
    render_compute_table(console, result)
    assert full_ids(drawn.getvalue()) == [] and "330102********0996" in drawn.getvalue()
    assert "站110101********0090" in drawn.getvalue()


def test_ids_run_together_or_written_with_other_separators_are_masked_and_codes_are_not():
    """The reader drops a cell's spaces, so two IDs in one cell, or a phone number and an ID, become
    one run of digits; an ID is also written 110105.19491208.0105, 110105_194912080105, with a dash
    or after a list number (「1.110105…」). Each is masked; codes of 16 to 24 digits, and a number's
    decimals, are shown whole."""
    first, second = make_id("19491201", "010"), make_id("19491202", "010")
    masked = lambda text: text[:6] + "*" * (len(text) - 10) + text[-4:]  # noqa: E731
    assert mask_ids_in_str(first + second) == masked(first + second)
    assert mask_ids_in_str("13800138000" + first) == masked("13800138000" + first)
    assert mask_ids_in_str(first[:17] + "X13800138000") == first[:17] + "X13800138000"  # a wrong check: no ID
    with_x = make_id("19491231", "002")
    assert with_x.endswith("X") and mask_ids_in_str(with_x + "13800138000") == masked(with_x + "13800138000")
    assert mask_ids_in_str("周九1." + first) == "周九1." + masked(first)
    for separator in (".", "_", "/", "–", "·", "\u3000", "\u200b"):
        written = f"{first[:6]}{separator}{first[6:14]}{separator}{first[14:]}"
        assert first not in mask_ids_in_str(written).replace(separator, ""), written
    assert first not in mask_ids_in_str(f"{first[:6]}-{first[6:10]}-{first[10:14]}-{first[14:]}").replace("-", "")
    # codes staff need whole: a 17-digit 卡片编号 of an area, a date and a number; a 19-digit one whose
    # first 18 digits happen to have a fitting check character (a run is looked into from 25 digits)
    card = "330102" + "20250301" + "001"
    assert mask_ids_in_str(card) == card and mask_ids_in_str(first + "7") == first + "7"
    for shown in ("0.30000000000000004", "0.0012345678901234567", "1.23456789012345", "value 0.86391554702",
                  "卡片1234567890123456789", "3301020190101001", "12345678901234567"):
        assert mask_ids_in_str(shown) == shown


def test_a_sheet_named_after_a_station_with_an_id_and_a_slash_is_masked(tmp_path):
    """A sheet's name loses / and the other signs Excel forbids: the masking looks at what is left
    (「站110105/1949…」 was masked as no ID, and became one once the / was gone)."""
    from chsc_cli.outputs.xlsx_writer import safe_sheet_title

    station = make_id("19491209", "010")
    title = safe_sheet_title(f"城东站{station[:6]}/{station[6:]}", masked=True)
    assert title == f"城东站{station[:6]}" + "＊" * 8 + station[-4:]
    assert safe_sheet_title("a*b[c]") == "a＊bc"


def test_two_ids_in_a_name_cell_and_an_id_after_a_phone_never_reach_a_gap_list_whole(tmp_path):
    first, second, third = make_id("19491201", "010"), make_id("19491202", "010"), make_id("19491208", "010")
    rows = [ROSTER, [KEYS[0], f"张三 {first} {second}", "男", "2020-01-01", "城东站", "T1", "是", "正常", f"13800138000 {third}"]]
    write_csv(tmp_path / "居民健康档案.csv", rows)
    write_csv(tmp_path / "老年人体检2025.csv", [["身份证号", "体检日期"], [KEYS[1], "2025-05-01"]])
    for suffix in ("csv", "xlsx"):
        ran = run_chsc("gaps", "elderly_health_management_rate", tmp_path, *PERIOD, "-o", tmp_path / f"名单.{suffix}")
        assert ran.code == 0, ran.output
        written = file_text(tmp_path / f"名单.{suffix}")
        assert "张三" in written and not any(person in written for person in (first, second, third)), written
    ran = run_chsc("gaps", "elderly_health_management_rate", tmp_path, *PERIOD)
    assert "张三" in ran.stdout and not any(person in ran.output for person in (first, second, third))


def test_debug_tracebacks_mask_ids_too(tmp_path):
    """--debug asks for the traceback, not for ID numbers: a file named after a person is masked in it."""
    person = make_id("19491201", "010")
    write_csv(tmp_path / "居民健康档案.csv", [ROSTER[:4], [KEYS[0], "张三", "男", "2020-01-01"]])
    (tmp_path / f"坏{person}.xlsx").write_bytes(b"garbage")
    ran = run_chsc("compute", tmp_path, *PERIOD, "--debug")
    assert ran.code == 2 and "Traceback" in ran.stderr and person not in ran.output, ran.output
    assert f"坏{person[:6]}" in ran.stderr


def test_the_masks_check_an_id_as_people_py_does():
    """id_masks loads before numpy (the consoles mask from the start) and so cannot use people.py:
    its GB 11643 weights and check characters are held to people.py's here, and a run of digits
    holds an ID exactly when people.py finds 18 characters in it with the right check character and
    a birth date."""
    from chsc_cli import id_masks, people

    assert id_masks._WEIGHTS == people.CHECK_WEIGHTS and id_masks._CHECK_FOR_SUM == people.CHECK_CHARACTERS
    person = make_id("19491231", "002")
    seen = set()
    for run in (person + "13800138000", "13800138000" + person, "1" * 7 + person, person[:17] + "0" + "1" * 10,
                "1234567890" * 3):
        seen.add(id_masks._holds_an_id(run))
        windows = [run[at:at + 18] for at in range(len(run) - 17)]
        valid = any(people.has_valid_checksum(w) and people.birth_date_from_id(w) is not None for w in windows)
        assert id_masks._holds_an_id(run) == valid, run
    assert seen == {True, False}
