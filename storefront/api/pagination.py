"""Cursor pagination on (created_at, id), newest or oldest first. The cursor is opaque to
clients: base64 of the sort and the last row's position."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

from flask import request
from sqlalchemy import Select, and_, or_
from sqlalchemy.orm import InstrumentedAttribute

from storefront.api.errors import invalid
from storefront.api.registry import MAX_ID, Param

DEFAULT_LIMIT = 50
MAX_LIMIT = 100
SORTS = ("-created_at", "created_at")

Query = TypeVar("Query", bound=Select[*tuple[Any, ...]])

PAGE_PARAMS = (
    Param("limit", {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT}, "Page size."),
    Param("cursor", {"type": "string"}, "The `next_cursor` of the previous page."),
    Param("sort", {"type": "string", "enum": list(SORTS)}, "Newest (default) or oldest first."),
)


@dataclass(frozen=True)
class PageRequest:
    limit: int
    sort: str
    after: tuple[datetime, int] | None


def integer_arg(name: str, default: int, minimum: int, maximum: int) -> int:
    raw = request.args.get(name)
    if raw is None:
        return default
    if not raw.isdigit() or not minimum <= int(raw) <= maximum:
        raise invalid(name, f"Must be a whole number from {minimum} to {maximum}.")
    return int(raw)


def choice_arg(name: str, choices: Sequence[str], default: str | None = None) -> str | None:
    raw = request.args.get(name)
    if raw is None:
        return default
    if raw not in choices:
        raise invalid(name, "Must be one of: " + ", ".join(choices) + ".")
    return raw


def datetime_arg(name: str) -> datetime | None:
    """An ISO 8601 date or date-time; without an offset it is UTC."""
    raw = request.args.get(name)
    if raw is None:
        return None
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        raise invalid(name, "Must be an ISO 8601 date or date-time.") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def encode_cursor(label: str, created: datetime, row_id: int) -> str:
    """A position in a list ordered by (created, id): what `label` says, this row."""
    position = json.dumps([label, created.isoformat(), row_id])
    return base64.urlsafe_b64encode(position.encode()).decode().rstrip("=")


def cursor_arg() -> tuple[str, tuple[datetime, int]] | None:
    """The `cursor` argument as (label, (created, id)); 422 for anything else."""
    raw = request.args.get("cursor")
    if raw is None:
        return None
    try:
        decoded = json.loads(base64.urlsafe_b64decode(raw.encode() + b"=" * (-len(raw) % 4)))
        label, created, row_id = decoded
        if not isinstance(label, str) or not isinstance(row_id, int) or not 0 < row_id <= MAX_ID:
            raise TypeError(decoded)
        return label, (datetime.fromisoformat(created), row_id)
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        raise invalid("cursor", "Not a cursor this API gave out.") from None


def page_request() -> PageRequest:
    limit = integer_arg("limit", DEFAULT_LIMIT, 1, MAX_LIMIT)
    sort = choice_arg("sort", SORTS, SORTS[0]) or SORTS[0]
    cursor = cursor_arg()
    after = None
    if cursor is not None:
        cursor_sort, after = cursor
        if cursor_sort != sort:
            raise invalid("cursor", "The cursor belongs to another sort order.")
    return PageRequest(limit, sort, after)


def paginate(
    query: Query,
    created: InstrumentedAttribute[datetime],
    identity: InstrumentedAttribute[int],
    page: PageRequest,
) -> Query:
    """The query limited to one page (plus one row, to know whether another page follows)."""
    descending = page.sort.startswith("-")
    if page.after is not None:
        moment, row_id = page.after
        if descending:
            query = query.where(or_(created < moment, and_(created == moment, identity < row_id)))
        else:
            query = query.where(or_(created > moment, and_(created == moment, identity > row_id)))
    order = (created.desc(), identity.desc()) if descending else (created.asc(), identity.asc())
    paged: Query = query.order_by(*order).limit(page.limit + 1)
    return paged


def page_body(
    rows: Sequence[Any], page: PageRequest, items: list[dict[str, Any]]
) -> dict[str, Any]:
    """`items` (one per row, the extra row left out) and the cursor of the next page."""
    next_cursor = None
    if len(rows) > page.limit:
        last = rows[page.limit - 1]
        next_cursor = encode_cursor(page.sort, last.created_at, last.id)
    return {"items": items[: page.limit], "next_cursor": next_cursor}
