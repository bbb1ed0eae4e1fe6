"""Feeds and sitemaps, read every run beside the listings, within the run's window.

A site's listings are one view of what it published; its feeds and sitemaps are others, and cost
a request or two a night. Once the listings are done (spider_idle), each run reads:

* feeds ("feed"): the declared `feed_urls`, those the start pages and the home page announce with
  `<link rel=alternate>` (at most `NEWS_MAX_FEEDS` of these), and the family's usual paths
  (`feed_guesses`: the site-wide ones every run, `{section}` ones for a failed start page's name;
  at most `NEWS_FEED_GUESSES` a run);
* sitemaps ("sitemap"): the `Sitemap:` lines of robots.txt, else `/sitemap.xml`; an index's files
  newest first (tag, section, image, video sitemaps left out), one after another while a file
  still lists articles of the window not stored before the run; Google News sitemaps' dates read.
  At most `NEWS_SITEMAP_MAX_FILES` files and `NEWS_SITEMAP_MAX_ARTICLES` new articles a run.

The window: entries dated before its first day are left alone. A backfill's window starts at
its date (`NEWS_BACKFILL_SINCE`); a regular run's at the day the site's last finished run started
or its newest stored article's day, whichever is earlier, less `NEWS_CHANNEL_WINDOW_DAYS`; a
site's first run has no window (the bounds above hold). Undated entries are in the window.
An article of the window that is not stored is fetched like any other (same politeness,
robots.txt, conditional refetches); a stored one is not, so a rerun with nothing new fetches no
article page. What the channels named is compared with the listings in
crawler/discovery/reconciliation.py.
"""
from __future__ import annotations

import logging
import re
from datetime import date, timedelta
from urllib.parse import urljoin, urlsplit

from scrapy.utils.sitemap import sitemap_urls_from_robots

from crawler.discovery.feeds import alternate_feeds, feed_entries
from crawler.discovery.sitemaps import (NOT_ARTICLE_SITEMAP, NewsSitemap, entry_date,
                                        newest_first, sitemap_body)
from crawler.problems import report_problem
from crawler.urls import canonical_url, same_site


class Channels:
    """Mixed into the spider (crawler/discovery/__init__.py): feeds and sitemaps every run."""

    # Feed URLs the site's CMS family usually serves; `{section}` is the last path segment of a
    # failed start page (`/rss_feed/{section}`), tried only then.
    feed_guesses: tuple[str, ...] = ()

    def init_channels(self) -> None:
        settings = self.crawler.settings
        self.announced_feeds: list[str] = []
        self.sitemaps_left = settings.getint("NEWS_SITEMAP_MAX_FILES")
        self.sitemap_articles_left = settings.getint("NEWS_SITEMAP_MAX_ARTICLES")
        self.window_day = self.channel_window()
        if self.window_day:
            self.logger.info("[%s] feeds and sitemaps: articles dated from %s on", self.name,
                             self.window_day)

    def channel_window(self) -> str | None:
        """The first day ("YYYY-MM-DD") of the feeds' and sitemaps' window (module docstring)."""
        if self.backfill_since:
            return self.backfill_since[:10]
        try:
            run_id = self.crawler.stats.get_value("newscrawl/run_id") or 2 ** 62
            last_run = self.db.db.execute(
                "SELECT MAX(started_at) FROM crawl_runs WHERE spider = ? AND status = 'finished' "
                "AND id < ?", [self.name, run_id]).fetchone()[0]
            newest = self.db.db.execute("SELECT MAX(published_at) FROM articles WHERE site = ?",
                                        [self.name]).fetchone()[0]
        except Exception:           # a database without these (a cluster node's snapshot)
            return None
        if not last_run:
            return None
        first = min(d for d in (last_run[:10], (newest or last_run)[:10]))
        margin = self.crawler.settings.getfloat("NEWS_CHANNEL_WINDOW_DAYS")
        try:
            return (date.fromisoformat(first) - timedelta(days=margin)).isoformat()
        except ValueError:
            return None

    def in_window(self, day: str) -> bool:
        return not (self.window_day and day and day[:10] < self.window_day)

    def site_hosts(self) -> list[str]:
        """The hosts of the site's start pages (else its first allowed domain)."""
        hosts = []
        for url in self.start_urls:
            host = urlsplit(url).netloc
            if host and host not in hosts:
                hosts.append(host)
        return hosts or list(self.allowed_domains[:1])

    def note_announced_feeds(self, response) -> None:
        """Remember the feeds a start page or the home page announces."""
        for url in alternate_feeds(response):
            if url not in self.announced_feeds and same_site(url, self.allowed_domains):
                self.announced_feeds.append(url)

    # --- feeds ---------------------------------------------------------------------------------

    def feeds_requests(self):
        settings = self.crawler.settings
        declared = list(dict.fromkeys(self.feed_urls))
        announced = [u for u in self.announced_feeds if u not in declared]
        announced = announced[:settings.getint("NEWS_MAX_FEEDS")]
        guesses = []
        names = self.failed_section_names()
        for host in self.site_hosts():
            for guess in self.feed_guesses:
                for name in (sorted(names) if "{section}" in guess else [""]):
                    url = urljoin(f"https://{host}/", guess.format(section=name))
                    if url not in declared and url not in announced and url not in guesses:
                        guesses.append(url)
        guesses = guesses[:settings.getint("NEWS_FEED_GUESSES")]
        for url in declared:            # a declared feed that fails is a problem of the run
            yield self.fallback_request(url, self.parse_feed, errback=self.on_download_error,
                                        meta={"declared": True})
        for url in announced + guesses:
            yield self.fallback_request(url, self.parse_feed)

    def failed_section_names(self) -> set[str]:
        """The last path segments of the failed start pages (for `{section}` feed guesses)."""
        names = set()
        for url, _ in self.failed_starts:
            segment = urlsplit(url).path.rstrip("/").rsplit("/", 1)[-1]
            segment = re.sub(r"\.(?:html?|aspx?|php)$", "", segment.split("&", 1)[0]).lower()
            if segment not in ("", "index", "home", "trang-chu"):
                names.add(segment)
        return names

    def parse_feed(self, response):
        """A feed (RSS/Atom, read by feedparser): its entries of the window."""
        content_type = response.headers.get("Content-Type", b"").decode("latin-1")
        entries, not_feed = feed_entries(response.body, content_type)
        listed = {canonical_url(link): when for link, when in entries if when}
        links = self.article_links(link for link, when in entries if self.in_window(when))
        if response.meta.get("declared"):
            self.declared_feed_links.update(links)
        if not response.meta.get("declared"):
            if not_feed:
                self.logger.info("[%s] %s: %s", self.name, response.url, not_feed)
        elif not entries:
            report_problem(self, "empty_feed", response.url,
                           f"the feed lists no article links{'; ' + not_feed if not_feed else ''};"
                           " check feed_urls", logging.WARNING)
        yield from self.new_article_requests(links, response.url, layer="feed",
                                             source=response.url, listed=listed)

    # --- sitemaps ------------------------------------------------------------------------------

    def sitemaps_requests(self):
        for host in self.site_hosts():
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
        """A sitemap index: its files newest first, one at a time; a sitemap: its article URLs of
        the window, newest first, the ones not stored fetched. The next (older) file of the index
        is read only while a file still lists articles of the window that were not stored before
        this run (as pagination stops at a listing page of stored articles), within the bounds."""
        body = sitemap_body(response, self.crawler.settings.getint("DOWNLOAD_MAXSIZE"))
        if body is None:
            self.logger.info("[%s] %s is not a sitemap", self.name, response.url)
            yield from self.next_sitemap(depth, older)
            return
        sitemap = NewsSitemap(body)
        entries = [e for e in sitemap if e.get("loc")]
        if sitemap.type == "sitemapindex":
            window_month = (self.window_day or "")[:7]
            children = tuple(urljoin(response.url, e["loc"]) for e in newest_first(entries)
                             if not NOT_ARTICLE_SITEMAP.search(urlsplit(e["loc"]).path)
                             and not (window_month and entry_date(e)
                                      and entry_date(e)[:7] < window_month))
            if depth < 2:
                yield from self.next_sitemap(depth + 1, children)
            return
        links, listed = [], {}
        for entry in newest_first(entries):
            if not self.in_window(entry_date(entry)):
                continue
            found = self.article_links([urljoin(response.url, entry["loc"])])
            links += found
            if found and entry.get("publication_date"):     # a news sitemap's date, not lastmod
                listed[found[0]] = entry["publication_date"].strip()
        new_before_run = any(u in self.found_this_run
                             or not self.db.seen(self.name, u, self.article_id(u))[0]
                             for u in links)
        for request in self.new_article_requests(links, response.url, layer="sitemap",
                                                 source=response.url, listed=listed,
                                                 max_new=max(self.sitemap_articles_left, 0)):
            self.sitemap_articles_left -= 1
            yield request
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
