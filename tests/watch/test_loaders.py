"""What the observer keeps of a loader's first pass: a summary of every sample once, in order, made as the
batches pass and left alone by what the script does to them later."""

import pytest
import torch
from torch.utils.data import DataLoader, IterableDataset, TensorDataset

from goodfit.checks.summary import DataSummary
from goodfit.watch import loaders
from goodfit.watch.loaders import LoaderRecord


def _keep_all(rec: LoaderRecord, loader) -> None:
    for x, y in loader:
        rec.keep(x, y)


def test_the_summary_is_the_one_of_the_batches_joined_in_order():
    x, y = torch.randn(100, 3, 4), torch.arange(100)
    loader = DataLoader(TensorDataset(x, y), batch_size=32, shuffle=True, generator=torch.Generator().manual_seed(0))
    rec = LoaderRecord(loader)
    _keep_all(rec, loader)
    batches = list(DataLoader(TensorDataset(x, y), batch_size=32, shuffle=True,
                              generator=torch.Generator().manual_seed(0)))
    whole = DataSummary.of(torch.cat([b[0] for b in batches]), torch.cat([b[1] for b in batches]))
    kept = rec.snapshot()
    assert list(kept.hashes) == list(whole.hashes) and torch.equal(kept.targets, whole.targets)
    assert torch.equal(rec.arrays()[0], torch.cat([b[0] for b in batches]))  # 100 rows: all of them are the head
    assert kept.moments() == pytest.approx(whole.moments(), rel=1e-5, abs=1e-6) and rec.seen == 100  # sums in float32


def test_a_batch_changed_in_place_after_it_was_kept_leaves_the_summary_alone():
    rec = LoaderRecord(DataLoader(TensorDataset(torch.zeros(4, 2), torch.zeros(4))))
    x, y = torch.ones(4, 2), torch.zeros(4)
    rec.keep(x, y)
    before = rec.snapshot()
    x.mul_(255)  # the script scales its batch in place
    y.add_(1)
    assert torch.equal(rec.arrays()[0], torch.ones(4, 2)) and torch.equal(rec.snapshot().targets, torch.zeros(4))
    assert list(rec.snapshot().hashes) == list(before.hashes)


def test_a_snapshot_stays_as_it_was_while_the_pass_goes_on():
    rec = LoaderRecord(DataLoader(TensorDataset(torch.zeros(8, 2), torch.zeros(8))))
    rec.keep(torch.arange(8.0).reshape(4, 2), torch.zeros(4))
    first = rec.snapshot()
    rec.keep(torch.arange(8.0).reshape(4, 2) + 100, torch.ones(4))
    assert len(first.hashes) == 4 and len(first.targets) == 4 and first.moments()[3] == 7.0
    assert len(rec.snapshot().hashes) == 8 and list(rec.snapshot().hashes[:4]) == list(first.hashes)


class _Stream(IterableDataset):
    def __iter__(self):
        for i in range(300):
            yield torch.full((2,), float(i)), torch.tensor(i)


def test_an_iterable_data_set_is_summarized_up_to_max_samples(monkeypatch):
    monkeypatch.setattr(loaders, "MAX_SAMPLES", 250)
    loader = DataLoader(_Stream(), batch_size=7)
    rec = LoaderRecord(loader)
    for x, y in loader:
        if rec.seen < loaders.MAX_SAMPLES:
            rec.keep(x, y)
    kept_x, kept_y = rec.arrays()
    assert rec.seen == 250 and torch.equal(rec.snapshot().targets, torch.arange(250))
    assert torch.equal(kept_x[:, 0], torch.arange(250, dtype=torch.float32)) and torch.equal(kept_y, torch.arange(250))


def test_batches_of_another_shape_make_the_loader_unreadable():
    rec = LoaderRecord(DataLoader(TensorDataset(torch.zeros(8, 2), torch.zeros(8))))
    rec.keep(torch.zeros(4, 2), torch.zeros(4))
    rec.keep(torch.zeros(4, 3), torch.zeros(4))
    assert rec.arrays() is None and not rec.readable
    rec.keep(torch.zeros(4, 2), torch.zeros(4))  # nothing is kept once unreadable
    assert rec.arrays() is None and rec.snapshot() is None
