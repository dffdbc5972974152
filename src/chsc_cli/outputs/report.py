"""Rendering a `ReportContext` into a 工作总结 / 工作计划: Markdown and HTML with Jinja, Word with
docxtpl (Jinja tags inside a .docx), always in a sandboxed Jinja environment.

A template — shipped or the centre's own (`--template`) — sees only the context's fields, as plain
values (strings, numbers, lists, dicts): `{{ title }}`, `{% for category in categories %}`. The
sandbox refuses Python internals (`{{ ''.__class__ }}`) and an unknown field is an error rather than
an empty string, so a typo in a template shows up. Every such mistake becomes a `UserError` in
Chinese (exit 2), never a traceback. Files are written through the shared atomic writer.
"""

from __future__ import annotations

import io
import re
import signal
import threading
import zipfile
from collections.abc import Iterable
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path

from jinja2 import StrictUndefined, TemplateError, TemplateSyntaxError, UndefinedError
from jinja2.sandbox import SandboxedEnvironment, SecurityError

from ..id_masks import mask_ids_in_data
from ..problems import UserError
from .report_context import ReportContext
from .writer import write_bytes, write_text

FORMATS = ("docx", "md", "html")
REPORT_KINDS = ("summary", "plan")
README_HINT = "可用的字段见 docs/reports.md「模板可用的字段 / ReportContext fields」一节（README「工作总结与工作计划 / Reports」有链接）。"
# Markdown characters that would turn register text into markup (a | splits a table cell).
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>|~&])")


def shipped_templates_dir() -> Path:
    """The templates/ folder shipped in the package (or the repository's, in a source checkout)."""
    packaged = Path(__file__).resolve().parents[1] / "library" / "templates"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[3] / "templates"


def default_template(kind: str, output_format: str) -> Path:
    """templates/summary.docx, templates/plan.md.j2, ..."""
    name = f"{kind}.docx" if output_format == "docx" else f"{kind}.{output_format}.j2"
    return shipped_templates_dir() / name


def markdown_escape(value: object) -> object:
    """Backslash-escape Markdown punctuation in text a template prints (numbers pass unchanged)."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", value) if isinstance(value, str) else value


def shown_value(value: object) -> object:
    """What `{{ field }}` prints for a value that is not text: nothing for a missing one (a reason
    of a computed indicator, a station's numerator it has none of), 是 / 否 for true / false —
    never Python's None, True, False in a Chinese document."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    return value


def _markdown_shown(value: object) -> object:
    """A value a Markdown template prints, escaped: text, and anything else printed as text (a list
    or a row a user's template prints whole was written raw: its <script> and | unescaped)."""
    shown = shown_value(value)
    if not isinstance(shown, (str, int, float, Decimal)):
        shown = str(shown)
    return markdown_escape(shown)


def sandbox(output_format: str) -> SandboxedEnvironment:
    """The Jinja environment for one output format: sandboxed, strict about unknown names,
    autoescaping HTML and Word XML, escaping Markdown punctuation in Markdown; None and booleans
    printed in words (shown_value)."""
    options = dict(undefined=StrictUndefined, keep_trailing_newline=True)
    if output_format == "md":
        return SandboxedEnvironment(autoescape=False, trim_blocks=True, lstrip_blocks=True,
                                    finalize=_markdown_shown, **options)
    if output_format == "html":
        return SandboxedEnvironment(autoescape=True, trim_blocks=True, lstrip_blocks=True, finalize=shown_value, **options)
    return SandboxedEnvironment(autoescape=True, finalize=shown_value, **options)


def template_values(context: ReportContext) -> dict:
    """The context as plain values: no model methods reachable from a template; every ID number in
    a text masked (a station's name from a register can hold one)."""
    return mask_ids_in_data(context.model_dump(mode="json"))


def render_text(context: ReportContext, template: Path, output_format: str, *, user_template: bool = False) -> str:
    """Markdown or HTML from a Jinja template file (UTF-8)."""
    try:
        source = template.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise UserError(f"模板 {template} 不是 UTF-8 编码的文本文件。", hint="请用 UTF-8 保存模板。") from None
    except OSError as error:
        raise UserError(f"无法读取模板 {template}：{error.strerror or error}") from None
    with _template_errors(template, user_template):
        return sandbox(output_format).from_string(source).render(template_values(context))


def render_docx(context: ReportContext, template: Path, *, user_template: bool = False) -> bytes:
    """A Word document from a .docx with Jinja tags inside (docxtpl), rendered in the sandbox."""
    from docx.opc.exceptions import PackageNotFoundError
    from docxtpl import DocxTemplate
    from lxml.etree import XMLSyntaxError

    if user_template:
        _check_unpacked_size(template)
    document = DocxTemplate(template)
    try:
        document.render_init()
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError, OSError, XMLSyntaxError):
        raise UserError(f"模板 {template} 不是有效的 Word 文档（.docx）。",
                        hint="请在 Word 中另存为「Word 文档 (*.docx)」后再用 --template 指定。") from None
    with _template_errors(template, user_template):
        try:
            document.render(template_values(context), jinja_env=sandbox("docx"))
        except XMLSyntaxError as error:
            raise UserError(
                f"模板 {template} 渲染后不是有效的 Word 内容：{error}",
                hint="段落中的 {% for %} / {% if %} 请写成 {%p for ... %}，表格行中的写成 {%tr for ... %}。",
            ) from None
        buffer = io.BytesIO()
        document.save(buffer)
    return buffer.getvalue()


def _check_unpacked_size(template: Path) -> None:
    """A .docx is a zip: one that unpacks past the registers' limit (CHSC_MAX_UNPACKED_MB) is refused
    before it is opened (a 3 MB template holding a 3 GB part once took 6 GB of memory)."""
    from ..registers.sources import MAX_UNPACKED_ENV, max_unpacked_bytes, unpacked_size

    try:
        with zipfile.ZipFile(template) as archive:
            declared = unpacked_size(archive)
    except (zipfile.BadZipFile, OSError):
        return  # render_init says what is wrong with it
    limit = max_unpacked_bytes()
    if declared > limit:
        raise UserError(f"模板 {template} 解压后达 {declared / 1024**2:,.1f} MB，超过上限 {limit / 1024**2:,.1f} MB，已拒绝读取。",
                        hint=f"请换用正常的 Word 模板（几十 KB 到几 MB）；上限可用环境变量 {MAX_UNPACKED_ENV} 调整。")


#: Exceptions a faulty user template can raise while rendering (e.g. {{ 1/0 }}, {{ "a" + 1 }}, or
#: {{ "x" * 4000000000 }}: MemoryError).
USER_TEMPLATE_MISTAKES = (ArithmeticError, TypeError, ValueError, LookupError, AttributeError, RecursionError, MemoryError)


#: A user's template that renders longer than this is stopped (the shipped ones take well under a
#: second; a loop of loops in a template could otherwise run for days).
TEMPLATE_SECONDS = 120


class _TooLong(BaseException):
    """Not an Exception: no `except Exception` in what the template calls can swallow it."""


@contextmanager
def _time_limit(seconds: float | None):
    """Raise _TooLong in this thread after `seconds` (POSIX, main thread; elsewhere no limit)."""
    usable = seconds is not None and hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
    if not usable:
        yield
        return

    def expired(signum, frame):
        raise _TooLong

    previous = signal.signal(signal.SIGALRM, expired)
    try:
        signal.setitimer(signal.ITIMER_REAL, seconds)
        try:
            yield
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
    finally:  # (an alarm landing between the two is caught by the caller as _TooLong)
        signal.signal(signal.SIGALRM, previous)


@contextmanager
def _template_errors(template: Path, user_template: bool):
    """Turn template mistakes into UserError. Jinja's own errors always are the template's fault;
    other exceptions raised while rendering are blamed on the template only when it is the user's
    (a shipped template failing is a bug and stays one: exit 3)."""
    name = template.name
    try:
        with _time_limit(TEMPLATE_SECONDS if user_template else None):
            yield
    except _TooLong:
        raise UserError(f"模板 {name} 渲染超过 {TEMPLATE_SECONDS} 秒，已停止（可能有过多的循环）。", hint=README_HINT) from None
    except UserError:
        raise
    except SecurityError as error:
        raise UserError(f"模板 {name} 试图访问不允许的内容（{error}），出于安全考虑已停止。",
                        hint="模板只能使用报告中的字段。" + README_HINT) from None
    except UndefinedError as error:
        raise UserError(f"模板 {name} {_line_of(error, template)}用了不存在的字段：{_undefined_words(error.message)}",
                        hint=README_HINT) from None
    except TemplateSyntaxError as error:
        line = f"第 {error.lineno} 行" if error.lineno and template.suffix.lower() != ".docx" else ""
        raise UserError(f"模板 {name} {line}有语法错误：{error.message}",
                        hint="请检查 {{ }}、{% %} 是否成对，for / if 是否有对应的 endfor / endif。") from None
    except TemplateError as error:
        raise UserError(f"模板 {name} 有错误：{error.message or error}", hint=README_HINT) from None
    except USER_TEMPLATE_MISTAKES as error:
        if not user_template:
            raise
        said = _MISTAKE_WORDS.get(type(error), f"{type(error).__name__}: {error}")
        if isinstance(error, TypeError) and "no loader" in str(error):  # Jinja's words for include/import/extends
            said = "模板不能引用其他模板文件（include、import、extends）：请把要用的内容直接写在这个模板里"
        raise UserError(f"模板 {name} {_line_of(error, template)}渲染出错：{said}", hint=README_HINT) from None


#: A template's arithmetic mistakes in words (the rest keep Python's name and message).
_MISTAKE_WORDS = {ZeroDivisionError: "除数为 0（如分母为 0 的指标：先用 if 判断）"}


def _undefined_words(message: str | None) -> str:
    """Jinja's "'x' is undefined" / "'… object' has no attribute 'y'" in Chinese (else as it is)."""
    found = re.fullmatch(r"'(.+)' is undefined", message or "")
    if found:
        return f"「{found.group(1)}」"
    found = re.fullmatch(r"'(.+)' has no attribute '(.+)'", message or "")
    if found:
        return f"「{found.group(2)}」（{found.group(1)} 没有这个字段）"
    return message or ""


def _line_of(error: BaseException, template: Path) -> str:
    """「第 N 行」of a text template where rendering failed: Jinja puts the template's own line in
    the traceback, under the name <template> (a .docx template's lines are its XML's: none said)."""
    if template.suffix.lower() == ".docx":
        return ""
    line = None
    frame = error.__traceback__
    while frame is not None:
        if frame.tb_frame.f_code.co_filename == "<template>":
            line = frame.tb_lineno
        frame = frame.tb_next
    return f"第 {line} 行" if line else ""


def write_report(
    context: ReportContext,
    output: Path,
    output_format: str,
    *,
    template: Path | None = None,
    protected: Iterable[Path] = (),
) -> Path:
    """Render and write atomically; `template` None uses the shipped one for the context's kind.
    Neither an input register nor the template itself can be overwritten."""
    user_template = template is not None
    chosen = template if template is not None else default_template(context.kind, output_format)
    if user_template:
        check_user_template(chosen, output_format)
        if output.expanduser().resolve() == chosen.expanduser().resolve():
            raise UserError(f"不能把报告写到模板文件本身：{output.name}（{output}）", hint="请用 -o 指定另一个输出文件。")
    guarded = [*protected, chosen]
    if output_format == "docx":
        return write_bytes(output, render_docx(context, chosen, user_template=user_template), protected=guarded)
    return write_text(output, render_text(context, chosen, output_format, user_template=user_template), protected=guarded)


def check_user_template(template: Path, output_format: str) -> None:
    if not template.is_file():
        raise UserError(f"找不到模板文件：{template}", hint="--template 应指向一个模板文件。")
    is_word = template.suffix.lower() == ".docx"
    if output_format == "docx" and not is_word:
        raise UserError(f"输出 .docx 需要 Word 模板（.docx），而 {template.name} 不是。",
                        hint="可复制 templates/summary.docx 修改后使用。")
    if output_format != "docx" and is_word:
        raise UserError(f"输出 .{output_format} 需要文本模板（如 summary.{output_format}.j2），而 {template.name} 是 Word 文档。")
