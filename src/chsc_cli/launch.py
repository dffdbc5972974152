"""The console script `chsc` (and `python -m chsc_cli`): its first lines, before the command line loads.

Only what must come before every import: the garbage collector paused for the start-up
(collector.py). The command line itself is cli/main.py.
"""

from __future__ import annotations


def main() -> None:
    from .collector import pause_start_up

    pause_start_up()
    from .cli.main import main as run

    run()
