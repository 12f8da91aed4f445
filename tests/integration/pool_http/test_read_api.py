"""Pool, members, settlement, fairness and audit reads: who sees what, and bad parameters."""

from __future__ import annotations

import pytest

from tests.integration.pool_http.support import SAMPLE_PART, Alliance, bearer
from tests.integration.pool_http.test_demands_api import assert_problem


def test_operators_see_every_supplier_cell(client, ops) -> None:
    pool = client.get("/v1/pool", headers=ops).json()
    part = next(p for p in pool["data"] if p["part_number"] == SAMPLE_PART)
    assert [c["member_id"] for c in part["suppliers"]] == ["S01"]
    assert part["contributed_quantity"] > 0
    assert part["free_quantity"] <= part["contributed_quantity"]


def test_a_supplier_sees_its_own_cells_and_an_automaker_only_free_totals(
    client, alliance: Alliance, t1
) -> None:
    supplier = client.get("/v1/pool", headers=bearer(alliance.supplier_keys["S01"])).json()
    assert {c["member_id"] for p in supplier["data"] for c in p["suppliers"]} == {"S01"}
    automaker = client.get("/v1/pool", headers=t1).json()
    assert automaker["count"] > 0
    for part in automaker["data"]:
        assert part["suppliers"] == [] and part["contributed_quantity"] == 0


def test_the_pool_filters_by_part(client, ops) -> None:
    pool = client.get(f"/v1/pool?part_number={SAMPLE_PART}", headers=ops).json()
    assert [p["part_number"] for p in pool["data"]] == [SAMPLE_PART]
    assert client.get("/v1/pool?part_number=NOPE-1", headers=ops).json()["count"] == 0
    problem = assert_problem(
        client.get("/v1/pool?part_number=%20x", headers=ops), 422, "validation-error"
    )
    assert problem["invalid-params"][0]["in"] == "query"


def test_members_are_listed_with_their_liveness(client, alliance: Alliance, ops) -> None:
    members = client.get("/v1/members", headers=ops).json()
    s01 = next(m for m in members["data"] if m["member_id"] == "S01")
    assert s01["endpoint"] == alliance.nodes["S01"].alliance_target
    assert s01["active"] and not s01["stale"] and len(s01["audit_public_key_hex"]) == 64
    own = client.get("/v1/members", headers=bearer(alliance.supplier_keys["S01"])).json()
    assert [m["member_id"] for m in own["data"]] == ["S01"]


def test_settlement_and_fairness(client, alliance: Alliance, ops, t1) -> None:
    assert client.get("/v1/settlement", headers=ops).status_code == 200
    for query in ("since_ms=-1", "since_ms=soon", f"since_ms={2**64}"):
        assert_problem(client.get(f"/v1/settlement?{query}", headers=ops), 422, "validation-error")
    fairness = client.get("/v1/fairness", headers=ops)
    assert fairness.status_code == 200
    assert {r["member_id"] for r in fairness.json()["data"]} <= {"S01"}
    assert_problem(client.get("/v1/fairness", headers=t1), 403, "forbidden")


def test_audit_status(client, ops, t1) -> None:
    status = client.get("/v1/audit/status", headers=ops).json()
    assert status["log_size"] >= 0 and isinstance(status["cosigned_by"], list)
    assert_problem(client.get("/v1/audit/status", headers=t1), 403, "forbidden")


@pytest.mark.parametrize(
    "path",
    [
        "/v1/demands",
        "/v1/demands/x",
        "/v1/demands/x/plan",
        "/v1/pool",
        "/v1/members",
        "/v1/settlement",
        "/v1/fairness",
        "/v1/audit/status",
    ],
)
def test_every_read_needs_a_valid_key(client, path) -> None:
    for headers in ({}, bearer("not-a-key"), {"Authorization": "Basic dXNlcjpwYXNz"}):
        problem = assert_problem(client.get(path, headers=headers), 401, "unauthenticated")
        assert problem["instance"] == path
    response = client.get(path)
    assert response.headers["www-authenticate"].startswith("Bearer")
