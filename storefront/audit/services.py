"""Recording administrative changes. `record` never commits: the caller's transaction writes
the change and its audit entry together, or neither."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from storefront.accounts.models import User
from storefront.audit.models import AuditEntry, Surface
from storefront.extensions import db


class AuditImmutable(RuntimeError):
    """Audit entries are never updated or deleted."""


def snapshot(obj: Any, fields: Iterable[str]) -> dict[str, Any]:
    """The named attributes of a model as JSON-safe values, for `before`/`after`."""
    return {name: _json_safe(getattr(obj, name)) for name in fields}


def record(
    *,
    actor: User | None,
    surface: Surface,
    action: str,
    target: Any,
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
    storefront_id: int | None = None,
) -> AuditEntry:
    """Add an audit entry for a change to `target` (a model instance) in this transaction."""
    state = inspect(target, raiseerr=False)
    identity = state.identity if state is not None else None
    entry = AuditEntry(
        surface=surface,
        actor_id=actor.id if actor is not None else None,
        actor_email=actor.email if actor is not None else "",
        storefront_id=storefront_id,
        action=action,
        target_type=getattr(type(target), "__tablename__", type(target).__name__),
        target_id=identity[0] if identity else getattr(target, "id", None),
        before={k: _json_safe(v) for k, v in before.items()} if before is not None else None,
        after={k: _json_safe(v) for k, v in after.items()} if after is not None else None,
    )
    db.session.add(entry)
    return entry


def _json_safe(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, list | tuple):
        return [_json_safe(item) for item in value]
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    return value


def _refuse_changes(session: Session, _context: Any, _instances: Any) -> None:
    for obj in session.deleted:
        if isinstance(obj, AuditEntry):
            raise AuditImmutable("audit entries are never deleted")
    for obj in session.dirty:
        if isinstance(obj, AuditEntry) and session.is_modified(obj):
            raise AuditImmutable("audit entries are never changed")


def install_append_only_guard() -> None:
    if not event.contains(Session, "before_flush", _refuse_changes):
        event.listen(Session, "before_flush", _refuse_changes)
