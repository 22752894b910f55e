"""Speech denoising on held-out FSDD speakers: does the model beat the noisy input and the classical
baselines, and meet the audio issue's targets?

Trains ``goodfit denoise train`` with the given overrides (default: the shipped defaults) in a
temporary folder, then prints the test table's summary at each SNR and the targets:

- at 0 dB input SNR, the mean SI-SDR improvement over the noise kinds is at least +10 dB;
- at 0 dB, the model's PESQ and STOI are above the noisy input's and above spectral gating's;
- STOI(model) >= STOI(noisy) in every cell (noise kind × SNR); the cells where it fails are listed.

Writes ``bench/out/denoise.json``. Usage::

    .venv/bin/python bench/denoise.py
    .venv/bin/python bench/denoise.py train.epochs=10 model.name=mask-conv
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path

OUT = Path(__file__).resolve().parent / "out" / "denoise.json"


def main(overrides: list[str]) -> None:
    os.environ.setdefault("GOODFIT_DATA", str(Path(__file__).resolve().parents[2] / "shared" / "data"))
    from goodfit.config import apply_overrides
    from goodfit.denoise import DenoiseConfig, fit_denoiser

    with tempfile.TemporaryDirectory() as tmp:
        cfg = apply_overrides(DenoiseConfig(), [f"out_dir={tmp}", *overrides])
        t0 = time.perf_counter()
        result = fit_denoiser(cfg, progress="lines", report=False)
        wall = time.perf_counter() - t0
    m = result.metrics
    test = m["test"]
    print(f"\ntrain {m['train_time_s']:.0f} s, whole run {wall:.0f} s, {m['epochs_run']} epochs, "
          f"best {m['best_epoch']}")
    for snr, per_method in test["summary"].items():
        cells = (f"{name} SI-SDRi {v['si_sdri']:+.2f} PESQ {v['pesq']:.2f} STOI {v['stoi']:.3f}"
                 for name, v in per_method.items())
        print(f"{snr:>4} dB  " + "  ".join(cells))
    at0 = test["summary"]["0"]
    targets = {
        "si_sdri_at_0db>=10": at0["model"]["si_sdri"] >= 10,
        "pesq_above_noisy_and_gating": at0["model"]["pesq"] > max(at0["noisy"]["pesq"], at0["gating"]["pesq"]),
        "stoi_above_noisy_and_gating": at0["model"]["stoi"] > max(at0["noisy"]["stoi"], at0["gating"]["stoi"]),
        "stoi_not_below_noisy_in_every_cell": not test["stoi_below_noisy"],
    }
    print("targets:", json.dumps(targets))
    print("STOI below the noisy input in:", [(c["noise"], c["snr_db"]) for c in test["stoi_below_noisy"]])
    OUT.parent.mkdir(exist_ok=True)
    OUT.write_text(json.dumps({"overrides": overrides, "wall_s": wall, "metrics": m, "targets": targets}, indent=1))


if __name__ == "__main__":
    main(sys.argv[1:])
