"""The newscrawl database, and the only code that runs SQL on it.

``NewsDB`` (crawler/store/newsdb.py) opens one SQLite file and answers every question the
crawler, the scheduler and the CLI ask of it: articles, raw pages, duplicates, pages that are not
articles, crawl runs.
"""
from crawler.store.newsdb import (
    _CONTENT_FIELDS,
    PROBLEM_URLS_MAX,
    RUN_COLUMNS,
    RUN_COUNTERS,
    RUN_STATUSES,
    TZ,
    NewsDB,
    _pid_alive,
    now_iso,
)

__all__ = ["NewsDB", "now_iso", "TZ", "PROBLEM_URLS_MAX", "RUN_COLUMNS", "RUN_COUNTERS",
           "RUN_STATUSES", "_CONTENT_FIELDS", "_pid_alive"]
