"""Forms of the buyer's cart and checkout."""

from __future__ import annotations

from functools import cache, lru_cache

from babel import Locale
from flask_babel import lazy_gettext
from flask_wtf import FlaskForm
from wtforms import EmailField, IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, Email, Length, NumberRange, ValidationError

from storefront.orders.cart import MAX_QUANTITY


class AddToCartForm(FlaskForm):
    plan_id = IntegerField(validators=[DataRequired(), NumberRange(min=1)])
    quantity = IntegerField(
        lazy_gettext("Seats"), default=1, validators=[NumberRange(min=1, max=MAX_QUANTITY)]
    )


class CartLineForm(FlaskForm):
    plan_id = IntegerField(validators=[DataRequired(), NumberRange(min=1)])
    quantity = IntegerField(validators=[NumberRange(min=0, max=MAX_QUANTITY)])


class CountryField(SelectField):
    """A select of ISO 3166 countries. The submitted code is looked up in the set of codes,
    where SelectField would build and walk every one of some 250 choices on each submit."""

    def pre_validate(self, form: object) -> None:
        if self.process_errors or not self.data:
            return  # a wrong value was reported already; a missing one is DataRequired's
        if self.data not in country_codes():
            raise ValidationError(self.gettext("Not a valid choice."))


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
    billing_country = CountryField(lazy_gettext("Country"), validators=[DataRequired()])

    def __init__(self, *args: object, locale: str = "en", **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.billing_country.choices = [("", "—"), *country_choices(locale)]


@cache
def country_codes() -> frozenset[str]:
    """The codes of every country `country_choices` names (the same in every language)."""
    return frozenset(code for code, _ in country_choices("en"))


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
