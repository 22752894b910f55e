"""``goodfit watch SCRIPT [ARGS...]``: run your own PyTorch training script under goodfit's checks."""

from __future__ import annotations

from pathlib import Path

import typer

__all__ = ["register"]


def watch(
    ctx: typer.Context,
    script: Path = typer.Argument(..., help="Your training script; every argument after it is passed to it."),
    out_dir: Path = typer.Option(Path("runs"), "--out-dir", help="Where the watch-<script>-<time> folder goes."),
    steps: int = typer.Option(50, "--steps", min=1, help="Optimizer steps whose losses are followed closely."),
) -> None:
    """Run a training script unchanged and check what it does: model, loss, optimizer, data, evaluation."""
    raise typer.Exit(_run(script, list(ctx.args), out_dir, steps))


def quick(argv: list[str]) -> int | None:
    """``goodfit watch ARGV...`` without Typer, when ``ARGV`` is ``[--out-dir D] [--steps N] SCRIPT [ARGS...]``
    (each option also as ``--name=value``): the exit code. None for anything else (``--help``, a bad
    value, an unknown option), which the full command line parses and answers as usual.

    The script runs inside this process, so the ~0.1 s Typer takes to build and parse the command line
    would be part of its run time (bench/RESULTS.md, "goodfit watch's own start").
    """
    options, i = {"--out-dir": "runs", "--steps": "50"}, 0
    while i < len(argv) and argv[i].startswith("-"):
        name, eq, value = argv[i].partition("=")
        if name not in options or (not eq and i + 1 == len(argv)):
            return None
        if not eq:
            i, value = i + 1, argv[i + 1]
        options[name] = value
        i += 1
    if i == len(argv) or not options["--steps"].isdigit() or int(options["--steps"]) < 1:
        return None
    return _run(Path(argv[i]), argv[i + 1:], Path(options["--out-dir"]), int(options["--steps"]))


def _run(script: Path, args: list[str], out_dir: Path, steps: int) -> int:
    from goodfit.findings import tally
    from goodfit.watch import run_script

    result = run_script(script, args, out_dir=out_dir, steps=steps)
    # "findings: PATH" stays English in every language: scripts and tests read the path after it
    typer.echo(f"goodfit watch: {tally(result.findings)}; findings: {result.folder / 'findings.json'}", err=True)
    return result.exit_code


def register(app: typer.Typer) -> None:
    app.command(context_settings={"allow_extra_args": True, "ignore_unknown_options": True,
                                  "allow_interspersed_args": False})(watch)
