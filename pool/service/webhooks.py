"""Delivers the webhook outbox after commit, with retries; a delivery is kept until it lands
or runs out of attempts."""

from __future__ import annotations

import sqlalchemy as sa
import structlog
from tenacity import (
    RetryError,
    Retrying,
    retry_if_exception_type,
    stop_after_attempt,
    wait_exponential,
)

from pool.adapters import orm
from pool.adapters.webhook_sender import WebhookFailed, WebhookSender
from pool.service.context import Context

log = structlog.get_logger(__name__)


class WebhookDispatcher:
    def __init__(self, ctx: Context, sender: WebhookSender) -> None:
        self.ctx = ctx
        self.sender = sender

    def deliver_pending(self) -> int:
        """Send every pending delivery once (with in-process retries); returns how many landed."""
        with self.ctx.sessions() as s:
            pending = s.execute(
                sa.select(orm.WebhookDelivery, orm.Tenant)
                .join(orm.Tenant, orm.Tenant.tenant_id == orm.WebhookDelivery.tenant_id)
                .where(
                    orm.WebhookDelivery.delivered_at_ms.is_(None),
                    orm.WebhookDelivery.failed.is_(False),
                )
                .order_by(orm.WebhookDelivery.delivery_id)
                .limit(100)
            ).all()
            s.expunge_all()
        delivered = 0
        for delivery, tenant in pending:
            delivered += self._deliver(delivery, tenant)
        return delivered

    def _deliver(self, delivery: orm.WebhookDelivery, tenant: orm.Tenant) -> int:
        settings = self.ctx.settings
        tries = 0
        error = ""

        def attempt() -> None:
            nonlocal tries
            tries += 1
            self.sender.send(
                tenant.callback_url,
                tenant.webhook_secret,
                delivery.body.encode(),
                self.ctx.now_ms(),
                delivery.event,
            )

        try:
            Retrying(
                retry=retry_if_exception_type(WebhookFailed),
                stop=stop_after_attempt(3),
                wait=wait_exponential(multiplier=settings.webhook_retry_base_s, max=5),
            )(attempt)
            ok = True
        except RetryError as exc:
            ok, error = False, str(exc.last_attempt.exception())
        with self.ctx.sessions.begin() as s:
            row = s.get(orm.WebhookDelivery, delivery.delivery_id)
            assert row is not None
            row.attempts += tries
            if ok:
                row.delivered_at_ms = self.ctx.now_ms()
            else:
                row.last_error = error
                row.failed = row.attempts >= settings.webhook_max_attempts
        log.info(
            "webhook_delivery",
            demand_id=delivery.demand_id,
            webhook_event=delivery.event,
            delivered=ok,
            error=error,
        )
        return int(ok)
