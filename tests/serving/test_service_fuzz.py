"""Schema fuzzing of the running service from its own OpenAPI document (schemathesis).

Every documented operation gets generated requests, valid and invalid: no 5xx, and every response
matches the documented schema, status code and content type (`case.call_and_validate`).
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

EXAMPLES = 40  # per operation; the nightly-style run sets more through HYPOTHESIS_EXAMPLES


@pytest.mark.slow
def test_service_conforms_to_its_openapi_document(server):
    import os

    schema = schemathesis.openapi.from_url(f"{server}/docs.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert {op.path for op in operations} >= {"/classify", "/analyze"}
    examples = int(os.environ.get("HYPOTHESIS_EXAMPLES", EXAMPLES))
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=examples, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def check(case):
            case.call_and_validate(timeout=60)

        check()
