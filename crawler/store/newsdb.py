"""NewsDB: every question the crawler, the scheduler and the CLI ask of the database.

The tables (their schema: crawler/store/schema.py, as migrations):

* ``articles``   one row per canonical URL: the extracted text (title, sapo, body, author,
  published_at, section, tags as a JSON list, image_url), ``extracted_by`` (JSON: per field, the
  extraction layer that answered) plus bookkeeping: ``fetched_at`` (last fetch that changed the
  row), ``first_seen_at``, ``updated_at`` (NULL until the content changes) and ``content_hash``
  (see ``Article.content_hash``; an unchanged hash means no write at all).
  Topics (crawler/topics.py, vocabulary crawler/topics.toml): ``topics`` (JSON list),
  ``labour_relevant`` (1/0); not part of the content hash, so a vocabulary edit is no article
  change (``newscrawl reextract --topics-only`` recomputes them). Their evidence (the words that
  matched) is not stored: ``topics.classify`` derives it from the text where it is shown.
* ``raw_pages``  every page fetched at an article URL as fetched, keyed by URL, so pages can be
  read again later without refetching: the articles', and those of pages that did not become
  articles (``refused_pages``). Compressed with zstd and a dictionary trained per site
  (``html_zstd``, ``dictionary``; the dictionaries in ``raw_page_dictionaries``), or zlib
  (``html_zlib``) for pages written before migration 0010 and not yet converted by
  ``recompress_raw_pages``: crawler/store/rawpages.py, whose ``read_raw_page`` reads either.
* ``article_versions`` the earlier text of an article whose text changed (one row per change).
* ``duplicates`` copies of stored stories, not stored as articles: a mirror under the same slug
  and id, the same site id under another URL, or near-identical text on another site
  (``crawler/dedup.py``), with how each matched and the similarity.
* ``refused_pages`` pages at article URLs that did not become articles, with the reason. Those
  positively not articles (not HTML, a soft 404, video-only: ``for_good``) are also in
  ``not_articles``: requested once more by the next run (the refusal may have been passing: an
  error page, a JSON answer), then not again; any other (the rules and the fallbacks read
  nothing) is requested again by every run, and ``newscrawl reextract`` reads it again.
* ``minhashes`` / ``minhash_bands`` the body signatures (512 bytes) and their LSH band keys
  (integers; one b-tree keyed by (band_key, article)) that find near-identical text in
  constant time.
* ``crawl_runs`` one row per spider run: start/finish times, status ('running', 'finished',
  'failed', 'interrupted'), counters, and what went wrong (``problems`` JSON {kind: count},
  ``problem_urls`` JSON list of "kind url", at most 50), ``exit_status`` of the crawl process
  when the scheduler ran it.

The file runs in WAL mode so Datasette can read while a crawl writes. Each write is one short
transaction taken up front (``BEGIN IMMEDIATE``): a writer waits its turn (the busy timeout of
crawler/store/schema.py, then a few bounded retries, each wait logged) and fails only with a
clear error. Every article is committed on its own, so a crash after N articles keeps those N.
Times are ISO 8601 with the +07:00 offset, seconds precision (``now_iso()``).
"""
from __future__ import annotations

import contextlib
import json
import logging
import os
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from crawler import dedup
from crawler.store.cluster import ClusterStore
from crawler.store.rawpages import RawPageWriter, dictionaries_of, read_raw_page
from crawler.store.replacement import replaces_another
from crawler.store.runs import CrawlRuns, now_iso
from crawler.store.schema import TOPIC_COLUMNS, VERSION_FIELDS as _VERSION_FIELDS, connect

if TYPE_CHECKING:
    from crawler.items import Article

logger = logging.getLogger(__name__)


# Columns copied from the Article on insert and on update (not id / first_seen_at / updated_at).
_CONTENT_FIELDS = (
    "site", "article_id", "title", "sapo", "body", "author", "published_at",
    "section", "tags", "image_url", "fetched_at", "content_hash", "slug_key", "extracted_by",
    *TOPIC_COLUMNS,
)
# A write that still finds the database locked after the busy timeout is tried this many times
# more before it fails (each wait logged).
WRITE_ATTEMPTS = 3


def _published_before(a: str | None, b: str | None) -> bool:
    """True when date `a` is strictly earlier than `b` (a missing date counts as latest)."""
    if not a:
        return False
    return not b or a < b


def topic_values(topics: list[str] | None, labour_relevant: bool | None) -> dict:
    """The articles columns of an article's topics (TOPIC_COLUMNS), as stored (all None: not
    computed)."""
    if topics is None:
        return {"topics": None, "labour_relevant": None}
    return {"topics": json.dumps(list(topics), ensure_ascii=False, separators=(",", ":")),
            "labour_relevant": int(bool(labour_relevant))}


class NewsDB(CrawlRuns, ClusterStore):
    """The newscrawl database at ``path`` (created with its parent folders if missing). The
    crawl_runs questions are in crawler/store/runs.py (CrawlRuns), the cluster's in
    crawler/store/cluster.py (ClusterStore)."""

    def __init__(self, path: str | os.PathLike[str]):
        """Open (create, migrate) the file; raises schema.OpenError naming it and why."""
        self.path = Path(path)
        self.demoted: list[str] = []   # see store_article
        self.db, self.open_seconds = connect(self.path)
        self.raw = RawPageWriter(self.db.conn)            # compresses raw pages (per site)
        self.dictionaries = dictionaries_of(self.db.conn)  # reads them
        self.longest_write_wait = 0.0  # seconds, the longest a write waited for its lock

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """One write transaction, taken up front (BEGIN IMMEDIATE) so a concurrent writer makes
        us wait instead of failing halfway; committed on exit. Nested: part of the outer one,
        in a savepoint (an error undoes the nested part, then goes on to the caller)."""
        conn = self.db.conn
        if conn.in_transaction:     # a savepoint: a failure here undoes this part only
            conn.execute("SAVEPOINT nested")
            try:
                yield
            except BaseException:
                if conn.in_transaction:     # (a full disk may have ended the whole one)
                    with contextlib.suppress(sqlite3.Error):
                        conn.execute("ROLLBACK TO nested")
                        conn.execute("RELEASE nested")
                self.raw.forget()
                self.dictionaries.forget()
                raise
            conn.execute("RELEASE nested")
            return
        start = time.monotonic()
        for attempt in range(1, WRITE_ATTEMPTS + 1):
            try:
                conn.execute("BEGIN IMMEDIATE")
                break
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) and "busy" not in str(exc) or \
                        attempt == WRITE_ATTEMPTS:
                    raise
                logger.warning("database %s: still locked by another writer after %.0f s; "
                               "waiting again (%d of %d)", self.path,
                               time.monotonic() - start, attempt, WRITE_ATTEMPTS - 1)
        waited = time.monotonic() - start
        self.longest_write_wait = max(self.longest_write_wait, waited)
        if waited >= 1.0:
            logger.info("database %s: a write waited %.2f s for another writer", self.path, waited)
        try:
            yield
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            # a dictionary inserted in the rolled-back transaction is not stored: reload
            self.raw.forget()
            self.dictionaries.forget()
            raise
        else:
            conn.execute("COMMIT")

    # --- articles -----------------------------------------------------------------------
    def store_article(self, article: "Article", content_type: str = "text/html",
                      changed_at: str | None = None) -> str:
        """Insert or refresh one article (and its raw page) in one committed transaction.

        Returns "new", "unchanged" (same content hash: nothing is written), "updated" (the old
        text goes to article_versions), "duplicate" (a copy of a stored story: recorded in
        `duplicates`, not stored) or "suspicious" (the page would replace a different article's
        title and most of its text, or carries another site id, under one URL: nothing is
        written, the stored article stays as it is, `self.suspicious` says why). When the
        incoming article is the original of stored copies, it replaces them: they move to
        `duplicates`, and `self.demoted` lists their URLs.
        """
        fetched_at = article.fetched_at or now_iso()
        self.demoted = []
        self.suspicious = None
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
            "extracted_by": json.dumps(getattr(article, "extracted_by", None) or {},
                                       ensure_ascii=False, sort_keys=True),
            **topic_values(article.topics, article.labour_relevant),
        }
        with self.transaction():
            # read as an article now: no longer a refused page (`newscrawl reextract`, a new run)
            self.db.execute("DELETE FROM refused_pages WHERE url = ?", [article.url])
            self.db.execute("DELETE FROM not_articles WHERE url = ?", [article.url])
            existing = self._same_article(article)
            if existing is None or existing["content_hash"] != row["content_hash"]:
                # the signature only of a text to store (not of an unchanged refetch), and its
                # LSH band keys, once (the candidates' lookup, then the stored rows)
                sig = dedup.signature(article.body or "")
                keys = None if sig is None else dedup.band_keys(sig)
            if existing is None:
                matches = self._same_story(article, row["slug_key"], sig, keys)
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
                cols = ("url", *_CONTENT_FIELDS, "first_seen_at", "found_by")
                found_by = getattr(article, "found_by", None)   # discovery's channels
                cur = self.db.execute(
                    f"INSERT INTO articles ({', '.join(cols)}) "
                    f"VALUES ({', '.join('?' * len(cols))})",
                    [article.url, *(row[c] for c in _CONTENT_FIELDS), fetched_at,
                     json.dumps(found_by) if found_by else None],
                )
                self._put_signature(cur.lastrowid, sig, keys)
                outcome = "new"
            elif existing["content_hash"] == row["content_hash"]:
                # the same text: only topics computed with another vocabulary are refreshed
                if row["topics"] is not None and any(existing[c] != row[c] for c in TOPIC_COLUMNS):
                    self.db.execute("UPDATE articles SET topics = ?, labour_relevant = ? "
                                    "WHERE id = ?",
                                    [*(row[c] for c in TOPIC_COLUMNS), existing["id"]])
                return "unchanged"
            elif (replaced := replaces_another(existing, article)) is not None:
                self.suspicious = replaced     # another article's text: not a version of this one
                return "suspicious"
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
                self._put_signature(existing["id"], sig, keys)
                outcome = "updated"
            if article.html is not None:
                self._put_raw(article.site, existing["url"] if existing else article.url,
                              article.html, fetched_at, content_type, article.etag,
                              article.last_modified)
        return outcome

    def _same_article(self, article: "Article") -> dict | None:
        """The stored row of this very article: same URL, or same site and site id."""
        names = ["id", "url", "article_id", "content_hash",
                 *(f for f in _VERSION_FIELDS if f != "url"),
                 *TOPIC_COLUMNS]
        columns = ", ".join(names)
        found = self.db.execute(f"SELECT {columns} FROM articles WHERE url = ?",
                                [article.url]).fetchone()
        if found is None and article.article_id:
            found = self.db.execute(
                f"SELECT {columns} FROM articles WHERE site = ? AND article_id = ? LIMIT 1",
                [article.site, article.article_id]).fetchone()
        if found is None:
            return None
        return dict(zip(names, found))

    def _same_story(self, article: "Article", slug_key: str | None, sig,
                    keys: list[int] | None = None) -> list[tuple]:
        """Stored articles of OTHER sites (or hosts) telling the same story as `article`
        (`sig` its body's signature, `keys` its band keys if computed already):
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
        keys = dedup.band_keys(sig) if keys is None else keys
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

    def _put_signature(self, article_id: int, sig, keys: list[int] | None) -> None:
        """Store `sig` (None: none) as the article's signature, with its band keys `keys`
        (dedup.band_keys(sig)), in place of any it had: inside a write transaction."""
        old = self.db.execute("SELECT signature FROM minhashes WHERE article = ?",
                              [article_id]).fetchone()
        if old is not None:   # its band rows, by their keys (minhash_bands has no other index)
            self.db.conn.executemany(
                "DELETE FROM minhash_bands WHERE band_key = ? AND article = ?",
                [(key, article_id) for key in dedup.band_keys(dedup.from_blob(old[0]))])
            self.db.execute("DELETE FROM minhashes WHERE article = ?", [article_id])
        if sig is None:
            return
        self.db.execute("INSERT INTO minhashes (article, signature) VALUES (?, ?)",
                        [article_id, dedup.to_blob(sig)])
        self.db.conn.executemany(
            "INSERT OR IGNORE INTO minhash_bands (band_key, article) VALUES (?, ?)",
            [(key, article_id) for key in keys])

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
        self._put_signature(copy_id, None, None)
        for table, key in (("article_versions", "article"), ("articles", "id")):
            self.db.execute(f"DELETE FROM {table} WHERE {key} = ?", [copy_id])
        self.db.execute("DELETE FROM raw_pages WHERE url = ?", [url])
        return url

    def _put_raw(self, site: str, url: str, html: bytes | str, fetched_at: str,
                 content_type: str, etag: str | None = None,
                 last_modified: str | None = None) -> None:
        """Write the raw page (zstd with the site's dictionary): inside a write transaction."""
        data = html.encode("utf-8") if isinstance(html, str) else bytes(html)
        self.raw.save(self.raw.pack(site, url, data), fetched_at, content_type, etag,
                      last_modified, now_iso())

    def raw_html(self, url: str) -> bytes | None:
        """The raw page stored for ``url``, decompressed, or None."""
        row = self.db.execute(
            "SELECT html_zlib, html_zstd, dictionary FROM raw_pages WHERE url = ?", [url]
        ).fetchone()
        return None if row is None else read_raw_page(*row, self.dictionaries)

    def stored_pages(self, site: str | None, after: int, limit: int) -> list[tuple]:
        """Stored articles with their raw page, by id after `after` (keyset pagination, for
        `newscrawl reextract`): [(id, url, site, content_hash, (html_zlib, html_zstd,
        dictionary), content_type, fetched_at of the page, topics, labour_relevant)]: the page
        still compressed, read by `rawpages.read_raw_page`."""
        where = "AND a.site = ?" if site else ""
        return [(*r[:4], tuple(r[4:7]), *r[7:]) for r in self.db.execute(
            "SELECT a.id, a.url, a.site, a.content_hash, r.html_zlib, r.html_zstd, r.dictionary, "
            "r.content_type, r.fetched_at, a.topics, a.labour_relevant "
            "FROM articles a JOIN raw_pages r ON r.url = a.url "
            "WHERE a.id > ? AND (r.html_zstd IS NOT NULL OR r.html_zlib IS NOT NULL) "
            f"{where} ORDER BY a.id LIMIT ?",
            [after, *([site] if site else []), limit]).fetchall()]

    def recompress_raw_pages(self, batch: int = 200,
                             progress: "Callable[[int, int], None] | None" = None) -> int:
        """Compress again, in place, the raw pages still in the old zlib form (before migration
        0010) and those kept without a dictionary (their site had none yet): zstd with their
        site's dictionary (trained from them when the site has none and has enough pages; a page
        of a site still without one is kept in the dense dictionary-less form, rawpages.pack's
        `dense`: the crawl writes such pages at a fast level until the dictionary is trained),
        `batch` pages per committed transaction, in rowid order. Readers read every page
        throughout (either form); a killed run leaves each page in one form or the other and a
        rerun goes on. Returns the pages rewritten. `progress(done, left)` after each batch
        (left: pages still in the zlib form: counted once, less those converted since; nothing
        writes that form any more)."""
        done = last = 0
        left = 0 if progress is None else self.db.execute(
            "SELECT count(*) FROM raw_pages WHERE html_zlib IS NOT NULL").fetchone()[0]
        while True:
            rows = self.db.execute(
                "SELECT r.rowid, r.url, r.html_zlib, r.html_zstd, COALESCE(a.site, p.site, '') "
                "FROM raw_pages r LEFT JOIN articles a ON a.url = r.url "
                "LEFT JOIN refused_pages p ON p.url = r.url WHERE r.rowid > ? AND "
                "(r.html_zlib IS NOT NULL OR (r.html_zstd IS NOT NULL AND r.dictionary IS NULL)) "
                "ORDER BY r.rowid LIMIT ?", [last, batch]).fetchall()
            if not rows:
                return done
            last = rows[-1][0]
            with self.transaction():
                for _, url, old, blob, site in rows:
                    html = read_raw_page(old, blob, None, self.dictionaries)
                    packed = self.raw.pack(site, url, html, dense=True)
                    self.raw.store_dictionary(packed, now_iso())
                    if old is None and packed.dictionary is None and packed.html_zstd == blob:
                        continue       # no dictionary for its site yet, and in the dense form
                    self.db.execute(
                        "UPDATE raw_pages SET html_zstd = ?, dictionary = ?, html_zlib = NULL "
                        "WHERE url = ? AND html_zlib IS ? AND html_zstd IS ?",
                        [packed.html_zstd, packed.dictionary, url, old, blob])
                    done += 1
                    left -= old is not None
            if progress is not None:
                progress(done, left)

    def vacuum(self) -> None:
        """Give the database's free pages back to the disk (SQLite VACUUM, then a checkpoint
        that empties the WAL): the file is written again; readers keep reading meanwhile."""
        self.db.execute("VACUUM")
        self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def stored_texts(self, site: str | None, after: int, limit: int) -> list[tuple]:
        """Stored articles' text and topics by id after `after` (keyset pagination, for
        `newscrawl reextract --topics-only`):
        [(id, title, sapo, body, topics, labour_relevant)]."""
        where = "AND site = ?" if site else ""
        return [tuple(r) for r in self.db.execute(
            "SELECT id, title, sapo, body, topics, labour_relevant FROM articles "
            f"WHERE id > ? {where} ORDER BY id LIMIT ?",
            [after, *([site] if site else []), limit]).fetchall()]

    def set_topics(self, changes: Iterable[tuple[int, dict]]) -> None:
        """Store recomputed topics {topics, labour_relevant} (as `topic_values`
        gives them) of articles by id, in one transaction; the text and its hash stay. No
        change: no transaction (the write lock is not taken for nothing)."""
        rows = [(*(v[c] for c in TOPIC_COLUMNS), i) for i, v in changes]
        if not rows:
            return
        with self.transaction():
            self.db.conn.executemany(
                "UPDATE articles SET topics = ?, labour_relevant = ? WHERE id = ?", rows)

    def article_ref(self, article_id: int) -> tuple | None:
        """(url, site, site id, fetched_at) of the stored article `article_id`, or None."""
        row = self.db.execute("SELECT url, site, article_id, fetched_at FROM articles "
                              "WHERE id = ?", [article_id]).fetchone()
        return tuple(row) if row else None

    def raw_fetched_at(self, url: str) -> str | None:
        """When the raw page kept for ``url`` was fetched, or None."""
        row = self.db.execute("SELECT fetched_at FROM raw_pages WHERE url = ?", [url]).fetchone()
        return row[0] if row else None

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

    def refused_before(self, url: str) -> bool:
        """Did an earlier run fetch this URL and find no article there (for any reason)?"""
        return self.db.execute("SELECT 1 FROM refused_pages WHERE url = ?",
                               [url]).fetchone() is not None

    def keep_refused(self, site: str, url: str, html: bytes | str | None, fetched_at: str,
                     content_type: str | None, reason: str, for_good: bool) -> None:
        """A page fetched at an article URL that did not become an article: its raw HTML is
        kept (raw_pages) and the refusal recorded (refused_pages), in one transaction.

        for_good: the page is positively not an article (not HTML, a soft 404, video-only,
        og:type not article); it also goes to not_articles: the next run requests it once more
        (a refusal may be passing), and once refused by two runs it is not requested again.
        Otherwise (the rules matched nothing) the next run requests it again, and
        `newscrawl reextract` reads the kept HTML again: a fixed rule recovers it."""
        with self.transaction():
            if html is not None:
                self._put_raw(site, url, html, fetched_at, content_type or "")
            self.db.execute(
                "INSERT INTO refused_pages (url, site, reason, for_good, first_refused_at, "
                "refused_at, times) VALUES (?, ?, ?, ?, ?, ?, 1) ON CONFLICT (url) DO UPDATE SET "
                "site = excluded.site, reason = excluded.reason, for_good = excluded.for_good, "
                "refused_at = excluded.refused_at, times = COALESCE(times, 0) + 1",
                [url, site, reason, int(bool(for_good)), fetched_at, fetched_at])
            if for_good:
                self.db.execute(
                    "INSERT INTO not_articles (url, site, reason, seen_at, times) "
                    "VALUES (?, ?, ?, ?, 1) ON CONFLICT (url) DO UPDATE SET "
                    "reason = excluded.reason, seen_at = excluded.seen_at, "
                    "times = COALESCE(times, 1) + 1", [url, site, reason, fetched_at])
            else:   # no longer positively refused (e.g. a soft 404 that is now a real page)
                self.db.execute("DELETE FROM not_articles WHERE url = ?", [url])

    def refused_pages(self, site: str | None = None,
                      batch: int = 64) -> Iterator[tuple[str, str, bytes, str | None]]:
        """The kept pages that did not become articles (of `site`, or all), for `newscrawl
        reextract`: (site, url, html bytes, content_type), in URL order, read a batch at a time
        (no read transaction stays open between batches)."""
        last = ""
        where = "AND p.site = ?" if site else ""
        while True:
            rows = self.db.execute(
                "SELECT p.site, p.url, r.html_zlib, r.html_zstd, r.dictionary, r.content_type "
                "FROM refused_pages p JOIN raw_pages r ON r.url = p.url WHERE p.url > ? "
                "AND (r.html_zstd IS NOT NULL OR r.html_zlib IS NOT NULL) "
                f"{where} ORDER BY p.url LIMIT ?", [last, *([site] if site else []), batch]
            ).fetchall()
            if not rows:
                return
            last = rows[-1][1]
            for page_site, url, old, blob, dictionary, content_type in rows:
                yield (page_site, url, read_raw_page(old, blob, dictionary, self.dictionaries),
                       content_type or None)

    def due_for_refresh(self, site: str, published_since: str, fetched_before: str) -> list[dict]:
        """Recent articles last fetched long enough ago to check again for changes, with the
        validators (ETag, Last-Modified) their server gave. Recent: published since
        `published_since`, or for an article stored without a date, first seen since then."""
        return list(self.db.query(
            "SELECT a.url, a.article_id, r.etag, r.last_modified FROM articles a "
            "LEFT JOIN raw_pages r ON r.url = a.url WHERE a.site = ? "
            "AND COALESCE(NULLIF(a.published_at, ''), a.first_seen_at) >= ? "
            "AND a.fetched_at < ? "
            "ORDER BY COALESCE(NULLIF(a.published_at, ''), a.first_seen_at) DESC",
            [site, published_since, fetched_before]))

    # --- summaries ----------------------------------------------------------------------
    def count(self, table: str) -> int:
        """Rows in `table` (one of the store's tables)."""
        if table not in self.db.table_names():
            raise ValueError(f"no table {table!r} in {self.path}")
        return int(self.db.execute(f"SELECT count(*) FROM [{table}]").fetchone()[0])

    def new_article_fields(self, site: str, since: str | None) -> dict[str, int]:
        """Of the articles of `site` first seen at or after `since`: how many ("articles"), and
        how many have a title, a body, a date, an author (for crawler/health.py's coverage)."""
        row = self.db.execute(
            "SELECT COUNT(*), "
            "SUM(COALESCE(TRIM(title), '') != ''), SUM(LENGTH(COALESCE(body, '')) > 0), "
            "SUM(COALESCE(published_at, '') != ''), SUM(COALESCE(TRIM(author), '') != '') "
            "FROM articles WHERE site = ? AND first_seen_at >= ?", [site, since or ""]).fetchone()
        return dict(zip(("articles", "title", "body", "date", "author"),
                        (int(v or 0) for v in row)))

    def newest_first_seen(self, site: str) -> str | None:
        """When the newest article of `site` was first stored, or None."""
        return self.db.execute("SELECT MAX(first_seen_at) FROM articles WHERE site = ?",
                               [site]).fetchone()[0]

    def newest_articles(self, sites: Iterable[str], limit: int = 5) -> list[dict]:
        """The newest articles of `sites` by publication date (undated last):
        [{site, published_at, title}]."""
        sites = list(sites)
        return list(self.db.query(
            f"SELECT site, published_at, title FROM articles WHERE site IN "
            f"({', '.join('?' * len(sites))}) ORDER BY coalesce(published_at, '') DESC LIMIT ?",
            [*sites, limit]))

    # --- lifecycle ----------------------------------------------------------------------
    def close(self) -> None:
        """Close the connection (again: nothing)."""
        try:
            self.db.close()
        except sqlite3.Error:
            pass

    def __enter__(self) -> "NewsDB":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
