"""The gap list files (gaps_files.py) from hand-made lists: sheet order, and what the files say
besides the rows (the notes the terminal prints)."""

from __future__ import annotations

import openpyxl
import pandas as pd

from chsc_cli.outputs.gaps_files import write_gaps_xlsx
from chsc_cli.services.gaps import GAP_COLUMNS, GapList


def persons(rows: list[tuple[str, str, str]]) -> pd.DataFrame:
    """(station, team, name) rows of a person list, the other columns blank."""
    frame = pd.DataFrame(rows, columns=["station", "team", "name"])
    for column in GAP_COLUMNS[3:]:
        frame[column] = pd.Series([None] * len(frame), dtype="datetime64[ns]" if column == "last_contact" else object)
    return frame[list(GAP_COLUMNS)]


def gap(people: pd.DataFrame, note: str | None = None, **more) -> GapList:
    return GapList("x_rate", "某某管理率", "身份证号", people, None, note, **more)


def test_team_sheets_put_the_blank_team_last(tmp_path):
    """Team sheets follow the list (by station); 未填 goes last, as compute --by team lists it."""
    people = persons([("一站", "一站1组", "甲"), ("一站", "未填", "乙"), ("王站", "王站1组", "丙")])
    written = write_gaps_xlsx(tmp_path / "名单.xlsx", [gap(people)], False, "team", ())
    assert openpyxl.load_workbook(written).sheetnames == ["一站1组", "王站1组", "未填"]


def cells(sheet) -> list[tuple]:
    return [row for row in sheet.iter_rows(values_only=True) if any(value is not None for value in row)]


def test_a_lists_note_is_the_first_sheet_and_the_list_keeps_its_header_on_row_one(tmp_path):
    """The note the terminal prints after the list (an official denominator: the list is not
    everyone) was never in the file, and not said at all with --quiet."""
    note = "分母为 chsc.yaml 的官方数 100 人，按目标还需完成 30 人；名单列出的是名册中尚未完成的 2 人，即使全部完成仍差 28 人"
    people = persons([("一站", "一站1组", "甲"), ("二站", "二站1组", "乙")])
    book = openpyxl.load_workbook(write_gaps_xlsx(tmp_path / "名单.xlsx", [gap(people, note)], False, "station", ()))
    assert book.sheetnames == ["说明", "一站", "二站"]
    assert cells(book["说明"]) == [("指标", "名单", "说明"), ("某某管理率", "2 人", note)]
    assert [c.value for c in book["一站"][1]][:3] == ["站点", "团队", "姓名"]


def test_gaps_all_says_in_each_empty_sheet_why_it_is_empty(tmp_path):
    """A count and an indicator that cannot be computed were sheets with person headers and nothing
    under them; each now says why, and the 说明 sheet lists every indicator with its note."""
    empty = persons([])
    lists = [
        gap(persons([("一站", "一站1组", "甲")])),
        GapList("talks", "讲座次数", "身份证号", empty, 3, "计次指标没有名单：还需开展 3 次", "次", counted=True),
        GapList("gone", "缺表率", "身份证号", empty, None, "缺少登记表：某某登记", computed=False),
        GapList("done", "完成率", "身份证号", empty, 0, None, empty_note="没有待完成的人：分母中的都已计入分子"),
    ]
    book = openpyxl.load_workbook(write_gaps_xlsx(tmp_path / "全部.xlsx", lists, False, "station", ()))
    assert book.sheetnames == ["说明", "某某管理率", "讲座次数", "缺表率", "完成率"]
    assert cells(book["说明"])[1:] == [
        ("某某管理率", "1 人", None),
        ("讲座次数", "计次指标，没有名单", "计次指标没有名单：还需开展 3 次"),
        ("缺表率", "无法计算", "缺少登记表：某某登记"),
        ("完成率", "0 人", "没有待完成的人：分母中的都已计入分子"),
    ]
    assert cells(book["讲座次数"]) == [("说明",), ("计次指标没有名单：还需开展 3 次",)]
    assert cells(book["缺表率"]) == [("说明",), ("缺少登记表：某某登记",)]
    assert cells(book["完成率"]) == [("说明",), ("没有待完成的人：分母中的都已计入分子",)]
    assert [c.value for c in book["某某管理率"][1]][:3] == ["站点", "团队", "姓名"]


def test_quiet_still_says_a_csv_lists_note_on_stderr_and_the_xlsx_holds_it(tmp_path):
    """A csv has no place for the note (a comment line would break reading it back: its header
    must stay the first line), so it goes to stderr even with --quiet; the xlsx has it inside."""
    from cli_helpers import run_chsc
    from helpers import make_id, write_small_centre

    folder = write_small_centre(tmp_path / "centre", [make_id("19500101", "001"), make_id("19550101", "002"), make_id("19900101", "003")])
    ran = run_chsc("gaps", "health_lecture_count", folder, "-p", "2025", "-o", tmp_path / "讲座.csv", "--quiet")
    assert ran.code == 0 and "健康知识讲座次数：" in ran.stderr, ran.output
    assert (tmp_path / "讲座.csv").read_text(encoding="utf-8-sig").startswith("站点,")
    ran = run_chsc("gaps", "health_lecture_count", folder, "-p", "2025", "--format", "csv", "--quiet")
    assert ran.stdout.startswith("站点,") and "健康知识讲座次数：" in ran.stderr, ran.output
    ran = run_chsc("gaps", "health_lecture_count", folder, "-p", "2025", "-o", tmp_path / "讲座.xlsx", "--quiet")
    assert ran.code == 0 and ran.stderr == "", ran.output
    book = openpyxl.load_workbook(tmp_path / "讲座.xlsx")
    assert book.sheetnames == ["说明"] and cells(book["说明"])[1][0] == "健康知识讲座次数" and cells(book["说明"])[1][2]


def test_a_long_list_is_printed_whole_in_aligned_columns_with_ids_masked():
    """Past LONG_LIST lines the terminal gets plain columns (a boxed table took ~25 s for 20,000
    lines): every line is there, the columns line up by display width (汉字 are two wide), and an
    ID is masked as in the table."""
    import io

    from rich.cells import cell_len
    from rich.console import Console

    from chsc_cli.outputs.gaps_files import LONG_LIST, render_gaps_table

    count = LONG_LIST + 5
    people = persons([("一站" if i % 2 else "二号服务站", "一组", f"居民{i}") for i in range(count)])
    people["key"] = "110105195001010015"
    people["reason"] = "未体检"
    console = Console(file=io.StringIO(), width=60)
    render_gaps_table(console, gap(people), False)
    lines = console.file.getvalue().splitlines()
    assert lines[0] == f"某某管理率：待完成名单（{count:,} 人）"
    body = lines[3:]
    assert len(body) == count and all("110105********0015" in line for line in body)
    assert "110105195001010015" not in console.file.getvalue()
    # the ID column starts at one display column on every line, whatever the station's width
    assert len({cell_len(line[: line.index("110105")]) for line in body}) == 1
