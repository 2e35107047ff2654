"""Request bodies checked against typed field specs before any service runs: unknown fields,
wrong types and out-of-range values are refused (422, naming the field), so nothing is ever
half-applied. The same specs give the request schemas of the OpenAPI document."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from storefront.api.errors import invalid

MAX_MINOR_UNITS = 10**12  # far above any real price, far below any integer column's limit


@dataclass(frozen=True)
class Field:
    """One field of a JSON object: its type (`str`, `int`, `bool` or a nested `Body`),
    whether it must be there, and its bounds (string length or integer value)."""

    kind: type | Body
    required: bool = True
    minimum: int | None = None
    maximum: int | None = None
    choices: tuple[str, ...] = ()
    pattern: str | None = None
    description: str = ""

    def check(self, value: Any, path: str) -> Any:
        if isinstance(self.kind, Body):
            return self.kind.validate(value, prefix=f"{path}.")
        if self.kind is bool:
            if not isinstance(value, bool):
                raise invalid(path, "Must be true or false.")
            return value
        if self.kind is int:
            if isinstance(value, bool) or not isinstance(value, int):
                raise invalid(path, "Must be a whole number.")
            if self.minimum is not None and value < self.minimum:
                raise invalid(path, f"Must be at least {self.minimum}.")
            if self.maximum is not None and value > self.maximum:
                raise invalid(path, f"Must be at most {self.maximum}.")
            return value
        if not isinstance(value, str):
            raise invalid(path, "Must be a string.")
        if self.choices and value not in self.choices:
            raise invalid(path, "Must be one of: " + ", ".join(self.choices) + ".")
        if self.minimum is not None and len(value.strip()) < self.minimum:
            raise invalid(path, f"Must have at least {self.minimum} characters.")
        if self.maximum is not None and len(value) > self.maximum:
            raise invalid(path, f"Must have at most {self.maximum} characters.")
        if self.pattern is not None and not re.fullmatch(self.pattern, value):
            raise invalid(path, f"Must match {self.pattern}.")
        return value

    def schema(self) -> dict[str, Any]:
        if isinstance(self.kind, Body):
            return self.kind.schema()
        if self.kind is bool:
            result: dict[str, Any] = {"type": "boolean"}
        elif self.kind is int:
            result = {"type": "integer"}
            if self.minimum is not None:
                result["minimum"] = self.minimum
            if self.maximum is not None:
                result["maximum"] = self.maximum
        else:
            result = {"type": "string"}
            if self.choices:
                result["enum"] = list(self.choices)
            if self.minimum is not None:
                # The minimum counts characters other than surrounding blanks.
                result["minLength"] = self.minimum
                result["pattern"] = r"\S"
            if self.maximum is not None:
                result["maxLength"] = self.maximum
            if self.pattern is not None:
                result["pattern"] = f"^{self.pattern}$"
        if self.description:
            result["description"] = self.description
        return result


@dataclass(frozen=True)
class Body:
    """A JSON object with exactly these fields."""

    fields: Mapping[str, Field] = field(default_factory=dict)

    def validate(self, data: Any, prefix: str = "") -> dict[str, Any]:
        if not isinstance(data, dict):
            raise invalid(prefix.rstrip(".") or "body", "Must be a JSON object.")
        for name in data:
            if name not in self.fields:
                raise invalid(f"{prefix}{name}", "Unknown field.")
        cleaned: dict[str, Any] = {}
        for name, spec in self.fields.items():
            if name not in data:
                if spec.required:
                    raise invalid(f"{prefix}{name}", "This field is required.")
                continue
            cleaned[name] = spec.check(data[name], f"{prefix}{name}")
        return cleaned

    def schema(self) -> dict[str, Any]:
        return {
            "type": "object",
            "properties": {name: spec.schema() for name, spec in self.fields.items()},
            "required": [name for name, spec in self.fields.items() if spec.required],
            "additionalProperties": False,
        }


MONEY = Body(
    {
        "amount": Field(int, minimum=0, maximum=MAX_MINOR_UNITS, description="minor units"),
        "currency": Field(str, pattern="[A-Z]{3}", description="ISO 4217 code"),
    }
)
