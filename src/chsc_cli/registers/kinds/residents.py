"""`residents` — 居民健康档案花名册 (resident roster)."""

from dataclasses import replace

from ..columns import BIRTH_DATE, ID_NUMBER, NAME, SEX, STATION, TEAM, Column, RegisterKind

RESIDENT_VOCABULARY = {
    **dict.fromkeys(("是", "常住", "户籍", "非户籍", "非户籍常住"), True),
    **dict.fromkeys(("否", "非常住", "流动", "暂住"), False),
}
RECORD_STATUS_VOCABULARY = {
    **dict.fromkeys(("正常", "在档", "活动", "注销核实中"), "active"),
    **dict.fromkeys(("死亡", "迁出", "注销", "失访"), "closed"),
}
#: 签约 / 签约状态 as the regional systems write it (real-exports.md), on top of the yes/no words.
SIGNING_VOCABULARY = {
    **dict.fromkeys(("续约", "签约有效期内"), True),
    **dict.fromkeys(("解约", "已解约", "待签约", "待审核", "待续约"), False),
}

RESIDENTS = RegisterKind(
    name="residents",
    title="居民健康档案花名册",
    words=("居民", "健康档案"),
    roster=True,
    columns=(
        replace(ID_NUMBER, aliases=(*ID_NUMBER.aliases, "身份证件号码")),
        NAME,
        SEX,
        replace(BIRTH_DATE, aliases=(*BIRTH_DATE.aliases, "生日日期")),
        Column("建档日期", "record_date", "date", ("建档时间",), required=True),
        replace(STATION, aliases=(*STATION.aliases, "管辖机构", "建档机构", "社区名称")),
        replace(TEAM, aliases=(*TEAM.aliases, "责任医师", "家庭医生")),
        Column(
            "常住",
            "resident",
            "yesno",
            ("是否常住", "常住类型", "户籍类型"),
            vocabulary=RESIDENT_VOCABULARY,
            default=True,
        ),
        Column("档案状态", "record_status", "category", ("状态",), vocabulary=RECORD_STATUS_VOCABULARY, default="active"),
        Column("注销日期", "closed_date", "date", ("状态变更日期", "死亡日期", "迁出日期", "结案时间")),
        Column(
            "签约",
            "signed",
            "yesno",
            ("是否签约", "签约标志", "家庭医生签约", "签约状态"),
            vocabulary=SIGNING_VOCABULARY,
            own_words=("签约", "签"),
        ),
        Column("签约日期", "signing_date", "date"),
        Column("联系电话", "phone", "text", ("电话", "手机号码", "手机号", "本人电话")),
    ),
)
