"""Finding article links when a site's start pages or listing selectors stop working.

A site declares start pages, feeds and two listing selectors (crawler/newsspider.py). Each one
can break on the morning a site changes its template; discovery then falls back, layer by layer,
and says which layer answered:

* listing links: the site's `listing_links` ("listing-rule"); when they match nothing, the links
  of the page's main content that match `article_url` ("listing-content"), never those of the
  header, menus, footer, sidebars or "Đọc nhiều" / "Tin mới" boxes (crawler/links.py);
* next page: the site's `pagination_links`; when they match nothing, `rel=next`, a "Trang sau" /
  "›" / "»" link, or the link numbered page+1 anywhere on the page (crawler/links.py);
* a start page that fails (4xx/5xx, not HTML, no article link): once the regular crawl is done,
  the site's home page ("home"; a link there to a section of the same name is followed as the
  moved section), then its feeds ("feed": declared ones, `<link rel=alternate>` of the home page,
  the family's guesses in `feed_guesses`), then its sitemaps ("sitemap": `Sitemap:` lines of
  robots.txt, else `/sitemap.xml`; indexes followed newest first, at most
  `NEWS_SITEMAP_MAX_FILES` files and `NEWS_SITEMAP_MAX_ARTICLES` new articles a run). Each layer
  only adds the articles that are not stored yet; a WARNING names the site, the start page and
  the layers that answered.

Counters for the health flag (crawler/health.py): `newscrawl/discovery/<layer>` (article links
first found by that layer), `newscrawl/discovery/start_failed`, `newscrawl/rules/<rule>/pages`
and `/missed` for `listing_links`, `pagination_links` and `start_urls`, and
`newscrawl/pagination/<how>` (how each next page was found).

Reading links out of pages, feeds (feedparser) and sitemaps (Scrapy's sitemap utilities):
crawler/links.py.
"""
from __future__ import annotations

import logging
import re
from collections import deque
from urllib.parse import urljoin, urlsplit

import scrapy
from scrapy import signals
from scrapy.exceptions import DontCloseSpider
from scrapy.utils.sitemap import sitemap_urls_from_robots

from crawler.links import (NOT_ARTICLE_SITEMAP, NewsSitemap, alternate_feeds, entry_date,
                           feed_entry_links, main_content_links, newest_first, next_from_anchors,
                           next_page_anywhere, sitemap_body)
from crawler.problems import report_problem
from crawler.urls import canonical_url, same_site

LAYERS = ("listing-rule", "listing-content", "feed", "sitemap", "home")   # newscrawl/discovery/<layer>
FALLBACK_STAGES = ("home", "feeds", "sitemaps")
D = "newscrawl/discovery/"
R = "newscrawl/rules/"


# --- the spider's side ----------------------------------------------------------------------------

class Discovery:
    """Mixed into NewsSpider: the fallback layers above, their callbacks and counters."""

    # Feed URLs the site's CMS family usually serves, tried when a start page fails; `{section}`
    # is the last path segment of the failed start page (`/rss_feed/{section}`).
    feed_guesses: tuple[str, ...] = ()
    SECTION_STOP_SEGMENTS = {"", "index", "home", "trang-chu"}
    MOVED_SECTIONS_PER_START = 2

    def init_discovery(self) -> None:
        """Per-run state; called from `start()`."""
        self.discovered: dict[str, str] = {}            # article URL -> layer that found it first
        self.failed_starts: list[tuple[str, str]] = []  # (start URL, why)
        self.fallback_stages: deque[str] = deque()
        self.fallback_requested: set[str] = set()
        self.fallback_answers: dict[str, list[str]] = {}    # layer -> URLs that gave links
        self.home_feeds: list[str] = []
        self.sitemaps_left = self.crawler.settings.getint("NEWS_SITEMAP_MAX_FILES")
        self.sitemap_articles_left = self.crawler.settings.getint("NEWS_SITEMAP_MAX_ARTICLES")
        self.fallback_reported = False
        self.crawler.signals.connect(self.run_fallback_stage, signal=signals.spider_idle)

    def count(self, key: str, n: int = 1) -> None:
        self.crawler.stats.inc_value(key, n)

    def note_found(self, links: list[str], layer: str, source: str | None = None) -> None:
        """Record which layer found each article link first (`newscrawl/discovery/<layer>`)."""
        new = [url for url in links if url not in self.discovered]
        for url in new:
            self.discovered[url] = layer
        if new:
            self.count(D + layer, len(new))
        if links and source and layer in ("home", "feed", "sitemap"):
            self.fallback_answers.setdefault(layer, []).append(
                f"{source} ({len(links)} article links, {len(new)} not met before)")

    # --- listing pages ---------------------------------------------------------------------

    @classmethod
    def listing_links_found(cls, response) -> tuple[list[str], str]:
        """(article links of a listing page, the layer that gave them): the site's
        `listing_links` ("listing-rule"), else the page's main content ("listing-content").
        Also for `newscrawl check` and the health middleware (a class or a running spider)."""
        links = cls.article_links(response.urljoin(href) for selector in cls.listing_links
                                  for href in response.css(selector).xpath("@href").getall())
        if links:
            return links, "listing-rule"
        return cls.article_links(main_content_links(response)), "listing-content"

    def listing_article_links(self, response) -> tuple[list[str], str]:
        """`listing_links_found`, counted: `newscrawl/rules/listing_links/pages|missed`."""
        links, layer = self.listing_links_found(response)
        if self.listing_links:
            self.count(R + "listing_links/pages")
            if layer != "listing-rule":
                self.count(R + "listing_links/missed")
        return links, layer

    def is_listing_url(self, url: str) -> bool:
        return (urlsplit(url).scheme in ("http", "https") and same_site(url, self.allowed_domains)
                and not self.article_id(canonical_url(url)))

    def next_page(self, response, page: int) -> str | None:
        """The link to the next listing page: the site's `pagination_links` (a link marked next,
        reading "›" / "Trang sau", or numbered page+1); when they match nothing, the same signals
        anywhere on the page (crawler/links.py).

        Pages are followed one at a time, newest first, so a crawl can stop where older pages
        hold nothing new (or, in a backfill, where they pass the date)."""
        anchors = [a for selector in self.pagination_links for a in response.css(selector)]
        if self.pagination_links:
            self.count(R + "pagination_links/pages")
            if not anchors:
                self.count(R + "pagination_links/missed")
        if anchors:
            href, how = next_from_anchors(anchors, page), "rule"
        else:
            href, how = next_page_anywhere(response, page, self.is_listing_url)
        if href:
            self.count(f"newscrawl/pagination/{how}")
        return href

    # --- start pages that fail ---------------------------------------------------------------

    def start_page_read(self, url: str, failure: str | None) -> None:
        """Count a start page read (`rules/start_urls`); a failed one queues the fallbacks."""
        self.count(R + "start_urls/pages")
        if failure is None:
            return
        self.count(R + "start_urls/missed")
        self.count(D + "start_failed")
        self.failed_starts.append((url, failure))
        if not self.fallback_stages and len(self.failed_starts) == 1:
            self.fallback_stages.extend(FALLBACK_STAGES)

    def on_start_error(self, failure):
        """Errback of start pages: reported like any failed download, then the fallbacks."""
        response = getattr(failure.value, "response", None)
        why = (f"HTTP {response.status}" if response is not None
               else failure.getErrorMessage() or failure.type.__name__)
        self.start_page_read(failure.request.url, why)
        report_problem(self, "download_failed", failure.request.url,
                       f"start page failed ({why}); trying the site's home page, feeds and "
                       "sitemaps; check the spider's start_urls", level=logging.WARNING)

    def fallback_request(self, url: str, callback, **kwargs) -> scrapy.Request | None:
        """A request of a fallback layer, once per run (its errback only logs)."""
        if url in self.fallback_requested or not same_site(url, self.allowed_domains):
            return None
        self.fallback_requested.add(url)
        return scrapy.Request(url, callback, errback=self.on_fallback_error, dont_filter=True,
                              **kwargs)

    def failed_hosts(self) -> list[str]:
        hosts = []
        for url, _ in self.failed_starts:
            host = urlsplit(url).netloc
            if host and host not in hosts:
                hosts.append(host)
        return hosts

    def run_fallback_stage(self, spider=None) -> None:
        """spider_idle: the regular crawl is done; run the next fallback layer that has
        something to request (home page, feeds, sitemaps), or report what they found."""
        if spider is not None and spider is not self:
            return
        while self.fallback_stages:
            stage = self.fallback_stages.popleft()
            requests = [r for r in getattr(self, f"{stage}_requests")() if r is not None]
            if requests:
                for request in requests:
                    self.crawler.engine.crawl(request)
                raise DontCloseSpider
        if self.failed_starts and not self.fallback_reported:
            self.fallback_reported = True
            self.report_fallback()

    def report_fallback(self) -> None:
        starts = "; ".join(f"{url} ({why})" for url, why in self.failed_starts[:5])
        if self.fallback_answers:
            answered = "; ".join(f"{layer}: {', '.join(sources[:3])}"
                                 for layer, sources in self.fallback_answers.items())
            self.logger.warning("[%s] start page failed: %s. Article links came from the "
                                "fallbacks: %s. Check the spider's start_urls.",
                                self.name, starts, answered)
        else:
            self.logger.warning("[%s] start page failed: %s. No fallback found article links "
                                "(home page, feeds, sitemaps); check the spider's start_urls.",
                                self.name, starts)

    # stage 1: the home page

    def home_requests(self):
        read = {canonical_url(url) for url in self.start_urls}   # read already, or failed
        for host in self.failed_hosts():
            home = f"https://{host}/"
            if canonical_url(home) not in read:
                yield self.fallback_request(home, self.parse_home)

    def parse_home(self, response):
        """The home page: its main-content article links, a moved section, its feeds."""
        if not hasattr(response, "css"):
            return
        self.home_feeds += [u for u in alternate_feeds(response) if u not in self.home_feeds]
        links = self.article_links(main_content_links(response))
        yield from self.new_article_requests(links, response.url, layer="home",
                                             source=response.url)
        every_link = [response.urljoin(h) for h in response.css("a::attr(href)").getall()]
        for url in self.moved_sections(every_link):
            self.logger.warning("[%s] section moved? following %s, linked from the home page "
                                "under the failed start page's name", self.name, url)
            self.fallback_answers.setdefault("moved section", []).append(url)
            yield scrapy.Request(url, self.parse_listing, errback=self.on_fallback_error,
                                 cb_kwargs={"page": 1, "stale": 0, "chain": url})

    def section_names(self) -> set[str]:
        names = set()
        for url, _ in self.failed_starts:
            segment = urlsplit(url).path.rstrip("/").rsplit("/", 1)[-1]
            segment = re.sub(r"\.(?:html?|aspx?|php)$", "", segment.split("&", 1)[0]).lower()
            if segment not in self.SECTION_STOP_SEGMENTS:
                names.add(segment)
        return names

    def moved_sections(self, urls: list[str]) -> list[str]:
        """Links (of the home page) to a listing named like a failed start page, elsewhere: the
        same last path segment, else that name lengthened (`tin-tuc` -> `tin-tuc-su-kien`), at
        most MOVED_SECTIONS_PER_START per name, the closest first."""
        names, failed = self.section_names(), {canonical_url(u) for u, _ in self.failed_starts}
        same: dict[str, list] = {}
        out = []
        for url in urls:
            if not self.is_listing_url(url) or canonical_url(url) in failed:
                continue
            segment = urlsplit(url).path.rstrip("/").rsplit("/", 1)[-1].lower()
            segment = re.sub(r"\.(?:html?|aspx?|php)$", "", segment)
            for name in names:      # the same name, or the name lengthened (tin-tuc-su-kien)
                if segment == name or segment.startswith(name + "-"):
                    same.setdefault(name, []).append((segment != name, len(segment), url))
        for name, candidates in same.items():
            for _, _, url in sorted(set(candidates))[:self.MOVED_SECTIONS_PER_START]:
                if url not in out and url not in self.fallback_requested:
                    self.fallback_requested.add(url)
                    out.append(url)
        return out

    # stage 2: feeds

    def feeds_requests(self):
        candidates = list(self.home_feeds)
        for host in self.failed_hosts():
            for guess in self.feed_guesses:
                sections = self.section_names() if "{section}" in guess else {""}
                for section in sorted(sections):
                    candidates.append(urljoin(f"https://{host}/", guess.format(section=section)))
        for url in dict.fromkeys(candidates):
            if url not in self.feed_urls:
                yield self.fallback_request(url, self.parse_feed, meta={"fallback": True})

    def parse_feed(self, response):
        """A feed (RSS/Atom, read by feedparser): its entries' article links."""
        content_type = response.headers.get("Content-Type", b"").decode("latin-1")
        entries, not_feed = feed_entry_links(response.body, content_type)
        links = self.article_links(entries)
        if response.meta.get("fallback"):
            if not_feed:
                self.logger.info("[%s] %s: %s", self.name, response.url, not_feed)
        elif not links:
            report_problem(self, "empty_feed", response.url,
                           f"the feed lists no article links{'; ' + not_feed if not_feed else ''};"
                           " check feed_urls", logging.WARNING)
        yield from self.new_article_requests(
            links, response.url, layer="feed",
            source=response.url if response.meta.get("fallback") else None)

    # stage 3: sitemaps

    def sitemaps_requests(self):
        for host in self.failed_hosts():
            yield self.fallback_request(f"https://{host}/robots.txt", self.parse_robots,
                                        meta={"host": host,
                                              "handle_httpstatus_list": [401, 403, 404, 410]})

    def parse_robots(self, response):
        """robots.txt: its `Sitemap:` lines, else `/sitemap.xml`."""
        host = response.meta.get("host") or urlsplit(response.url).netloc
        listed = [u for u in sitemap_urls_from_robots(response.body, base_url=response.url)
                  if same_site(u, self.allowed_domains)] if response.status == 200 else []
        for url in listed or [f"https://{host}/sitemap.xml"]:
            request = self.sitemap_request(url, depth=0)
            if request is not None:
                yield request

    def sitemap_request(self, url: str, depth: int, older: tuple[str, ...] = ()):
        """A sitemap file, within NEWS_SITEMAP_MAX_FILES; `older`: the index's next files."""
        if self.sitemaps_left <= 0:
            return None
        request = self.fallback_request(url, self.parse_sitemap, cb_kwargs={
            "depth": depth, "older": older})
        if request is not None:
            request.errback = self.on_sitemap_error
            self.sitemaps_left -= 1
        return request

    def parse_sitemap(self, response, depth: int = 0, older: tuple[str, ...] = ()):
        """A sitemap index: its files newest first, one at a time; a sitemap: its article URLs
        not stored yet, newest first. The next (older) file of the index is read only while a
        file still lists articles that were not stored before this run (as pagination stops at
        a listing page of stored articles), within the bounds."""
        body = sitemap_body(response, self.crawler.settings.getint("DOWNLOAD_MAXSIZE"))
        if body is None:
            self.logger.info("[%s] %s is not a sitemap", self.name, response.url)
            yield from self.next_sitemap(depth, older)
            return
        sitemap = NewsSitemap(body)
        entries = [e for e in sitemap if e.get("loc")]
        since = self.backfill_since
        if sitemap.type == "sitemapindex":
            children = tuple(urljoin(response.url, e["loc"]) for e in newest_first(entries)
                             if not NOT_ARTICLE_SITEMAP.search(urlsplit(e["loc"]).path)
                             and not (since and entry_date(e) and entry_date(e)[:7] < since[:7]))
            if depth < 2:
                yield from self.next_sitemap(depth + 1, children)
            return
        new_before_run, picked = 0, []
        for entry in newest_first(entries):
            if since and entry_date(entry) and entry_date(entry)[:10] < since:
                continue
            [url] = self.article_links([urljoin(response.url, entry["loc"])]) or [None]
            if url is None:
                continue
            if url in self.found_this_run or not self.db.seen(self.name, url,
                                                             self.article_id(url))[0]:
                new_before_run += 1
                if url not in self.requested and url not in self.discovered and \
                        len(picked) < self.sitemap_articles_left:
                    picked.append(url)
        self.sitemap_articles_left -= len(picked)
        yield from self.new_article_requests(picked, response.url, layer="sitemap",
                                             source=response.url)
        if new_before_run and self.sitemap_articles_left > 0:
            yield from self.next_sitemap(depth, older)

    def next_sitemap(self, depth: int, older: tuple[str, ...]):
        for i, url in enumerate(older):
            request = self.sitemap_request(url, depth, older[i + 1:])
            if request is not None or self.sitemaps_left <= 0:
                if request is not None:
                    yield request
                return

    def on_sitemap_error(self, failure):
        """A sitemap file that failed: noted, and the index's next file is tried."""
        self.on_fallback_error(failure)
        kwargs = failure.request.cb_kwargs
        yield from self.next_sitemap(kwargs.get("depth", 0), kwargs.get("older", ()))

    def on_fallback_error(self, failure):
        response = getattr(failure.value, "response", None)
        why = f"HTTP {response.status}" if response is not None else failure.getErrorMessage()
        self.logger.info("[%s] fallback %s: %s", self.name, failure.request.url, why)
