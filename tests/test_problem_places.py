"""Where `validate` says a problem is (cli.md): `row` is the row Excel shows — in a CSV the line
number, which a quoted cell holding a line break makes differ from the record's number — and
`column` is the header as written in the file, for the problems found on a kind's whole table
(checksum, birth date, duplicate person, unknown vaccine) as for a cell's."""

from __future__ import annotations

from helpers import make_id, read, wrong_checksum, write_workbook


def _places(result, code):
    return [(p.file, p.sheet, p.row, p.column) for p in result.problems if p.code == code]


def test_csv_rows_are_the_lines_they_start_on(tmp_path):
    first, second, third = (make_id("19500101", seq) for seq in ("001", "002", "003"))
    lines = [
        '"临城街道2025年',  # line 1: a title whose quoted cell spans two lines
        '老年人体检"',  # line 2
        "身份证号,体检日期,姓名,住址",  # line 3: the header
        f'{first},2025-03-01,张三,"一区',  # line 4: an address over two lines
        '3号楼"',  # line 5
        f"{second},bad,李四,二区",  # line 6
        "",  # line 7: blank
        f"{third},2025-13-01,王五,三区",  # line 8
    ]
    (tmp_path / "体检.csv").write_bytes(("\ufeff" + "\r\n".join(lines) + "\r\n").encode("utf-8"))
    result = read(tmp_path)
    assert [(s.file, s.sheet, s.header_row) for s in result.sheets] == [("体检.csv", None, 3)]
    assert _places(result, "bad-date") == [("体检.csv", None, 6, "体检日期"), ("体检.csv", None, 8, "体检日期")]


def test_csv_missing_column_is_on_the_header_line(tmp_path):
    lines = ['"说明：', '本表"', "身份证号,姓名,性别,出生日期,所属站点,联系电话"]
    (tmp_path / "居民.csv").write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")
    [problem] = [p for p in read(tmp_path).problems if p.code == "missing-column"]
    assert (problem.sheet, problem.row) == (None, 3)


def test_whole_table_problems_name_the_column_as_written(tmp_path):
    person, other = make_id("19500101", "001"), make_id("19500101", "002")
    checkups = [
        ["*身份证号码", "体检日期", "出生年月日"],
        [wrong_checksum(other), "2025-03-01", None],
        [person, "2025-03-01", "1950-02-02"],
    ]
    write_workbook(tmp_path / "体检.xlsx", {"体检": checkups})
    residents = [["公民身份号码", "建档时间"], [person, "2020-01-01"], [person, "2021-01-01"]]
    write_workbook(tmp_path / "居民.xlsx", {"花名册": residents})
    doses = [["儿童编码", "接种疫苗", "接种日期"], ["A1", "乙肝疫苗", "2025-01-01"], ["A1", "神仙疫苗", "2025-02-01"]]
    write_workbook(tmp_path / "接种.xlsx", {"接种记录": doses})
    result = read(tmp_path)
    assert _places(result, "bad-checksum") == [("体检.xlsx", "体检", 2, "*身份证号码")]
    assert _places(result, "birth-date-mismatch") == [("体检.xlsx", "体检", 3, "出生年月日")]
    assert _places(result, "duplicate-person") == [("居民.xlsx", "花名册", 3, "公民身份号码")]
    assert _places(result, "unknown-vaccine") == [("接种.xlsx", "接种记录", 3, "接种疫苗")]
