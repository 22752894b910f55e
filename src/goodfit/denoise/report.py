"""A denoising run's self-contained ``report.html``: the comparison at every noise kind and SNR (mean ± std),
the learning curve, and for a few test clips their spectrograms and ``<audio>`` players (noisy, clean,
denoised), all inlined."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from goodfit.i18n import N_, _
from goodfit.report.html import DASH, embed_png, embed_wav, render, write_html
from goodfit.run import RunDir

__all__ = ["write_denoise_report", "METHOD_NAMES"]

METHOD_NAMES = {"noisy": N_("noisy input"), "wiener": N_("Wiener filter"), "gating": N_("spectral gating"),
                "model": N_("model")}
CLIP_NAMES = {"noisy": N_("noisy"), "denoised": N_("denoised"), "clean": N_("clean")}
FSDD_CREDIT = ("Speech: Free Spoken Digit Dataset (Z. Jackson et al.), CC BY-SA 4.0, "
               "github.com/Jakobovski/free-spoken-digit-dataset")


def write_denoise_report(run: str | Path) -> Path:
    """(Re)write ``RUN/report.html`` from the run's files; returns its path."""
    import soundfile

    from goodfit.config import load_config
    from goodfit.denoise.config import DenoiseConfig
    from goodfit.denoise.plots import denoise_curves, spectrograms

    rd = RunDir.open(run)
    cfg = load_config(rd.path, DenoiseConfig)
    metrics, history = rd.read_json("metrics.json"), rd.read_history()
    figures: list[dict[str, Any]] = []
    if history:
        figures.append({"title": _("Learning curves"), "uri": embed_png(denoise_curves(history)), "caption": _(
            "training loss (negative SI-SDR) and validation SI-SDR on the validation speakers at 0 and 5 dB; "
            "the run keeps the weights of the best validation epoch")})
    for ex in metrics.get("examples", []):
        audio = {what: rd.path / "examples" / name for what, name in ex["files"].items()}
        if not all(p.is_file() for p in audio.values()):
            continue
        waves = {what: soundfile.read(str(p), dtype="float32")[0] for what, p in audio.items()}
        figures.append({
            "title": _("{noise} noise at {snr:g} dB, speaker {speaker}").format(
                noise=ex["noise"], snr=ex["snr_db"], speaker=ex["speaker"]),
            "uri": embed_png(spectrograms(waves, sr=metrics["sr"])),
            "audios": [{"label": _(CLIP_NAMES[what]), "uri": embed_wav(audio[what].read_bytes())}
                       for what in ("noisy", "denoised", "clean")],
            "caption": _("SI-SDR {si:.1f} dB ({gain:+.1f} dB), PESQ {pesq:.2f}, STOI {stoi:.2f}").format(
                si=ex["si_sdr"], gain=ex["si_sdri"], pesq=ex["pesq"], stoi=ex["stoi"])})
    page = render("sections.html", title=_("Denoising with {model}: {run}").format(model=cfg.model.name,
                                                                                    run=rd.path.name),
                  subtitle=_subtitle(cfg, metrics), boxes=_boxes(cfg, metrics), tables=_tables(metrics),
                  figures=figures, facts=_facts(cfg, metrics), created=metrics.get("created"))
    return write_html(rd.path / "report.html", page)


def _subtitle(cfg: Any, m: dict[str, Any]) -> str:
    return _("{epochs} epochs, {seconds:.0f} s of training; {crops} fresh noisy crops of {seg:g} s per epoch").format(
        epochs=m.get("epochs_run"), seconds=m.get("train_time_s", 0), crops=cfg.data.crops_per_epoch,
        seg=cfg.data.segment_s)


def _boxes(cfg: Any, m: dict[str, Any]) -> list[dict[str, str]]:
    sp = m.get("speakers", {})
    boxes = [{"kind": "info", "text": _(
        "Speakers are kept apart: the test voices ({test}) and the validation voices ({valid}) are never heard in "
        "training ({train}).").format(test=", ".join(sp.get("test", [])), valid=", ".join(sp.get("valid", [])),
                                      train=", ".join(sp.get("train", [])))}]
    if m.get("status") != "completed":
        boxes.append({"kind": "bad", "text": _("run {status}: {message}").format(status=m.get("status"),
                                                                                message=m.get("message"))})
    test = m.get("test")
    if test and "stoi_below_noisy" in test:
        below = test["stoi_below_noisy"]
        if below:
            cells = ", ".join(f"{c['noise']} {c['snr_db']:g} dB" for c in below)
            boxes.append({"kind": "warn", "text": _(
                "The hands-on's condition (the denoised speech at least as intelligible as the noisy input, by STOI) "
                "fails in {n} of {total} cells: {cells}.").format(n=len(below), total=len(test["noises"]) * len(
                    test["snrs"]), cells=cells)})
        else:
            boxes.append({"kind": "ok", "text": _(
                "The denoised speech is at least as intelligible as the noisy input (STOI) in every cell.")})
    if cfg.data.name == "fsdd":
        boxes.append({"kind": "info", "text": FSDD_CREDIT})
    return boxes


def _pm(stat: dict[str, float], digits: int) -> str:
    mean, std = stat.get("mean"), stat.get("std")
    if mean is None or not np.isfinite(mean):
        return DASH
    return f"{mean:.{digits}f} ± {std:.{digits}f}"


def _tables(m: dict[str, Any]) -> list[dict[str, Any]]:
    test = m.get("test")
    if not test:
        return []
    methods = test["methods"]
    header = [_("method")] + [_("SI-SDR (dB)"), _("improvement (dB)"), "PESQ", "STOI"]
    tables = []
    for snr, per_method in test["summary"].items():
        if float(snr) != 0.0:
            continue
        tables.append({"title": _("At 0 dB input SNR, mean over the noise kinds"), "header": header,
                       "rows": [[_(METHOD_NAMES.get(name, name)), *(f"{per_method[name][k]:.2f}" for k in (
                           "si_sdr", "si_sdri", "pesq", "stoi"))] for name in methods]})
    index = {(c["noise"], c["snr_db"], c["method"]): c for c in test["cells"]}
    for measure, title, digits in (("si_sdri", _("SI-SDR improvement (dB)"), 1), ("pesq", "PESQ", 2),
                                   ("stoi", "STOI", 3)):
        rows = [[f"{noise}, {snr:g} dB", *(_pm(index[(noise, snr, name)][measure], digits) for name in methods)]
                for noise in test["noises"] for snr in test["snrs"]]
        tables.append({"title": title, "header": [_("noise, input SNR")] + [_(METHOD_NAMES.get(n, n)) for n in methods],
                       "rows": rows, "note": _("mean ± std over {n} test clips per cell").format(
                           n=test["n_clips"] // max(1, len(test["noises"]) * len(test["snrs"])))})
    return tables


def _facts(cfg: Any, m: dict[str, Any]) -> list[tuple[str, str]]:
    return [(_("speech"), f"{cfg.data.name} ({m.get('source', '')}), {m.get('sr')} Hz"),
            (_("noises"), ", ".join(cfg.data.noises) + _("; training SNRs {lo:g} to {hi:g} dB").format(
                lo=cfg.data.snr_db[0], hi=cfg.data.snr_db[1])),
            (_("model"), _("{name}, {hidden} units, {layers} layers; STFT {n_fft} / hop {hop}").format(
                name=cfg.model.name, hidden=cfg.model.hidden, layers=cfg.model.layers, n_fft=cfg.model.n_fft,
                hop=cfg.model.hop)),
            (_("optimizer"), _("AdamW, lr {lr:g}, batch {batch}, loss {loss}").format(
                lr=cfg.optim.lr, batch=cfg.train.batch_size, loss=cfg.optim.loss)),
            (_("seed"), str(cfg.seed))]
