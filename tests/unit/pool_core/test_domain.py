"""The coordinator's domain core: keys, rate limits, webhook signatures, the state machine,
reservation ids (receipt checks: test_receipts.py)."""

from __future__ import annotations

import pytest

from pool.domain import credentials
from pool.domain import demand as rules
from pool.domain.clock import ManualClock
from pool.domain.rate_limit import RateLimiter
from pool.domain.webhooks import signature_header, verify_signature
from pool.service.api import DemandIn, DemandLineIn, DemandStatus


def test_api_keys_verify_only_against_their_own_hash() -> None:
    key_id, key = credentials.new_api_key()
    stored = credentials.hash_api_key("server-secret", key)
    assert credentials.key_id_of(key) == key_id
    assert credentials.key_matches("server-secret", key, stored)
    assert not credentials.key_matches("other-secret", key, stored)
    assert not credentials.key_matches("server-secret", key + "x", stored)
    assert credentials.key_id_of("garbage") is None


def test_token_bucket_refills_with_the_clock() -> None:
    clock = ManualClock()
    limiter = RateLimiter(clock)
    assert [limiter.take("k", 2) for _ in range(3)] == [0, 0, 30]
    clock.advance(seconds=30)
    assert limiter.take("k", 2) == 0
    assert limiter.take("other", 2) == 0


def test_webhook_signature_binds_body_secret_and_time() -> None:
    header = signature_header("s", 1_000, b'{"a":1}')
    assert verify_signature("s", header, b'{"a":1}', now_ms=1_500)
    assert not verify_signature("s", header, b'{"a":2}', now_ms=1_500)
    assert not verify_signature("t", header, b'{"a":1}', now_ms=1_500)
    assert not verify_signature("s", header, b'{"a":1}', now_ms=10**9)


def test_reservation_ids_are_deterministic_per_plan_revision_member_and_source() -> None:
    rid = rules.reservation_id("p", 1, "S01", "stock")
    assert rid == rules.reservation_id("p", 1, "S01", "stock")
    assert (
        len(
            {
                rid,
                rules.reservation_id("p", 2, "S01", "stock"),
                rules.reservation_id("p", 1, "S02", "stock"),
                rules.reservation_id("p", 1, "S01", "production"),
            }
        )
        == 4
    )


def test_the_state_machine_refuses_skipped_steps() -> None:
    rules.check_transition(DemandStatus.RESERVING, DemandStatus.CONFIRMING)
    rules.check_transition(DemandStatus.CONFIRMING, DemandStatus.QUOTING)  # re-plan
    with pytest.raises(ValueError):
        rules.check_transition(DemandStatus.RECEIVED, DemandStatus.CONFIRMED)
    with pytest.raises(ValueError):
        rules.check_transition(DemandStatus.CONFIRMED, DemandStatus.COMPENSATING)


def test_fingerprint_follows_the_body() -> None:
    line = DemandLineIn("L1", "P", 1, "C62", 10, "DEHAM")
    assert rules.fingerprint(DemandIn((line,))) == rules.fingerprint(DemandIn((line,)))
    assert rules.fingerprint(DemandIn((line,))) != rules.fingerprint(DemandIn((line,), "ref"))

