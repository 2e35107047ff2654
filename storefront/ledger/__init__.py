"""The double-entry ledger: every money movement, balanced per currency, append-only."""
