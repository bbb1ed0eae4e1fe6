"""The newscrawl database, and the only code that runs SQL on it.

* crawler/store/schema.py: every table, index, trigger and view, as sqlite-utils Migrations, and
  ``connect()``, which opens a file safely while other processes open it too;
* crawler/store/newsdb.py: ``NewsDB``, every question the crawler, the scheduler and the CLI ask
  of the database (articles, raw pages, duplicates, refused pages), with
* crawler/store/runs.py: its crawl_runs questions (``CrawlRuns``, a mixin of NewsDB);
* crawler/store/cluster.py: what the cluster's one writer and dispatcher ask (``ClusterStore``, a
  mixin of NewsDB: runs of Scrapyd jobs, applied events, a site's snapshot for a node);
* crawler/store/search.py: full-text search (the FTS index kept by triggers, folding of
  Vietnamese, ranked queries, excerpts) and the arguments `newscrawl serve` gives Datasette.
"""
from crawler.store.newsdb import _CONTENT_FIELDS, NewsDB
from crawler.store.runs import PROBLEM_URLS_MAX, RUN_STATUSES, TZ, _pid_alive, now_iso
from crawler.store.schema import RUN_COLUMNS, RUN_COUNTERS, OpenError

__all__ = ["NewsDB", "OpenError", "now_iso", "TZ", "PROBLEM_URLS_MAX", "RUN_COLUMNS",
           "RUN_COUNTERS", "RUN_STATUSES", "_CONTENT_FIELDS", "_pid_alive"]
