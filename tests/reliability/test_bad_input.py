"""Every bad input in the corpus ends in one line that says what to do, and changes no run folder."""

from __future__ import annotations

import pytest
from helpers import needs_mnist
from reliability.corpus import CASES, RUN_BREAKS, Case
from reliability.harness import TALLY, folder_digest, judge, run_inprocess

pytestmark = pytest.mark.reliability


def _marks(case: Case) -> list:
    return [needs_mnist] if case.id.startswith(("idx-", "gzip-")) else []


@pytest.mark.parametrize("case", [pytest.param(c, id=c.id, marks=_marks(c)) for c in CASES])
def test_bad_input_gives_one_line(case: Case, tmp_path, finished_run, damaged_copy, monkeypatch):
    ws = tmp_path / "ws"
    ws.mkdir()
    monkeypatch.chdir(ws)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    case.make(ws)
    if case.damage:
        damaged_copy(RUN_BREAKS[case.damage]).rename(ws / "run")
    writes = case.args[0] == "report" and case.may_work  # writing report.html is what it is for
    watched = [finished_run, *([ws / "run"] if case.damage and not writes else [])]
    before = [folder_digest(f) for f in watched]
    args = [a.replace("{ws}", str(ws)).replace("{run}", str(finished_run)) for a in case.args]

    problem = judge(run_inprocess(args), may_work=case.may_work)

    after = [folder_digest(f) for f in watched]
    if before != after:
        TALLY["damaged folders"] += 1
    assert problem is None, problem
    assert before == after, "a run folder was changed by a command that failed"


def test_paths_with_spaces_and_non_ascii_work_end_to_end(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    run = tmp_path / "Läufe mit Leerzeichen" / "erster Lauf ü"
    for args in (["train", "data.name=digits", "train.epochs=1", "model.hidden=8", f"--run-dir={run}"],
                 ["evaluate", str(run)], ["report", str(run)],
                 ["export", str(run), "--format", "torchscript", "--out", str(run.parent / "export ä")]):
        outcome = run_inprocess(args)
        assert outcome.code in (0, None) and not outcome.traceback, (args, outcome.stderr, outcome.traceback)
    assert (run / "report.html").is_file() and any((run.parent / "export ä").iterdir())
