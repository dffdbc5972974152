"""Reasons that carry computed values (issue 16): a placeholder may be any value of the filter
language — `{taken_doses / due_doses:.1%}`, `{days_between(discharge, visit)}`, `{$within_days}` —
typed when the library loads and evaluated over the failing rows; and the language pieces this
needed, each general: `/` on numbers, `min` / `max` of numbers or dates, and `today`."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from chsc_cli.engine import load_library
from chsc_cli.engine.evaluation import Context, evaluate
from chsc_cli.engine.expressions import Operand, parse_comparison, parse_value
from chsc_cli.engine.operands import resolve
from chsc_cli.engine.reason_text import is_expression, parts
from chsc_cli.problems import UserError
from cli_helpers import run_chsc
from helpers import make_id, write_xlsx

CONTEXT = Context(dt.date(2025, 1, 1), dt.date(2025, 12, 31), {"share": 0.9}, today=dt.date(2025, 3, 1))
FRAME = pd.DataFrame({
    "taken": [162.0, 86.0, 5.0, np.nan],
    "due": [180.0, 100.0, 0.0, 10.0],
    "first": pd.to_datetime(["2025-01-10", None, "2025-06-01", "2025-02-01"]),
    "second": pd.to_datetime(["2025-02-10", "2025-04-01", None, "2025-01-01"]),
})


def test_slash_divides_only_with_a_space_after_it():
    assert parse_value("taken / due") == Operand("arith", ("/", Operand("field", "taken"), Operand("field", "due")))
    assert parse_value("mmol/L") == Operand("field", "mmol/L")  # a word, as before
    assert parse_comparison("unit == 2025/3/12").operand.value == "2025/3/12"


def test_division_is_exact_and_blank_when_dividing_by_zero():
    ratio = resolve(parse_value("taken / due"), FRAME, CONTEXT)
    assert ratio.iloc[0] == 0.9 and ratio.iloc[1] == 0.86 and np.isnan(ratio.iloc[2]) and np.isnan(ratio.iloc[3])
    typed = load_library()  # the shipped library still loads with / in its reasons
    assert "tb_regular_medication_rate" in typed.indicators
    fields = set(FRAME.columns)
    assert list(evaluate(parse_comparison("taken / due >= $share", fields), FRAME, CONTEXT)) == [True, False, False, False]


def test_min_and_max_leave_blanks_out_and_today_is_the_context_s():
    earliest = resolve(parse_value("min(first, second)"), FRAME, CONTEXT)
    assert [d.date() if not pd.isna(d) else None for d in earliest] == [
        dt.date(2025, 1, 10), dt.date(2025, 4, 1), dt.date(2025, 6, 1), dt.date(2025, 1, 1)]
    latest = resolve(parse_value("max(first, period_end)"), FRAME, CONTEXT)
    assert {d.date() for d in latest} == {dt.date(2025, 12, 31)}
    assert list(resolve(parse_value("max(taken, due)"), FRAME, CONTEXT)) == [180.0, 100.0, 5.0, 10.0]
    days = resolve(parse_value("days_between(first, min(period_end, today))"), FRAME, CONTEXT)
    assert days.iloc[0] == 50 and np.isnan(days.iloc[1]) and days.iloc[2] == -92
    assert list(evaluate(parse_comparison("second <= today", fields=set(FRAME.columns)), FRAME, CONTEXT)) == [True, False, False, True]


def test_placeholders_are_names_or_expressions():
    literals, names, specs = parts("服药率{taken_doses / due_doses:.1%}，低于{$min_share:.0%}（{date}）")
    assert names == ("taken_doses / due_doses", "$min_share", "date") and specs == (".1%", ".0%", None)
    assert literals == ("服药率", "，低于", "（", "）")
    assert [is_expression(name) for name in names] == [True, True, False]


@pytest.mark.parametrize(("reason", "message"), [
    ("{days_between(registration_date, nowhere)}", "nowhere"),
    ("{registration_date / 2}", "相除"),
    ("{min(registration_date, 3)}", "同一类型"),
    ("{$no_such_parameter}", "no_such_parameter"),
    ("{registration_weeks +}", "缺少值"),
])
def test_a_bad_value_in_a_reason_stops_the_library_naming_the_file(tmp_path, reason, message):
    require = f"""    - check:
        - test: registration_weeks < 13
          reason: "{reason}"
"""
    text = own_indicator("maternal_records", "deliveries_in_period", require, "unit: delivery\nkey: [id_number, delivery_date]\n")
    (tmp_path / "own.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(UserError) as raised:
        load_library([tmp_path])
    assert "own.yaml" in str(raised.value) and message in str(raised.value)
    reason_line = next(n for n, line in enumerate(text.splitlines(), 1) if "reason:" in line)
    assert f"own.yaml:{reason_line}:" in str(raised.value)  # the reason's own line, not its check's


def own_indicator(registers: str, population: str, require: str, extra: str = "", name: str = "own_rate") -> str:
    """A centre's own indicator file: `require` is the YAML of its requirement list (indented 4)."""
    return f"""id: {name}
name: 自定义（{name}）
category: 测试
registers: [{registers}]
definition: 测试
target: 0.5
{extra}denominator:
  population: {population}
numerator:
  require:
{require}"""


M = [make_id(f"199{i}0101", f"{i:02d}2") for i in range(5)]
P = make_id("19700101", "011")


@pytest.fixture(scope="module")
def centre(tmp_path_factory):
    folder = tmp_path_factory.mktemp("reasons")
    write_xlsx(folder / "孕产妇健康管理登记.xlsx", [
        ["身份证号", "分娩日期", "出院日期", "产后访视日期", "末次月经", "建册日期", "活产数"],
        [M[0], "2025-07-29", "2025-08-01", "2025-08-29", "2024-10-20", "2025-01-17", 1],  # day 28: seen; 89 days
        [M[1], "2025-07-29", "2025-08-01", "2025-09-01", "2024-10-20", "2025-01-19", 1],  # day 31: late; 91 days
        [M[2], "2025-11-28", "2025-11-30", None, None, None, 1],  # not seen: 31 days to 12-31
        [M[3], "2025-05-01", "2025-05-05", "2025-05-04", None, None, 1],  # before discharge
        [M[4], "2025-06-01", None, "2025-07-02", None, None, 1],  # no discharge: 31 days from delivery
    ])
    write_xlsx(folder / "肺结核患者管理名册.xlsx", [
        ["身份证号", "通知日期", "停止治疗日期", "停止治疗原因", "应服药次数", "实际服药次数"],
        [P, "2025-02-01", "2025-08-01", "治愈", 200, 172],
    ])
    return folder


def _gaps(indicator, folder, period="2025") -> str:
    ran = run_chsc("gaps", indicator, folder, "-p", period, "--format", "csv")
    assert ran.code == 0, ran.output
    return ran.stdout


def test_postpartum_reasons_carry_the_days(centre):
    text = _gaps("postpartum_visit_rate", centre)
    assert M[0][-4:] not in text  # day 28 counts
    assert "出院后31天才做产后访视，晚于28天（分娩2025-07-29，出院2025-08-01，访视2025-09-01）" in text
    days = (dt.date.today() - dt.date(2025, 11, 30)).days  # not seen: to today (later visits count)
    assert f"出院后{days}天未见产后访视（分娩2025-11-28，出院2025-11-30）" in text
    assert "产后访视（2025-05-04）早于出院（2025-05-05）" in text
    assert "分娩后31天才做产后访视，晚于28天（分娩2025-06-01，无出院日期，访视2025-07-02）" in text


def test_early_pregnancy_and_tb_reasons_carry_the_computed_values(centre):
    text = _gaps("early_pregnancy_registration_rate", centre)
    assert "建册日期（2025-01-19）在末次月经（2024-10-20）后91天，晚于90天" in text and M[0][-4:] not in text
    assert "末次月经、建册日期和建册孕周都没有填写" in text  # M2 … M4 have none of the three
    text = _gaps("tb_regular_medication_rate", centre)
    assert "服药率86.0%，低于90%（实际服药172次，应服200次）" in text


def test_not_seen_counts_days_to_today_in_a_period_still_running(tmp_path):
    today = dt.date.today()
    discharge = today - dt.timedelta(days=10)
    write_xlsx(tmp_path / "孕产妇健康管理登记.xlsx", [
        ["身份证号", "分娩日期", "出院日期", "产后访视日期", "活产数", "建册孕周", "产前检查次数"],
        [M[0], discharge.isoformat(), discharge.isoformat(), None, 1, "13", None],
        [M[1], discharge.isoformat(), None, None, 1, "13+1", 4],
    ])
    text = _gaps("postpartum_visit_rate", tmp_path, str(discharge.year))
    assert "出院后10天未见产后访视" in text and "分娩后10天未见产后访视（分娩" in text
    text = _gaps("maternal_system_management_rate", tmp_path, str(discharge.year))
    assert "建册时孕13周整，未在孕13周前建册" in text and "建册时孕13周1天，晚于13周" in text


def test_reason_formats_are_safe_and_checked(tmp_path):
    from chsc_cli.engine.reason_text import format_value, parts, stray_braces

    assert format_value(31.0, "d") == "31" and format_value(np.float64(0.86), ".1%") == "86.0%"
    assert format_value(np.int64(3), "d") == "3" and format_value(float("nan"), "d") == "无"
    assert format_value(("门诊", "家庭")) == "门诊、家庭" and format_value([12, 24], "d") == "12、24"
    # a date-time keeps its time of day (a 2-hour rule's reason must show it); midnight reads as a date
    assert format_value(pd.Timestamp("2025-03-01 10:01")) == "2025-03-01 10:01"
    assert format_value(pd.Timestamp("2025-03-01 10:01:30")) == "2025-03-01 10:01:30"
    assert format_value(pd.Timestamp("2025-03-01")) == "2025-03-01" and format_value(dt.date(2025, 3, 1)) == "2025-03-01"
    assert parts("标准{{见第3条}}：{count}次") == (("标准{见第3条}：", "次"), ("count",), (None,))
    assert stray_braces("标准{见第3条") and not stray_braces("标准{{见}}{count}")
    for reason, message in [("{count:999999999}", "格式"), ("{count:pct}", "格式"), ("差{见 第3条}", "{{")]:
        require = f"""    - check:
        - test: due_doses > 0
          reason: "{reason}"
"""
        (tmp_path / "own.yaml").write_text(own_indicator("tb_patients", "tb_patients_notified_in_period", require), encoding="utf-8")
        with pytest.raises(UserError) as raised:
            load_library([tmp_path])
        assert message in str(raised.value), (reason, str(raised.value))


def test_count_reason_values_and_person_fields_on_event_rows(tmp_path):
    """`required` stays a number in values (blank where the person's field is blank); a test on
    another register's rows may read the person's own fields, in its filter and in its reason."""
    own = tmp_path / "own"
    own.mkdir()
    (own / "own_rate.yaml").write_text(own_indicator("tb_patients", "tb_patients_notified_in_period", """    - count:
        register: tb_patients
        date: notice_date
        within: all
        at_least: due_doses
        reason: 少{required - count}次（应{required}次）
"""), encoding="utf-8")
    data = tmp_path / "data"
    data.mkdir()
    write_xlsx(data / "肺结核患者管理名册.xlsx", [
        ["身份证号", "通知日期", "应服药次数"], [P, "2025-03-01", None], [M[0], "2025-03-01", 3],
    ])
    require = """    - exists:
        register: maternal_records
        date: delivery_date
        within: all
        test:
          - test: delivery_date >= notice_date
            reason: 分娩（{delivery_date}）早于通知（{notice_date}）
          - test: delivery_date <= notice_date + 30 days
            reason: 通知后{days_between(notice_date, delivery_date)}天分娩（通知{notice_date}，{min(notice_date, delivery_date)}起）
"""
    cross = own_indicator("tb_patients, maternal_records", "tb_patients_notified_in_period", require, name="own_cross")
    (own / "own_cross.yaml").write_text(cross, encoding="utf-8")
    write_xlsx(data / "孕产妇健康管理登记.xlsx", [
        ["身份证号", "分娩日期", "活产数"], [M[0], "2025-05-01", 1], [P, "2025-02-01", 1],
    ])
    ran = run_chsc("gaps", "own_rate", data, "-p", "2025", "--format", "csv", "--indicators", own)
    assert ran.code == 0, ran.output
    assert "少无次（应无次）" in ran.stdout and "少2次（应3次）" in ran.stdout
    ran = run_chsc("gaps", "own_cross", data, "-p", "2025", "--format", "csv", "--indicators", own)
    assert ran.code == 0, ran.output
    # the tests on 孕产妇 rows read the patient's own 通知日期: M[0] 61 days after it, P before it
    assert "通知后61天分娩（通知2025-03-01，2025-03-01起）" in ran.stdout
    assert "分娩（2025-02-01）早于通知（2025-03-01）" in ran.stdout


def test_a_null_parameter_can_be_tested_and_makes_a_duration_blank():
    context = Context(dt.date(2025, 1, 1), dt.date(2025, 12, 31), {"limit": None, "days": 3})
    fields = set(FRAME.columns)
    assert list(evaluate(parse_comparison("$limit is null", fields), FRAME, context)) == [True] * 4
    assert list(evaluate(parse_comparison("$days is null", fields), FRAME, context)) == [False] * 4
    assert list(evaluate(parse_comparison("second <= first + $limit days", fields), FRAME, context)) == [False] * 4
    assert list(evaluate(parse_comparison("second <= first + $days days", fields), FRAME, context)) == [False, False, False, True]


def test_tb_management_without_a_day_limit_and_with_one(tmp_path):
    text = (Path(__file__).resolve().parents[1] / "indicators" / "tb_management_rate.yaml").read_text(encoding="utf-8")
    assert "within_days: null" in text  # services.md: `within_days: null`, no limit
    write_xlsx(tmp_path / "肺结核患者管理名册.xlsx", [
        ["身份证号", "通知日期", "首次入户随访日期"], [P, "2025-03-01", "2025-03-09"],
    ])
    assert "首次入户随访" not in _gaps("tb_management_rate", tmp_path)
    own = tmp_path / "本中心指标"
    own.mkdir()
    (own / "tb_management_rate.yaml").write_text(text.replace("within_days: null", "within_days: 3"), encoding="utf-8")
    ran = run_chsc("gaps", "tb_management_rate", tmp_path, "-p", "2025", "--format", "csv", "--indicators", own)
    assert "通知（2025-03-01）后8天才首次入户随访，晚于3天" in ran.stdout, ran.output


def test_a_null_parameter_outside_its_is_null_guard_is_warned(tmp_path):
    shipped = (Path(__file__).resolve().parents[1] / "indicators" / "postpartum_visit_rate.yaml").read_text(encoding="utf-8")
    assert "\ntarget: 0.90\n" in shipped and "parameters:" not in shipped  # its limit is shared (parameters.yaml)
    own = shipped.replace("\ntarget: 0.90\n", "\ntarget: 0.90\nparameters:\n  postpartum_within_days: null\n")
    (tmp_path / "postpartum_visit_rate.yaml").write_text(own, encoding="utf-8")
    library = load_library([tmp_path])
    warned = [w for w in library.warnings if "$postpartum_within_days" in w]
    assert warned and "postpartum_visit_rate.yaml" in warned[0] and "any: [$postpartum_within_days is null" in warned[0]
    assert not [w for w in load_library().warnings if "为空（null）" in w]  # TB's guarded use is quiet


def test_an_id_number_in_a_reason_is_masked_unless_asked_for(tmp_path):
    """A centre's reason may name id_number (or a value holding one): gap lists mask it like the ID
    column, and show it whole only with --show-id."""
    from chsc_cli.masking import mask_ids_in_text

    texts = pd.Series(["患者110105198001010112，旧号110105800101011", "卡片1234567890123456789", None], dtype=object)
    assert list(mask_ids_in_text(texts)[:2]) == ["患者110105********0112，旧号110105*****1011", "卡片1234567890123456789"]
    assert mask_ids_in_text(texts)[2] is None
    own = tmp_path / "own"
    own.mkdir()
    require = """    - check:
        - test: due_doses > 0
          reason: 患者{id_number}应服药次数为空（{coalesce(id_number, id_number)}）
"""
    (own / "own_rate.yaml").write_text(own_indicator("tb_patients", "tb_patients_notified_in_period", require), encoding="utf-8")
    data = tmp_path / "data"
    data.mkdir()
    write_xlsx(data / "肺结核患者管理名册.xlsx", [["身份证号", "通知日期", "应服药次数"], [P, "2025-03-01", None]])
    masked = run_chsc("gaps", "own_rate", data, "-p", "2025", "--format", "csv", "--indicators", own)
    assert masked.code == 0 and P not in masked.output and f"患者{P[:6]}********{P[-4:]}应服药次数为空" in masked.stdout
    shown = run_chsc("gaps", "own_rate", data, "-p", "2025", "--format", "csv", "--indicators", own, "--show-id")
    assert f"患者{P}应服药次数为空（{P}）" in shown.stdout
