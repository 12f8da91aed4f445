"""Idempotent submission, who sees what, revoked members, keys and signed webhooks."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from pool.domain.webhooks import SIGNATURE_HEADER, verify_signature
from pool.service.api import (
    DemandIn,
    DemandLineIn,
    DemandStatus,
    Forbidden,
    IdempotencyConflict,
    InvalidInput,
    NotFound,
    Principal,
    RateLimited,
    Role,
    TenantIn,
    Unauthenticated,
)
from tests.integration.pool_core.conftest import (
    HOUR_MS,
    OPERATOR,
    Alliance,
    register,
    tenant,
    wait_for_pool,
    wait_until,
)

END = [DemandStatus.CONFIRMED, DemandStatus.FAILED]


def _demand(now_ms: int, quantity: int, reference: str = "PO-1") -> DemandIn:
    return DemandIn(
        lines=(DemandLineIn("L1", "P-100", quantity, "C62", now_ms + 72 * HOUR_MS, "DEHAM"),),
        reference=reference,
    )


@pytest.fixture
def two_members(alliance: Alliance, open_pool):
    s1, s2 = alliance.add_node("S01"), alliance.add_node("S02")
    s1.add_part("P-100", on_hand=1000, safety_stock=200, price=20_000_000)
    s2.add_part("P-100", on_hand=1000, safety_stock=100, price=25_000_000)
    pool = open_pool()
    register(pool, s1)
    register(pool, s2)
    return pool, s1, s2


def test_the_same_key_replays_and_a_different_body_conflicts(two_members) -> None:
    pool, _, _ = two_members
    pool.runtime.sync_watchers()
    wait_for_pool(pool, "P-100", 90)
    oem = tenant(pool)
    now = pool.ctx.now_ms()
    first, replayed = pool.submit_demand(oem, _demand(now, 10), "idem-1")
    again, replayed_again = pool.submit_demand(oem, _demand(now, 10), "idem-1")
    assert (replayed, replayed_again) == (False, True)
    assert again.demand_id == first.demand_id
    with pytest.raises(IdempotencyConflict):
        pool.submit_demand(oem, _demand(now, 11), "idem-1")
    # Keys are per tenant: another automaker may use the same one.
    other = tenant(pool, "OEM2")
    assert pool.submit_demand(other, _demand(now, 10), "idem-1")[0].demand_id != first.demand_id
    assert len(pool.list_demands(OPERATOR)) == 2


def test_bad_demands_are_refused(two_members) -> None:
    pool, _, _ = two_members
    pool.runtime.sync_watchers()
    wait_for_pool(pool, "P-100", 90)
    oem = tenant(pool)
    now = pool.ctx.now_ms()
    bad = [
        DemandIn(lines=()),
        DemandIn(lines=(DemandLineIn("L1", "P-100", -1, "C62", now + HOUR_MS, "DEHAM"),)),
        DemandIn(lines=(DemandLineIn("L1", "P-100", 10**13, "C62", now + HOUR_MS, "DEHAM"),)),
        DemandIn(lines=(DemandLineIn("L1", "NOPE", 1, "C62", now + HOUR_MS, "DEHAM"),)),
        DemandIn(lines=(DemandLineIn("L1", "P-100", 1, "C62", now - HOUR_MS, "DEHAM"),)),
    ]
    for i, demand in enumerate(bad):
        with pytest.raises(InvalidInput):
            pool.submit_demand(oem, demand, f"bad-{i}")
    with pytest.raises(Forbidden):
        pool.submit_demand(OPERATOR, _demand(now, 1), "ops")


def test_who_sees_what(two_members) -> None:
    pool, _, _ = two_members
    pool.runtime.sync_watchers()
    wait_for_pool(pool, "P-100", 90)
    a, b = tenant(pool, "OEM-A"), tenant(pool, "OEM-B")
    demand, _ = pool.submit_demand(a, _demand(pool.ctx.now_ms(), 5), "k")

    supplier = Principal(Role.SUPPLIER, "S01")
    [part] = pool.pool_view(supplier, ["P-100"])
    assert [c.member_id for c in part.suppliers] == ["S01"]  # not S02's numbers
    assert (part.contributed_quantity, part.free_quantity) == (90, 90)  # but the totals
    [seen_by_a] = pool.pool_view(a, ["P-100"])
    assert seen_by_a.suppliers == () and seen_by_a.free_quantity == 90
    assert seen_by_a.contributed_quantity == 0
    [everything] = pool.pool_view(OPERATOR, ["P-100"])
    assert sorted(c.member_id for c in everything.suppliers) == ["S01", "S02"]

    assert pool.get_demand(a, demand.demand_id).demand_id == demand.demand_id
    with pytest.raises(NotFound):
        pool.get_demand(b, demand.demand_id)
    assert pool.list_demands(b) == []
    with pytest.raises(Forbidden):
        pool.list_demands(supplier)
    with pytest.raises(Forbidden):
        pool.fairness(a)
    assert {r.member_id for r in pool.fairness(supplier)} == {"S01"}
    assert [m.member_id for m in pool.members(supplier)] == ["S01"]
    with pytest.raises(Forbidden):
        pool.revoke_member(supplier, "S02")


def test_a_revoked_member_is_not_used(two_members) -> None:
    pool, s1, s2 = two_members
    pool.runtime.sync_watchers()
    wait_for_pool(pool, "P-100", 90)
    pool.revoke_member(OPERATOR, "S01")
    assert pool.is_revoked("S01") and not pool.is_revoked("S02")
    pool.start()
    oem = tenant(pool)
    view, _ = pool.submit_demand(oem, _demand(pool.ctx.now_ms(), 50), "k")
    done = pool.wait_for_demand(oem, view.demand_id, END, 30)
    assert done.status is DemandStatus.CONFIRMED
    assert done.plan is not None
    assert {a.member_id for a in done.plan.allocations} == {"S02"}
    assert s1.reservations() == {}
    assert sum(a.quantity for a in done.plan.allocations) == 30  # S02's pool; the rest short
    assert sum(x.quantity for x in done.plan.shortages) == 20


def test_api_keys_are_hashed_and_rate_limited(two_members) -> None:
    pool, _, _ = two_members
    creds = pool.register_tenant(OPERATOR, TenantIn("OEM1", "Automaker", requests_per_minute=3))
    assert pool.authenticate(creds.api_key) == Principal(Role.AUTOMAKER, "OEM1")
    with pool.ctx.sessions() as s:
        from pool.adapters import orm

        stored = s.query(orm.ApiKey).one()
        assert creds.api_key not in (stored.key_hash, stored.key_id)
    pool.authenticate(creds.api_key)
    pool.authenticate(creds.api_key)
    with pytest.raises(RateLimited) as limited:
        pool.authenticate(creds.api_key)
    assert limited.value.retry_after_s >= 1
    with pytest.raises(Unauthenticated):
        pool.authenticate(creds.api_key[:-2] + "xx")
    supplier_key = pool.issue_api_key(OPERATOR, Role.SUPPLIER, "S01")
    assert pool.authenticate(supplier_key) == Principal(Role.SUPPLIER, "S01")
    pool.revoke_member(OPERATOR, "S01")
    with pytest.raises(Forbidden):
        pool.authenticate(supplier_key)


class _Receiver:
    """A real HTTP endpoint on loopback that fails its first call, then records every POST."""

    def __init__(self) -> None:
        self.posts: list[tuple[dict[str, str], bytes]] = []
        self.calls = 0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.calls += 1
                if receiver.calls == 1:
                    self.send_response(503)
                else:
                    receiver.posts.append((dict(self.headers), body))
                    self.send_response(204)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def receiver() -> Iterator[_Receiver]:
    r = _Receiver()
    yield r
    r.server.shutdown()


def test_webhooks_are_signed_retried_and_sent_for_decision_and_confirmation(
    two_members, receiver: _Receiver
) -> None:
    pool, _, _ = two_members
    pool.start()
    wait_for_pool(pool, "P-100", 90)
    creds = pool.register_tenant(OPERATOR, TenantIn("OEM1", "Automaker", callback_url=receiver.url))
    oem = Principal(Role.AUTOMAKER, "OEM1")
    view, _ = pool.submit_demand(oem, _demand(pool.ctx.now_ms(), 20), "k")
    assert pool.wait_for_demand(oem, view.demand_id, END, 30).status is DemandStatus.CONFIRMED
    wait_until(lambda: len(receiver.posts) >= 2, timeout_s=15, what="two webhooks")
    events = []
    for headers, body in receiver.posts:
        assert verify_signature(
            creds.webhook_secret, headers[SIGNATURE_HEADER], body, int(time.time() * 1000)
        )
        assert not verify_signature(
            "whsec_wrong", headers[SIGNATURE_HEADER], body, int(time.time() * 1000)
        )
        payload = json.loads(body)
        assert payload["demand_id"] == view.demand_id
        events.append(payload["event"])
    assert events == ["plan.decided", "plan.confirmed"]
    assert receiver.calls == 3  # the first attempt failed and was retried
