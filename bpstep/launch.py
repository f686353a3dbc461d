"""The console script's entry: Ctrl-C while the command line is still loading also ends with
exit code 130 and one line, not a traceback from inside an import."""

from __future__ import annotations

import gc
import sys

from bpstep.errors import ExitCode


def main() -> None:
    try:
        from bpstep.cli import main as run
    except KeyboardInterrupt:
        sys.stderr.write("\nbpstep: interrupted\n")
        raise SystemExit(int(ExitCode.INTERRUPTED)) from None
    try:
        run()
    finally:
        # The process ends here: what the command made (a 784-128-10 step is a million objects)
        # is left to the operating system, not walked by the collector and freed one by one.
        gc.freeze()
