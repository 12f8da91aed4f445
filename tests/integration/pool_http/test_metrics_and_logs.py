"""Prometheus metrics and structured request logs carrying demand and plan ids."""

from __future__ import annotations

import uuid

import structlog
from prometheus_client.parser import text_string_to_metric_families

from pool.service import api
from tests.integration.pool_http.support import OPS, Alliance, demand_line


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def test_metrics_count_requests_demands_plans_and_staleness(client, alliance: Alliance, t1):
    created = client.post(
        "/v1/demands",
        json={"lines": [demand_line()]},
        headers={**t1, "Idempotency-Key": uuid.uuid4().hex},
    )
    assert created.status_code == 201
    alliance.coordinator.wait_for_demand(
        OPS, created.json()["demand_id"], [api.DemandStatus.CONFIRMED, api.DemandStatus.FAILED], 30
    )
    response = client.get("/metrics")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain")
    got = samples(response.text)
    posted = (
        "alliance_pool_http_requests_total",
        (("method", "POST"), ("route", "/v1/demands"), ("status", "201")),
    )
    assert got[posted] >= 1
    assert got[("alliance_pool_demands", (("status", "confirmed"),))] >= 1
    assert got[("alliance_pool_time_to_plan_seconds_count", ())] >= 1
    assert got[("alliance_pool_time_to_confirm_seconds_count", ())] >= 1
    assert got[("alliance_pool_member_stale", (("member_id", "S01"),))] == 0
    assert got[("alliance_pool_stale_members", ())] == 0
    assert got[("alliance_pool_long_polls", ())] == 0  # nobody waits now
    assert ("alliance_pool_member_silence_seconds", (("member_id", "S01"),)) in got
    latency = (
        "alliance_pool_http_request_duration_seconds_count",
        (("method", "POST"), ("route", "/v1/demands")),
    )
    assert got[latency] >= 1
    # Raw paths never become labels: unknown routes share one.
    client.get("/v1/demands/some-id-" + uuid.uuid4().hex, headers=t1)
    client.get("/nowhere/" + uuid.uuid4().hex)
    routes = {
        dict(labels).get("route")
        for (name, labels) in samples(client.get("/metrics").text)
        if name == "alliance_pool_http_requests_total"
    }
    assert "/v1/demands/{demand_id}" in routes and "unmatched" in routes
    assert not any(r and "some-id" in r for r in routes)


def test_request_logs_carry_demand_and_plan_ids(client, alliance: Alliance, t1) -> None:
    with structlog.testing.capture_logs() as logs:
        created = client.post(
            "/v1/demands",
            json={"lines": [demand_line()]},
            headers={**t1, "Idempotency-Key": uuid.uuid4().hex},
        )
    demand_id = created.json()["demand_id"]
    post_log = next(e for e in logs if e["event"] == "request" and e["method"] == "POST")
    assert post_log["demand_id"] == demand_id and post_log["status"] == 201
    assert post_log["principal"] == "automaker:T1" and post_log["request_id"]

    alliance.coordinator.wait_for_demand(
        OPS, demand_id, [api.DemandStatus.CONFIRMED, api.DemandStatus.FAILED], 30
    )
    with structlog.testing.capture_logs() as logs:
        plan = client.get(f"/v1/demands/{demand_id}/plan", headers=t1).json()
    get_log = next(e for e in logs if e["event"] == "request")
    assert get_log["demand_id"] == demand_id and get_log["plan_id"] == plan["plan_id"]
    assert get_log["route"] == "/v1/demands/{demand_id}/plan"
