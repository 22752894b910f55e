"""A course-style training script with three classic bugs (softmax before CrossEntropyLoss, an
unshuffled training loader, the test set used for validation), on scikit-learn's real 8x8 digits."""

import sys

import torch
from sklearn.datasets import load_digits
from torch import nn
from torch.utils.data import DataLoader, Dataset

torch.manual_seed(0)
EPOCHS = int(sys.argv[1]) if len(sys.argv) > 1 else 3


class Digits(Dataset):
    """Like torchvision's datasets: ``train=True`` the first 1,500 digits, ``train=False`` the rest."""

    def __init__(self, train: bool):
        digits = load_digits()
        part = slice(0, 1500) if train else slice(1500, None)
        self.train = train
        self.x = torch.tensor(digits.data[part], dtype=torch.float32) / 16.0
        self.y = torch.tensor(digits.target[part], dtype=torch.long)
        order = torch.argsort(self.y, stable=True)  # stored sorted by class, as the course's file is
        self.x, self.y = self.x[order], self.y[order]

    def __len__(self):
        return len(self.y)

    def __getitem__(self, i):
        return self.x[i], self.y[i]


train_loader = DataLoader(Digits(train=True), batch_size=32)  # bug: no shuffle=True
test_loader = DataLoader(Digits(train=False), batch_size=64)
model = nn.Sequential(nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 10), nn.Softmax(dim=1))  # bug: softmax
loss_fn = nn.CrossEntropyLoss()
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)


def evaluate(model, loader):
    model.eval()
    correct = 0
    with torch.no_grad():
        for x, y in loader:
            correct += (model(x).argmax(1) == y).sum().item()
    return correct / len(loader.dataset)


for epoch in range(EPOCHS):
    model.train()
    for x, y in train_loader:
        loss = loss_fn(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    print(f"epoch {epoch + 1}: loss {loss.item():.4f}, validation accuracy {evaluate(model, test_loader):.4f}")  # bug
