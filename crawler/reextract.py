"""Re-extract stored articles from their kept raw HTML with the current rules (`newscrawl reextract`).

After a rule change (crawler/families.py, spiders/, crawler/extraction.py) every stored article can
be read again without refetching anything: `raw_pages` keeps each page as fetched.

* Reading: the articles with a raw page, in id order, a batch at a time (keyset pagination, so no
  read transaction stays open and memory stays flat at any table size).
* Extraction: exactly what the crawl does with a fetched page: the page decoded as
  `newscrawl extract` does (`w3lib.encoding.html_to_unicode`), the site spider's `read_page`
  (`crawler.sites.site_spiders`), the image URL made absolute, the text fields and tags in NFC
  (`crawler.pipelines`). It runs in a `multiprocessing.Pool` of `jobs` workers (default: every
  CPU), pages sent in chunks still compressed; a worker answers "unchanged" when the content hash
  is the stored one, so only changed articles travel back.
* Writing: in this (the parent) process, through `NewsDB.store_article` only, so an update is the
  same as a crawl's: the old text goes to `article_versions`, the row, its MinHash signature and
  the search index are updated. `fetched_at` stays the fetch time (nothing was fetched);
  `updated_at` and `article_versions.replaced_at` are the time of the re-extraction. Changed
  articles are committed `batch` at a time.

A page that is no longer read as an article (no title / body: the new rules miss it), or that
fails to parse, is counted as failed and its stored row is left as it was.
"""
from __future__ import annotations

import multiprocessing
import os
import sys
import time
import zlib
from collections import deque
from dataclasses import dataclass, field
from typing import Callable, Iterator
from urllib.parse import urljoin

from crawler.store import NewsDB, now_iso

# Fields an extraction yields, as stored (tags a list here, JSON in the database).
_FIELDS = ("title", "sapo", "body", "author", "published_at", "section", "tags", "image_url")


@dataclass
class Result:
    read: int = 0
    changed: int = 0
    unchanged: int = 0
    failed: int = 0
    seconds: float = 0.0
    jobs: int = 1
    failures: list[str] = field(default_factory=list)   # "url: why", the first 20

    @property
    def per_second(self) -> float:
        return self.read / self.seconds if self.seconds else 0.0


# --- the worker side ---------------------------------------------------------------------------

def extract_stored(site: str, url: str, html: bytes, content_type: str | None = None) -> dict:
    """What the crawl would store for this raw page today: {field: value}, NFC, as the
    pipelines leave it. Raises ValueError when the page is not read as an article."""
    from w3lib.encoding import html_to_unicode

    from crawler.newsspider import NewsSpider
    from crawler.pipelines import nfc
    from crawler.sites import site_spiders, spider_for_url

    spider = site_spiders().get(site) or spider_for_url(url) or NewsSpider
    _, text = html_to_unicode(content_type, html)
    found, _, _ = spider.read_page(text, url)
    if not found.is_article:
        raise ValueError("not read as an article: "
                         + "; ".join(found.problems or ["no title or too short"]))
    if not (found.title or "").strip() or not (found.body or "").strip():
        raise ValueError("no title or no body")
    values = {name: getattr(found, name) for name in _FIELDS}
    values["image_url"] = found.image_url and urljoin(url, found.image_url)
    for name in ("title", "sapo", "body", "author", "section"):
        values[name] = nfc(values[name])
    values["tags"] = [nfc(t) for t in (values["tags"] or [])]
    return values


def _content_hash(values: dict) -> str:
    from crawler.items import Article
    return Article(url="", site="", article_id=None, title=values["title"], body=values["body"],
                   sapo=values["sapo"], author=values["author"],
                   published_at=values["published_at"]).content_hash


def _work(chunk: list[tuple]) -> list[tuple]:
    """Extract a chunk of (id, url, site, content_hash, html_zlib, content_type):
    (id, "unchanged") / (id, "changed", values) / (id, "failed", why) each."""
    out = []
    for article_id, url, site, stored_hash, blob, content_type in chunk:
        try:
            values = extract_stored(site, url, zlib.decompress(blob), content_type)
        except Exception as error:  # one broken page must not stop the run
            out.append((article_id, "failed", f"{type(error).__name__}: {error}"[:300]))
            continue
        if _content_hash(values) == stored_hash:
            out.append((article_id, "unchanged"))
        else:
            out.append((article_id, "changed", values))
    return out


def _init_worker() -> None:
    from crawler.sites import site_spiders
    site_spiders()   # load the spiders once per worker


# --- the parent side ---------------------------------------------------------------------------

def _chunks(db: NewsDB, site: str | None, size: int) -> Iterator[list[tuple]]:
    last = 0
    where = "AND a.site = ?" if site else ""
    while True:
        rows = db.db.execute(
            "SELECT a.id, a.url, a.site, a.content_hash, r.html_zlib, r.content_type "
            "FROM articles a JOIN raw_pages r ON r.url = a.url "
            f"WHERE a.id > ? AND r.html_zlib IS NOT NULL {where} ORDER BY a.id LIMIT ?",
            [last, *([site] if site else []), size]).fetchall()
        if not rows:
            return
        last = rows[-1][0]
        yield [tuple(r) for r in rows]


def _store(db: NewsDB, changes: list[tuple[int, dict]], when: str) -> int:
    """Write changed extractions through store_article, in one transaction; returns how many
    were stored as updates."""
    from crawler.items import Article

    if not changes:
        return 0
    updated = 0
    with db._write():
        for article_id, values in changes:
            row = db.db.execute("SELECT url, site, article_id, fetched_at FROM articles "
                                "WHERE id = ?", [article_id]).fetchone()
            if row is None:        # gone meanwhile (demoted to a copy by a concurrent crawl)
                continue
            url, site, site_id, fetched_at = row
            article = Article(url=url, site=site, article_id=site_id, fetched_at=fetched_at,
                              **values)
            if db.store_article(article, changed_at=when) == "updated":
                updated += 1
    return updated


def reextract(db_path: str | os.PathLike[str], site: str | None = None, jobs: int | None = None,
              chunk_size: int = 32, batch: int = 200,
              progress: Callable[[Result], None] | None = None) -> Result:
    """Re-extract every stored article (of `site`, or all) from its raw page; see the module."""
    jobs = max(1, jobs or os.cpu_count() or 1)
    result = Result(jobs=jobs)
    when = now_iso()
    start = time.perf_counter()
    pool = None
    if jobs > 1:   # forked before the database is opened: workers hold no connection
        pool = multiprocessing.get_context("fork").Pool(jobs, initializer=_init_worker)
    try:
        with NewsDB(db_path) as db:
            pending: list[tuple[int, dict]] = []

            def take(answer: list[tuple]) -> None:
                nonlocal pending
                for item in answer:
                    result.read += 1
                    if item[1] == "unchanged":
                        result.unchanged += 1
                    elif item[1] == "failed":
                        result.failed += 1
                        if len(result.failures) < 20:
                            url = db.db.execute("SELECT url FROM articles WHERE id = ?",
                                                [item[0]]).fetchone()
                            result.failures.append(f"{url[0] if url else item[0]}: {item[2]}")
                    else:
                        pending.append((item[0], item[2]))
                if len(pending) >= batch:
                    stored = _store(db, pending, when)
                    result.changed += stored
                    result.unchanged += len(pending) - stored
                    pending = []
                if progress is not None and result.read % 1000 < len(answer):
                    result.seconds = time.perf_counter() - start
                    progress(result)

            # A bounded window of chunks in flight: pages are read from the database (in this
            # thread) only as fast as the workers extract them.
            window: deque = deque()
            for chunk in _chunks(db, site, chunk_size):
                if pool is None:
                    take(_work(chunk))
                    continue
                window.append(pool.apply_async(_work, (chunk,)))
                if len(window) >= 4 * jobs:
                    take(window.popleft().get())
            while window:
                take(window.popleft().get())
            stored = _store(db, pending, when)
            result.changed += stored
            result.unchanged += len(pending) - stored
    finally:
        if pool is not None:
            pool.terminate()
            pool.join()
    result.seconds = time.perf_counter() - start
    return result


def format_result(result: Result) -> str:
    return (f"read {result.read}, changed {result.changed}, unchanged {result.unchanged}, "
            f"failed {result.failed} in {result.seconds:.1f} s: "
            f"{result.per_second:.1f} articles/s ({result.jobs} "
            f"process{'es' if result.jobs > 1 else ''})")


if __name__ == "__main__":  # pragma: no cover
    from crawler.cli import main
    sys.exit(main(["reextract", *sys.argv[1:]]))
