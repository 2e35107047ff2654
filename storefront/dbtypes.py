"""Column types shared by the domain models."""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import Enum


def enum_column(enum_class: type[StrEnum], name: str) -> Enum:
    """Store a StrEnum by its value (never a free string), checked by the database."""
    return Enum(
        enum_class,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=20,
        values_callable=lambda members: [member.value for member in members],
    )
