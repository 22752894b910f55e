"""The JSON shapes of the web app's API (OpenAPI schema at ``/openapi.json``, docs at ``/docs``).

Examples:
    >>> ErrorOut(detail="the image is empty", code="empty_image").model_dump()
    {'detail': 'the image is empty', 'code': 'empty_image'}
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

__all__ = ["ErrorOut", "HealthOut", "InfoOut", "ClassScore", "PredictionOut", "SampleOut", "StatsOut", "PREDICT_ERRORS",
           "SAMPLE_ERRORS", "PREDICT_BODY"]


class ErrorOut(BaseModel):
    """Every 4xx answer: a one-line message for people and a stable code for programs."""

    detail: str = Field(description="what was wrong and what to send instead")
    code: str = Field(description="e.g. empty_image, bad_image, bad_pixels, too_large, unknown_class")


class HealthOut(BaseModel):
    status: str = Field(description="'ok' while the server answers")


class InfoOut(BaseModel):
    run: str | None = Field(description="the run folder's name (None: an untrained model of no run)")
    model: str
    dataset: str
    classes: list[str]
    input_shape: list[int]
    style: str = Field(description="'mnist': digits are framed like MNIST's; 'resize': plain resize")
    test_accuracy: float | None = Field(description="from the run's metrics.json, if it finished")
    samples: bool = Field(description="whether /api/samples can show test images")
    backend: str = Field("torch", description="what runs the model: torch, or onnx (onnxruntime)")
    trained: bool = Field(description="false: freshly initialised weights, guessing near chance")
    epoch: int = Field(description="epochs trained (0: untrained)")
    epochs: int = Field(description="epochs the run's config asks for")
    valid_accuracy: float | None = Field(description="the served checkpoint's validation accuracy")
    score_kind: str = Field(description="what `score` holds: 'logit', or 'read-out' (an analog chip's integers)")
    version: int = Field(description="bumps whenever another model is swapped in (--watch)")
    watch: bool = Field(description="whether the server follows a training run")
    training: str | None = Field(description="--watch: waiting, training, finished or failed")
    max_body_bytes: int


class ClassScore(BaseModel):
    class_: str = Field(alias="class")
    index: int
    probability: float = Field(ge=0, le=1)
    score: float = Field(description="the raw score: the logit, or the analog chip's integer read-out")


class StatsOut(BaseModel):
    predictions: int = Field(description="POST /api/predict requests received")
    samples: int = Field(description="GET /api/samples requests received")


class PredictionOut(BaseModel):
    top: list[ClassScore] = Field(description="most probable first")
    input_png: str = Field(description="the image the model saw, as a data:image/png URL")


class SampleOut(BaseModel):
    label: int
    class_: str = Field(alias="class")
    test_index: int = Field(description="index in the data set's test split")
    image_png: str = Field(description="the raw test image, as a data:image/png URL")
    top: list[ClassScore]


def _errors(**why: str) -> dict[int | str, dict[str, Any]]:
    return {int(status[1:]): {"model": ErrorOut, "description": text} for status, text in why.items()}


PREDICT_ERRORS = _errors(
    e400="not an image, or not valid JSON",
    e413="body over 2 MB",
    e415="unsupported content type",
    e422="empty image, wrong array shape, NaN, values outside 0-255, or a bad top_k",
)
SAMPLE_ERRORS = _errors(
    e404="no such class index",
    e422="label or top_k is not a valid integer",
    e503="test images not available for this run",
)

_PIXELS = {
    "description": "grey levels 0-255, (H, W) or (C, H, W); light or dark background",
    "type": "array",
    "minItems": 1,
    "items": {"type": "array", "minItems": 1, "items": {}},
    "example": [[0, 0, 0, 0], [0, 255, 255, 0], [0, 255, 255, 0], [0, 0, 0, 0]],
}

PREDICT_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": "An image file (PNG, JPEG, ...; at most 2 MB) or a JSON array of pixels.",
        "content": {
            "image/png": {"schema": {"type": "string", "format": "binary"}},
            "image/jpeg": {"schema": {"type": "string", "format": "binary"}},
            "multipart/form-data": {
                "schema": {"type": "object", "required": ["file"],
                           "properties": {"file": {"type": "string", "format": "binary"}}},
            },
            "application/json": {
                "schema": {"oneOf": [
                    {"type": "object", "required": ["pixels"], "properties": {"pixels": _PIXELS}},
                    _PIXELS,
                ]},
            },
        },
    }
}
