"""Payments: card charges through a payment provider (Stripe), refunds and provider webhooks."""

from __future__ import annotations

from datetime import timedelta

import click
from flask import Flask

from storefront.extensions import db
from storefront.tenants.scope import all_tenants


@click.command("reconcile")
@click.option("--older-than-minutes", default=15, show_default=True, type=int)
def reconcile_command(older_than_minutes: int) -> None:
    """Complete or fail payments left unfinished, from the payment provider's state."""
    from storefront.payments import gateway
    from storefront.payments.services import reconcile

    with all_tenants():
        outcome = reconcile(gateway.provider(), timedelta(minutes=older_than_minutes))
        db.session.commit()
        for payment in outcome.paid:
            gateway.after_paid(payment)
    click.echo(outcome.summary())


def init_app(app: Flask) -> None:
    from storefront.payments.webhooks import bp

    app.register_blueprint(bp)
    app.cli.add_command(reconcile_command)
