"""The one writer of a cluster: apply each event from the nodes to the SQLite database, once.

`newscrawl cluster ingest --db DB --redis URL` runs on the machine that holds the database (the
nodes never open it, over a network file system or otherwise). It takes the events from
``newscrawl:events`` one at a time (crawler/cluster/channel.py) and applies each in one SQLite
transaction, through the same store as a local crawl:

* ``run_start``  a crawl_runs row for the job (node, job, pid), 'running';
* ``article``    ``NewsDB.store_article`` (dedup against every site, versions, search index,
  topics, the raw page); the run's articles_new / _unchanged / _updated / _duplicate count what
  the store did here, the authority (a node only saw its own site);
* ``refused``    ``NewsDB.keep_refused`` (the HTML is kept: a fixed rule recovers it);
* ``run_end``    the node's counters, health and status close the run;
* ``job_ended``  from the dispatcher: the job's process is gone; a run still 'running' becomes
  'interrupted' (a node killed mid-crawl), and the job leaves ``newscrawl:jobs``.

Each event is applied once: its id is recorded in ``cluster_events`` in the same transaction,
and it leaves Redis only after the commit (LMOVE to ``newscrawl:ingesting``, apply, LREM). A
writer killed at any point finds the event again on restart and skips it if it was committed.
An event that cannot be read goes to ``newscrawl:rejected`` (kept, logged with what to do). A
database that cannot be written stops the writer with the event put back: nothing is lost.
"""
from __future__ import annotations

import json
import logging
import signal
import sqlite3
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from crawler.cluster.channel import (ALIVE_TTL, EVENTS, INGESTING, REJECTED, Channel,
                                     ChannelError, article_from_wire, bytes_from_wire)
from crawler.store import TZ, NewsDB

logger = logging.getLogger(__name__)

NODE_ONLY_COUNTERS = {"articles_new", "articles_unchanged", "articles_updated",
                      "articles_duplicate"}       # what the writer counts itself
FORGET_EVENTS_AFTER_DAYS = 7
FIRST_EVENT_WAIT = 60.0     # --until-idle: how long a writer with nothing to do waits for work


class BadEvent(ValueError):
    """An event that cannot be read or applied (kept in newscrawl:rejected)."""


class Ingest:
    """The writer: see the module."""

    def __init__(self, db_path: str | Path, redis_url: str):
        self.channel = Channel(redis_url)
        self.channel.ping()
        self.db = NewsDB(db_path)
        self.applied = 0           # events applied by this process
        self.articles = 0
        self.busy_seconds = 0.0    # time spent applying events (the writer's cost)
        self.stopping = False

    # --- the loop ------------------------------------------------------------------------------
    def recover(self) -> int:
        """Put back an event a killed writer was applying (it is skipped if it was committed)."""
        moved = 0
        while self.channel.call("lmove", INGESTING, EVENTS, "RIGHT", "LEFT") is not None:
            moved += 1
        if moved:
            logger.info("ingest: %d event(s) a previous writer was applying put back", moved)
        return moved

    def run(self, until_idle: bool = False, idle_wait: float = 1.0,
            first_wait: float = FIRST_EVENT_WAIT) -> int:
        """Apply events until SIGTERM / Ctrl-C, or, with `until_idle`, until no event waits and
        no job is in flight, once it applied an event or waited `first_wait` seconds for one
        (a writer started just before the crawl it serves). Returns how many events were
        applied."""
        started = time.monotonic()
        self.recover()
        self.db.forget_events_before(
            (datetime.now(TZ) - timedelta(days=FORGET_EVENTS_AFTER_DAYS)).isoformat())
        previous = {sig: signal.getsignal(sig) for sig in (signal.SIGTERM, signal.SIGINT)}

        def stop(signum, frame):
            self.stopping = True
        for sig in previous:
            signal.signal(sig, stop)
        database, beaten = str(self.db.path.resolve()), 0.0
        try:
            while not self.stopping:
                if time.monotonic() - beaten >= ALIVE_TTL / 3:   # not one SET per event
                    self.channel.beat(database)
                    beaten = time.monotonic()
                raw = self.channel.call("blmove", EVENTS, INGESTING, idle_wait, "LEFT", "RIGHT")
                if raw is None:
                    if until_idle and not self.channel.jobs() and not self.channel.pending() \
                            and (self.applied or time.monotonic() - started >= first_wait):
                        break
                    continue
                self.take(raw)
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
            self.channel.stop_beating(database)      # not taken for alive any more
        return self.applied

    def take(self, raw: bytes) -> None:
        """Apply one event taken into newscrawl:ingesting, then let it go."""
        start = time.perf_counter()
        try:
            self.apply(raw)
        except BadEvent as exc:
            logger.error("ingest: event rejected (%s); kept in Redis list %s: look at it with "
                         "`redis-cli LRANGE %s 0 -1`", exc, REJECTED, REJECTED)
            self.channel.call("rpush", REJECTED, raw)
        except ChannelError:
            raise       # Redis failed: the event stays in newscrawl:ingesting for the next start
        except (sqlite3.Error, OSError) as exc:
            self.channel.call("lmove", INGESTING, EVENTS, "RIGHT", "LEFT")   # put it back
            logger.critical("ingest: cannot write to the database %s (%s); the event was put "
                            "back in Redis and nothing is lost. Fix the database (disk space, "
                            "permissions, a lock held by another program) and start the ingest "
                            "again", self.db.path, exc)
            raise
        self.channel.call("lrem", INGESTING, 1, raw)
        self.busy_seconds += time.perf_counter() - start

    def apply(self, raw: bytes) -> None:
        try:
            event = json.loads(raw)
            kind, event_id = event["kind"], event["id"]
            handler = getattr(self, f"_on_{kind}")
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise BadEvent(f"unreadable event {raw[:200]!r}: {exc!r}") from None
        with self.db.transaction():
            if self.db.event_applied(event_id):
                logger.info("ingest: event %s (%s of job %s) was applied before; skipped",
                            event_id, kind, event.get("job"))
            else:
                try:
                    handler(event)
                except (KeyError, TypeError, ValueError) as exc:
                    raise BadEvent(f"{kind} event {event_id} of job {event.get('job')}: "
                                   f"{exc!r}") from None
                self.db.mark_event_applied(event_id)
                self.applied += 1
        if kind == "job_ended":      # after the commit: the job's last event is stored
            self.channel.drop_job(event["job"])
            self.channel.drop_snapshot(event["job"])

    # --- one handler per kind of event ---------------------------------------------------------
    def _run_id(self, event: dict) -> int:
        return self.db.start_job_run(event["site"], event["node"], event["job"],
                                     event.get("pid"), event.get("started_at") or
                                     datetime.fromtimestamp(event["sent_at"], TZ)
                                     .isoformat(timespec="seconds"))

    def _on_run_start(self, event: dict) -> None:
        run_id = self._run_id(event)
        logger.info("ingest: run %d of %s started on %s (job %s)", run_id, event["site"],
                    event["node"], event["job"])

    def _on_article(self, event: dict) -> None:
        article = article_from_wire(event["article"])
        run_id = self._run_id(event)
        outcome = self.db.store_article(article, event.get("content_type") or "text/html")
        demoted = len(self.db.demoted)
        if demoted:                      # an original replaced stored copies (pipelines.py)
            self.db.count_stored(run_id, "duplicate", demoted)
        if outcome == "suspicious":      # not stored (NewsDB.store_article): the node's own
            logger.warning("ingest: suspicious replacement at %s: %s", article.url,
                           self.db.suspicious)      # pipeline counted and named it
        elif not (outcome == "new" and demoted):
            self.db.count_stored(run_id, outcome)
        self.articles += 1

    def _on_refused(self, event: dict) -> None:
        self._run_id(event)
        self.db.keep_refused(event["site"], event["url"], bytes_from_wire(event.get("html")),
                             event["fetched_at"], event.get("content_type"), event["reason"],
                             bool(event.get("for_good")))

    def _on_run_end(self, event: dict) -> None:
        run_id = self._run_id(event)
        fields: dict[str, Any] = {k: v for k, v in event["fields"].items()
                                  if k not in NODE_ONLY_COUNTERS and v is not None}
        self.db.finish_run(run_id, **fields)
        row = self.db.runs([run_id])[0]
        logger.info("ingest: run %d of %s on %s ended: %s, %s new", run_id, event["site"],
                    event["node"], row["status"], row["articles_new"])

    def _on_job_ended(self, event: dict) -> None:
        run_id = self.db.end_job_run(event["site"], event["node"], event["job"],
                                     event.get("reason") or "the job's process ended")
        row = self.db.runs([run_id])[0]
        if row["status"] == "interrupted":
            logger.warning("ingest: job %s of %s on %s ended without closing its run (%s); "
                           "run %d is 'interrupted': the next run fetches what it missed",
                           event["job"], event["site"], event["node"], row["finish_reason"],
                           run_id)

    def close(self) -> None:
        self.db.close()
