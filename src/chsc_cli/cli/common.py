"""What every command shares: exit codes, consoles, loading the data folder, reading options."""

from __future__ import annotations

import codecs
import json
import os
import sys
from contextlib import contextmanager
from pathlib import Path

from rich.console import Console
from rich.segment import Segment

from ..characters import TERMINAL_CONTROLS, shown_controls
from ..id_masks import mask_ids_in_data, mask_ids_in_str
from ..problems import UserError

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_USER_ERROR = 2
EXIT_INTERNAL_ERROR = 3

for _name in ("stdout", "stderr"):  # started with the stream closed (chsc ... >&-): what it says goes nowhere
    if getattr(sys, _name) is None:
        setattr(sys, _name, open(os.devnull, "w", encoding="utf-8"))  # noqa: SIM115 - for the whole run


#: What a character stdout's encoding cannot hold becomes, the first the encoding has: a cp936
#: redirect on Chinese Windows (chsc check … > 结果.txt) has √ and × but not ✓ and ✗; ASCII has neither.
_FALLBACKS = {"✓": ("√", "Y"), "✗": ("×", "N"), "—": ("-",), "…": ("...",), "×": ("x",), "√": ("Y",)}


def _fallback(error: UnicodeError) -> tuple[str, int]:
    """The `chsc-fallback` codec error handler: each character the encoding cannot hold becomes its
    fallback, or "?" (as errors="replace"; a file name's undecodable bytes too)."""
    if not isinstance(error, UnicodeEncodeError):
        raise error
    replaced = []
    for char in error.object[error.start:error.end]:
        for candidate in (*_FALLBACKS.get(char, ()), "?"):
            try:
                candidate.encode(error.encoding)
            except (UnicodeError, LookupError):
                continue
            replaced.append(candidate)
            break
    return "".join(replaced), error.end


codecs.register_error("chsc-fallback", _fallback)


def tolerant_streams() -> None:
    """Standard output and error write what their encoding cannot hold as a fallback instead of
    raising: a table that printed ✗ into a GBK stream ended as 内部错误 (exit 3), and a register's
    file name with undecodable bytes (surrogate-escaped) could not be printed even as UTF-8."""
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            try:
                stream.reconfigure(errors="chsc-fallback")
            except (OSError, ValueError):  # a closed or unusual stream: left as it is
                pass


def _width(stream) -> int | None:
    """Rich's width: the terminal's; when redirected, wide enough for the tables (COLUMNS wins)."""
    return None if os.environ.get("COLUMNS") or stream.isatty() else 160


class MaskedStream:
    """sys.stdout or sys.stderr — whichever is current when written to (a test or rich's live display
    redirects them) — with every ID number in what is written masked (id_masks.mask_ids_in_str): the
    last guard of everything chsc prints, a file's name in a notice or an error, a cell quoted in a
    message (cli.md: warnings never hold a full ID number). Masking keeps a text's length, so a
    table's layout is unchanged; a table still masks its cells itself (a narrow column can fold an
    ID over two lines). `ids_shown` lets `gaps --show-id` print its list whole."""

    def __init__(self, name: str):
        self.name = name
        self.shown = False

    def write(self, text: str) -> int:
        try:
            return getattr(sys, self.name).write(text if self.shown else mask_ids_in_str(text))
        except BrokenPipeError:  # `chsc gaps … | head`: the reader has what it wanted
            self._closed()
            return len(text)

    def flush(self) -> None:
        try:
            getattr(sys, self.name).flush()
        except BrokenPipeError:
            self._closed()

    def _closed(self) -> None:
        """The pipe was closed by its reader: what is left to write goes nowhere, and the command ends
        with its own exit code (rich ended it with exit 1, which for check and validate means a
        missed target or data errors)."""
        stream = getattr(sys, self.name)
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, stream.fileno())
            os.close(devnull)
        except (OSError, ValueError):
            pass

    def __getattr__(self, attribute: str):
        if attribute == "rich_proxy_file":  # rich would write to the file behind a live display's proxy, unmasked
            raise AttributeError(attribute)
        return getattr(getattr(sys, self.name), attribute)


STDOUT, STDERR = MaskedStream("stdout"), MaskedStream("stderr")


@contextmanager
def ids_shown(shown: bool):
    """Standard output unmasked while `shown` (gaps --show-id: the list the user asked for whole)."""
    saved, STDOUT.shown = STDOUT.shown, shown
    try:
        yield
    finally:
        STDOUT.shown = saved


class _Console(Console):
    """rich's Console, showing the control characters of what it prints instead of sending them to
    the terminal: a register's cells lose theirs when read, but a file's or a sheet's name, or a
    chsc.yaml name, reach every table and message as written (ESC[2J in a file name cleared the
    screen of whoever ran validate). rich's own colours and cursor moves are added after."""

    def _render_buffer(self, buffer) -> str:
        return super()._render_buffer(
            Segment(shown_controls(text), style, control) if not control and TERMINAL_CONTROLS.search(text)
            else Segment(text, style, control)
            for text, style, control in buffer
        )


# markup=False: text from a register, a file name or a library is printed as written ("[/x]" in a
# cell once ended validate with an internal error); styled words are rich Text objects
stdout = _Console(file=STDOUT, highlight=False, emoji=False, soft_wrap=True, markup=False, width=_width(sys.stdout))
stderr = _Console(file=STDERR, stderr=True, highlight=False, emoji=False, soft_wrap=True, markup=False, width=_width(sys.stderr))


def use_register_kinds_option(folders: list[Path] | None) -> None:
    """--register-kinds: the shipped register kinds plus the centre's (bad files: exit 2, file:line)."""
    from ..registers import use_register_kinds

    use_register_kinds(folders or [])


@contextmanager
def file_progress(total: int, quiet: bool, description: str = "读取登记表"):
    """A rich progress bar on stderr (only on a terminal); yields a callback taking a file name."""
    if quiet or total == 0 or not sys.stderr.isatty():
        yield lambda name: None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(
        TextColumn("{task.description}", style="bold", markup=False),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.fields[name]}", markup=False),  # a file's name as it is, never markup
        console=stderr,
        transient=True,
    ) as progress:
        task = progress.add_task(description, total=total, name="")
        yield lambda name: progress.update(task, advance=1, name=name)


@contextmanager
def busy(message: str, quiet: bool):
    """A spinner with `message` on stderr (only on a terminal) while a step of a second or more
    runs that has no count of its own to show."""
    if quiet or not stderr.is_terminal:
        yield
        return
    from rich.text import Text

    with stderr.status(Text(message), spinner="dots"):  # as written: a file name is not markup
        yield


def writing_status(path: Path, rows: int, quiet: bool):
    """The spinner while a large file is written (a 90,000-row gap workbook takes seconds, most of
    them inside the xlsx library, which reports no progress of its own)."""
    return busy(f"正在写入 {path.name}（{rows:,} 行）…", quiet)


def emit(text: str) -> None:
    """Machine-readable output (JSON, CSV) straight to stdout, never wrapped or coloured (ID numbers
    masked, as everything printed; a control character shown, as _Console does)."""
    text = shown_controls(text)
    STDOUT.write(text)
    if not text.endswith("\n"):
        STDOUT.write("\n")
    STDOUT.flush()


def emit_json(data) -> None:
    """JSON on stdout: as the files are written (outputs.writer.json_text) when stdout can hold every
    character; else with \\u escapes (ASCII only), which every JSON reader reads back as the
    characters, where the fallback's "?" would lose a rare character of a name in a cp936 redirect."""
    from ..outputs.writer import json_text

    # masked here, not only by the stream: a \u escape's last hex digits run into a following ID
    # (\u7ad9110105…) and hide it from the stream's look for a run of exactly 18 characters
    data = data if STDOUT.shown else mask_ids_in_data(data)
    text = json_text(data)
    try:
        text.encode(getattr(sys.stdout, "encoding", None) or "utf-8")
    except (UnicodeError, LookupError):
        text = json.dumps(data, ensure_ascii=True, indent=2)
    emit(text)


def parse_period_option(text: str, option: str = "--period"):
    """The period an option gives; a bad one is a user error naming the option (--period, --compare)."""
    from ..periods import PeriodError, parse_period

    try:
        return parse_period(text)
    except PeriodError as error:
        raise UserError(f"{option}：{error}") from None


def load_workspace(data_dir: Path, config: Path | None, indicators: list[Path] | None, quiet: bool, no_cache: bool = False):
    """The data folder of a computing command (compute, check, gaps, progress, report, explain),
    loaded once by the services layer, with a progress bar while the registers are read. Called
    before the command imports the engine or the outputs: the read starts opening workbooks on a
    thread (registers/read_plan.py) while pandas and they load."""
    from ..config import CONFIG_NAME
    from ..registers.sources import HIDDEN_REGISTER_REASON, OUTPUT_REASON, VERY_HIDDEN_REGISTER_REASON
    from ..services.workspace import open_workspace

    workspace = open_workspace(data_dir, config, indicators or [], use_cache=not no_cache,
                               progress=lambda total: file_progress(total, quiet))
    ours = [item.file for item in workspace.registers.skipped if item.reason == OUTPUT_REASON]
    if ours and not quiet:  # a list staff filled in and saved back would be left out: say it, not only in validate
        stderr.print(f"注意：已跳过 chsc 写出的结果文件 {'、'.join(ours)}（不是登记表）；"
                     "若在其中填写了随访或体检记录，请把记录录入相应的登记表。", markup=False)
    hidden = [item for item in workspace.registers.skipped if item.reason in (HIDDEN_REGISTER_REASON, VERY_HIDDEN_REGISTER_REASON)]
    if hidden and not quiet:  # a register hidden in its workbook is left out: say it, it may be this year's
        names = "、".join(f"{item.file}「{item.sheet}」" for item in hidden)
        setting = "all" if any(item.reason == VERY_HIDDEN_REGISTER_REASON for item in hidden) else "read"
        stderr.print(f"注意：已跳过隐藏的工作表 {names}（内容像登记表）；若要计入，请在 chsc.yaml 中写 hidden_sheets: {setting}。",
                     markup=False)
    centres = [p.parent.name for p in sorted(data_dir.glob(f"*/{CONFIG_NAME}")) if p.is_file()]
    registers_at_root = any("/" not in sheet.file for sheet in workspace.registers.sheets)
    # a district folder read as one centre: every centre pooled, their settings unread (a centre
    # whose backup sub-folder holds a chsc.yaml has registers at its own root: not this case)
    if centres and not registers_at_root and not quiet:
        stderr.print(f"注意：子文件夹 {'、'.join(centres)} 中的 chsc.yaml 未读取，其中的登记表都算作一个中心；"
                     f"若这是区级文件夹（每个子文件夹一个中心），请加 --centres 按中心汇总。", markup=False)
    return workspace


def say_period_notice(result, quiet: bool) -> None:
    """Before the figures, on stderr: the period holds no register row (a mistyped year, or one not
    yet begun). JSON keeps it as a `period-without-data` warning. A district's has a line per centre."""
    notice = getattr(result, "period_notice", None)
    if notice and not quiet:
        for line in notice.splitlines():
            stderr.print(f"注意：{line}", markup=False)
    say_definition_warnings(getattr(result, "warnings", ()), quiet)


def say_definition_warnings(warnings, quiet: bool) -> None:
    """On stderr, each in full: a condition of the indicator files that may not mean what it says
    (library.py's warnings; JSON keeps them as `definition-warning`). They are few, and about the
    user's own files, so they are not counted among the data's problems."""
    from ..engine.results import DEFINITION_WARNING

    if quiet:
        return
    for warning in warnings:
        if warning.code == DEFINITION_WARNING:
            line = warning.rows[0] if warning.rows else "?"
            stderr.print(f"注意：{warning.file}:{line}：{warning.message}", markup=False)


def say_data_problems(result, quiet: bool) -> None:
    """After the output, on stderr (stdout stays the data: a table, CSV): how many errors and
    warnings the data had, the rows or cells with errors left out (cli.md) — the compute table's line."""
    from ..outputs.data_problems import data_problems_text

    period = getattr(getattr(result, "period", None), "label", None)
    said = None if quiet else data_problems_text(getattr(result, "warnings", ()), period=period,
                                                  district=hasattr(result, "centres"))
    if said:
        stderr.print(f"提示：{said}", markup=False)


def indicator_id_of(library, text: str, also: str = "") -> str:
    """The id of the indicator the user named by id or by Chinese name; else a UserError listing
    every indicator with its id and name (and `also`, what else the command takes)."""
    found = library.find(text)
    if found is None:
        raise UserError(f"没有指标「{text}」。", hint=f"可用的指标（id 或名称均可）：{library.listing()}{also}")
    return found


def raise_user_error(message: str, hint: str | None = None):
    raise UserError(message, hint=hint)


#: The suffixes that name a format of some file chsc writes: an -o file with one of these is written
#: in that format, so --format may not say another.
FORMAT_SUFFIXES = ("json", "csv", "xlsx", "html", "md", "docx")


def output_format(given: str | None, output: Path | None, allowed: tuple[str, ...]) -> str:
    """--format, or the -o file's suffix, or the first allowed (the default). Both given must agree
    (cli.md: the -o file's format is its suffix): `--format json -o 指标.xlsx` wrote JSON into an
    .xlsx, which the next read of the data folder stopped on. A suffix that names no format (.txt,
    none) takes --format's."""
    if given is not None:
        given = given.strip().lower()  # --format JSON, as -o 指标.JSON is read
        if given not in allowed:
            raise UserError(f"不支持的输出格式：{given}", hint=f"--format 可选：{'、'.join(allowed)}。")
        suffix = output.suffix.lower().lstrip(".") if output is not None else ""
        if suffix in FORMAT_SUFFIXES and suffix != given:
            hint = (f"去掉 --format，或把文件名改为 {output.stem}.{given}。" if given != "table"
                    else "table 只显示在屏幕上：去掉 --format，按文件后缀写出。")
            raise UserError(f"--format {given} 与 -o 的文件后缀 .{suffix} 不一致。", hint=hint)
        return given
    if output is not None:
        suffix = output.suffix.lower().lstrip(".")
        if suffix not in allowed or suffix == "table":
            files = "、".join(f".{a}" for a in allowed if a != "table")
            raise UserError(f"无法从文件名 {output.name or output} 判断输出格式（-o 要给出文件名，如 结果.xlsx）。", hint=f"请用以下后缀之一：{files}。")
        return suffix
    return allowed[0]
