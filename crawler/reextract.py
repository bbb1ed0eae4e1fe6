"""Re-extract stored articles from their kept raw HTML with the current rules (`newscrawl reextract`).

After a rule change (crawler/families.py, spiders/, crawler/extraction.py) every stored article can
be read again without refetching anything: `raw_pages` keeps each page as fetched.

* Reading: the articles with a raw page, in id order, a batch at a time (keyset pagination, so no
  read transaction stays open and memory stays flat at any table size).
* Extraction: exactly what the crawl does with a fetched page: the page decoded as
  `newscrawl extract` does (`w3lib.encoding.html_to_unicode`), the site spider's `read_page`
  (`crawler.sites.site_spiders`), the image URL made absolute, the text fields and tags in NFC
  (`crawler.pipelines`). It runs in a `multiprocessing.Pool` of `jobs` workers (default: every
  CPU), pages sent in chunks still compressed (a worker reads them with
  `crawler.store.rawpages.read_raw_page`, zstd or the old zlib, loading a site dictionary from
  the database file the first time it meets it); a worker answers "unchanged" when the content hash
  is the stored one, so only changed articles travel back.
* Writing: in this (the parent) process, through `NewsDB.store_article` only, so an update is the
  same as a crawl's: the old text goes to `article_versions`, the row, its MinHash signature and
  the search index are updated. `fetched_at` stays the fetch time (nothing was fetched);
  `updated_at` and `article_versions.replaced_at` are the time of the re-extraction. Changed
  articles are committed `batch` at a time.

A page that is no longer read as an article (no title / body: the new rules miss it), or that
fails to parse, is counted as failed and its stored row is left as it was.

Refused pages: the kept pages that did not become articles when they were fetched
(`NewsDB.refused_pages`, e.g. while a site's template broke its rules) are read again the same
way, in this process; one that is read as an article now is stored as a new article (its fetch
time the page's), and the next crawl does not fetch it again. The others stay refused.

Topics: the page path tags the topics of every text it reads (an unchanged text keeps its row,
but the vocabulary may have changed, or the database predates topics): a worker sends back the
topic columns of an unchanged article only when they differ from the stored ones, and only
those are written. Last, the articles not read that way (no raw page, failed) get their topics
computed again from their stored title, sapo and body. `recompute_topics` (`newscrawl reextract
--topics-only`) does only that: after a vocabulary edit, no page is read again.
"""
from __future__ import annotations

import multiprocessing
import os
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Callable, Iterator

from crawler.gc_tuning import after_start_up
from crawler.store import NewsDB, now_iso

# Fields an extraction yields, as stored (tags a list here, JSON in the database).
_FIELDS = ("title", "sapo", "body", "author", "published_at", "section", "tags", "image_url")


@dataclass
class Result:
    read: int = 0
    changed: int = 0
    unchanged: int = 0
    failed: int = 0
    refused_read: int = 0        # kept refused pages read again
    recovered: int = 0           # of those, now stored as articles
    seconds: float = 0.0
    jobs: int = 1
    failures: list[str] = field(default_factory=list)   # "url: why", the first 20
    topics_changed: int = 0      # articles whose text is the same but whose topics changed

    @property
    def per_second(self) -> float:
        return self.read / self.seconds if self.seconds else 0.0


# --- the worker side ---------------------------------------------------------------------------

def extract_stored(site: str, url: str, html: bytes, content_type: str | None = None,
                   fetched_at: str | None = None) -> dict:
    """What the crawl would store for this raw page today: {field: value} (NFC, with
    `extracted_by`), read by the one page path (`crawler.page.read_page`) with the site's rules
    of the layout it was fetched under (`fetched_at`, NewsSpider.earlier_rules). Raises
    ValueError with the reason when the page is not read as an article."""
    from crawler.newsspider import NewsSpider
    from crawler.sites import site_spiders, spider_for_url

    spider = site_spiders().get(site) or spider_for_url(url) or NewsSpider
    page = spider.read_page(html, url, content_type, fetched_at=fetched_at)
    if page.article is None:
        raise ValueError(f"not read as an article: {page.rejection}")
    values = {name: getattr(page.article, name) for name in _FIELDS}
    values["extracted_by"] = page.article.extracted_by
    for name in ("topics", "labour_relevant"):
        values[name] = getattr(page.article, name)
    return values


def _content_hash(values: dict) -> str:
    from crawler.items import Article
    return Article(url="", site="", article_id=None, title=values["title"], body=values["body"],
                   sapo=values["sapo"], author=values["author"],
                   published_at=values["published_at"]).content_hash


_DICTIONARIES = None   # this process's rawpages.Dictionaries (see _init_worker / reextract)


def _work(chunk: list[tuple]) -> list[tuple]:
    """Extract a chunk of (id, url, site, content_hash, stored page (html_zlib, html_zstd,
    dictionary), content_type, fetched_at, stored topics (topics, labour_relevant)):
    (id, "unchanged", topics) / (id, "changed", values) / (id, "failed", why)
    each. The page path tags the topics of the text it reads: for an unchanged text, `topics`
    is None when the stored ones are the same, else the topic columns to store; "no topics"
    when the page path computed none (they are computed again from the stored text later)."""
    from crawler.store.newsdb import topic_values
    from crawler.store.rawpages import read_raw_page

    out = []
    for article_id, url, site, stored_hash, stored, content_type, fetched_at, *topics in chunk:
        try:
            html = read_raw_page(*stored, _DICTIONARIES)
            values = extract_stored(site, url, html, content_type, fetched_at)
        except Exception as error:  # one broken page must not stop the run
            out.append((article_id, "failed", f"{type(error).__name__}: {error}"[:300]))
            continue
        if _content_hash(values) != stored_hash:
            out.append((article_id, "changed", values))
        elif values["topics"] is None:
            out.append((article_id, "unchanged", "no topics"))
        else:
            found = topic_values(values["topics"], values["labour_relevant"])
            out.append((article_id, "unchanged",
                        None if tuple(found.values()) == tuple(topics) else found))
    return out


def _preload() -> None:
    """Import the page path and warm it (one small page read: the modules it imports on first
    use, the topic vocabulary) in the parent, before the workers are forked: they inherit all
    of it instead of each importing it again (with the parent's own import for the refused
    pages, that was three times ~0.5 s CPU per run, a tenth of a 1,000-article run)."""
    from crawler.newsspider import NewsSpider
    from crawler.sites import site_spiders

    site_spiders()
    words = " ".join(["Công đoàn cơ sở chăm lo đời sống người lao động."] * 20)
    NewsSpider.read_page(f"<html><head><title>Công đoàn</title></head><body><article><h1>Công "
                         f"đoàn</h1><p>{words}</p></article></body></html>".encode(),
                         "https://example.invalid/cong-doan-1.html", "text/html; charset=utf-8")


def _init_worker(db_path: str) -> None:
    """Load the spiders once per worker; the site dictionaries are read (once each, when first
    needed) from the database file on a read-only connection of its own."""
    global _DICTIONARIES
    import sqlite3

    from crawler.sites import site_spiders
    from crawler.store.rawpages import dictionaries_of

    site_spiders()
    uri = "file:" + os.path.abspath(db_path) + "?mode=ro"
    _DICTIONARIES = dictionaries_of(lambda: sqlite3.connect(uri, uri=True, timeout=30))


# --- the parent side ---------------------------------------------------------------------------

def _batches(read, site: str | None, size: int) -> Iterator[list[tuple]]:
    """Rows of `read(site, after=id, limit=size)` (a NewsDB keyset query whose rows start with
    the article id), a batch at a time, until there are none."""
    last = 0
    while True:
        rows = read(site, after=last, limit=size)
        if not rows:
            return
        last = rows[-1][0]
        yield rows


def _store(db: NewsDB, changes: list[tuple[int, dict]], when: str) -> int:
    """Write changed extractions through store_article, in one transaction; returns how many
    were stored as updates."""
    from crawler.items import Article

    if not changes:
        return 0
    updated = 0
    with db.transaction():
        for article_id, values in changes:
            row = db.article_ref(article_id)
            if row is None:        # gone meanwhile (demoted to a copy by a concurrent crawl)
                continue
            url, site, site_id, fetched_at = row
            article = Article(url=url, site=site, article_id=site_id, fetched_at=fetched_at,
                              **values)
            if db.store_article(article, changed_at=when) == "updated":
                updated += 1
    return updated


def _recover_refused(db: NewsDB, site: str | None, result: Result) -> None:
    """Read the kept refused pages again; store those that are articles now."""
    from crawler.items import Article
    from crawler.newsspider import NewsSpider
    from crawler.sites import site_spiders, spider_for_url

    for page_site, url, html, content_type in list(db.refused_pages(site)):
        result.refused_read += 1
        fetched_at = db.raw_fetched_at(url)
        try:
            values = extract_stored(page_site, url, html, content_type, fetched_at)
        except Exception:          # still not an article: it stays refused
            continue
        spider = site_spiders().get(page_site) or spider_for_url(url) or NewsSpider
        article = Article(url=url, site=page_site, article_id=spider.article_id(url),
                          fetched_at=fetched_at, **values)
        if db.store_article(article, content_type=content_type or "text/html") == "new":
            result.recovered += 1


def reextract(db_path: str | os.PathLike[str], site: str | None = None, jobs: int | None = None,
              chunk_size: int = 32, batch: int = 200,
              progress: Callable[[Result], None] | None = None) -> Result:
    """Re-extract every stored article (of `site`, or all) from its raw page; see the module."""
    jobs = max(1, jobs or os.cpu_count() or 1)
    result = Result(jobs=jobs)
    when = now_iso()
    start = time.perf_counter()
    pool = None
    _preload()
    after_start_up()       # before the fork: the workers share the frozen start-up objects
    if jobs > 1:   # forked before the database is opened: workers hold no connection
        pool = multiprocessing.get_context("fork").Pool(jobs, initializer=_init_worker,
                                                        initargs=(os.fspath(db_path),))
    try:
        with NewsDB(db_path) as db:
            global _DICTIONARIES
            _DICTIONARIES = db.dictionaries     # for chunks extracted in this process
            pending: list[tuple[int, dict]] = []
            topics_read: set[int] = set()     # articles whose topics the page path tagged
            topic_changes: list[tuple[int, dict]] = []

            def take(answer: list[tuple]) -> None:
                nonlocal pending, topic_changes
                for item in answer:
                    result.read += 1
                    if item[1] == "unchanged":
                        result.unchanged += 1
                        if item[2] != "no topics":
                            topics_read.add(item[0])
                            if item[2] is not None:
                                topic_changes.append((item[0], item[2]))
                    elif item[1] == "failed":
                        result.failed += 1
                        if len(result.failures) < 20:
                            ref = db.article_ref(item[0])
                            result.failures.append(f"{ref[0] if ref else item[0]}: {item[2]}")
                    else:
                        pending.append((item[0], item[2]))
                        if item[2].get("topics") is not None:   # stored with the text
                            topics_read.add(item[0])
                if len(topic_changes) >= batch:
                    db.set_topics(topic_changes)
                    result.topics_changed += len(topic_changes)
                    topic_changes = []
                if len(pending) >= batch:
                    stored = _store(db, pending, when)
                    result.changed += stored
                    result.unchanged += len(pending) - stored
                    pending = []
                if progress is not None:      # each chunk: the display decides how often to show
                    result.seconds = time.perf_counter() - start
                    progress(result)

            # A bounded window of chunks in flight: pages are read from the database (in this
            # thread) only as fast as the workers extract them.
            window: deque = deque()
            for chunk in _batches(db.stored_pages, site, chunk_size):
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
            db.set_topics(topic_changes)
            result.topics_changed += len(topic_changes)
            _recover_refused(db, site, result)
            # an unchanged text keeps its row: its topics may still be new (a vocabulary edit,
            # a database from before topics). Those the page path tagged above are done; the
            # others (no raw page, failed) are tagged again from their stored text.
            result.topics_changed += _recompute_topics(db, site, skip=topics_read).changed
    finally:
        if pool is not None:
            pool.terminate()
            pool.join()
    result.seconds = time.perf_counter() - start
    return result


# --- topics only (`newscrawl reextract --topics-only`) --------------------------------------------

@dataclass
class TopicsResult:
    read: int = 0
    changed: int = 0             # articles whose topics or relevance changed
    relevant: int = 0            # articles labour-relevant after the run
    seconds: float = 0.0


def _recompute_topics(db: NewsDB, site: str | None, batch: int = 500,
                      progress: Callable[[TopicsResult], None] | None = None,
                      skip: set[int] = frozenset()) -> TopicsResult:
    from crawler.store.newsdb import topic_values
    from crawler.topics import classify, load_vocabulary

    vocabulary = load_vocabulary()   # a broken file: VocabularyError before anything is written
    result = TopicsResult()
    start = time.perf_counter()
    for rows in _batches(db.stored_texts, site, batch):
        changes = []
        for article_id, title, sapo, body, topics, relevant in rows:
            if article_id in skip:
                continue
            found = classify(title or "", sapo, body, vocabulary=vocabulary)
            values = topic_values(found.topics, found.labour_relevant)
            result.read += 1
            result.relevant += found.labour_relevant
            if (topics, relevant) != tuple(values.values()):
                changes.append((article_id, values))
        db.set_topics(changes)
        result.changed += len(changes)
        if progress is not None:
            result.seconds = time.perf_counter() - start
            progress(result)
    result.seconds = time.perf_counter() - start
    return result


def recompute_topics(db_path: str | os.PathLike[str], site: str | None = None,
                     progress: Callable[[TopicsResult], None] | None = None) -> TopicsResult:
    """Tag every stored article (of `site`, or all) again from its stored title, sapo and body
    with the current vocabulary (crawler/topics.toml): no fetching, no HTML read; only the
    topic columns of the articles whose topics changed are written (a batch per transaction).
    Raises crawler.topics.VocabularyError when the vocabulary file is broken."""
    with NewsDB(db_path) as db:
        return _recompute_topics(db, site, progress=progress)


def format_topics_result(result: TopicsResult) -> str:
    return (f"topics recomputed for {result.read} articles: changed {result.changed}, "
            f"unchanged {result.read - result.changed}; labour-relevant {result.relevant} in "
            f"{result.seconds:.1f} s")


def format_result(result: Result) -> str:
    return (f"read {result.read}, changed {result.changed}, unchanged {result.unchanged}, "
            f"failed {result.failed}; refused pages read again {result.refused_read}, "
            f"now articles {result.recovered}; topics changed {result.topics_changed} "
            f"in {result.seconds:.1f} s: "
            f"{result.per_second:.1f} articles/s ({result.jobs} "
            f"process{'es' if result.jobs > 1 else ''})")

