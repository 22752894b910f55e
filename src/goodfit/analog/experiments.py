"""The analog experiments: float vs analog MLP over seeds, and robustness to the chip's flaws.

Both are what ``goodfit analog compare`` and ``goodfit analog robustness`` run. Each makes a new
folder ``out_dir/analog-{compare,robustness}-<time>/`` (never reusing one) holding one ordinary
goodfit run per trained model, ``results.json`` and a self-contained HTML page.

The two models get the same budget (:data:`BUDGET`): inputs scaled to [0, 1], Adam at 3e-3 with a
one-cycle schedule, batches of 256, the same epochs and seeds; the float MLP has the analog one's
layer sizes (784-256-256-10). Robustness curves are measured on the test split after training;
nothing is chosen by them.

Examples:
    >>> result = compare(dataset="digits", seeds=(0,), epochs=1, out_dir="/tmp/goodfit-doc")  # doctest: +SKIP
    >>> sorted(result.summary)  # doctest: +SKIP
    ['analog-mlp', 'mlp']
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from goodfit.config import AnalogConfig, Config, apply_overrides, config_to_dict
from goodfit.i18n import N_, _
from goodfit.models.analog.quant import input_max, weight_max

__all__ = ["BUDGET", "SWEEPS", "CompareResult", "RobustnessResult", "budget_config", "chip_variant",
           "compare", "robustness"]

FLOAT, ANALOG = "mlp", "analog-mlp"
BUDGET = ("data.scaling=minmax01", "optim.name=adam", "optim.lr=3e-3", "optim.schedule=onecycle",
          "train.batch_size=256")
DEFAULT_EPOCHS = 8
CHIP = AnalogConfig()  # the nominal chip: curves are drawn around its values
# title: (AnalogConfig field, values, x label); English in results.json and plots, translated on the page
SWEEPS: dict[str, tuple[str, tuple[float, ...], str]] = {
    N_("read-out noise"): ("noise", (0, 1, 2, 3, 4, 5, 6, 7, 8), N_("noise std per chunk read-out (ADC LSB)")),
    N_("weight resolution"): ("weight_bits", (3, 4, 5, 6, 7, 8), N_("weight magnitude bits (same full scale)")),
    N_("input resolution"): ("input_bits", (1, 2, 3, 4, 5, 6, 7, 8), N_("input bits (same full scale)")),
    N_("gain mismatch"): ("gain_mismatch", (0.0, 0.05, 0.1, 0.2, 0.3, 0.5), N_("relative std of fixed gains")),
}
EVAL_SEED = 1000  # repeats r of a noisy evaluation use chip seed EVAL_SEED + r


@dataclass
class CompareResult:
    """``compare``'s folder, per-run rows and per-model summary (mean, std over seeds)."""

    path: Path
    runs: list[dict[str, Any]]
    summary: dict[str, dict[str, float]]


@dataclass
class RobustnessResult:
    """``robustness``'s folder and its sweeps: ``{title: {"x", "curves": {label: mean/std}}}``."""

    path: Path
    sweeps: dict[str, dict[str, Any]]
    nominal: dict[str, float]


def budget_config(model: str, seed: int, *, dataset: str, epochs: int, data_root: str | None = None,
                  overrides: Iterable[str] = ()) -> Config:
    """The shared training budget for ``model`` (``mlp`` gets the analog model's 256-256 layers).

    Examples:
        >>> cfg = budget_config("mlp", 1, dataset="mnist", epochs=3)
        >>> cfg.model.hidden, cfg.data.scaling, cfg.optim.schedule
        ((256, 256), 'minmax01', 'onecycle')
    """
    items = [f"name={model}-seed{seed}", f"seed={seed}", f"data.name={dataset}", f"model.name={model}",
             f"train.epochs={epochs}", *BUDGET]
    if model == FLOAT:
        items.append("model.hidden=" + ",".join(map(str, CHIP.hidden)))
    if data_root:
        items.append(f"data.root={data_root}")
    return apply_overrides(Config(), [*items, *overrides])


def compare(*, dataset: str = "mnist", seeds: Sequence[int] = (0, 1, 2), epochs: int = DEFAULT_EPOCHS,
            out_dir: str | Path = "runs", data_root: str | None = None, overrides: Iterable[str] = (),
            progress: str = "quiet") -> CompareResult:
    """Train the float MLP and ``analog-mlp`` with the same budget for each seed; compare test accuracy.

    Writes ``results.json`` (every run, mean ± sample std per model, times) and ``compare.html``.
    """
    from goodfit.experiment import fit
    from goodfit.run import RunDir, atomic_write_json

    folder = RunDir.create(out_dir, "analog-compare").path
    overrides = list(overrides)
    t0 = time.perf_counter()
    runs, curves, chip = [], {FLOAT: [], ANALOG: []}, CHIP
    for seed in seeds:
        for model in (FLOAT, ANALOG):
            cfg = budget_config(model, seed, dataset=dataset, epochs=epochs, data_root=data_root,
                                overrides=overrides)
            res = fit(cfg, run_dir=folder / f"{model}-seed{seed}", progress=progress, report=False)
            runs.append({"model": model, "seed": seed, "run_dir": res.run_dir.name, "status": res.status,
                         "test_accuracy": res.metrics.get("test", {}).get("accuracy"),
                         "epochs_run": res.metrics["epochs_run"],
                         "train_time_s": res.metrics["train_time_s"]})
            curves[model].append([row.get("valid_acc", np.nan) for row in res.history])
            chip = cfg.model.analog if model == ANALOG else chip
    summary = {m: _mean_std([r["test_accuracy"] for r in runs if r["model"] == m],
                            [r["train_time_s"] for r in runs if r["model"] == m]) for m in (FLOAT, ANALOG)}
    gap = 100 * (summary[FLOAT]["mean"] - summary[ANALOG]["mean"])
    results = {
        "dataset": dataset, "epochs": epochs, "seeds": list(seeds), "budget": [*BUDGET, *overrides],
        "runs": runs, "summary": summary, "gap_points": gap, "wall_time_s": time.perf_counter() - t0,
        "target": {"float_at_least": 0.98, "max_gap_points": 1.5,
                   "met": summary[FLOAT]["mean"] >= 0.98 and gap <= 1.5},
        "analog": config_to_dict(chip), "threads": _threads(),
    }
    atomic_write_json(folder / "results.json", results)
    _compare_page(folder, results, curves)
    return CompareResult(folder, runs, summary)


def _mean_std(accs: list[float | None], times: list[float]) -> dict[str, float]:
    a = np.array([np.nan if v is None else v for v in accs], dtype=float)
    return {"mean": float(a.mean()), "std": float(a.std(ddof=1)) if len(a) > 1 else 0.0, "n": len(a),
            "train_time_s": float(np.mean(times))}


def _threads() -> int:
    import torch

    return torch.get_num_threads()


def chip_variant(trained: AnalogConfig, **change: Any) -> AnalogConfig:
    """``trained`` with some fields changed; bit widths keep the chip's full scale.

    Fewer weight bits keep the largest weight's current (the gain grows by ``w_max / w_max'``); other
    input bits keep the largest input's (gain times ``x_max / x_max'``, and the ConvertingReLU shifts
    by the difference in bits so hidden codes keep their meaning).

    Examples:
        >>> chip_variant(AnalogConfig(), weight_bits=5).gain  # 0.002 * 63 / 31
        0.004064516129032258
        >>> chip_variant(AnalogConfig(), input_bits=8).relu_shift  # 3 more bits: shift left by 2
        -2
    """
    cfg = replace(trained, **change)
    gain = cfg.gain * weight_max(trained.weight_bits) / weight_max(cfg.weight_bits)
    gain *= input_max(trained.input_bits) / input_max(cfg.input_bits)
    shift = trained.relu_shift - (cfg.input_bits - trained.input_bits)
    return replace(cfg, gain=gain, relu_shift=shift)


def robustness(*, dataset: str = "mnist", epochs: int = DEFAULT_EPOCHS, seed: int = 0,
               train_noise: float = CHIP.noise, out_dir: str | Path = "runs", data_root: str | None = None,
               repeats: int = 3,
               sweeps: Mapping[str, tuple[str, Sequence[float], str]] = SWEEPS,
               overrides: Iterable[str] = (), progress: str = "quiet") -> RobustnessResult:
    """Train ``analog-mlp`` without and with read-out noise, then sweep the chip's flaws on test.

    The noisy training uses ``train_noise`` (default: the nominal chip's 2 LSB). Every sweep point
    changes one setting of the nominal chip (noise 2 LSB, 6-bit weights, 5-bit inputs, no
    mismatch); noisy points are averaged over ``repeats`` noise / mismatch draws.
    """
    from goodfit.data import prepare_data
    from goodfit.experiment import fit
    from goodfit.run import RunDir, atomic_write_json

    folder = RunDir.create(out_dir, "analog-robustness").path
    t0 = time.perf_counter()
    models, runs = {}, []
    for noise in (0.0, train_noise):
        label = f"trained with noise {noise:g}" if noise else "trained without noise"
        cfg = budget_config(ANALOG, seed, dataset=dataset, epochs=epochs, data_root=data_root,
                            overrides=[*overrides, f"model.analog.noise={noise}"])
        res = fit(cfg, run_dir=folder / f"analog-noise{noise:g}", progress=progress, report=False)
        models[label] = (res.model.state_dict(), cfg.model.analog)
        runs.append({"label": label, "run_dir": res.run_dir.name, "train_noise": noise,
                     "test_accuracy": res.metrics.get("test", {}).get("accuracy"),
                     "train_time_s": res.metrics["train_time_s"]})
    data = prepare_data(cfg.data)
    test = (data.test.x, data.test.y, data.input_shape, len(data.classes))
    results = {title: _sweep(models, test, field, values, xlabel, repeats)
               for title, (field, values, xlabel) in sweeps.items()}
    nominal = {label: _accuracy(sd, replace(chip, noise=CHIP.noise), test, repeats)[0]
               for label, (sd, chip) in models.items()}
    payload = {"dataset": dataset, "epochs": epochs, "seed": seed, "repeats": repeats, "runs": runs,
               "train_noise": train_noise,
               "nominal_chip": config_to_dict(CHIP), "nominal_accuracy": nominal, "sweeps": results,
               "budget": [*BUDGET, *overrides], "wall_time_s": time.perf_counter() - t0,
               "threads": _threads()}
    atomic_write_json(folder / "results.json", payload)
    _robustness_page(folder, payload)
    return RobustnessResult(folder, results, nominal)


def _sweep(models: dict, test: tuple, field: str, values: Sequence[float], xlabel: str,
           repeats: int) -> dict[str, Any]:
    curves = {}
    for label, (state, trained) in models.items():
        base = replace(trained, noise=CHIP.noise)  # every model meets the same nominal chip
        stats = [_accuracy(state, chip_variant(base, **{field: _typed(field, v)}), test, repeats)
                 for v in values]
        curves[label] = {"mean": [m for m, _s in stats], "std": [s for _m, s in stats]}
    return {"field": field, "x": list(values), "label": xlabel, "nominal": getattr(CHIP, field),
            "curves": curves}


def _typed(field: str, value: float) -> Any:
    return int(value) if field.endswith("_bits") else float(value)


def _accuracy(state: dict, chip: AnalogConfig, test: tuple, repeats: int) -> tuple[float, float]:
    """Test accuracy on ``chip`` (mean, std over ``repeats`` seeded draws when it is noisy)."""
    import torch

    from goodfit.models.analog.mlp import AnalogMLP
    from goodfit.train.evaluate import predict_logits

    x, y, input_shape, n_classes = test
    draws = repeats if chip.noise > 0 or chip.gain_mismatch > 0 else 1
    accs = []
    for r in range(draws):
        model = AnalogMLP(input_shape, n_classes, config=replace(chip, seed=EVAL_SEED + r))
        model.load_state_dict(state)
        pred = predict_logits(model, torch.from_numpy(x).float()).argmax(1).numpy()
        accs.append(float((pred == y).mean()))
    return float(np.mean(accs)), float(np.std(accs))


# --------------------------------------------------------------------------- pages


def _compare_page(folder: Path, results: dict[str, Any], curves: dict[str, list]) -> None:
    from goodfit.analog.plots import compare_plot
    from goodfit.report import embed_png, render, write_html

    s = results["summary"]
    accs = {m: [r["test_accuracy"] for r in results["runs"] if r["model"] == m] for m in s}
    target = results["target"]
    text = (_("analog-mlp is {gap:.2f} points below the float MLP (target: float >= {target}, gap <= 1.5 points: "
              "met).") if target["met"] else
            _("analog-mlp is {gap:.2f} points below the float MLP (target: float >= {target}, gap <= 1.5 points: "
              "not met)."))
    box = {"kind": "ok" if target["met"] else "warn", "text": text.format(gap=results["gap_points"], target="98 %")}
    rows = [[m, f"{100 * v['mean']:.2f} ± {100 * v['std']:.2f} %", v["n"], f"{v['train_time_s']:.1f} s"]
            for m, v in s.items()]
    per_run = [[r["model"], r["seed"], f"{100 * (r['test_accuracy'] or float('nan')):.2f} %",
                r["epochs_run"], f"{r['train_time_s']:.1f} s", r["run_dir"]] for r in results["runs"]]
    html = render(
        "sections.html", title=_("Float MLP vs analog MLP (BrainScaleS-2 mock)"),
        subtitle=_("Same architecture (784-256-256-10), data, optimizer, epochs and seeds; test accuracy after "
                   "training, mean ± sample std over seeds."),
        boxes=[box],
        tables=[{"title": _("Summary"), "header": [_("model"), _("test accuracy"), _("seeds"), _("train time / run")],
                 "rows": rows},
                {"title": _("Runs"), "rows": per_run,
                 "header": [_("model"), _("seed"), _("test accuracy"), _("epochs"), _("train time"), _("folder")],
                 "note": _("Each folder is a complete goodfit run: goodfit report FOLDER draws its page; goodfit "
                           "analog export FOLDER exports an analog one.")}],
        figures=[{"title": _("Accuracy"), "uri": embed_png(compare_plot(accs, curves)),
                  "caption": _("Left: test accuracy (bar: mean, line: std, dots: seeds). Right: validation accuracy "
                               "per epoch.")}],
        facts=[(_("data set"), results["dataset"]), (_("epochs"), results["epochs"]),
               (_("budget"), " ".join(results["budget"])), (_("chip"), _chip_text(results["analog"])),
               (_("wall time"), _wall_time(results))],
        created=time.strftime("%Y-%m-%d %H:%M"))
    write_html(folder / "compare.html", html)


def _robustness_page(folder: Path, payload: dict[str, Any]) -> None:
    from goodfit.analog.plots import robustness_plot
    from goodfit.report import embed_png, render, write_html

    tables = []
    for title, sweep in payload["sweeps"].items():
        labels = list(sweep["curves"])
        rows = [[x, *(f"{100 * sweep['curves'][lab]['mean'][i]:.2f} %" for lab in labels)]
                for i, x in enumerate(sweep["x"])]
        tables.append({"title": _(title), "header": [_(sweep["label"]), *labels], "rows": rows})
    nominal = [[label, f"{100 * acc:.2f} %"] for label, acc in payload["nominal_accuracy"].items()]
    html = render(
        "sections.html", title=_("Analog MLP robustness (BrainScaleS-2 mock)"),
        subtitle=_("Test accuracy of analog-mlp trained without and with read-out noise, evaluated on chips that "
                   "differ from the nominal one in one setting at a time."),
        boxes=[{"kind": "info",
                "text": _("Noisy points average several seeded noise / mismatch draws; bit sweeps keep the chip's "
                          "full scale (goodfit.analog.chip_variant).")}],
        tables=[{"title": _("On the nominal chip"), "header": [_("model"), _("test accuracy")], "rows": nominal},
                *tables],
        figures=[{"title": _("Robustness curves"), "uri": embed_png(robustness_plot(payload["sweeps"])),
                  "caption": _("Test accuracy (mean ± std over draws) against each swept setting; dotted: the "
                               "nominal chip.")}],
        facts=[(_("data set"), payload["dataset"]), (_("epochs"), payload["epochs"]), (_("seed"), payload["seed"]),
               (_("budget"), " ".join(payload["budget"])), (_("chip"), _chip_text(payload["nominal_chip"])),
               (_("wall time"), _wall_time(payload))],
        created=time.strftime("%Y-%m-%d %H:%M"))
    write_html(folder / "robustness.html", html)


def _wall_time(results: Mapping[str, Any]) -> str:
    return _("{seconds:.0f} s on {threads} torch threads").format(seconds=results["wall_time_s"],
                                                                  threads=results["threads"])


def _chip_text(chip: Mapping[str, Any]) -> str:
    return ", ".join(f"{k}={v}" for k, v in chip.items() if k != "seed")
