"""Forms of the reseller dashboard (every label and message translated)."""

from __future__ import annotations

from flask_babel import lazy_gettext
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    EmailField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, Length, Optional

from storefront.accounts.forms import ChoosePasswordForm


class ActionForm(FlaskForm):
    """A button that changes something: only the CSRF token."""


class PriceForm(FlaskForm):
    price = StringField(lazy_gettext("Your price"), validators=[Length(max=32)])


class BrandingForm(FlaskForm):
    name = StringField(lazy_gettext("Store name"), validators=[DataRequired(), Length(max=120)])
    tagline = StringField(lazy_gettext("Tagline"), validators=[Length(max=200)])
    logo = FileField(lazy_gettext("Logo (PNG, JPEG or WebP, up to 1 MiB and 2000×2000 pixels)"))
    primary_color = StringField(
        lazy_gettext("Primary colour"), validators=[DataRequired(), Length(max=7)]
    )
    accent_color = StringField(
        lazy_gettext("Accent colour"), validators=[DataRequired(), Length(max=7)]
    )
    theme = SelectField(lazy_gettext("Theme"), validate_choice=False)
    locale = SelectField(lazy_gettext("Default language"), validate_choice=False)
    languages = SelectMultipleField(
        lazy_gettext("Languages offered to buyers"), validate_choice=False
    )
    currency = SelectField(lazy_gettext("Currency"), validate_choice=False)
    support_email = EmailField(
        lazy_gettext("Support e-mail"),
        validators=[
            Optional(),
            Length(max=254),
            Email(
                message=lazy_gettext("Enter an e-mail address like help@example.com."),
                check_deliverability=False,
                test_environment=True,
            ),
        ],
    )
    footer_links = TextAreaField(
        lazy_gettext("Footer links (one per line: Label | https://…)"),
        validators=[Length(max=2000)],
    )


class DomainForm(FlaskForm):
    hostname = StringField(
        lazy_gettext("Custom domain"), validators=[DataRequired(), Length(max=253)]
    )


class InviteForm(FlaskForm):
    email = EmailField(
        lazy_gettext("E-mail"),
        validators=[
            DataRequired(),
            Length(max=254),
            Email(
                message=lazy_gettext("Enter an e-mail address like name@example.com."),
                check_deliverability=False,
                test_environment=True,
            ),
        ],
    )


class AcceptInvitationForm(ChoosePasswordForm):
    name = StringField(lazy_gettext("Your name"), validators=[DataRequired(), Length(max=120)])
