"""What the observer keeps of a loader's first pass: a summary of every sample once, in order, made a
few batches at a time after the script used them, and left alone by what the script does later."""

import pytest
import torch
from torch.utils.data import DataLoader, IterableDataset, TensorDataset

from goodfit.checks.summary import DataSummary
from goodfit.watch import loaders
from goodfit.watch.loaders import PENDING, LoaderRecord


def _keep_all(rec: LoaderRecord, loader) -> None:
    for batch in loader:
        rec.take(batch)


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


def test_batches_are_put_aside_and_summarized_a_few_at_a_time(monkeypatch):
    rec = LoaderRecord(None)
    batches = [(torch.full((4, 2), float(i)), torch.zeros(4)) for i in range(2 * PENDING + 2)]
    for i, batch in enumerate(batches[:PENDING]):
        assert rec.take(batch) and rec.seen == (4 * PENDING if i == PENDING - 1 else 0)
    monkeypatch.setattr(loaders, "PENDING_BYTES", 2 * 4 * 2 * 4)  # two batches' worth of memory: sooner
    rec.take(batches[PENDING])
    assert rec.seen == 4 * PENDING
    rec.take(batches[PENDING + 1])
    assert rec.seen == 4 * (PENDING + 2)
    rec.take(batches[PENDING + 2])
    assert rec.snapshot().rows == 4 * (PENDING + 3)  # what the checks read holds every batch taken


def test_a_batch_is_read_after_the_script_used_it_and_left_alone_once_summarized():
    rec = LoaderRecord(None)
    x, y = torch.full((4, 2), 255.0), torch.zeros(4)
    rec.take((x, y))
    x.div_(255)  # the script scales its batch in place before its model sees it: that is what is judged
    before = rec.snapshot()
    assert before.moments()[3] == 1.0
    x.mul_(7)  # after the summary: nothing changes
    y.add_(1)
    assert torch.equal(rec.arrays()[0], torch.ones(4, 2)) and torch.equal(rec.snapshot().targets, torch.zeros(4))
    assert list(rec.snapshot().hashes) == list(before.hashes)


def test_a_loader_that_refills_one_buffer_is_summarized_batch_by_batch_from_then_on():
    rec = LoaderRecord(None)
    buffer, y = torch.zeros(4, 2), torch.zeros(4)
    for i in range(20):
        buffer.fill_(float(i))  # a collate_fn that writes each batch into the same tensor
        rec.take((buffer, y))
    summary = rec.snapshot()
    # the first PENDING batches were summarized together when all held the last of them: it alone counts
    assert summary.rows == 4 * (20 - PENDING + 1) and (summary.lo, summary.hi) == (PENDING - 1.0, 19.0)
    assert len(set(summary.hashes.tolist())) == 20 - PENDING + 1


def test_a_snapshot_stays_as_it_was_while_the_pass_goes_on():
    rec = LoaderRecord(DataLoader(TensorDataset(torch.zeros(8, 2), torch.zeros(8))))
    rec.take((torch.arange(8.0).reshape(4, 2), torch.zeros(4)))
    first = rec.snapshot()
    rec.take((torch.arange(8.0).reshape(4, 2) + 100, torch.ones(4)))
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
    wanted, offered = True, 0
    for batch in loader:
        if wanted:
            wanted, offered = rec.take(batch), offered + 1
    kept_x, kept_y = rec.arrays()
    assert rec.seen == 250 and torch.equal(rec.snapshot().targets, torch.arange(250))
    assert torch.equal(kept_x[:, 0], torch.arange(250, dtype=torch.float32)) and torch.equal(kept_y, torch.arange(250))
    assert offered == 40  # asked for no more once the 250th sample was in (36 batches, summarized 8 at a time)


def test_batches_of_another_shape_or_type_make_the_loader_unreadable():
    for other in (torch.zeros(4, 3), torch.zeros(4, 2, dtype=torch.float64)):
        rec = LoaderRecord(None)
        rec.take((torch.zeros(4, 2), torch.zeros(4)))
        rec.take((other, torch.zeros(4)))
        assert rec.arrays() is None and not rec.readable
        assert not rec.take((torch.zeros(4, 2), torch.zeros(4)))  # nothing is kept once unreadable
        assert rec.arrays() is None and rec.snapshot() is None
    rec = LoaderRecord(None)
    assert rec.take((torch.zeros(4, 2), torch.zeros(4))) and rec.take("a batch of strings")
    assert rec.arrays() is None and not rec.readable


@pytest.mark.parametrize("batch_size, flagged", [(300, False), (5000, True)])
def test_the_batch_size_is_judged_against_the_whole_data_set_not_the_rows_kept(batch_size, flagged):
    import goodfit

    torch.manual_seed(0)
    x, y = torch.randn(1000, 6), torch.arange(1000) % 3  # more than the 256 rows a summary keeps
    model = torch.nn.Sequential(torch.nn.Linear(6, 3))
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    with goodfit.watch(echo=None) as watcher:
        for xb, yb in DataLoader(TensorDataset(x, y), batch_size=batch_size, shuffle=True):
            loss = torch.nn.functional.cross_entropy(model(xb), yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
    assert ("batch-larger-than-data" in {f.id for f in watcher.findings}) is flagged
