"""All SQLite access for newscrawl: one database file, three tables, written with sqlite-utils.

Schema (created on first open, idempotently):

* ``articles``   one row per canonical URL: the extracted text (title, sapo, body, author,
  published_at, section, tags as a JSON list, image_url) plus bookkeeping: ``fetched_at`` (last
  fetch that changed the row), ``first_seen_at``, ``updated_at`` (NULL until the content changes)
  and ``content_hash`` (see ``Article.content_hash``; an unchanged hash means no write at all).
* ``raw_pages``  the page as fetched, zlib-compressed (``html_zlib``), keyed by the same URL, so
  articles can be re-extracted later without refetching.
* ``article_versions`` the earlier text of an article whose text changed (one row per change).
* ``duplicates`` copies of stored stories, not stored as articles: a mirror under the same slug
  and id, the same site id under another URL, or near-identical text on another site
  (``crawler/dedup.py``), with how each matched and the similarity.
* ``not_articles`` pages at article-like URLs that are not articles (PDF, video-only, "not
  found"), so incremental runs do not fetch them every night.
* ``minhashes`` / ``minhash_bands`` the body signatures and their LSH band keys (indexed) that
  find near-identical text in constant time.
* ``crawl_runs`` one row per spider run: start/finish times, status ('running', 'finished',
  'failed', 'interrupted'), counters, and what went wrong (``problems`` JSON {kind: count},
  ``problem_urls`` JSON list of "kind url", at most 50), ``exit_status`` of the crawl process
  when the scheduler ran it. Columns added by later versions are added to older files on open.

The file runs in WAL mode so Datasette can read while a crawl writes; every article is
committed on its own, so a crash after N articles keeps those N. Times are ISO 8601 with the
+07:00 offset, seconds precision (``now_iso()``).
"""
from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import zlib
from collections.abc import Iterable, Iterator
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import sqlite_utils

from crawler import dedup

if TYPE_CHECKING:
    from crawler.items import Article

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
PROBLEM_URLS_MAX = 50

ARTICLE_COLUMNS: dict[str, Any] = {
    "id": int,
    "url": str,
    "site": str,
    "article_id": str,
    "title": str,
    "sapo": str,
    "body": str,
    "author": str,
    "published_at": str,
    "section": str,
    "tags": str,
    "image_url": str,
    "fetched_at": str,
    "first_seen_at": str,
    "updated_at": str,
    "content_hash": str,
    "slug_key": str,     # last URL path segment, how a mirror's copy is matched (crawler/dedup.py)
}
# Columns copied from the Article on insert and on update (not id / first_seen_at / updated_at).
_CONTENT_FIELDS = (
    "site", "article_id", "title", "sapo", "body", "author", "published_at",
    "section", "tags", "image_url", "fetched_at", "content_hash", "slug_key",
)
# What an article looked like before its text changed.
_VERSION_FIELDS = ("url", "title", "sapo", "body", "author", "published_at", "content_hash",
                   "fetched_at")

RUN_COUNTERS = (
    "pages_fetched", "articles_new", "articles_unchanged", "articles_updated",
    "articles_duplicate", "articles_failed", "articles_without_date", "errors",
)
RUN_COLUMNS: dict[str, Any] = {
    "id": int,
    "spider": str,
    "started_at": str,
    "finished_at": str,
    "status": str,
    "finish_reason": str,
    "pid": int,
    **{name: int for name in RUN_COUNTERS},
    "problems": str,
    "problem_urls": str,
    # Exit status of the crawl process, filled in by the scheduler (crawler/scheduling.py); NULL
    # for runs started by hand. Negative: killed by that signal (-9 = SIGKILL).
    "exit_status": int,
    # Site health (crawler/health.py): articles found on listings/feeds, share of new articles
    # with each field, and why the site needs a look ("layout changed? ...", "stale? ...").
    "articles_found": int,
    "coverage_title": float,
    "coverage_body": float,
    "coverage_date": float,
    "coverage_author": float,
    "flag": str,
}
RUN_STATUSES = ("running", "finished", "failed", "interrupted")


def now_iso() -> str:
    """The current time in Vietnam, e.g. '2024-05-01T09:30:12+07:00'."""
    return datetime.now(TZ).isoformat(timespec="seconds")


def _published_before(a: str | None, b: str | None) -> bool:
    """True when date `a` is strictly earlier than `b` (a missing date counts as latest)."""
    if not a:
        return False
    return not b or a < b


def _pid_alive(pid: int | None) -> bool:
    if not pid or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    except OSError:
        return False
    try:  # Linux: a killed but not yet reaped process (zombie) answers os.kill too
        stat = Path(f"/proc/{pid}/stat").read_text()
        return stat.rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return True


class NewsDB:
    """The newscrawl database at ``path`` (created with its parent folders if missing)."""

    def __init__(self, path: str | os.PathLike[str]):
        self.path = Path(path)
        self.demoted: list[str] = []   # see store_article
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite_utils.Database(self.path)
        self.db.execute("PRAGMA busy_timeout=5000")
        self.db.enable_wal()
        self.db.execute("PRAGMA synchronous=NORMAL")
        self._create_schema()

    # --- schema -------------------------------------------------------------------------
    def _create_schema(self) -> None:
        db = self.db
        articles = db.table("articles")
        articles.create(
            ARTICLE_COLUMNS, pk="id", not_null={"url"}, if_not_exists=True,
        )
        # url is UNIQUE through an index (sqlite-utils has no column-level UNIQUE).
        articles.create_index(["url"], index_name="idx_articles_url", unique=True,
                              if_not_exists=True)
        articles.create_index(["site", "published_at"], if_not_exists=True)
        articles.create_index(["site", "article_id"], if_not_exists=True)
        articles.create_index(["published_at"], if_not_exists=True)
        self._add_missing_columns(articles, ARTICLE_COLUMNS)
        articles.create_index(["slug_key"], if_not_exists=True)
        articles.create_index(["title"], if_not_exists=True)

        raw_columns = {"url": str, "fetched_at": str, "content_type": str, "html_zlib": bytes,
                       "etag": str, "last_modified": str}
        db.table("raw_pages").create(raw_columns, pk="url", if_not_exists=True)
        self._add_missing_columns(db.table("raw_pages"), raw_columns)
        versions = db.table("article_versions")
        versions.create({"id": int, "article": int, **{f: str for f in _VERSION_FIELDS},
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
        not_articles = {"url": str, "site": str, "reason": str, "seen_at": str, "times": int}
        db.table("not_articles").create(not_articles, pk="url", if_not_exists=True)
        self._add_missing_columns(db.table("not_articles"), not_articles)
        db.table("minhash_bands").create({"band_key": str, "article": int}, if_not_exists=True)
        db.table("minhash_bands").create_index(["band_key"], if_not_exists=True)
        db.table("minhash_bands").create_index(["article"], if_not_exists=True)
        runs = db.table("crawl_runs")
        runs.create(RUN_COLUMNS, pk="id", if_not_exists=True)
        self._add_missing_columns(runs, RUN_COLUMNS)
        runs.create_index(["spider", "started_at"], if_not_exists=True)
        # Full-text search (articles_fts), kept in sync by SQL triggers: see crawler/search.py.
        from crawler.search import setup_fts
        setup_fts(db.conn)
        # The site_health view (one row per site: last run, coverage, flag): crawler/health.py.
        from crawler.health import setup_health_view
        setup_health_view(db.conn)

    @staticmethod
    def _add_missing_columns(table: "sqlite_utils.db.Table", columns: dict[str, Any]) -> None:
        """Bring a table made by an older version up to date (e.g. crawl_runs.exit_status)."""
        for name, kind in columns.items():
            if name in table.columns_dict:
                continue
            try:
                table.add_column(name, kind)
            except sqlite3.OperationalError as exc:  # another process added it meanwhile
                if "duplicate column" not in str(exc):
                    raise

    @contextlib.contextmanager
    def _write(self) -> Iterator[None]:
        """One write transaction, taken up front (BEGIN IMMEDIATE) so a concurrent writer makes
        us wait (busy_timeout) instead of failing halfway; committed on exit."""
        conn = self.db.conn
        if conn.in_transaction:  # nested: let the outer transaction commit
            yield
            return
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        else:
            conn.execute("COMMIT")

    # --- articles -----------------------------------------------------------------------
    def store_article(self, article: "Article", content_type: str = "text/html",
                      changed_at: str | None = None) -> str:
        """Insert or refresh one article (and its raw page) in one committed transaction.

        Returns "new", "unchanged" (same content hash: nothing is written), "updated" (the old
        text goes to article_versions) or "duplicate" (a copy of a stored story: recorded in
        `duplicates`, not stored). When the incoming article is the original of stored copies,
        it replaces them: they move to `duplicates`, and `self.demoted` lists their URLs.
        """
        fetched_at = article.fetched_at or now_iso()
        self.demoted = []
        # when the text changed (updated_at, article_versions.replaced_at): the fetch, unless
        # the page was read again without fetching it (`newscrawl reextract`)
        changed_at = changed_at or fetched_at
        row = {
            "site": article.site,
            "article_id": article.article_id,
            "title": article.title,
            "sapo": article.sapo,
            "body": article.body,
            "author": article.author,
            "published_at": article.published_at,
            "section": article.section,
            "tags": json.dumps(list(article.tags or []), ensure_ascii=False),
            "image_url": article.image_url,
            "fetched_at": fetched_at,
            "content_hash": article.content_hash,
            "slug_key": dedup.slug_key(article.url),
        }
        sig = dedup.signature(article.body or "")   # CPU work outside the write lock
        with self._write():
            existing = self._same_article(article)
            if existing is None:
                matches = self._same_story(article, row["slug_key"], sig)
                earlier = [m for m in matches
                           if not _published_before(article.published_at, m[2])]
                if earlier:   # a stored article is the original (the best match among them)
                    _, original_url, _, method, similarity = earlier[0]
                    self._record_duplicate(article.url, article.site, article.article_id,
                                           original_url, method, similarity)
                    return "duplicate"
                for copy_id, _, _, method, similarity in matches:   # all later: copies of this
                    self.demoted.append(self._demote_to_copy(copy_id, article.url, method,
                                                             similarity))
                cols = ("url", *_CONTENT_FIELDS, "first_seen_at")
                cur = self.db.execute(
                    f"INSERT INTO articles ({', '.join(cols)}) "
                    f"VALUES ({', '.join('?' * len(cols))})",
                    [article.url, *(row[c] for c in _CONTENT_FIELDS), fetched_at],
                )
                self._put_signature(cur.lastrowid, sig)
                outcome = "new"
            elif existing["content_hash"] == row["content_hash"]:
                return "unchanged"
            else:
                self.db.execute(
                    f"INSERT INTO article_versions (article, {', '.join(_VERSION_FIELDS)}, "
                    f"replaced_at) VALUES (?, {', '.join('?' * len(_VERSION_FIELDS))}, ?)",
                    [existing["id"], *(existing[f] for f in _VERSION_FIELDS), changed_at])
                fields = [c for c in _CONTENT_FIELDS if c != "slug_key"]
                self.db.execute(
                    f"UPDATE articles SET {', '.join(f'{c} = ?' for c in fields)}, "
                    "updated_at = ? WHERE id = ?",
                    [*(row[c] for c in fields), changed_at, existing["id"]],
                )
                self._put_signature(existing["id"], sig)
                outcome = "updated"
            if article.html is not None:
                self._put_raw(existing["url"] if existing else article.url, article.html,
                              fetched_at, content_type, article.etag, article.last_modified)
        return outcome

    def _same_article(self, article: "Article") -> dict | None:
        """The stored row of this very article: same URL, or same site and site id."""
        columns = "id, url, content_hash, " + ", ".join(f for f in _VERSION_FIELDS if f != "url")
        found = self.db.execute(f"SELECT {columns} FROM articles WHERE url = ?",
                                [article.url]).fetchone()
        if found is None and article.article_id:
            found = self.db.execute(
                f"SELECT {columns} FROM articles WHERE site = ? AND article_id = ? LIMIT 1",
                [article.site, article.article_id]).fetchone()
        if found is None:
            return None
        names = ["id", "url", "content_hash", *(f for f in _VERSION_FIELDS if f != "url")]
        return dict(zip(names, found))

    def _same_story(self, article: "Article", slug_key: str | None, sig) -> list[tuple]:
        """Stored articles of OTHER sites (or hosts) telling the same story as `article`:
        [(id, url, published_at, method, similarity)], best match first."""
        if slug_key:
            # a mirror: another site's article whose own id is in the same last path segment
            found = self.db.execute(
                "SELECT id, url, published_at FROM articles WHERE slug_key = ? AND site != ? "
                "AND article_id IS NOT NULL AND instr(slug_key, article_id) > 0 LIMIT 1",
                [slug_key, article.site]).fetchone()
            if found is not None:
                return [(*found, "same slug and id", 1.0)]
        if sig is None:
            return []
        keys = dedup.band_keys(sig)
        # candidates: articles sharing an LSH band, and (syndication keeps headlines) articles
        # with the same title; both are index lookups, then the similarity decides
        candidates = self.db.execute(
            "SELECT m.article, m.signature, a.url, a.published_at "
            "FROM minhash_bands b JOIN minhashes m ON m.article = b.article "
            "JOIN articles a ON a.id = b.article "
            f"WHERE b.band_key IN ({', '.join('?' * len(keys))}) AND a.site != ? UNION "
            "SELECT m.article, m.signature, a.url, a.published_at FROM articles a "
            "JOIN minhashes m ON m.article = a.id WHERE a.title = ? AND a.site != ?",
            [*keys, article.site, article.title, article.site]).fetchall()
        matches = []
        for article_id, blob, url, published_at in candidates:
            score = dedup.similarity(sig, dedup.from_blob(blob))
            if score >= dedup.NEAR_DUPLICATE_THRESHOLD:
                matches.append((article_id, url, published_at, "near-identical text",
                                round(score, 3)))
        return sorted(matches, key=lambda m: -m[4])

    def _put_signature(self, article_id: int, sig) -> None:
        self.db.execute("DELETE FROM minhash_bands WHERE article = ?", [article_id])
        self.db.execute("DELETE FROM minhashes WHERE article = ?", [article_id])
        if sig is None:
            return
        self.db.execute("INSERT INTO minhashes (article, signature) VALUES (?, ?)",
                        [article_id, dedup.to_blob(sig)])
        self.db.conn.executemany("INSERT INTO minhash_bands (band_key, article) VALUES (?, ?)",
                                 [(key, article_id) for key in dedup.band_keys(sig)])

    def _record_duplicate(self, copy_url: str, copy_site: str, copy_article_id: str | None,
                          original_url: str, method: str, similarity: float) -> None:
        self.db.execute(
            "INSERT OR REPLACE INTO duplicates (copy_url, copy_site, copy_article_id, "
            "original_url, method, similarity, found_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [copy_url, copy_site, copy_article_id, original_url, method, similarity, now_iso()])

    def _demote_to_copy(self, copy_id: int, original_url: str, method: str,
                        similarity: float) -> None:
        """The stored article `copy_id` turned out to be a copy of `original_url`: move it out.
        Returns its URL."""
        url, site, article_id = self.db.execute(
            "SELECT url, site, article_id FROM articles WHERE id = ?", [copy_id]).fetchone()
        self._record_duplicate(url, site, article_id, original_url, method, similarity)
        self.db.execute("UPDATE duplicates SET original_url = ? WHERE original_url = ?",
                        [original_url, url])
        self._put_signature(copy_id, None)
        for table, key in (("article_versions", "article"), ("articles", "id")):
            self.db.execute(f"DELETE FROM {table} WHERE {key} = ?", [copy_id])
        self.db.execute("DELETE FROM raw_pages WHERE url = ?", [url])
        return url

    def _put_raw(self, url: str, html: bytes | str, fetched_at: str, content_type: str,
                 etag: str | None = None, last_modified: str | None = None) -> None:
        data = html.encode("utf-8") if isinstance(html, str) else bytes(html)
        self.db.execute(
            "INSERT OR REPLACE INTO raw_pages (url, fetched_at, content_type, html_zlib, etag, "
            "last_modified) VALUES (?, ?, ?, ?, ?, ?)",
            [url, fetched_at, content_type, zlib.compress(data, 6), etag, last_modified],
        )

    def raw_html(self, url: str) -> bytes | None:
        """The raw page stored for ``url``, decompressed, or None."""
        row = self.db.execute(
            "SELECT html_zlib FROM raw_pages WHERE url = ?", [url]
        ).fetchone()
        if row is None or row[0] is None:
            return None
        return zlib.decompress(row[0])

    def seen(self, site: str, url: str, article_id: str | None) -> tuple[bool, str | None]:
        """Indexed lookups, the same cost at any table size: is this article (or a copy
        recorded as one) stored already? Returns (seen, its published_at if known)."""
        row = self.db.execute("SELECT published_at FROM articles WHERE url = ?", [url]).fetchone()
        if row is None and article_id:
            row = self.db.execute(
                "SELECT published_at FROM articles WHERE site = ? AND article_id = ?",
                [site, article_id]).fetchone()
        if row is not None:
            return True, row[0]
        row = self.db.execute("SELECT 1 FROM duplicates WHERE copy_url = ? UNION ALL "
                              "SELECT 1 FROM not_articles WHERE url = ? AND times >= 2",
                              [url, url]).fetchone()
        if row is None and article_id:
            row = self.db.execute(
                "SELECT 1 FROM duplicates WHERE copy_site = ? AND copy_article_id = ?",
                [site, article_id]).fetchone()
        return row is not None, None

    def failed_last_run(self, site: str, kinds: tuple[str, ...]) -> list[str]:
        """URLs the last completed run of `site` had problems of these kinds with (the first 50
        problems a run keeps in `problem_urls`), in order, once each."""
        row = self.db.execute(
            "SELECT problem_urls FROM crawl_runs WHERE spider = ? AND status != 'running' "
            "AND finished_at IS NOT NULL ORDER BY id DESC LIMIT 1", [site]).fetchone()
        urls: list[str] = []
        for entry in json.loads(row[0]) if row and row[0] else []:
            kind, _, url = str(entry).partition(" ")
            if kind in kinds and url.startswith(("http://", "https://")) and url not in urls:
                urls.append(url)
        return urls

    def refused_before(self, url: str) -> bool:
        """Was this URL found not to be an article by an earlier run?"""
        return self.db.execute("SELECT 1 FROM not_articles WHERE url = ?",
                               [url]).fetchone() is not None

    def remember_not_article(self, site: str, url: str, reason: str) -> None:
        """A page at an article-like URL that is not an article (a PDF, a video-only page, a
        "not found" page). Seen so twice (the next run tries it again, in case it was a passing
        fault), incremental runs stop fetching it."""
        with self._write():
            self.db.execute(
                "INSERT INTO not_articles (url, site, reason, seen_at, times) "
                "VALUES (?, ?, ?, ?, 1) ON CONFLICT (url) DO UPDATE SET reason = excluded.reason, "
                "seen_at = excluded.seen_at, times = COALESCE(times, 1) + 1",
                [url, site, reason, now_iso()])

    def previous_run_was_clean(self, site: str, before_run: int | None) -> bool:
        """Did the last run of `site` before `before_run` finish? If it was killed or failed,
        the next run walks all listing pages (up to the bound) instead of stopping at the first
        page of stored articles. (URLs a finished run failed on are requested again by
        crawler.middlewares.RetryFailedMiddleware.)"""
        row = self.db.execute(
            "SELECT status FROM crawl_runs WHERE spider = ? AND id < ? "
            "ORDER BY id DESC LIMIT 1", [site, before_run or 2**62]).fetchone()
        return row is None or row[0] == "finished"

    def due_for_refresh(self, site: str, published_since: str, fetched_before: str) -> list[dict]:
        """Recent articles last fetched long enough ago to check again for changes, with the
        validators (ETag, Last-Modified) their server gave."""
        return list(self.db.query(
            "SELECT a.url, a.article_id, r.etag, r.last_modified FROM articles a "
            "LEFT JOIN raw_pages r ON r.url = a.url WHERE a.site = ? AND a.published_at >= ? "
            "AND a.fetched_at < ? ORDER BY a.published_at DESC",
            [site, published_since, fetched_before]))

    # --- crawl runs ---------------------------------------------------------------------
    def start_run(self, spider: str, pid: int) -> int:
        """Record a run as 'running' (started now) and return its id."""
        with self._write():
            cur = self.db.execute(
                "INSERT INTO crawl_runs (spider, started_at, status, pid) VALUES (?, ?, ?, ?)",
                [spider, now_iso(), "running", pid],
            )
        return int(cur.lastrowid)

    def finish_run(self, run_id: int, **fields: Any) -> None:
        """Close a run. Accepts status, finish_reason, finished_at (default now), the counters
        in RUN_COUNTERS, problems (dict) and problem_urls (list)."""
        unknown = set(fields) - (set(RUN_COLUMNS) - {"id"})
        if unknown:
            raise TypeError(f"finish_run: unknown field(s) {sorted(unknown)}")
        status = fields.setdefault("status", "finished")
        if status not in RUN_STATUSES:
            raise ValueError(f"finish_run: status must be one of {RUN_STATUSES}, not {status!r}")
        fields.setdefault("finished_at", now_iso())
        if "problems" in fields and not isinstance(fields["problems"], str):
            fields["problems"] = json.dumps(fields["problems"] or {}, ensure_ascii=False)
        if "problem_urls" in fields and not isinstance(fields["problem_urls"], str):
            urls = list(fields["problem_urls"] or [])[:PROBLEM_URLS_MAX]
            fields["problem_urls"] = json.dumps(urls, ensure_ascii=False)
        sets = ", ".join(f"{k} = ?" for k in fields)
        with self._write():
            self.db.execute(
                f"UPDATE crawl_runs SET {sets} WHERE id = ?", [*fields.values(), run_id]
            )

    def mark_interrupted(self) -> int:
        """Runs still 'running' whose process is gone become 'interrupted'; returns how many."""
        stale = [
            run_id
            for run_id, pid in self.db.execute(
                "SELECT id, pid FROM crawl_runs WHERE status = 'running'"
            ).fetchall()
            if not _pid_alive(pid)
        ]
        if stale:
            now = now_iso()
            with self._write():
                for run_id in stale:
                    self.db.execute(
                        "UPDATE crawl_runs SET status = 'interrupted', finished_at = ?, "
                        "finish_reason = COALESCE(finish_reason, 'process gone') "
                        "WHERE id = ? AND status = 'running'",
                        [now, run_id],
                    )
        return len(stale)

    def runs(self, ids: Iterable[int]) -> list[dict]:
        """The crawl_runs rows with these ids, in id order; problems/problem_urls decoded."""
        ids = [int(i) for i in ids]
        if not ids:
            return []
        rows = list(self.db.query(
            f"SELECT * FROM crawl_runs WHERE id IN ({', '.join('?' * len(ids))}) ORDER BY id",
            ids,
        ))
        for row in rows:
            row["problems"] = json.loads(row["problems"]) if row["problems"] else {}
            row["problem_urls"] = json.loads(row["problem_urls"]) if row["problem_urls"] else []
        return rows

    # --- lifecycle ----------------------------------------------------------------------
    def close(self) -> None:
        try:
            self.db.close()
        except sqlite3.Error:
            pass

    def __enter__(self) -> "NewsDB":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
