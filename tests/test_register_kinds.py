"""Register kinds are data (issue 15, items 1 and 2): the shipped kind files, a centre's own kinds
(`--register-kinds`), their `file:line` errors, classification rules stated in kind files (services.md,
"Telling the new kinds apart") and everything that lists kinds (init, template, validate, the docs)."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest
from cli_helpers import run_chsc
from helpers import errors, kinds_of, make_id, problems, read, write_csv, write_xlsx

from chsc_cli.problems import UserError
from chsc_cli.registers import KINDS, VALUE_SETS, use_register_kinds
from chsc_cli.registers.catalogue import load_catalogue, shipped_kinds_dir
from chsc_cli.registers.docs import registers_markdown

ROOT = Path(__file__).resolve().parents[1]
ID1 = make_id("19500101", "001")

SMI_PATIENTS = """\
name: smi_patients
title: 严重精神障碍患者管理名册
order: 90
roster: true
key: {field: id_number, unit: person}
classify:
  words: [精神]
  disease: {name: smi, words: [精神]}
  shape: chronic_roster
  without_disease_word: ambiguous
columns:
  - use: id_number
  - use: enrolment_date
    aliases: [建卡日期, 管理日期, 确诊日期, 登记日期, 纳入日期]
  - use: management_status
  - use: status_change_date
  - header: 诊断
    field: diagnosis
  - use: name
"""

SMI_FOLLOWUPS = """\
name: smi_followups
title: 严重精神障碍患者随访记录
order: 91
key: {field: id_number, unit: person}
classify:
  words: [精神, 随访]
  disease: {name: smi, words: [精神]}
  shape: chronic_followups
  without_disease_word:
    rank: 10
    when:
      - column: risk_level
      - column: followup_class
        values: [稳定, 基本稳定, 不稳定, 未访到]
columns:
  - use: id_number
  - use: followup_date
  - use: followup_mode
  - header: 危险性评估
    field: risk_level
    type: number
  - header: 本次随访分类
    field: followup_class
    type: category
    aliases: [随访分类, 病情分类]
    vocabulary:
      values:
        稳定: [稳定, 病情稳定]
        基本稳定: [基本稳定, 病情基本稳定]
        不稳定: [不稳定, 病情不稳定]
        未访到: [未访到, 失访, 未随访到]
    keep_unknown: true
"""

TB_PATIENTS = """\
name: tb_patients
title: 肺结核患者管理名册
order: 95
roster: true
key: {field: id_number, unit: person}
classify:
  words: [结核]
  disease: {name: tb, words: [结核]}
  settled_by: [notice_date, id_number]
columns:
  - use: id_number
  - header: 通知日期
    field: notice_date
    type: date
    aliases: [通知单接收日期, 接收通知日期]
    required: true
  - header: 首次入户随访日期
    field: first_visit_date
    type: date
  - header: 停止治疗日期
    field: stop_date
    type: date
  - header: 停止治疗原因
    field: stop_reason
    type: category
    vocabulary:
      values:
        completed: [完成疗程]
        other: [其他]
    default: other
  - header: 应服药次数
    field: due_doses
    type: number
  - header: 实际服药次数
    field: taken_doses
    type: number
  - use: name
"""

HEALTH_EDUCATION = """\
name: health_education_activities
title: 健康教育活动记录
order: 99
classify:
  words: [健康教育]
columns:
  - header: 活动日期
    field: activity_date
    type: date
    aliases: [活动时间]
    required: true
  - header: 活动形式
    field: activity_form
    type: category
    aliases: [活动类型, 形式]
    required: true
    vocabulary:
      values:
        健康知识讲座: [健康知识讲座, 讲座, 健康讲座]
        公众健康咨询: [公众健康咨询, 健康咨询]
    keep_unknown: true
  # the shipped 健康知识讲座次数 reads 参加人数 (min_attendance): a centre's kind keeps the field
  - header: 参加人数
    field: attendance
    type: whole_number
  - header: 活动主题
    field: topic
    aliases: [主题]
"""

#: A kind no shipped file states (the centre's own): its headers are none of the shipped kinds'.
COMMUNITY_ACTIVITIES = """\
name: community_activities
title: 社区活动记录
order: 99
classify:
  words: [社区活动]
columns:
  - header: 开展日期
    field: activity_date
    type: date
    required: true
  - header: 活动方式
    field: activity_form
    type: category
    required: true
    vocabulary:
      values:
        健康知识讲座: [健康知识讲座, 讲座, 健康讲座]
    keep_unknown: true
  - header: 活动主题
    field: topic
    aliases: [主题]
"""

ROSTER = [["身份证号", "纳入管理日期", "姓名"], [ID1, "2021-01-01", "张三"]]
FOLLOWUP = [["身份证号", "随访日期", "随访方式"], [ID1, "2025-03-01", "门诊"]]


@pytest.fixture
def centre_kinds(tmp_path):
    """The SMI pair, a TB roster and a health-education register as a centre's own kind files,
    in force for the test (the shipped kinds come back afterwards)."""
    folder = tmp_path / "本中心类型"
    folder.mkdir()
    for name, text in [
        ("smi_patients", SMI_PATIENTS),
        ("smi_followups", SMI_FOLLOWUPS),
        ("tb_patients", TB_PATIENTS),
        ("health_education_activities", HEALTH_EDUCATION),
        ("community_activities", COMMUNITY_ACTIVITIES),
    ]:
        (folder / f"{name}.yaml").write_text(text, encoding="utf-8")
    use_register_kinds([folder])
    yield folder
    use_register_kinds([])


@pytest.fixture(params=["centre", "shipped"])
def either_kinds(request, tmp_path):
    """services.md's rules of telling kinds apart hold for the centre's kind files above and for the
    shipped register_kinds/ alike."""
    if request.param == "shipped":
        yield None
        return
    yield request.getfixturevalue("centre_kinds")



@pytest.fixture
def data(tmp_path):
    folder = tmp_path / "data"
    folder.mkdir()
    return folder


# ------------------------------------------------------------------ the shipped kind files


def test_shipped_kinds_are_the_eight_of_registers_md_then_the_nine_of_services_md_in_their_order():
    assert list(KINDS) == [
        "residents",
        "elderly_checkups",
        "hypertension_patients",
        "diabetes_patients",
        "hypertension_followups",
        "diabetes_followups",
        "children",
        "vaccinations",
        "child_health_roster",
        "child_health_visits",
        "maternal_records",
        "smi_patients",
        "smi_followups",
        "tb_patients",
        "infectious_disease_reports",
        "health_supervision_reports",
        "health_education_activities",
    ]
    assert {path.stem for path in shipped_kinds_dir().glob("[!_]*.yaml")} == set(KINDS)


def test_one_face_to_face_list_read_by_the_reader_and_offered_to_the_indicators():
    modes = VALUE_SETS["face_to_face_modes"]
    assert "门诊" in modes and "电话" not in modes
    for kind in KINDS.values():
        for column in kind.columns:
            if column.field == "followup_mode":
                assert set(modes) <= set(column.vocabulary)


def test_kind_files_load_once_per_process():
    from chsc_cli.registers import active_catalogue

    assert active_catalogue() is active_catalogue()


def test_docs_registers_md_is_generated_from_the_kind_files():
    """Regenerate with `make docs` (python -m chsc_cli.registers.docs > docs/registers.md)."""
    written = (ROOT / "docs" / "registers.md").read_text(encoding="utf-8")
    assert written == registers_markdown(load_catalogue())
    for kind in KINDS.values():
        assert f"`{kind.name}`" in written
        for column in kind.columns:
            assert all(alias in written for alias in column.aliases)


def test_no_python_of_the_reader_the_engine_or_the_commands_names_a_shipped_kind():
    """Kind-specific behaviour lives in the kind files (血压 fills, vaccine lookup, disease words)."""
    names = "|".join(KINDS)
    found = []
    for folder in ("registers", "engine", "services", "cli", "outputs"):
        for path in (ROOT / "src" / "chsc_cli" / folder).glob("*.py"):
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if re.search(rf"[\"']({names})[\"']", line):
                    found.append(f"{path.name}:{number}")
    assert found == []


# ------------------------------------------------------------------ a centre's own kinds


def test_a_centre_kind_is_read_from_its_own_folder(centre_kinds, data):
    write_xlsx(data / "社区活动.xlsx", [["开展日期", "活动方式", "主题"], ["2025-03-01", "讲座", "高血压防治"]])
    result = read(data)
    assert kinds_of(result) == ["community_activities"]
    assert result.tables["community_activities"]["activity_form"].tolist() == ["健康知识讲座"]
    assert errors(result) == []


def test_without_the_folder_the_centre_kind_is_unknown(data):
    write_xlsx(data / "社区活动.xlsx", [["开展日期", "活动方式", "主题"], ["2025-03-01", "讲座", "高血压防治"]])
    result = read(data)
    assert result.sheets == [] and problems(result, "unrecognised-sheet")


def test_a_centre_kind_with_the_name_of_a_shipped_one_replaces_it(tmp_path, data):
    folder = tmp_path / "kinds"
    folder.mkdir()
    text = (shipped_kinds_dir() / "residents.yaml").read_text(encoding="utf-8")
    text = text.replace("  - use: id_number\n", "  - use: id_number\n    aliases: [身份证号码, 档案身份证]\n", 1)
    assert "档案身份证" in text
    (folder / "residents.yaml").write_text(text, encoding="utf-8")
    write_csv(data / "花名册.csv", [["档案身份证", "建档日期"], [ID1, "2020-01-01"]])
    assert read(data).sheets == []
    try:
        use_register_kinds([folder])
        result = read(data)
    finally:
        use_register_kinds([])
    assert kinds_of(result) == ["residents"]
    assert result.tables["residents"]["id_number"].tolist() == [ID1]


def test_a_kind_file_is_read_once_and_the_kinds_are_built_from_the_bytes_fingerprinted(tmp_path, monkeypatch):
    """The kinds' fingerprint (part of every parse-cache key) and the kinds themselves come from one
    read of each file: a file saved again between two reads would key one version's parses with
    the other version's fingerprint."""
    folder = tmp_path / "kinds"
    folder.mkdir()
    text = (shipped_kinds_dir() / "residents.yaml").read_text(encoding="utf-8")
    edited = text.replace("  - use: id_number\n", "  - use: id_number\n    aliases: [身份证号码, 档案身份证]\n", 1)
    assert edited != text
    path = folder / "residents.yaml"
    path.write_text(text, encoding="utf-8")
    reads = []
    real_read_bytes = Path.read_bytes

    def read_then_edited(self):
        data = real_read_bytes(self)
        if self == path:
            reads.append(data)
            self.write_text(edited, encoding="utf-8")  # saved again by someone right after the read
        return data

    monkeypatch.setattr(Path, "read_bytes", read_then_edited)
    catalogue = load_catalogue([folder])
    monkeypatch.undo()
    assert len(reads) == 1
    id_column = next(column for column in catalogue.kinds["residents"].columns if column.field == "id_number")
    assert "档案身份证" not in id_column.aliases  # the version read, not the one saved after
    path.write_text(text, encoding="utf-8")
    assert load_catalogue([folder]).fingerprint == catalogue.fingerprint
    path.write_text(edited, encoding="utf-8")
    assert load_catalogue([folder]).fingerprint != catalogue.fingerprint


def test_a_kind_file_that_cannot_be_read_is_reported_and_not_read_again(tmp_path, monkeypatch):
    """A second read could give bytes the fingerprint never saw: the first failure is the answer."""
    folder = tmp_path / "kinds"
    folder.mkdir()
    path = folder / "residents.yaml"
    path.write_bytes((shipped_kinds_dir() / "residents.yaml").read_bytes())
    tries = []
    real_read_bytes = Path.read_bytes

    def fails_once(self):
        if self == path:
            tries.append(self)
            if len(tries) == 1:
                raise PermissionError(13, "Permission denied")
        return real_read_bytes(self)

    monkeypatch.setattr(Path, "read_bytes", fails_once)
    with pytest.raises(UserError) as raised:
        load_catalogue([folder])
    assert f"{path}:?: 无法读取（Permission denied）" in str(raised.value)
    assert len(tries) == 1


def test_a_kind_file_saved_by_notepad_in_gbk_reads_as_its_utf8_copy(tmp_path):
    gbk, utf8 = tmp_path / "gbk", tmp_path / "utf8"
    gbk.mkdir()
    utf8.mkdir()
    text = (shipped_kinds_dir() / "residents.yaml").read_text(encoding="utf-8")
    (gbk / "residents.yaml").write_bytes(text.encode("gb18030"))
    (utf8 / "residents.yaml").write_text(text, encoding="utf-8")
    from_gbk, from_utf8 = load_catalogue([gbk]).kinds["residents"], load_catalogue([utf8]).kinds["residents"]
    assert from_gbk.source != from_utf8.source  # (each names its own file)
    assert dataclasses.replace(from_gbk, source="") == dataclasses.replace(from_utf8, source="")
    assert from_gbk.title == "居民健康档案花名册"


def test_the_cache_is_not_served_across_different_kinds(tmp_path, data, centre_kinds):
    from chsc_cli.registers import ParseCache, read_folder

    write_xlsx(data / "社区活动.xlsx", [["开展日期", "活动方式"], ["2025-03-01", "讲座"]])
    cache = ParseCache(tmp_path / "cache")
    assert kinds_of(read_folder(data, cache=cache)) == ["community_activities"]
    use_register_kinds([])
    assert kinds_of(read_folder(data, cache=cache)) == []


def test_cli_register_kinds_option_for_validate_init_and_template(centre_kinds, tmp_path, data):
    write_xlsx(data / "社区活动.xlsx", [["开展日期", "活动方式"], ["2025-03-01", "讲座"]])
    ran = run_chsc("validate", data, "--format", "json", "--register-kinds", centre_kinds)
    assert ran.code == 0, ran.output
    assert '"kind": "community_activities"' in ran.stdout
    ran = run_chsc("init", tmp_path / "新文件夹", "--register-kinds", centre_kinds, "--quiet")
    assert ran.code == 0, ran.output
    written = sorted(p.name for p in (tmp_path / "新文件夹").glob("*.xlsx"))
    assert len(written) == len(KINDS) == 18
    assert "严重精神障碍患者随访记录.xlsx" in written and "社区活动记录.xlsx" in written
    ran = run_chsc("template", "tb_patients", "-o", tmp_path / "tb.xlsx", "--register-kinds", centre_kinds)
    assert ran.code == 0, ran.output
    ran = run_chsc("template", "--help")
    assert all(name in ran.stdout.replace("\n", "").replace(" ", "") for name in ("residents", "vaccinations"))


def test_a_kind_title_is_a_file_name_in_the_new_folder_never_a_path(tmp_path):
    """`chsc init` names each template after its kind's title: a title holding a path (../, /tmp/…)
    once wrote over a register beside the new folder. It is one file name inside the folder."""
    kinds = tmp_path / "kinds"
    kinds.mkdir()
    for name, title in (("escape_up", "../旁边/居民健康档案花名册"), ("escape_root", str(tmp_path / "绝对")), ("dots", "..")):
        (kinds / f"{name}.yaml").write_text(
            COMMUNITY_ACTIVITIES.replace("community_activities", name).replace("社区活动记录", title).replace("社区活动]", f"{name}]"),
            encoding="utf-8",
        )
    beside = tmp_path / "旁边"
    beside.mkdir()
    (beside / "居民健康档案花名册.xlsx").write_bytes(b"a register")
    try:
        ran = run_chsc("init", tmp_path / "新", "--register-kinds", kinds, "--quiet")
    finally:
        use_register_kinds([])
    assert ran.code == 0, ran.output
    assert (beside / "居民健康档案花名册.xlsx").read_bytes() == b"a register" and not (tmp_path / "绝对.xlsx").exists()
    written = {path.name for path in (tmp_path / "新").iterdir()}
    assert {"旁边居民健康档案花名册.xlsx", "dots.xlsx"} <= written
    assert any(name.endswith("绝对.xlsx") and "/" not in name for name in written)


def test_bad_kind_files_are_all_reported_with_file_and_line_exit_2(tmp_path, data):
    folder = tmp_path / "kinds"
    folder.mkdir()
    (folder / "alpha.yaml").write_text("name: alpha\ntitle: 甲\ncolumns:\n  - use: nope\n", encoding="utf-8")
    (folder / "beta.yaml").write_text(
        "name: beta\ntitle: 乙\ncolums: []\n", encoding="utf-8"
    )
    (folder / "gamma.yaml").write_text(
        "name: gamma\ntitle: 丙\ncolumns:\n  - header: 是否\n    field: flag\n    type: yesno\n"
        "    vocabulary:\n      values:\n        是: [yes]\n",
        encoding="utf-8",
    )
    (folder / "delta.yaml").write_text("name: other\ntitle: 丁\ncolumns:\n  - use: name\n", encoding="utf-8")
    write_csv(data / "a.csv", [["身份证号", "建档日期"], [ID1, "2020-01-01"]])
    ran = run_chsc("validate", data, "--register-kinds", folder)
    assert ran.code == 2, ran.output
    assert "Traceback" not in ran.output
    assert "alpha.yaml:4:" in ran.stderr and "〔nope〕" in ran.stderr
    assert "beta.yaml:3:" in ran.stderr and "colums" in ran.stderr
    assert "gamma.yaml:8:" in ran.stderr and "加引号〔yes〕" in ran.stderr
    assert "delta.yaml:1:" in ran.stderr and "other.yaml" in ran.stderr


def test_a_missing_kinds_folder_is_a_user_error(tmp_path, data):
    ran = run_chsc("validate", data, "--register-kinds", tmp_path / "nowhere")
    assert ran.code == 2 and "找不到登记表类型文件夹" in ran.stderr and "Traceback" not in ran.output


# ------------------------------------------------------------------ services.md: telling the kinds apart


def test_rosters_of_one_shape_without_a_disease_word_are_ambiguous(either_kinds, data):
    write_xlsx(data / "慢病名册.xlsx", [[*ROSTER[0], "诊断"], [*ROSTER[1], "精神分裂症"]], sheet="名单")
    result = read(data)
    [problem] = problems(result, "ambiguous-kind")
    for kind in ("hypertension_patients", "diabetes_patients", "smi_patients"):
        assert kind in problem.message
    assert "精神" in problem.message


def test_only_one_roster_matching_its_required_columns_is_still_ambiguous(either_kinds, data):
    write_xlsx(data / "名册.xlsx", [["身份证号", "登记日期", "诊断"], [ID1, "2021-01-01", "精神分裂症"]], sheet="名单")
    [problem] = problems(read(data), "ambiguous-kind")
    assert "smi_patients" in problem.message and "hypertension_patients" in problem.message


@pytest.mark.parametrize("place", ["file", "sheet", "title"])
def test_a_disease_word_names_the_smi_roster(either_kinds, data, place):
    rows = [["严重精神障碍患者管理名册"], *ROSTER] if place == "title" else ROSTER
    name = "严重精神障碍患者.xlsx" if place == "file" else "名册.xlsx"
    write_xlsx(data / name, rows, sheet="精神障碍" if place == "sheet" else "Sheet1")
    assert kinds_of(read(data)) == ["smi_patients"]


def test_the_sheet_name_is_read_before_the_file_name(either_kinds, data):
    write_xlsx(data / "高血压名册.xlsx", ROSTER, sheet="精神障碍患者")
    assert kinds_of(read(data)) == ["smi_patients"]


@pytest.mark.parametrize(
    "extra,values,kind",
    [
        (["危险性评估"], [2], "smi_followups"),
        (["随访分类"], ["病情稳定"], "smi_followups"),
        (["随访分类"], ["未访到"], "smi_followups"),
        (["随访分类"], ["控制满意"], "hypertension_followups"),
        (["空腹血糖"], [6.1], "diabetes_followups"),
        ([], [], "hypertension_followups"),
    ],
)
def test_followups_without_a_disease_word_are_told_apart_in_the_stated_order(either_kinds, data, extra, values, kind):
    write_xlsx(data / "随访记录.xlsx", [[*FOLLOWUP[0], *extra], [*FOLLOWUP[1], *values]])
    result = read(data)
    assert kinds_of(result) == [kind]
    assert errors(result) == []


def test_a_disease_word_with_no_kind_of_that_shape_is_an_unrecognised_sheet(either_kinds, data):
    write_xlsx(data / "肺结核随访记录.xlsx", FOLLOWUP)
    write_xlsx(data / "居民.xlsx", [["身份证号", "建档日期"], [ID1, "2020-01-01"]])
    result = read(data)
    assert kinds_of(result) == ["residents"]
    assert problems(result, "ambiguous-kind") == [] and errors(result) == []
    [skipped] = problems(result, "unrecognised-sheet")
    assert "结核" in skipped.message


def test_columns_only_one_kind_knows_settle_it_before_any_counting(either_kinds, data):
    rows = [["身份证号", "通知日期", "纳入管理日期", "姓名"], [ID1, "2025-02-01", "2025-02-03", "张三"]]
    write_xlsx(data / "高血压患者.xlsx", rows)
    assert kinds_of(read(data)) == ["tb_patients"]


def test_a_disease_word_says_nothing_about_kinds_of_no_disease(either_kinds, data):
    rows = [["高血压防治讲座"], ["活动日期", "活动形式"], ["2025-03-01", "讲座"]]
    write_xlsx(data / "活动.xlsx", rows)
    assert kinds_of(read(data)) == ["health_education_activities"]


def test_tie_break_words_of_a_centre_kind(either_kinds, data):
    """A shipped residents sheet in a file named after the centre's SMI kind stays residents:
    the disease word rules out disease kinds only."""
    write_xlsx(data / "精神卫生居民档案.xlsx", [["身份证号", "建档日期"], [ID1, "2020-01-01"]])
    assert kinds_of(read(data)) == ["residents"]


def test_split_columns_and_lookups_are_stated_in_the_kind_file(tmp_path, data):
    """A centre's kind reuses the shared 血压 column (fills 收缩压, 舒张压) and the vaccine table
    under its own field names: no Python names either."""
    folder = tmp_path / "kinds"
    folder.mkdir()
    (folder / "school_checks.yaml").write_text(
        "name: school_checks\ntitle: 学校体检\nkey: {field: id_number}\nclassify: {words: [学校]}\n"
        "columns:\n  - use: id_number\n  - header: 检查日期\n    field: check_date\n    type: date\n    required: true\n"
        "  - use: systolic\n  - use: diastolic\n  - use: blood_pressure\n"
        "  - header: 补种疫苗\n    field: catch_up\n    lookup: {table: vaccines, into: catch_up_series}\n",
        encoding="utf-8",
    )
    write_xlsx(data / "学校.xlsx", [["身份证号", "检查日期", "血压", "补种疫苗"], [ID1, "2025-03-01", "128/82", "麻腮风疫苗"]])
    try:
        use_register_kinds([folder])
        result = read(data)
    finally:
        use_register_kinds([])
    table = result.tables["school_checks"]
    assert (table.loc[0, "systolic"], table.loc[0, "diastolic"]) == (128.0, 82.0)
    assert table.loc[0, "catch_up_series"] == ("MCV",)


@pytest.mark.parametrize(
    "files,expected",
    [
        ({"r.yaml": "name: r\ntitle: 名册\nroster: true\ncolumns:\n  - use: name\n"}, "r.yaml:3:"),
        ({"_other.yaml": "x: 1\n"}, "_other.yaml:1:"),
        ({"s.yaml": "name: s\ntitle: 甲\ncolumns:\n  - use: name\n    vocabulary: {sets: [nope]}\n"}, "s.yaml:5:"),
        ({"k.yaml": "name: k\ntitle: 甲\nkey: {field: name}\ncolumns:\n  - use: name\n"}, "k.yaml:3:"),
        ({"c.yaml": "name: c\ntitle: 甲\ncontact_dates:\n  - name\ncolumns:\n  - use: name\n"}, "c.yaml:4:"),
    ],
    ids=["roster-without-key", "unknown-shared-file", "vocabulary-on-text", "key-not-a-code", "contact-date-not-a-date"],
)
def test_kind_file_mistakes_name_file_and_line(tmp_path, files, expected):
    from chsc_cli.problems import UserError

    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    with pytest.raises(UserError) as raised:
        load_catalogue([tmp_path])
    assert expected in raised.value.message and "〔" in raised.value.message


def test_every_key_of_a_kind_file_is_documented():
    from chsc_cli.registers.kind_files import ClassifySpec, ColumnSpec, ConditionSpec, KindSpec, RankedRule

    readme = (shipped_kinds_dir() / "README.md").read_text(encoding="utf-8")
    for model in (KindSpec, ClassifySpec, ColumnSpec, ConditionSpec, RankedRule):
        for key in model.model_fields:
            assert re.search(rf"(`{key}`|^\s*{key}:|[{{ ]{key}:)", readme, re.MULTILINE), f"{model.__name__}.{key}"
