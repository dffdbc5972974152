"""A record indicator's gap list lists the cards or clues not counted — 卡片编号, 疾病名称, 诊断时间,
报告时间 and how late — in its own word (例, 条), never a full ID number; a count indicator has no
list, only how many more activities are needed (issue 17)."""

from __future__ import annotations

import datetime as dt

import pytest
from cli_helpers import run_chsc
from helpers import make_id, write_workbook

from chsc_cli.services.gaps import how_late

PERSON = make_id("19800101", "123")


@pytest.fixture()
def folder(tmp_path):
    cards = [
        ["卡片编号", "疾病名称", "传染病类别", "诊断时间", "报告时间", "身份证号", "所属站点"],
        ["C1", "霍乱", "甲类", "2025-03-01 10:00", "2025-03-01 12:01", PERSON, "一站"],  # 2:01 late
        ["C2", "乙肝", "乙类", "2025-03-02", "2025-03-04", PERSON, "二站"],  # dates only, two days later
        ["C3", "流感", "丙类", "2025-03-03 10:00", "2025-03-03 11:00", PERSON, "一站"],  # timely
        ["C4", "梅毒", "乙类", "2025-03-05 10:00", None, PERSON, "一站"],  # not reported
    ]
    write_workbook(tmp_path / "传染病报告卡登记.xlsx", {"报告卡": cards})
    activities = [["活动日期", "活动形式", "参加人数"], ["2025-01-10", "健康知识讲座", 30]]
    write_workbook(tmp_path / "健康教育活动记录.xlsx", {"健康教育": activities})
    return tmp_path


def test_late_cards_are_listed_with_how_late_and_no_full_id(folder):
    ran = run_chsc("gaps", "infectious_disease_timely_report_rate", folder, "--period", "2025", "--format", "csv", "--quiet")
    assert ran.code == 0, ran.output
    lines = ran.stdout.strip().splitlines()
    assert lines[0] == "站点,卡片编号,疾病名称,传染病类别,诊断时间,报告时间,报告时间距诊断时间,原因"
    assert lines[1].startswith("一站,C1,霍乱,甲类,2025-03-01 10:00,2025-03-01 12:01,2小时1分,超过时限报告")
    assert lines[2].startswith("二站,C2,乙肝,乙类,2025-03-02,2025-03-04,2天,")
    assert len(lines) == 3 and PERSON not in ran.output
    table = run_chsc("gaps", "infectious_disease_report_rate", folder, "--period", "2025", "--quiet")
    assert "待完成名单（1 例）" in table.stdout and "C4" in table.stdout and "未报告" in table.stdout


def test_a_count_has_no_list_only_what_is_missing(folder):
    ran = run_chsc("gaps", "health_lecture_count", folder, "--period", "2025H1", "--quiet")
    assert ran.code == 0 and "还需开展 5 次" in ran.stdout and "姓名" not in ran.stdout


def test_how_late_reads_like_a_person_would_say_it():
    at = dt.datetime
    import pandas as pd

    assert how_late(pd.Timestamp(at(2025, 3, 1, 23, 30)), pd.Timestamp(at(2025, 3, 2, 1)), True) == "1小时30分"
    assert how_late(pd.Timestamp(at(2025, 3, 1, 10)), pd.Timestamp(at(2025, 3, 1, 9)), True) == "提前1小时"
    assert how_late(pd.Timestamp(at(2025, 3, 1)), pd.Timestamp(at(2025, 3, 1, 20)), False) == "当天"
    assert how_late(pd.Timestamp(at(2025, 3, 1)), None, False) == "未填"
    # seconds only where there are some: 2 hours and 1 second after is late, and says so
    assert how_late(pd.Timestamp(at(2025, 3, 1, 8)), pd.Timestamp(at(2025, 3, 1, 10, 0, 1)), True) == "2小时0分1秒"
    assert how_late(pd.Timestamp(at(2025, 3, 1, 8, 0, 30)), pd.Timestamp(at(2025, 3, 1, 8)), True) == "提前0分30秒"
    assert how_late(pd.Timestamp(at(2025, 3, 1, 8)), pd.Timestamp(at(2025, 3, 1, 8)), True) == "0分"


def test_a_report_seconds_late_shows_its_seconds(tmp_path):
    """A card reported 2 hours and 1 second after its diagnosis (甲类: 2 hours) is late: the list
    shows 10:00:01 and 2小时0分1秒, where 10:00 and 2小时 beside 超过时限 read as on time."""
    cards = [["卡片编号", "疾病名称", "传染病类别", "诊断时间", "报告时间", "身份证号", "所属站点"],
             ["C1", "霍乱", "甲类", "2025-03-01 08:00:00", "2025-03-01 10:00:01", PERSON, "一站"]]
    write_workbook(tmp_path / "传染病报告卡登记.xlsx", {"报告卡": cards})
    ran = run_chsc("gaps", "infectious_disease_timely_report_rate", tmp_path, "--period", "2025", "--format", "csv", "--quiet")
    assert ran.code == 0, ran.output
    assert ran.stdout.strip().splitlines()[1].startswith("一站,C1,霍乱,甲类,2025-03-01 08:00,2025-03-01 10:00:01,2小时0分1秒,超过时限")


def test_a_centres_min_attendance_leaves_out_small_and_blank_lectures(tmp_path):
    """A centre's copy of health_lecture_count with min_attendance 20: 19 and a blank 参加人数 do not count."""
    from chsc_cli.engine import load_library
    from chsc_cli.engine.library import shipped_library_dir

    rows = [["活动日期", "活动形式", "参加人数"], ["2025-01-10", "健康知识讲座", 20], ["2025-02-10", "讲座", 19],
            ["2025-03-10", "健康知识讲座", None], ["2025-04-10", "公众健康咨询", 50]]
    data = tmp_path / "data"
    write_workbook(data / "健康教育活动记录.xlsx", {"健康教育": rows})
    own = tmp_path / "own"
    own.mkdir()
    text = (shipped_library_dir() / "health_lecture_count.yaml").read_text(encoding="utf-8")
    (own / "health_lecture_count.yaml").write_text(text.replace("min_attendance: 0", "min_attendance: 20"), encoding="utf-8")
    assert "min_attendance: 20" in (own / "health_lecture_count.yaml").read_text(encoding="utf-8")
    shipped = run_chsc("compute", data, "--period", "2025", "--format", "json", "--quiet")
    centre = run_chsc("compute", data, "--period", "2025", "--format", "json", "--quiet", "--indicators", own)
    import json

    def lectures(ran):
        return next(r for r in json.loads(ran.stdout)["indicators"] if r["id"] == "health_lecture_count")["numerator"]

    assert (lectures(shipped), lectures(centre)) == (3, 1)
    assert load_library([own]).indicators["health_lecture_count"].parameters["min_attendance"] == 20


def test_a_count_as_csv_still_says_what_is_missing_on_stderr(folder):
    """stdout stays CSV (a header only: no list); how many more activities are needed is on stderr,
    as with -o, instead of being lost."""
    ran = run_chsc("gaps", "health_lecture_count", folder, "--period", "2025H1", "--format", "csv")
    assert ran.code == 0 and "还需开展 5 次" in ran.stderr and "还需开展" not in ran.stdout, ran.output


def test_a_card_belongs_to_the_station_of_its_latest_row_whichever_period_is_counted(tmp_path):
    """services.md: a card belongs to the 所属站点 of its row with the latest 诊断时间 — of all its
    rows (groups_from: every_row), so a card corrected from 2024-12-30 at 甲站 to 2025-01-02 at 乙站
    is 乙站's in 2024 too, where the row qualifying in 2024 made it 甲站's."""
    import json

    cards = [["卡片编号", "疾病名称", "传染病类别", "诊断时间", "报告时间", "身份证号", "所属站点"],
             ["X1", "乙肝", "乙类", "2024-12-30", None, PERSON, "甲站"],  # not reported: listed in gaps
             ["X1", "乙肝", "乙类", "2025-01-02", None, PERSON, "乙站"],
             ["X2", "乙肝", "乙类", "2024-06-01", "2024-06-01", PERSON, "甲站"]]
    write_workbook(tmp_path / "传染病报告卡登记.xlsx", {"报告卡": cards})
    for period, expected in (("2024", {"甲站": 1, "乙站": 1}), ("2025", {"乙站": 1})):
        ran = run_chsc("compute", tmp_path, "--period", period, "--by", "station", "--format", "json", "--quiet")
        rows = [row for row in json.loads(ran.stdout)["indicators"]
                if row["id"] == "infectious_disease_report_rate" and row["group"] is not None]
        assert {row["group"]["station"]: row["denominator"] for row in rows} == expected, (period, rows)
    ran = run_chsc("gaps", "infectious_disease_report_rate", tmp_path, "--period", "2024", "--format", "csv", "--quiet")
    assert ran.code == 0 and ran.stdout.strip().splitlines()[1].startswith("乙站,X1,"), ran.stdout


def test_a_card_number_of_an_area_a_date_and_a_number_is_listed_whole(tmp_path):
    """A 17-digit 卡片编号 (330102 20250301 001) is the number staff look the card up by: never taken
    for an ID without its check character (two such cards were both 330102*******1001)."""
    cards = [["卡片编号", "疾病名称", "传染病类别", "诊断时间", "报告时间", "身份证号", "所属站点"],
             ["33010220250301001", "乙肝", "乙类", "2025-03-01", None, PERSON, "一站"],
             ["3301022025040100107", "乙肝", "乙类", "2025-04-01", None, PERSON, "一站"]]
    write_workbook(tmp_path / "传染病报告卡登记.xlsx", {"报告卡": cards})
    ran = run_chsc("gaps", "infectious_disease_report_rate", tmp_path, "--period", "2025", "--format", "csv", "--quiet")
    assert ran.code == 0 and "33010220250301001" in ran.stdout and "3301022025040100107" in ran.stdout, ran.stdout


def test_a_station_with_no_lecture_in_the_period_is_listed_at_zero_against_its_target(folder):
    """A count by station listed only the stations with a record in the period: the one that held no
    lecture — the one that misses its target — was not in the table at all."""
    import json

    (folder / "chsc.yaml").write_text("population: {total: 10}\n", encoding="utf-8")
    for card in folder.glob("传染病*.xlsx"):
        card.unlink()  # (only the activities name stations here)
    activities = [["活动日期", "活动形式", "参加人数", "所属站点"], ["2025-01-10", "健康知识讲座", 30, "一站"],
                  ["2025-05-10", "健康知识讲座", 30, "二站"], ["2024-05-10", "健康知识讲座", 30, "错站"]]
    write_workbook(folder / "健康教育活动记录.xlsx", {"健康教育": activities})
    ran = run_chsc("compute", folder, "--period", "2025-01", "--by", "station", "--format", "json", "--quiet")
    rows = {row["group"]["station"]: (row["numerator"], row["target"], row["met"]) for row in json.loads(ran.stdout)["indicators"]
            if row["id"] == "health_lecture_count" and row["group"] is not None}
    # 二站's lecture is in May; a station written on a row of another year (错站, 2024) is not listed
    assert rows == {"一站": (1, 1, True), "二站": (0, 1, False)}, rows



def test_a_count_met_by_the_centre_names_the_stations_still_short(folder):
    """The centre's 12 lectures were met while one station held 2 of its 6: gaps said 没有待完成的."""
    activities = [["活动日期", "活动形式", "参加人数", "所属站点"]]
    activities += [[f"2025-{month:02d}-10", "健康知识讲座", 30, "一站"] for month in range(1, 11)]
    activities += [["2025-03-15", "健康知识讲座", 30, "二站"], ["2025-04-15", "健康知识讲座", 30, "二站"]]
    write_workbook(folder / "健康教育活动记录.xlsx", {"健康教育": activities})
    ran = run_chsc("gaps", "health_lecture_count", folder, "--period", "2025", "--quiet")
    assert ran.code == 0 and "全中心没有待完成的；站点：二站还需开展 4 次" in ran.stdout, ran.output
