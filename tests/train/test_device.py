"""Mixed precision by device: bfloat16 autocast on a CPU only where torch has fast kernels for it."""

import pytest
import torch

from goodfit.train import device as D


@pytest.fixture
def cpu(monkeypatch):
    """Pretend to be an x86 CPU whose torch kernels run at the given level."""
    D._note_float32.cache_clear()
    monkeypatch.setattr(D.platform, "machine", lambda: "x86_64")

    def at(level: str) -> None:
        monkeypatch.setattr(torch.backends.cpu, "get_cpu_capability", lambda: level)

    yield at
    D._note_float32.cache_clear()


def test_avx512_cpus_autocast_to_bfloat16(cpu, capsys):
    cpu("AVX512")
    assert D.amp_dtype(torch.device("cpu"), True) == torch.bfloat16
    assert capsys.readouterr().err == ""


def test_avx2_cpus_train_in_float32_and_say_so_once(cpu, capsys):
    cpu("AVX2")
    assert D.amp_dtype(torch.device("cpu"), True) is None
    assert D.amp_dtype(torch.device("cpu"), True) is None
    err = capsys.readouterr().err
    assert err.count("train.amp: this CPU runs torch at AVX2, without AVX-512") == 1 and "float32" in err


def test_amp_off_and_cuda_are_unchanged(cpu):
    cpu("AVX2")
    assert D.amp_dtype(torch.device("cpu"), False) is None
    assert D.amp_dtype(torch.device("cuda"), True) == torch.float16


def test_other_architectures_keep_bfloat16(monkeypatch):
    monkeypatch.setattr(D.platform, "machine", lambda: "aarch64")
    assert not D.slow_cpu_bfloat16()
