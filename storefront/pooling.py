"""Pooled database connections: tested before use only when they may have gone stale, and
on PostgreSQL keeping their prepared statements from one transaction to the next.

A connection that sat idle in the pool for `DATABASE_PING_IDLE_SECONDS` or longer (a
restarted server, a proxy's idle timeout) is pinged at checkout and, if dead, replaced
before the caller sees it. A connection handed back moments ago is used as it is: a busy
app process checks out a connection per transaction, and a ping each time would add a round
trip to every one of them (two to a card payment).

psycopg prepares a statement on the server once it has run five times on a connection, and
then PostgreSQL no longer plans it on each run (half a millisecond for the cart's listing
query, a third for the payment lock). But psycopg forgets every prepared statement at each
ROLLBACK, and most transactions end that way: every request that only read ends with one.
So a transaction that changed nothing ends with COMMIT instead, which for it is the same
thing: every statement SQLAlchemy ran in it was a SELECT that sets no session setting
(`set_config(…, true)` lasts only as long as the transaction), and PostgreSQL gave it no
transaction id (it gives one at the first write or row lock, however the statement was
sent). Any other transaction, or a failed one, is rolled back.

Statements go to psycopg with PostgreSQL's own `$1` placeholders (SQLAlchemy's
"numeric_dollar" style) through its raw cursors, which pass them on as they are: with
`%(name)s` placeholders psycopg rewrites every statement, and it remembers the rewriting only
for short ones. The inserts a transaction of renewals writes at its commit (one statement a
table, a row per renewal) were rewritten every time: half a millisecond a renewal."""

from __future__ import annotations

import re
from time import monotonic
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DisconnectionError

_IDLE_SINCE = "storefront_idle_since"
_UNWRITTEN = "SELECT pg_current_xact_id_if_assigned() IS NULL"
_CHANGED = "storefront_transaction_changed"  # the pool record's info: not a plain read
_SELECT = re.compile(r"\s*SELECT\b", re.IGNORECASE)
_SET_CONFIG = re.compile(r"\bset_config\s*\(", re.IGNORECASE)
_LOCAL_SET_CONFIG = re.compile(r",\s*true\s*\)", re.IGNORECASE)


def _plain_read(statement: str) -> bool:
    """A SELECT that changes no setting beyond its transaction."""
    if not _SELECT.match(statement):
        return False
    settings = len(_SET_CONFIG.findall(statement))
    return settings == 0 or settings == len(_LOCAL_SET_CONFIG.findall(statement))


def _record_info(connection: Any) -> dict[str, Any]:
    try:
        info: dict[str, Any] = connection.info
    except NotImplementedError:  # the engine's first connect, before the pool has it
        return {_CHANGED: True}
    return info


def engine_options(url: str, options: dict[str, Any]) -> dict[str, Any]:
    """The engine options for the database at `url`: on PostgreSQL with psycopg, statements
    with `$1` placeholders through raw cursors (the caller's `connect_args` kept), unless the
    caller chose a `paramstyle`."""
    if not url.startswith("postgresql+psycopg:") or "paramstyle" in options:
        return options
    from psycopg import RawCursor

    connect_args = {"cursor_factory": RawCursor} | dict(options.get("connect_args", {}))
    return options | {"paramstyle": "numeric_dollar", "connect_args": connect_args}


def install(engine: Engine, idle_seconds: float) -> None:
    """Ping the engine's connections that were idle for `idle_seconds` or longer (always
    when 0) at checkout; on PostgreSQL with psycopg, end transactions that wrote nothing
    with COMMIT."""
    dialect = engine.dialect
    if dialect.name == "postgresql" and dialect.driver == "psycopg":
        _commit_unwritten_transactions(engine)
        if dialect.paramstyle == "numeric_dollar":
            _raw_server_cursors(engine)

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


def _commit_unwritten_transactions(engine: Engine) -> None:
    """Where SQLAlchemy rolls a transaction back (the session's rollback or close, the pool's
    reset), commit it instead if it wrote nothing: psycopg then keeps its prepared statements.
    Whether it wrote is asked of the server, so it holds for statements SQLAlchemy never saw."""
    from psycopg.pq import TransactionStatus

    dialect = engine.dialect
    rollback, commit = dialect.do_rollback, dialect.do_commit

    @event.listens_for(engine, "before_cursor_execute")
    def _note_change(connection: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if not _plain_read(statement):
            _record_info(connection.connection)[_CHANGED] = True

    def end_transaction(connection: Any) -> None:
        changed = _record_info(connection).pop(_CHANGED, False)
        driver = getattr(connection, "dbapi_connection", connection)  # the pool's proxy or not
        if not changed and driver.info.transaction_status == TransactionStatus.INTRANS:
            with driver.cursor() as cursor:  # begun and not failed: did it write?
                unwritten = cursor.execute(_UNWRITTEN).fetchone()
            if unwritten is not None and unwritten[0] is True:
                driver.commit()
                return
        rollback(connection)

    def committed(connection: Any) -> None:
        _record_info(connection).pop(_CHANGED, None)
        commit(connection)

    dialect.do_rollback = end_transaction  # type: ignore[method-assign,assignment]
    dialect.do_commit = committed  # type: ignore[method-assign,assignment]


def _raw_server_cursors(engine: Engine) -> None:
    """Streamed results (`yield_per`) come through a server cursor: a raw one too."""
    from psycopg import RawServerCursor

    @event.listens_for(engine, "connect")
    def _raw(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.server_cursor_factory = RawServerCursor
