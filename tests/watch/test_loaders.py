"""What the observer keeps of a loader's first pass: every sample once, in order, in one buffer."""

import torch
from torch.utils.data import DataLoader, IterableDataset, TensorDataset

from goodfit.watch import loaders
from goodfit.watch.loaders import LoaderRecord


def _keep_all(rec: LoaderRecord, loader) -> None:
    for x, y in loader:
        rec.keep(x, y)


def test_the_kept_samples_are_the_batches_joined_in_order():
    x, y = torch.randn(100, 3, 4), torch.arange(100)
    loader = DataLoader(TensorDataset(x, y), batch_size=32, shuffle=True, generator=torch.Generator().manual_seed(0))
    rec = LoaderRecord(loader)
    _keep_all(rec, loader)
    batches = list(DataLoader(TensorDataset(x, y), batch_size=32, shuffle=True,
                              generator=torch.Generator().manual_seed(0)))
    kept_x, kept_y = rec.arrays()
    assert torch.equal(kept_x, torch.cat([b[0] for b in batches]))
    assert torch.equal(kept_y, torch.cat([b[1] for b in batches]))
    assert rec.seen == 100


def test_a_batch_changed_in_place_after_it_was_kept_leaves_the_kept_copy_alone():
    rec = LoaderRecord(DataLoader(TensorDataset(torch.zeros(4, 2), torch.zeros(4))))
    x, y = torch.ones(4, 2), torch.zeros(4)
    rec.keep(x, y)
    x.mul_(255)  # the script scales its batch in place
    assert torch.equal(rec.arrays()[0], torch.ones(4, 2))


class _Stream(IterableDataset):
    def __iter__(self):
        for i in range(300):
            yield torch.full((2,), float(i)), torch.tensor(i)


def test_an_iterable_data_set_grows_the_buffer_and_stops_at_max_samples(monkeypatch):
    monkeypatch.setattr(loaders, "MAX_SAMPLES", 250)
    loader = DataLoader(_Stream(), batch_size=7)
    rec = LoaderRecord(loader)
    for x, y in loader:
        if rec.seen < loaders.MAX_SAMPLES:
            rec.keep(x, y)
    kept_x, kept_y = rec.arrays()
    assert rec.seen == 250 and torch.equal(kept_y, torch.arange(250))
    assert torch.equal(kept_x[:, 0], torch.arange(250, dtype=torch.float32))


def test_batches_of_another_shape_make_the_loader_unreadable():
    rec = LoaderRecord(DataLoader(TensorDataset(torch.zeros(8, 2), torch.zeros(8))))
    rec.keep(torch.zeros(4, 2), torch.zeros(4))
    rec.keep(torch.zeros(4, 3), torch.zeros(4))
    assert rec.arrays() is None and not rec.readable
    rec.keep(torch.zeros(4, 2), torch.zeros(4))  # nothing is kept once unreadable
    assert rec.arrays() is None and rec.hashes() is None


def test_row_hashes_follow_the_samples_kept():
    rec = LoaderRecord(DataLoader(TensorDataset(torch.zeros(8, 2), torch.zeros(8))))
    rec.keep(torch.arange(8.0).reshape(4, 2), torch.zeros(4))
    first = rec.hashes()
    rec.keep(torch.arange(8.0).reshape(4, 2) + 100, torch.zeros(4))
    assert len(first) == 4 and len(rec.hashes()) == 8
    assert list(rec.hashes()[:4]) == list(first)
