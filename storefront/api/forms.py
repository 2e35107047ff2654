"""The form every dashboard uses to create an API token: a name and a scope."""

from __future__ import annotations

from flask_babel import lazy_gettext
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectChoice, StringField
from wtforms.validators import DataRequired, Length

from storefront.api.models import TokenScope


class ApiTokenForm(FlaskForm):
    name = StringField(
        lazy_gettext("Name (what the token is for, e.g. the integration)"),
        validators=[DataRequired(), Length(max=120)],
    )
    scope = RadioField(
        lazy_gettext("Scope"),
        choices=[
            SelectChoice(TokenScope.READ.value, lazy_gettext("Read: see data, change nothing")),
            SelectChoice(TokenScope.READ_WRITE.value, lazy_gettext("Read and write")),
        ],
        default=TokenScope.READ.value,
    )
