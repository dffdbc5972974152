"""The review of 8 December: a second calculation of services.md's indicators from the spec alone.
It found one indicator silent where a column was missing (a column default taken for a column the
file lacks) and a card judged on two rows where one row must pass the population's filters."""

from __future__ import annotations

import datetime as dt
import json

from cli_helpers import run_chsc
from helpers import make_id, write_workbook

D = dt.date
P1, P2 = make_id("19600101", "037"), make_id("19610101", "041")


def tb_roster(tmp_path, with_reason: bool):
    header = ["身份证号", "通知日期", "首次入户随访日期", "停止治疗日期", "应服药次数", "实际服药次数"]
    rows = [[P1, D(2025, 1, 1), D(2025, 1, 2), D(2025, 7, 1), 60, 60],
            [P2, D(2025, 1, 5), D(2025, 1, 6), D(2025, 8, 1), 60, 40]]
    if with_reason:
        header.append("停止治疗原因")
        rows[0].append("治愈")
        rows[1].append(None)  # blank: other (unknown = other), not completed
    data = tmp_path / "data"
    write_workbook(data / "肺结核患者管理名册.xlsx", {"肺结核": [header, *rows]})
    return data


def tb_row(data):
    ran = run_chsc("compute", data, "-p", "2025", "--format", "json", "--quiet")
    assert ran.code == 0, ran.output
    return next(row for row in json.loads(ran.stdout)["indicators"] if row["id"] == "tb_regular_medication_rate")


def test_a_tb_roster_without_the_stop_reason_column_cannot_say_who_completed(tmp_path):
    row = tb_row(tb_roster(tmp_path, with_reason=False))
    assert (row["numerator"], row["denominator"]) == (None, None)
    assert row["reason"] == "肺结核患者管理名册（tb_patients）缺少「停止治疗原因」列"


def test_a_blank_stop_reason_is_still_other(tmp_path):
    row = tb_row(tb_roster(tmp_path, with_reason=True))
    assert (row["numerator"], row["denominator"], row["reason"]) == (1, 1, None)


def test_default_when_absent_needs_a_default(tmp_path):
    folder = tmp_path / "kinds"
    folder.mkdir()
    from pathlib import Path

    text = (Path(__file__).resolve().parents[1] / "register_kinds" / "tb_patients.yaml").read_text(encoding="utf-8")
    text = text.replace("    aliases: [应服药数]\n", "    aliases: [应服药数]\n    default_when_absent: false\n")
    (folder / "tb_patients.yaml").write_text(text, encoding="utf-8")
    ran = run_chsc("indicators", "--register-kinds", folder)
    assert ran.code == 2 and "default_when_absent 只与 default 一起写" in ran.stderr, ran.output


def test_the_timeliness_denominator_is_the_report_rate_numerator_also_for_a_corrected_card(tmp_path):
    """K14's row diagnosed in June has no 报告时间; its correction row, diagnosed 1 July, has one.
    The card is reported in June (any row, services.md), so June judges its timeliness too — the
    definition says so: 及时率's denominator is 报告率's numerator."""
    data = tmp_path / "data"
    write_workbook(data / "传染病报告卡.xlsx", {"报告卡": [
        ["卡片编号", "疾病名称", "传染病类别", "诊断时间", "报告时间", "卡片状态"],
        ["K14", "细菌性痢疾", "乙类", "2025-06-30 20:00", None, "原始卡"],
        ["K14", "细菌性痢疾", "乙类", "2025-07-01 09:00", "2025-07-01 10:00", "订正卡"],
        ["K24", "乙肝", "乙类", "2025-06-10 09:00", "2025-06-12 10:00", "原始卡"],
    ]})
    ran = run_chsc("compute", data, "-p", "2025-06", "--format", "json", "--quiet")
    assert ran.code == 0, ran.output
    rows = {row["id"]: row for row in json.loads(ran.stdout)["indicators"]}
    report, timely = rows["infectious_disease_report_rate"], rows["infectious_disease_timely_report_rate"]
    assert (report["numerator"], report["denominator"]) == (2, 2)
    assert (timely["numerator"], timely["denominator"]) == (1, 2)  # K14 in time (1 hour), K24 late (2 days)


M1, M2 = make_id("19900101", "022"), make_id("19910101", "024")


def mothers(tmp_path, parameters: str | None):
    data = tmp_path / "data"
    header = ["身份证号", "分娩日期", "末次月经", "建册日期", "产前检查次数", "出院日期", "产后访视日期", "活产数"]
    write_workbook(data / "孕产妇健康管理.xlsx", {"孕产妇": [header,
        [M1, D(2025, 3, 1), D(2024, 6, 1), D(2024, 7, 15), 6, D(2025, 3, 4), D(2025, 3, 9), 1],   # visit 5 days after
        [M2, D(2025, 4, 1), D(2024, 7, 1), D(2024, 8, 15), 6, D(2025, 4, 4), D(2025, 4, 24), 1]]})  # 20 days after
    library = tmp_path / "library"
    library.mkdir()
    if parameters is not None:
        (library / "parameters.yaml").write_text(parameters, encoding="utf-8")
    return data, library


def maternal_rows(data, library):
    ran = run_chsc("compute", data, "-p", "2025", "--format", "json", "--quiet", "--indicators", library)
    assert ran.code == 0, ran.output
    rows = {row["id"]: row for row in json.loads(ran.stdout)["indicators"] if row["group"] is None}
    return rows, json.loads(ran.stdout)["warnings"]


def test_one_postpartum_limit_serves_both_indicators_that_judge_the_visit(tmp_path):
    """孕产妇系统管理率 counts 'a 产后访视 as above' (services.md): it kept its own copy of the 28 days,
    so a centre's parameters.yaml changing the limit changed neither indicator, and one changed in
    the postpartum file alone let the system rate count visits the postpartum rate did not."""
    rows, _ = maternal_rows(*mothers(tmp_path / "a", None))
    assert rows["postpartum_visit_rate"]["numerator"] == 2 and rows["maternal_system_management_rate"]["numerator"] == 2
    rows, _ = maternal_rows(*mothers(tmp_path / "b", "parameters:\n  postpartum_within_days: 7\n"))
    assert rows["postpartum_visit_rate"]["numerator"] == 1 and rows["maternal_system_management_rate"]["numerator"] == 1


def test_a_centre_parameter_an_indicator_keeps_its_own_of_is_said(tmp_path):
    _, said = maternal_rows(*mothers(tmp_path, "parameters:\n  min_antenatal_visits: 3\n"))
    found = [w for w in said if w["code"] == "definition-warning"]
    assert any("maternal_system_management_rate.yaml" in str(w.get("file")) and "min_antenatal_visits = 5 优先" in w["message"]
               and "min_antenatal_visits = 3 对本指标不起作用" in w["message"] for w in found), found
