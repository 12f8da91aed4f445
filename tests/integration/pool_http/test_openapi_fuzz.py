"""Schemathesis against the OpenAPI schema: generated requests, valid and not, never a 5xx,
and every error is problem+json. Bounded: a few examples per operation, derandomized."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode

from pool.http.app import create_app
from tests.integration.pool_http.support import Alliance, bearer

EXAMPLES_PER_OPERATION = 12


@pytest.fixture(scope="module")
def api_schema(alliance: Alliance) -> schemathesis.BaseSchema:
    app = create_app(alliance.coordinator, alliance.settings)
    return schemathesis.openapi.from_asgi("/openapi.json", app)


def fuzz(operation, auth: dict[str, str]) -> Callable[[], None]:
    strategy = operation.as_strategy(generation_mode=GenerationMode.POSITIVE) | (
        operation.as_strategy(generation_mode=GenerationMode.NEGATIVE)
    )

    @given(case=strategy)
    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def no_server_error(case) -> None:
        response = case.call(headers={**(case.headers or {}), **auth})
        where = f"{case.method} {case.formatted_path}: {response.text[:300]}"
        assert response.status_code < 500, where
        if response.status_code >= 400:
            content_type = response.headers.get("content-type", [""])
            assert "application/problem+json" in str(content_type), where

    return no_server_error


def test_generated_requests_never_cause_a_server_error(api_schema, alliance: Alliance) -> None:
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 11
    for operation in operations:
        # Automakers post and read demands; operators read everything else.
        is_demand_api = operation.path.startswith("/v1/demands")
        key = alliance.tenant_keys["T1"] if is_demand_api else alliance.operator_key
        fuzz(operation, bearer(key))()
