"""Item pipelines, one job each: validate (100) -> normalise text to NFC (200) -> store (800).

Counters go to the crawl stats under ``newscrawl/`` and end up in the ``crawl_runs`` row
(see crawler/runs.py):

* ``newscrawl/articles_new`` / ``_unchanged`` / ``_updated``  what store_article did
* ``newscrawl/articles_failed``        dropped (no title / no body) or not stored (database error)

A database that cannot be written any more (disk full, I/O error, file gone read-only) ends the
run at once with the reason ``database_error`` (crawl_runs status 'failed'): what was committed
stays, and the next run, seeing a failed run, walks every listing page and fetches what is
missing. An error that concerns one article only (a constraint) is counted and the crawl goes on.
* ``newscrawl/articles_without_date``  stored with an empty published_at
* ``newscrawl/problem/<kind>``         one counter per kind: no_title, no_body, db_error
* ``newscrawl/problem_urls``           list of "<kind> <url>", at most 50
"""
from __future__ import annotations

import logging
import sqlite3
import unicodedata
from typing import Any

from scrapy.exceptions import DropItem

from crawler.items import Article
from crawler.problems import record_problem
from crawler.runs import crawl_db, is_database_failure, stop_for_database_error

logger = logging.getLogger(__name__)

TEXT_FIELDS = ("title", "sapo", "body", "author", "section", "site", "article_id")


class _Pipeline:
    def __init__(self, crawler: Any):
        self.crawler = crawler
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler: Any) -> "_Pipeline":
        return cls(crawler)


class ValidateArticlePipeline(_Pipeline):
    """Drop articles without a title or body; count (but keep) articles without a date."""

    def process_item(self, item: Any) -> Any:
        if not isinstance(item, Article):
            return item
        for kind, value in (("no_title", item.title), ("no_body", item.body)):
            if not (value or "").strip():
                logger.error(
                    "[%s] not stored: %s: %s — the page may not be an article or the site's "
                    "layout changed; check it with `newscrawl extract`",
                    item.site, item.url, kind.replace("_", " "),
                )
                self.stats.inc_value("newscrawl/articles_failed")
                record_problem(self.stats, kind, item.url)
                # already logged above at ERROR: keep Scrapy's own "Dropped:" line quiet
                raise DropItem(f"{kind.replace('_', ' ')}: {item.url}", log_level="DEBUG")
        if not item.published_at:
            logger.warning(
                "[%s] no publication date on %s; stored with an empty date", item.site, item.url
            )
            self.stats.inc_value("newscrawl/articles_without_date")
        return item


def nfc(value: Any) -> Any:
    return unicodedata.normalize("NFC", value) if isinstance(value, str) else value


class NormalizeTextPipeline(_Pipeline):
    """Every text field and tag in Unicode NFC (Vietnamese pages mix NFC and NFD)."""

    def process_item(self, item: Any) -> Any:
        if not isinstance(item, Article):
            return item
        for name in TEXT_FIELDS:
            setattr(item, name, nfc(getattr(item, name)))
        item.tags = [nfc(t) for t in (item.tags or [])]
        return item


class StoreArticlePipeline(_Pipeline):
    """Write each article (and its raw page) to the crawl's database, committing each one."""

    def __init__(self, crawler: Any):
        super().__init__(crawler)
        self.db = None

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
