"""Run a command as if it were another time: ``python -m tests.timewarp <iso datetime> manage.py …``.

Tests use it to run a real RQ worker and its scheduler days ahead (time-machine patches this process;
the work-horses it forks inherit the patch).
"""

import runpy
import sys
from datetime import datetime

import time_machine

if __name__ == "__main__":
    when, script, *args = sys.argv[1:]
    with time_machine.travel(datetime.fromisoformat(when), tick=True):
        sys.argv = [script, *args]
        runpy.run_path(script, run_name="__main__")
