"""Forms of the operator console."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Length


class RefundForm(FlaskForm):
    amount = StringField("Amount", validators=[DataRequired(), Length(max=24)])
    reason = StringField("Reason", validators=[Length(max=200)])
