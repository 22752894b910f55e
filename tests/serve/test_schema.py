"""Property-based API tests from the app's own OpenAPI schema (schemathesis), kept small and fast.

The schema is read at import time (schemathesis makes one test per operation at collection) from
an app around a model-less predictor: the schema does not depend on the model. The requests go to
the real app with the trained model. (schemathesis' lazy ``from_fixture`` does not work with
pytest 9, hence this shape.)
"""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, settings

from goodfit.serve import create_app
from goodfit.serve.predictor import Predictor

_INFO = {"run": "schema", "model": "mlp", "dataset": "mnist", "classes": [str(i) for i in range(10)],
         "input_shape": [1, 28, 28], "style": "mnist", "test_accuracy": None, "samples": True}
SCHEMA = create_app(Predictor(None, info=_INFO)).openapi()
schema = schemathesis.openapi.from_dict(SCHEMA)


def test_real_app_has_the_schema_under_test(app):
    real = app.openapi()
    assert real["paths"] == SCHEMA["paths"] and real["components"] == SCHEMA["components"]


@schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True,
          database=None)  # no .hypothesis folder in the repo
def test_api_conforms_to_its_schema(case, app):
    """No 5xx, only documented status codes and content types, responses match their schemas.

    Not checked: that every schema-valid request is accepted. A valid PNG can still be blank
    (422 empty_image) and a valid array can hold 300 (422): no OpenAPI schema says "has ink".
    """
    case.call_and_validate(app=app, excluded_checks=[schemathesis.checks.positive_data_acceptance])
