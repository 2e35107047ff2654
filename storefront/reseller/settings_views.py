"""Reseller dashboard: branding with a live preview, custom domains, and the team."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from babel import Locale
from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import force_locale, gettext
from sqlalchemy.exc import IntegrityError

from storefront.accounts.passwords import WeakPassword
from storefront.accounts.throttle import sign_in_limits
from storefront.catalog.listings import CatalogFilter, facet_counts, listed_offers
from storefront.extensions import db
from storefront.i18n import LANGUAGE_NAMES
from storefront.reseller import team, txt_resolver
from storefront.reseller.branding import (
    BrandingChoices,
    BrandingInput,
    BrandingRefused,
    clean_branding,
    preview_storefront,
    update_branding,
)
from storefront.reseller.forms import (
    AcceptInvitationForm,
    ActionForm,
    BrandingForm,
    DomainForm,
    InviteForm,
)
from storefront.reseller.views import (
    admin,
    admin_required,
    bp,
    signed_in_admin,
    start_session,
    this_storefront,
)
from storefront.security import allow_framing_by_this_site
from storefront.shop.rendering import render_storefront
from storefront.tenants.branding import available_languages, footer_links_text
from storefront.tenants.domains import (
    DomainNotFound,
    DomainRefused,
    VerificationFailed,
    add_domain,
    remove_domain,
    storefront_domains,
    verification_name,
    verify_domain,
)
from storefront.tenants.links import sender_for, storefront_url
from storefront.tenants.logos import LogoLimits
from storefront.tenants.models import Storefront


def language_name(code: str) -> str:
    if code in LANGUAGE_NAMES:
        return LANGUAGE_NAMES[code]
    try:
        return str(Locale.parse(code).get_display_name(code) or code)
    except (ValueError, LookupError):
        return code


def _choices() -> BrandingChoices:
    config = current_app.config
    return BrandingChoices(
        themes=tuple(config["INSTALLED_THEMES"]),
        languages=tuple(available_languages(config["BABEL_TRANSLATION_DIRECTORIES"])),
        currencies=tuple(config["PLATFORM_CURRENCIES"]),
    )


def _branding_form(storefront: Storefront, choices: BrandingChoices) -> BrandingForm:
    form = BrandingForm(
        data=None
        if request.method == "POST"
        else {
            "name": storefront.name,
            "tagline": storefront.tagline,
            "primary_color": storefront.primary_color,
            "accent_color": storefront.accent_color,
            "theme": storefront.theme,
            "locale": storefront.locale,
            "languages": list(storefront.languages),
            "currency": storefront.currency,
            "support_email": storefront.support_email,
            "footer_links": footer_links_text(storefront.footer_links or []),
        }
    )
    languages = [(code, language_name(code)) for code in choices.languages]
    form.theme.choices = [(name, name.capitalize()) for name in choices.themes]
    form.locale.choices = languages
    form.languages.choices = languages
    form.currency.choices = [(code, code) for code in choices.currencies]
    return form


def _branding_input(form: BrandingForm, with_logo: bool) -> BrandingInput:
    upload = request.files.get(form.logo.name)
    logo = None
    if with_logo and upload is not None and upload.filename:
        logo = (upload.stream.read(), upload.filename)
    return BrandingInput(
        name=form.name.data or "",
        tagline=form.tagline.data or "",
        primary_color=form.primary_color.data or "",
        accent_color=form.accent_color.data or "",
        theme=form.theme.data or "",
        locale=form.locale.data or "",
        languages=list(form.languages.data or []),
        currency=form.currency.data or "",
        support_email=form.support_email.data or "",
        footer_links=form.footer_links.data or "",
        logo=logo,
    )


def _limits() -> LogoLimits:
    config = current_app.config
    return LogoLimits(config["LOGO_MAX_BYTES"], config["LOGO_MAX_DIMENSION"])


def _show_refusals(form: BrandingForm, refused: BrandingRefused) -> None:
    for name, message in refused.errors.items():
        field = getattr(form, name)
        field.errors = [*list(field.errors), message]


@bp.route("/branding", methods=["GET", "POST"])
@admin_required
def branding() -> ResponseReturnValue:
    storefront = this_storefront()
    choices = _choices()
    form = _branding_form(storefront, choices)
    if form.validate_on_submit():
        try:
            clean = clean_branding(_branding_input(form, with_logo=True), choices, _limits())
        except BrandingRefused as refused:
            _show_refusals(form, refused)
        else:
            update_branding(storefront, admin(), clean, Path(current_app.instance_path) / "uploads")
            db.session.commit()
            flash(gettext("Branding saved."))
            return redirect(url_for("reseller.branding"))
    page = render_template(
        "reseller/branding.html", storefront=storefront, form=form, action_form=ActionForm()
    )
    return page, 400 if form.errors else 200


@bp.post("/branding/preview")
@admin_required
def branding_preview() -> ResponseReturnValue:
    """The buyer's catalog page in the unsaved branding (rendered, never saved), shown in a
    frame of the branding page."""
    allow_framing_by_this_site()
    storefront = this_storefront()
    choices = _choices()
    form = _branding_form(storefront, choices)
    if not form.validate_on_submit():
        return render_template("reseller/preview_refused.html", form=form), 400
    try:
        clean = clean_branding(_branding_input(form, with_logo=False), choices, _limits())
    except BrandingRefused as refused:
        _show_refusals(form, refused)
        return render_template("reseller/preview_refused.html", form=form), 400
    preview = preview_storefront(storefront, clean)
    offers = listed_offers(preview)
    categories, application_types = facet_counts(offers)
    with force_locale(preview.locale):
        return render_storefront(
            preview,
            "catalog.html",
            offers=offers,
            catalog_filter=CatalogFilter(),
            categories=categories,
            application_types=application_types,
            total_listed=len(offers),
        )


@bp.route("/domains", methods=["GET", "POST"])
@admin_required
def domains() -> ResponseReturnValue:
    storefront = this_storefront()
    form = DomainForm()
    if form.validate_on_submit():
        try:
            add_domain(
                storefront,
                admin(),
                form.hostname.data or "",
                current_app.config["MARKETPLACE_DOMAIN"],
            )
            db.session.commit()
        except (DomainRefused, IntegrityError) as error:
            db.session.rollback()
            form.hostname.errors = [
                str(error)
                if isinstance(error, DomainRefused)
                else gettext("This domain is already in use by a storefront.")
            ]
        else:
            flash(gettext("Domain added. Publish the TXT record below, then verify it."))
            return redirect(url_for("reseller.domains"))
    page = render_template(
        "reseller/domains.html",
        storefront=storefront,
        form=form,
        domains=storefront_domains(storefront),
        verification_name=verification_name,
        subdomain=f"{storefront.slug}.{current_app.config['MARKETPLACE_DOMAIN']}",
        action_form=ActionForm(),
    )
    return page, 400 if form.errors else 200


@bp.post("/domains/<int:domain_id>/verify")
@admin_required
def verify(domain_id: int) -> ResponseReturnValue:
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        domain = verify_domain(this_storefront(), admin(), domain_id, txt_resolver())
    except DomainNotFound:
        abort(404)
    except VerificationFailed as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(url_for("reseller.domains"))
    db.session.commit()
    flash(gettext("%(host)s is verified and serves your store.", host=domain.hostname))
    return redirect(url_for("reseller.domains"))


@bp.post("/domains/<int:domain_id>/delete")
@admin_required
def delete_domain(domain_id: int) -> ResponseReturnValue:
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        remove_domain(this_storefront(), admin(), domain_id)
    except DomainNotFound:
        abort(404)
    db.session.commit()
    flash(gettext("Domain removed."))
    return redirect(url_for("reseller.domains"))


@bp.route("/team", methods=["GET", "POST"])
@admin_required
def team_page() -> ResponseReturnValue:
    storefront = this_storefront()
    form = InviteForm()
    if form.validate_on_submit():
        hours = int(current_app.config["INVITATION_TTL_HOURS"])
        try:
            sent = team.invite_admin(
                storefront, admin(), form.email.data or "", timedelta(hours=hours)
            )
            link = storefront_url(storefront, "reseller.accept_invitation", token=sent.token)
            team.send_invitation(storefront, sent, link, sender_for(storefront))
            db.session.commit()
        except team.InvitationRefused as error:
            db.session.rollback()
            form.email.errors = [str(error)]
        else:
            flash(gettext("Invitation sent to %(email)s.", email=sent.invitation.email))
            return redirect(url_for("reseller.team_page"))
    page = render_template(
        "reseller/team.html",
        storefront=storefront,
        form=form,
        members=team.team_members(storefront),
        invitations=team.open_invitations(storefront),
        action_form=ActionForm(),
    )
    return page, 400 if form.errors else 200


@bp.post("/team/invitations/<int:invitation_id>/revoke")
@admin_required
def revoke_invitation(invitation_id: int) -> ResponseReturnValue:
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        team.revoke_invitation(this_storefront(), admin(), invitation_id)
    except team.InvitationNotFound:
        abort(404)
    db.session.commit()
    flash(gettext("Invitation revoked."))
    return redirect(url_for("reseller.team_page"))


@bp.route("/invitations/<token>", methods=["GET", "POST"])
@sign_in_limits
def accept_invitation(token: str) -> ResponseReturnValue:
    """Public: the invitee sets a name and password; the account is made and signed in."""
    storefront = this_storefront()
    try:
        invitation = team.usable_invitation(storefront, token)
    except team.InvitationInvalid:
        return render_template("reseller/invitation_invalid.html", storefront=storefront), 404
    form = AcceptInvitationForm()
    if form.validate_on_submit():
        try:
            user = team.accept_invitation(
                storefront, token, form.name.data or "", form.password.data or ""
            )
            start_session(user)
            db.session.commit()
        except (team.InvitationRefused, WeakPassword, IntegrityError) as error:
            db.session.rollback()
            form.password.errors = [
                gettext("This invitation was just used.")
                if isinstance(error, IntegrityError)
                else str(error)
            ]
        except team.InvitationInvalid:
            db.session.rollback()
            return render_template("reseller/invitation_invalid.html", storefront=storefront), 404
        else:
            flash(gettext("Welcome! You are signed in to the dashboard."))
            return redirect(url_for("reseller.dashboard"))
    page = render_template(
        "reseller/accept_invitation.html",
        storefront=storefront,
        form=form,
        invitation=invitation,
        signed_in=signed_in_admin() is not None,
    )
    return page, 400 if form.errors else 200
