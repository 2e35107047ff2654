"""`flask --app storefront deliver`: make every due webhook attempt (run it from cron)."""

from __future__ import annotations

from datetime import timedelta

import click
from flask import current_app

from storefront.outbound.sender import deliver_due, prune


@click.command("deliver")
@click.option("--limit", default=500, show_default=True, help="Attempts to make at most.")
def deliver_command(limit: int) -> None:
    """Send due webhook deliveries and retries (safe to run on several machines at once), and
    forget finished deliveries older than OUTBOUND_KEEP_DAYS."""
    made = deliver_due(limit)
    click.echo(f"{made} webhook attempt(s) made")
    removed = prune(timedelta(days=int(current_app.config["OUTBOUND_KEEP_DAYS"])))
    if removed:
        click.echo(f"{removed} finished delivery(ies) older than OUTBOUND_KEEP_DAYS removed")
