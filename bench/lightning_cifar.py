"""The Lightning baseline for CIFAR-10: torchvision's ResNet-18, trained by PyTorch Lightning the usual way.

"The usual recipe" is Lightning's own "CIFAR10 ~94% Baseline Tutorial" (lightning-tutorials,
``cifar10-baseline``): ``torchvision.models.resnet18(num_classes=10)`` with a 3×3, stride-1 first
convolution and no max-pool (for 32×32 images), random crops of the image padded by 4 pixels and
mirror flips, SGD (momentum 0.9, weight decay 5e-4) on a one-cycle schedule peaking at lr 0.1,
batches of 256, 30 epochs, 45,000 training images and 5,000 for validation. Changed for this CPU,
and only to its benefit: ``precision="bf16-mixed"`` (what goodfit's recipe uses too), and the crops
and flips are done per batch on the tensors (no DataLoader worker processes competing with the
training for the 2 cores). The images are the shared JPEGs, the arrays goodfit trains on.

A full run takes hours here, so ``--minutes`` stops training after that much wall time (Lightning's
``max_time``), and the validation accuracy after each epoch (and after the last, partial one: its row
gives the steps taken) says whether 90 % was reached by then:
if not, the time Lightning needs to 90 % is *more* than the time it ran, a lower bound to set against
goodfit's measured time. Without ``--minutes`` it runs the 30 epochs and tests once at the end.
Results go to ``bench/out/lightning_cifar.json`` (or ``--out``).

Usage::

    .venv/bin/python bench/lightning_cifar.py --minutes 80      # the lower bound (bench/RESULTS.md)
    .venv/bin/python bench/lightning_cifar.py                   # the full 30 epochs (hours)
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

OUT = Path(__file__).resolve().parent / "out" / "lightning_cifar.json"
BATCH, EPOCHS, PEAK_LR, N_VALID = 256, 30, 0.1, 5000
MEAN, STD = (0.4914, 0.4822, 0.4465), (0.2470, 0.2435, 0.2616)  # the tutorial's normalization


def _resnet18() -> nn.Module:
    import torchvision

    model = torchvision.models.resnet18(weights=None, num_classes=10)
    model.conv1 = nn.Conv2d(3, 64, kernel_size=3, stride=1, padding=1, bias=False)
    model.maxpool = nn.Identity()
    return model


def _crop_flip(x: torch.Tensor, pad: int = 4) -> torch.Tensor:
    """Random crops of the zero-padded images and random mirror flips, one draw per image."""
    n, _, h, w = x.shape
    padded = F.pad(x, (pad, pad, pad, pad))
    dy, dx = torch.randint(0, 2 * pad + 1, (2, n))
    rows = (dy[:, None] + torch.arange(h))[:, None, :, None]
    cols = (dx[:, None] + torch.arange(w))[:, None, None, :]
    out = padded[torch.arange(n)[:, None, None, None], torch.arange(x.shape[1])[None, :, None, None], rows, cols]
    flip = torch.rand(n) < 0.5
    out[flip] = out[flip].flip(-1)
    return out


def _module(steps_per_epoch: int, epochs: int):
    import lightning as L
    from torchmetrics.functional import accuracy

    class LitResnet(L.LightningModule):
        def __init__(self) -> None:
            super().__init__()
            self.model = _resnet18()

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return F.log_softmax(self.model(x), dim=1)

        def on_after_batch_transfer(self, batch, dataloader_idx):
            x, y = batch
            return (_crop_flip(x) if self.trainer.training else x), y

        def training_step(self, batch, batch_idx):
            x, y = batch
            loss = F.nll_loss(self(x), y)
            self.log("train_loss", loss)
            return loss

        def _accuracy(self, batch):
            x, y = batch
            return accuracy(self(x).argmax(1), y, task="multiclass", num_classes=10)

        def validation_step(self, batch, batch_idx):
            self.log("val_acc", self._accuracy(batch), prog_bar=True)

        def test_step(self, batch, batch_idx):
            self.log("test_acc", self._accuracy(batch))

        def configure_optimizers(self):
            opt = torch.optim.SGD(self.parameters(), lr=0.05, momentum=0.9, weight_decay=5e-4)
            sched = torch.optim.lr_scheduler.OneCycleLR(opt, PEAK_LR, epochs=epochs, steps_per_epoch=steps_per_epoch)
            return {"optimizer": opt, "lr_scheduler": {"scheduler": sched, "interval": "step"}}

    return LitResnet()


def _data():
    """The shared JPEGs as normalized float tensors: 45,000 train, 5,000 valid (seeded), 10,000 test."""
    from goodfit.data import load_dataset

    ds = load_dataset("cifar10")
    mean, std = torch.tensor(MEAN)[:, None, None], torch.tensor(STD)[:, None, None]
    scale = lambda x: (torch.from_numpy(x).float() / 255 - mean) / std  # noqa: E731
    x, y = scale(ds.x_train), torch.from_numpy(ds.y_train)
    perm = torch.randperm(len(y), generator=torch.Generator().manual_seed(0))
    tr, va = perm[N_VALID:], perm[:N_VALID]
    return (x[tr], y[tr]), (x[va], y[va]), (scale(ds.x_test), torch.from_numpy(ds.y_test))


def main(minutes: float | None, out: Path) -> None:
    os.environ.setdefault("GOODFIT_DATA", str(Path(__file__).resolve().parents[2] / "shared" / "data"))
    import lightning as L
    from torch.utils.data import DataLoader, TensorDataset

    L.seed_everything(0)
    train, valid, test = (TensorDataset(*t) for t in _data())
    loaders = dict(train=DataLoader(train, batch_size=BATCH, shuffle=True, drop_last=True),
                   valid=DataLoader(valid, batch_size=512), test=DataLoader(test, batch_size=512))
    t0 = time.perf_counter()
    rows: list[dict] = []

    class Clock(L.Callback):
        def on_validation_epoch_end(self, trainer, pl_module) -> None:
            if not trainer.sanity_checking:
                rows.append({"epoch": trainer.current_epoch + 1, "steps": trainer.global_step,
                             "wall_s": time.perf_counter() - t0, "val_acc": float(trainer.callback_metrics["val_acc"])})
                print(f"epoch {rows[-1]['epoch']:>2} (step {trainer.global_step})  {rows[-1]['wall_s']:7.1f} s  "
                      f"val_acc {rows[-1]['val_acc']:.4f}", flush=True)

    model = _module(len(loaders["train"]), EPOCHS)
    trainer = L.Trainer(accelerator="cpu", precision="bf16-mixed", max_epochs=EPOCHS, callbacks=[Clock()],
                        max_time={"minutes": minutes} if minutes else None, logger=False,
                        enable_checkpointing=False, enable_progress_bar=False, num_sanity_val_steps=0)
    trainer.fit(model, loaders["train"], loaders["valid"])
    wall = time.perf_counter() - t0
    test_acc = None
    if not minutes:
        test_acc = float(trainer.test(model, loaders["test"], verbose=False)[0]["test_acc"])
    best = max((r["val_acc"] for r in rows), default=float("nan"))
    print(f"Lightning ResNet-18: {len(rows)} epochs in {wall:.0f} s; best valid accuracy {best:.4f}"
          + (f"; test accuracy {test_acc:.4f}" if test_acc is not None else " (stopped by --minutes, test untouched)"))
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps({"minutes": minutes, "wall_s": wall, "epochs_run": len(rows), "rows": rows,
                               "test_acc": test_acc, "threads": torch.get_num_threads()}, indent=1))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=None, help="stop training after this much wall time")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    main(args.minutes, args.out)
