"""What a buyer's page needs of its storefront, kept in process memory and checked against a
version every process shares.

Each storefront has a version number, and the marketplace a generation number for everything
that moves hosts between storefronts (slugs, custom domains, new storefronts) or touches many
storefronts at once. Every committed change to a storefront's branding, status, listings, their
prices or the offers they list bumps the versions concerned (`storefront.tenants.invalidation`
notices the changed rows). A process keeps the storefront row, its suspension and derived data
such as its catalog, each tagged with the numbers it was loaded under, and reloads when they no
longer match. With `REDIS_URL` the numbers live in Redis, so a change made through any process
is seen by every other at once; without it (one process, the embedded default) they live in
this process.

Reading the numbers from Redis on every request would cost a network round trip per page, so
each process also listens on a Redis channel where every bump is announced: a number read once
is reused from memory until a bump of it is announced, and is read again at least once a
second (`VERIFY_SECONDS`) in case an announcement was lost. Whenever this process is not
listening (not subscribed yet, or reconnected), nothing is reused.
"""

from __future__ import annotations

import contextlib
import logging
import os
import random
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cache
from typing import Any, Protocol, TypeVar

from flask import Flask, current_app, has_app_context
from redis import Redis
from redis.exceptions import RedisError
from sqlalchemy import exists, select
from sqlalchemy.orm import Session, make_transient_to_detached, scoped_session
from sqlalchemy.orm.attributes import set_committed_value

from storefront.extensions import db
from storefront.tenants.models import Storefront, StorefrontDomain
from storefront.tenants.scope import all_tenants

log = logging.getLogger(__name__)

T = TypeVar("T")
Tag = tuple[int, int]  # (marketplace generation, storefront version)

DEFAULT_KEY_PREFIX = "storefront:cache:"
MAX_HOSTS = 50_000  # remembered host names per process (unknown ones included)
# Storefronts kept per process, least recently used dropped first: about 65 KiB each with a
# catalog of 50 offers. `STOREFRONT_CACHE_SIZE` overrides it.
DEFAULT_STOREFRONTS = 1_000
VERIFY_SECONDS = 1.0  # a number reused from memory is read from Redis again after this long
EVERYTHING = "*"  # announced when the marketplace generation moves
_MUTABLE_COLUMNS = ("languages", "footer_links")  # JSON lists: each request gets its own copy


class Versions(Protocol):
    """Where the version numbers live."""

    def read(self, storefront_id: int | None) -> Tag: ...

    def bump(self, storefront_ids: Iterable[int], everything: bool) -> None: ...


class LocalVersions:
    """Version numbers of this process only: right for one process (the embedded default)."""

    def __init__(self) -> None:
        self.generation = random.getrandbits(62)
        self.storefronts: dict[int, int] = {}
        self._lock = threading.Lock()

    def read(self, storefront_id: int | None) -> Tag:
        return self.generation, self.storefronts.get(storefront_id or 0, 0)

    def bump(self, storefront_ids: Iterable[int], everything: bool) -> None:
        with self._lock:
            for storefront_id in storefront_ids:
                self.storefronts[storefront_id] = self.storefronts.get(storefront_id, 0) + 1
            if everything:
                self.generation += 1


class RedisVersions:
    """Version numbers in Redis, shared by every app process and worker."""

    def __init__(self, url: str, prefix: str) -> None:
        self.url = url
        self.generation_key = f"{prefix}generation"
        self.prefix = f"{prefix}storefront:"
        self.channel = f"{prefix}bumps"

    @property
    def client(self) -> Redis:
        return _redis(self.url, os.getpid())

    def read(self, storefront_id: int | None) -> Tag:
        key = storefront_id or 0
        watch = _watch(self.url, self.channel, os.getpid())
        known = watch.known(key)
        if known is not None:
            return known
        generation, version = self.client.mget(self.generation_key, f"{self.prefix}{key}")
        if generation is None:
            # A fresh (or flushed) Redis: start from a random generation, so that nothing a
            # process cached under the old numbers can match the new ones by chance.
            self.client.set(self.generation_key, random.getrandbits(62), nx=True)
            return self.read(storefront_id)
        tag = int(generation), int(version or 0)
        watch.remember(key, tag)
        return tag

    def bump(self, storefront_ids: Iterable[int], everything: bool) -> None:
        ids = sorted(set(storefront_ids))
        pipeline = self.client.pipeline(transaction=False)
        for storefront_id in ids:
            pipeline.incr(f"{self.prefix}{storefront_id}")
        if everything:
            pipeline.incr(self.generation_key)
        # announced after the numbers moved: a process that reads them in between and keeps
        # the new ones only drops them again
        pipeline.publish(self.channel, EVERYTHING if everything else ",".join(map(str, ids)))
        pipeline.execute()


class BumpWatch:
    """This process's subscription to the channel where bumps are announced, and the numbers
    it may reuse meanwhile: storefront id (0: no storefront) → (tag, when read)."""

    def __init__(self, client: Redis, channel: str) -> None:
        self.client = client
        self.channel = channel
        self.known_tags: dict[int, tuple[Tag, float]] = {}
        self.listening = False  # subscribed, and every announcement since then applied
        self._pubsub: Any = None
        self._retry_at = 0.0
        self._lock = threading.Lock()

    def known(self, storefront_id: int) -> Tag | None:
        """The tag to use without asking Redis, or None to read it."""
        with self._lock:
            self._apply_announcements()
            found = self.known_tags.get(storefront_id)
            if found is None or time.monotonic() - found[1] > VERIFY_SECONDS:
                return None
            return found[0]

    def remember(self, storefront_id: int, tag: Tag) -> None:
        """Keep a tag just read from Redis, unless a bump announced meanwhile drops it."""
        with self._lock:
            if not self.listening:
                self._apply_announcements()  # the subscription's answer may be in now
                return
            if len(self.known_tags) >= MAX_HOSTS:
                self.known_tags.clear()
            self.known_tags[storefront_id] = (tag, time.monotonic())
            self._apply_announcements()

    def _apply_announcements(self) -> None:
        try:
            if self._pubsub is None:
                self._subscribe()
            while self._pubsub is not None:
                message = self._pubsub.get_message(timeout=0.0)
                if message is None:
                    break
                self._apply(message)
        except RedisError as error:
            log.warning("not listening for storefront changes: %s", error)
            self._stop_listening()

    def _subscribe(self) -> None:
        if time.monotonic() < self._retry_at:
            return
        self._retry_at = time.monotonic() + VERIFY_SECONDS
        pubsub = self.client.pubsub()  # type: ignore[no-untyped-call]
        pubsub.subscribe(self.channel)
        self._pubsub = pubsub

    def _apply(self, message: dict[str, Any]) -> None:
        if message["type"] == "subscribe":  # first, or again after a reconnection
            self.known_tags.clear()  # announcements may have been missed before it
            self.listening = True
            return
        if message["type"] != "message":
            return
        ids = message["data"].decode().split(",")
        if not all(part.isdigit() for part in ids):  # EVERYTHING, or not ours to read
            self.known_tags.clear()
            return
        for storefront_id in ids:
            self.known_tags.pop(int(storefront_id), None)

    def _stop_listening(self) -> None:
        self.known_tags.clear()
        self.listening = False
        pubsub, self._pubsub = self._pubsub, None
        if pubsub is not None:
            with contextlib.suppress(RedisError):
                pubsub.close()


# Shared by every app of the process: a change through one app reloads the others' entries
# too (needless, never stale).
_process_versions = LocalVersions()


@cache
def _redis(url: str, pid: int) -> Redis:
    """One connection per process (no pool to check out from on every request; its own lock
    for threaded servers), made in the process that uses it, never inherited across a fork."""
    return Redis.from_url(
        url, socket_timeout=2, socket_connect_timeout=2, single_connection_client=True
    )


@cache
def _watch(url: str, channel: str, pid: int) -> BumpWatch:
    """One subscription per process and channel, made in the process that uses it."""
    return BumpWatch(_redis(url, pid), channel)


def versions_for(app: Flask) -> Versions:
    url = app.config.get("REDIS_URL")
    if not url:
        return _process_versions
    prefix = app.config.get("CACHE_KEY_PREFIX") or DEFAULT_KEY_PREFIX
    return RedisVersions(url, prefix)


@dataclass
class CachedStorefront:
    """A storefront as loaded under `tag`: its row (detached), whether it is suspended, and
    data derived from them (`memo`), all valid while the version numbers stay at `tag`."""

    tag: Tag
    row: Storefront
    is_suspended: bool
    memo: dict[str, Any] = field(default_factory=dict)

    @property
    def id(self) -> int:
        return self.row.id

    def attach(self, session: Session | scoped_session[Any]) -> Storefront:
        """The row as a persistent object of `session`, without a query: views may change it
        and commit as if they had loaded it."""
        storefront = session.merge(self.row, load=False)
        for name in _MUTABLE_COLUMNS:
            set_committed_value(storefront, name, list(getattr(self.row, name) or []))
        return storefront


class StorefrontCache:
    """One app's cache of hosts and storefronts in this process."""

    def __init__(self, app: Flask) -> None:
        self.versions = versions_for(app)
        self.hosts: dict[str, tuple[int, int | None]] = {}  # host → (generation, storefront id)
        self.storefronts: OrderedDict[int, CachedStorefront] = OrderedDict()
        self.size = int(app.config.get("STOREFRONT_CACHE_SIZE") or DEFAULT_STOREFRONTS)
        self._lock = threading.Lock()  # threaded servers (the demo) share the LRU order

    def clear(self) -> None:
        with self._lock:
            self.hosts.clear()
            self.storefronts.clear()

    def lookup(self, host: str, resolve: Callable[[str], int | None]) -> CachedStorefront | None:
        """The storefront serving `host` (None: no storefront there), from memory when the
        version numbers still match, else loaded and remembered."""
        known = self.hosts.get(host)
        try:
            tag = self.versions.read(known[1] if known else None)
        except RedisError as error:  # no shared numbers: trust nothing kept in memory
            log.warning("storefront cache disabled for this request: %s", error)
            self.clear()
            storefront_id = resolve(host)
            return None if storefront_id is None else self._load(storefront_id, (-1, -1))
        if known is None or known[0] != tag[0]:
            storefront_id = resolve(host)
            self._remember_host(host, tag[0], storefront_id)
            if storefront_id is None:
                return None
            tag = self.versions.read(storefront_id)  # read before the row is loaded
        else:
            storefront_id = known[1]
            if storefront_id is None:
                return None
        cached = self.storefronts.get(storefront_id)
        if cached is not None and cached.tag == tag:
            with self._lock:
                if storefront_id in self.storefronts:
                    self.storefronts.move_to_end(storefront_id)
            return cached
        return self._load(storefront_id, tag)

    def _remember_host(self, host: str, generation: int, storefront_id: int | None) -> None:
        if len(self.hosts) >= MAX_HOSTS:
            self.hosts.clear()
        self.hosts[host] = (generation, storefront_id)

    def _load(self, storefront_id: int, tag: Tag) -> CachedStorefront | None:
        from storefront.operator.models import StorefrontSuspension

        suspended = exists().where(
            StorefrontSuspension.storefront_id == Storefront.id,
            StorefrontSuspension.lifted_at.is_(None),
        )
        with all_tenants():
            found = db.session.execute(
                select(Storefront, suspended.label("suspended")).where(
                    Storefront.id == storefront_id
                )
            ).first()
        if found is None:  # deleted since the host was resolved
            return None
        row = _detached_copy(found[0])
        cached = CachedStorefront(tag=tag, row=row, is_suspended=bool(found[1]))
        if tag[0] >= 0:
            with self._lock:
                self.storefronts[storefront_id] = cached
                self.storefronts.move_to_end(storefront_id)
                while len(self.storefronts) > self.size:
                    self.storefronts.popitem(last=False)
        return cached


def _detached_copy(storefront: Storefront) -> Storefront:
    """A copy of the loaded row that belongs to no session (so no commit expires it)."""
    columns = Storefront.__mapper__.column_attrs
    values = {column.key: getattr(storefront, column.key) for column in columns}
    for name in _MUTABLE_COLUMNS:
        values[name] = list(values[name] or [])
    copy = Storefront(**values)
    make_transient_to_detached(copy)
    return copy


def storefront_cache(app: Flask | None = None) -> StorefrontCache:
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    found: StorefrontCache | None = app.extensions.get("storefront_cache")
    if found is None:
        found = app.extensions["storefront_cache"] = StorefrontCache(app)
    return found


def storefront_id_for_host(name: str, marketplace_domain: str) -> int | None:
    """The id of the storefront a (normalised, non-marketplace) host names, or None."""
    from storefront.tenants.resolve import storefront_slug

    with all_tenants():
        slug = storefront_slug(name, marketplace_domain)
        if slug is not None:
            return db.session.scalar(select(Storefront.id).where(Storefront.slug == slug))
        return db.session.scalar(
            select(StorefrontDomain.storefront_id).where(
                StorefrontDomain.hostname == name, StorefrontDomain.verified_at.is_not(None)
            )
        )


def memoised(cached: CachedStorefront, key: str, load: Callable[[], T]) -> T:
    """Data derived from the storefront (its catalog, ...), computed once per version."""
    try:
        value: T = cached.memo[key]
    except KeyError:
        value = cached.memo[key] = load()
    return value


def publish(storefront_ids: Iterable[int], everything: bool) -> None:
    """Tell every process that these storefronts (or all of them) changed."""
    ids = set(storefront_ids)
    if not ids and not everything:
        return
    versions = versions_for(current_app) if has_app_context() else _process_versions
    try:
        versions.bump(ids, everything)
    except RedisError:
        log.exception("could not publish storefront changes %s (everything: %s)", ids, everything)
