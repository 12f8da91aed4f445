"""Dashboard access over HTTP: operators log in (form or ?key=), others are turned away."""

from __future__ import annotations

from tests.integration.pool_http.support import SAMPLE_PART, Alliance

COOKIE = "alliance_pool_session"


def test_a_key_in_the_query_logs_in_and_leaves_the_address_bar(client, alliance: Alliance):
    client.cookies.clear()
    response = client.get(f"/dashboard?key={alliance.operator_key}", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/dashboard"
    assert alliance.operator_key not in response.headers["set-cookie"]
    assert "HttpOnly" in response.headers["set-cookie"]
    page = client.get("/dashboard")
    assert page.status_code == 200
    assert "Pool levels by part and supplier" in page.text and "池存量热力图" in page.text
    assert SAMPLE_PART in page.text and 'hx-get="/dashboard/live"' in page.text
    live = client.get("/dashboard/live")
    assert live.status_code == 200 and f'data-part="{SAMPLE_PART}"' in live.text
    client.post("/dashboard/logout")
    client.cookies.clear()
    assert client.get("/dashboard/live").headers["hx-redirect"] == "/dashboard"


def test_the_login_form_refuses_unknown_and_non_operator_keys(client, alliance: Alliance):
    client.cookies.clear()
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    page = client.get("/dashboard")
    assert page.status_code == 200 and 'name="key"' in page.text
    assert client.post("/dashboard/login", content="key=nope", headers=form).status_code == 401
    tenant = alliance.tenant_keys["T2"]
    refused = client.post("/dashboard/login", content=f"key={tenant}", headers=form)
    assert refused.status_code == 403 and COOKIE not in refused.headers.get("set-cookie", "")
    ok = client.post(
        "/dashboard/login",
        content=f"key={alliance.operator_key}",
        headers=form,
        follow_redirects=False,
    )
    assert ok.status_code == 303 and COOKIE in ok.headers["set-cookie"]
    client.cookies.clear()


def test_static_assets_are_served_from_the_package(client) -> None:
    htmx = client.get("/dashboard/static/htmx.min.js")
    assert htmx.status_code == 200 and htmx.text.startswith("/*! htmx 2")
    assert client.get("/dashboard/static/dashboard.css").status_code == 200
    assert client.get("/dashboard/static/nothing.js").status_code == 404
