"""``goodfit optim ...``: hikers on loss landscapes. Parse, call :mod:`goodfit.landscapes`, print."""

from __future__ import annotations

from pathlib import Path

import typer

from goodfit.i18n import _

__all__ = ["register"]

app = typer.Typer(help="Gradient descent you can see: hikers walking down loss landscapes.", no_args_is_help=True)


@app.command("walk")
def optim_walk(
    landscape: str = typer.Argument(..., help="A landscape (goodfit optim list), or expr:FORMULA in x and y."),
    optimizer: str = typer.Option("gd", "--optimizer", "-o", help="gd, sgd, momentum, nesterov, rmsprop or adam."),
    lr: float = typer.Option(0.01, "--lr", min=0, help="Learning rate: the size of each step."),
    lrs: str | None = typer.Option(None, "--lrs", help="Learning rates for the page's slider, comma-separated "
                                   "(default: around 2/L when the curvature L is known, else lr/10 .. lr*10)."),
    hikers: int = typer.Option(6, "--hikers", "-n", min=1, max=100, help="Number of hikers."),
    starts: str = typer.Option("random", "--starts", help="random or grid starting points."),
    steps: int = typer.Option(500, "--steps", min=1, max=1_000_000, help="At most this many steps."),
    tol_change: float = typer.Option(1e-9, "--tol-change", min=0, help="Stop when the loss changes less (0: never)."),
    tol_grad: float = typer.Option(1e-6, "--tol-grad", min=0, help="Stop when the slope is flatter (0: never)."),
    target: float | None = typer.Option(None, "--target", help="Stop when the loss reaches this value."),
    batch_size: int = typer.Option(16, "--batch-size", min=1, help="sgd: the gradient noise shrinks as 1/sqrt(batch)."),
    seed: int = typer.Option(0, "--seed", min=0, max=2**32 - 1, help="Seed of the random starts and the sgd noise."),
    out_dir: Path = typer.Option(Path("runs"), "--out-dir", help="Where the optim-<landscape>-<time> folder goes."),
    no_gif: bool = typer.Option(False, "--no-gif", help="Skip the animated GIF (the page still animates)."),
) -> None:
    """Walk hikers down a landscape; write optim.html (animation, lr slider, 3-D surface, loss per step)."""
    from goodfit.landscapes import LANDSCAPES, WalkConfig, explore, write_page
    from goodfit.run import RunDir

    land = LANDSCAPES.create(landscape)
    cfg = WalkConfig(optimizer=optimizer, lr=lr, steps=steps, tol_change=tol_change, tol_grad=tol_grad,
                     target=target, batch_size=batch_size, seed=seed)
    rates = _floats(lrs) if lrs else None
    ex = explore(land, cfg, hikers=hikers, starts=starts, lrs=rates, seed=seed)
    for i, t in enumerate(ex.paths, 1):
        end = ", ".join(f"{v:.4g}" for v in t.end)
        typer.echo(_("hiker {i}: ({end}) loss {loss:.4g} after {steps} steps ({reason})").format(
            i=i, end=end, loss=t.losses[-1], steps=t.steps, reason=t.stop_reason))
    for rate, verdict, _t in ex.sweep:
        typer.echo(f"lr {rate:g}: {verdict}")
    run = RunDir.create(out_dir, "optim-" + landscape.split(":")[0])
    typer.echo(f"report: {write_page(ex, run.path, with_gif=not no_gif)}")


@app.command("slice")
def optim_slice(
    run: Path = typer.Argument(..., help="A finished run folder."),
    points: int = typer.Option(21, "--points", min=3, max=101, help="Points along each axis of the slices."),
    samples: int = typer.Option(2048, "--samples", min=16, help="Training samples the loss is measured on."),
    seed: int = typer.Option(0, "--seed", min=0, max=2**32 - 1, help="Seed of the random direction and samples."),
) -> None:
    """The loss around a trained run: the line to its initial weights and a filter-normalized plane (Li et al.)."""
    from goodfit.landscapes.slices import slice_run, slices_plot, trajectory_plane, trajectory_plot
    from goodfit.run import RunDir, atomic_write_bytes, atomic_write_json

    with RunDir.open(run).lock() as opened:
        s = slice_run(opened.path, points=points, samples=samples, seed=seed)
        out = opened.path / "landscape"
        atomic_write_json(out / "slices.json", s.to_dict())
        atomic_write_bytes(out / "slices.png", slices_plot(s, title=f"{opened.path.name}: training loss around "
                                                           f"the final weights ({s.samples} samples)"))
        kept = opened.path / "checkpoints" / "trajectory"
        path = trajectory_plane(opened.path, points=points, samples=samples, seed=seed) if kept.is_dir() else None
        if path is not None:
            atomic_write_bytes(out / "trajectory.png", trajectory_plot(path, title=f"{opened.path.name}: the path "
                                                                       "of training, on its principal plane"))
    final, initial, hill = s.on_the_line()
    typer.echo(_("training loss: final weights {final:.4g}, initial {initial:.4g}, highest in between "
                 "{hill:.4g}").format(final=final, initial=initial, hill=hill))
    typer.echo(f"slices: {out / 'slices.png'}")
    if path is not None:
        share = 100 * sum(path.explained)
        # "trajectory: PATH" stays English in every language: scripts read the path after it
        typer.echo(f"trajectory: {out / 'trajectory.png'} "
                   + _("(two directions hold {share} of the path)").format(share=f"{share:.0f} %"))
    else:
        typer.echo(_("(train with train.keep_trajectory=true to see the path training took, too)"))


@app.command("list")
def optim_list() -> None:
    """The landscapes and optimizers."""
    from goodfit.landscapes import LANDSCAPES, OPTIMIZERS

    for entry in LANDSCAPES:
        argument = {"expr": ":FORMULA", "run": ":RUN"}.get(entry.name, ":ARG") if entry.takes_argument else ""
        name = entry.name + argument
        typer.echo(f"{name:<18} {entry.description}")
    typer.echo(_("optimizers: {names}").format(names=", ".join(OPTIMIZERS)))


def _floats(text: str) -> list[float]:
    from goodfit.errors import ConfigError

    try:
        return [float(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise ConfigError(f"--lrs must be numbers separated by commas, e.g. 0.01,0.1,0.5; not {text!r}") from None


def register(parent: typer.Typer) -> None:
    parent.add_typer(app, name="optim")
