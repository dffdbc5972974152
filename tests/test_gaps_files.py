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
