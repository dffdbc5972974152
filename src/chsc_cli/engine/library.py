"""Loading the indicator library: the shipped YAML files, plus a centre's own (`--indicators DIR`).

Every file is checked before anything fails: all problems of all files are reported together as
`file:line: message〔token〕`, then the command stops (exit 2).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from ..problems import UserError
from ..pydantic_words import best_branches, close_key, key_name, keys_at, type_message
from ..registers import KINDS, VALUE_SETS
from .definition_checks import check_indicator, check_population
from .population_graph import loops, reachable
from .model import FIELD_MARK, ITEM_MARK, CategoryFile, Indicator, ParameterFile, Population, PopulationFile
from .typecheck import TEXT_MARK
from ..yamlfile import YamlError, line_at, load_yaml, yaml_text

POPULATIONS_FILE = "populations.yaml"
PARAMETERS_FILE = "parameters.yaml"
CATEGORIES_FILE = "categories.yaml"
#: Files of a library folder that are not indicators.
SHARED_FILES = (POPULATIONS_FILE, PARAMETERS_FILE, CATEGORIES_FILE)


def shipped_library_dir() -> Path:
    """The indicators/ folder shipped in the package (or the repository's, in a source checkout)."""
    packaged = Path(__file__).resolve().parents[1] / "library" / "indicators"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[3] / "indicators"


@dataclass
class Library:
    indicators: dict[str, Indicator] = field(default_factory=dict)
    populations: dict[str, Population] = field(default_factory=dict)
    sources: dict[str, Path] = field(default_factory=dict)  # indicator id -> file
    #: Values every indicator reads as $name unless it has its own (parameters.yaml).
    parameters: dict = field(default_factory=dict)
    #: The parameters.yaml of an extra (a centre's) folder each shared parameter was last given by.
    parameter_sources: dict[str, Path] = field(default_factory=dict)
    #: indicator id -> the shared parameters it reads (its conditions, reasons and populations: $name),
    #: that it has none of its own of: explain shows them with its own.
    shared_parameters_read: dict[str, tuple[str, ...]] = field(default_factory=dict)
    population_sources: dict[str, Path] = field(default_factory=dict)  # population name -> file
    #: Definition warnings (a word a keep-as-written column does not list), `file:line: message`.
    warnings: list[str] = field(default_factory=list)
    #: The order of service categories in reports (categories.yaml; a centre's file replaces it).
    categories: tuple[str, ...] = ()
    #: Populations a populations.yaml defines with a mistake (reported): not loaded, and not said
    #: again to be undefined where they are used.
    unloaded_populations: set[str] = field(default_factory=set)
    #: A populations.yaml that could not be read (its YAML, or its top level): what it defines is unknown.
    populations_unread: bool = False

    def category_order(self, names):
        """`names` in the order of categories.yaml; the unlisted after them, as given."""
        position = {name: index for index, name in enumerate(self.categories)}
        given = list(dict.fromkeys(names))
        return sorted(given, key=lambda name: (position.get(name, len(position)), given.index(name)))

    def failed_to_load(self, name: str) -> bool:
        """A population used but not loaded because its definition has a mistake, reported where it
        is defined (so its users are not also told it is undefined)."""
        return name not in self.populations and (self.populations_unread or name in self.unloaded_populations)

    def population(self, reference: str | Population) -> Population:
        return self.populations[reference] if isinstance(reference, str) else reference

    def parameters_of(self, indicator: Indicator) -> dict:
        """The shared parameters with the indicator's own on top."""
        return {**self.parameters, **indicator.parameters}

    def find(self, text: str) -> str | None:
        """The id of the indicator named `text`: its id, or its Chinese name (老年人健康管理率),
        ignoring white space and full-width forms; None when no indicator has that id or name."""
        wanted = _comparable(text)
        for indicator_id, indicator in self.indicators.items():
            if wanted in (_comparable(indicator_id), _comparable(indicator.name)):
                return indicator_id
        return None

    def figure_names(self) -> dict[str, str]:
        """Every chsc.yaml setting the indicators' `figure:` read (population.total …) -> the id of
        the first indicator reading it."""
        named: dict[str, str] = {}
        for indicator_id, indicator in self.indicators.items():
            for name in indicator.denominator.figure_names if indicator.denominator is not None else ():
                named.setdefault(name, indicator_id)
        return named

    def located(self, indicator_id: str, message: str) -> str:
        """`file:line: message` for a message about an indicator (the line of its 〔token〕)."""
        return _located(self.sources[indicator_id], message)

    def listing(self) -> str:
        """Every indicator as 「id（名称）」, for a message saying which ones exist."""
        return "；".join(f"{indicator_id}（{indicator.name}）" for indicator_id, indicator in self.indicators.items())


def _comparable(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).split()).lower()


def load_library(extra_dirs: list[Path] | tuple[Path, ...] = ()) -> Library:
    """The shipped library, then each extra folder: a file with an existing `id` replaces it."""
    library = Library()
    # the register kinds' value sets that are lists of words (face_to_face_modes …) are shared
    # parameters too: one list serves the reader's vocabulary and the indicators
    library.parameters.update({name: list(words) for name, words in VALUE_SETS.items() if isinstance(words, tuple)})
    problems: list[str] = []
    folders: dict[Path, Path] = {}
    for folder in (shipped_library_dir(), *extra_dirs):  # each once, as first given (-i a -i ./a)
        folders.setdefault(_resolved(folder), folder)
    for folder in folders.values():
        if not folder.is_dir():
            raise UserError(f"找不到指标文件夹：{folder}", hint="--indicators 应指向存放指标 YAML 文件的文件夹。")
        _load_folder(folder, library, problems)
    problems += _names_given_twice(library)
    found_loops = loops(library.populations)
    for loop in found_loops:
        path = library.population_sources.get(loop[0], Path(POPULATIONS_FILE))
        problems.append(_located(path, f"人群「{loop[0]}」经 {' → '.join(loop)} 引用了自己，求不出其中的人；"
                                       f"请去掉这一圈中的一处 union 或 in_population〔{loop[0]}:〕"))
    if found_loops:  # a loop is not typed (its field types would recurse): said with what was found so far
        _refuse(problems)
    typed_populations = {}
    population_texts: dict[str, str] = {}  # (a population read by several indicators is written out once)
    for name, population in library.populations.items():
        path = library.population_sources.get(name, Path(POPULATIONS_FILE))
        typed, found, warned = check_population(population, library, KINDS, library.parameters)
        typed_populations[name] = typed
        problems += [_located(path, p, f"（{name}）") for p in found]
        library.warnings += [_located(path, w, f"（{name}）") for w in warned]
    for indicator_id, indicator in library.indicators.items():
        path = library.sources[indicator_id]
        if indicator.gaps is not None and indicator.registers[0] in KINDS:
            known = {c.field for c in KINDS[indicator.registers[0]].columns}
            fields = [*indicator.gaps.columns, *(indicator.gaps.late or ())]
            problems += [_located(path, f"gaps：{indicator.registers[0]} 没有字段「{f}」〔{f}〕") for f in fields if f not in known]
        typed, found, warned = check_indicator(indicator, library, KINDS, library.parameters)
        unused, read = _parameters_read(indicator, path, library, population_texts)
        warned += unused
        library.shared_parameters_read[indicator_id] = tuple(
            name for name in read if name not in indicator.parameters and name in library.parameters)
        warned += [f"parameters.{name}：本指标自己的参数 {name} = {indicator.parameters[name]} 优先，"
                   f"{library.parameter_sources[name]} 中的 {name} = {library.parameters[name]} 对本指标不起作用；"
                   f"要改本指标的值，请把指标文件复制到 --indicators 文件夹中修改"
                   for name in indicator.parameters if name in library.parameter_sources and name in read
                   and library.parameters[name] != indicator.parameters[name]
                   and library.sources[indicator_id].parent != library.parameter_sources[name].parent]
        library.indicators[indicator_id] = typed
        problems += [_located(path, p) for p in found]
        library.warnings += [_located(path, w) for w in warned]
    library.populations = typed_populations
    library.indicators = dict(sorted(library.indicators.items(), key=lambda item: (item[1].order, item[0])))
    if problems:
        _refuse(problems)
    return library


def _names_given_twice(library: Library) -> list[str]:
    """Two indicators with one name (名称; a copied file given a new id, its name left as it was):
    `explain 名称` and `gaps 名称` would find the first only, and tables would show the name twice.
    Names compare as `find` reads them. A file replacing an indicator has its id, not a second name."""
    named: dict[str, str] = {}
    found = []
    for indicator_id, indicator in library.indicators.items():
        other = named.setdefault(_comparable(indicator.name), indicator_id)
        if other != indicator_id:
            path = library.sources[indicator_id]
            found.append(f"{path}:{_key_line(path, 'name')}: 指标 {indicator_id} 的名称「{indicator.name}」与 "
                         f"{library.sources[other]} 中的指标 {other} 相同；每个指标的名称须不同（explain、gaps 按名称找指标），"
                         f"请改名；若要替换那个指标，请用相同的 id（{other}）")
    return found


def _parameters_read(indicator: Indicator, path: Path, library: Library, texts: dict[str, str]) -> tuple[list[str], list[str]]:
    """(the warnings of a parameter of the indicator's own that none of its conditions or reasons
    reads ($name), nor those of the populations it reads (a population reading $max_pregnancy_days
    takes the indicator's value): a misspelt name, or one from another version of the file — setting
    it changes nothing; and the names of every $parameter they read)."""
    try:
        text = yaml_text(path.read_bytes())
    except (OSError, UnicodeDecodeError):
        return [], []
    for name in reachable(indicator, library.populations):
        text += texts.setdefault(name, repr(library.populations[name]))
    read = list(dict.fromkeys(re.findall(r"\$([A-Za-z_][A-Za-z0-9_]*)", text)))
    return [f"parameters.{name}：参数 {name} 没有被任何条件使用（条件里写作 ${name}），改它不会改变结果；请检查名称"
            for name in indicator.parameters if name not in read], read


def _resolved(folder: Path) -> Path:
    """Where a folder is, to know it under another spelling (a, ./a, a link to it)."""
    try:
        return folder.resolve()
    except OSError:
        return folder


def _refuse(problems: list[str]) -> None:
    problems = list(dict.fromkeys(problems))  # (a mistake two checks find is said once)
    shown = "\n".join(problems[:20])
    more = f"\n……另有 {len(problems) - 20} 处" if len(problems) > 20 else ""
    raise UserError(f"指标定义有误（共 {len(problems)} 处）：\n{shown}{more}", code="bad-config")


def _located(path: Path, problem: str, label: str = "") -> str:
    """`file:line: message`: the line of the condition (marked in the message) or of the token."""
    text = re.search(f"{TEXT_MARK}(.*?){TEXT_MARK}", problem, re.S)
    message = re.sub(f"{TEXT_MARK}.*?{TEXT_MARK}", "", problem, flags=re.S)
    token = re.search(r"〔([^〕]*)〕", message)
    needles = [text.group(1)] if text else []
    if token:
        needles.append(token.group(1))
    line = None
    try:
        lines = yaml_text(path.read_bytes()).splitlines()
    except (OSError, UnicodeDecodeError):
        lines = []
    for needle in filter(None, needles):
        line = next((number for number, content in enumerate(lines, 1) if needle in content), None)
        if line is not None:
            break
    if line is None:  # no token to find: the line of the key the message names (registers, date ...)
        key = re.sub(r"\[\d+\]", "", message.split("：", 1)[0]).rsplit(".", 1)[-1]
        line = next((number for number, content in enumerate(lines, 1) if content.strip().startswith(f"{key}:")), None)
    return f"{path}:{line or '?'}{label}: {message}"


def _load_folder(folder: Path, library: Library, problems: list[str]) -> None:
    categories_file = folder / CATEGORIES_FILE
    if categories_file.is_file():
        parsed = _parse(categories_file, CategoryFile, problems)
        if parsed is not None:
            library.categories = parsed.categories
    parameter_file = folder / PARAMETERS_FILE
    if parameter_file.is_file():
        parsed = _parse(parameter_file, ParameterFile, problems)
        if parsed is not None:
            library.parameters.update(parsed.parameters)
            if _resolved(folder) != _resolved(shipped_library_dir()):
                library.parameter_sources.update(dict.fromkeys(parsed.parameters, parameter_file))
    population_file = folder / POPULATIONS_FILE
    if population_file.is_file():
        _load_populations(population_file, library, problems)
    for path in sorted(folder.glob("*.y*ml")):
        if path.name in SHARED_FILES or path.suffix not in (".yaml", ".yml"):
            continue
        indicator = _parse(path, Indicator, problems)
        if indicator is None:
            continue
        if indicator.id != path.stem:
            problems.append(f"{path}:{_id_line(path)}: 文件名应与 id 相同（{indicator.id}.yaml）〔{indicator.id}〕")
        earlier = library.sources.get(indicator.id)
        if earlier is not None and earlier.parent != shipped_library_dir():  # two of the centre's folders
            library.warnings.append(f"{path}:{_id_line(path)}: 指标 {indicator.id} 在 {earlier} 中也有定义，"
                                    f"采用后给出的这一份；如非有意，请删去其中一份")
        library.indicators[indicator.id] = indicator
        library.sources[indicator.id] = path


def _id_line(path: Path) -> int | str:
    """The line of a file's `id:` (read again: only on the way to an error)."""
    return _key_line(path, "id")


def _key_line(path: Path, key: str) -> int | str:
    """The line of a file's top-level `key:` (read again: only on the way to an error)."""
    try:
        return line_at(load_yaml(path), (key,)) or 1
    except YamlError:
        return "?"


def _parse(path: Path, model, problems: list[str]):
    data = _read(path, problems)
    return None if data is None else _validated(path, data, model, problems)


def _read(path: Path, problems: list[str]) -> dict | None:
    try:
        data = load_yaml(path)
    except YamlError as error:
        problems.append(f"{path}:{error.line or '?'}: {error.message}")
        return None
    if not isinstance(data, dict):
        problems.append(f"{path}:1: 文件内容应为「键: 值」的映射")
        return None
    return data


def _validated(path: Path, data: dict, model, problems: list[str], failed: list[tuple] | None = None):
    """`data` as a `model`, or None with its mistakes in `problems` — each said once, and at a
    union only those of the type the value comes closest to (best_branches); `failed` gets their
    locations."""
    try:
        return model.model_validate(data)
    except ValidationError as error:
        said = []
        for item in best_branches(error.errors(), _is_union_tag):
            if failed is not None:
                failed.append(tuple(item["loc"]))
            allowed = keys_at(model, _mapping_of(item["loc"])) if item["type"] == "extra_forbidden" else ()
            location = tuple(step for step in item["loc"] if not _is_union_tag(step))
            field = re.search(f"{FIELD_MARK}(\\w+){FIELD_MARK}", item["msg"])
            if field:  # a check of the whole indicator names the key it is about (unit, key, target)
                location = (*location, field.group(1))
                item["msg"] = item["msg"].replace(field.group(0), "")
            marked = re.search(f"{ITEM_MARK}(\\d+){ITEM_MARK}", item["msg"])
            line_location = (*location, int(marked.group(1))) if marked else location
            item["msg"] = re.sub(f"{ITEM_MARK}\\d+{ITEM_MARK}", "", item["msg"])
            line = line_at(data, line_location) or "?"
            said.append(f"{path}:{line}: {_describe(item, location, allowed)}")
        problems += dict.fromkeys(said)
        return None


def _load_populations(path: Path, library: Library, problems: list[str]) -> None:
    """A folder's populations.yaml. Each population stands alone: one with a mistake is reported and
    left out — its name in `library.unloaded_populations`, so that the indicators (and populations)
    using it are not also said to use an undefined one — and the others load. A file whose
    populations cannot be told apart (bad YAML, a mistake at its top level) makes every undefined
    name one that failed to load."""
    data = _read(path, problems)
    if data is None:
        library.populations_unread = True
        return
    failed: list[tuple] = []
    parsed = _validated(path, data, PopulationFile, problems, failed)
    entries = data.get("populations")
    if parsed is None and isinstance(entries, dict):
        broken = {str(location[1]) for location in failed if len(location) > 1 and location[0] == "populations"}
        if all(len(location) > 1 and location[0] == "populations" for location in failed):
            parsed = _validated(path, {**data, "populations": {name: population for name, population in entries.items()
                                                                if str(name) not in broken}}, PopulationFile, problems)
        library.unloaded_populations |= broken if parsed is not None else set(map(str, entries))
    elif parsed is None:
        library.populations_unread = True
    if parsed is not None:
        library.populations.update(parsed.populations)
        library.population_sources.update(dict.fromkeys(parsed.populations, path))


def _mapping_of(location: tuple) -> tuple:
    """The location of the mapping an unknown key is in: at a union, the union (its keys are those
    of any of its types: `unoin` in a population is close to a Union's `union`)."""
    location = tuple(location)[:-1]
    return location[:-1] if location and _is_union_tag(location[-1]) else location


def _is_union_tag(step: object) -> bool:
    return isinstance(step, str) and (step in ("str", "Population", "Figure", "Union") or "[" in step)


def _describe(item: dict, location: tuple, allowed: tuple[str, ...] = ()) -> str:
    where = ".".join(str(step) for step in location)
    if item["type"] == "extra_forbidden":
        return f"未知的键「{location[-1]}」（{where}）{close_key(location[-1], allowed)}"
    if item["type"] == "missing":
        return f"缺少必需的键「{location[-1]}」（{where}）"
    if item["type"] in ("string_too_short", "string_pattern_mismatch"):
        return f"「{location[-1]}」不能为空（{where}）"
    typed = type_message(item, key_name(location))  # unit: persons, order: 第二百
    if typed is not None:
        return f"{typed}（{where}）"
    message = re.sub(r"^(Value error|Assertion failed), ", "", item["msg"])
    return f"{where}：{message}"
