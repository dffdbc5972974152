"""A district never loses a centre (issue 19): centres are known by their folders, not their names;
every message names the centre folder; an empty centre is left out with a warning, an unreadable
file stops the district; a chsc.yaml below a centre's root is a warning."""

from __future__ import annotations

import json

import pytest
from cli_helpers import in_process
from helpers import make_id, write_workbook

SAME_NAME = "临城街道社区卫生服务中心"
SIGNING = "family_doctor_signing_rate"


def _centre(folder, people: int, signed: int, name: str | None = SAME_NAME, birth: str = "19600101"):
    """A centre folder with one residents roster: `people` residents, the first `signed` signed."""
    folder.mkdir(parents=True, exist_ok=True)
    rows = [["身份证号", "建档日期", "签约"]] + [
        [make_id(birth, f"{i:03d}"), "2020-01-01", "是" if i <= signed else "否"] for i in range(1, people + 1)
    ]
    write_workbook(folder / "居民健康档案花名册.xlsx", {"居民": rows})
    if name:
        (folder / "chsc.yaml").write_text(f"centre: {name}\n", encoding="utf-8")


@pytest.fixture
def same_names(tmp_path):
    """Three centres whose chsc.yaml were copied from one template: all say the same centre name."""
    root = tmp_path / "区"
    _centre(root / "甲中心", 4, 3, birth="19600101")
    _centre(root / "乙中心", 6, 1, birth="19700101")
    _centre(root / "丙中心", 5, 5, birth="19800101")
    return root


def _compute_json(capsys, district, *extra):
    code = in_process("compute", district, "-p", "2025", "--centres", "--format", "json", *extra)
    captured = capsys.readouterr()
    return code, json.loads(captured.out) if captured.out.strip() else None, captured.err


def _rows(data, indicator_id):
    rows = [r for r in data["indicators"] if r["id"] == indicator_id]
    return next(r for r in rows if r["group"] is None), [r for r in rows if r["group"] is not None]


def test_centres_with_the_same_name_are_all_counted_and_shown(same_names, capsys):
    code, data, err = _compute_json(capsys, same_names)
    assert code == 0, err
    total, centres = _rows(data, SIGNING)
    assert [r["group"] for r in centres] == [
        {"centre": SAME_NAME, "folder": "丙中心"},
        {"centre": SAME_NAME, "folder": "乙中心"},
        {"centre": SAME_NAME, "folder": "甲中心"},
    ]
    assert [(r["numerator"], r["denominator"]) for r in centres] == [(5, 5), (1, 6), (3, 4)]
    assert (total["numerator"], total["denominator"]) == (9, 15)
    assert data["folders"] == ["丙中心", "乙中心", "甲中心"] and data["complete"] is True
    repeated = [w for w in data["warnings"] if w["code"] == "centre-name-repeated"]
    assert sorted(w["file"] for w in repeated) == ["丙中心/chsc.yaml", "乙中心/chsc.yaml", "甲中心/chsc.yaml"]
    assert f"中心名称「{SAME_NAME}」" in err and "乙中心/chsc.yaml" in err  # said on stderr too


def test_the_table_and_csv_tell_repeated_names_apart_by_folder(same_names, capsys):
    assert in_process("compute", same_names, "-p", "2025", "--centres", "--quiet") == 0
    table = capsys.readouterr().out
    for folder in ("甲中心", "乙中心", "丙中心"):
        assert f"{SAME_NAME}（{folder}）" in table
    assert in_process("compute", same_names, "-p", "2025", "--centres", "--quiet", "--format", "csv") == 0
    lines = [line for line in capsys.readouterr().out.splitlines() if line.startswith(SIGNING)]
    assert [line.split(",")[2:5] for line in lines] == [
        ["全区合计", "9", "15"], [f"{SAME_NAME}（丙中心）", "5", "5"], [f"{SAME_NAME}（乙中心）", "1", "6"],
        [f"{SAME_NAME}（甲中心）", "3", "4"],
    ]


def test_a_name_shown_once_has_no_folder_after_it(tmp_path, capsys):
    root = tmp_path / "区"
    _centre(root / "甲中心", 4, 3, name="甲社区卫生服务中心")
    _centre(root / "乙中心", 6, 1, name=None, birth="19700101")
    assert in_process("compute", root, "-p", "2025", "--centres", "--quiet", "--format", "csv") == 0
    lines = [line for line in capsys.readouterr().out.splitlines() if line.startswith(SIGNING)]
    assert [line.split(",")[2] for line in lines] == ["全区合计", "乙中心", "甲社区卫生服务中心"]


def test_the_district_report_has_one_row_per_centre_folder(same_names, tmp_path, capsys):
    out = tmp_path / "区总结.md"
    assert in_process("report", same_names, "-p", "2025", "--centres", "-o", out, "--quiet") == 0
    text = out.read_text(encoding="utf-8")
    for folder, figures in (("甲中心", "3 | 4"), ("乙中心", "1 | 6"), ("丙中心", "5 | 5")):
        assert f"| {SAME_NAME}（{folder}） | 家庭医生签约服务覆盖率 |" in text
        assert any(f"{SAME_NAME}（{folder}）" in line and figures in line for line in text.splitlines())


def test_an_empty_or_register_less_centre_is_named_and_left_out(same_names, capsys):
    (same_names / "丁中心").mkdir()
    notes = same_names / "戊中心"
    notes.mkdir()
    write_workbook(notes / "说明.xlsx", {"说明": [["本文件夹的说明"], ["还没有登记表"]]})
    code, data, err = _compute_json(capsys, same_names)
    assert code == 0, err
    assert "丁中心：文件夹中没有识别出任何登记表，区合计未包含该中心" in err
    assert "戊中心：文件夹中没有识别出任何登记表，区合计未包含该中心" in err and "说明.xlsx" in err
    assert data["complete"] is False
    assert [entry["folder"] for entry in data["left_out"]] == ["丁中心", "戊中心"]
    total, centres = _rows(data, SIGNING)
    assert (total["numerator"], total["denominator"]) == (9, 15) and len(centres) == 3
    assert "5 个中心文件夹中的 3 个" in total["note"] and "丁中心" in total["note"] and total.get("reason") is None
    assert {w["file"] for w in data["warnings"] if w["code"] == "centre-without-registers"} == {"丁中心", "戊中心"}
    assert in_process("compute", same_names, "-p", "2025", "--centres", "--quiet") == 0
    assert "区合计只包含 5 个中心文件夹中的 3 个" in capsys.readouterr().out


def test_a_complete_district_says_nothing_about_coverage(same_names, capsys):
    code, data, _ = _compute_json(capsys, same_names)
    assert code == 0 and data["left_out"] == [] and all("note" not in row for row in data["indicators"])


def test_a_district_with_no_registers_anywhere_stops(tmp_path, capsys):
    for folder in ("甲中心", "乙中心"):
        (tmp_path / "区" / folder).mkdir(parents=True)
    assert in_process("compute", tmp_path / "区", "-p", "2025", "--centres") == 2
    err = capsys.readouterr().err
    assert "2 个中心文件夹中都没有识别出任何登记表" in err and "Traceback" not in err


def test_an_unreadable_file_stops_the_district_naming_its_centre(same_names, capsys):
    (same_names / "乙中心" / "居民健康档案花名册.xlsx").write_bytes(b"not a workbook at all")
    code, data, err = _compute_json(capsys, same_names)
    assert code == 2 and data is None
    assert "乙中心/居民健康档案花名册.xlsx" in err and "已停止" in err and "Traceback" not in err


def test_a_bad_setting_of_a_centre_names_its_folder(same_names, capsys):
    (same_names / "乙中心" / "chsc.yaml").write_text("centre: 乙\ntargets:\n  no_such_indicator: 90%\n", encoding="utf-8")
    code, _, err = _compute_json(capsys, same_names)
    assert code == 2 and "乙中心/chsc.yaml 第 3 行" in err and "no_such_indicator" in err


def test_a_chsc_yaml_below_a_centres_root_is_a_warning_and_not_read(tmp_path, capsys):
    root = tmp_path / "区"
    _centre(root / "甲中心", 4, 3, name="甲社区卫生服务中心")
    _centre(root / "片区" / "戊中心", 6, 1, name="戊社区卫生服务中心", birth="19700101")
    code, data, err = _compute_json(capsys, root)
    assert code == 0, err
    assert "片区/戊中心/chsc.yaml" in err and "未读取" in err
    assert [w["file"] for w in data["warnings"] if w["code"] == "nested-config"] == ["片区/戊中心/chsc.yaml"]
    _, centres = _rows(data, SIGNING)
    # 片区 is the centre: its registers (those of 戊中心 below it) count; the name is not read from below
    assert {r["group"]["folder"]: (r["group"]["centre"], r["numerator"]) for r in centres} == {
        "甲中心": ("甲社区卫生服务中心", 3), "片区": ("片区", 1),
    }


def test_warnings_of_a_centres_files_name_its_folder(same_names, capsys):
    rows = [["身份证号", "建档日期", "签约"], [make_id("19900101", "001"), "2020-13-45", "是"]]
    write_workbook(same_names / "乙中心" / "补录.xlsx", {"居民": rows})
    code, data, _ = _compute_json(capsys, same_names)
    assert code == 0
    assert any(w["file"] == "乙中心/补录.xlsx" for w in data["warnings"])


def test_the_district_report_says_a_centre_was_left_out(same_names, tmp_path, capsys):
    (same_names / "丁中心").mkdir()
    out = tmp_path / "区总结.md"
    assert in_process("report", same_names, "-p", "2025", "--centres", "-o", out) == 0
    assert "丁中心：文件夹中没有识别出任何登记表，区合计未包含该中心" in capsys.readouterr().err
    opening = next(line for line in out.read_text(encoding="utf-8").splitlines() if "基本公共卫生服务共统计" in line)
    assert "区合计只包含 4 个中心文件夹中的 3 个，不是全区的完整数字；未包含：丁中心" in opening


def test_a_link_to_another_centre_s_folder_is_counted_once(same_names, capsys):
    (same_names / "丁中心").symlink_to(same_names / "甲中心", target_is_directory=True)
    code, data, err = _compute_json(capsys, same_names)
    assert code == 0, err
    total, centres = _rows(data, SIGNING)
    assert (total["numerator"], total["denominator"]) == (9, 15)  # 甲中心's 4 people once, not twice
    assert data["folders"] == ["丙中心", "乙中心", "甲中心"]
    [repeated] = [w for w in data["warnings"] if w["code"] == "centre-folder-repeated"]
    assert repeated["file"] == "丁中心" and "甲中心" in repeated["message"]


def test_a_drive_s_system_folders_are_not_centres(same_names, capsys):
    (same_names / "lost+found").mkdir()
    (same_names / "System Volume Information").mkdir()
    code, data, err = _compute_json(capsys, same_names)
    assert code == 0, err
    assert data["folders"] == ["丙中心", "乙中心", "甲中心"] and "lost+found" not in err


def test_a_centre_s_very_hidden_register_is_named(same_names, capsys):
    """A sheet a program hid ("very hidden") that reads as a register is not read: the district says
    so on stderr, as compute does for one centre, instead of a short figure alone (an info line, not
    in the JSON warnings, as every skipped sheet)."""
    from openpyxl import load_workbook

    path = same_names / "乙中心" / "居民健康档案花名册.xlsx"
    book = load_workbook(path)
    backup = book.copy_worksheet(book["居民"])
    backup.title, backup.sheet_state = "_backup", "veryHidden"
    book.save(path)
    code, data, err = _compute_json(capsys, same_names)
    assert code == 0 and "乙中心/居民健康档案花名册.xlsx" in err and "_backup" in err
    assert not any(w.get("sheet") == "_backup" for w in data["warnings"])


def test_a_link_to_a_centre_folder_that_is_gone_is_left_out_and_said(same_names, capsys):
    """It was dropped silently: the totals claimed to be complete (a district review found it)."""
    (same_names / "丁中心").symlink_to(same_names / "不存在", target_is_directory=True)
    code, data, err = _compute_json(capsys, same_names)
    assert code == 0, err
    assert data["complete"] is False and data["left_out"] == [{"folder": "丁中心", "reason": "链接指向的文件夹不存在"}]
    [gone] = [w for w in data["warnings"] if w["code"] == "centre-without-registers"]
    assert gone["file"] == "丁中心" and "链接指向的文件夹不存在" in gone["message"]


def test_a_register_at_the_district_root_is_a_warning_in_json_too(same_names, capsys):
    """The root's register file was said on stderr only (its code was info, which JSON leaves out).
    Notes, chsc's own district table saved there and a link to a file that is gone are no centre and
    no register: nothing to say (a review found the first version counting such a link as a centre)."""
    write_workbook(same_names / "根目录体检.xlsx", {"体检": [["身份证号", "体检日期"], [make_id("19500101", "011"), "2025-03-01"]]})
    (same_names / "区说明.txt").write_text("说明", encoding="utf-8")
    (same_names / "说明.docx").symlink_to(same_names / "不存在.docx")
    assert in_process("compute", same_names, "-p", "2025", "--centres", "-o", same_names / "区指标.xlsx", "--quiet") == 0
    capsys.readouterr()
    code, data, err = _compute_json(capsys, same_names)
    assert code == 0, err
    assert [w["file"] for w in data["warnings"] if w["code"] == "district-root-file"] == ["根目录体检.xlsx"]
    assert data["complete"] is True and data["left_out"] == []


def test_a_district_folder_read_as_one_centre_says_to_add_centres(same_names, capsys):
    """Without --centres every centre is pooled and their chsc.yaml unread: said, not silent."""
    assert in_process("compute", same_names, "-p", "2025") in (0, 1)
    err = capsys.readouterr().err
    assert "子文件夹 丙中心、乙中心、甲中心 中的 chsc.yaml 未读取" in err and "请加 --centres" in err


def test_a_centre_with_a_backup_folder_is_not_told_to_add_centres(tmp_path, capsys):
    """Registers at the folder's own root: a centre (its 2024备份 sub-folder with a chsc.yaml is a
    copy), not a district — `--centres` would drop the centre's own registers."""
    _centre(tmp_path / "中心", 4, 3)
    _centre(tmp_path / "中心" / "2024备份", 4, 3)
    assert in_process("compute", tmp_path / "中心", "-p", "2025") in (0, 1)
    assert "请加 --centres" not in capsys.readouterr().err
