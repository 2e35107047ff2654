"""Subscriptions: recurring plans renewed by our own engine over Stripe PaymentIntents,
dunning, price changes after notice, and license keys."""

from __future__ import annotations

from datetime import datetime

import click
from flask import Flask, current_app

from storefront.tenants.scope import all_tenants
from storefront.timeutil import utcnow


@click.command("renew")
@click.option(
    "--at",
    "at",
    default=None,
    help="The moment to renew for (ISO 8601, UTC when no offset is given); default: now.",
)
def renew_command(at: str | None) -> None:
    """Renew, retry, suspend and cancel the subscriptions due (cron). With REDIS_URL set the
    work is queued for `flask --app storefront worker`; otherwise it runs here."""
    from storefront.payments import gateway
    from storefront.subscriptions.periods import aware
    from storefront.subscriptions.services import renew_due, schedule_renewals

    try:
        moment = aware(datetime.fromisoformat(at)) if at else utcnow()
    except ValueError:
        raise click.BadParameter("not an ISO 8601 date and time", param_hint="--at") from None
    with all_tenants():
        if current_app.config.get("REDIS_URL"):
            queued = schedule_renewals(moment)
            click.echo(f"{queued} subscriptions queued for renewal at {moment.isoformat()}")
            return
        summary = renew_due(moment, gateway.provider())
    click.echo(summary.summary())


def init_app(app: Flask) -> None:
    from storefront.subscriptions.price_changes import install
    from storefront.subscriptions.reports import bp as reports_bp
    from storefront.subscriptions.views import bp

    install()
    app.register_blueprint(bp)
    app.register_blueprint(reports_bp)
    app.cli.add_command(renew_command)
