"""Audit entries are written with the change they record and never altered."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from storefront.accounts.models import Role
from storefront.audit.models import AuditEntry, Surface
from storefront.audit.services import AuditImmutable, record, snapshot
from storefront.extensions import db
from tests import factories

pytestmark = pytest.mark.usefixtures("app_context")


def test_a_change_and_its_entry_commit_together_or_not_at_all() -> None:
    admin = factories.user(Role.PLATFORM_ADMIN)
    store = factories.storefront(commission_rate_bp=2500)
    db.session.commit()
    before = snapshot(store, ["commission_rate_bp", "is_opted_in"])
    store.commission_rate_bp = 3000
    record(
        actor=admin,
        surface=Surface.CONSOLE,
        action="storefront.commission",
        target=store,
        before=before,
        after=snapshot(store, ["commission_rate_bp", "is_opted_in"]),
        storefront_id=store.id,
    )
    db.session.rollback()
    assert db.session.scalars(select(AuditEntry)).all() == []

    store.commission_rate_bp = 3000
    record(
        actor=admin,
        surface=Surface.CONSOLE,
        action="storefront.commission",
        target=store,
        before=before,
        after={"commission_rate_bp": 3000},
        storefront_id=store.id,
    )
    db.session.commit()
    entry = db.session.scalars(select(AuditEntry)).one()
    assert (entry.actor_email, entry.target_type, entry.target_id) == (
        admin.email,
        "storefronts",
        store.id,
    )
    assert entry.before == {"commission_rate_bp": 2500, "is_opted_in": True}
    assert entry.after == {"commission_rate_bp": 3000}


def test_entries_cannot_be_changed_or_deleted() -> None:
    store = factories.storefront()
    entry = record(actor=None, surface=Surface.SYSTEM, action="storefront.create", target=store)
    db.session.commit()
    entry.action = "rewritten"
    with pytest.raises(AuditImmutable):
        db.session.flush()
    db.session.rollback()
    db.session.delete(entry)
    with pytest.raises(AuditImmutable):
        db.session.flush()
    db.session.rollback()
