"""Every error is problem+json: unknown routes, 405, rate limits, unexpected exceptions."""

from __future__ import annotations

from fastapi.testclient import TestClient

from pool.http.app import create_app
from pool.service.api import Role
from tests.integration.pool_http.support import OPS as OPERATOR
from tests.integration.pool_http.support import Alliance, bearer
from tests.integration.pool_http.test_demands_api import assert_problem


def test_unknown_routes_and_methods(client, ops) -> None:
    assert_problem(client.get("/v2/nothing", headers=ops), 404, "not-found")
    response = client.delete("/v1/pool", headers=ops)
    assert_problem(response, 405, "method-not-allowed")
    assert response.headers["allow"] == "GET"
    assert_problem(client.put("/v1/demands", headers=ops), 405, "method-not-allowed")


def test_a_rate_limited_tenant_is_told_when_to_retry(client, alliance: Alliance) -> None:
    key = alliance.add_tenant("T-slow", requests_per_minute=2)
    statuses = [client.get("/v1/demands", headers=bearer(key)).status_code for _ in range(4)]
    assert statuses[:2] == [200, 200] and statuses[-1] == 429
    response = client.get("/v1/demands", headers=bearer(key))
    assert_problem(response, 429, "rate-limited")
    assert int(response.headers["retry-after"]) >= 1


def test_the_rate_limit_is_per_tenant_whichever_key_it_uses(client, alliance: Alliance) -> None:
    first = alliance.add_tenant("T-two-keys", requests_per_minute=2)
    second = alliance.coordinator.issue_api_key(OPERATOR, Role.AUTOMAKER, "T-two-keys")
    other = alliance.add_tenant("T-other", requests_per_minute=2)
    assert [client.get("/v1/demands", headers=bearer(first)).status_code for _ in range(2)] == [
        200,
        200,
    ]
    assert_problem(client.get("/v1/demands", headers=bearer(second)), 429, "rate-limited")
    assert client.get("/v1/demands", headers=bearer(other)).status_code == 200


def test_an_unexpected_exception_is_a_500_problem_without_internals(alliance: Alliance) -> None:
    app = create_app(alliance.coordinator, alliance.settings)

    @app.get("/explode")
    def explode() -> None:
        raise RuntimeError("secret database password in a traceback")

    with TestClient(app) as client:
        response = client.get("/explode")
    problem = assert_problem(response, 500, "internal-error")
    assert "secret" not in response.text and "Traceback" not in response.text
    assert response.headers["x-request-id"] in problem["detail"]


def test_problem_types_dereference(client) -> None:
    response = client.get("/problems/idempotency-conflict")
    assert response.status_code == 200 and "different body" in response.text


def test_healthz_and_openapi(client) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    schema = client.get("/openapi.json").json()
    operation_ids = {op["operationId"] for path in schema["paths"].values() for op in path.values()}
    assert {
        "createDemand",
        "getDemand",
        "listDemands",
        "getDemandPlan",
        "getPool",
        "listMembers",
        "listSettlement",
        "listFairness",
        "getAuditStatus",
        "healthz",
        "metrics",
    } <= operation_ids
    create = schema["paths"]["/v1/demands"]["post"]
    assert {"201", "200", "409", "422"} <= set(create["responses"])
    assert "application/problem+json" in create["responses"]["422"]["content"]
