"""Discovery: every article a site published, found by more than one way, every run.

The spider (crawler/newsspider.py) reads its start pages and follows their pagination; once
that is done (Scrapy's spider_idle), `Discovery` runs its stages, one after another, each only
adding the articles that are not stored yet:

1. home: the site's home page, every run (one request): the feeds it announces, its menu; when
   a start page failed, also a listing with its own pagination (crawler/discovery/sections.py);
2. sections: when a start page failed, the menu's sections named like the lost one (sections.py);
3. feeds: declared, announced, the family's usual paths (crawler/discovery/channels.py);
4. sitemaps: robots.txt's `Sitemap:` lines, else /sitemap.xml, indexes newest first (channels.py);

then it compares what the channels named with what the listings reached and says how complete
the listings were (crawler/discovery/reconciliation.py), and a WARNING names the site, a failed
start page and the layers that answered.

Modules, each for one thing:

* `listings.py`: a listing page's article links (site rule, else main content: crawler/links.py)
  and its next page, counted for the health flags;
* `pagination.py`: the next page by the shape of its URL (`?page=N`, `/pN`, `/trang-N`, `&BRSR=`,
  `_cur=N`...), `rel=next`, words, numbers;
* `sections.py`: start pages that moved (301/308, flagged) or failed (home page, menu sections);
* `channels.py`: feeds and sitemaps every run, within the window since the last good run;
* `feeds.py`, `sitemaps.py`: reading them (feedparser, Scrapy's sitemap reader);
* `reconciliation.py`: which channels found each article (`articles.found_by`) and the
  "listings incomplete?" counts.

Counters (crawler/health.py reads them): `newscrawl/discovery/<layer>` (article links first
found by that layer: listing-rule, listing-content, home, section, feed, sitemap),
`newscrawl/discovery/start_failed`, `newscrawl/rules/<rule>/pages|missed` for `listing_links`,
`pagination_links` and `start_urls`, `newscrawl/pagination/<how>`, `newscrawl/channels/...`,
`newscrawl/moved_start_pages`.
"""
from __future__ import annotations

from collections import deque

import scrapy
from scrapy import signals
from scrapy.exceptions import DontCloseSpider

from crawler.discovery.channels import Channels
from crawler.discovery.listings import Listings
from crawler.discovery.reconciliation import Reconciliation
from crawler.discovery.sections import Sections
from crawler.urls import same_site

STAGES = ("home", "sections", "feeds", "sitemaps")


class Discovery(Listings, Sections, Channels, Reconciliation):
    """Mixed into NewsSpider: the stages above, their callbacks and counters."""

    def init_discovery(self) -> None:
        """Per-run state; called from the spider's `start()`."""
        self.init_reconciliation()
        self.init_sections()
        self.init_channels()
        self.stages: deque[str] = deque(STAGES)
        self.fallback_requested: set[str] = set()
        self.discovery_done = False
        self.crawler.signals.connect(self.run_next_stage, signal=signals.spider_idle)

    def count(self, key: str, n: int = 1) -> None:
        self.crawler.stats.inc_value(key, n)

    def fallback_request(self, url: str, callback, priority: int = 0, errback=None, **kwargs):
        """A request of a discovery stage, once per run (its errback, unless given, only logs)."""
        if url in self.fallback_requested or not same_site(url, self.allowed_domains):
            return None
        self.fallback_requested.add(url)
        return scrapy.Request(url, callback, errback=errback or self.on_fallback_error,
                              dont_filter=True, priority=priority, **kwargs)

    def run_next_stage(self, spider=None) -> None:
        """spider_idle: the crawl so far is done; run the next stage that has something to
        request, or reconcile the channels and report."""
        if spider is not None and spider is not self:
            return
        while self.stages:
            stage = self.stages.popleft()
            requests = [r for r in getattr(self, f"{stage}_requests")() or () if r is not None]
            if requests:
                for request in requests:
                    self.crawler.engine.crawl(request)
                raise DontCloseSpider
        if not self.discovery_done:
            self.discovery_done = True
            self.reconcile()
            if self.failed_starts:
                self.report_fallback()

    def report_fallback(self) -> None:
        starts = "; ".join(f"{url} ({why})" for url, why in self.failed_starts[:5])
        answered = {layer: sources for layer, sources in self.fallback_answers.items()}
        if answered:
            text = "; ".join(f"{layer}: {', '.join(sources[:3])}"
                             for layer, sources in answered.items())
            self.logger.warning("[%s] start page failed: %s. Article links came from: %s. "
                                "Check the spider's start_urls.", self.name, starts, text)
        else:
            self.logger.warning("[%s] start page failed: %s. No other page found article links "
                                "(home page, sections, feeds, sitemaps); check the spider's "
                                "start_urls.", self.name, starts)

    def on_fallback_error(self, failure):
        response = getattr(failure.value, "response", None)
        why = f"HTTP {response.status}" if response is not None else failure.getErrorMessage()
        self.logger.info("[%s] %s: %s", self.name, failure.request.url, why)
