"""A generative run's self-contained ``report.html``: curves, samples, test ELBO, Fréchet distance, modes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from goodfit.i18n import N_, _
from goodfit.report.html import embed_png, fmt_num, render, write_html
from goodfit.run import RunDir

__all__ = ["write_generative_report"]

# the figures generate() writes: (title, caption), translated where the page is made
_FIGURES = {"samples": (N_("Samples"), N_("64 draws from the prior z ~ N(0, I), decoded")),
            "interpolation": (N_("Interpolation"), N_("decoded points on the straight line between two latent codes")),
            "latent": (N_("Latent"), N_("2-D latent space: posterior means of the test images, coloured by class")),
            "manifold": (N_("Manifold"), N_("decoded grid over the prior's quantiles (2-D latent)"))}


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
        add(_("Learning curves"), _("per epoch; the VAE keeps the weights with the lowest validation -ELBO"),
            generative_curves(history))
    made = generate(rd.path, n=64, seed=cfg.seed, interpolate=True) if rd.checkpoints.is_dir() else {}
    for kind, path in made.items():
        title, caption = _FIGURES[kind]
        add(_(title), _(caption), path.read_bytes())
    q = metrics.get("quality")
    if q:
        add(_("Mode coverage"), _("labels the judging classifier gives to the samples (bars) and to real test images "
                                  "(ticks); dotted: uniform"),
            label_bars(q["mode_coverage"]["shares"], classes, reference=q["test_label_distribution"]["shares"]))
    page = render("sections.html", title=_("{model} on {data}: {run}").format(
                      model=cfg.model.name.upper(), data=cfg.data.name, run=rd.path.name),
                  subtitle=_subtitle(cfg, metrics), boxes=_boxes(metrics), tables=_tables(metrics, classes),
                  figures=figures, facts=_facts(cfg, metrics), created=metrics.get("created"))
    return write_html(rd.path / "report.html", page)


def _subtitle(cfg: Any, m: dict[str, Any]) -> str:
    kind = f"{cfg.model.variant} VAE, beta={cfg.model.beta:g}" if cfg.model.name == "vae" else "DCGAN"
    return _("{kind}, latent size {latent}; {epochs} epochs, {seconds:.0f} s; {n_train} training images").format(
        kind=kind, latent=cfg.model.latent, epochs=m.get("epochs_run"), seconds=m.get("train_time_s", 0),
        n_train=m.get("n_train"))


def _boxes(m: dict[str, Any]) -> list[dict[str, str]]:
    boxes = []
    if m.get("status") != "completed":
        boxes.append({"kind": "bad", "text": _("run {status}: {message}").format(status=m.get("status"),
                                                                                message=m.get("message"))})
    q = m.get("quality")
    if q:
        boxes.append({"kind": "info", "text": _(
            "Fréchet distance here is computed in the feature space of {space}. Compare it only with numbers from the "
            "same classifier.").format(space=q["feature_space"])})
        cov = q["mode_coverage"]
        if cov["covered"] < cov["n_classes"]:
            boxes.append({"kind": "warn", "text": _(
                "only {covered} of {n_classes} classes get at least a quarter of their uniform share of samples: a "
                "sign of mode collapse").format(covered=cov["covered"], n_classes=cov["n_classes"])})
    return boxes


def _tables(m: dict[str, Any], classes: list[str]) -> list[dict[str, Any]]:
    rows = []
    if "test" in m:
        t = m["test"]
        rows += [[_("test -ELBO (nats / image)"), fmt_num(t["neg_elbo"])],
                 ["  " + _("reconstruction term"), fmt_num(t["recon"])], ["  " + _("KL term"), fmt_num(t["kl"])]]
    q = m.get("quality")
    if q:
        cov = q["mode_coverage"]
        rows += [[_("Fréchet distance, samples vs test"), fmt_num(q["frechet_distance"])],
                 [_("Fréchet distance, train vs test (floor)"), fmt_num(q["frechet_distance_train_vs_test"])],
                 [_("classes covered"), f"{cov['covered']} / {cov['n_classes']}"],
                 [_("label entropy / log C (1 = uniform)"), fmt_num(cov["entropy_normalized"], 3)],
                 [_("KL(sample labels ‖ data labels)"), fmt_num(cov.get("kl_to_data"), 3)]]
    tables = [{"title": _("Quality"), "header": [_("measure"), _("value")], "rows": rows,
               "note": _("on {n} samples and as many test images").format(n=q["n_samples"]) if q else ""}
              ] if rows else []
    if q:
        cov, ref = q["mode_coverage"], q["test_label_distribution"]
        tables.append({"title": _("Label distribution over samples"),
                       "header": [_("class"), _("samples"), _("real test")],
                       "rows": [[c, f"{100 * a:.1f} %", f"{100 * b:.1f} %"]
                                for c, a, b in zip(classes, cov["shares"], ref["shares"])]})
    return tables


def _facts(cfg: Any, m: dict[str, Any]) -> list[tuple[str, str]]:
    facts = [(_("data"), _("{name}: {n_train} train / {n_valid} valid / {n_test} test").format(
                 name=cfg.data.name, n_train=m.get("n_train"), n_valid=m.get("n_valid"), n_test=m.get("n_test"))),
             (_("optimizer"), _("Adam, lr {lr:g}, beta1 {beta1:g}, batch {batch}").format(
                 lr=cfg.lr, beta1=cfg.beta1, batch=cfg.train.batch_size)),
             (_("seed"), str(cfg.seed))]
    if m.get("quality"):
        facts.append((_("judging classifier"), m["quality"]["classifier_run"]))
    return facts
