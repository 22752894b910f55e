"""A generative run's self-contained ``report.html``: curves, samples, test ELBO, Fréchet distance, modes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from goodfit.report.html import embed_png, fmt_num, render, write_html
from goodfit.run import RunDir

__all__ = ["write_generative_report"]


def write_generative_report(run: str | Path) -> Path:
    """(Re)write ``RUN/report.html`` from the run's files; returns its path."""
    from goodfit.generative.config import load_gen_config
    from goodfit.generative.generate import generate
    from goodfit.generative.plots import generative_curves, label_bars

    rd = RunDir.open(run)
    cfg = load_gen_config(rd.path)
    metrics, history = rd.read_json("metrics.json"), rd.read_history()
    classes = metrics.get("classes", [])
    figures = []

    def add(title: str, caption: str, png: bytes) -> None:
        figures.append({"title": title, "caption": caption, "uri": embed_png(png)})

    if history:
        add("Learning curves", "per epoch; the VAE keeps the weights with the lowest validation -ELBO",
            generative_curves(history))
    made = generate(rd.path, n=64, seed=cfg.seed, interpolate=True) if rd.checkpoints.is_dir() else {}
    captions = {"samples": "64 draws from the prior z ~ N(0, I), decoded",
                "interpolation": "decoded points on the straight line between two latent codes",
                "latent": "2-D latent space: posterior means of the test images, coloured by class",
                "manifold": "decoded grid over the prior's quantiles (2-D latent)"}
    for kind, path in made.items():
        add(kind.capitalize(), captions[kind], path.read_bytes())
    q = metrics.get("quality")
    if q:
        add("Mode coverage", "labels the judging classifier gives to the samples (bars) and to real test "
            "images (ticks); dotted: uniform", label_bars(q["mode_coverage"]["shares"], classes,
                                                         reference=q["test_label_distribution"]["shares"]))
    page = render("sections.html", title=f"{cfg.model.name.upper()} on {cfg.data.name}: {rd.path.name}",
                  subtitle=_subtitle(cfg, metrics), boxes=_boxes(metrics), tables=_tables(metrics, classes),
                  figures=figures, facts=_facts(cfg, metrics), created=metrics.get("created"))
    return write_html(rd.path / "report.html", page)


def _subtitle(cfg: Any, m: dict[str, Any]) -> str:
    kind = f"{cfg.model.variant} VAE, beta={cfg.model.beta:g}" if cfg.model.name == "vae" else "DCGAN"
    return (f"{kind}, latent size {cfg.model.latent}; {m.get('epochs_run')} epochs, "
            f"{m.get('train_time_s', 0):.0f} s; {m.get('n_train')} training images")


def _boxes(m: dict[str, Any]) -> list[dict[str, str]]:
    boxes = []
    if m.get("status") != "completed":
        boxes.append({"kind": "bad", "text": f"run {m.get('status')}: {m.get('message')}"})
    q = m.get("quality")
    if q:
        boxes.append({"kind": "info", "text": "Fréchet distance here is computed in the feature space of "
                      + q["feature_space"] + ". Compare it only with numbers from the same classifier."})
        cov = q["mode_coverage"]
        if cov["covered"] < cov["n_classes"]:
            boxes.append({"kind": "warn", "text": f"only {cov['covered']} of {cov['n_classes']} classes get at "
                          "least a quarter of their uniform share of samples: a sign of mode collapse"})
    return boxes


def _tables(m: dict[str, Any], classes: list[str]) -> list[dict[str, Any]]:
    rows = []
    if "test" in m:
        t = m["test"]
        rows += [["test -ELBO (nats / image)", fmt_num(t["neg_elbo"])],
                 ["  reconstruction term", fmt_num(t["recon"])], ["  KL term", fmt_num(t["kl"])]]
    q = m.get("quality")
    if q:
        cov = q["mode_coverage"]
        rows += [["Fréchet distance, samples vs test", fmt_num(q["frechet_distance"])],
                 ["Fréchet distance, train vs test (floor)", fmt_num(q["frechet_distance_train_vs_test"])],
                 ["classes covered", f"{cov['covered']} / {cov['n_classes']}"],
                 ["label entropy / log C (1 = uniform)", fmt_num(cov["entropy_normalized"], 3)],
                 ["KL(sample labels ‖ data labels)", fmt_num(cov.get("kl_to_data"), 3)]]
    tables = [{"title": "Quality", "header": ["measure", "value"], "rows": rows,
               "note": f"on {q['n_samples']} samples and as many test images" if q else ""}] if rows else []
    if q:
        cov, ref = q["mode_coverage"], q["test_label_distribution"]
        tables.append({"title": "Label distribution over samples", "header": ["class", "samples", "real test"],
                       "rows": [[c, f"{100 * a:.1f} %", f"{100 * b:.1f} %"]
                                for c, a, b in zip(classes, cov["shares"], ref["shares"])]})
    return tables


def _facts(cfg: Any, m: dict[str, Any]) -> list[tuple[str, str]]:
    facts = [("data", f"{cfg.data.name}: {m.get('n_train')} train / {m.get('n_valid')} valid / "
                      f"{m.get('n_test')} test"),
             ("optimizer", f"Adam, lr {cfg.lr:g}, beta1 {cfg.beta1:g}, batch {cfg.train.batch_size}"),
             ("seed", str(cfg.seed))]
    if m.get("quality"):
        facts.append(("judging classifier", m["quality"]["classifier_run"]))
    return facts
