"""Summaries of protocol rows: mean, std over tasks (classes) and std over seeds, per method.

Examples:
    >>> rows = [{"method": "m", "task": t, "seed": s, "auroc": a, "ap": a, "fit_s": 1.0}
    ...         for (t, s, a) in [("c0", 0, 0.9), ("c1", 0, 0.7), ("c0", 1, 0.8), ("c1", 1, 0.6)]]
    >>> s = summarize(rows, ["m"])[0]
    >>> a = s["auroc"]
    >>> round(a["mean"], 4), round(a["std_tasks"], 4), round(a["std_seeds"], 4), round(s["per_task"]["c0"]["auroc"], 4)
    (0.75, 0.1414, 0.0707, 0.85)
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

import numpy as np

from goodfit.robust import mean_std

__all__ = ["summarize", "METRICS"]

METRICS = ("auroc", "ap", "test_precision", "test_recall", "test_false_alarm_rate")


def _stats(rows: list[dict[str, Any]], metric: str) -> dict[str, float]:
    """Mean over all rows; sample std of the per-task means and of the per-seed means."""
    by_task, by_seed = defaultdict(list), defaultdict(list)
    for r in rows:
        by_task[r["task"]].append(r[metric])
        by_seed[r["seed"]].append(r[metric])
    task_means = [float(np.mean(v)) for v in by_task.values()]
    seed_means = [float(np.mean(v)) for v in by_seed.values()]
    return {"mean": float(np.mean([r[metric] for r in rows])), "std_tasks": mean_std(task_means)["std"],
            "std_seeds": mean_std(seed_means)["std"], "n_tasks": len(task_means), "n_seeds": len(seed_means)}


def summarize(rows: Sequence[dict[str, Any]], methods: Sequence[str], *,
              key: tuple[str, ...] = ("method",)) -> list[dict[str, Any]]:
    """One entry per distinct ``key`` (in ``methods`` order): metric stats, per-task means, time."""
    groups: dict[tuple, list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        groups[tuple(r[k] for k in key)].append(r)
    order = {m: i for i, m in enumerate(methods)}
    out = []
    for k in sorted(groups, key=lambda g: (order.get(g[0], len(order)), *map(str, g[1:]))):
        members = groups[k]
        metrics = [m for m in METRICS if m in members[0]]
        per_task: dict[str, dict[str, float]] = defaultdict(dict)
        for task in dict.fromkeys(r["task"] for r in members):
            for m in metrics:
                per_task[task][m] = float(np.mean([r[m] for r in members if r["task"] == task]))
        out.append({**dict(zip(key, k)), **{m: _stats(members, m) for m in metrics},
                    "per_task": dict(per_task),
                    "time_s": float(sum(r.get("feature_s", 0) + r.get("fit_s", 0) + r.get("score_s", 0)
                                        for r in members))})
    return out
