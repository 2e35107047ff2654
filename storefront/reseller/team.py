"""Inviting more reseller admins: a single-use, expiring link e-mailed to the invitee. The
database keeps only the token's SHA-256, so a leaked backup opens no account."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flask import render_template
from flask_babel import gettext
from sqlalchemy import select

from storefront.accounts.models import Role, User
from storefront.accounts.services import AccountExists, create_user, normalise_email
from storefront.audit.models import Surface
from storefront.audit.services import record
from storefront.errors import DomainError
from storefront.extensions import db
from storefront.mail import send_mail
from storefront.reseller.models import ResellerInvitation
from storefront.tenants.models import Storefront
from storefront.tenants.scope import tenant_scope
from storefront.timeutil import utcnow


class InvitationRefused(DomainError):
    """The invitation cannot be sent (e.g. the address already has an account here)."""


class InvitationInvalid(DomainError):
    """Unknown, expired, revoked or already used: all look the same to the visitor."""


class InvitationNotFound(DomainError):
    pass


@dataclass(frozen=True, slots=True)
class SentInvitation:
    invitation: ResellerInvitation
    token: str  # only ever in the e-mail's link


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def team_members(storefront: Storefront) -> list[User]:
    return list(
        db.session.scalars(
            select(User)
            .where(User.storefront_id == storefront.id, User.role == Role.RESELLER_ADMIN)
            .order_by(User.email)
        )
    )


def open_invitations(storefront: Storefront) -> list[ResellerInvitation]:
    with tenant_scope(storefront.id):
        return list(
            db.session.scalars(
                select(ResellerInvitation)
                .where(
                    ResellerInvitation.storefront_id == storefront.id,
                    ResellerInvitation.accepted_at.is_(None),
                    ResellerInvitation.revoked_at.is_(None),
                )
                .order_by(ResellerInvitation.created_at.desc())
            )
        )


def invite_admin(
    storefront: Storefront, actor: User, email: str, valid_for: timedelta
) -> SentInvitation:
    """Create an invitation for `email`; the caller e-mails it with `send_invitation`."""
    address = normalise_email(email)
    exists = db.session.scalar(
        select(User.id).where(User.storefront_id == storefront.id, User.email == address)
    )
    if exists is not None:
        raise InvitationRefused(gettext("This e-mail already has an account on this store."))
    token = secrets.token_urlsafe(32)
    invitation = ResellerInvitation(
        storefront_id=storefront.id,
        email=address,
        token_hash=hash_token(token),
        invited_by_id=actor.id,
        expires_at=utcnow() + valid_for,
    )
    db.session.add(invitation)
    db.session.flush()
    record(
        actor=actor,
        surface=Surface.RESELLER,
        action="invitation.create",
        target=invitation,
        after={"email": address, "expires_at": invitation.expires_at},
        storefront_id=storefront.id,
    )
    return SentInvitation(invitation, token)


def send_invitation(storefront: Storefront, sent: SentInvitation, link: str, sender: str) -> None:
    subject = gettext("You are invited to manage %(store)s", store=storefront.name)
    context = {
        "storefront": storefront,
        "link": link,
        "expires_at": sent.invitation.expires_at,
    }
    send_mail(
        sent.invitation.email,
        subject,
        render_template("reseller/emails/invitation.txt", **context),
        None,
        sender=sender,
    )


def revoke_invitation(storefront: Storefront, actor: User, invitation_id: int) -> None:
    with tenant_scope(storefront.id):
        invitation = db.session.scalar(
            select(ResellerInvitation).where(
                ResellerInvitation.id == invitation_id,
                ResellerInvitation.storefront_id == storefront.id,
                ResellerInvitation.accepted_at.is_(None),
            )
        )
    if invitation is None:
        raise InvitationNotFound(str(invitation_id))
    if invitation.revoked_at is None:
        invitation.revoked_at = utcnow()
        record(
            actor=actor,
            surface=Surface.RESELLER,
            action="invitation.revoke",
            target=invitation,
            after={"email": invitation.email},
            storefront_id=storefront.id,
        )
        db.session.flush()


def usable_invitation(storefront: Storefront, token: str) -> ResellerInvitation:
    """The open invitation of this storefront behind `token`, or InvitationInvalid."""
    if not token or len(token) > 100:
        raise InvitationInvalid(token)
    with tenant_scope(storefront.id):
        invitation = db.session.scalar(
            select(ResellerInvitation).where(
                ResellerInvitation.storefront_id == storefront.id,
                ResellerInvitation.token_hash == hash_token(token),
            )
        )
    if (
        invitation is None
        or invitation.accepted_at is not None
        or invitation.revoked_at is not None
        or _aware(invitation.expires_at) <= utcnow()
    ):
        raise InvitationInvalid(token)
    return invitation


def accept_invitation(storefront: Storefront, token: str, name: str, password: str) -> User:
    """Create the invitee's reseller admin account and use up the invitation."""
    invitation = usable_invitation(storefront, token)
    try:
        user = create_user(
            invitation.email,
            password,
            Role.RESELLER_ADMIN,
            name=name,
            storefront_id=storefront.id,
        )
    except AccountExists:
        raise InvitationRefused(
            gettext("This e-mail already has an account on this store.")
        ) from None
    invitation.accepted_at = utcnow()
    record(
        actor=user,
        surface=Surface.RESELLER,
        action="invitation.accept",
        target=invitation,
        after={"email": invitation.email, "user_id": user.id},
        storefront_id=storefront.id,
    )
    db.session.flush()
    return user


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
