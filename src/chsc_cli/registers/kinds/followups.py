"""`hypertension_followups` and `diabetes_followups` — 随访记录 (one row per follow-up)."""

from dataclasses import replace

from ..columns import BIRTH_DATE, ID_NUMBER, NAME, STATION, Column, RegisterKind
from .checkups import BLOOD_PRESSURE, DIASTOLIC, FASTING_GLUCOSE, SYSTOLIC

FACE_TO_FACE_MODES = ("门诊", "门诊就诊", "站点就诊", "家庭", "上门", "上门随访", "社区随访")
OTHER_MODES = ("电话", "电话随访", "网络", "微信", "其他")
#: Written modes that mean one of the modes above (家庭访视 is the form's 家庭).
MODE_SYNONYMS = {"家庭访视": "家庭"}

FOLLOWUP_MODE = Column(
    "随访方式",
    "followup_mode",
    "category",
    ("随访形式",),
    required=True,
    vocabulary={**{mode: mode for mode in FACE_TO_FACE_MODES + OTHER_MODES}, **MODE_SYNONYMS},
    keep_unknown=True,
    codes={"1": "门诊", "2": "家庭", "3": "电话"},  # 高血压/2型糖尿病患者随访服务记录表
)
FOLLOWUP_CLASS = Column(
    "此次随访分类",
    "followup_class",
    "category",
    ("随访分类",),
    vocabulary={v: v for v in ("控制满意", "控制不满意", "不良反应", "并发症")},
    keep_unknown=True,
    codes={"1": "控制满意", "2": "控制不满意", "3": "不良反应", "4": "并发症"},
)

_COMMON = (
    ID_NUMBER,
    Column("随访日期", "followup_date", "date", ("随访时间", "本次随访日期"), required=True),
    FOLLOWUP_MODE,
    FOLLOWUP_CLASS,
    NAME,
    BIRTH_DATE,
    STATION,
    Column("随访医生", "doctor", "text"),
)

HYPERTENSION_FOLLOWUPS = RegisterKind(
    name="hypertension_followups",
    title="高血压患者随访记录",
    words=("高血压", "随访"),
    disease="hypertension",
    columns=(*_COMMON, SYSTOLIC, DIASTOLIC, BLOOD_PRESSURE),
)

#: Columns whose presence makes a follow-up sheet with neither 高血压 nor 糖尿病 a diabetes one.
GLUCOSE_FIELDS = ("fasting_glucose", "hba1c")

DIABETES_FOLLOWUPS = RegisterKind(
    name="diabetes_followups",
    title="2型糖尿病患者随访记录",
    words=("糖尿病", "随访"),
    disease="diabetes",
    columns=(
        *_COMMON,
        replace(FASTING_GLUCOSE, aliases=(*FASTING_GLUCOSE.aliases, "辅助检查空腹血糖值")),
        Column("糖化血红蛋白", "hba1c", "number", ("hba1c", "辅助检查糖化血红蛋白值")),
    ),
)
