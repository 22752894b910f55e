"""The training monitors as ``goodfit watch`` runs them: fed only at the steps they have work at, which
changes nothing they find, with probes at doubling steps and further apart when over their budget."""

import torch
import torch.nn.functional as F
from torch import nn

from goodfit.train.callbacks.monitors import Monitors
from goodfit.watch import monitoring
from goodfit.watch.monitoring import MONITOR_BUDGET, PROBE_EVERY, MonitorFeed, paced


def test_probes_come_at_doubling_steps_and_further_apart_when_over_their_budget():
    cheap = 0.1 * MONITOR_BUDGET
    steps = [PROBE_EVERY]
    while steps[-1] < 5000:
        every = paced(steps[-1], steps[-1], cheap, 1.0)
        steps.append((steps[-1] // every + 1) * every)  # the monitors probe at multiples of `every`
    assert steps == [100, 200, 400, 800, 1600, 3200, 6400]
    assert paced(PROBE_EVERY, PROBE_EVERY, MONITOR_BUDGET, 1.0) == PROBE_EVERY  # exactly the budget
    assert paced(PROBE_EVERY, PROBE_EVERY, 3.5 * MONITOR_BUDGET, 1.0) == 4 * PROBE_EVERY  # 3.5x over: 4x apart
    assert paced(200, 200, 3.4 * MONITOR_BUDGET, 1.0) == 7 * PROBE_EVERY
    assert paced(PROBE_EVERY, PROBE_EVERY, 1.0, 0.0) % PROBE_EVERY == 0  # no time measured: far apart, in step


def _training(steps, after_step):
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(5, 16), nn.ReLU(), nn.Linear(16, 3))
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    x, y = torch.randn(64, 5), torch.arange(64) % 3
    probe = (x[:32], y[:32])
    hook = after_step(model, probe)
    for step in range(1, steps + 1):
        loss = F.cross_entropy(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        hook(step)


def test_feeding_only_the_steps_with_work_finds_what_feeding_every_step_does(monkeypatch):
    monkeypatch.setattr(monitoring, "MONITOR_BUDGET", 1.0)  # no time limit: probes at 100 and 200 in 250 steps
    every_step, fed_steps = {}, []

    def plain(model, probe):
        monitors = Monitors(*probe, every=PROBE_EVERY)
        state = type("State", (), {"model": model, "step": 0})()
        monitors.on_fit_start(state)
        every_step["monitors"], every_step["state"] = monitors, state

        def hook(step):
            state.step = step
            monitors.on_batch_end(state, None)
        return hook

    def fed(model, probe):
        feed = MonitorFeed(model, *probe, F.cross_entropy)
        every_step["feed"] = feed
        original = feed.monitors.on_batch_end
        monkeypatch.setattr(feed.monitors, "on_batch_end", lambda state, loss: (fed_steps.append(state.step),
                                                                              original(state, loss)))

        def hook(step):
            if step >= feed.due:
                feed.feed(step)
        return hook

    _training(250, plain)
    _training(250, fed)
    assert fed_steps == [100, 101, 200, 201]  # a probe, then the update ratios the step after it
    assert every_step["feed"].monitors.ratios == every_step["monitors"].ratios
    assert every_step["feed"].monitors.ratios  # there was something to compare
    every_step["state"].step = 250
    every_step["monitors"].on_fit_end(every_step["state"])
    assert every_step["feed"].finish(250) == every_step["monitors"].findings
