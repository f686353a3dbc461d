"""The console script's entry: Ctrl-C while the command line is still loading also ends with
exit code 130 and one line, not a traceback from inside an import."""

from __future__ import annotations

import sys

from bpstep.errors import ExitCode


def main() -> None:
    try:
        from bpstep.cli import main as run
    except KeyboardInterrupt:
        sys.stderr.write("\nbpstep: interrupted\n")
        raise SystemExit(int(ExitCode.INTERRUPTED)) from None
    run()
