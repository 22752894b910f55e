import pytest
import torch

from goodfit.train.batching import LoaderBatches, MemoryBatches


def test_each_epoch_is_a_fresh_permutation_of_all_samples():
    x, y = torch.arange(100.0).view(100, 1), torch.arange(100)
    b = MemoryBatches(x, y, batch_size=32, seed=0)
    epochs = [torch.cat([yb for _, yb in b]) for _ in range(2)]
    for e in epochs:
        assert sorted(e.tolist()) == list(range(100))
    assert not torch.equal(epochs[0], epochs[1])
    assert not torch.equal(epochs[0], torch.arange(100))  # shuffled, even if the data were sorted


def test_inputs_stay_paired_with_labels():
    x, y = torch.arange(50.0).view(50, 1) * 2, torch.arange(50)
    for xb, yb in MemoryBatches(x, y, batch_size=8, seed=1):
        assert torch.equal(xb[:, 0], yb * 2.0)


def test_a_trailing_single_sample_is_dropped():
    x, y = torch.zeros(65, 1), torch.zeros(65, dtype=torch.long)
    b = MemoryBatches(x, y, batch_size=32, seed=0)
    assert [len(yb) for _, yb in b] == [32, 32]
    assert len(MemoryBatches(x[:64], y[:64], batch_size=32, seed=0)) == 2


def test_seeded_and_resumable():
    x, y = torch.zeros(40, 1), torch.arange(40)
    a, b = MemoryBatches(x, y, batch_size=10, seed=5), MemoryBatches(x, y, batch_size=10, seed=5)
    list(a)
    state = a.state_dict()
    list(b)
    b.load_state_dict(state)
    assert torch.equal(torch.cat([yb for _, yb in a]), torch.cat([yb for _, yb in b]))


def test_loader_batches_cover_data():
    x, y = torch.arange(30.0).view(30, 1), torch.arange(30)
    b = LoaderBatches(x, y, batch_size=8, seed=0, device=torch.device("cpu"))
    got = torch.cat([yb for _, yb in b])
    assert sorted(got.tolist()) == list(range(30)) and not torch.equal(got, torch.arange(30))


def test_batches_follow_the_seeded_permutation_and_own_their_memory():
    x, y = torch.randn(100, 3), torch.arange(100)
    batches = list(MemoryBatches(x, y, batch_size=32, seed=7))  # kept: none is overwritten by the next
    perm = torch.randperm(100, generator=torch.Generator().manual_seed(7))
    assert torch.equal(torch.cat([yb for _, yb in batches]), perm)
    assert torch.equal(torch.cat([xb for xb, _ in batches]), x[perm])


def test_unshuffled_batches_are_views_in_order():
    x, y = torch.randn(10, 2), torch.arange(10)
    batches = list(MemoryBatches(x, y, batch_size=4, seed=0, shuffle=False))
    assert [yb.tolist() for _, yb in batches] == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    assert batches[0][0].data_ptr() == x.data_ptr()  # no copy


@pytest.mark.parametrize("workers", [0, 1])
def test_loader_batches_resume_in_the_order_of_the_uninterrupted_run(workers):
    x, y = torch.randn(70, 2), torch.arange(70)

    def batches():
        return LoaderBatches(x, y, batch_size=16, seed=3, device=torch.device("cpu"), num_workers=workers)

    full = batches()
    epochs = [[yb.tolist() for _, yb in full] for _ in range(3)]
    assert epochs[0] != epochs[1] and sorted(sum(epochs[2], [])) == list(range(70))
    cut = batches()
    list(cut)
    resumed = batches()  # a new process: a new loader, its workers started afresh
    resumed.load_state_dict(cut.state_dict())
    assert [[yb.tolist() for _, yb in resumed] for _ in range(2)] == epochs[1:]


def test_loader_batches_read_rows_streamed_from_disk_as_the_same_batches():
    import numpy as np

    from goodfit.data.streaming import ScaledRows

    raw = np.random.default_rng(0).integers(0, 256, (45, 1, 3, 3), dtype=np.uint8)
    streamed = ScaledRows(raw, np.arange(45), shift=np.float32(128), scale=np.float32(64))
    held = torch.from_numpy(streamed[:])
    y = torch.arange(45)
    for workers in (0, 1):
        a = list(LoaderBatches(streamed, y, batch_size=8, seed=1, device=torch.device("cpu"), num_workers=workers,
                               dtype=torch.float64))
        b = list(LoaderBatches(held, y, batch_size=8, seed=1, device=torch.device("cpu")))
        assert [yb.tolist() for _, yb in a] == [yb.tolist() for _, yb in b]
        assert all(xa.dtype == torch.float64 and torch.equal(xa.float(), xb) for (xa, _), (xb, _) in zip(a, b))
