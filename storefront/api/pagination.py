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
from storefront.api.registry import Param

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


def page_request() -> PageRequest:
    limit = integer_arg("limit", DEFAULT_LIMIT, 1, MAX_LIMIT)
    sort = choice_arg("sort", SORTS, SORTS[0]) or SORTS[0]
    raw = request.args.get("cursor")
    after = None
    if raw is not None:
        try:
            decoded = json.loads(base64.urlsafe_b64decode(raw.encode() + b"=" * (-len(raw) % 4)))
            cursor_sort, created, row_id = decoded
            after = (datetime.fromisoformat(created), int(row_id))
        except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
            raise invalid("cursor", "Not a cursor this API gave out.") from None
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
        position = json.dumps([page.sort, last.created_at.isoformat(), last.id])
        next_cursor = base64.urlsafe_b64encode(position.encode()).decode().rstrip("=")
    return {"items": items[: page.limit], "next_cursor": next_cursor}
