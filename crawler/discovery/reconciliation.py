"""Which channels found each article, and how complete the listings were.

Every article link the spider meets is noted with the channel that named it (`note_found`):

* `listing`: a start page and its pagination (its links by the site's `listing_links` or from
  the page's main content: the layers `listing-rule` / `listing-content`);
* `home`: the home page read as a listing, with its own pagination, when a start page failed;
* `section`: a section of the home page's menu, when a start page failed (crawler/discovery/
  sections.py);
* `feed`, `sitemap`: the site's feeds and sitemaps, read every run (crawler/discovery/channels.py);
* `retry`: an article page the previous run failed on (crawler/middlewares.py).

An article stored this run carries the channels that named it, first one first
(`Article.found_by`, the column `articles.found_by`); channels that named it after it was stored
(a sitemap read once the listings were done) are added to its row at the end of the run.

At the end of a run, `reconcile()` compares the channels: of the articles the feeds and sitemaps
named within the run's window (dated on or after its first day, or undated) that were not stored
before the run (M), how many no listing page reached (N: listing, home or section). The counts
go to the stats `newscrawl/channels/named` and `/not_on_listings` and to the crawl_runs columns
`channel_articles` and `listings_missed`; crawler/health.py raises
`listings incomplete? N of M articles in the feed/sitemap were not on the listing pages` when
N / M reaches `NEWS_LISTINGS_MISSED_THRESHOLD` (0.2), unless a start page could not be read at all
(then its articles were on no listing page read, and the start page is flagged as drifted).
Those articles are fetched and stored all the same.

Scope: a start page, its pagination and a declared feed are the site's union and labour sections;
the home page, a menu section, an undeclared feed and a sitemap name the whole site (sport,
weather, ...). An article that only such a site-wide channel reached is stored only when its text
is about labour (`Article.labour_relevant`, crawler/topics.py); otherwise it is counted under
`newscrawl/channels/out_of_scope`, logged at INFO, left out of the reconciliation's counts, and
not stored (`in_scope`).
"""
from __future__ import annotations

LISTING_CHANNELS = ("listing", "home", "section")
SIDE_CHANNELS = ("feed", "sitemap")
# the layer counted under `newscrawl/discovery/<layer>` -> the channel stored in found_by
CHANNEL_OF_LAYER = {"listing-rule": "listing", "listing-content": "listing", "home": "home",
                    "section": "section", "feed": "feed", "sitemap": "sitemap"}
D = "newscrawl/discovery/"
C = "newscrawl/channels/"


class Reconciliation:
    """Mixed into the spider (crawler/discovery/__init__.py): found_by and the channel counts."""

    def init_reconciliation(self) -> None:
        self.discovered: dict[str, str] = {}          # article URL -> layer that found it first
        self.found_by: dict[str, list[str]] = {}      # article URL -> channels, first first
        self.on_listings: set[str] = set()            # met on a listing, home or section page
        self.side_named: dict[str, str] = {}          # feed/sitemap articles of the window, new
        self.stored_channels: dict[str, list[str]] = {}   # article URL -> found_by when read
        self.fallback_answers: dict[str, list[str]] = {}    # layer -> pages that gave links
        self.declared_feed_links: set[str] = set()    # named by a feed the site declares
        self.out_of_scope: set[str] = set()           # site-wide channels only, not labour

    def note_found(self, links: list[str], layer: str, source: str | None = None) -> None:
        """Record the layer that found each article link first (`newscrawl/discovery/<layer>`)
        and the channel of every one (found_by); a fallback's page is kept for the report."""
        channel = CHANNEL_OF_LAYER.get(layer, layer)
        new = [url for url in links if url not in self.discovered]
        for url in new:
            self.discovered[url] = layer
        if new:
            self.count(D + layer, len(new))
        for url in links:
            channels = self.found_by.setdefault(url, [])
            if channel not in channels:
                channels.append(channel)
        if channel in LISTING_CHANNELS:
            self.on_listings.update(links)
        if links and source and layer in ("home", "section", "feed", "sitemap"):
            self.fallback_answers.setdefault(layer, []).append(
                f"{source} ({len(links)} article links, {len(new)} not met before)")

    def note_side_named(self, url: str, channel: str) -> None:
        """An article a feed or sitemap named within the window, not stored before this run."""
        self.side_named.setdefault(url, channel)

    def in_scope(self, url: str, labour_relevant: bool | None) -> bool:
        """Whether the article at `url` belongs to the crawl (see the module docstring): reached
        by a start page's listing or a declared feed, about labour, or not found by discovery
        this run (a refetch). Counts and remembers the others."""
        channels = self.found_by.get(url)
        if (labour_relevant is not False or not channels or "listing" in channels
                or url in self.declared_feed_links):
            return True                 # (no channels: a refetch or last run's failure)
        if url not in self.out_of_scope:
            self.out_of_scope.add(url)
            self.count(C + "out_of_scope")
            self.logger.info("[%s] %s: found only by %s and not about labour: not stored", self.name,
                             url, ", ".join(channels))
        return False

    def channels_of(self, url: str) -> list[str]:
        """The channels that named `url` this run so far (["retry"] for a page of last run's
        list), remembered so that channels met after it was stored are added at the end."""
        channels = list(self.found_by.get(url) or ["retry"])
        self.stored_channels[url] = channels
        return channels

    def complete_found_by(self) -> int:
        """Add to the rows stored this run the channels that named them after they were stored
        (a sitemap read after the listing): one transaction; returns how many rows changed. On a
        cluster node (no local database) the first channels stay."""
        import json
        changes = [(json.dumps(self.found_by[url]), url)
                   for url, channels in self.stored_channels.items()
                   if self.found_by.get(url, channels) != channels]
        if not changes or self.crawler.settings.get("NEWS_CLUSTER_REDIS"):
            return 0
        try:
            with self.db.transaction():
                self.db.db.conn.executemany(
                    "UPDATE articles SET found_by = ? WHERE url = ? AND found_by IS NOT NULL",
                    changes)
        except Exception as exc:        # bookkeeping: never a reason to fail the run
            self.logger.info("[%s] found_by not completed: %r", self.name, exc)
            return 0
        return len(changes)

    def reconcile(self) -> tuple[int, int]:
        """(M, N): the feed/sitemap articles of the window new to the archive, and those of them
        no listing page reached; also into the stats (see the module docstring)."""
        self.complete_found_by()
        for url in self.out_of_scope:
            self.side_named.pop(url, None)
        named = len(self.side_named)
        missed = [url for url in self.side_named if url not in self.on_listings]
        stats = self.crawler.stats
        stats.set_value(C + "named", named)
        stats.set_value(C + "not_on_listings", len(missed))
        for channel in SIDE_CHANNELS:
            stats.set_value(C + f"{channel}/named",
                            sum(1 for c in self.side_named.values() if c == channel))
        if missed:
            self.logger.info("[%s] %d of %d articles in the feed/sitemap were not on the listing "
                             "pages, e.g. %s", self.name, len(missed), named, missed[0])
        return named, len(missed)
