"""The item pipeline: store each article (and its raw page) in the crawl's database.

What an article is was settled before it got here, once, by the page path (crawler/page.py:
decode, read, canonical URL, NFC, validate, content hash), the same for the crawl, `extract`,
`reextract` and `check`; this pipeline only stores.

Articles are written in batches: held in memory until `NEWS_STORE_BATCH_ITEMS` have come, or
the oldest has waited `NEWS_STORE_BATCH_SECONDS` (a timer checks while no article comes), then
stored together in one transaction (`NewsDB.transaction`; each article inside it in a savepoint
of its own, so an error that concerns one article undoes that article only). The batch is
written out when the spider has nothing left to fetch (`spider_idle`: a write failing then still
ends the run as 'failed', not 'finished') and when it closes (Ctrl-C / SIGTERM: Scrapy closes the
spider cleanly; a database error ending the run). A process killed outright loses only the batch
not yet written, never part of one: the database holds whole articles only, that run stays
'running' in crawl_runs (not a clean run), and the next run walks every listing page and
fetches those articles again. One transaction per batch instead of one per article is what
keeps storing cheap (a commit per article was an eighth of the crawl's storing CPU). The
transaction is taken and committed within one call (no lock held across reactor turns), so the
crawls of several sites in one process, each with its own connection, never wait on each other.

Counters go to the crawl stats under ``newscrawl/`` (when the batch is written) and end up in
the ``crawl_runs`` row (see crawler/runs.py):

* ``newscrawl/articles_new`` / ``_unchanged`` / ``_updated``  what store_article did
* ``newscrawl/articles_duplicate``     copies recorded (an original that replaced a stored copy
  counts here, not as new)
* ``newscrawl/articles_failed``        not stored (database error, or a suspicious replacement:
  the page would make a different article a "version" of the one stored under its URL, problem
  ``suspicious_replacement``, see NewsDB.store_article). When the URL was the canonical the
  page declares, the article is first stored under the address it was fetched from instead
  (problem ``bad_canonical``): a CMS that copies one canonical onto several articles loses none.
* ``newscrawl/articles_without_date``  stored with an empty published_at
* ``newscrawl/problem/db_error`` and ``newscrawl/problem_urls`` (at most 50), crawler/problems.py

A database that cannot be written any more (disk full, I/O error, file gone read-only) ends the
run at once with the reason ``database_error`` (crawl_runs status 'failed'): what was committed
stays (the batch being written is rolled back whole, its articles counted failed), and the next
run, seeing a failed run, walks every listing page and fetches what is missing. An error that
concerns one article only (a constraint) is counted and the crawl goes on.
"""
from __future__ import annotations

import dataclasses
import logging
import sqlite3
import time
from typing import Any

from crawler.items import Article
from crawler.problems import record_problem
from crawler.runs import crawl_db, is_database_failure, stop_for_database_error

logger = logging.getLogger(__name__)


class StoreArticlePipeline:
    """Write the articles (and their raw pages) to the crawl's database, a batch per
    transaction (see the module)."""

    def __init__(self, crawler: Any):
        self.crawler = crawler
        self.stats = crawler.stats
        self.db = None
        settings = crawler.settings
        self.batch_items = max(1, settings.getint("NEWS_STORE_BATCH_ITEMS"))
        self.batch_seconds = settings.getfloat("NEWS_STORE_BATCH_SECONDS")
        self.pending: list[Article] = []
        self.oldest = 0.0           # time.monotonic() when the first pending article came
        self.timer = None

    @classmethod
    def from_crawler(cls, crawler: Any) -> "StoreArticlePipeline":
        pipeline = cls(crawler)
        from scrapy import signals
        crawler.signals.connect(pipeline.spider_idle, signal=signals.spider_idle)
        return pipeline

    def spider_idle(self) -> None:
        """Nothing left to fetch: write the batch now, while the spider is open, so a write
        that fails ends the run as 'failed' (database_error), not 'finished' with articles
        missing that the next run would not look for."""
        if self.db is not None:
            self.flush()

    def open_spider(self) -> None:
        self.db = crawl_db(self.crawler)   # opened by crawler.runs.CrawlRunRecorder
        if self.timer is None and self.batch_items > 1 and self.batch_seconds > 0:
            from twisted.internet import reactor
            if reactor.running:            # a crawl (not a test feeding items by hand)
                from twisted.internet.task import LoopingCall
                self.timer = LoopingCall(self._flush_if_due)
                self.timer.start(self.batch_seconds, now=False)

    def process_item(self, item: Any) -> Any:
        if not isinstance(item, Article):
            return item
        if self.db is None:
            self.open_spider()
        if getattr(self.crawler, "newscrawl_db_failed", None) is not None:
            self._not_stored(item)          # the run is ending: fetched next run
            return item
        if not item.published_at:
            logger.warning(
                "[%s] no publication date on %s; stored with an empty date", item.site, item.url
            )
            self.stats.inc_value("newscrawl/articles_without_date")
        if not self.pending:
            self.oldest = time.monotonic()
        self.pending.append(item)
        if len(self.pending) >= self.batch_items or \
                time.monotonic() - self.oldest >= self.batch_seconds:
            self.flush()
        return item

    def _flush_if_due(self) -> None:
        if self.pending and time.monotonic() - self.oldest >= self.batch_seconds:
            self.flush()

    def flush(self) -> None:
        """Store the pending articles in one transaction (see the module)."""
        batch, self.pending = self.pending, []
        if not batch:
            return
        if getattr(self.crawler, "newscrawl_db_failed", None) is not None:
            for item in batch:
                self._not_stored(item)
            return
        try:
            with self.db.transaction():
                outcomes = [self._store(item) for item in batch]
        except (sqlite3.Error, OSError) as exc:     # the batch is rolled back whole
            for item in batch:
                self._not_stored(item)
            doing = f"storing {len(batch)} articles (the first {batch[0].url})"
            if is_database_failure(exc) or isinstance(exc, OSError):
                stop_for_database_error(self.crawler, exc, doing)
            else:
                logger.error("[%s] not stored: %s: %s (database %s); fetched again next run",
                             batch[0].site, doing, exc, self.db.path)
            return
        for item, outcome, detail in outcomes:
            self._count(item, outcome, detail)

    def _store(self, item: Article) -> tuple[Article, str, Any]:
        """One article of the batch (store_article's own transaction nests in the batch's as a
        savepoint, so a failure undoes this article only): (item, outcome, copies it demoted;
        or why it failed). A database failure propagates: the batch is undone."""
        outcome, failure = self._store_one(item)
        if outcome == "suspicious" and item.fetched_url:
            # the canonical the page declares holds another article (a CMS's copied canonical):
            # the article is stored under the address it was fetched from
            why = self.db.suspicious
            moved = dataclasses.replace(item, url=item.fetched_url, fetched_url=None)
            outcome, failure = self._store_one(moved)
            if outcome not in ("suspicious", "failed"):
                logger.info("[%s] the canonical %s of %s holds another article (%s): stored "
                            "under the address it was fetched from", item.site, item.url,
                            moved.url, why)
                record_problem(self.stats, "bad_canonical", moved.url, logging.INFO)
            item = moved if outcome != "suspicious" else item
        if outcome == "failed":
            return item, outcome, failure
        if outcome == "suspicious":             # another article under a stored one's URL
            return item, outcome, self.db.suspicious
        return item, outcome, len(self.db.demoted)

    def _store_one(self, item: Article) -> tuple[str, Exception | None]:
        """store_article's outcome, or ("failed", why) when this article alone cannot be stored
        (a constraint, a bug it meets); a database failure propagates."""
        try:
            return self.db.store_article(item), None
        except (sqlite3.Error, OSError) as exc:
            if is_database_failure(exc) or isinstance(exc, OSError):
                raise
            return "failed", exc                                # a constraint: this one only
        except Exception as exc:    # a bug met by this article: it alone is not stored
            logger.exception("[%s] storing %s failed", item.site, item.url)
            return "failed", exc

    def _count(self, item: Article, outcome: str, detail: Any) -> None:
        if outcome == "failed":
            self._not_stored(item)
            logger.error("[%s] not stored: %s: %s (database %s)", item.site, item.url, detail,
                         self.db.path)
            return
        if outcome == "suspicious":
            self.stats.inc_value("newscrawl/articles_failed")
            logger.warning("[%s] suspicious replacement at %s: %s; the stored article is kept "
                           "as it was and the page is not stored: open both and decide",
                           item.site, item.url, detail)
            record_problem(self.stats, "suspicious_replacement", item.url, logging.WARNING)
            return
        if detail:          # stored copies this original replaced
            # the story was stored (and counted new) already, as a copy, by whichever run or
            # spider stored it: the original takes its place, one more copy is recorded
            self.stats.inc_value("newscrawl/articles_duplicate", detail)
        if not (outcome == "new" and detail):
            self.stats.inc_value(f"newscrawl/articles_{outcome}")

    def _not_stored(self, item: Article) -> None:
        self.stats.inc_value("newscrawl/articles_failed")
        record_problem(self.stats, "db_error", item.url)

    def close_spider(self) -> None:
        if self.timer is not None and self.timer.running:
            self.timer.stop()
        self.timer = None
        if self.db is not None:
            self.flush()
        self.db = None          # closed by crawler.runs.CrawlRunRecorder, after the run's row
