"""The course's CIFAR-10 ConvNet tutorial, trained the tutorial's way: three classic pitfalls included.

    python examples/cifar10_tutorial.py --epochs 10          # plain PyTorch, as the tutorial writes it
    goodfit watch examples/cifar10_tutorial.py --epochs 10   # the same, with goodfit's checks looking on

The network is goodfit's ``tutorial-convnet`` (the tutorial's layers, Xavier init, biases 0.01); the
training is the tutorial's, pitfalls and all, so that goodfit has something to find:

1. a ``Softmax`` after the last layer, in front of ``CrossEntropyLoss`` (which applies log-softmax itself);
2. a training loader that never reshuffles (``shuffle`` left at its default, False);
3. the test split used as validation after every epoch, and the best epoch picked on it.

``goodfit train data.name=cifar10 model.name=tutorial-convnet ...`` trains the same layers goodfit's
way; ``bench/tutorial.py`` runs both and records them side by side (bench/RESULTS.md).

Data: the CIFAR-10 image folders under ``$GOODFIT_DATA/cifar10-jpeg/{train,test}/<class>/``.
"""

import argparse
import json
import os
import time
from pathlib import Path

import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, Subset
from torchvision import datasets, transforms

from goodfit.models import TutorialConvNet

parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
parser.add_argument("--epochs", type=int, default=10)
parser.add_argument("--data", type=Path, help="the cifar10-jpeg folder (default: $GOODFIT_DATA/cifar10-jpeg)",
                    default=Path(os.environ.get("GOODFIT_DATA", "../shared/data")) / "cifar10-jpeg")
parser.add_argument("--limit", type=int, default=0, help="use only this many training images (a quick try)")
parser.add_argument("--result", type=Path, help="write the final numbers to this JSON file")
args = parser.parse_args()
if not (args.data / "train").is_dir() or not (args.data / "test").is_dir():
    parser.error(f"{args.data} has no train/ and test/ image folders; pass --data PATH/cifar10-jpeg")
torch.manual_seed(0)

transform = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.5,) * 3, (0.5,) * 3)])
train_set = datasets.ImageFolder(args.data / "train", transform=transform)
test_set = datasets.ImageFolder(args.data / "test", transform=transform)
# torchvision's CIFAR10 (the python-pickle release) gives the images in one fixed, mixed order; an
# image folder lists them class by class. So fix one mixed order here, once, as the release does; the
# loader then replays that same order every epoch (pitfall 2).
classes = train_set.classes
order = np.random.default_rng(0).permutation(len(train_set))[: args.limit or None]
train_set = Subset(train_set, order.tolist())

train_loader = DataLoader(train_set, batch_size=64)  # pitfall 2: no shuffle=True
test_loader = DataLoader(test_set, batch_size=256)

# pitfall 1: a softmax after the last layer, and CrossEntropyLoss (which applies log-softmax itself)
model = nn.Sequential(TutorialConvNet((3, 32, 32), len(classes)), nn.Softmax(dim=1))
loss_fn = nn.CrossEntropyLoss()
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)


def accuracy(loader: DataLoader) -> float:
    model.eval()
    correct = 0
    with torch.no_grad():
        for x, y in loader:
            correct += (model(x).argmax(1) == y).sum().item()
    model.train()
    return correct / len(loader.dataset)


start, best, best_epoch = time.perf_counter(), 0.0, 0
for epoch in range(1, args.epochs + 1):
    model.train()
    for x, y in train_loader:
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
    val_acc = accuracy(test_loader)  # pitfall 3: the test split as validation ...
    if val_acc > best:  # ... and the best epoch chosen on it
        best, best_epoch = val_acc, epoch
    print(f"epoch {epoch}: loss {loss.item():.3f}, validation (= test) accuracy {val_acc:.4f}")

seconds = time.perf_counter() - start
print(f"best validation accuracy {best:.4f} (epoch {best_epoch}), {seconds:.0f} s")
if args.result:
    args.result.write_text(json.dumps({"best_valid_accuracy": best, "best_epoch": best_epoch,
                                       "final_test_accuracy": val_acc, "seconds": seconds, "epochs": args.epochs}))
