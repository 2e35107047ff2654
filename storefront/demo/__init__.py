"""Demo data: a small marketplace where every listing rule can be seen at work."""
