"""Endpoints and deliveries as their owner sees them: a storefront (reseller) or an ISV.
Every lookup goes through the owner, so another owner's endpoint or delivery is "not found"
whoever asks; changes are audited and never committed here."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import delete, select

from storefront.accounts.models import User
from storefront.audit.models import Surface
from storefront.audit.services import record, snapshot
from storefront.errors import DomainError
from storefront.extensions import db
from storefront.outbound.emitting import delivery_fields, new_event_id, send_after_commit
from storefront.outbound.events import TEST_EVENT, subscribable
from storefront.outbound.models import (
    Delivery,
    DeliveryStatus,
    Endpoint,
    IsvWebhookDelivery,
    IsvWebhookEndpoint,
    OwnerKind,
    StorefrontWebhookDelivery,
    StorefrontWebhookEndpoint,
)
from storefront.outbound.urls import UnsafeUrl, check_endpoint_url
from storefront.tenants.scope import tenant_scope
from storefront.timeutil import utcnow

MAX_ENDPOINTS = 20
AUDITED = ("url", "description", "events", "active")


class WebhookError(DomainError):
    """A change refused; `field` names the input at fault (None: the whole request)."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class WebhookNotFound(LookupError):
    """No such endpoint or delivery of this owner (another owner's included)."""


@dataclass(frozen=True)
class Owner:
    """Whose endpoints: a storefront's (tenant-owned) or an ISV's."""

    kind: OwnerKind
    id: int

    @classmethod
    def storefront(cls, storefront_id: int) -> Owner:
        return cls(OwnerKind.STOREFRONT, storefront_id)

    @classmethod
    def isv(cls, isv_id: int) -> Owner:
        return cls(OwnerKind.ISV, isv_id)

    @property
    def is_isv(self) -> bool:
        return self.kind is OwnerKind.ISV

    @property
    def endpoint_model(self) -> Any:
        return IsvWebhookEndpoint if self.is_isv else StorefrontWebhookEndpoint

    @property
    def delivery_model(self) -> Any:
        return IsvWebhookDelivery if self.is_isv else StorefrontWebhookDelivery

    def owns(self, model: Any) -> Any:
        """The WHERE clause limiting `model` (an endpoint or delivery class) to this owner."""
        return model.isv_id == self.id if self.is_isv else model.storefront_id == self.id

    def fields(self) -> dict[str, int]:
        return {"isv_id": self.id} if self.is_isv else {"storefront_id": self.id}

    def audit_storefront(self) -> int | None:
        return None if self.is_isv else self.id


def event_choices(owner: Owner) -> tuple[str, ...]:
    return subscribable(owner.is_isv)


def endpoints(owner: Owner) -> Sequence[Endpoint]:
    model = owner.endpoint_model
    with _scope(owner):
        rows: Sequence[Endpoint] = db.session.scalars(
            select(model).where(owner.owns(model)).order_by(model.id)
        ).all()
    return rows


def endpoint(owner: Owner, endpoint_id: int) -> Endpoint:
    row: Endpoint = _owned(owner, owner.endpoint_model, endpoint_id)
    return row


def _owned(owner: Owner, model: Any, row_id: int) -> Any:
    """The owner's row of `model` (an endpoint or delivery table); another owner's is not found."""
    with _scope(owner):
        row = db.session.scalars(select(model).where(owner.owns(model), model.id == row_id)).first()
    if row is None:
        raise WebhookNotFound(row_id)
    return row


def create_endpoint(
    owner: Owner,
    *,
    url: str,
    events: Sequence[str],
    description: str = "",
    active: bool = True,
    actor: User | None,
    surface: Surface,
) -> Endpoint:
    """A new endpoint with a fresh signing secret."""
    if len(endpoints(owner)) >= MAX_ENDPOINTS:
        raise WebhookError(_("At most %(count)d endpoints.", count=MAX_ENDPOINTS))
    row: Endpoint = owner.endpoint_model(
        **owner.fields(),
        url=_clean_url(url),
        events=_clean_events(owner, events),
        description=_clean_description(description),
        active=active,
        secret=new_secret(),
    )
    with _scope(owner):
        db.session.add(row)
        db.session.flush()
        record(
            actor=actor,
            surface=surface,
            action="webhook_endpoint.create",
            target=row,
            after=snapshot(row, AUDITED),
            storefront_id=owner.audit_storefront(),
        )
    return row


def update_endpoint(
    owner: Owner,
    row: Endpoint,
    *,
    url: str | None = None,
    events: Sequence[str] | None = None,
    description: str | None = None,
    active: bool | None = None,
    actor: User | None,
    surface: Surface,
) -> Endpoint:
    before = snapshot(row, AUDITED)
    if url is not None:
        row.url = _clean_url(url)
    if events is not None:
        row.events = _clean_events(owner, events)
    if description is not None:
        row.description = _clean_description(description)
    if active is not None:
        row.active = active
    with _scope(owner):
        db.session.flush()
        record(
            actor=actor,
            surface=surface,
            action="webhook_endpoint.update",
            target=row,
            before=before,
            after=snapshot(row, AUDITED),
            storefront_id=owner.audit_storefront(),
        )
    return row


def roll_secret(owner: Owner, row: Endpoint, *, actor: User | None, surface: Surface) -> str:
    """A new signing secret; the old one stops working at once."""
    row.secret = new_secret()
    with _scope(owner):
        record(
            actor=actor,
            surface=surface,
            action="webhook_endpoint.roll_secret",
            target=row,
            storefront_id=owner.audit_storefront(),
        )
        db.session.flush()
    return row.secret


def delete_endpoint(owner: Owner, row: Endpoint, *, actor: User | None, surface: Surface) -> None:
    """Delete the endpoint and its delivery log."""
    with _scope(owner):
        record(
            actor=actor,
            surface=surface,
            action="webhook_endpoint.delete",
            target=row,
            before=snapshot(row, AUDITED),
            storefront_id=owner.audit_storefront(),
        )
        model = owner.delivery_model
        db.session.execute(
            delete(model)
            .where(owner.owns(model), model.endpoint_id == row.id)
            .execution_options(synchronize_session=False)
        )
        db.session.delete(row)
        db.session.flush()


def send_test_event(owner: Owner, row: Endpoint) -> Delivery:
    """A `webhook.test` delivery to this endpoint, sent once the caller commits."""
    created = utcnow()
    event_id = new_event_id()
    body = {
        "id": event_id,
        "type": TEST_EVENT,
        "created": created.isoformat(),
        "data": {"endpoint_id": row.id, "message": "This is a test event from Storefront."},
    }
    fields = delivery_fields(event_id, TEST_EVENT, body, created)
    delivery: Delivery = owner.delivery_model(**owner.fields(), endpoint_id=row.id, **fields)
    with _scope(owner):
        db.session.add(delivery)
        db.session.flush()
    return delivery


def deliveries(
    owner: Owner, *, endpoint_id: int | None = None, limit: int = 50
) -> Sequence[Delivery]:
    """The newest deliveries first."""
    model = owner.delivery_model
    query = select(model).where(owner.owns(model))
    if endpoint_id is not None:
        query = query.where(model.endpoint_id == endpoint_id)
    with _scope(owner):
        rows: Sequence[Delivery] = db.session.scalars(
            query.order_by(model.id.desc()).limit(limit)
        ).all()
    return rows


def delivery(owner: Owner, delivery_id: int) -> Delivery:
    row: Delivery = _owned(owner, owner.delivery_model, delivery_id)
    return row


def redeliver(owner: Owner, row: Delivery, *, actor: User | None, surface: Surface) -> Delivery:
    """Send the same event (same id: receivers deduplicate on it) again now, with a fresh
    retry schedule."""
    row.status = DeliveryStatus.PENDING
    row.attempts = 0
    row.next_attempt_at = utcnow()
    with _scope(owner):
        record(
            actor=actor,
            surface=surface,
            action="webhook_delivery.redeliver",
            target=row,
            storefront_id=owner.audit_storefront(),
        )
        db.session.flush()
    send_after_commit(db.session(), owner.kind, row.id)
    return row


def new_secret() -> str:
    return f"whsec_{secrets.token_urlsafe(32)}"


def _scope(owner: Owner) -> AbstractContextManager[None]:
    return nullcontext() if owner.is_isv else tenant_scope(owner.id)


def _clean_url(url: str) -> str:
    production = current_app.config["STOREFRONT_ENV"] == "production"
    try:
        return check_endpoint_url(url, production=production)
    except UnsafeUrl as error:
        raise WebhookError(str(error), "url") from None


def _clean_events(owner: Owner, events: Sequence[str]) -> list[str]:
    allowed = event_choices(owner)
    picked = list(dict.fromkeys(name.strip() for name in events if name.strip()))
    if not picked:
        raise WebhookError(_("Pick at least one event."), "events")
    unknown = [name for name in picked if name not in allowed]
    if unknown:
        raise WebhookError(_("Unknown event: %(name)s.", name=unknown[0][:60]), "events")
    return picked


def _clean_description(description: str) -> str:
    description = description.strip()
    if len(description) > 200:
        raise WebhookError(_("At most 200 characters."), "description")
    return description
