"""``manage.py worker``, held at the worst moment of a PDF render so a test can kill it there.

The render has written the whole PDF to its temporary file and is about to rename it into
place: a worker killed now leaves a task marked running and a temporary file, the state a
crash mid-render leaves behind. The hold is a fault injected into this process only (the
rename of a ``.part`` file waits for a minute); nothing in the application knows about it.

Run as ``python tests/paused_worker.py [worker options]`` with the test's environment.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
HOLD_SECONDS = 60


def hold_renames_of_parts() -> None:
    real_replace = os.replace

    def replace(src: Any, dst: Any, **kwargs: Any) -> None:
        if str(src).endswith(".part"):
            time.sleep(HOLD_SECONDS)  # the test kills the process during this sleep
        real_replace(src, dst, **kwargs)

    os.replace = replace


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "decider.settings")
    hold_renames_of_parts()
    from django.core.management import execute_from_command_line

    execute_from_command_line(["manage.py", "worker", *sys.argv[1:]])
