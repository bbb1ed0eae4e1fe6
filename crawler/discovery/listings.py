"""A listing page's article links and its next page, layer by layer, counted.

* article links: the site's `listing_links` ("listing-rule"); when they match nothing, the links
  of the page's main content that match `article_url` ("listing-content", crawler/links.py);
* next page: the site's `pagination_links` (an anchor marked next, numbered page+1, or advancing
  the page number in its URL); when they give nothing, `rel=next`, a link to this listing with its
  page number advanced whatever its words ("url-shape"), "Trang sau" / "›" ("next-word"), the link
  numbered page+1 ("page-number"): crawler/discovery/pagination.py.

Counters for the health flags: `newscrawl/rules/listing_links/pages|missed`,
`newscrawl/rules/pagination_links/pages|missed`, `newscrawl/pagination/<how>`.
"""
from __future__ import annotations

from urllib.parse import urlsplit

from crawler.discovery.pagination import next_listing_page
from crawler.links import main_content_links
from crawler.urls import canonical_url, same_site

R = "newscrawl/rules/"


class Listings:
    """Mixed into the spider (crawler/discovery/__init__.py)."""

    @classmethod
    def listing_links_found(cls, response) -> tuple[list[str], str]:
        """(article links of a listing page, the layer that gave them): the site's
        `listing_links` ("listing-rule"), else the page's main content ("listing-content").
        Also for `newscrawl check` and the health middleware (a class or a running spider)."""
        links = cls.article_links(response.urljoin(href) for selector in cls.listing_links
                                  for href in response.css(selector).xpath("@href").getall())
        if links:
            return links, "listing-rule"
        is_article = lambda url: bool(cls.article_id(canonical_url(url)))   # noqa: E731
        return cls.article_links(main_content_links(response, is_article)), "listing-content"

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

    def next_page(self, response, page: int, count_rules: bool = True) -> str | None:
        """The link to the next listing page (see the module docstring); `count_rules=False` for
        a page the site's rules were not written for (the home page, a menu section).

        Pages are followed one at a time, newest first, so a crawl can stop where older pages
        hold nothing new (or, in a backfill, where they pass the date)."""
        anchors = [a for selector in self.pagination_links for a in response.css(selector)]
        if self.pagination_links and count_rules:
            self.count(R + "pagination_links/pages")
            if not anchors:
                self.count(R + "pagination_links/missed")
        href, how = next_listing_page(response, page, anchors, self.is_listing_url)
        if href:
            self.count(f"newscrawl/pagination/{how}")
        return href
