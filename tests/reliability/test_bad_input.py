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
