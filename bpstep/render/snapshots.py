"""``--save-svg DIR``: every stage as an SVG picture of the terminal, ready for slides.

Rich records what it prints and exports it as SVG; each stage is printed into its own recording
console, so the files look like the terminal at that stage, colours included.
"""

from __future__ import annotations

import io
import os
from pathlib import Path

from rich.console import Console

from bpstep.errors import UserError
from bpstep.render.screen import View, stage_screen
from bpstep.trace import Trace

SVG_WIDTH = 100
"""Columns of the recorded terminal."""


class SnapshotError(UserError):
    """The pictures cannot be written where asked; the message says why and what to do."""


def svg_paths(directory: Path, count: int) -> list[Path]:
    """``stage-01.svg`` ... (more digits when there are 100 stages or more)."""
    digits = max(2, len(str(count)))
    return [directory / f"stage-{k:0{digits}d}.svg" for k in range(1, count + 1)]


def save_svgs(trace: Trace, view: View, directory: Path, *, force: bool = False) -> list[Path]:
    """Write one SVG per stage into ``directory`` (created if needed); never overwrite unless forced.

    Every path is checked before anything is written, so a refusal leaves the folder untouched.
    """
    if directory.exists() and not directory.is_dir():
        raise SnapshotError(f"--save-svg: {directory} exists and is not a folder")
    paths = svg_paths(directory, len(trace.stages))
    existing = [p for p in paths if os.path.lexists(p)]
    if existing and not force:
        more = f" (and {len(existing) - 1} more)" if len(existing) > 1 else ""
        raise SnapshotError(f"--save-svg: {existing[0]} already exists{more}; "
                            "choose another folder or add --force to overwrite")
    from bpstep.files import write_files

    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise SnapshotError(f"--save-svg: cannot write to {directory}: {err.strerror or err}") from err
    write_files({path: stage_svg(trace, index, view) for index, path in enumerate(paths)}, force=True)
    return paths


def stage_svg(trace: Trace, index: int, view: View) -> str:
    """One stage recorded on a colour terminal of ``SVG_WIDTH`` columns, as SVG text."""
    console = Console(record=True, file=io.StringIO(), width=SVG_WIDTH, force_terminal=True,
                      color_system="truecolor", highlight=False, emoji=False)
    console.print(stage_screen(trace, index, view, width=SVG_WIDTH))
    return console.export_svg(title=f"bpstep · stage {index + 1} of {len(trace.stages)}")
