"""The same course script with the bugs fixed: logits, a shuffled loader, a validation split carved
from the training data, the test set evaluated once at the end."""

import sys

import torch
from sklearn.datasets import load_digits
from torch import nn
from torch.utils.data import DataLoader, Dataset, random_split

torch.manual_seed(0)
EPOCHS = int(sys.argv[1]) if len(sys.argv) > 1 else 3


class Digits(Dataset):
    def __init__(self, train: bool):
        digits = load_digits()
        part = slice(0, 1500) if train else slice(1500, None)
        self.train = train
        self.x = torch.tensor(digits.data[part], dtype=torch.float32) / 16.0
        self.y = torch.tensor(digits.target[part], dtype=torch.long)

    def __len__(self):
        return len(self.y)

    def __getitem__(self, i):
        return self.x[i], self.y[i]


train_set, valid_set = random_split(Digits(train=True), [1300, 200], generator=torch.Generator().manual_seed(0))
train_loader = DataLoader(train_set, batch_size=32, shuffle=True)
valid_loader = DataLoader(valid_set, batch_size=64)
test_loader = DataLoader(Digits(train=False), batch_size=64)
model = nn.Sequential(nn.Linear(64, 64), nn.ReLU(), nn.Dropout(0.1), nn.Linear(64, 10))
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
    total = 0.0
    for x, y in train_loader:
        loss = loss_fn(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        total += loss.item() * len(y)
    print(f"epoch {epoch + 1}: loss {total / len(train_set):.6f}, validation accuracy "
          f"{evaluate(model, valid_loader):.4f}")
print(f"test accuracy {evaluate(model, test_loader):.4f}")
print("weights", float(sum(p.double().sum() for p in model.parameters())))
