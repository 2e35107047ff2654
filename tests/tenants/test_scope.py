"""Tenant-owned rows are scoped by the data layer and fail closed without a tenant."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from storefront.catalog.models import Listing, Offer
from storefront.extensions import db
from storefront.tenants.scope import TenantScopeError, all_tenants, tenant_scope
from tests import factories

pytestmark = pytest.mark.usefixtures("app_context")


@pytest.fixture
def two_stores():  # type: ignore[no-untyped-def]
    first, second = factories.storefront(), factories.storefront()
    shared = factories.offer()
    factories.listing(first, shared)
    factories.listing(second, shared)
    factories.listing(second, factories.offer())
    db.session.commit()
    return first, second


def test_query_without_tenant_raises(two_stores) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(TenantScopeError):
        db.session.scalars(select(Listing)).all()


def test_query_in_scope_sees_only_that_tenant(two_stores) -> None:  # type: ignore[no-untyped-def]
    first, second = two_stores
    with tenant_scope(first.id):
        assert {row.storefront_id for row in db.session.scalars(select(Listing))} == {first.id}
        # an explicit filter for another tenant cannot widen the scope
        assert (
            db.session.scalars(select(Listing).where(Listing.storefront_id == second.id)).all()
            == []
        )
    with tenant_scope(second.id):
        assert db.session.scalar(select(func.count(Listing.id))) == 2


def test_join_to_tenant_data_without_tenant_yields_nothing(two_stores) -> None:  # type: ignore[no-untyped-def]
    joined = select(Offer.id).join(Listing, Listing.offer_id == Offer.id)
    assert db.session.scalars(joined).all() == []
    with all_tenants():
        assert len(db.session.scalars(joined).all()) == 3


def test_scope_cannot_switch_tenant(two_stores) -> None:  # type: ignore[no-untyped-def]
    first, second = two_stores
    with tenant_scope(first.id), pytest.raises(TenantScopeError), tenant_scope(second.id):
        pass


def test_platform_work_sees_every_tenant(two_stores) -> None:  # type: ignore[no-untyped-def]
    with all_tenants():
        assert db.session.scalar(select(func.count(Listing.id))) == 3


def test_tenant_scope_inside_platform_work_still_limits_its_block(two_stores) -> None:  # type: ignore[no-untyped-def]
    first, _second = two_stores
    with all_tenants():
        with tenant_scope(first.id):
            assert db.session.scalar(select(func.count(Listing.id))) == 1
        assert db.session.scalar(select(func.count(Listing.id))) == 3


def test_picking_for_several_stores_in_platform_work_keeps_them_apart() -> None:
    from storefront.catalog.services import select_offer

    first, second = factories.storefront(), factories.storefront()
    offer = factories.offer()
    with all_tenants():
        a, b = select_offer(first, offer), select_offer(second, offer)
        assert (a.storefront_id, b.storefront_id) == (first.id, second.id)
        assert db.session.scalar(select(func.count(Listing.id))) == 2


def _tenant_owned_models() -> list[type]:
    from storefront.extensions import db as database
    from storefront.tenants.scope import TenantOwned

    return sorted(
        (
            mapper.class_
            for mapper in database.Model.registry.mappers
            if issubclass(mapper.class_, TenantOwned)
        ),
        key=lambda cls: cls.__name__,
    )


def test_every_tenant_owned_model_is_guarded(two_stores) -> None:  # type: ignore[no-untyped-def]
    """Walk every tenant-owned model: reading without a tenant raises, and writing a row of
    another storefront inside a storefront's scope is refused before it reaches the database."""
    first, second = two_stores
    models = _tenant_owned_models()
    assert len(models) >= 6  # listings, prices, domains, orders, lines, payments, refunds...
    for model in models:
        with pytest.raises(TenantScopeError):
            db.session.scalars(select(model)).all()
        with tenant_scope(first.id):
            db.session.scalars(select(model)).all()  # allowed
            db.session.add(model(storefront_id=second.id))
            with pytest.raises(TenantScopeError):
                db.session.flush()
        db.session.rollback()
