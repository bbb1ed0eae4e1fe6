"""The Redis channel between crawl nodes and the one ingest process (the SQLite writer).

Keys (one Redis database per cluster):

* ``newscrawl:events``     a list, FIFO: what nodes (and the dispatcher) send the writer, JSON
  events ``{"id", "kind", "job", "node", "site", ...}``: ``run_start``, ``article``, ``refused``,
  ``run_end`` from a node's crawl, in the order it made them; ``job_ended`` from the dispatcher
  when a job's process is gone (it comes after everything that process sent);
* ``newscrawl:ingesting``  the event the writer is applying (Redis's reliable-queue pattern:
  LMOVE there, apply and commit, then remove; a writer killed in between finds it on restart);
* ``newscrawl:rejected``   events the writer could not read, kept for a person to look at;
* ``newscrawl:snapshot:<job>``  the zlib-compressed database file a job crawls against
  (crawler/store/cluster.py export_site), for SNAPSHOT_TTL seconds;
* ``newscrawl:jobs``       hash job -> {"site", "node"}: jobs dispatched and not yet ended;
* ``newscrawl:ingest:alive``  the writer's heartbeat ("PID DATABASE"), expiring after ALIVE_TTL
  seconds;
* ``newscrawl:site:<site>``  the job crawling that site now (taken by the job when it starts,
  kept alive every SITE_LOCK_REFRESH seconds, expiring SITE_LOCK_TTL seconds after its process
  died, released when it ends): one crawl per site over the cluster, whoever scheduled it.

Redis should keep its data on disk (``appendonly yes``): a restarted Redis then still holds
every event not yet stored. A Redis that cannot be reached is a ``ChannelError`` (an OSError:
the crawl stops as for a database it cannot write) naming the URL and what to do.
"""
from __future__ import annotations

import base64
import json
import os
import socket
import time
import uuid
import zlib
from dataclasses import asdict, fields
from typing import Any

from crawler.items import Article

EVENTS = "newscrawl:events"
INGESTING = "newscrawl:ingesting"
REJECTED = "newscrawl:rejected"
JOBS = "newscrawl:jobs"
ALIVE = "newscrawl:ingest:alive"
SNAPSHOT_TTL = 7 * 24 * 3600
ALIVE_TTL = 15
SITE_LOCK_TTL = 180
SITE_LOCK_REFRESH = 30
# compare-and-expire / compare-and-delete: only the holder of a key (a site lock, the heartbeat)
# keeps or frees it
_EXPIRE_IF_HELD = ("if redis.call('get', KEYS[1]) == ARGV[1] then "
                   "return redis.call('expire', KEYS[1], ARGV[2]) else return 0 end")
_DELETE_IF_HELD = ("if redis.call('get', KEYS[1]) == ARGV[1] then "
                   "return redis.call('del', KEYS[1]) else return 0 end")
RETRY_SECONDS = 30          # how long a command retries while Redis restarts


class ChannelError(OSError):
    """Redis cannot be reached or answered with an error."""


def snapshot_key(job: str) -> str:
    return f"newscrawl:snapshot:{job}"


def node_name() -> str:
    """This machine's name in crawl_runs when no NEWS_CLUSTER_NODE is given."""
    return socket.gethostname()


class Channel:
    """A connection to the cluster's Redis at `url` (redis://host:port/db)."""

    def __init__(self, url: str):
        try:
            import redis
            from redis.backoff import ExponentialBackoff
            from redis.retry import Retry
        except ImportError:
            raise ChannelError("the Python package 'redis' is missing: pip install "
                               "'newscrawl[cluster]' (or `make setup`)") from None
        self.url = url
        self._errors = (redis.RedisError, OSError)
        attempts = max(1, int(RETRY_SECONDS / 2))
        try:
            self.redis = redis.Redis.from_url(
                url, socket_connect_timeout=5, socket_timeout=60, health_check_interval=30,
                retry=Retry(ExponentialBackoff(cap=2.0, base=0.1), attempts),
                retry_on_error=[redis.ConnectionError, redis.TimeoutError])
        except ValueError as exc:
            raise ChannelError(f"bad Redis URL {url!r}: {exc} (expected redis://HOST:PORT/DB)") \
                from None

    def call(self, method: str, *args: Any, **kwargs: Any) -> Any:
        """One Redis command (retried while Redis restarts); ChannelError when it fails."""
        try:
            return getattr(self.redis, method)(*args, **kwargs)
        except self._errors as exc:
            raise ChannelError(f"Redis at {self.url} failed on {method.upper()}: {exc}. Check "
                               "that redis-server runs there (and keeps its data: appendonly "
                               "yes), or fix NEWS_CLUSTER_REDIS / --redis") from None

    def ping(self) -> None:
        self.call("ping")

    # --- events --------------------------------------------------------------------------------
    def send(self, kind: str, **data: Any) -> str:
        """Append one event to the writer's list; returns its id."""
        event_id = uuid.uuid4().hex
        payload = json.dumps({"id": event_id, "kind": kind, "sent_at": time.time(), **data},
                             ensure_ascii=False, separators=(",", ":"))
        self.call("rpush", EVENTS, payload.encode("utf-8"))
        return event_id

    def pending(self) -> int:
        """Events not yet applied (waiting, or being applied)."""
        return int(self.call("llen", EVENTS)) + int(self.call("llen", INGESTING))

    # --- jobs in flight --------------------------------------------------------------------------
    def add_job(self, job: str, site: str, node: str) -> None:
        self.call("hset", JOBS, job, json.dumps({"site": site, "node": node}))

    def jobs(self) -> dict[str, dict]:
        return {k.decode(): json.loads(v) for k, v in self.call("hgetall", JOBS).items()}

    def drop_job(self, job: str) -> None:
        self.call("hdel", JOBS, job)

    # --- snapshots -------------------------------------------------------------------------------
    def put_snapshot(self, job: str, data: bytes) -> None:
        self.call("set", snapshot_key(job), zlib.compress(data, 6), ex=SNAPSHOT_TTL)

    def snapshot(self, job: str) -> bytes | None:
        blob = self.call("get", snapshot_key(job))
        return zlib.decompress(blob) if blob is not None else None

    def drop_snapshot(self, job: str) -> None:
        self.call("delete", snapshot_key(job))

    # --- one crawl per site over the cluster -----------------------------------------------------
    def claim_site(self, site: str, job: str) -> str | None:
        """Take `site` for `job`; returns None when taken (or already ours), else the job that
        holds it."""
        key = f"newscrawl:site:{site}"
        if self.call("set", key, job, nx=True, ex=SITE_LOCK_TTL):
            return None
        holder = self.call("get", key)
        holder = holder.decode() if holder is not None else None
        if holder in (None, job):          # expired meanwhile, or ours: take it (again)
            self.call("set", key, job, ex=SITE_LOCK_TTL)
            return None
        return holder

    def refresh_site(self, site: str, job: str) -> bool:
        """Keep `job`'s hold on `site` for SITE_LOCK_TTL more seconds; False if it lost it."""
        return bool(self.call("eval", _EXPIRE_IF_HELD, 1, f"newscrawl:site:{site}", job,
                              SITE_LOCK_TTL))

    def release_site(self, site: str, job: str) -> bool:
        return bool(self.call("eval", _DELETE_IF_HELD, 1, f"newscrawl:site:{site}", job))

    def site_holder(self, site: str) -> str | None:
        holder = self.call("get", f"newscrawl:site:{site}")
        return holder.decode() if holder is not None else None

    # --- the writer's heartbeat ------------------------------------------------------------------
    def beat(self, db_path: str) -> None:
        """The writer of `db_path` is alive (for ALIVE_TTL seconds)."""
        self.call("set", ALIVE, self._heartbeat(db_path), ex=ALIVE_TTL)

    def stop_beating(self, db_path: str) -> None:
        """The writer stops: its heartbeat goes at once (if it is this process's)."""
        self.call("eval", _DELETE_IF_HELD, 1, ALIVE, self._heartbeat(db_path))

    @staticmethod
    def _heartbeat(db_path: str) -> str:
        return f"{os.getpid()} {db_path}"

    def writer_alive(self) -> bool:
        return bool(self.call("exists", ALIVE))

    def writer_db(self) -> str | None:
        """The database the live writer writes (its resolved path), or None without a writer."""
        value = self.call("get", ALIVE)
        return value.decode().partition(" ")[2] if value is not None else None


# --- articles on the wire ----------------------------------------------------------------------
_ARTICLE_FIELDS = {f.name for f in fields(Article)}


def article_to_wire(article: Article) -> dict:
    """An Article as JSON-able data (its raw HTML as bytes_to_wire makes it)."""
    data = asdict(article)
    data["html"] = bytes_to_wire(data["html"])
    return data


def article_from_wire(data: dict) -> Article:
    """The Article that article_to_wire made `data` from."""
    unknown = set(data) - _ARTICLE_FIELDS
    if unknown:
        raise ValueError(f"unknown article field(s) {sorted(unknown)}")
    return Article(**{**data, "html": bytes_from_wire(data.get("html"))})


def bytes_to_wire(data: bytes | str | None) -> str | None:
    """Bytes (a page) for JSON: zlib-compressed, base64-encoded."""
    if data is None:
        return None
    if isinstance(data, str):
        data = data.encode("utf-8")
    return base64.b64encode(zlib.compress(data, 6)).decode("ascii")


def bytes_from_wire(data: str | None) -> bytes | None:
    return zlib.decompress(base64.b64decode(data)) if data is not None else None
