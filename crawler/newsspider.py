"""The spider template every site declaration builds on: start pages -> listings -> articles.

A site declares (see spiders/ and crawler/families.py):
- `name`, `allowed_domains`, `start_urls` (listing pages: sections, tags), `feed_urls` (RSS/Atom);
- `article_url`: a regex on the URL that matches article pages; its group `id` is the site's id;
- `listing_links` / `pagination_links`: CSS selectors for article links and next-page links;
- `rules`: the `SiteRules` that read an article page (crawler/extraction.py).

Start pages can be changed per run: `scrapy crawl laodongthudo -a start_urls=URL1,URL2`, and the
pagination bound with `-s NEWS_MAX_LISTING_PAGES=N`. Bad input (an empty listing, a page that is not
HTML, a page that is not an article, a failed download) is reported with site and URL and counted,
never stored and never a crash.
"""
from __future__ import annotations

import logging
import re

from urllib.parse import urljoin

import scrapy
from scrapy.http import HtmlResponse

from crawler.extraction import Extracted, SiteRules, extract_article
from crawler.items import Article
from crawler.problems import report_problem
from crawler.storage import now_iso
from crawler.urls import canonical_url, same_site


def is_html(response) -> bool:
    """True for an HTML page. The Content-Type decides: a PDF at a `.html` URL is not a page."""
    content_type = response.headers.get("Content-Type", b"").decode("latin-1").lower()
    if content_type:
        return "html" in content_type and isinstance(response, HtmlResponse)
    return isinstance(response, HtmlResponse)


class NewsSpider(scrapy.Spider):
    allowed_domains: list[str] = []
    start_urls: list[str] = []
    feed_urls: list[str] = []
    article_url: str = r"$^"
    listing_links: tuple[str, ...] = ()
    pagination_links: tuple[str, ...] = ()
    rules: SiteRules | None = None      # None: the generic trafilatura path

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

    @property
    def max_listing_pages(self) -> int:
        return self.crawler.settings.getint("NEWS_MAX_LISTING_PAGES", 5)

    async def start(self):
        for url in self.start_urls:
            yield scrapy.Request(url, self.parse_listing, cb_kwargs={"page": 1},
                                 errback=self.on_download_error)
        for url in self.feed_urls:
            yield scrapy.Request(url, self.parse_feed, errback=self.on_download_error)

    # --- discovery ---------------------------------------------------------------------------

    @classmethod
    def article_id(cls, url: str) -> str | None:
        """The site's id of the article at `url`, or None when `url` is not an article page."""
        match = re.search(cls.article_url, url)
        return match.group("id") if match else None

    @classmethod
    def read_page(cls, text: str, url: str) -> tuple[Extracted, str, str | None]:
        """Extract one page as the crawl does: (what was found, canonical URL, article id).

        The page's own `link rel=canonical` is preferred when it stays on this site.
        """
        found = extract_article(text, url, cls.rules)
        canonical = canonical_url(url) if url else None
        if found.canonical_url:
            declared = canonical_url(urljoin(url or "", found.canonical_url))
            if canonical is None or same_site(declared, cls.allowed_domains):
                canonical = declared
        return found, canonical, cls.article_id(canonical or "") or cls.article_id(url or "")

    def article_requests(self, urls, referer: str):
        for url in urls:
            url = canonical_url(url)
            if same_site(url, self.allowed_domains) and self.article_id(url):
                yield scrapy.Request(url, self.parse_article, errback=self.on_download_error,
                                     headers={"Referer": referer})

    def parse_listing(self, response, page: int):
        if not is_html(response):
            report_problem(self, "not_html", response.url,
                           "the listing page is not HTML; check the start URL")
            return
        links = [response.urljoin(href) for selector in self.listing_links
                 for href in response.css(selector).xpath("@href").getall()]
        requests = list(self.article_requests(links, response.url))
        if not requests:
            report_problem(self, "empty_listing", response.url,
                           f"no article links (selectors {list(self.listing_links)}); the section "
                           "is empty or the site's layout changed: open the page and check the "
                           "spider's listing_links", level=logging.WARNING)
        yield from requests
        if page < self.max_listing_pages:
            for selector in self.pagination_links:
                for href in response.css(selector).xpath("@href").getall():
                    yield response.follow(href, self.parse_listing, cb_kwargs={"page": page + 1},
                                          errback=self.on_download_error)

    def parse_feed(self, response):
        selector = scrapy.Selector(response)
        selector.remove_namespaces()
        links = selector.xpath("//item/link/text() | //entry/link/@href").getall()
        requests = list(self.article_requests([l.strip() for l in links], response.url))
        if not requests:
            report_problem(self, "empty_feed", response.url,
                           "the feed lists no article links; check feed_urls", logging.WARNING)
        yield from requests

    # --- articles ----------------------------------------------------------------------------

    def parse_article(self, response):
        if not is_html(response):
            self.crawler.stats.inc_value("newscrawl/articles_failed")
            report_problem(self, "not_html", response.url,
                           f"article URL answered {response.headers.get('Content-Type', b'?').decode()}"
                           " instead of HTML; nothing stored")
            return
        try:
            found, url, article_id = self.read_page(response.text, response.url)
        except Exception as error:  # a broken page must not stop the crawl
            self.crawler.stats.inc_value("newscrawl/articles_failed")
            report_problem(self, "broken_page", response.url, f"could not parse: {error!r}")
            return
        if not found.is_article:
            self.crawler.stats.inc_value("newscrawl/articles_failed")
            report_problem(self, "not_article", response.url,
                           "no article title/body found (" + "; ".join(found.problems or ["too short"])
                           + "); if this is an article, the layout changed: run "
                           "`newscrawl extract` on the saved page")
            return
        yield Article(
            url=url, site=self.name, article_id=article_id,
            title=found.title, sapo=found.sapo, body=found.body, author=found.author,
            published_at=found.published_at, section=found.section, tags=found.tags,
            image_url=found.image_url and response.urljoin(found.image_url),
            fetched_at=now_iso(), html=response.body,
        )

    def on_download_error(self, failure):
        request = failure.request
        if request.callback == self.parse_article:
            self.crawler.stats.inc_value("newscrawl/articles_failed")
        report_problem(self, "download_failed", request.url,
                       f"{failure.getErrorMessage() or failure.type.__name__}; it will be fetched "
                       "again on the next run")
