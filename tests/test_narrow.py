"""What people read stays whole on narrow terminals: no verdict or hint is ever cut."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bpstep.cli import app

ARTICLE = Path(__file__).resolve().parent.parent / "scenarios" / "gfg_sigmoid.article-answers.yaml"
runner = CliRunner()


def verify(*args: str, columns: int = 120):
    return runner.invoke(app, ["verify", str(ARTICLE), *args],
                         env={"NO_COLOR": "1", "COLUMNS": str(columns)})


@pytest.mark.parametrize("columns", [50, 60, 72, 80, 120, 200])
@pytest.mark.parametrize("reveal", [True, False])
def test_every_verdict_and_hint_is_shown_whole(columns: int, reveal: bool) -> None:
    extra = () if reveal else ("--no-reveal",)
    marked = json.loads(verify("--json", *extra).stdout)["answers"]
    shown = verify(*extra, columns=columns).stdout
    assert max(len(line) for line in shown.splitlines()) <= columns
    flat = " ".join(shown.split())
    attempted = [a for a in marked if a["given"] is not None]
    assert len(attempted) == 20
    for answer in attempted:
        assert f"{answer['name']}" in flat and answer["written"] in flat
        if reveal:
            assert answer["verdict"] in flat
        if answer["hint"]:
            assert " ".join(answer["hint"].split()) in flat, (columns, answer["hint"])
    verdicts = {a["verdict"] for a in attempted}
    assert verdicts == {"correct", "carried", "too coarse", "wrong"}
    for verdict in verdicts:
        assert sum(line.rstrip().endswith(verdict) or f" {verdict} " in line + " "
                   for line in shown.splitlines()) >= 1


def test_the_loss_table_title_stays_on_one_line() -> None:
    import io

    from rich.console import Console

    from bpstep.render.training import loss_table
    from bpstep.train import TrainResult

    history = ((0, 0.5), (250, 0.25))
    result = TrainResult(params=None, history=history, epochs=250, requested=250, every=250,  # type: ignore[arg-type]
                         predictions=None, loss=0.25, logged=history)  # type: ignore[arg-type]
    console = Console(file=io.StringIO(), width=80, color_system=None)
    console.print(loss_table(result, 6))
    assert console.file.getvalue().splitlines()[0].strip() == "loss every 250 epochs"
