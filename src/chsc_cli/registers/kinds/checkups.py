"""`elderly_checkups` — 老年人健康体检记录 (one row per checkup)."""

from ..columns import BIRTH_DATE, ID_NUMBER, NAME, SEX, STATION, Column, RegisterKind

SYSTOLIC_RANGE = (60.0, 300.0)
DIASTOLIC_RANGE = (30.0, 200.0)
GLUCOSE_RANGE = (1.0, 35.0)

SYSTOLIC = Column(
    "收缩压", "systolic", "number", ("高压", "收缩压r", "右侧收缩压"),
    plausible=SYSTOLIC_RANGE,
    low_priority_aliases=("收缩压l", "左侧收缩压"),
)
DIASTOLIC = Column(
    "舒张压", "diastolic", "number", ("低压", "舒张压r", "右侧舒张压"),
    plausible=DIASTOLIC_RANGE,
    low_priority_aliases=("舒张压l", "左侧舒张压"),
)
BLOOD_PRESSURE = Column("血压", "blood_pressure", "blood_pressure")
FASTING_GLUCOSE = Column("空腹血糖", "fasting_glucose", "number", ("空腹血糖值",), plausible=GLUCOSE_RANGE)

ELDERLY_CHECKUPS = RegisterKind(
    name="elderly_checkups",
    title="老年人健康体检记录",
    words=("体检",),
    completeness_fields=("lifestyle_assessment", "health_guidance"),
    columns=(
        ID_NUMBER,
        Column("体检日期", "checkup_date", "date", ("年检日期", "检查日期"), required=True),
        NAME,
        SEX,
        BIRTH_DATE,
        STATION,
        SYSTOLIC,
        DIASTOLIC,
        BLOOD_PRESSURE,
        FASTING_GLUCOSE,
        Column("生活方式评估", "lifestyle_assessment", "yesno", ("生活方式", "健康状况评估"), content_filled=True),
        Column("健康指导", "health_guidance", "yesno", ("健康评价及指导", "指导"), content_filled=True),
        Column("中医体质辨识", "tcm_constitution", "yesno", ("中医药健康管理", "体质辨识"), content_filled=True),
        Column("自理能力评分", "self_care_score", "number", ("生活自理能力评分",)),
    ),
)
