"""The crawl_runs bookkeeping: a Scrapy extension that writes one row per spider run.

On spider_opened it marks runs left 'running' by dead processes as 'interrupted', then records a
new 'running' row (its id goes to the stats as ``newscrawl/run_id``). On spider_closed it fills
in the counters from the crawl stats and the final status:
reason 'finished' -> 'finished', 'shutdown' (Ctrl-C, SIGTERM) -> 'interrupted', anything else
-> 'failed'. Database trouble is logged, never raised: bookkeeping must not stop a crawl.
"""
from __future__ import annotations

import logging
import os
import sqlite3
from typing import Any

from scrapy import signals

from crawler.store import PROBLEM_URLS_MAX, NewsDB

logger = logging.getLogger(__name__)

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


class CrawlRunRecorder:
    def __init__(self, crawler: Any):
        self.crawler = crawler
        self.db_path = crawler.settings.get("NEWS_DB") or "data/news.db"
        self.run_id: int | None = None

    @classmethod
    def from_crawler(cls, crawler: Any) -> "CrawlRunRecorder":
        ext = cls(crawler)
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def spider_opened(self, spider: Any) -> None:
        try:
            with NewsDB(self.db_path) as db:
                gone = db.mark_interrupted()
                if gone:
                    logger.info("%d earlier run(s) ended without finishing; marked 'interrupted'",
                                gone)
                self.run_id = db.start_run(spider.name, os.getpid())
        except (sqlite3.Error, OSError) as exc:
            logger.error(
                "[%s] cannot record this run in %s (%s); the crawl goes on without a crawl_runs "
                "row. Check that the database file is writable",
                spider.name, self.db_path, exc,
            )
            return
        self.crawler.stats.set_value("newscrawl/run_id", self.run_id)

    def spider_closed(self, spider: Any, reason: str) -> None:
        if self.run_id is None:
            return
        fields = run_counters(self.crawler.stats.get_stats())
        try:
            with NewsDB(self.db_path) as db:
                fields.update(self._health(db, spider, reason))   # crawler/health.py
                db.finish_run(
                    self.run_id, status=status_for(reason), finish_reason=reason, **fields
                )
        except (sqlite3.Error, OSError) as exc:
            logger.error(
                "[%s] cannot finish run %s in %s (%s); it stays 'running' until the next "
                "crawl marks it 'interrupted'",
                spider.name, self.run_id, self.db_path, exc,
            )

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
