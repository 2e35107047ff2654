"""Sign-in and sign-up forms, shared by every surface. Labels and messages are translated
(storefront pages are in the store's language; the console stays English)."""

from __future__ import annotations

from flask_babel import lazy_gettext
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length

from storefront.accounts.passwords import MAX_LENGTH, MIN_LENGTH

PASSWORD_MIN_LENGTH = MIN_LENGTH
PASSWORD_MAX_LENGTH = MAX_LENGTH


class LoginForm(FlaskForm):
    # No format check at sign-in: an address that is not an account simply fails to sign in
    # (and special-use domains such as .test stay usable on private installations).
    email = EmailField(lazy_gettext("E-mail"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(lazy_gettext("Password"), validators=[DataRequired(), Length(max=256)])


def _strip(value: str | None) -> str | None:
    return value.strip() if value else value


class ChoosePasswordForm(FlaskForm):
    """A new password, typed twice (sign-up, reset, invitation); the policy itself is checked
    by the account services."""

    password = PasswordField(
        lazy_gettext("Password"),
        validators=[
            DataRequired(),
            Length(
                min=PASSWORD_MIN_LENGTH,
                max=PASSWORD_MAX_LENGTH,
                message=lazy_gettext("Use %(min)d to %(max)d characters."),
            ),
        ],
    )
    confirm_password = PasswordField(
        lazy_gettext("Repeat the password"),
        validators=[
            DataRequired(),
            EqualTo("password", message=lazy_gettext("The two passwords are not the same.")),
        ],
    )


class SignupForm(ChoosePasswordForm):
    """A buyer's new account on one storefront."""

    name = StringField(
        lazy_gettext("Name"), filters=[_strip], validators=[DataRequired(), Length(max=120)]
    )
    # Syntax only, no DNS look-up; .test is accepted (private installations, demos), names
    # that can never receive mail (.invalid, .localhost, .onion) are not.
    email = EmailField(
        lazy_gettext("E-mail"),
        filters=[_strip],
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


class ResetRequestForm(FlaskForm):
    email = EmailField(lazy_gettext("E-mail"), validators=[DataRequired(), Length(max=254)])


class NewPasswordForm(ChoosePasswordForm):
    """The password reset's form: the same two fields, the first labelled as new."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.password.label.text = str(lazy_gettext("New password"))
