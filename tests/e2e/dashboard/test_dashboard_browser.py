"""The operations dashboard in headless Chromium (Debian's package, driven by Playwright):
it shows the seeded pool and follows a reservation live, without a reload."""

from __future__ import annotations

import os
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn
from alliance.v1 import node_pb2 as pb
from alliance.v1 import types_pb2 as types
from alliance.v1.node_pb2_grpc import NodeServiceStub
from google.protobuf.timestamp_pb2 import Timestamp

from node.launcher import NodeProcess
from pool.http.app import create_app
from pool.service import api
from tests.integration.pool_http.support import (
    OPS,
    SAMPLE_PART,
    Alliance,
    bearer,
    demand_line,
    open_alliance,
)

CHROMIUM = os.environ.get("ALLIANCE_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOT = os.environ.get("ALLIANCE_DASHBOARD_SCREENSHOT")  # keep a picture when set


@pytest.fixture(scope="module")
def alliance(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Alliance]:
    alliance = open_alliance(tmp_path_factory.mktemp("dashboard"))
    try:
        alliance.add_tenant("OEM1")
        alliance.add_node("S01")
        alliance.add_node("S02")
        alliance.wait_for_pool({"S01", "S02"})
        yield alliance
    finally:
        alliance.close()


@pytest.fixture(scope="module")
def base_url(alliance: Alliance) -> Iterator[str]:
    app = create_app(alliance.coordinator, alliance.settings)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    port = server.servers[0].sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


def _reserve(node: NodeProcess, quantity: int) -> None:
    due_at = Timestamp(seconds=int(time.time()) + 2 * 86_400)
    line = pb.ReserveLine(
        line_id="1",
        part_number=SAMPLE_PART,
        quantity=quantity,
        unit_of_measure="C62",
        source=types.SUPPLY_SOURCE_STOCK,
        due_at=due_at,
        destination="DEWOB",
    )
    request = pb.ReserveRequest(
        reservation_id=str(uuid.uuid4()),
        plan_id="PLAN-E2E",
        demand_id="D-E2E",
        ttl_seconds=300,
        lines=[line],
    )
    with node.channel() as channel:
        NodeServiceStub(channel).Reserve(request, timeout=10)


def _free(alliance: Alliance, member_id: str) -> int:
    part = alliance.coordinator.pool_view(OPS, [SAMPLE_PART])[0]
    return next(c.free_quantity for c in part.suppliers if c.member_id == member_id)


def test_the_dashboard_shows_the_pool_and_follows_a_reservation(
    alliance: Alliance, base_url: str, tmp_path: Path
) -> None:
    from playwright import sync_api  # a dev dependency: missing is a failure, not a skip
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install -y chromium")
    free_before = {m: _free(alliance, m) for m in ("S01", "S02")}

    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1440, "height": 1000})
            page.goto(f"{base_url}/dashboard")
            page.fill("#key", alliance.operator_key)
            page.click("button[type=submit]")
            heat_row = page.locator(f"#pool tr[data-part='{SAMPLE_PART}']")
            sync_api.expect(heat_row).to_be_visible()
            for member_id, free in free_before.items():
                cell = heat_row.locator(f"td[data-member='{member_id}'] .free")
                sync_api.expect(cell).to_have_text(f"{free:,}")
            sync_api.expect(page.locator("#nodes tr[data-member='S01']")).to_contain_text("fresh")
            sync_api.expect(page.get_by_text("Pool levels by part and supplier")).to_be_visible()
            sync_api.expect(page.get_by_text("池存量热力图")).to_be_visible()
            page.evaluate("window.__not_reloaded = true")

            # An automaker's urgent demand appears with its plan once confirmed.
            quantity = 25
            response = httpx.post(
                f"{base_url}/v1/demands",
                json={"reference": "PO-E2E", "lines": [demand_line(quantity=quantity)]},
                headers={
                    **bearer(alliance.tenant_keys["OEM1"]),
                    "Idempotency-Key": uuid.uuid4().hex,
                },
            )
            assert response.status_code == 201, response.text
            demand_id = response.json()["demand_id"]
            alliance.coordinator.wait_for_demand(
                OPS, demand_id, [api.DemandStatus.CONFIRMED, api.DemandStatus.FAILED], 30
            )
            demand_row = page.locator(f"#demands tr[data-demand='{demand_id}']")
            sync_api.expect(demand_row).to_contain_text("confirmed", timeout=10_000)
            sync_api.expect(demand_row).to_contain_text("100%")

            # A reservation held on S02 lowers its free pool share; the view follows the
            # node's WatchPoolShares feed and the dashboard follows the view.
            held = 40
            free_s02 = _free(alliance, "S02")
            _reserve(alliance.nodes["S02"], held)
            cell = heat_row.locator("td[data-member='S02'] .free")
            sync_api.expect(cell).to_have_text(f"{free_s02 - held:,}", timeout=10_000)
            assert _free(alliance, "S02") == free_s02 - held
            assert page.evaluate("window.__not_reloaded") is True  # htmx swapped, no reload
            page.screenshot(path=SCREENSHOT or str(tmp_path / "dashboard.png"), full_page=True)
        finally:
            browser.close()
