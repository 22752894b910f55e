import math

from goodfit.checks import diagnose_curves


def rows(train, valid=None):
    return [{"epoch": i + 1, "train_loss": t, **({"valid_loss": valid[i]} if valid else {})}
            for i, t in enumerate(train)]


def ids(history, **kw):
    return [f.id for f in diagnose_curves(history, n_classes=10, **kw)]


def test_overfitting_names_best_epoch():
    h = rows([1.0, 0.6, 0.4, 0.3, 0.2, 0.1, 0.05], [1.0, 0.7, 0.55, 0.6, 0.7, 0.8, 0.9])
    found = diagnose_curves(h, n_classes=10)
    assert [f.id for f in found] == ["overfitting"] and found[0].where == "epoch 3"


def test_healthy():
    h = rows([1.0, 0.5, 0.3, 0.25, 0.24, 0.24], [1.0, 0.55, 0.35, 0.30, 0.30, 0.30])
    assert ids(h) == ["healthy"]


def test_underfitting_and_not_converged():
    h = rows([2.3, 2.2, 2.1, 2.0, 1.9], [2.3, 2.2, 2.1, 2.0, 1.9])
    assert set(ids(h)) == {"underfitting", "not-converged"}
    h = rows([1.0, 0.6, 0.4, 0.3, 0.2], [1.0, 0.6, 0.45, 0.35, 0.28])
    assert ids(h) == ["not-converged"]


def test_diverged():
    assert ids(rows([1.0, 2.0, math.nan])) == ["diverged"]
    assert ids(rows([1.0, 0.9]), diverged=True) == ["diverged"]
    assert ids(rows([1.0, 5.0])) == ["diverged"]


def test_noisy():
    h = rows([1.0, 0.5, 0.4, 0.35, 0.3, 0.28, 0.27, 0.26], [0.5, 0.9, 0.45, 0.95, 0.4, 0.9, 0.45, 0.85])
    assert "noisy" in ids(h)
    assert "noisy" not in ids(rows([1.0, 0.5, 0.3, 0.25, 0.24, 0.24], [1.0, 0.55, 0.35, 0.30, 0.30, 0.30]))


def test_empty_history():
    assert diagnose_curves([], n_classes=10) == []
