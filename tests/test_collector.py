"""The cyclic garbage collector is paused where it finds nothing (collector.py): from the console
script's first line until a folder is read (the imports), and inside every read and evaluation;
it runs again after them, so a district's centres leave no cyclic garbage piling up. Each case
runs in a fresh interpreter: the collector's state is the process's."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "sample_data"

#: Runs the console script's entry (launch.main) with argv; at os._exit prints, as JSON: whether
#: typer was loaded when the start-up pause began, the collector's state and frozen objects.
CONSOLE = """
import gc, json, os, sys
from chsc_cli import collector
seen = []
pause = collector.pause_start_up
def spy():
    seen.append("typer" in sys.modules)
    pause()
collector.pause_start_up = spy
real_exit = os._exit
def leave(code):
    sys.stdout.flush()
    sys.stderr.write(json.dumps({"typer_loaded": seen[:1], "enabled": gc.isenabled(), "frozen": gc.get_freeze_count(), "code": code}) + "\\n")
    sys.stderr.flush()
    real_exit(code)
os._exit = leave
from chsc_cli.launch import main
sys.argv = ["chsc", *sys.argv[1:]]
main()
"""


def _console(*args: str) -> dict:
    done = subprocess.run([sys.executable, "-c", CONSOLE, *args], capture_output=True, text=True, timeout=180)
    return json.loads(done.stderr.strip().splitlines()[-1])


def test_a_computing_command_pauses_the_collector_before_typer_loads_and_runs_it_again_after_the_read():
    state = _console("compute", str(SAMPLE), "--period", "2025", "--quiet")
    assert state["code"] == 0
    assert state["typer_loaded"] == [False]  # paused before the command line's imports
    assert state["enabled"] is True  # on again after the read and the evaluation
    assert state["frozen"] > 50_000  # the imports' objects, walked no more


def test_a_command_that_reads_no_folder_stays_paused_to_its_end():
    state = _console("indicators")
    assert state["code"] == 0
    assert state["typer_loaded"] == [False]
    assert state["enabled"] is False and state["frozen"] == 0


BLOCKS = """
import gc, json
from chsc_cli import collector
out = []
def now():
    out.append([gc.isenabled(), gc.get_freeze_count() > 0])
now()
collector.pause_start_up(); now()
collector.pause_start_up(); now()           # paused already: nothing more
with collector.collection_paused():
    now()
    with collector.collection_paused():
        now()
    now()                                   # an inner block does not turn it on
now()                                       # the start-up's pause is over: on, imports frozen
with collector.collection_paused():
    now()
now()
gc.disable()
with collector.collection_paused():
    pass
now()                                       # off before the block: off after it
print(json.dumps(out))
"""


def test_the_pauses_nest_and_leave_the_collector_as_they_found_it():
    done = subprocess.run([sys.executable, "-c", BLOCKS], capture_output=True, text=True, timeout=60, check=True)
    assert json.loads(done.stdout) == [
        [True, False],
        [False, False],
        [False, False],
        [False, True],
        [False, True],
        [False, True],
        [True, True],
        [False, True],
        [True, True],
        [False, True],
    ]


def test_a_district_frees_each_centres_garbage_before_reading_the_next(tmp_path, monkeypatch):
    """A centre's read and evaluation leave cyclic garbage only a full collection frees: collected
    between two centres, not left to pile up over a district."""
    from helpers import make_id, write_workbook

    from chsc_cli.periods import parse_period
    from chsc_cli.services import district

    root = tmp_path / "区"
    for name, birth in (("甲中心", "19600101"), ("乙中心", "19700101"), ("丙中心", "19800101")):
        (root / name).mkdir(parents=True)
        rows = [["身份证号", "建档日期", "签约"]] + [[make_id(birth, f"{i:03d}"), "2020-01-01", "是"] for i in range(1, 4)]
        write_workbook(root / name / "居民健康档案花名册.xlsx", {"居民": rows})
    events = []
    monkeypatch.setattr(district, "collect_garbage", lambda: events.append("collected"))
    run = district.run_district(root, parse_period("2025"), [], None, use_cache=False, reading=events.append)
    assert sorted(run.current.centres) == ["丙中心", "乙中心", "甲中心"]
    assert events == ["丙中心", "collected", "乙中心", "collected", "甲中心"]
