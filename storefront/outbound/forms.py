"""The endpoint form of the vendor portal and the reseller dashboard."""

from __future__ import annotations

from flask_babel import lazy_gettext
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectMultipleField, StringField, widgets
from wtforms.validators import Length


class EventsField(SelectMultipleField):
    """Event types as a list of checkboxes; the service checks what may be picked."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class EndpointForm(FlaskForm):
    url = StringField(
        lazy_gettext("URL (https://…; we POST signed JSON events to it)"),
        validators=[Length(max=2000)],
    )
    description = StringField(lazy_gettext("Description (optional)"), validators=[Length(max=200)])
    events = EventsField(lazy_gettext("Events to send"), validate_choice=False)
    active = BooleanField(lazy_gettext("Active (send events to it)"), default=True)
