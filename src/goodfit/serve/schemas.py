"""The JSON shapes of the web app's API (OpenAPI schema at ``/openapi.json``, docs at ``/docs``).

Examples:
    >>> ErrorOut(detail="the image is empty", code="empty_image").model_dump()
    {'detail': 'the image is empty', 'code': 'empty_image'}
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

__all__ = ["ErrorOut", "HealthOut", "InfoOut", "ClassScore", "PredictionOut", "SampleOut", "PREDICT_ERRORS",
           "SAMPLE_ERRORS", "PREDICT_BODY"]


class ErrorOut(BaseModel):
    """Every 4xx answer: a one-line message for people and a stable code for programs."""

    detail: str = Field(description="what was wrong and what to send instead")
    code: str = Field(description="e.g. empty_image, bad_image, bad_pixels, too_large, unknown_class")


class HealthOut(BaseModel):
    status: str = Field(description="'ok' while the server answers")


class InfoOut(BaseModel):
    run: str
    model: str
    dataset: str
    classes: list[str]
    input_shape: list[int]
    style: str = Field(description="'mnist': digits are framed like MNIST's; 'resize': plain resize")
    test_accuracy: float | None = Field(description="from the run's metrics.json, if it finished")
    samples: bool = Field(description="whether /api/samples can show test images")
    backend: str = Field("torch", description="what runs the model: torch, or onnx (onnxruntime)")
    max_body_bytes: int


class ClassScore(BaseModel):
    class_: str = Field(alias="class")
    index: int
    probability: float = Field(ge=0, le=1)


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
