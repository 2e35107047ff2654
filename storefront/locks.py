"""Row locks of the current transaction, each taken once.

`lock(Model, id)` reads the row FOR UPDATE (PostgreSQL; SQLite serialises writers) with its
attributes re-read from the database. The session remembers what it has locked until its
transaction ends (commit, rollback or a savepoint's end), so a second `lock` of the same row
in the same transaction is answered from the session: the row cannot have changed meanwhile,
because this transaction holds it. The payment pipeline locks the same payment, order and
subscription from several places (the caller before it charges, `apply_result`, the renewal's
next period); each is read from the database once.
"""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import event, inspect, select
from sqlalchemy.orm import Session, SessionTransaction

from storefront.extensions import db

# session.info: {(model, id): row} locked in the current transaction; holding the rows keeps
# them in the session's (weak) identity map, so a second `lock` is answered without a query
_KEY = "locked_rows"
_FOUND = "found_with_locked_rows"  # session.info: {(model, column, value): row or None}

Row = TypeVar("Row")


def is_held(model: type[Any], row_id: int) -> bool:
    """Whether this transaction has locked the row already."""
    return (model, row_id) in db.session.info.get(_KEY, ())


def lock(model: type[Row], row_id: int) -> Row | None:
    """The row, locked for this transaction and freshly read; None when it does not exist
    (or is not visible in the tenant scope)."""
    if is_held(model, row_id):
        return db.session.get(model, row_id)
    statement: Any = select(model).where(model.id == row_id)  # type: ignore[attr-defined]
    row: Row | None = db.session.scalar(
        statement.with_for_update().execution_options(populate_existing=True)
    )
    if row is not None:
        held_rows(row)
    return row


def lock_with(model: type[Any], row_id: int, *others: Any) -> tuple[Any, ...] | None:
    """`model`'s row and, joined to it in the same statement, the rows of `others` (pairs of
    model and join condition), all locked and freshly read: one round trip for rows that are
    locked together; None when there is no such row."""
    statement = select(model, *(other for other, _ in others)).select_from(model)
    for other, condition in others:
        statement = statement.join(other, condition)
    found = db.session.execute(
        statement.where(model.id == row_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).first()
    if found is None:
        return None
    held_rows(*found)
    return tuple(found)


def held_rows(*rows: Any) -> None:
    """Record rows this transaction has just locked (read FOR UPDATE, populate_existing)."""
    held = db.session.info.setdefault(_KEY, {})
    for row in rows:
        held[(type(row), inspect(row).identity[0])] = row


def remember(model: type[Any], column: str, value: Any, row: Any) -> None:
    """Record what this transaction read of `model` where `column` is `value` (None: no such
    row), together with rows it locked that settle it (a renewal of a locked order: an
    order's renewal is made with the order, never after): `recall` answers it until the
    transaction ends."""
    db.session.info.setdefault(_FOUND, {})[(model, column, value)] = row


def recall(model: type[Row], column: str, value: Any) -> tuple[bool, Row | None]:
    """(True, the row or None) when this transaction `remember`ed it; (False, None) when
    it must be read."""
    found = db.session.info.get(_FOUND, {})
    key = (model, column, value)
    return (True, found[key]) if key in found else (False, None)


def _forget(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None or transaction.nested:  # not a flush's own subtransaction
        session.info.pop(_KEY, None)
        session.info.pop(_FOUND, None)


def install(session_class: Any = Session) -> None:
    """Forget the locks of a session's transaction when it (or a savepoint in it) ends."""
    if not event.contains(session_class, "after_transaction_end", _forget):
        event.listen(session_class, "after_transaction_end", _forget)
