"""The item pipeline: store each article (and its raw page) in the crawl's database.

What an article is was settled before it got here, once, by the page path (crawler/page.py:
decode, read, canonical URL, NFC, validate, content hash), the same for the crawl, `extract`,
`reextract` and `check`; this pipeline only stores.

Counters go to the crawl stats under ``newscrawl/`` and end up in the ``crawl_runs`` row
(see crawler/runs.py):

* ``newscrawl/articles_new`` / ``_unchanged`` / ``_updated``  what store_article did
* ``newscrawl/articles_duplicate``     copies recorded (an original that replaced a stored copy
  counts here, not as new)
* ``newscrawl/articles_failed``        not stored (database error, or a suspicious replacement:
  the page would make a different article a "version" of the one stored under its URL, problem
  ``suspicious_replacement``, see NewsDB.store_article)
* ``newscrawl/articles_without_date``  stored with an empty published_at
* ``newscrawl/problem/db_error`` and ``newscrawl/problem_urls`` (at most 50), crawler/problems.py

A database that cannot be written any more (disk full, I/O error, file gone read-only) ends the
run at once with the reason ``database_error`` (crawl_runs status 'failed'): what was committed
stays, and the next run, seeing a failed run, walks every listing page and fetches what is
missing. An error that concerns one article only (a constraint) is counted and the crawl goes on.
"""
from __future__ import annotations

import logging
import sqlite3
from typing import Any

from crawler.items import Article
from crawler.problems import record_problem
from crawler.runs import crawl_db, is_database_failure, stop_for_database_error

logger = logging.getLogger(__name__)


class StoreArticlePipeline:
    """Write each article (and its raw page) to the crawl's database, committing each one."""

    def __init__(self, crawler: Any):
        self.crawler = crawler
        self.stats = crawler.stats
        self.db = None

    @classmethod
    def from_crawler(cls, crawler: Any) -> "StoreArticlePipeline":
        return cls(crawler)

    def open_spider(self) -> None:
        self.db = crawl_db(self.crawler)   # opened by crawler.runs.CrawlRunRecorder

    def process_item(self, item: Any) -> Any:
        if not isinstance(item, Article):
            return item
        if self.db is None:
            self.open_spider()
        if getattr(self.crawler, "newscrawl_db_failed", None) is not None:
            self.stats.inc_value("newscrawl/articles_failed")   # the run is ending: not
            record_problem(self.stats, "db_error", item.url)    # stored, fetched next run
            return item
        if not item.published_at:
            logger.warning(
                "[%s] no publication date on %s; stored with an empty date", item.site, item.url
            )
            self.stats.inc_value("newscrawl/articles_without_date")
        try:
            outcome = self.db.store_article(item)
        except (sqlite3.Error, OSError) as exc:
            self.stats.inc_value("newscrawl/articles_failed")
            record_problem(self.stats, "db_error", item.url)
            if is_database_failure(exc) or isinstance(exc, OSError):
                stop_for_database_error(self.crawler, exc, f"storing {item.url}")
            else:                               # a constraint: this article only
                logger.error("[%s] not stored: %s: %s (database %s)", item.site, item.url, exc,
                             self.db.path)
            return item
        if outcome == "suspicious":             # another article under a stored one's URL
            self.stats.inc_value("newscrawl/articles_failed")
            logger.warning("[%s] suspicious replacement at %s: %s; the stored article is kept "
                           "as it was and the page is not stored: open both and decide",
                           item.site, item.url, self.db.suspicious)
            record_problem(self.stats, "suspicious_replacement", item.url, logging.WARNING)
            return item
        demoted = len(self.db.demoted)          # stored copies this original replaced
        if demoted:
            # the story was stored (and counted new) already, as a copy, by whichever run or
            # spider stored it: the original takes its place, one more copy is recorded
            self.stats.inc_value("newscrawl/articles_duplicate", demoted)
        if not (outcome == "new" and demoted):
            self.stats.inc_value(f"newscrawl/articles_{outcome}")
        return item

    def close_spider(self) -> None:
        self.db = None          # closed by crawler.runs.CrawlRunRecorder, after the run's row
