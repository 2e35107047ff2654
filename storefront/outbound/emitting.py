"""Recording events for delivery inside the caller's transaction, and handing the new
deliveries to the sender once that transaction has committed."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from flask import after_this_request, current_app, has_app_context, has_request_context
from flask.typing import ResponseReturnValue
from sqlalchemy import event, select
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import Mapper, Session, SessionTransaction, object_session
from werkzeug.wrappers import Response

from storefront.extensions import db
from storefront.outbound.models import (
    IsvWebhookDelivery,
    IsvWebhookEndpoint,
    OwnerKind,
    StorefrontWebhookDelivery,
    StorefrontWebhookEndpoint,
)
from storefront.tenants.scope import all_tenants, tenant_scope
from storefront.timeutil import utcnow

log = logging.getLogger(__name__)

_QUEUED = "outbound_deliveries"  # session.info key: (kind, id) of deliveries to send
_ENDPOINTS = "outbound_endpoints"  # session.info key: active endpoints read by this transaction
_Endpoint = TypeVar("_Endpoint", StorefrontWebhookEndpoint, IsvWebhookEndpoint)
_ENDPOINT_MODELS = (StorefrontWebhookEndpoint, IsvWebhookEndpoint)


def new_event_id() -> str:
    return f"evt_{secrets.token_urlsafe(18)}"


def new_delivery_id() -> str:
    return f"dlv_{secrets.token_urlsafe(18)}"


def emit(
    event_type: str,
    data: dict[str, Any] | Callable[[], dict[str, Any]],
    *,
    storefront_id: int | None,
    isv_id: int | None = None,
) -> None:
    """Record `event_type` with `data` for every active endpoint that wants it: the
    storefront's (when `storefront_id` is set; never for `provisioning.*`) and the ISV's (when
    `isv_id` is set). Runs in the caller's transaction, which the caller commits; nothing is
    sent before that commit, and sending never blocks or rolls it back. `data` goes as is to
    every recipient: give each owner only its own data (call once per owner if they differ).
    As a callable, `data` is built only when some endpoint wants the event."""
    storefront_endpoints: list[StorefrontWebhookEndpoint] = []
    if storefront_id is not None and not event_type.startswith("provisioning."):
        storefront_endpoints = [
            endpoint
            for endpoint in _active_endpoints(StorefrontWebhookEndpoint, storefront_id)
            if endpoint.wants(event_type)
        ]
    isv_endpoints: list[IsvWebhookEndpoint] = []
    if isv_id is not None:
        isv_endpoints = [
            endpoint
            for endpoint in _active_endpoints(IsvWebhookEndpoint, isv_id)
            if endpoint.wants(event_type)
        ]
    if not storefront_endpoints and not isv_endpoints:
        return
    created = utcnow()
    event_id = new_event_id()
    payload = data() if callable(data) else data
    body = {"id": event_id, "type": event_type, "created": created.isoformat(), "data": payload}
    if storefront_endpoints and storefront_id is not None:
        with tenant_scope(storefront_id):
            for endpoint in storefront_endpoints:
                db.session.add(
                    StorefrontWebhookDelivery(
                        storefront_id=storefront_id,
                        endpoint_id=endpoint.id,
                        **delivery_fields(event_id, event_type, body, created),
                    )
                )
            db.session.flush()
    for isv_endpoint in isv_endpoints:
        db.session.add(
            IsvWebhookDelivery(
                isv_id=isv_id,
                endpoint_id=isv_endpoint.id,
                **delivery_fields(event_id, event_type, body, created),
            )
        )


def _active_endpoints(model: type[_Endpoint], owner_id: int) -> list[_Endpoint]:
    """The owner's active endpoints, read once per transaction: a payment emits several
    events to the same owners. Forgotten when the transaction ends or an endpoint is added,
    changed or deleted (`_forget_endpoints_of`, `_forget_endpoints_on_attach`, and here for
    a deletion not flushed yet)."""
    session = db.session()
    if any(isinstance(obj, _ENDPOINT_MODELS) for obj in session.deleted):
        session.info.pop(_ENDPOINTS, None)
    if (model, owner_id) not in session.info.get(_ENDPOINTS, {}):
        store = model is StorefrontWebhookEndpoint
        read_endpoints([owner_id] if store else [], [] if store else [owner_id])
    endpoints: list[_Endpoint] = session.info[_ENDPOINTS][(model, owner_id)]
    return endpoints


def read_endpoints(storefront_ids: Iterable[int], isv_ids: Iterable[int]) -> None:
    """Read the active endpoints of these storefronts and ISVs for this transaction, in a
    statement per kind of owner (none for owners read already): a caller about to emit
    events to many owners (a batch of renewals) reads them all at once, and `emit` then asks
    the database nothing of its own. Only endpoints not written yet can change what the
    statements find, so only they are flushed first: the rest of the caller's changes (an
    order being paid, its postings) wait for its own flush."""
    session = db.session()
    pending = (*session.new, *session.dirty, *session.deleted)
    if any(isinstance(obj, _ENDPOINT_MODELS) for obj in pending):
        session.flush()
    known: dict[tuple[type, int], list[Any]] = session.info.setdefault(_ENDPOINTS, {})
    stores = {owner for owner in storefront_ids if (StorefrontWebhookEndpoint, owner) not in known}
    isvs = {owner for owner in isv_ids if (IsvWebhookEndpoint, owner) not in known}
    found: dict[tuple[type, int], list[Any]] = {}
    with session.no_autoflush:
        if stores:
            with all_tenants():  # each storefront's own rows, by the owner filter
                for endpoint in session.scalars(
                    select(StorefrontWebhookEndpoint).where(
                        StorefrontWebhookEndpoint.storefront_id.in_(stores),
                        StorefrontWebhookEndpoint.active.is_(True),
                    )
                ):
                    found.setdefault(
                        (StorefrontWebhookEndpoint, endpoint.storefront_id), []
                    ).append(endpoint)
        if isvs:
            for isv_endpoint in session.scalars(
                select(IsvWebhookEndpoint).where(
                    IsvWebhookEndpoint.isv_id.in_(isvs), IsvWebhookEndpoint.active.is_(True)
                )
            ):
                found.setdefault((IsvWebhookEndpoint, isv_endpoint.isv_id), []).append(
                    isv_endpoint
                )
    for model, owners in ((StorefrontWebhookEndpoint, stores), (IsvWebhookEndpoint, isvs)):
        for owner in owners:
            known[(model, owner)] = found.get((model, owner), [])


def _forget_endpoints_on_change(session: Session, *_args: Any) -> None:
    if _ENDPOINTS in session.info and any(
        isinstance(obj, _ENDPOINT_MODELS)
        for obj in (*session.new, *session.dirty, *session.deleted)
    ):
        session.info.pop(_ENDPOINTS, None)


def _forget_endpoints_on_attach(session: Session, instance: object) -> None:
    """An endpoint joins the session (a new one, or one merged in)."""
    if isinstance(instance, _ENDPOINT_MODELS):
        session.info.pop(_ENDPOINTS, None)


def _forget_endpoints_of(endpoint: object, *_args: Any) -> None:
    """An attribute of an endpoint was set (or flagged modified): its session's lists of
    active endpoints may be wrong now."""
    session = object_session(endpoint)
    if session is not None:
        session.info.pop(_ENDPOINTS, None)


def _forget_endpoints(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None or transaction.nested:  # not a flush's own subtransaction
        session.info.pop(_ENDPOINTS, None)


def delivery_fields(
    event_id: str, event_type: str, body: dict[str, Any], created: Any
) -> dict[str, Any]:
    return {
        "public_id": new_delivery_id(),
        "event_id": event_id,
        "event_type": event_type,
        "payload": body,
        "attempts": 0,
        "next_attempt_at": created,
        "created_at": created,
    }


def send_after_commit(session: Session, kind: OwnerKind, delivery_id: int) -> None:
    """Have an existing delivery sent once the session's transaction commits (redeliver)."""
    session.info.setdefault(_QUEUED, []).append((kind.value, delivery_id))


def _collect_new(session: Session, _context: Any) -> None:
    for obj in session.new:
        if isinstance(obj, StorefrontWebhookDelivery):
            send_after_commit(session, OwnerKind.STOREFRONT, obj.id)
        elif isinstance(obj, IsvWebhookDelivery):
            send_after_commit(session, OwnerKind.ISV, obj.id)


def _forget(session: Session, *_args: Any) -> None:
    session.info.pop(_QUEUED, None)


def _dispatch_committed(session: Session) -> None:
    queued: list[tuple[str, int]] = session.info.pop(_QUEUED, [])
    if queued and has_app_context():
        dispatch(queued)


def dispatch(queued: list[tuple[str, int]]) -> None:
    """Send committed deliveries: through the job queue with Redis; without it, inline.

    Inline inside a web request, the sends wait until the response has gone out
    (`call_on_close`): the buyer whose payment emitted `order.paid` must never wait on a
    reseller's slow or dead receiver, and a receiver can never fail the request. They then
    use the short `OUTBOUND_INLINE_TIMEOUT`, since they still hold a server worker; whatever
    fails is retried by `flask deliver` (cron). Outside a request (CLI, a job) they are sent
    at once. Failing to queue is logged, never raised: the rows are committed and `flask
    deliver` finds them."""
    from storefront.jobs import enqueue
    from storefront.outbound.sender import send_delivery, send_inline

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if app.config.get("REDIS_URL"):
        for kind, delivery_id in queued:
            try:
                enqueue(send_delivery, kind, delivery_id)
            except Exception:  # the cron run picks the delivery up
                log.exception("could not queue webhook delivery %s %s", kind, delivery_id)
        return
    if has_request_context():

        @after_this_request
        def _send_after_response(response: Response) -> ResponseReturnValue:
            response.call_on_close(lambda: send_inline(app, queued))
            return response

        return
    send_inline(app, queued)


def install(session_class: Any = Session) -> None:
    """Attach the hooks that pass committed deliveries to the sender."""
    hooks = (
        ("after_flush", _collect_new),
        ("after_commit", _dispatch_committed),
        ("after_rollback", _forget),
        ("before_flush", _forget_endpoints_on_change),
        ("after_transaction_end", _forget_endpoints),
    )
    for name, hook in (*hooks, ("before_attach", _forget_endpoints_on_attach)):
        if not event.contains(session_class, name, hook):
            event.listen(session_class, name, hook)
    for model in _ENDPOINT_MODELS:
        mapper: Mapper[Any] = sa_inspect(model)
        for column in mapper.column_attrs:
            attribute = getattr(model, column.key)
            for name in ("set", "modified"):
                if not event.contains(attribute, name, _forget_endpoints_of):
                    event.listen(attribute, name, _forget_endpoints_of)
