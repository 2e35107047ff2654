"""Command-line tasks: `flask --app storefront <command>`."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask, current_app

from storefront.extensions import db
from storefront.tenants.scope import all_tenants


@click.command("demo-data")
@click.option("--reset", is_flag=True, help="Delete every row first, then load the demo.")
def demo_data_command(reset: bool) -> None:
    """Load the demo marketplace (skipped when it is already there)."""
    from storefront.demo.data import demo_loaded, load_demo

    with all_tenants():
        if reset:
            for table in reversed(db.metadata.sorted_tables):
                db.session.execute(table.delete())
        elif demo_loaded():
            click.echo("Demo data is already loaded (use --reset to start over).")
            return
        load_demo(Path(current_app.instance_path) / "uploads")
        db.session.commit()
    click.echo("Demo data loaded.")


@click.command("two-factor-code")
@click.argument("email")
def two_factor_code_command(email: str) -> None:
    """Print an account's current two-factor code (development installations only: stands in
    for the authenticator app when trying the demo)."""
    from sqlalchemy import select

    from storefront.accounts.models import User
    from storefront.accounts.totp import code_at, current_step

    if current_app.config["STOREFRONT_ENV"] == "production":
        raise click.ClickException("not available in production")
    secret = db.session.scalar(
        select(User.totp_secret).where(User.email == email.lower(), User.storefront_id.is_(None))
    )
    if not secret:
        raise click.ClickException(f"{email} has no two-factor sign-in")
    click.echo(code_at(secret, current_step()))


def init_app(app: Flask) -> None:
    from storefront.jobs import init_app as init_jobs

    init_jobs(app)
    app.cli.add_command(demo_data_command)
    app.cli.add_command(two_factor_code_command)
