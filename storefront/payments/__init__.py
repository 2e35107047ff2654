"""Payments: card charges through a payment provider (Stripe), refunds and provider webhooks."""
