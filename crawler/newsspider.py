"""The spider template every site declaration builds on: start pages -> listings -> articles.

A site declares (see spiders/ and crawler/families.py):
- `name`, `allowed_domains`, `start_urls` (listing pages: sections, tags), `feed_urls` (RSS/Atom);
- `article_url`: a regex on the URL that matches article pages; its group `id` is the site's id
  (without one, the URL's path is);
- `listing_links` / `pagination_links`: CSS selectors for article links and next-page links;
- `rules`: the `SiteRules` that read an article page (crawler/extraction.py); after a redesign,
  the old ones move to `earlier_rules` with the date the layout changed.

Start pages can be changed per run: `scrapy crawl laodongthudo -a start_urls=URL1,URL2`, and the
pagination bound with `-s NEWS_MAX_LISTING_PAGES=N`.

Incremental by default: an article already stored (same URL, same site id, or a copy recorded in
`duplicates`) is not fetched again, and pagination stops at a listing page that holds only
stored articles (`NEWS_SAFETY_PAGES` more pages if set). Articles published in the last
`NEWS_REFRESH_DAYS` days and fetched more than `NEWS_REFRESH_AFTER_HOURS` hours ago are fetched
again, conditionally (If-None-Match / If-Modified-Since), to catch corrections. A backfill
(`-s NEWS_BACKFILL_SINCE=YYYY-MM-DD`) follows pagination back to that date instead. Bad input (an empty listing, a page that is not
HTML, a page that is not an article, a failed download) is reported with site and URL and counted,
never stored and never a crash.
"""
from __future__ import annotations

import logging
import re
from datetime import datetime, timedelta
from urllib.parse import urlsplit

import scrapy
from scrapy.http import HtmlResponse

from crawler.discovery import Discovery
from crawler.extraction import RULE_FIELDS, SiteRules
from crawler.page import MOJIBAKE, Page, read_page
from crawler.problems import first_url, report_problem
from crawler.runs import crawl_db
from crawler.store import TZ, now_iso
from crawler.urls import canonical_url, same_site


def is_html(response) -> bool:
    """True for an HTML page. The Content-Type decides: a PDF at a `.html` URL is not a page."""
    content_type = response.headers.get("Content-Type", b"").decode("latin-1").lower()
    if content_type:
        return "html" in content_type and isinstance(response, HtmlResponse)
    return isinstance(response, HtmlResponse)


class NewsSpider(Discovery, scrapy.Spider):
    allowed_domains: list[str] = []
    start_urls: list[str] = []
    feed_urls: list[str] = []
    article_url: str = r"$^"
    listing_links: tuple[str, ...] = ()
    pagination_links: tuple[str, ...] = ()
    rules: SiteRules | None = None      # None: the generic trafilatura path
    # Rules of earlier layouts, kept when a redesign changes `rules` (fundus's dated parser
    # versions): ((until "YYYY-MM-DD", SiteRules), ...): a page fetched before `until` is read,
    # by `newscrawl reextract`, with the rules of its time.
    earlier_rules: tuple[tuple[str, SiteRules | None], ...] = ()

    def __init__(self, *args, start_urls: str | list[str] | None = None,
                 feed_urls: str | list[str] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if isinstance(start_urls, str):
            start_urls = [u.strip() for u in start_urls.split(",") if u.strip()]
        if isinstance(feed_urls, str):
            feed_urls = [u.strip() for u in feed_urls.split(",") if u.strip()]
        if start_urls is not None:
            self.start_urls = start_urls
        if feed_urls is not None:
            self.feed_urls = feed_urls

    ARTICLE_PRIORITY = 10   # articles of a listing page before the next listing page

    @property
    def backfill_since(self) -> str | None:
        return self.crawler.settings.get("NEWS_BACKFILL_SINCE") or None

    @property
    def max_listing_pages(self) -> int:
        if self.backfill_since:
            return self.crawler.settings.getint("NEWS_BACKFILL_MAX_PAGES")
        return self.crawler.settings.getint("NEWS_MAX_LISTING_PAGES")

    async def start(self):
        settings = self.crawler.settings
        self.db = crawl_db(self.crawler)      # the crawl's database (crawler/runs.py)
        self.reached_since: set[str] = set()   # listing chains that went back past the date
        self.found_this_run: set[str] = set()  # new article URLs first met this run
        self.requested: set[str] = set()       # every article URL requested this run
        # after a killed or failed run, walk every listing page (up to the bound) once
        self.stop_at_known = self.db.previous_run_was_clean(
            self.name, self.crawler.stats.get_value("newscrawl/run_id"))
        self.init_discovery()
        for url in self.start_urls:
            yield scrapy.Request(url, self.parse_listing, errback=self.on_start_error,
                                 cb_kwargs={"page": 1, "stale": 0, "chain": url},
                                 meta={"start_page": True})
        if not self.backfill_since:
            for request in self.refresh_requests(settings.getfloat("NEWS_REFRESH_DAYS"),
                                                 settings.getfloat("NEWS_REFRESH_AFTER_HOURS")):
                yield request

    def refresh_requests(self, days: float, after_hours: float):
        """Conditional refetches of recent articles, to catch corrections and updates."""
        now = datetime.now(TZ)
        for row in self.db.due_for_refresh(
                self.name, (now - timedelta(days=days)).isoformat(timespec="seconds"),
                (now - timedelta(hours=after_hours)).isoformat(timespec="seconds")):
            headers = {}
            if row["etag"]:
                headers["If-None-Match"] = row["etag"]
            if row["last_modified"]:
                headers["If-Modified-Since"] = row["last_modified"]
            self.crawler.stats.inc_value("newscrawl/articles_refreshed")
            yield scrapy.Request(row["url"], self.parse_article, headers=headers,
                                 errback=self.on_download_error,
                                 meta={"handle_httpstatus_list": [304]})

    # --- discovery ---------------------------------------------------------------------------

    @classmethod
    def article_id(cls, url: str) -> str | None:
        """The site's id of the article at `url`, or None when `url` is not an article page.
        A pattern without an `id` group (WordPress's `/YYYY/MM/DD/<slug>/`): the key is the path."""
        match = re.search(cls.article_url, url)
        if not match:
            return None
        return match.group("id") if "id" in match.re.groupindex else urlsplit(url).path

    @classmethod
    def rules_at(cls, fetched_at: str | None = None) -> SiteRules | None:
        """The rules of the site's layout at `fetched_at` (ISO 8601; None: today's): the first of
        `earlier_rules` whose end date lies after it, else `rules`."""
        day = (fetched_at or "")[:10]
        if day:
            for until, rules in sorted(cls.earlier_rules, key=lambda version: version[0]):
                if day < until:
                    return rules
        return cls.rules

    @classmethod
    def read_page(cls, body: bytes | str, url: str, content_type: str | None = None,
                  headers=None, fetched_at: str | None = None,
                  listed_date: str | None = None) -> Page:
        """Read one page as the crawl does: `crawler.page.read_page` with this site's rules (of
        the layout the page was fetched under, when given `fetched_at`); `listed_date` is the
        date the feed or sitemap gave for the URL (a date layer when the page states none)."""
        return read_page(cls, body, url, content_type, headers, fetched_at, listed_date)

    @classmethod
    def article_links(cls, urls) -> list[str]:
        """The distinct article URLs of this site among `urls`, canonical."""
        found = []
        for url in urls:
            url = canonical_url(url)
            if same_site(url, cls.allowed_domains) and cls.article_id(url) and url not in found:
                found.append(url)
        return found

    def new_article_requests(self, links: list[str], referer: str, chain: str | None = None,
                             layer: str = "listing-rule", source: str | None = None,
                             max_new: int | None = None, listed: dict[str, str] | None = None):
        """Requests for the links not stored yet (at most `max_new`); a stored one older than a
        backfill's date marks its listing chain as done. `layer` found them
        (crawler/discovery/), on the page `source`; a feed's or sitemap's article that was not
        stored before the run is counted for the reconciliation. `listed`: {url: the date the
        feed or sitemap gave}, the page path's date layer after the page's own dates."""
        self.note_found(links, layer, source)
        side = layer in ("feed", "sitemap")
        for url in links:
            if url in self.found_this_run or url in self.requested:
                if side and url in self.found_this_run:
                    self.note_side_named(url, layer)
                continue                        # met on a feed or another listing of this run
            if max_new is not None and max_new <= 0:
                continue
            self.requested.add(url)
            seen, published_at = self.db.seen(self.name, url, self.article_id(url))
            if seen:
                self.crawler.stats.inc_value("newscrawl/articles_already_stored")
                if chain and self.backfill_since and published_at \
                        and published_at[:10] < self.backfill_since:
                    self.reached_since.add(chain)
                continue
            if not self.db.refused_before(url):   # tried again, but not news
                self.found_this_run.add(url)
            if side:
                self.note_side_named(url, layer)
            if max_new is not None:
                max_new -= 1
            yield scrapy.Request(url, self.parse_article, errback=self.on_download_error,
                                 headers={"Referer": referer}, priority=self.ARTICLE_PRIORITY,
                                 meta={"chain": chain, "link": url,
                                       "listed_date": (listed or {}).get(url)})

    def parse_listing(self, response, page: int = 1, stale: int = 0, chain: str | None = None,
                      channel: str | None = None):
        """A listing page: its article links, then its next page. `channel`: "home" or
        "section" when discovery reads the home page or a menu section as a listing because a
        start page failed (crawler/discovery/sections.py; the site's rules are not counted)."""
        start_page = response.meta.get("start_page")
        if not is_html(response):
            report_problem(self, "not_html", response.url,
                           "the listing page is not HTML; check the start URL")
            if start_page:
                self.start_page_read(response.url, "not HTML", response)
            return
        chain = chain or response.url
        if chain in self.reached_since:
            return          # a backfill already went back past its date on this listing
        if channel:
            links, layer = self.listing_links_found(response)[0], channel
        else:
            links, layer = self.listing_article_links(response)
        response.meta["newscrawl_links"] = links            # for crawler.health, not read twice
        if start_page:
            self.note_announced_feeds(response)
            self.start_page_read(response.url, None if links else "no article links", response)
        if channel and not links:
            self.logger.info("[%s] %s lists no article link", self.name, response.url)
            return
        if not links:
            report_problem(self, "empty_listing", response.url,
                           f"no article links (selectors {list(self.listing_links)}, nor in the "
                           "page's main content); the section is empty or the site's layout "
                           "changed: open the page and check the spider's listing_links"
                           + ("; trying the site's home page, feeds and sitemaps"
                              if start_page else ""), level=logging.WARNING)
        yield from self.new_article_requests(links, response.url, chain, layer,
                                             source=response.url if channel else None)
        # stale: every link was stored before this run began (not merely earlier in this run)
        stale = 0 if any(url in self.found_this_run for url in links) else stale + 1
        if self.stop_at_known and not self.backfill_since and links and \
                stale > self.crawler.settings.getint("NEWS_SAFETY_PAGES"):
            return          # only stored articles here: older pages hold nothing new
        next_page = self.next_page(response, page, count_rules=not channel)
        if next_page and page < self.max_listing_pages and (
                not channel or self.fallback_page_allowed()):
            yield response.follow(next_page, self.parse_listing, errback=self.on_download_error,
                                  cb_kwargs={"page": page + 1, "stale": stale, "chain": chain,
                                             **({"channel": channel} if channel else {})})

    # --- articles ----------------------------------------------------------------------------

    def parse_article(self, response):
        if response.status == 304:    # a conditional refetch: the stored copy is current
            self.crawler.stats.inc_value("newscrawl/articles_unchanged")
            return
        content_type = response.headers.get("Content-Type", b"").decode("latin-1") or (
            None if is_html(response) else "application/octet-stream")
        page = self.read_page(response.body, response.url, content_type, response.headers,
                              listed_date=response.meta.get("listed_date"))
        response.meta["newscrawl_found"] = page.found      # for crawler.health, not read twice
        self.count_layers(page)
        if page.bad_canonical:
            report_problem(self, "bad_canonical", response.url,
                           f"rel=canonical {page.bad_canonical}; kept under the fetched URL",
                           level=logging.WARNING)
        if page.article is None:
            self.crawler.stats.inc_value("newscrawl/articles_failed")
            self.report_rejection(response, page, content_type)
            return
        chain = response.meta.get("chain")
        published_at = page.article.published_at
        if chain and self.backfill_since and published_at \
                and published_at[:10] < self.backfill_since:
            self.reached_since.add(chain)
        link = response.meta.get("link") or canonical_url(response.url)
        if not self.in_scope(link, page.article.labour_relevant):
            return                  # a site-wide channel's sport or weather story (reconciliation)
        page.article.fetched_at = now_iso()
        page.article.found_by = self.channels_of(link)
        yield page.article

    def report_rejection(self, response, page: Page, content_type: str | None) -> None:
        """Say why a page at an article URL gave no article, and keep its HTML (for good only
        when it is positively not an article; otherwise it is requested and re-read again).
        A page positively not an article is a refusal working as designed (INFO, counted); a page
        that could not be read may need a look (WARNING)."""
        url = page.url or canonical_url(response.url)
        if page.found.refusal and page.found.refusal.startswith("not HTML"):
            report_problem(self, "not_html", response.url,
                           f"article URL answered {content_type} instead of HTML; nothing stored",
                           level=logging.INFO)
        elif page.for_good:
            report_problem(self, "not_article", response.url,
                           f"not an article ({page.rejection}); it will not be requested again",
                           level=logging.INFO)
        elif page.rejection and page.rejection.startswith("could not parse"):
            report_problem(self, "broken_page", response.url, page.rejection,
                           level=logging.WARNING)
        elif page.rejection and page.rejection.startswith(MOJIBAKE):
            report_problem(self, "mojibake", response.url,
                           f"{page.rejection}; the page is kept: check its charset",
                           level=logging.WARNING)
        else:
            report_problem(self, "not_article", response.url,
                           f"{page.rejection}; the page is kept and read again next run. If "
                           "this is an article, the layout changed: run `newscrawl extract` on "
                           "the saved page", level=logging.WARNING)
        self.db.keep_refused(self.name, url, response.body, now_iso(), content_type,
                             page.rejection or "not read", for_good=page.for_good)

    def count_layers(self, page: Page) -> None:
        """Per page: each declared rule (pages / missed) and the layer that gave each field
        (stats `newscrawl/rules/<field>/...`, `newscrawl/layer/<field>/<layer>`), read by
        crawler/health.py into the "rules drifted?" flag. Pages positively not articles are
        not counted: a rule has nothing to match there."""
        if page.for_good:
            return
        stats = self.crawler.stats
        for name in RULE_FIELDS:
            if self.rules is not None and getattr(self.rules, name):
                stats.inc_value(f"newscrawl/rules/{name}/pages")
                if name in page.found.rule_missed:
                    stats.inc_value(f"newscrawl/rules/{name}/missed")
        for name, layer in page.found.extracted_by.items():
            stats.inc_value(f"newscrawl/layer/{name}/{layer}")

    def on_download_error(self, failure):
        """A request that ended without a page, named under the URL first asked for (not a
        redirect's later hop, which is not what the next run should retry)."""
        request = failure.request
        if request.callback == self.parse_article:
            self.crawler.stats.inc_value("newscrawl/articles_failed")
        first = first_url(request)
        hops = f" (after redirects to {request.url})" if first != request.url else ""
        report_problem(self, "download_failed", first,
                       f"{failure.getErrorMessage() or failure.type.__name__}{hops}; it will be "
                       "fetched again on the next run", level=logging.WARNING)
