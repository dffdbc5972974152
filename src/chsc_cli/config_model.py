"""`chsc.yaml`'s settings as a pydantic model: what each key may hold, with numbers read exactly
(`0.25` is `Decimal('0.25')`, "90%" is 0.9, "100,000" persons is 100000). config.py reads the file
and turns a validation error into one Chinese line naming the key and its line."""

from __future__ import annotations

import unicodedata
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator
from pydantic_core import PydanticCustomError

from chsc_cli.characters import CONTROL_CHARACTERS

# --------------------------------------------------------------------------------------- values


def _number_text(value: Any) -> str:
    """The text of a number the user wrote (YAML number or quoted string), for Decimal()."""
    if isinstance(value, bool) or not isinstance(value, (int, Decimal, float, str)):
        raise PydanticCustomError("not-a-number", "不是数字")
    return str(value).strip().replace(",", "").replace("_", "")


def _decimal(value: Any) -> Decimal:
    """0.9, "0.9", "90%", "90 ％" → Decimal('0.9') (normalised); anything else is an error."""
    text = _number_text(value)
    percent = text.endswith(("%", "％"))
    if percent:
        text = text[:-1].strip()
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise PydanticCustomError("not-a-number", "不是数字") from None
    if not number.is_finite():
        raise PydanticCustomError("not-a-number", "不是有限的数字")
    if percent:
        number = number.scaleb(-2)
    return number.normalize() if number else Decimal(0)


def _target(value: Any) -> Decimal:
    """A rate in [0, 1] (0.9, "90%"), or a whole number of times a year for a count indicator (12);
    which one an indicator takes is checked against the library (services.config_rules.verify_targets)."""
    number = _decimal(value)
    whole = not (isinstance(value, str) and value.strip().endswith(("%", "％"))) and number == number.to_integral_value()
    if whole and number > 1:
        return number.to_integral_value()
    if number < 0:
        raise PydanticCustomError("out-of-range", "目标不能是负数")
    if number > 1:
        raise PydanticCustomError("out-of-range", "超出 0 到 1（0% 到 100%）的范围，也不是计次指标的整数次数")
    return number


def _prevalence(value: Any) -> Decimal:
    number = _decimal(value)
    if not Decimal(0) < number < Decimal(1):
        raise PydanticCustomError("out-of-range", "必须大于 0 且小于 1（0% 到 100% 之间，不含两端）")
    return number


def _count(value: Any) -> int:
    """A number of persons: 100000, "100,000", 100000.0 → 100000; must be positive."""
    if isinstance(value, str) and value.strip().endswith(("%", "％")):
        raise PydanticCustomError("not-a-count", "人数不能写成百分数")
    number = Decimal(value) if isinstance(value, int) and not isinstance(value, bool) else _decimal(value)
    if number != number.to_integral_value():
        raise PydanticCustomError("not-a-count", "人数必须是整数")
    if number <= 0:
        raise PydanticCustomError("not-positive", "人数必须大于 0")
    return int(number)


def _empty_as_default(value: Any) -> Any:
    """`stations:` with nothing under it (all entries commented out) means no entries."""
    return {} if value is None else value


Count = Annotated[int, BeforeValidator(_count)]
Target = Annotated[Decimal, BeforeValidator(_target)]
Prevalence_ = Annotated[Decimal, BeforeValidator(_prevalence)]
Text = Annotated[str, Field(min_length=1)]
Year = Annotated[int, Field(ge=1900, le=2100)]


def station_key(name: str) -> str:
    """A station's name as the registers' text reads it (NFKC, all white space removed): a
    `stations:` entry 「Ａ站」 or 「城东 站」 is the station a register writes 「A站」 or 「城东站」."""
    return "".join(unicodedata.normalize("NFKC", CONTROL_CHARACTERS.sub("", "".join(name.split()))).split())


# --------------------------------------------------------------------------------------- models


class OfficialFigures(BaseModel):
    """Figures an indicator's `figure:` reads by key (`population.total`): the keys declared below
    are chsc's own, documented ones; any other key is kept (checked as the declared ones are) for an
    indicator of a centre's own library to name — a key that no loaded indicator names is refused
    once the library is known (services.config_rules.verify_figures)."""

    model_config = ConfigDict(extra="allow")

    #: What a value of this section must be (the declared keys' validator), used on the other keys'
    #: values once the library has said which of them are figures (config_rules.verify_figures): a
    #: misspelt key is said as one, not as a bad number — `totl:` left empty, or a section indented
    #: under population: by mistake.
    @staticmethod
    def checked(value: Any) -> Any:
        raise NotImplementedError

    def figure(self, key: str):
        """The value given for `key`, or None (never an attribute of the model: `copy` is a key here)."""
        if key in type(self).model_fields:
            return getattr(self, key)
        value = (self.model_extra or {}).get(key)
        return None if value is None else type(self).checked(value)

    def other_keys(self) -> list[str]:
        """The keys given that are not chsc's own (for an indicator's `figure:` to name)."""
        return list(self.model_extra or {})


class Population(OfficialFigures):
    """Official denominators (基础数据); every key optional."""

    __pydantic_extra__: dict[str, Any] = Field(init=False)  # checked by verify_figures (OfficialFigures.checked)

    checked = staticmethod(_count)

    total: Count | None = Field(None, description="辖区常住人口数")
    age_65_plus: Count | None = Field(None, description="辖区65岁及以上常住居民数")
    adults_18_plus: Count | None = Field(None, description="辖区18岁及以上常住居民数")
    live_births: Count | None = Field(None, description="辖区活产数")
    children_0_6: Count | None = Field(None, description="辖区0～6岁儿童数")


class Prevalence(OfficialFigures):
    """Prevalence rates for 管理率 estimates, as fractions strictly between 0 and 1."""

    __pydantic_extra__: dict[str, Any] = Field(init=False)  # checked by verify_figures (OfficialFigures.checked)

    checked = staticmethod(_prevalence)

    hypertension: Prevalence_ | None = Field(None, description="高血压患病率")
    diabetes: Prevalence_ | None = Field(None, description="糖尿病患病率")


#: The chsc.yaml sections a `figure:` reads (`population.total`, `prevalence.diabetes`) and their models.
FIGURE_SECTIONS: dict[str, type[OfficialFigures]] = {"population": Population, "prevalence": Prevalence}


class CentreConfig(BaseModel):
    """Everything `chsc.yaml` may hold. Keys of targets, columns and kinds are checked by later layers."""

    model_config = ConfigDict(extra="forbid")

    centre: Text | None = None
    population: Population | None = None
    prevalence: Prevalence | None = None
    stations: Annotated[dict[str, Population], BeforeValidator(_empty_as_default)] = {}
    targets: Annotated[dict[str, Target], BeforeValidator(_empty_as_default)] = {}
    columns: Annotated[dict[str, Text], BeforeValidator(_empty_as_default)] = {}
    reference_date: Literal["period_end", "period_start"] = "period_end"
    #: Sheets a workbook hides: `read` (the default) reads a hidden sheet that is a register and skips
    #: one that is not (a lookup list), and skips "very hidden" ones (only a program sets that: a
    #: system's backup or code lists); `skip` skips every hidden sheet; `all` reads very hidden ones too.
    hidden_sheets: Literal["read", "skip", "all"] = "read"
    kinds: Annotated[dict[str, Text], BeforeValidator(_empty_as_default)] = {}
    population_by_year: Annotated[dict[Year, Population], BeforeValidator(_empty_as_default)] = {}

    @field_validator("stations")
    @classmethod
    def _stations_distinct(cls, stations: dict[str, Population]) -> dict[str, Population]:
        seen: dict[str, str] = {}
        for name in stations:
            key = station_key(name)
            if not key:
                raise PydanticCustomError("station-name", "服务站名称不能为空")
            if key in seen:
                raise PydanticCustomError(
                    "station-clash", "「{a}」和「{b}」去掉空格（全角字符按半角）后是同一个服务站", {"a": seen[key], "b": name}
                )
            seen[key] = name
        return stations

    def station_figures(self, name: str) -> Population | None:
        """The `stations` entry for a station named in a register, as station_key reads both."""
        wanted = station_key(name)
        for station, figures in self.stations.items():
            if station_key(station) == wanted:
                return figures
        return None
