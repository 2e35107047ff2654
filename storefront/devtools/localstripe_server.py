"""localstripe (a stateful fake of Stripe's API) bound to loopback only.

Its own CLI listens on every interface and saves its store to /tmp after each
write; this runner binds 127.0.0.1 and keeps the store where we say (or in memory).
Several runners can start from the store one of them saved (`--start-from`), each then
on its own: stand-ins for a payment service that serves many clients at once.
"""

from __future__ import annotations

import argparse
import pickle
from pathlib import Path

from aiohttp import web
from localstripe import resources, server


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


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=8420)
    parser.add_argument("--store", type=Path, help="file to keep localstripe's data in")
    parser.add_argument(
        "--start-from", type=Path, help="a store file to begin with (changes kept in memory)"
    )
    args = parser.parse_args(argv)
    _persist_to(args.store, args.start_from)
    resources.store.try_load_from_disk()
    web.run_app(server.app, host="127.0.0.1", port=args.port, print=None, access_log=None)


if __name__ == "__main__":
    main()
