"""The hand-made bad files of tests/data/bad/ (issue 9, items 1 and 2): each gives its exact problem
code, stops the computing commands with exit 2 naming the file (numbers computed without it would
be wrong), and `validate` reports it and goes on with the other files. Hostile files — zip bombs,
a sheet past Excel's row limit, XML entities — are refused without being expanded.

Regenerate the files with `python tests/data/bad/make_bad_files.py`.
"""

from __future__ import annotations

import importlib.util
import json
import re
import shutil
import zipfile
from pathlib import Path

import pytest

from chsc_cli.problems import PROBLEM_LEVELS, UserError
from chsc_cli.registers import ParseCache, read_folder
from chsc_cli.registers import folder, sources
from cli_helpers import in_process, run_chsc, run_chsc_process
from helpers import TODAY, make_id, write_workbook, write_xlsx

HERE = Path(__file__).resolve().parent
BAD = HERE / "data" / "bad"
ROOT = HERE.parent

_spec = importlib.util.spec_from_file_location("make_bad_files", BAD / "make_bad_files.py")
make_bad_files = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(make_bad_files)
EXPECTED: dict[str, str] = make_bad_files.EXPECTED
#: Files that are errors: they stop compute, check, gaps, progress and report.
STOPPING = sorted(name for name, code in EXPECTED.items() if PROBLEM_LEVELS[code] == "error")
#: The genuine zip bomb is refused once the limit is below what it unpacks to.
BOMB_LIMIT_MB = "16"
LIMIT_ENV = {"zip_bomb.xlsx": BOMB_LIMIT_MB}


def _good_register(folder: Path) -> Path:
    rows = [["身份证号", "姓名", "建档日期"], [make_id("19500101", "011"), "王五", "2020-01-01"], [make_id("19600101", "021"), "赵六", "2021-01-01"]]
    return write_workbook(folder / "居民健康档案.xlsx", {"居民": rows})


def _folder_with(tmp_path: Path, name: str, good: bool = True) -> Path:
    folder = tmp_path / "data"
    folder.mkdir()
    shutil.copy(BAD / name, folder / name)
    if good:
        _good_register(folder)
    return folder


def test_every_bad_file_is_committed_and_has_a_known_code():
    committed = sorted(p.name for p in BAD.iterdir() if p.suffix in (".xlsx", ".xls", ".csv"))
    assert committed == sorted(EXPECTED)
    assert set(EXPECTED.values()) <= set(PROBLEM_LEVELS)
    assert sum(p.stat().st_size for p in BAD.iterdir()) < 200_000  # the bombs stay small on disk


def test_the_committed_files_are_what_the_script_makes(tmp_path):
    make_bad_files.build_all(tmp_path)
    for name in EXPECTED:
        made, committed = (tmp_path / name).read_bytes(), (BAD / name).read_bytes()
        if name in ("zip_bomb.xlsx", "lying_size.xlsx"):  # deflated: bytes depend on the zlib build
            listing = [(i.filename, i.file_size) for i in zipfile.ZipFile(BAD / name).infolist()]
            assert listing == [(i.filename, i.file_size) for i in zipfile.ZipFile(tmp_path / name).infolist()], name
        else:
            assert made == committed, f"{name}: run python tests/data/bad/make_bad_files.py"


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_reading_gives_the_exact_code_for_the_file(tmp_path, monkeypatch, name):
    if name in LIMIT_ENV:
        monkeypatch.setenv(sources.MAX_UNPACKED_ENV, LIMIT_ENV[name])
    folder = _folder_with(tmp_path, name)
    result = read_folder(folder, today=TODAY)
    about_file = [p for p in result.problems if p.file == name]
    assert [p.code for p in about_file] == [EXPECTED[name]], about_file
    assert about_file[0].message.startswith(("无法读取：", "已跳过："))
    if EXPECTED[name] in ("unreadable-file", "too-large"):  # what to do, in words, never a library's error class
        assert "请" in about_file[0].message and not re.search(r"[A-Za-z]+Error", about_file[0].message), about_file[0].message
    if name.startswith("password_protected"):  # Office's encrypted container, named .xlsx or .xls
        assert "已加密" in about_file[0].message and "已损坏" not in about_file[0].message
    # the good register beside it is still read
    assert [s.file for s in result.sheets] == ["居民健康档案.xlsx"]
    assert "residents" in result.tables and len(result.tables["residents"]) == 2


@pytest.mark.parametrize("name", STOPPING)
def test_compute_stops_with_exit_2_naming_the_file(tmp_path, monkeypatch, capsys, name):
    if name in LIMIT_ENV:
        monkeypatch.setenv(sources.MAX_UNPACKED_ENV, LIMIT_ENV[name])
    folder = _folder_with(tmp_path, name)
    assert in_process("compute", folder, "--period", "2025", "--no-cache", "--quiet") == 2
    captured = capsys.readouterr()
    assert name in captured.err and "错误" in captured.err
    assert "Traceback" not in captured.out + captured.err and "内部错误" not in captured.err
    assert len(captured.err.strip().splitlines()) <= 3  # what and where, and the hint


@pytest.mark.parametrize("name", STOPPING)
def test_validate_reports_the_file_goes_on_and_exits_2(tmp_path, monkeypatch, capsys, name):
    if name in LIMIT_ENV:
        monkeypatch.setenv(sources.MAX_UNPACKED_ENV, LIMIT_ENV[name])
    folder = _folder_with(tmp_path, name)
    assert in_process("validate", folder, "--format", "json", "--no-cache", "--quiet") == 2
    report = json.loads(capsys.readouterr().out)
    assert [r["file"] for r in report["registers"]] == ["居民健康档案.xlsx"]
    problems = [p for p in report["problems"] if p["file"] == name]
    assert [(p["code"], p["level"]) for p in problems] == [(EXPECTED[name], "error")]


@pytest.mark.parametrize("name", sorted(set(EXPECTED) - set(STOPPING)))
def test_an_unrecognised_file_is_skipped_with_an_info_line(tmp_path, capsys, name):
    folder = _folder_with(tmp_path, name)
    assert in_process("compute", folder, "--period", "2025", "--no-cache", "--quiet", "--format", "json") == 0
    capsys.readouterr()
    assert in_process("validate", folder, "--format", "json", "--no-cache", "--quiet") == 0
    report = json.loads(capsys.readouterr().out)
    assert [(p["code"], p["level"]) for p in report["problems"] if p["file"] == name] == [("unrecognised-sheet", "info")]
    assert [s["file"] for s in report["skipped"]] == [name]


@pytest.mark.parametrize("name", ["shift_jis.csv", "header_at_row_25.xlsx"])
def test_alone_an_unrecognised_file_means_no_registers(tmp_path, name):
    folder = _folder_with(tmp_path, name, good=False)
    codes = [p.code for p in read_folder(folder, today=TODAY).problems]
    assert codes == ["unrecognised-sheet", "no-registers"]
    ran = in_process("compute", folder, "--period", "2025", "--no-cache", "--quiet")
    assert ran == 2


def test_the_whole_corpus_in_one_folder_through_the_real_command_line(tmp_path):
    folder = tmp_path / "data"
    shutil.copytree(BAD, folder, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    _good_register(folder)
    ran = run_chsc_process("validate", folder, "--format", "json", "--no-cache")
    assert ran.code == 2 and "Traceback" not in ran.output
    report = json.loads(ran.stdout)
    found = {p["file"]: p["code"] for p in report["problems"] if p["file"] in EXPECTED}
    under_default_limit = {name: code for name, code in EXPECTED.items() if name not in LIMIT_ENV}
    assert found == under_default_limit  # the 48 MiB bomb is read under the default 2 GiB limit
    assert "zip_bomb.xlsx" in {r["file"] for r in report["registers"]}
    ran = run_chsc_process("compute", folder, "--period", "2025", "--no-cache")
    assert ran.code == 2 and "Traceback" not in ran.output
    assert any(name in ran.stderr for name in STOPPING)
    assert "另有" in ran.stderr  # says there are more, and where to see them


# ------------------------------------------------------------------------------- zip bombs


def test_zip_bomb_limit_is_configurable(tmp_path, monkeypatch):
    folder = _folder_with(tmp_path, "zip_bomb.xlsx", good=False)
    assert [s.kind for s in read_folder(folder, today=TODAY).sheets] == ["residents"]  # 48 MiB < 2 GiB
    monkeypatch.setenv(sources.MAX_UNPACKED_ENV, "47.5")
    [problem] = read_folder(folder, today=TODAY).problems_with("too-large")
    assert "解压后达 48 MB" in problem.message and "超过上限 48 MB" in problem.message
    monkeypatch.setenv(sources.MAX_UNPACKED_ENV, "49")
    assert read_folder(folder, today=TODAY).sheets


def test_the_default_limit_is_2_gib_and_refuses_a_declared_3_gib(tmp_path, monkeypatch):
    monkeypatch.delenv(sources.MAX_UNPACKED_ENV, raising=False)
    assert sources.max_unpacked_bytes() == sources.DEFAULT_MAX_UNPACKED_BYTES == 2 * 1024**3
    folder = _folder_with(tmp_path, "zip_bomb_declared_3gb.xlsx", good=False)
    [problem] = read_folder(folder, today=TODAY).problems
    assert problem.code == "too-large" and "3,072 MB" in problem.message and "2,048 MB" in problem.message


def test_the_parse_cache_does_not_let_a_file_past_a_lower_limit(tmp_path, monkeypatch):
    folder = _folder_with(tmp_path, "zip_bomb.xlsx", good=False)
    cache = ParseCache(tmp_path / "cache")
    assert read_folder(folder, today=TODAY, cache=cache).sheets  # read and cached under 2 GiB
    monkeypatch.setenv(sources.MAX_UNPACKED_ENV, BOMB_LIMIT_MB)
    assert read_folder(folder, today=TODAY, cache=cache).problems_with("too-large")


@pytest.mark.parametrize("value", ["abc", "0", "-5", "nan", "1e99"])
def test_a_bad_limit_is_a_user_error(tmp_path, monkeypatch, value):
    monkeypatch.setenv(sources.MAX_UNPACKED_ENV, value)
    folder = _folder_with(tmp_path, "zip_bomb.xlsx")
    with pytest.raises(UserError) as raised:
        read_folder(folder, today=TODAY)
    assert sources.MAX_UNPACKED_ENV in raised.value.message


def test_a_bad_limit_exits_2_in_chinese(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv(sources.MAX_UNPACKED_ENV, "很多")
    folder = _folder_with(tmp_path, "zip_bomb.xlsx")
    assert in_process("validate", folder, "--no-cache") == 2
    assert "CHSC_MAX_UNPACKED_MB=很多 不对" in capsys.readouterr().err


def test_the_reliability_page_documents_the_limit_and_counts_the_bad_files():
    reliability = (ROOT / "docs" / "reliability.md").read_text(encoding="utf-8")
    default_mb = sources.DEFAULT_MAX_UNPACKED_BYTES // 1024**2
    assert sources.MAX_UNPACKED_ENV in reliability and f"{default_mb} MB" in reliability
    assert f"{len(EXPECTED)} hand-made files" in reliability


def test_a_size_that_lies_is_refused_without_unpacking_it(tmp_path):
    """The sheet declares 3,000 bytes and holds 20 MB: the reader stops at the declared size."""
    folder = _folder_with(tmp_path, "lying_size.xlsx", good=False)
    [problem] = read_folder(folder, today=TODAY).problems
    assert problem.code == "unreadable-file"


# ------------------------------------------------------------------------------ CSV quotes


def test_an_unclosed_quote_is_refused_naming_the_line(tmp_path):
    folder = _folder_with(tmp_path, "unclosed_quote.csv", good=False)
    [problem] = read_folder(folder, today=TODAY).problems
    assert problem.code == "unreadable-file" and "第 3 行的双引号没有配对" in problem.message


def test_an_unclosed_quote_in_a_big_csv_is_refused_not_a_crash(tmp_path):
    """Past 128 KB the csv module raises instead of swallowing: still unreadable-file, exit 2."""
    folder = tmp_path / "data"
    folder.mkdir()
    rows = ["身份证号,建档日期", f'"{make_id("19500101", "011")},2020-01-01']
    rows += [f"{make_id('19600101', f'{n % 1000:03d}')},2021-01-01" for n in range(8000)]
    (folder / "居民.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    [problem] = read_folder(folder, today=TODAY).problems
    assert problem.code == "unreadable-file" and "双引号" in problem.message
    ran = run_chsc("validate", folder, "--no-cache")
    assert ran.code == 2 and "Traceback" not in ran.output and "内部错误" not in ran.output


def test_line_breaks_inside_a_quoted_cell_are_still_read(tmp_path):
    folder = tmp_path / "data"
    folder.mkdir()
    first, second = make_id("19500101", "011"), make_id("19600101", "021")
    text = f'身份证号,姓名,建档日期,住址\n{first},张三,2020-01-01,"临城街道\n幸福小区\n3号楼"\n{second},李四,2021-01-01,临城\n'
    (folder / "居民.csv").write_text(text, encoding="utf-8")
    result = read_folder(folder, today=TODAY)
    assert not result.problems and list(result.tables["residents"]["name"]) == ["张三", "李四"]


# ------------------------------------------------------------------------------ row limit


def test_a_sheet_past_the_excel_row_limit_is_too_large(tmp_path):
    folder = _folder_with(tmp_path, "too_many_rows.xlsx", good=False)
    [problem] = read_folder(folder, today=TODAY).problems
    assert problem.code == "too-large" and "1,048,577 行" in problem.message


@pytest.mark.parametrize(("limit", "refused"), [(3, False), (2, True)])
def test_the_row_limit_counts_rows_from_row_1(tmp_path, monkeypatch, limit, refused):
    """A three-row sheet: exactly at the limit is read, one row over is refused (both ends)."""
    monkeypatch.setattr(sources, "EXCEL_MAX_ROWS", limit)
    rows = [["身份证号", "建档日期"], [make_id("19500101", "011"), "2020-01-01"], [make_id("19600101", "021"), "2021-01-01"]]
    write_workbook(tmp_path / "data" / "居民.xlsx", {"居民": rows})
    result = read_folder(tmp_path / "data", today=TODAY)
    assert bool(result.problems_with("too-large")) is refused
    assert bool(result.sheets) is not refused


def test_rows_far_down_count_even_when_the_top_is_empty(tmp_path, monkeypatch):
    monkeypatch.setattr(sources, "EXCEL_MAX_ROWS", 10)
    rows = [[None]] * 9 + [["身份证号", "建档日期"], [make_id("19500101", "011"), "2020-01-01"]]
    write_workbook(tmp_path / "data" / "居民.xlsx", {"居民": rows})
    [problem] = read_folder(tmp_path / "data", today=TODAY).problems_with("too-large")
    assert "11 行" in problem.message


# ------------------------------------------------------------------------------------ XXE


def _every_output(folder: Path) -> str:
    outputs = []
    for args in (["validate", folder, "--no-cache"], ["validate", folder, "--format", "json", "--no-cache"], ["compute", folder, "--period", "2025", "--no-cache"]):
        ran = run_chsc(*args)
        assert "Traceback" not in ran.output
        outputs.append(ran.output)
    return "\n".join(outputs)


def test_xml_entities_are_never_expanded(tmp_path):
    folder = _folder_with(tmp_path, "xxe.xlsx")
    [problem] = [p for p in read_folder(folder, today=TODAY).problems if p.file == "xxe.xlsx"]
    assert problem.code == "unreadable-file"
    shown = _every_output(folder)
    assert "xxe.xlsx" in shown
    assert make_bad_files.XXE_MARKER not in shown
    assert "root:" not in shown and "/etc/passwd" not in shown


def test_a_doctype_that_declares_entities_never_puts_them_in_values(tmp_path):
    """The same DOCTYPE, entities declared but cells written plainly: read as written."""
    doctype = (
        '<!DOCTYPE worksheet [<!ENTITY xxe SYSTEM "file:///etc/passwd">'
        f'<!ENTITY marker "{make_bad_files.XXE_MARKER}">]>'
    )
    sheet = make_bad_files.sheet_xml(make_bad_files.REGISTER_ROWS, doctype)
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "居民.xlsx").write_bytes(make_bad_files.xlsx_bytes(sheet, "居民"))
    result = read_folder(folder, today=TODAY)
    values = " ".join(str(v) for v in result.tables["residents"].to_numpy().ravel())
    assert list(result.tables["residents"]["name"]) == ["张三", "李四"]
    assert make_bad_files.XXE_MARKER not in values and "root:" not in values


def test_linked_folders_and_odd_entries_are_listed_as_skipped(tmp_path):
    """A folder that is a link to another place is not entered (it may be another centre's folder:
    its people would count twice in a district) but listed as skipped with why, as a dangling link
    and a pipe named like registers are (never opened: a pipe would hang the read); the operating
    system's folders at a drive's root are passed over."""
    import os

    from chsc_cli.registers.folder import find_register_files, find_unsupported_files

    data = tmp_path / "data"
    elsewhere = tmp_path / "elsewhere"
    (data / "档案").mkdir(parents=True)
    elsewhere.mkdir()
    (data / "档案" / "a.csv").write_text("x\n", encoding="utf-8")
    (elsewhere / "b.csv").write_text("x\n", encoding="utf-8")
    (data / "慢病").symlink_to(elsewhere, target_is_directory=True)
    (data / "档案" / "loop").symlink_to(data, target_is_directory=True)
    (data / "dead.xlsx").symlink_to(tmp_path / "nowhere.xlsx")
    os.mkfifo(data / "pipe.csv")
    (data / "lost+found").mkdir()
    (data / "lost+found" / "c.csv").write_text("x\n", encoding="utf-8")
    found = [p.relative_to(data).as_posix() for p in find_register_files(data)]
    assert found == ["档案/a.csv"]
    skipped = [p.relative_to(data).as_posix() for p in find_unsupported_files(data)]
    assert skipped == ["dead.xlsx", "pipe.csv", "慢病", "档案/loop"]
    ran = run_chsc("validate", data, "--format", "json")
    reasons = {item["file"]: item["reason"] for item in json.loads(ran.stdout)["skipped"]}
    assert "失效的快捷方式" in reasons["dead.xlsx"] and "文件夹链接" in reasons["慢病"], reasons


def test_a_folder_that_cannot_be_opened_stops_like_an_unreadable_file(tmp_path, monkeypatch):
    """A sub-folder chsc may not open is an unreadable-file error naming it (exit 2), not a folder
    whose registers silently count for nothing."""
    import os

    from chsc_cli.registers import sources

    data = tmp_path / "data"
    (data / "慢病").mkdir(parents=True)
    write_xlsx(data / "居民健康档案.xlsx", [["身份证号", "建档日期"], [make_id(), "2020-01-01"]])
    real_walk = os.walk

    def walk(top, onerror=None, followlinks=False):  # as os.walk does for a folder without permission
        for root, folders, names in real_walk(top, onerror=onerror, followlinks=followlinks):
            if Path(root).name == "慢病":
                onerror(PermissionError(13, "Permission denied", root))
                continue
            yield root, folders, names

    monkeypatch.setattr(folder.os, "walk", walk)
    ran = run_chsc("compute", data, "--period", "2025")
    assert ran.code == 2 and "慢病" in ran.stderr and "文件夹" in ran.stderr, ran.output


def test_a_chsc_yaml_that_is_not_a_file_is_an_error(tmp_path):
    write_xlsx(tmp_path / "居民健康档案.xlsx", [["身份证号", "建档日期"], [make_id(), "2020-01-01"]])
    (tmp_path / "chsc.yaml").mkdir()
    ran = run_chsc("compute", tmp_path, "--period", "2025")
    assert ran.code == 2 and "chsc.yaml" in ran.stderr and "不是文件" in ran.stderr


def test_a_register_listed_but_not_looked_at_stops_the_read(tmp_path, monkeypatch):
    """In a folder that may be read but not entered (mode r--), the names are listed but each file
    cannot be looked at: such a register stops the read (exit 2), it is not skipped as 'not a file'."""
    data = tmp_path / "data"
    (data / "慢病").mkdir(parents=True)
    write_xlsx(data / "居民健康档案.xlsx", [["身份证号", "建档日期"], [make_id(), "2020-01-01"]])
    write_xlsx(data / "慢病" / "高血压随访.xlsx", [["身份证号", "随访日期"], [make_id(), "2025-03-01"]])
    real_is_file = Path.is_file

    def is_file(self):
        if self.parent.name == "慢病":
            raise PermissionError(13, "Permission denied", str(self))
        return real_is_file(self)

    monkeypatch.setattr(Path, "is_file", is_file)
    monkeypatch.setattr(Path, "read_bytes", lambda self: (_ for _ in ()).throw(PermissionError(13, "Permission denied")))
    from chsc_cli.registers.folder import find_register_files

    assert [p.name for p in find_register_files(data)] == ["居民健康档案.xlsx", "高血压随访.xlsx"]
    result = read_folder(data)
    assert any(p.code == "unreadable-file" and p.file == "慢病/高血压随访.xlsx" and "没有权限" in p.message for p in result.problems)


def test_a_sub_folder_that_cannot_be_looked_at_stops_the_read_without_a_crash(tmp_path, monkeypatch):
    """In a folder r--, a sub-folder's name is listed but looking at it raises: the read stops on it
    (unreadable-file, exit 2), not with 内部错误; a non-register file there is only skipped."""
    data = tmp_path / "data"
    (data / "locked" / "sub").mkdir(parents=True)
    (data / "locked" / "说明.txt").write_text("x", encoding="utf-8")
    write_xlsx(data / "居民健康档案.xlsx", [["身份证号", "建档日期"], [make_id(), "2020-01-01"]])
    real_is_symlink, real_is_file = Path.is_symlink, Path.is_file

    def refused(real):
        def check(self):
            if self.parent.name == "locked":
                raise PermissionError(13, "Permission denied", str(self))
            return real(self)
        return check

    monkeypatch.setattr(Path, "is_symlink", refused(real_is_symlink))
    monkeypatch.setattr(Path, "is_file", refused(real_is_file))
    from chsc_cli.registers.folder import find_register_files, find_unsupported_files

    assert [p.relative_to(data).as_posix() for p in find_register_files(data)] == ["locked/sub", "居民健康档案.xlsx"]
    assert [p.relative_to(data).as_posix() for p in find_unsupported_files(data)] == ["locked/说明.txt"]
