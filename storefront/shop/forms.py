"""Forms of the buyer's cart and checkout."""

from __future__ import annotations

from functools import lru_cache

from babel import Locale
from flask_babel import lazy_gettext
from flask_wtf import FlaskForm
from wtforms import EmailField, IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, Email, Length, NumberRange

from storefront.orders.cart import MAX_QUANTITY


class AddToCartForm(FlaskForm):
    plan_id = IntegerField(validators=[DataRequired(), NumberRange(min=1)])
    quantity = IntegerField(
        lazy_gettext("Seats"), default=1, validators=[NumberRange(min=1, max=MAX_QUANTITY)]
    )


class CartLineForm(FlaskForm):
    plan_id = IntegerField(validators=[DataRequired(), NumberRange(min=1)])
    quantity = IntegerField(validators=[NumberRange(min=0, max=MAX_QUANTITY)])


class BillingForm(FlaskForm):
    billing_name = StringField(
        lazy_gettext("Name on the invoice"), validators=[DataRequired(), Length(max=120)]
    )
    billing_email = EmailField(
        lazy_gettext("E-mail for the receipt"),
        validators=[
            DataRequired(),
            Length(max=254),
            Email(check_deliverability=False, allow_smtputf8=True),
        ],
    )
    billing_country = SelectField(lazy_gettext("Country"), validators=[DataRequired()])

    def __init__(self, *args: object, locale: str = "en", **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.billing_country.choices = [("", "—"), *country_choices(locale)]


@lru_cache(maxsize=16)
def country_choices(locale: str) -> tuple[tuple[str, str], ...]:
    """ISO 3166 countries named in the buyer's language, sorted by name."""
    territories = Locale.parse(locale).territories
    return tuple(
        sorted(
            (
                (code, name)
                for code, name in territories.items()
                if len(code) == 2 and code.isalpha() and code != "ZZ"
            ),
            key=lambda item: item[1],
        )
    )
