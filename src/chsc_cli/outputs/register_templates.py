"""Blank registers a centre can fill in (`chsc template`, `chsc init`): the canonical headers,
the ID column formatted as text (so Excel keeps all 18 digits), date columns as dates, and
dropdowns for yes/no, 随访方式 and the other vocabularies."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

from ..registers.columns import RegisterKind
from .xlsx_writer import SheetSpec, write_xlsx

TEMPLATE_ROWS = 1000


def template_files(kinds: Mapping[str, RegisterKind]) -> dict[str, str]:
    """kind name -> the file `chsc init` writes for it: its title (高血压 / 糖尿病 in the title tell
    the pairs apart), with the kind's name added where two kinds share a title. A title is a kind
    file's text, not a path: it is made one plain file name in the new folder (a title
    `../居民健康档案花名册` once made `chsc init` write over a register beside it)."""
    titles = {name: _file_name(kind.title, name) for name, kind in kinds.items()}
    shared = list(titles.values())
    return {
        name: f"{title}.xlsx" if shared.count(title) == 1 else f"{title}（{name}）.xlsx" for name, title in titles.items()
    }


#: What a file name cannot hold on Windows or Linux (separators, reserved signs, control characters).
_NOT_IN_A_FILE_NAME = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f-\x9f]')
_RESERVED_NAMES = {"CON", "PRN", "AUX", "NUL", *(f"COM{n}" for n in range(10)), *(f"LPT{n}" for n in range(10))}


def _file_name(title: str, fallback: str) -> str:
    """`title` as one file name: without what a file name cannot hold, nor leading or trailing dots
    and spaces (`..` is no name); the kind's name where nothing is left or Windows reserves it."""
    name = _NOT_IN_A_FILE_NAME.sub("", title).strip(". \u3000")
    return fallback if not name or name.upper() in _RESERVED_NAMES else name


def template_sheet(kind: RegisterKind) -> SheetSpec:
    columns = [c for c in kind.columns if not c.fills]  # a 血压 column's two readings have their own
    header = [c.header for c in columns]
    text_columns = {i for i, c in enumerate(columns) if c.type in ("id", "code", "text")}
    date_columns = {i for i, c in enumerate(columns) if c.type == "date"}
    validations = []
    for index, column in enumerate(columns):
        if column.type == "yesno" and (not column.vocabulary or column.own_words):  # 签约: 是/否 to enter
            validations.append((index, ["是", "否"]))
        elif column.vocabulary:
            validations.append((index, _choices(column.vocabulary)))
    return SheetSpec(
        title=kind.title,
        header=header,
        rows=[],
        text_columns=text_columns,
        date_columns=date_columns,
        validations=validations,
        suggested={i for i, c in enumerate(columns) if c.content_filled},  # any content is yes: 是/否 only suggested
        empty_rows=TEMPLATE_ROWS,
    )


def _choices(vocabulary: dict) -> list[str]:
    """The canonical words when they are Chinese (性别: 男, 女), else the words as written."""
    values = list(dict.fromkeys(vocabulary.values()))
    if all(isinstance(v, str) and not v.isascii() for v in values):
        return values
    return list(dict.fromkeys(vocabulary))


def write_template(path: Path, kind: RegisterKind, protected=()) -> Path:
    return write_xlsx(path, [template_sheet(kind)], protected=protected, result=False)  # a register to fill in


CONFIG_TEMPLATE = """\
# chsc.yaml —— 本中心的设置（均可选）。以 # 开头的是注释；去掉 # 并填上数字即生效。
# chsc.yaml: the centre's settings (all optional). Remove the leading # to use a line.

centre: {centre}

# 上级下达的基础数据（官方分母）。不填时，能用名册代替的指标改用名册人数。
# 自己指标库中指标的 figure: population.键 读取的人数也写在 population: 下（如 disabled_persons: 850）。
# population:
#   total: 100000          # 辖区常住人口数 → 居民健康档案建档率、家庭医生签约率的分母
#   age_65_plus: 12000     # 辖区65岁及以上常住居民数 → 老年人健康管理率的分母
#   adults_18_plus: 80000  # 18岁及以上常住居民数 → 高血压/糖尿病患者管理率的分母（×患病率）
#   live_births: 900       # 辖区活产数 → 新生儿访视率、早孕建册率、产后访视率、孕产妇系统管理率的分母
#   children_0_6: 6500     # 辖区0～6岁儿童数 → 0～6岁儿童健康管理率的分母

# 患病率（用于估算辖区患者数）：可写 0.25 或 "25%"
# prevalence:
#   hypertension: 0.25
#   diabetes: 0.09

# 各服务站的官方人数（chsc compute --by station 时用；站名与登记表中“所属站点”一致，空格不计）
# stations:
#   一站: {{total: 25000, age_65_plus: 3100}}

# 覆盖指标的目标值：0.9 或 "90%"（指标 id 见 chsc indicators）
# targets:
#   elderly_health_management_rate: 0.90

# 本中心表头的其他写法：别名: 标准列名
# columns:
#   证件号: 身份证号

# 年龄按统计期末（period_end，默认）还是期初（period_start）计算
# reference_date: period_end

# 隐藏的工作表：read 读入其中的登记表（默认；“非常隐藏”的工作表只有程序能设，多是系统的备份或代码表，跳过并列出），
# skip 跳过所有隐藏的工作表，all 连“非常隐藏”的也读入
# hidden_sheets: read

# 文件类型无法自动判断时指定：文件名通配符（可加 #工作表名）: 登记表类型；文件名照写也可以（含 # 或 [ ] 的文件名亦可）
# kinds:
#   "*慢病名册*.xlsx": hypertension_patients

# 往年的官方人数（--compare 与 progress 用），写法同 population
# population_by_year:
#   2024: {{total: 98000, age_65_plus: 11500}}
"""
