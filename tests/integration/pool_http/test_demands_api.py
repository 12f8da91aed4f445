"""POST/GET /v1/demands against the real coordinator: idempotency, plans, bad input."""

from __future__ import annotations

import time
import uuid

import pytest
from fastapi.testclient import TestClient

from pool.service import api
from tests.integration.pool_http.support import OPS, Alliance, bearer, demand_line

PROBLEM = "application/problem+json"


def post_demand(client: TestClient, auth: dict[str, str], body: object, key: str | None = None):
    headers = {**auth, "Idempotency-Key": key or uuid.uuid4().hex}
    return client.post("/v1/demands", json=body, headers=headers)


def assert_problem(response, status: int, slug: str) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    problem = response.json()
    assert problem["type"] == f"/problems/{slug}"
    assert problem["status"] == status
    assert problem["title"] and problem["detail"] and problem["instance"]
    return problem


def invalid_names(problem: dict) -> set[str]:
    return {p["name"] for p in problem["invalid-params"]}


def test_a_demand_is_created_planned_and_readable(client, alliance: Alliance, t1) -> None:
    body = {"reference": "PO-4711", "lines": [demand_line(quantity=7)]}
    created = post_demand(client, t1, body)
    assert created.status_code == 201, created.text
    demand = created.json()
    assert created.headers["location"] == f"/v1/demands/{demand['demand_id']}"
    assert demand["tenant_id"] == "T1" and demand["reference"] == "PO-4711"
    assert demand["lines"][0]["line_id"] == "1" and demand["lines"][0]["quantity"] == 7

    alliance.coordinator.wait_for_demand(
        OPS, demand["demand_id"], [api.DemandStatus.CONFIRMED, api.DemandStatus.FAILED], 30
    )
    read = client.get(f"/v1/demands/{demand['demand_id']}", headers=t1).json()
    assert read["status"] == "confirmed", read
    plan = client.get(f"/v1/demands/{demand['demand_id']}/plan", headers=t1)
    assert plan.status_code == 200
    assert plan.json()["plan_id"] == read["plan"]["plan_id"]
    assert plan.json()["fill_rate_ppm"] == 1_000_000
    assert sum(a["quantity"] for a in plan.json()["allocations"]) == 7

    listed = client.get("/v1/demands", headers=t1).json()
    assert demand["demand_id"] in {d["demand_id"] for d in listed["data"]}
    assert {d["tenant_id"] for d in listed["data"]} == {"T1"}


def test_a_long_poll_answers_with_the_final_status(client, t1) -> None:
    created = post_demand(client, t1, {"lines": [demand_line(quantity=3)]}).json()
    # Planning asks real nodes over gRPC; the long poll returns once it is decided.
    read = client.get(f"/v1/demands/{created['demand_id']}?wait_ms=30000", headers=t1)
    assert read.status_code == 200, read.text
    assert read.json()["status"] == "confirmed", read.json()
    assert sum(a["quantity"] for a in read.json()["plan"]["allocations"]) == 3


def test_a_replay_returns_the_stored_demand(client, t1) -> None:
    body = {"lines": [demand_line()]}
    first = post_demand(client, t1, body, key="replay-1")
    again = post_demand(client, t1, body, key="replay-1")
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["demand_id"] == first.json()["demand_id"]
    assert again.headers["idempotent-replayed"] == "true"


def test_a_reused_key_with_another_body_is_a_conflict(client, t1) -> None:
    body = {"lines": [demand_line()]}
    assert post_demand(client, t1, body, key="conflict-1").status_code == 201
    other = {"lines": [demand_line(quantity=6)]}
    assert_problem(post_demand(client, t1, other, key="conflict-1"), 409, "idempotency-conflict")


def test_the_idempotency_key_is_required(client, t1) -> None:
    response = client.post("/v1/demands", json={"lines": [demand_line()]}, headers=t1)
    assert_problem(response, 400, "idempotency-key-missing")
    too_long = post_demand(client, t1, {"lines": [demand_line()]}, key="k" * 201)
    assert "header.Idempotency-Key" in {
        f"{p['in']}.{p['name']}"
        for p in assert_problem(too_long, 422, "validation-error")["invalid-params"]
    }


def test_malformed_json_is_a_bad_request(client, t1) -> None:
    response = client.post(
        "/v1/demands",
        content=b'{"lines": [',
        headers={**t1, "Idempotency-Key": "m1", "Content-Type": "application/json"},
    )
    assert_problem(response, 400, "malformed-json")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ([], "body"),
        ({}, "lines"),
        ({"lines": "many"}, "lines"),
        ({"lines": []}, "lines"),
        ({"lines": [demand_line(quantity="ten")]}, "lines[0].quantity"),
        ({"lines": [demand_line(quantity=2.5)]}, "lines[0].quantity"),
        ({"lines": [demand_line(quantity="7")]}, "lines[0].quantity"),
        ({"lines": [demand_line(quantity=True)]}, "lines[0].quantity"),
        ({"lines": [demand_line(quantity=0)]}, "lines[0].quantity"),
        ({"lines": [demand_line(quantity=-3)]}, "lines[0].quantity"),
        ({"lines": [demand_line(quantity=2**63)]}, "lines[0].quantity"),
        ({"lines": [demand_line(quantity=10**12 + 1)]}, "lines[0].quantity"),
        ({"lines": [demand_line(due_at_ms="tomorrow")]}, "lines[0].due_at_ms"),
        ({"lines": [demand_line(due_at_ms=-1)]}, "lines[0].due_at_ms"),
        ({"lines": [demand_line(unit_of_measure="pieces")]}, "lines[0].unit_of_measure"),
        ({"lines": [demand_line(part_number="")]}, "lines[0].part_number"),
        ({"lines": [demand_line(part_number=42)]}, "lines[0].part_number"),
        ({"lines": [demand_line(priority=99)]}, "lines[0].priority"),
        ({"lines": [demand_line(colour="red")]}, "lines[0].colour"),
        ({"lines": [demand_line()] * 1001}, "lines"),
        ({"lines": [demand_line()], "reference": "x" * 201}, "reference"),
    ],
)
def test_bad_demand_bodies_name_the_offending_field(client, t1, body, field) -> None:
    problem = assert_problem(post_demand(client, t1, body), 422, "validation-error")
    assert field in invalid_names(problem), problem


def test_an_unknown_part_is_refused_by_the_coordinator(client, t1) -> None:
    response = post_demand(client, t1, {"lines": [demand_line(part_number="NO-SUCH-PART")]})
    problem = assert_problem(response, 422, "invalid-input")
    assert "NO-SUCH-PART" in problem["detail"]


def test_a_past_due_time_is_refused(client, t1) -> None:
    past = int(time.time() * 1000) - 3_600_000
    problem = assert_problem(
        post_demand(client, t1, {"lines": [demand_line(due_at_ms=past)]}), 422, "invalid-input"
    )
    assert "due time" in problem["detail"]


def test_duplicate_line_ids_are_refused(client, t1) -> None:
    lines = [demand_line(line_id="L1"), demand_line(line_id="L1")]
    assert_problem(post_demand(client, t1, {"lines": lines}), 422, "invalid-input")


def test_only_automakers_submit_demands(client, alliance: Alliance) -> None:
    response = post_demand(
        client, bearer(alliance.supplier_keys["S01"]), {"lines": [demand_line()]}
    )
    assert_problem(response, 403, "forbidden")


def test_an_automaker_cannot_read_another_automakers_demand(client, alliance, t1) -> None:
    demand_id = post_demand(client, t1, {"lines": [demand_line()]}).json()["demand_id"]
    t2 = bearer(alliance.tenant_keys["T2"])
    assert_problem(client.get(f"/v1/demands/{demand_id}", headers=t2), 404, "not-found")
    waited = client.get(f"/v1/demands/{demand_id}?wait_ms=30000", headers=t2)
    assert_problem(waited, 404, "not-found")  # at once: no waiting on someone else's demand
    assert_problem(client.get(f"/v1/demands/{demand_id}/plan", headers=t2), 404, "not-found")
    listed = client.get("/v1/demands", headers=t2).json()
    assert demand_id not in {d["demand_id"] for d in listed["data"]}


def test_demand_reads_refuse_bad_ids_and_parameters(client, t1) -> None:
    assert_problem(client.get("/v1/demands/no-such-demand", headers=t1), 404, "not-found")
    assert_problem(client.get("/v1/demands/no-such-demand/plan", headers=t1), 404, "not-found")
    assert_problem(client.get("/v1/demands/%20bad%20", headers=t1), 422, "validation-error")
    assert_problem(client.get("/v1/demands/" + "x" * 300, headers=t1), 422, "validation-error")
    for query in ("limit=0", "limit=100000", "limit=ten", "status=lost"):
        assert_problem(client.get(f"/v1/demands?{query}", headers=t1), 422, "validation-error")
    for wait in ("-1", "30001", "soon"):
        response = client.get(f"/v1/demands/no-such-demand?wait_ms={wait}", headers=t1)
        assert invalid_names(assert_problem(response, 422, "validation-error")) == {"wait_ms"}
    confirmed = client.get("/v1/demands?status=confirmed&limit=5", headers=t1)
    assert confirmed.status_code == 200
    assert {d["status"] for d in confirmed.json()["data"]} <= {"confirmed"}
