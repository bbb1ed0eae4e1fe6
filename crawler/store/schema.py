"""The database's schema, as sqlite-utils Migrations, and opening a file safely from many processes.

Every table, index, trigger and view of a newscrawl database is created or changed here, by a
named migration of the set ``newscrawl`` (sqlite-utils records each one applied in the table
``_sqlite_migrations``). A later change adds a migration at the end; nothing else creates schema.
Each migration is written to be harmless when its work is already done (``if_not_exists``, only
missing columns), so a file whose record was lost is brought up to date all the same.

``connect(path)`` opens a file so that any number of processes may open the same new or existing
file at the same moment (cron lines, a scheduler with ``max_parallel`` > 1, ``crawl --jobs``):

1. a read-only look: already in WAL mode with no migration pending? Then that is all (the
   common case: no lock is taken);
2. otherwise ``PRAGMA journal_mode=WAL``, then ``BEGIN EXCLUSIVE``, the pending migrations (read
   again under the lock: another process may have applied them meanwhile), ``COMMIT``.

SQLite's busy timeout does not cover every step (the switch to WAL and the first read of a file
another process is creating can answer "database is locked" at once), so each step is retried
until ``OPEN_WAIT_SECONDS``; a wait is logged with its length, and a file still locked after it
is an ``OpenError`` naming the file. So is a file that cannot be opened at all (its folder cannot
be made, it is not a SQLite database, it is read-only): ``OpenError`` says which file and why.
"""
from __future__ import annotations

import hashlib
import logging
import random
import sqlite3
import time
from pathlib import Path
from typing import Any

import sqlite_utils
from sqlite_utils import Migrations

logger = logging.getLogger(__name__)

# How long one statement waits for another process's write lock (SQLite's busy timeout), and how
# long opening a file may wait, in all, for other processes creating or migrating it.
BUSY_TIMEOUT_SECONDS = 30.0
OPEN_WAIT_SECONDS = 60.0
# An opening that took longer than this, or retried, is logged (INFO) with its length.
WAIT_WORTH_LOGGING = 0.05

ARTICLE_COLUMNS: dict[str, Any] = {
    "id": int, "url": str, "site": str, "article_id": str, "title": str, "sapo": str,
    "body": str, "author": str, "published_at": str, "section": str, "tags": str,
    "image_url": str, "fetched_at": str, "first_seen_at": str, "updated_at": str,
    "content_hash": str,
    "slug_key": str,     # last URL path segment, how a mirror's copy is matched (crawler/dedup.py)
}
VERSION_FIELDS = ("url", "title", "sapo", "body", "author", "published_at", "content_hash",
                  "fetched_at")
RUN_COUNTERS = (
    "pages_fetched", "articles_new", "articles_unchanged", "articles_updated",
    "articles_duplicate", "articles_failed", "articles_without_date", "errors",
)
RUN_COLUMNS: dict[str, Any] = {
    "id": int, "spider": str, "started_at": str, "finished_at": str, "status": str,
    "finish_reason": str, "pid": int,
    **{name: int for name in RUN_COUNTERS},
    "problems": str, "problem_urls": str,
    # Exit status of the crawl process, filled in by the scheduler (crawler/scheduling.py); NULL
    # for runs started by hand. Negative: killed by that signal (-9 = SIGKILL).
    "exit_status": int,
    # Site health (crawler/health.py): articles found on listings/feeds, share of new articles
    # with each field, and why the site needs a look ("layout changed? ...", "rules drifted? ...").
    "articles_found": int, "coverage_title": float, "coverage_body": float,
    "coverage_date": float, "coverage_author": float, "flag": str,
    # Every site rule that matched nothing on some page of the run, and which fallback answered
    # instead: JSON {rule: {"pages", "missed", "answered_by": {layer: n}}} (crawler/health.py).
    "rules_drift": str,
    # On a cluster (crawler/cluster/): the Scrapyd node that ran the crawl and its job id.
    "node": str, "job": str,
    # Discovery's reconciliation (crawler/discovery/reconciliation.py): articles of the run's
    # window the feeds and sitemaps named that were not stored before, and how many of them no
    # listing page reached ("listings incomplete?" in flag when that share is too high).
    "channel_articles": int, "listings_missed": int,
}
CHANNEL_RUN_COLUMNS = {"channel_articles": int, "listings_missed": int}
CLUSTER_RUN_COLUMNS = {"node": str, "job": str}
RAW_PAGE_COLUMNS = {"url": str, "fetched_at": str, "content_type": str, "html_zlib": bytes,
                    "etag": str, "last_modified": str}
NOT_ARTICLE_COLUMNS = {"url": str, "site": str, "reason": str, "seen_at": str, "times": int}

MIGRATIONS = Migrations("newscrawl")


def _add_missing_columns(table: "sqlite_utils.db.Table", columns: dict[str, Any]) -> None:
    for name, kind in columns.items():
        if name not in table.columns_dict:
            table.add_column(name, kind)


@MIGRATIONS(name="0001 tables")
def _tables(db: sqlite_utils.Database) -> None:
    """The tables of the versions before migrations (created if missing; a file made by an older
    version gets the columns it lacks)."""
    articles = db.table("articles")
    articles.create(ARTICLE_COLUMNS, pk="id", not_null={"url"}, if_not_exists=True)
    _add_missing_columns(articles, ARTICLE_COLUMNS)
    # url is UNIQUE through an index (sqlite-utils has no column-level UNIQUE).
    articles.create_index(["url"], index_name="idx_articles_url", unique=True, if_not_exists=True)
    for columns in (["site", "published_at"], ["site", "article_id"], ["published_at"],
                    ["slug_key"], ["title"]):
        articles.create_index(columns, if_not_exists=True)
    raw = db.table("raw_pages")
    raw.create(RAW_PAGE_COLUMNS, pk="url", if_not_exists=True)
    _add_missing_columns(raw, RAW_PAGE_COLUMNS)
    versions = db.table("article_versions")
    versions.create({"id": int, "article": int, **{f: str for f in VERSION_FIELDS},
                     "replaced_at": str}, pk="id", if_not_exists=True)
    versions.create_index(["article"], if_not_exists=True)
    duplicates = db.table("duplicates")
    duplicates.create({"id": int, "copy_url": str, "copy_site": str, "copy_article_id": str,
                       "original_url": str, "method": str, "similarity": float,
                       "found_at": str}, pk="id", if_not_exists=True)
    duplicates.create_index(["copy_url"], unique=True, if_not_exists=True)
    duplicates.create_index(["copy_site", "copy_article_id"], if_not_exists=True)
    db.table("minhashes").create({"article": int, "signature": bytes}, pk="article",
                                 if_not_exists=True)
    db.table("minhash_bands").create({"band_key": str, "article": int}, if_not_exists=True)
    db.table("minhash_bands").create_index(["band_key"], if_not_exists=True)
    db.table("minhash_bands").create_index(["article"], if_not_exists=True)
    not_articles = db.table("not_articles")
    not_articles.create(NOT_ARTICLE_COLUMNS, pk="url", if_not_exists=True)
    _add_missing_columns(not_articles, NOT_ARTICLE_COLUMNS)
    runs = db.table("crawl_runs")
    runs.create(RUN_COLUMNS, pk="id", if_not_exists=True)
    _add_missing_columns(runs, RUN_COLUMNS)
    runs.create_index(["spider", "started_at"], if_not_exists=True)


@MIGRATIONS(name="0002 articles.extracted_by")
def _extracted_by(db: sqlite_utils.Database) -> None:
    """Per field, the extraction layer that answered (JSON {"date": "header-stamp", ...})."""
    _add_missing_columns(db.table("articles"), {"extracted_by": str})


@MIGRATIONS(name="0003 refused_pages")
def _refused_pages(db: sqlite_utils.Database) -> None:
    """Pages at article URLs that did not become articles, their raw HTML kept in raw_pages.

    Only a positive refusal (not HTML, a soft 404, a video-only page, og:type not article) stays
    in not_articles; earlier versions also put pages there whose rules matched nothing, and
    refused them for ever: those rows go, so the next run requests the pages again."""
    db.table("refused_pages").create(
        {"url": str, "site": str, "reason": str, "for_good": int, "first_refused_at": str,
         "refused_at": str, "times": int}, pk="url", if_not_exists=True)
    db.table("refused_pages").create_index(["site"], if_not_exists=True)
    db.execute("DELETE FROM not_articles WHERE reason IS NULL OR reason NOT LIKE 'not HTML%'")


@MIGRATIONS(name="0004 articles_fts")
def _full_text_search(db: sqlite_utils.Database) -> None:
    """The search index and its triggers (crawler/store/search.py), filled from stored articles."""
    from crawler.store.search import setup_fts
    setup_fts(db.conn)


@MIGRATIONS(name="0006 crawl_runs.rules_drift")
def _rules_drift(db: sqlite_utils.Database) -> None:
    """Which site rules stopped matching in a run, and which fallback answered instead."""
    _add_missing_columns(db.table("crawl_runs"), {"rules_drift": str})


# Union and labour topics of an article (crawler/topics.py): a JSON list of topic names and 1/0.
# NULL until computed. The evidence (which words matched, where, their points) is not stored:
# crawler/topics.py `classify` derives it from the title, sapo and body where it is shown
# (migration 0013 dropped the column `topic_terms` that held it).
TOPIC_COLUMNS: dict[str, Any] = {"topics": str, "labour_relevant": int}


@MIGRATIONS(name="0007 articles topics")
def _topics(db: sqlite_utils.Database) -> None:
    """articles.topics, labour_relevant (filled by the crawl, and for the rows stored before by
    `newscrawl reextract` or `newscrawl reextract --topics-only`)."""
    articles = db.table("articles")
    _add_missing_columns(articles, TOPIC_COLUMNS)
    articles.create_index(["labour_relevant", "published_at"], if_not_exists=True)


@MIGRATIONS(name="0008 cluster runs and events")
def _cluster(db: sqlite_utils.Database) -> None:
    """crawl_runs.node and .job (the Scrapyd node and job of a run on a cluster; NULL for a local
    run), and cluster_events: the ids of the events the ingest process applied, so an event
    delivered twice (the ingest restarted between commit and acknowledgement) is applied once
    (crawler/cluster/ingest.py)."""
    runs = db.table("crawl_runs")
    _add_missing_columns(runs, CLUSTER_RUN_COLUMNS)
    runs.create_index(["job"], if_not_exists=True)
    db.table("cluster_events").create({"id": str, "applied_at": str}, pk="id",
                                      if_not_exists=True)


@MIGRATIONS(name="0009 articles.found_by and crawl_runs channel counts")
def _found_by(db: sqlite_utils.Database) -> None:
    """articles.found_by: the discovery channels that named the article when it was stored, first
    first (JSON list: listing, home, section, feed, sitemap, retry); NULL for articles stored
    before. crawl_runs.channel_articles and .listings_missed (crawler/discovery/)."""
    _add_missing_columns(db.table("articles"), {"found_by": str})
    _add_missing_columns(db.table("crawl_runs"), CHANNEL_RUN_COLUMNS)


RAW_PAGE_ZSTD_COLUMNS = {"html_zstd": bytes, "dictionary": int}
DICTIONARY_COLUMNS: dict[str, Any] = {
    "id": int, "site": str, "version": int, "trained_at": str, "pages": int, "size": int,
    "ratio": float, "dictionary": bytes}


@MIGRATIONS(name="0010 raw pages zstd with per-site dictionaries")
def _raw_pages_zstd(db: sqlite_utils.Database) -> None:
    """raw_page_dictionaries (a zstd dictionary per site and version, crawler/store/rawpages.py)
    and raw_pages.html_zstd + raw_pages.dictionary: pages written from now on are zstd with their
    site's dictionary. Old pages keep html_zlib and stay readable as they are (every reader reads
    both forms); `newscrawl compact` (NewsDB.recompress_raw_pages) converts them in place a batch
    per transaction, so that no long lock is taken here."""
    dictionaries = db.table("raw_page_dictionaries")
    dictionaries.create(DICTIONARY_COLUMNS, pk="id", if_not_exists=True)
    dictionaries.create_index(["site", "version"], unique=True, if_not_exists=True)
    _add_missing_columns(db.table("raw_pages"), RAW_PAGE_ZSTD_COLUMNS)
    _integer_band_keys(db)


MINHASH_BANDS_SQL = ("CREATE TABLE minhash_bands (band_key INTEGER NOT NULL, "
                     "article INTEGER NOT NULL, PRIMARY KEY (band_key, article)) WITHOUT ROWID")


def _integer_band_keys(db: sqlite_utils.Database) -> None:
    """minhash_bands as one b-tree of integer keys (band_key, article), instead of text keys in
    a table with two indexes: 0.5 KB per article instead of 1.5. The keys of the stored
    signatures are computed again (crawler/dedup.py band_keys); nothing to do when done."""
    from crawler import dedup

    columns = {c.name: c.type for c in db.table("minhash_bands").columns}
    if columns.get("band_key", "").upper() == "INTEGER" and db.execute(
            "SELECT 1 FROM sqlite_master WHERE name = 'minhash_bands' "
            "AND sql LIKE '%WITHOUT ROWID%'").fetchone():
        return
    db.execute("DROP TABLE IF EXISTS minhash_bands")
    db.execute(MINHASH_BANDS_SQL)
    rows = db.conn.execute("SELECT article, signature FROM minhashes")
    while True:
        chunk = rows.fetchmany(2000)
        if not chunk:
            break
        db.conn.executemany(
            "INSERT OR IGNORE INTO minhash_bands (band_key, article) VALUES (?, ?)",
            [(key, article) for article, blob in chunk
             for key in dedup.band_keys(dedup.from_blob(blob))])


@MIGRATIONS(name="0012 search: one index as written")
def _search_as_written(db: sqlite_utils.Database) -> None:
    """The search index over the text as written (crawler/store/search.py: a search folds the
    reader's words itself, and ranks first the articles holding them as typed) in place of the
    index over two copies of it, filled from the stored articles; new triggers."""
    from crawler.store.search import setup_fts
    setup_fts(db.conn)


@MIGRATIONS(name="0013 half the disk: no stored topic evidence, a smaller search index")
def _half_the_disk(db: sqlite_utils.Database) -> None:
    """Less disk per article (issue 21), nothing a reader sees lost:

    * articles.topic_terms dropped: the topic evidence (a third of an article's row) is derived
      from the stored text where it is shown (crawler/topics.py `classify`; the Datasette article
      page, `newscrawl topics`), not stored;
    * the search index without word positions (crawler/store/search.py, ``detail=column``: the
      search never asks for a phrase or a distance), rebuilt from the stored articles.

    Each step is skipped when done. One transaction; in WAL mode readers keep reading the file
    as it was until it commits. The rows rewritten leave free pages in the file, reused by later
    writes (`newscrawl compact --vacuum` gives them back to the disk)."""
    from crawler.store.search import setup_fts

    if "topic_terms" in db.table("articles").columns_dict:
        db.execute("ALTER TABLE articles DROP COLUMN topic_terms")
    setup_fts(db.conn)


# One row per site: its last finished run's numbers, coverage and flag (crawler/health.py says
# what they mean), how many of its runs were flagged, the articles stored, the newest first seen.
SITE_HEALTH_SQL = """CREATE VIEW site_health AS
SELECT r.spider AS site,
       r.id AS last_run,
       r.finished_at,
       r.status,
       r.articles_found,
       r.articles_new,
       r.articles_failed,
       r.coverage_title,
       r.coverage_body,
       r.coverage_date,
       r.coverage_author,
       r.flag,
       r.rules_drift,
       (SELECT COUNT(*) FROM crawl_runs f WHERE f.spider = r.spider AND f.flag IS NOT NULL
         AND f.flag != '') AS runs_flagged,
       (SELECT COUNT(*) FROM articles a WHERE a.site = r.spider) AS articles_stored,
       (SELECT MAX(first_seen_at) FROM articles a WHERE a.site = r.spider) AS newest_first_seen
FROM crawl_runs r
WHERE r.id = (SELECT MAX(id) FROM crawl_runs x WHERE x.spider = r.spider
              AND x.status != 'running')"""


def _register_site_health() -> None:
    """The site_health view: one migration per version of its SQL (named by its hash), so a
    changed definition is applied once to every file, like any other migration."""
    sql = SITE_HEALTH_SQL

    def site_health(db: sqlite_utils.Database) -> None:
        db.execute("DROP VIEW IF EXISTS site_health")
        db.execute(sql)

    digest = hashlib.sha256(sql.encode()).hexdigest()[:12]
    MIGRATIONS(name=f"0005 site_health view {digest}")(site_health)


_register_site_health()


# --- opening -----------------------------------------------------------------------------------

class OpenError(Exception):
    """The database file cannot be opened or brought up to date (which file, and why)."""

    def __init__(self, path: Path, why: str):
        self.path, self.why = path, why
        super().__init__(f"cannot open the database {path}: {why}")


def _locked(exc: BaseException) -> bool:
    text = str(exc).lower()
    return isinstance(exc, sqlite3.OperationalError) and ("locked" in text or "busy" in text)


def _is_current(db: sqlite_utils.Database) -> bool:
    mode = db.execute("PRAGMA journal_mode").fetchone()[0]
    return mode == "wal" and not MIGRATIONS.pending(db)


def _bring_up_to_date(db: sqlite_utils.Database) -> list[str]:
    """WAL mode, then the pending migrations under one exclusive lock; returns their names."""
    if db.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
        db.execute("PRAGMA journal_mode=WAL")
    db.conn.execute("BEGIN EXCLUSIVE")
    try:
        names = [m.name for m in MIGRATIONS.pending(db)]
        if names:
            MIGRATIONS.apply(db)
    except BaseException:
        if db.conn.in_transaction:
            db.conn.execute("ROLLBACK")
        raise
    db.conn.execute("COMMIT")
    return names


def connect(path: str | Path, busy_timeout: float = BUSY_TIMEOUT_SECONDS,
            wait: float = OPEN_WAIT_SECONDS) -> tuple[sqlite_utils.Database, float]:
    """Open (create, migrate) the database at `path`: (the database, seconds the opening took,
    waits for other processes included). Raises OpenError; see the module."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        blocker = next((p for p in path.parents if p.exists() and not p.is_dir()), None)
        why = f"{blocker} is a file, not a folder" if blocker else exc.strerror or str(exc)
        raise OpenError(path, f"cannot create its folder {path.parent}: {why}") from exc
    start = time.monotonic()
    attempt = 0
    while True:
        conn = None
        try:
            conn = sqlite3.connect(str(path), timeout=busy_timeout, check_same_thread=False)
            db = sqlite_utils.Database(conn)
            db.execute("PRAGMA synchronous=NORMAL")
            applied = [] if _is_current(db) else _bring_up_to_date(db)
            break
        except sqlite3.Error as exc:
            if conn is not None:
                conn.close()
            waited = time.monotonic() - start
            if not _locked(exc):
                raise OpenError(path, f"{exc} (is it a newscrawl SQLite database, on a "
                                      "writable disk?)") from exc
            if waited >= wait:
                raise OpenError(path, f"still locked by another process after {waited:.1f} s "
                                      f"({exc})") from exc
            attempt += 1
            time.sleep(min(0.5, 0.01 * 2 ** min(attempt, 6)) * (0.5 + random.random()))
    took = time.monotonic() - start
    if applied:
        logger.info("database %s: applied %s", path, ", ".join(applied))
    if attempt or took >= WAIT_WORTH_LOGGING:
        logger.info("database %s: opening took %.3f s (%d retr%s on a lock held by another "
                    "process)", path, took, attempt, "y" if attempt == 1 else "ies")
    return db, took
