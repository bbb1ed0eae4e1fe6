"""The crawl's database and its crawl_runs row: a Scrapy extension that opens both first.

``CrawlRunRecorder`` is built when the crawler starts, before the engine exists and so before
any request: it opens the database (``crawl_db``: one ``NewsDB`` per crawler, which the spider
and the store pipeline use too), marks runs left 'running' by dead processes as 'interrupted',
and records a new 'running' row (its id goes to the stats as ``newscrawl/run_id``). A database
that cannot be opened or written stops the crawl right there: the error names the file and why,
nothing is fetched, and `scrapy crawl` / `newscrawl crawl` exit non-zero.

On spider_closed it fills in the counters from the crawl stats and the final status:
reason 'finished' -> 'finished', 'shutdown' (Ctrl-C, SIGTERM) -> 'interrupted', anything else
(e.g. 'database_error', a write that failed mid-run) -> 'failed', then closes the database.
"""
from __future__ import annotations

import logging
import os
import sqlite3
from typing import Any

from scrapy import signals
from scrapy.utils.defer import deferred_from_coro

from crawler.store import PROBLEM_URLS_MAX, NewsDB, OpenError

logger = logging.getLogger(__name__)


class DatabaseUnavailable(RuntimeError):
    """The crawl's database cannot be opened or written: the crawl must not start."""


def crawl_db(crawler: Any) -> NewsDB:
    """The crawl's one open database (the NEWS_DB setting), opened on first use; on a cluster
    node (NEWS_CLUSTER_REDIS set), the job's snapshot, writing through to the one writer
    (crawler/cluster/node.py). Raises OpenError (which file, why)."""
    db = getattr(crawler, "newscrawl_db", None)
    if db is None:
        if crawler.settings.get("NEWS_CLUSTER_REDIS"):     # a job on a cluster node
            from crawler.cluster.node import NodeDB
            db = NodeDB.from_settings(crawler.settings, crawler.spidercls.name)
        else:
            db = NewsDB(crawler.settings.get("NEWS_DB"))
        crawler.newscrawl_db = db
    return db

PROBLEM_PREFIX = "newscrawl/problem/"


def status_for(reason: str) -> str:
    if reason == "finished":
        return "finished"
    if reason == "shutdown":
        return "interrupted"
    return "failed"


def run_counters(stats: dict[str, Any]) -> dict[str, Any]:
    """The crawl_runs columns computed from a Scrapy stats dict."""
    def count(key: str) -> int:
        return int(stats.get(key) or 0)

    return {
        "pages_fetched": count("response_received_count"),
        "articles_new": count("newscrawl/articles_new"),
        "articles_unchanged": count("newscrawl/articles_unchanged"),
        "articles_updated": count("newscrawl/articles_updated"),
        "articles_duplicate": count("newscrawl/articles_duplicate"),
        "articles_failed": count("newscrawl/articles_failed"),
        "articles_without_date": count("newscrawl/articles_without_date"),
        "errors": count("newscrawl/errors") + count("spider_exceptions/count"),
        "problems": {
            key[len(PROBLEM_PREFIX):]: value
            for key, value in sorted(stats.items())
            if key.startswith(PROBLEM_PREFIX)
        },
        "problem_urls": list(stats.get("newscrawl/problem_urls") or [])[:PROBLEM_URLS_MAX],
    }


def stop_for_database_error(crawler: Any, exc: BaseException, doing: str) -> None:
    """A write to the crawl's database failed (disk full, I/O error): end the run now, as
    'failed' (reason 'database_error'); what was committed stays, the next run fetches the rest.
    Said once per run."""
    if getattr(crawler, "newscrawl_db_failed", None) is not None:
        return
    crawler.newscrawl_db_failed = exc
    db = getattr(crawler, "newscrawl_db", None)
    logger.critical(
        "[%s] cannot write to the database %s (%s) while %s; the run stops now (status "
        "'failed'). Everything stored so far is kept; free disk space or fix the file, and the "
        "next run fetches what is missing", crawler.spidercls.name,
        db.path if db is not None else crawler.settings.get("NEWS_DB"), exc, doing)
    deferred_from_coro(crawler.engine.close_spider_async(reason="database_error"))


def is_database_failure(exc: BaseException) -> bool:
    """A failure of the database itself (not a constraint on one row)."""
    return isinstance(exc, (sqlite3.OperationalError, sqlite3.DatabaseError)) and \
        not isinstance(exc, sqlite3.IntegrityError)


class CrawlRunRecorder:
    def __init__(self, crawler: Any):
        self.crawler = crawler
        redis = crawler.settings.get("NEWS_CLUSTER_REDIS")   # a job on a cluster node
        self.on_node = bool(redis)
        self.db_path = (f"(the cluster's, through Redis at {redis})" if redis
                        else crawler.settings.get("NEWS_DB"))
        self.run_id: int | None = None

    @classmethod
    def from_crawler(cls, crawler: Any) -> "CrawlRunRecorder":
        ext = cls(crawler)
        ext.start(crawler.spidercls.name)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(ext.spider_error, signal=signals.spider_error)
        return ext

    def start(self, site: str) -> None:
        """Open the database and record this run, or stop the crawl before it starts."""
        try:
            db = crawl_db(self.crawler)
            logger.info("[%s] database: %s (opened in %.3f s)", site, db.path.resolve(),
                        db.open_seconds)
            gone = db.mark_interrupted()
            if gone:
                logger.info("%d earlier run(s) ended without finishing; marked 'interrupted'",
                            gone)
            self.run_id = db.start_run(site, os.getpid())
        except (OpenError, sqlite3.Error, OSError) as exc:
            why = exc.why if isinstance(exc, OpenError) else str(exc)
            logger.critical(
                "[%s] cannot use the database %s: %s. Nothing was fetched. %s", site,
                self.db_path, why,
                "" if self.on_node else
                "Check that the folder is writable and the file is a newscrawl SQLite "
                "database, or choose another one with --db PATH / -s NEWS_DB=PATH")
            raise DatabaseUnavailable(f"cannot use the database {self.db_path}: {why}") from None
        self.crawler.stats.set_value("newscrawl/run_id", self.run_id)

    def spider_error(self, failure: Any, response: Any, spider: Any) -> None:
        """A spider callback's write failed (e.g. keeping a refused page on a full disk)."""
        if is_database_failure(failure.value):
            stop_for_database_error(self.crawler, failure.value, f"reading {response.url}")

    def spider_closed(self, spider: Any, reason: str) -> None:
        db = getattr(self.crawler, "newscrawl_db", None)
        if self.run_id is None or db is None:
            return
        fields = run_counters(self.crawler.stats.get_stats())
        try:
            fields.update(self._health(db, spider, reason))   # crawler/health.py
            db.finish_run(self.run_id, status=status_for(reason), finish_reason=reason, **fields)
        except (sqlite3.Error, OSError) as exc:
            logger.error(
                "[%s] cannot finish run %s in %s (%s); it stays 'running' until the next "
                "crawl marks it 'interrupted'",
                spider.name, self.run_id, self.db_path, exc,
            )
        finally:
            logger.info("[%s] database waits: opening %.3f s, longest write %.3f s", spider.name,
                        db.open_seconds, db.longest_write_wait)
            db.close()
            self.crawler.newscrawl_db = None

    def _health(self, db: NewsDB, spider: Any, reason: str) -> dict[str, Any]:
        """Site health columns (articles_found, coverage_*, flag); {} if they cannot be made."""
        from crawler.health import assess_run
        try:
            return assess_run(db, spider, self.crawler.stats.get_stats(), self.crawler.settings,
                              self.run_id, reason)
        except Exception as exc:  # bookkeeping must not stop a crawl
            logger.error("[%s] cannot assess site health for run %s: %r", spider.name,
                         self.run_id, exc)
            return {}
