"""localstripe (a stateful fake of Stripe's API) bound to loopback only.

Its own CLI listens on every interface and saves its store to /tmp after each
write; this runner binds 127.0.0.1 and keeps the store where we say (or in memory).
Several runners can start from the store one of them saved (`--start-from`), each then
on its own: stand-ins for a payment service that serves many clients at once.

localstripe lists a kind of object by scanning its whole store, and shows a charge with its
refunds listed that way, so every charge cost more than the one before (about 5 ms after
300 charges, 22 ms after 1,500). This runner keeps the store indexed by kind, as Stripe's own
storage is, so a charge costs the same after 100,000 of them.

`--latency-ms` delays every answer without using a core, as Stripe's answers arrive over a
network in service (the renewal benchmark measures workers that wait for them).
"""

from __future__ import annotations

import argparse
import asyncio
import pickle
from pathlib import Path
from typing import Any

from aiohttp import web
from localstripe import resources, server
from localstripe.errors import UserError


def _persist_to(path: Path | None, start_from: Path | None = None) -> None:
    def dump(store: resources.Store) -> None:
        if path is not None:
            with path.open("wb") as handle:
                pickle.dump(dict(store), handle, protocol=pickle.HIGHEST_PROTOCOL)

    def load(store: resources.Store) -> None:
        source = start_from or path
        if source is not None and source.exists():
            with source.open("rb") as handle:
                store.update(pickle.load(handle))  # noqa: S301 - our own file in instance/

    resources.Store.dump_to_disk = dump
    resources.Store.try_load_from_disk = load


def _kind(key: str) -> str | None:
    """The kind of object a store key holds ("charge:ch_…" holds a charge), None for the
    keys localstripe keeps without one (the balance)."""
    kind, colon, _ = key.partition(":")
    return kind if colon else None


def index_store_by_kind() -> None:
    """Keep, beside the store, its objects by kind (in the store's order) and list them from
    there: what localstripe's own listing gives, without reading every other object."""
    by_kind: dict[str, dict[str, Any]] = {}
    store_class = resources.Store
    set_item, del_item = store_class.__setitem__, store_class.__delitem__

    def reindex(store: dict[str, Any]) -> None:
        by_kind.clear()
        for key, value in store.items():
            kind = _kind(key)
            if kind is not None:
                by_kind.setdefault(kind, {})[key] = value

    def setitem(store: resources.Store, key: str, value: Any) -> None:
        set_item(store, key, value)
        kind = _kind(key)
        if kind is not None:
            by_kind.setdefault(kind, {})[key] = value

    def delitem(store: resources.Store, key: str) -> None:
        del_item(store, key)
        kind = _kind(key)
        if kind is not None:
            by_kind.get(kind, {}).pop(key, None)

    def clear(store: resources.Store) -> None:
        dict.clear(store)
        by_kind.clear()

    def update(store: resources.Store, *args: Any, **kwargs: Any) -> None:
        dict.update(store, *args, **kwargs)
        reindex(store)

    def list_all(
        cls: type[resources.StripeObject],
        /,
        url: str | None,
        limit: int | None = None,
        starting_after: str | None = None,
        **kwargs: Any,
    ) -> resources.List:
        if kwargs:  # as localstripe answers a filter it does not know
            raise UserError(400, "Unexpected " + ", ".join(kwargs.keys()))
        listing = resources.List(url, limit=limit, starting_after=starting_after)
        listing._list = list(by_kind.get(str(cls.object), {}).values())
        return listing

    store_class.__setitem__ = setitem
    store_class.__delitem__ = delitem
    store_class.clear = clear
    store_class.update = update
    resources.StripeObject._api_list_all = classmethod(list_all)
    reindex(resources.store)


def delay_answers(seconds: float) -> None:
    """Answer each request after `seconds`, waiting without holding up other requests."""

    @web.middleware
    async def delayed(request: web.Request, handler: Any) -> web.StreamResponse:
        await asyncio.sleep(seconds)
        response: web.StreamResponse = await handler(request)
        return response

    server.app.middlewares.insert(0, delayed)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=8420)
    parser.add_argument("--store", type=Path, help="file to keep localstripe's data in")
    parser.add_argument(
        "--start-from", type=Path, help="a store file to begin with (changes kept in memory)"
    )
    parser.add_argument(
        "--latency-ms", type=float, default=0, help="answer each request this much later"
    )
    args = parser.parse_args(argv)
    if args.latency_ms > 0:
        delay_answers(args.latency_ms / 1000)
    _persist_to(args.store, args.start_from)
    index_store_by_kind()
    resources.store.try_load_from_disk()
    web.run_app(server.app, host="127.0.0.1", port=args.port, print=None, access_log=None)


if __name__ == "__main__":
    main()
