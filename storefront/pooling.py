"""Pooled database connections, tested before use only when they may have gone stale.

A connection that sat idle in the pool for `DATABASE_PING_IDLE_SECONDS` or longer (a
restarted server, a proxy's idle timeout) is pinged at checkout and, if dead, replaced
before the caller sees it. A connection handed back moments ago is used as it is: a busy
app process checks out a connection per transaction, and a ping each time would add a round
trip to every one of them (two to a card payment)."""

from __future__ import annotations

from time import monotonic
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DisconnectionError

_IDLE_SINCE = "storefront_idle_since"


def install(engine: Engine, idle_seconds: float) -> None:
    """Ping the engine's connections that were idle for `idle_seconds` or longer (always
    when 0) at checkout."""
    dialect = engine.dialect

    @event.listens_for(engine, "checkin")
    def _idle_from_now(_dbapi_connection: Any, record: Any) -> None:
        if record is not None:
            record.info[_IDLE_SINCE] = monotonic()

    @event.listens_for(engine, "checkout")
    def _ping_if_stale(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        since = record.info.pop(_IDLE_SINCE, None)
        if since is None or monotonic() - since < idle_seconds:
            return  # new, or back in the pool only moments ago
        try:
            dialect.do_ping(dbapi_connection)
        except dialect.loaded_dbapi.Error as error:  # the pool reconnects and checks out again
            raise DisconnectionError(f"a pooled connection was dead: {error}") from error
