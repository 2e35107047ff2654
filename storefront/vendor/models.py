"""Models of the vendor package (imported by storefront.models so Alembic sees them)."""
