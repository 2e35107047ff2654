"""`flask api-token create|revoke`: tokens from the command line (the dashboards have pages too)."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

from storefront.api.models import TokenScope
from storefront.api.tokens import TokenError, issue_token, parse_principal, revoke_token
from storefront.audit.models import Surface
from storefront.extensions import db

api_token = AppGroup("api-token", help="Create and revoke API tokens.")


@api_token.command("create")
@click.option(
    "--principal",
    required=True,
    help="storefront:<slug>, isv:<slug>, operator:<slug> or platform",
)
@click.option("--scope", type=click.Choice([s.value for s in TokenScope]), required=True)
@click.option("--name", required=True, help="What the token is for, e.g. the integration.")
def create_command(principal: str, scope: str, name: str) -> None:
    """Create a token and print it once (only its hash is kept)."""
    try:
        kind, principal_id = parse_principal(principal)
        token, secret = issue_token(
            name=name,
            principal=kind,
            principal_id=principal_id,
            scope=TokenScope(scope),
            created_by=None,
            surface=Surface.SYSTEM,
        )
    except TokenError as error:
        raise click.ClickException(str(error)) from None
    db.session.commit()
    click.echo(f"API token {token.id} ({token.name}), shown only this once:")
    click.echo(secret)


@api_token.command("revoke")
@click.argument("token_id", type=int)
def revoke_command(token_id: int) -> None:
    """Revoke a token: requests with it get 401 from now on."""
    try:
        token = revoke_token(token_id, None, Surface.SYSTEM)
    except TokenError as error:
        raise click.ClickException(str(error)) from None
    db.session.commit()
    click.echo(f"API token {token.id} ({token.name}) is revoked.")


def init_app(app: Flask) -> None:
    app.cli.add_command(api_token)
