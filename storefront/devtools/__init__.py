"""Tools for running the marketplace on one machine: demo server and the local Stripe."""
