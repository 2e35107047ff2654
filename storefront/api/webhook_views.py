"""Outgoing webhooks through the API: a storefront's or an ISV's token manages its own
endpoints (`storefront.outbound`), reads their deliveries and sends one again. Another
owner's endpoint or delivery is 404. The signing secret is in the answer to read-write
tokens only (it lets whoever holds it forge events to the owner's receiver)."""

from __future__ import annotations

from typing import Any

from flask import g
from sqlalchemy import select

from storefront.api.blueprint import registry
from storefront.api.errors import ApiError, not_found
from storefront.api.models import PrincipalKind, TokenScope
from storefront.api.pagination import PAGE_PARAMS, page_body, page_request, paginate
from storefront.api.schemas import DATETIME, INTEGER, STRING, page_of
from storefront.api.serialize import moment
from storefront.api.tokens import acting_user
from storefront.api.validation import Body, Field
from storefront.audit.models import Surface
from storefront.extensions import db
from storefront.outbound import services
from storefront.outbound.events import ISV_EVENTS, STOREFRONT_EVENTS, subscribable
from storefront.outbound.models import Delivery, DeliveryStatus, Endpoint
from storefront.outbound.services import Owner, WebhookError, WebhookNotFound

OWNERS = (PrincipalKind.STOREFRONT, PrincipalKind.ISV)
_EVENT_NAMES = tuple(dict.fromkeys((*subscribable(True), *subscribable(False))))


def _object(properties: dict[str, Any], nullable: tuple[str, ...] = ()) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": {
            name: ({"anyOf": [schema, {"type": "null"}]} if name in nullable else schema)
            for name, schema in properties.items()
        },
        "required": list(properties),
    }


ENDPOINT = _object(
    {
        "id": INTEGER,
        "url": STRING,
        "description": STRING,
        "events": {"type": "array", "items": STRING},
        "active": {"type": "boolean"},
        "secret": STRING,
        "created_at": DATETIME,
        "updated_at": DATETIME,
    },
    nullable=("secret",),
)
DELIVERY = _object(
    {
        "id": INTEGER,
        "delivery_id": STRING,
        "endpoint_id": INTEGER,
        "event_id": STRING,
        "event_type": STRING,
        "payload": {"type": "object"},
        "status": {"type": "string", "enum": [status.value for status in DeliveryStatus]},
        "attempts": INTEGER,
        "next_attempt_at": DATETIME,
        "last_attempt_at": DATETIME,
        "last_status_code": INTEGER,
        "last_response": STRING,
        "created_at": DATETIME,
        "delivered_at": DATETIME,
    },
    nullable=("next_attempt_at", "last_attempt_at", "last_status_code", "delivered_at"),
)
DELETED = _object({"deleted": {"type": "boolean"}})


class EventsField(Field):
    """A list of event type names (no duplicates, at least one)."""

    def check(self, value: Any, path: str) -> Any:
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise ApiError(422, "invalid", "Must be a list of event types.", path)
        if not value or len(value) > len(_EVENT_NAMES):
            raise ApiError(422, "invalid", "Pick at least one event.", path)
        return value

    def schema(self) -> dict[str, Any]:
        return {
            "type": "array",
            "items": {"type": "string", "enum": list(_EVENT_NAMES)},
            "minItems": 1,
            "maxItems": len(_EVENT_NAMES),
            "description": "Storefronts: "
            + ", ".join(STOREFRONT_EVENTS)
            + "; ISVs: "
            + ", ".join(ISV_EVENTS)
            + "; or a prefix wildcard like order.*",
        }


def _fields(required: bool) -> dict[str, Field]:
    return {
        "url": Field(str, required=required, minimum=1, maximum=2000, description="https URL"),
        "events": EventsField(list, required=required),
        "description": Field(str, required=False, maximum=200),
        "active": Field(bool, required=False),
    }


CREATE = Body(_fields(required=True))
UPDATE = Body(_fields(required=False))


def _owner() -> Owner:
    token = g.api_token
    assert token.principal_id is not None
    if token.principal == PrincipalKind.STOREFRONT:
        return Owner.storefront(token.principal_id)
    return Owner.isv(token.principal_id)


def _endpoint(endpoint_id: int) -> Endpoint:
    try:
        row = services.endpoint(_owner(), endpoint_id)
    except WebhookNotFound:
        raise not_found("webhook endpoint") from None
    g.api_target = row
    return row


def _delivery(endpoint: Endpoint, delivery_id: int) -> Delivery:
    try:
        row = services.delivery(_owner(), delivery_id)
    except WebhookNotFound:
        raise not_found("delivery") from None
    if row.endpoint_id != endpoint.id:
        raise not_found("delivery")
    g.api_target = row
    return row


def _refused(error: WebhookError) -> ApiError:
    return ApiError(422, "invalid", str(error), error.field)


def _endpoint_body(row: Endpoint) -> dict[str, Any]:
    writer = g.api_token.scope == TokenScope.READ_WRITE
    return {
        "id": row.id,
        "url": row.url,
        "description": row.description,
        "events": list(row.events),
        "active": row.active,
        "secret": row.secret if writer else None,
        "created_at": moment(row.created_at),
        "updated_at": moment(row.updated_at),
    }


def _delivery_body(row: Delivery) -> dict[str, Any]:
    return {
        "id": row.id,
        "delivery_id": row.public_id,
        "endpoint_id": row.endpoint_id,
        "event_id": row.event_id,
        "event_type": row.event_type,
        "payload": row.payload,
        "status": row.status.value,
        "attempts": row.attempts,
        "next_attempt_at": moment(row.next_attempt_at),
        "last_attempt_at": moment(row.last_attempt_at),
        "last_status_code": row.last_status_code,
        "last_response": row.last_response,
        "created_at": moment(row.created_at),
        "delivered_at": moment(row.delivered_at),
    }


@registry.route(
    "GET",
    "/webhooks",
    summary="List your webhook endpoints",
    tag="webhooks",
    principals=OWNERS,
    response=page_of(ENDPOINT),
    params=PAGE_PARAMS,
)
def list_webhooks() -> dict[str, Any]:
    owner = _owner()
    model = owner.endpoint_model
    page = page_request()
    query = paginate(select(model).where(owner.owns(model)), model.created_at, model.id, page)
    rows = list(db.session.scalars(query))
    return page_body(rows, page, [_endpoint_body(row) for row in rows])


@registry.route(
    "POST",
    "/webhooks",
    summary="Add a webhook endpoint (its signing secret is in the answer)",
    tag="webhooks",
    principals=OWNERS,
    response=ENDPOINT,
    status=201,
    body=CREATE,
    creates=True,
)
def create_webhook() -> dict[str, Any]:
    data = g.api_body
    try:
        row = services.create_endpoint(
            _owner(),
            url=data["url"],
            events=data["events"],
            description=data.get("description", ""),
            active=data.get("active", True),
            actor=acting_user(g.api_token),
            surface=Surface.API,
        )
    except WebhookError as error:
        raise _refused(error) from None
    g.api_target = row
    return _endpoint_body(row)


@registry.route(
    "GET",
    "/webhooks/<int:endpoint_id>",
    summary="Read a webhook endpoint",
    tag="webhooks",
    principals=OWNERS,
    response=ENDPOINT,
)
def read_webhook(endpoint_id: int) -> dict[str, Any]:
    return _endpoint_body(_endpoint(endpoint_id))


@registry.route(
    "PATCH",
    "/webhooks/<int:endpoint_id>",
    summary="Change a webhook endpoint's URL, events, description or active flag",
    tag="webhooks",
    principals=OWNERS,
    response=ENDPOINT,
    body=UPDATE,
)
def update_webhook(endpoint_id: int) -> dict[str, Any]:
    row = _endpoint(endpoint_id)
    data = g.api_body
    try:
        services.update_endpoint(
            _owner(),
            row,
            url=data.get("url"),
            events=data.get("events"),
            description=data.get("description"),
            active=data.get("active"),
            actor=acting_user(g.api_token),
            surface=Surface.API,
        )
    except WebhookError as error:
        raise _refused(error) from None
    return _endpoint_body(row)


@registry.route(
    "DELETE",
    "/webhooks/<int:endpoint_id>",
    summary="Delete a webhook endpoint and its delivery log",
    tag="webhooks",
    principals=OWNERS,
    response=DELETED,
)
def delete_webhook(endpoint_id: int) -> dict[str, Any]:
    row = _endpoint(endpoint_id)
    g.api_target = g.api_token
    services.delete_endpoint(_owner(), row, actor=acting_user(g.api_token), surface=Surface.API)
    return {"deleted": True}


@registry.route(
    "POST",
    "/webhooks/<int:endpoint_id>/test",
    summary="Send a webhook.test event to the endpoint",
    tag="webhooks",
    principals=OWNERS,
    response=DELIVERY,
    status=202,
)
def test_webhook(endpoint_id: int) -> dict[str, Any]:
    row = _endpoint(endpoint_id)
    delivery = services.send_test_event(_owner(), row)
    return _delivery_body(delivery)


@registry.route(
    "GET",
    "/webhooks/<int:endpoint_id>/deliveries",
    summary="List an endpoint's deliveries with their last response",
    tag="webhooks",
    principals=OWNERS,
    response=page_of(DELIVERY),
    params=PAGE_PARAMS,
)
def list_webhook_deliveries(endpoint_id: int) -> dict[str, Any]:
    endpoint = _endpoint(endpoint_id)
    owner = _owner()
    model = owner.delivery_model
    page = page_request()
    query = select(model).where(owner.owns(model), model.endpoint_id == endpoint.id)
    rows = list(db.session.scalars(paginate(query, model.created_at, model.id, page)))
    return page_body(rows, page, [_delivery_body(row) for row in rows])


@registry.route(
    "GET",
    "/webhooks/<int:endpoint_id>/deliveries/<int:delivery_id>",
    summary="Read a delivery",
    tag="webhooks",
    principals=OWNERS,
    response=DELIVERY,
)
def read_webhook_delivery(endpoint_id: int, delivery_id: int) -> dict[str, Any]:
    return _delivery_body(_delivery(_endpoint(endpoint_id), delivery_id))


@registry.route(
    "POST",
    "/webhooks/<int:endpoint_id>/deliveries/<int:delivery_id>/redeliver",
    summary="Send a delivery again now (same event id), with a fresh retry schedule",
    tag="webhooks",
    principals=OWNERS,
    response=DELIVERY,
    status=202,
)
def redeliver_webhook_delivery(endpoint_id: int, delivery_id: int) -> dict[str, Any]:
    delivery = _delivery(_endpoint(endpoint_id), delivery_id)
    services.redeliver(_owner(), delivery, actor=acting_user(g.api_token), surface=Surface.API)
    return _delivery_body(delivery)
