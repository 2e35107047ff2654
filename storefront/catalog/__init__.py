"""Catalog: ISVs' offers and plans, and what each storefront lists."""
