"""Entry point: the Typer app and the one place where errors become exit codes.

User mistakes (`UserError`, bad options) print one or two Chinese lines and exit 2; anything else
is a bug: one line 内部错误 and exit 3, the traceback (without local variables) only with --debug.
"""

from __future__ import annotations

import errno
import os
import signal
import sys
import traceback

import typer

try:  # typer >= 0.20 vendors click; older versions use the click package
    from typer._click import exceptions as click_exceptions
except ImportError:  # pragma: no cover
    from click import exceptions as click_exceptions

from ..collector import pause_start_up
from ..problems import UserError
from .click_text import ChineseGroup, usage_message, use_chinese_words
from .common import EXIT_INTERNAL_ERROR, EXIT_OK, EXIT_USER_ERROR, STDERR, stderr, stdout, tolerant_streams

app = typer.Typer(
    name="chsc",
    help="社区卫生服务中心 基本公共卫生服务 指标计算工具。\n\n示例：chsc validate sample_data",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    cls=ChineseGroup,
)


@app.callback()
def _root() -> None:
    """社区卫生服务中心 基本公共卫生服务 指标计算工具。示例：chsc validate sample_data"""


def _register_commands() -> None:
    from . import cache, check, compute, gaps, library, progress, register_templates, report, validate

    for command in (compute, check, gaps, progress, report, validate, library, register_templates, cache):
        command.register(app)
    use_chinese_words(app)


_register_commands()


def run(argv: list[str] | None = None) -> int:
    """Run chsc and return the exit code (the console script exits with it)."""
    args = sys.argv[1:] if argv is None else argv
    debug = "--debug" in args
    try:
        result = app(args=args, prog_name="chsc", standalone_mode=False)
    except typer.Exit as done:
        return _exit(getattr(done, "exit_code", 0))
    except (typer.Abort, KeyboardInterrupt):
        _say("已取消。")
        return _exit(EXIT_USER_ERROR)
    except click_exceptions.NoArgsIsHelpError as error:
        stdout.print(error.format_message(), markup=False)
        return EXIT_OK
    except click_exceptions.ClickException as error:
        stderr.print(f"用法错误：{usage_message(error)}", markup=False)
        context = getattr(error, "ctx", None)
        command = context.command_path if context is not None and context.command_path != "chsc" else "chsc 命令"
        stderr.print(f"运行 {command} --help 查看用法和示例。", markup=False)
        return _exit(EXIT_USER_ERROR)
    except UserError as error:
        if debug:
            _print_traceback()
        stderr.print(f"错误：{error.message}", markup=False)
        if error.hint:
            stderr.print(error.hint, markup=False)
        return _exit(EXIT_USER_ERROR)
    except OSError as error:
        if error.errno == errno.ENAMETOOLONG:  # a typed path (-o, DATA_DIR, --config …): the user's to shorten
            if debug:
                _print_traceback()
            _say(f"错误：路径过长，文件系统不接受：{_shortened(error.filename)}",
                 "请改用较短的文件名或文件夹名（每一段不超过 255 字节，约 85 个汉字）。")
            return EXIT_USER_ERROR
        if error.errno not in (errno.ENOSPC, errno.EDQUOT):
            return _internal_error(debug)
        # standard output on a full disk (a file written with -o says so itself, atomic_write)
        _say("错误：磁盘已满，输出没有写完。", "请腾出磁盘空间后重新运行。")
        return EXIT_USER_ERROR
    except MemoryError:
        _say("错误：内存不足，chsc 没能做完。", "请关闭其他程序后重试；仍不足时，可能某个登记表有异常巨大的内容，请用 chsc validate 逐个文件夹检查。")
        return EXIT_USER_ERROR
    except Exception:
        return _internal_error(debug)
    except BaseException as error:  # a panic inside a Rust extension (pyo3's PanicException) is no Exception
        if isinstance(error, (SystemExit, GeneratorExit)):
            raise
        return _internal_error(debug)
    if result == INTERRUPTED:  # Ctrl-C (or SIGTERM): typer returns 130, which is no exit code of cli.md
        _say("已取消。")
        return EXIT_USER_ERROR
    return _exit(result if isinstance(result, int) else EXIT_OK)


#: What typer returns (standalone_mode=False) when a command is interrupted.
INTERRUPTED = 130


def _internal_error(debug: bool) -> int:
    if debug:
        _print_traceback()
    _say("内部错误：chsc 出现了程序错误（不是您的数据或操作的问题）。请加 --debug 重新运行，并把输出发给开发者。")
    return EXIT_INTERNAL_ERROR


def _print_traceback() -> None:
    """--debug: the traceback on stderr, with every ID number in it masked as in all chsc prints
    (a file named after a person, a cell quoted in an error); --debug does not ask for IDs."""
    STDERR.write(traceback.format_exc())
    STDERR.flush()


def _say(*lines: str) -> None:
    """Lines on stderr, when it can still be written to."""
    try:
        for line in lines:
            stderr.print(line, markup=False)
    except (OSError, ValueError):
        pass


def _shortened(path, keep: int = 30) -> str:
    """A path for a message: as given, or its first and last `keep` characters when longer."""
    text = os.fsdecode(path) if path is not None else "（未知）"
    return text if len(text) <= 2 * keep + 1 else f"{text[:keep]}…{text[-keep:]}"


def _exit(code: int | None) -> int:
    return EXIT_OK if code is None else int(code)


def _terminated(signum, frame) -> None:
    """SIGTERM (a stopped service, `kill`) ends chsc as Ctrl-C does: a file being written is removed,
    not left as a hidden temporary file beside the output."""
    raise KeyboardInterrupt


#: The thread-count settings OpenBLAS (numpy's matrix library) reads, in its order of precedence.
BLAS_THREAD_SETTINGS = ("OPENBLAS_NUM_THREADS", "GOTO_NUM_THREADS", "OMP_NUM_THREADS")


def one_blas_thread() -> None:
    """Let numpy's OpenBLAS start no threads of its own, unless the user set their number.

    chsc's matrix products are small (date digits, kept below OpenBLAS's threading threshold), and
    chsc already uses both cores with its own processes; but on import OpenBLAS starts a thread per
    further core, which spins ~0.1 s of CPU waiting for work — on the core where the workbooks are
    being opened meanwhile. Must run before numpy is first imported (it is not, until the read is planned)."""
    if "numpy" not in sys.modules and not any(os.environ.get(name) for name in BLAS_THREAD_SETTINGS):
        os.environ["OPENBLAS_NUM_THREADS"] = "1"


def main() -> None:  # console script (through launch.py)
    pause_start_up()  # (the launcher did, before typer loaded: nothing more then)
    one_blas_thread()
    if hasattr(signal, "SIGTERM"):
        signal.signal(signal.SIGTERM, _terminated)
        if hasattr(os, "register_at_fork"):  # a forked helper is stopped by its parent, as before
            os.register_at_fork(after_in_child=lambda: signal.signal(signal.SIGTERM, signal.SIG_DFL))
    tolerant_streams()
    code = run()
    # Everything is written and closed by now: leave without the interpreter freeing the registers'
    # millions of cells one by one (0.15 s on a 60,000-resident centre); the OS takes the memory back.
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe (chsc ... | head): nothing more to say
            pass
    os._exit(code)
