"""Raw pages as kept in ``raw_pages``: zstd with a dictionary trained per site, and reading both forms.

A site's pages share most of their bytes (the template). Each site gets a zstd compression
dictionary trained on its own pages, kept in the database (``raw_page_dictionaries``: id, site,
version, when, on how many pages, its size, the compression ratio it gave on pages it was not
trained on, the dictionary itself), so that the raw page of an article costs a few KB instead of
the ~16 KB zlib gave.

``raw_pages`` columns:

* ``html_zstd``   the page as one zstd frame, compressed with the dictionary ``dictionary`` (the
  id of its row in ``raw_page_dictionaries``), or with none when ``dictionary`` is NULL;
* ``html_zlib``   the form written before migration 0010 (zlib); NULL for pages written since,
  and for old pages once ``NewsDB.recompress_raw_pages`` (``newscrawl compact``) converted them.

``read_raw_page`` is the one function that turns a stored row back into the page's bytes (any
form); every reader (NewsDB.raw_html, reextract's workers, refused pages) goes through it.

Writing (``RawPageWriter``, one per NewsDB): a page is compressed with its site's newest
dictionary (loaded from the database once). The last pages of each site are remembered (at most
``TRAIN_PAGES``, in memory; for a site without a dictionary, starting from its pages already
stored without one, so that small nightly crawls add up); a dictionary is trained from them when

1. the site has none yet (its first ``TRAIN_PAGES`` pages were stored without a dictionary: they
   are compressed again with the new one in the same transaction), or
2. the template changed: the mean ratio (compressed / raw) of the last ``WINDOW`` pages
   compressed with the current dictionary is ``DEGRADED`` times the ratio the dictionary gave
   when it was trained. The new dictionary is a new version; pages written with the older one
   keep its id and read with it (dictionaries are never deleted).

A page written while its site has no dictionary yet is compressed at the fast ``PLAIN_LEVEL``:
in the common case (a site's first crawl stores ``TRAIN_PAGES`` pages or more) that form is thrown
away when the dictionary is trained, a few pages later. Pages that keep it (a site with fewer pages
so far, or whose pages came in crawls of fewer than ``TRAIN_PAGES`` each) are what ``newscrawl
compact`` (``NewsDB.recompress_raw_pages``) rewrites: with the site's dictionary when there is
one (or enough pages to train one), otherwise in the dense dictionary-less form (``ZSTD_LEVEL``,
``pack(..., dense=True)``).

Compression and training run inside the caller's write transaction, only for a page that is
written (an unchanged refetch costs nothing): training takes ~0.1 s, once per site and template.
The new dictionary's row is inserted in that transaction before the page that uses it (and a
rolled-back transaction makes the writer forget what it knew: ``forget()``), so a page never
refers to a dictionary that is not stored.
"""
from __future__ import annotations

import logging
import sqlite3
import zlib
from collections import deque
from dataclasses import dataclass, field
from typing import Callable

import zstandard

logger = logging.getLogger(__name__)

# Measured on the replay's pages not trained on (bench/results/archive.md, issue 21), 80 training
# pages, CPU per 75 KB page: 256 KB dictionary at level 6: 2.42 KB, 0.30 ms; 1 MB at level 6:
# 1.96 KB, 0.27 ms; 1 MB at level 7: 1.79 KB, 0.40 ms; level 8: 1.74 KB, 0.47 ms.
ZSTD_LEVEL = 7
# Pages written before their site has a dictionary: compressed again with it once it is trained
# (their first form thrown away), so the fastest level. On the replay's 75 KB pages without a
# dictionary (bench/results/cpu.md): level 1 0.13 ms, 17.1 KB; 3: 0.17 ms, 17.2 KB; 7: 0.75 ms,
# 15.6 KB.
PLAIN_LEVEL = 1
# bytes; a page is 60-90 KB, most of it template. At most a sixth of the training pages' bytes
# (~1.1 MB for 80 pages of 70 KB). 128 KB -> 2.8 KB per page, 256 KB -> 2.1 (level 6).
DICTIONARY_SIZE = 1024 * 1024
DICTIONARY_SHARE = 6
TRAIN_PAGES = 100              # a dictionary is trained on a site's last pages, this many
HELD_OUT = 20                  # of which the last ones only measure it (ratio on unseen pages)
WINDOW = 50                    # new pages whose mean ratio is watched against the trained one
DEGRADED = 1.8                 # that many times worse: the template changed, train a new version


def _dictionary(data: bytes) -> zstandard.ZstdCompressionDict:
    return zstandard.ZstdCompressionDict(data)


class Dictionaries:
    """Decompressors by dictionary id, each loaded once by `load(id) -> bytes | None`."""

    def __init__(self, load: Callable[[int], bytes | None]):
        self._load = load
        self._by_id: dict[int | None, zstandard.ZstdDecompressor] = {
            None: zstandard.ZstdDecompressor()}

    def decompressor(self, dictionary_id: int | None) -> zstandard.ZstdDecompressor:
        found = self._by_id.get(dictionary_id)
        if found is None:
            data = self._load(dictionary_id)
            if data is None:
                raise LookupError(f"raw page compressed with dictionary {dictionary_id}, which "
                                  "is not in raw_page_dictionaries (the database is damaged)")
            found = self._by_id[dictionary_id] = zstandard.ZstdDecompressor(
                dict_data=_dictionary(data))
        return found

    def forget(self) -> None:
        self._by_id = {None: self._by_id[None]}


def dictionaries_of(conn: sqlite3.Connection | Callable[[], sqlite3.Connection]) -> Dictionaries:
    """The dictionaries of the database open on `conn` (or on the connection `conn()` opens
    when a dictionary is first needed)."""
    opened: list[sqlite3.Connection] = []

    def load(dictionary_id: int) -> bytes | None:
        if not opened:
            opened.append(conn if isinstance(conn, sqlite3.Connection) else conn())
        row = opened[0].execute("SELECT dictionary FROM raw_page_dictionaries WHERE id = ?",
                           [dictionary_id]).fetchone()
        return row[0] if row else None
    return Dictionaries(load)


def read_raw_page(html_zlib: bytes | None, html_zstd: bytes | None, dictionary: int | None,
                  dictionaries: Dictionaries) -> bytes | None:
    """The page's bytes from a raw_pages row, whichever form it is stored in (None: no page)."""
    if html_zstd is not None:
        return dictionaries.decompressor(dictionary).decompress(html_zstd)
    if html_zlib is not None:
        return zlib.decompress(html_zlib)
    return None


@dataclass
class Packed:
    """A page compressed for its raw_pages row, and a dictionary to insert first (if any)."""
    site: str
    url: str
    html_zstd: bytes
    dictionary: int | None              # None: no dictionary, or the `trained` one
    trained: "_Trained | None" = None   # compressed with it; inserted by `save` if not yet


@dataclass
class _Trained:
    data: bytes
    pages: int
    ratio: float
    recompress: list[tuple[str, bytes, bytes]]   # (url, old blob, new blob) written dictless
    id: int | None = None                        # once inserted


@dataclass
class _Site:
    dictionary: int | None = None
    compressor: zstandard.ZstdCompressor | None = None
    ratio: float | None = None                       # trained ratio of `dictionary`
    pending: _Trained | None = None                  # trained, the compressor's, not stored yet
    # the last TRAIN_PAGES pages, oldest first: url -> (raw, blob, dictionary it was packed with)
    recent: dict[str, tuple[bytes, bytes, int | None]] = field(default_factory=dict)
    window: deque = field(default_factory=lambda: deque(maxlen=WINDOW))       # ratios


class RawPageWriter:
    """Compresses pages for raw_pages with their site's dictionary, training one when due."""

    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn
        self.fast = zstandard.ZstdCompressor(level=PLAIN_LEVEL)    # no dictionary, for now
        self.dense = zstandard.ZstdCompressor(level=ZSTD_LEVEL)    # no dictionary, to keep
        self._sites: dict[str, _Site] = {}

    def forget(self) -> None:
        """A write transaction rolled back: what this writer knew may not be stored; reload."""
        self._sites = {}

    def _site(self, site: str) -> _Site:
        state = self._sites.get(site)
        if state is None:
            state = self._sites[site] = _Site()
            row = self.conn.execute(
                "SELECT id, dictionary, ratio FROM raw_page_dictionaries WHERE site = ? "
                "ORDER BY version DESC LIMIT 1", [site]).fetchone()
            if row is not None:
                state.dictionary, state.ratio = row[0], row[2]
                state.compressor = zstandard.ZstdCompressor(level=ZSTD_LEVEL,
                                                            dict_data=_dictionary(row[1]))
            else:
                state.recent.update(self._stored_without_dictionary(site))
        return state

    def _stored_without_dictionary(self, site: str) -> dict[str, tuple[bytes, bytes, None]]:
        """The site's last stored article pages kept without a dictionary, oldest first, as
        `recent` holds them: a site whose crawls each store fewer than TRAIN_PAGES pages (the
        nightly case) still gets its dictionary once that many are stored, over several runs."""
        plain = zstandard.ZstdDecompressor()
        rows = self.conn.execute(
            "SELECT r.url, r.html_zstd FROM articles a JOIN raw_pages r ON r.url = a.url "
            "WHERE a.site = ? AND r.dictionary IS NULL AND r.html_zstd IS NOT NULL "
            "ORDER BY a.id DESC LIMIT ?", [site, TRAIN_PAGES]).fetchall()
        return {url: (plain.decompress(blob), blob, None) for url, blob in reversed(rows)}

    def pack(self, site: str, url: str, data: bytes, dense: bool = False) -> Packed:
        """Compress `data` (the page of `url` on `site`); CPU only, nothing written. Without a
        dictionary for the site: at PLAIN_LEVEL, or at ZSTD_LEVEL when `dense` (a form to keep)."""
        state = self._site(site or "")
        compressor = state.compressor or (self.dense if dense else self.fast)
        blob = compressor.compress(data)
        if state.compressor is not None and data:
            state.window.append(len(blob) / len(data))
        state.recent.pop(url, None)        # a page stored before: only its new form, now newest
        state.recent[url] = (data, blob, state.dictionary)
        if len(state.recent) > TRAIN_PAGES:
            del state.recent[next(iter(state.recent))]
        if self._due(state):
            trained = self._train(state)
            if trained is not None:
                blob = trained
        return Packed(site or "", url, blob, state.dictionary, state.pending)

    @staticmethod
    def _due(state: _Site) -> bool:
        if len(state.recent) < TRAIN_PAGES:
            return False
        if state.compressor is None:
            return True
        return (len(state.window) == WINDOW and state.ratio is not None
                and sum(state.window) / WINDOW > DEGRADED * state.ratio)

    def _train(self, state: _Site) -> bytes | None:
        """Train the site's dictionary on its recent pages (state.pending, to be stored) and
        return the last page (the one being packed) compressed with it; None: not trained."""
        recent = state.recent
        pages = [url for url, (raw, _, _) in recent.items() if raw]
        train = [recent[url][0] for url in pages[:-HELD_OUT]]
        held_out = pages[-HELD_OUT:]
        try:
            # fixed cover parameters: 3x faster than the default search, pages 1-2 % larger
            size = min(DICTIONARY_SIZE, sum(map(len, train)) // DICTIONARY_SHARE)
            trained = zstandard.train_dictionary(size, train, k=2048, d=8)
        except zstandard.ZstdError as exc:     # too few or too small samples: try later
            logger.info("raw pages: no dictionary trained (%s); pages stay compressed "
                        "without one for now", exc)
            state.recent.clear()
            return None
        compressor = zstandard.ZstdCompressor(level=ZSTD_LEVEL, dict_data=trained)
        # each recent page compressed with it at most once: the pages kept without a dictionary
        # (to store again), the held-out ones (the ratio), the last one (the page being packed)
        again: dict[str, bytes] = {}

        def with_it(url: str) -> bytes:
            if url not in again:
                again[url] = compressor.compress(recent[url][0])
            return again[url]
        ratio = (sum(len(with_it(url)) for url in held_out)
                 / max(1, sum(len(recent[url][0]) for url in held_out)))
        recompress = [(url, blob, with_it(url)) for url, (_, blob, dictionary) in recent.items()
                      if dictionary is None]
        packed = with_it(next(reversed(recent)))
        state.compressor, state.ratio, state.dictionary = compressor, ratio, None
        state.window.clear()
        state.recent.clear()
        state.pending = _Trained(trained.as_bytes(), len(train), ratio, recompress)
        return packed

    def save(self, packed: Packed, fetched_at: str, content_type: str, etag: str | None,
             last_modified: str | None, trained_at: str) -> None:
        """Write the page's row (and first the new dictionary): inside a write transaction."""
        self.store_dictionary(packed, trained_at)
        self.conn.execute(
            "INSERT OR REPLACE INTO raw_pages (url, fetched_at, content_type, html_zstd, "
            "dictionary, etag, last_modified) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [packed.url, fetched_at, content_type, packed.html_zstd, packed.dictionary, etag,
             last_modified])

    def store_dictionary(self, packed: Packed, trained_at: str) -> None:
        """Insert the dictionary `packed` was compressed with, if not stored yet (and compress
        the site's dictionary-less pages again with it), and set packed.dictionary to its id:
        inside a write transaction."""
        state = self._site(packed.site)
        t = packed.trained
        if t is not None and t.id is None:
            version = self.conn.execute(
                "SELECT COALESCE(MAX(version), 0) + 1 FROM raw_page_dictionaries WHERE site = ?",
                [packed.site]).fetchone()[0]
            cur = self.conn.execute(
                "INSERT INTO raw_page_dictionaries (site, version, trained_at, pages, size, "
                "ratio, dictionary) VALUES (?, ?, ?, ?, ?, ?, ?)",
                [packed.site, version, trained_at, t.pages, len(t.data), round(t.ratio, 5),
                 t.data])
            t.id = cur.lastrowid
            if state.pending is t:
                state.dictionary, state.pending = t.id, None
            # the site's pages stored without a dictionary while it had none, when unchanged since
            self.conn.executemany(
                "UPDATE raw_pages SET html_zstd = ?, dictionary = ? "
                "WHERE url = ? AND dictionary IS NULL AND html_zstd = ?",
                [(new, t.id, url, old) for url, old, new in t.recompress])
            logger.info("raw pages of %s: dictionary version %d trained on %d pages "
                        "(ratio %.3f on pages it was not trained on)", packed.site, version,
                        t.pages, t.ratio)
        if t is not None:
            packed.dictionary = t.id
