"""goodfit serve --backend onnx: onnxruntime answers with the PyTorch model's top 5."""

from __future__ import annotations

import numpy as np
import pytest

from goodfit.errors import ConfigError


def test_onnx_backend_gives_the_same_top5(mnist_run, predictor, testclient):
    from goodfit.serve import create_app
    from goodfit.serve.predictor import Predictor

    onnx = Predictor.from_run(mnist_run, backend="onnx")  # exports RUN/export/model.onnx on first use
    assert (mnist_run / "export" / "model.onnx").is_file() and onnx.info["backend"] == "onnx"
    rng = np.random.default_rng(0)
    for label in range(10):
        x = onnx._samples.x[onnx._samples.by_class[label][0]]
        a, b = predictor.predict_raw(x)["top"], onnx.predict_raw(x)["top"]
        assert [t["index"] for t in a] == [t["index"] for t in b]
        np.testing.assert_allclose([t["probability"] for t in a], [t["probability"] for t in b], atol=1e-5)
    noise = rng.integers(0, 256, size=(1, 28, 28)).astype(np.uint8)
    assert predictor.predict_raw(noise)["top"][0]["index"] == onnx.predict_raw(noise)["top"][0]["index"]
    with testclient(create_app(onnx)) as client:
        assert client.get("/api/info").json()["backend"] == "onnx"
        assert client.get("/api/samples/3").status_code == 200


def test_unknown_backend_is_refused(mnist_run):
    from goodfit.serve.predictor import Predictor

    with pytest.raises(ConfigError, match="choose one of torch, onnx"):
        Predictor.from_run(mnist_run, backend="tensorrt")
