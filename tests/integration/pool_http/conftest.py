"""One alliance (a real coordinator and one real sample node) for the HTTP edge's tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from pool.http.app import create_app
from tests.integration.pool_http.support import Alliance, open_alliance


@pytest.fixture(scope="package")
def alliance(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Alliance]:
    alliance = open_alliance(tmp_path_factory.mktemp("pool_http"))
    try:
        alliance.add_tenant("T1")
        alliance.add_tenant("T2")
        alliance.add_node("S01")
        alliance.wait_for_pool({"S01"})
        yield alliance
    finally:
        alliance.close()


@pytest.fixture(scope="package")
def client(alliance: Alliance) -> Iterator[TestClient]:
    with TestClient(create_app(alliance.coordinator, alliance.settings)) as client:
        yield client


@pytest.fixture
def t1(alliance: Alliance) -> dict[str, str]:
    return {"Authorization": f"Bearer {alliance.tenant_keys['T1']}"}


@pytest.fixture
def ops(alliance: Alliance) -> dict[str, str]:
    return {"Authorization": f"Bearer {alliance.operator_key}"}
