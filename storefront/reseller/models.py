"""Models of the reseller package (imported by storefront.models so Alembic sees them)."""
