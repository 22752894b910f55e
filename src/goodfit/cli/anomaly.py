"""``goodfit anomaly ...``: the anomaly-detection protocols. Parse, call :mod:`goodfit.anomaly`, print.

Heavy imports happen inside the commands.
"""

from __future__ import annotations

from pathlib import Path

import typer

from goodfit.cli.options import DataRoot
from goodfit.errors import ConfigError
from goodfit.i18n import _

__all__ = ["register"]

app = typer.Typer(help="Anomaly detection: detectors x feature spaces under seeded protocols (AUROC, AP).",
                  no_args_is_help=True)

Methods = typer.Option(None, "--method", "-m", help="DETECTOR[key=value,...]@FEATURE, repeatable; quote it "
                       "in a shell, e.g. -m 'knn[metric=cosine]@raw'. Default: the protocol's set.")
Seeds = typer.Option(3, "--seeds", min=1, help="Seeds 0..N-1 (splits, initializations).")
MaxTrain = typer.Option(None, "--max-train", help="Cap the normal training images per task (seeded subset).")
OutDir = typer.Option(Path("runs"), "--out-dir", help="Where the anomaly-<protocol>-<time> folder goes.")
Quiet = typer.Option(False, "--quiet", "-q", help="No line per (seed, task, method).")


def _ints(text: str | None, what: str) -> list[int] | None:
    if text is None:
        return None
    try:
        return [int(x) for x in text.split(",") if x.strip()]
    except ValueError:
        raise ConfigError(f"{what} must be comma-separated integers such as 0,1,2; got {text!r}") from None


def _print_summary(result, *, key: str = "method") -> None:
    for s in result.summary:
        label = s[key] if key == "method" else f"{s['method']}  [{s[key]}]"
        a = s["auroc"]
        typer.echo(_("{label:<48} AUROC {mean:.4f} ± {std_tasks:.4f} (tasks) ± {std_seeds:.4f} (seeds) | AP {ap:.4f} "
                     "| {seconds:.0f} s").format(label=label, mean=a["mean"], std_tasks=a["std_tasks"],
                                                 std_seeds=a["std_seeds"], ap=s["ap"]["mean"], seconds=s["time_s"]))
    typer.echo(f"results: {result.path / 'results.json'}")
    typer.echo(f"report: {result.path / 'report.html'}")


@app.command("ovr")
def ovr(
    dataset: str = typer.Option("mnist", "--dataset", "-d", help="An image data set (mnist, fashion-mnist, ...)."),
    methods: list[str] | None = Methods,
    classes: str | None = typer.Option(None, "--classes", help="Normal classes to run, e.g. 0,1,2 (default all)."),
    seeds: int = Seeds,
    max_train: int | None = MaxTrain,
    out_dir: Path = OutDir,
    data_root: str | None = DataRoot,
    quiet: bool = Quiet,
) -> None:
    """One-vs-rest: each class in turn is normal, trained on its training images, the whole test set scored."""
    from goodfit.anomaly.protocols import OVR_METHODS, one_vs_rest

    result = one_vs_rest(dataset=dataset, methods=methods or OVR_METHODS, classes=_ints(classes, "--classes"),
                         seeds=range(seeds), max_train=max_train, out_dir=out_dir, data_root=data_root,
                         progress=not quiet)
    _print_summary(result)


@app.command("ood")
def ood(
    dataset: str = typer.Option("mnist", "--dataset", "-d", help="The in-distribution data set."),
    ood_dataset: str | None = typer.Option(None, "--ood-dataset", help="Anomaly data set (default: "
                                              "fashion-mnist for mnist, else mnist)."),
    methods: list[str] | None = Methods,
    seeds: int = Seeds,
    max_train: int | None = MaxTrain,
    out_dir: Path = OutDir,
    data_root: str | None = DataRoot,
    quiet: bool = Quiet,
) -> None:
    """Out-of-distribution: trained on all of DATASET; anomalies: another data set, noise, rotation."""
    from goodfit.anomaly.protocols import OOD_METHODS, out_of_distribution

    result = out_of_distribution(dataset=dataset, ood_dataset=ood_dataset, methods=methods or OOD_METHODS,
                                 seeds=range(seeds), max_train=max_train, out_dir=out_dir, data_root=data_root,
                                 progress=not quiet)
    _print_summary(result, key="task")


@app.command("contamination")
def contamination_cmd(
    dataset: str = typer.Option("mnist", "--dataset", "-d", help="An image data set."),
    methods: list[str] | None = Methods,
    fractions: str = typer.Option("0,0.05,0.1,0.2", "--fractions", help="Anomaly shares of the training data."),
    classes: str | None = typer.Option(None, "--classes", help="Normal classes to run (default all)."),
    seeds: int = Seeds,
    max_train: int | None = MaxTrain,
    out_dir: Path = OutDir,
    data_root: str | None = DataRoot,
    quiet: bool = Quiet,
) -> None:
    """Contamination: one-vs-rest with a fraction of anomalies mixed into the training data."""
    from goodfit.anomaly.protocols import CONTAMINATION_METHODS, contamination

    try:
        fracs = [float(f) for f in fractions.split(",") if f.strip()]
    except ValueError:
        raise ConfigError(f"--fractions must be comma-separated numbers such as 0,0.1; got {fractions!r}") from None
    result = contamination(dataset=dataset, methods=methods or CONTAMINATION_METHODS, fractions=fracs,
                           classes=_ints(classes, "--classes"), seeds=range(seeds), max_train=max_train,
                           out_dir=out_dir, data_root=data_root, progress=not quiet)
    _print_summary(result, key="group")


@app.command("list")
def list_detectors() -> None:
    """List the registered detectors and feature spaces."""
    from goodfit.anomaly import DETECTORS, FEATURES

    typer.echo(_("detectors:"))
    for e in DETECTORS:
        typer.echo(f"  {e.name:<14} {e.description}")
    typer.echo(_("feature spaces:"))
    for e in FEATURES:
        arg = {"pca": ":N", "classifier": ":RUN"}.get(e.name, "")
        typer.echo(f"  {e.name + arg:<14} {e.description}")


def register(main: typer.Typer) -> None:
    main.add_typer(app, name="anomaly")
