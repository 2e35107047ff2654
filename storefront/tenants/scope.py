"""Tenant scoping of queries, in the data layer, failing closed.

Every model that belongs to one storefront carries `TenantOwned`. A SELECT that
touches such a model gets `storefront_id = <current tenant>` added to it; with no
tenant set it raises instead of returning every tenant's rows. Code that works
across tenants on purpose (operator console, CLI, demo data) says so with
`all_tenants()`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from flask import current_app, has_app_context
from sqlalchemy import ForeignKey, event, false, text
from sqlalchemy.orm import (
    Mapped,
    ORMExecuteState,
    Session,
    declared_attr,
    mapped_column,
    with_loader_criteria,
)

_current_tenant: ContextVar[int | None] = ContextVar("current_tenant", default=None)
_cross_tenant: ContextVar[bool] = ContextVar("cross_tenant", default=False)


class TenantScopeError(RuntimeError):
    """A tenant-owned table was queried with no tenant in scope."""


class TenantOwned:
    """Mixin for rows that belong to exactly one storefront."""

    @declared_attr
    def storefront_id(cls) -> Mapped[int]:
        return mapped_column(ForeignKey("storefronts.id", ondelete="CASCADE"), index=True)


def current_tenant() -> int | None:
    return _current_tenant.get()


@contextmanager
def tenant_scope(storefront_id: int) -> Iterator[None]:
    """Run the block with queries limited to one storefront. Inside a request bound to
    another storefront this refuses: no code path can switch tenants mid-request."""
    bound = _current_tenant.get()
    if bound is not None and bound != storefront_id:
        raise TenantScopeError(f"storefront {storefront_id} requested inside storefront {bound}")
    token = _current_tenant.set(storefront_id)
    try:
        yield
    finally:
        _current_tenant.reset(token)


@contextmanager
def all_tenants() -> Iterator[None]:
    """Run the block with tenant-owned rows of every storefront visible (platform work).
    A `tenant_scope` inside it still limits its own block to that one storefront."""
    token = _cross_tenant.set(True)
    try:
        yield
    finally:
        _cross_tenant.reset(token)


def set_request_tenant(storefront_id: int | None) -> None:
    """Bind the tenant for the rest of a request (reset by `clear_request_tenant`)."""
    _current_tenant.set(storefront_id)


def clear_request_tenant() -> None:
    _current_tenant.set(None)
    _cross_tenant.set(False)


_SET_TENANT = text(
    "SELECT set_config('storefront.tenant', :tenant, true),"
    " set_config('storefront.cross_tenant', :cross, true)"
)


def _share_scope_with_database(session: Session) -> None:
    """Tell PostgreSQL the tenant in scope (transaction-local settings read by the row-level
    security policies), once per transaction and whenever the scope changes."""
    if not (has_app_context() and current_app.config.get("DATABASE_ROW_SECURITY")):
        return
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        return
    wanted = (str(_current_tenant.get() or ""), "on" if _cross_tenant.get() else "off")
    if session.info.get("row_security_scope") != wanted:
        connection.execute(_SET_TENANT, {"tenant": wanted[0], "cross": wanted[1]})
        session.info["row_security_scope"] = wanted


def _forget_database_scope(session: Session, *_args: Any) -> None:
    session.info.pop("row_security_scope", None)  # set_config(..., true) ends with the transaction


def _touches_tenant_owned(state: ORMExecuteState) -> bool:
    return any(
        isinstance(mapper.class_, type) and issubclass(mapper.class_, TenantOwned)
        for mapper in state.all_mappers
    )


def _scope_select(state: ORMExecuteState) -> None:
    _share_scope_with_database(state.session)
    if not state.is_select or state.is_column_load or state.is_relationship_load:
        return
    tenant = _current_tenant.get()
    if tenant is None and _cross_tenant.get():
        return
    if tenant is None:
        if _touches_tenant_owned(state):
            raise TenantScopeError("query on tenant-owned data with no storefront in scope")
        # A tenant-owned table reached only through a join still yields nothing.
        criteria = with_loader_criteria(TenantOwned, lambda cls: false(), include_aliases=True)
    else:
        criteria = with_loader_criteria(
            TenantOwned, lambda cls: cls.storefront_id == tenant, include_aliases=True
        )
    state.statement = state.statement.options(criteria)


def _refuse_foreign_rows(session: Session, _context: Any, _instances: Any) -> None:
    """Inside a storefront's scope, no row of another storefront may be written."""
    _share_scope_with_database(session)
    tenant = _current_tenant.get()
    if tenant is None:
        return
    for obj in (*session.new, *session.dirty):
        if isinstance(obj, TenantOwned) and obj.storefront_id != tenant:
            raise TenantScopeError(
                f"{type(obj).__name__} of storefront {obj.storefront_id} in {tenant}'s scope"
            )


def install(session_class: Any = Session) -> None:
    """Attach the scoping hooks to every ORM session."""
    for name in ("after_begin", "after_commit", "after_rollback"):
        if not event.contains(session_class, name, _forget_database_scope):
            event.listen(session_class, name, _forget_database_scope)
    if not event.contains(session_class, "do_orm_execute", _scope_select):
        event.listen(session_class, "do_orm_execute", _scope_select)
    if not event.contains(session_class, "before_flush", _refuse_foreign_rows):
        event.listen(session_class, "before_flush", _refuse_foreign_rows)
