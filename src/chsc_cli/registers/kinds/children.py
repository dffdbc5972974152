"""`children` — 儿童花名册 / 预防接种档案."""

from ..columns import NAME, SEX, STATION, Column, RegisterKind

CHILD_CODE = Column(
    "儿童编码",
    "child_code",
    "code",
    ("儿童编号", "预防接种编码", "接种证号"),
    required=True,
    aliases_when_absent=("档案编码",),
)

#: Counted: 本地, 外地转来, 流动, 在册; not counted (indicators/populations.yaml): the others.
REGISTRATION_CATEGORIES = ("本地", "外地转来", "流动", "在册", "死亡", "迁出", "临时外转", "离册", "服务器删除", "空挂户")

CHILDREN = RegisterKind(
    name="children",
    title="儿童花名册",
    words=("儿童",),
    roster=True,
    key_field="child_code",
    columns=(
        CHILD_CODE,
        Column("出生日期", "birth_date", "date", required=True),
        NAME,
        SEX,
        STATION,
        Column("建证日期", "card_date", "date", ("建卡日期",)),
        Column(
            "在册类别",
            "registration_category",
            "category",
            ("居住属性", "户籍属性", "在册情况"),
            vocabulary={v: v for v in REGISTRATION_CATEGORIES},
            keep_unknown=True,
        ),
    ),
)
