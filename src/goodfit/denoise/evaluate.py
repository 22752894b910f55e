"""The comparison table: every method (the noisy input, the classical baselines, the trained model) on
the same noisy clips, per noise kind and input SNR, measured by SI-SDR (and its improvement over the
noisy input), PESQ and STOI, each as mean ± std over the clips of a cell.

The hands-on's condition is checked cell by cell: the denoised speech must stay at least as
intelligible as the noisy input (``STOI(model) >= STOI(noisy)``); the cells where it does not are
listed, never averaged away.
"""

from __future__ import annotations

import io
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from goodfit.denoise.baselines import BASELINES
from goodfit.denoise.models import enhance_batch
from goodfit.denoise.speech import Mixture
from goodfit.metrics.audio import pesq, si_sdr, stoi
from goodfit.workers import fork_map

__all__ = ["compare", "score_clip", "write_examples", "MEASURES", "summary_at"]

MEASURES = ("si_sdr", "si_sdri", "pesq", "stoi")


def score_clip(clean: np.ndarray, noisy: np.ndarray, estimate: np.ndarray, *, sr: int) -> dict[str, float]:
    """One clip's measures (SI-SDR improvement: over the noisy input)."""
    value = float(si_sdr(clean, estimate))
    return {"si_sdr": value, "si_sdri": value - float(si_sdr(clean, noisy)),
            "pesq": pesq(clean, estimate, sr=sr), "stoi": stoi(clean, estimate, sr=sr)}


def _stats(values: list[float]) -> dict[str, float]:
    v = np.asarray(values, dtype=np.float64)
    ok = v[np.isfinite(v)]
    return {"mean": float(ok.mean()) if len(ok) else float("nan"),
            "std": float(ok.std()) if len(ok) else float("nan"), "n": int(len(ok))}


def _clip(job: tuple[np.ndarray, np.ndarray, np.ndarray | None, tuple[str, ...], int]) -> dict[str, dict[str, float]]:
    """Every method's measures on one clip: the baselines run here, the model's estimate comes made."""
    clean, noisy, model_estimate, baselines, sr = job
    estimates = {name: BASELINES.create(name)(noisy, sr=sr) for name in baselines}
    if model_estimate is not None:
        estimates["model"] = model_estimate
    return {name: score_clip(clean, noisy, est, sr=sr) for name, est in estimates.items()}


def compare(mixtures: Sequence[Mixture], *, model: nn.Module | None, baselines: Sequence[str] = ("noisy", "wiener"),
            sr: int, device: torch.device | str = "cpu", jobs: int = 0) -> dict[str, Any]:
    """Score ``baselines`` (names in :data:`~goodfit.denoise.baselines.BASELINES`) and ``model`` (if given)
    on ``mixtures``, spread over ``jobs`` processes (0: every core); returns ``{"methods", "noises",
    "snrs", "cells", "summary", "stoi_below_noisy"}``.

    ``cells`` holds one row per (noise, SNR, method) with each measure's mean, std and clip count.
    """
    model_out: list[np.ndarray | None] = [None] * len(mixtures)
    if model is not None:
        by_length: dict[int, list[int]] = defaultdict(list)
        for i, m in enumerate(mixtures):
            by_length[len(m.noisy)].append(i)
        for idx in by_length.values():
            for i, est in zip(idx, enhance_batch(model, np.stack([mixtures[i].noisy for i in idx]), device=device)):
                model_out[i] = est
    clips = [(m.clean, m.noisy, est, tuple(baselines), sr) for m, est in zip(mixtures, model_out)]
    scores = list(fork_map(_clip, clips, jobs))
    methods = [*baselines, *(["model"] if model is not None else [])]
    grouped: dict[tuple[str, float, str], list[dict[str, float]]] = defaultdict(list)
    for m, per_method in zip(mixtures, scores):
        for name in methods:
            grouped[(m.noise, m.snr_db, name)].append(per_method[name])
    cells = [{"noise": noise, "snr_db": snr, "method": name,
              **{measure: _stats([s[measure] for s in rows]) for measure in MEASURES}}
             for (noise, snr, name), rows in grouped.items()]
    noises = list(dict.fromkeys(m.noise for m in mixtures))
    snrs = sorted({m.snr_db for m in mixtures})
    table = {"methods": methods, "noises": noises, "snrs": snrs, "cells": cells, "n_clips": len(mixtures)}
    table["summary"] = {f"{snr:g}": summary_at(table, snr) for snr in snrs}
    if model is not None and "noisy" in methods:
        table["stoi_below_noisy"] = _stoi_below_noisy(cells)
    return table


def summary_at(table: dict[str, Any], snr_db: float) -> dict[str, dict[str, float]]:
    """Per method, each measure's mean over the noise kinds at one input SNR."""
    out: dict[str, dict[str, float]] = {}
    for name in table["methods"]:
        rows = [c for c in table["cells"] if c["method"] == name and c["snr_db"] == snr_db]
        out[name] = {measure: float(np.nanmean([r[measure]["mean"] for r in rows])) if rows else float("nan")
                     for measure in MEASURES}
    return out


def _stoi_below_noisy(cells: list[dict[str, Any]]) -> list[dict[str, Any]]:
    index = {(c["noise"], c["snr_db"], c["method"]): c for c in cells}
    below = []
    for (noise, snr, method), cell in index.items():
        if method != "model":
            continue
        noisy = index[(noise, snr, "noisy")]["stoi"]["mean"]
        if cell["stoi"]["mean"] < noisy:
            below.append({"noise": noise, "snr_db": snr, "stoi": cell["stoi"]["mean"], "stoi_noisy": noisy})
    return below


def write_examples(folder: Path, mixtures: Sequence[Mixture], *, model: nn.Module, sr: int, count: int,
                   device: torch.device | str = "cpu") -> list[dict[str, Any]]:
    """WAV files (clean, noisy, denoised) of ``count`` test clips at 0 dB (or the SNR nearest it), each of
    another noise kind; returns their names and measures."""
    import soundfile

    from goodfit.run import atomic_write_bytes

    if count <= 0 or not mixtures:
        return []
    target = min({m.snr_db for m in mixtures}, key=abs)
    picked: dict[str, Mixture] = {}
    for m in mixtures:
        if m.snr_db == target and m.noise not in picked:
            picked[m.noise] = m
    chosen = list(picked.values())[:count]
    denoised = enhance_batch(model, np.stack([m.noisy for m in chosen]), device=device)
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for k, (m, est) in enumerate(zip(chosen, denoised)):
        files = {}
        for what, audio in (("clean", m.clean), ("noisy", m.noisy), ("denoised", est)):
            buf = io.BytesIO()
            soundfile.write(buf, np.clip(audio, -1, 1), sr, format="WAV", subtype="PCM_16")
            name = f"{k}-{m.noise}-{what}.wav"
            atomic_write_bytes(folder / name, buf.getvalue())
            files[what] = name
        out.append({"noise": m.noise, "snr_db": m.snr_db, "speaker": m.speaker, "files": files,
                    **score_clip(m.clean, m.noisy, est, sr=sr)})
    return out
