"""`hypertension_patients` and `diabetes_patients` — 高血压 / 2型糖尿病患者管理名册."""

from ..columns import BIRTH_DATE, ID_NUMBER, NAME, SEX, STATION, TEAM, Column, RegisterKind

MANAGEMENT_STATUS_VOCABULARY = {
    **dict.fromkeys(("在管", "继续随访", "暂时失访"), "active"),
    **dict.fromkeys(("死亡", "迁出", "终止管理", "失访", "拒绝"), "ended"),
}

_PATIENT_COLUMNS = (
    ID_NUMBER,
    Column(
        "纳入管理日期",
        "enrolment_date",
        "date",
        ("建卡日期", "管理日期", "确诊日期"),
        required=True,
        aliases_when_absent=("临床确诊时间", "诊断日期"),
    ),
    Column(
        "管理状态",
        "management_status",
        "category",
        ("转归", "状态"),
        vocabulary=MANAGEMENT_STATUS_VOCABULARY,
        default="active",
    ),
    Column("状态变更日期", "status_change_date", "date", ("终止管理日期", "死亡日期", "终止日期", "档案注销日期")),
    NAME,
    SEX,
    BIRTH_DATE,
    STATION,
    TEAM,
)

HYPERTENSION_PATIENTS = RegisterKind(
    name="hypertension_patients",
    title="高血压患者管理名册",
    words=("高血压",),
    disease="hypertension",
    roster=True,
    columns=_PATIENT_COLUMNS,
)

DIABETES_PATIENTS = RegisterKind(
    name="diabetes_patients",
    title="2型糖尿病患者管理名册",
    words=("糖尿病",),
    disease="diabetes",
    roster=True,
    columns=_PATIENT_COLUMNS,
)
