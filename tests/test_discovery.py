"""Discovery that survives a moved section and a changed listing template (crawler/discovery.py).

Real crawls (`scrapy crawl` in a subprocess) through the replay proxy into a temporary SQLite file.
Where the stock replay has no such page (sitemaps, a feed announced on the home page, a pager with
numbers only), a small ReplayWeb subclass below serves it, built from the replay's own articles.
"""
from __future__ import annotations

import gzip
import os
import re
import sqlite3
import subprocess
import sys
from html import escape
from urllib.parse import urlsplit

import pytest
from scrapy.http import HtmlResponse

from crawler.links import main_content_links
from replay.faults import Faults
from replay.render import path_of
from replay.server import ReplayServer
from replay.web import HOSTS, PAGE_SIZE, ReplayWeb, Response

FAST = ["-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False"]
HANOI = "https://hanoi.gov.vn"
MISSING_START = f"{HANOI}/tintuc_sukien/-/hn/ZVOm7e3VDMRM/9999"     # answers 404


def scrapy_crawl(server: ReplayServer, site: str, db, *args, cwd):
    env = {**os.environ, **server.env(), "NEWSCRAWL_LOG_LEVEL": "INFO"}
    result = subprocess.run([sys.executable, "-m", "scrapy", "crawl", site, "-s", f"NEWS_DB={db}",
                             *FAST, *args], env=env, cwd=cwd, capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    return result


def crawl_stats(result) -> dict[str, int]:
    """The run's integer counters, from Scrapy's stats dump at the end of the log."""
    return {k: int(v) for k, v in re.findall(r"'(newscrawl/[^']+)': (\d+)", result.stderr)}


def stored(db) -> set[str]:
    with sqlite3.connect(db) as conn:
        return {r[0] for r in conn.execute("select url from articles")}


def requested(server, since_index: int = 0) -> list[str]:
    return [f"https://{r.host}{r.target}" for r in server.requests[since_index:]]


# --- a replay of hanoi.gov.vn with sitemaps and a feed announced on its home page ---------------

class SitemapsAndFeedWeb(ReplayWeb):
    """hanoi.gov.vn as the stock replay serves it, plus what many sites have: robots.txt naming a
    sitemap index, monthly sitemaps (one gzip, one a Google News sitemap without lastmod, every
    other one with <lastmod>), a tag sitemap, and an RSS feed announced on the home page."""

    FEED = "/rss/chinh-tri-xa-hoi.rss"

    def __init__(self):
        super().__init__()
        self.pages = self.articles("hanoigov") + self.copies("hanoigov")
        self.months = sorted({(a.published_at or "")[:7] for a in self.pages if a.published_at},
                             reverse=True)
        self.undated = [a for a in self.pages if not a.published_at]

    def in_month(self, month: str):
        return [a for a in self.pages if (a.published_at or "")[:7] == month] + \
            (self.undated if month == self.months[0] else [])

    def month_path(self, month: str) -> str:
        return f"/sitemaps/news-{month}.xml" + (".gz" if month == self.months[1] else "")

    def home_links(self) -> list[str]:
        return [a.url for a in self.ctx["hanoigov"].articles[:12]]     # render.home_page

    def feed_articles(self):
        return self.ctx["hanoigov"].articles[12:20]

    def _respond(self, host: str, target: str) -> Response:
        if host != HOSTS["hanoigov"]:
            return super()._respond(host, target)
        path = target.partition("?")[0]
        xml = [("Content-Type", "application/xml; charset=utf-8")]
        if path == "/robots.txt":
            base = super()._respond(host, target)
            return Response(200, base.headers, base.body + f"\nSitemap: {HANOI}/sitemap-index.xml\n"
                            .encode())
        if path == "/":
            home = super()._respond(host, target)
            link = f'<link rel="alternate" type="application/rss+xml" href="{self.FEED}">'
            return Response(200, home.headers, home.body.replace(b"</head>", link.encode()
                                                                  + b"</head>", 1))
        if path == self.FEED:
            items = "".join(f"<item><title>{escape(a.title)}</title><link>{a.url}</link></item>"
                            for a in self.feed_articles())
            return Response(200, [("Content-Type", "application/rss+xml; charset=utf-8")],
                            f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
                            f"<title>HNP</title>{items}</channel></rss>".encode())
        if path == "/sitemap-index.xml":
            entries = "".join(f"<sitemap><loc>{HANOI}{self.month_path(m)}</loc>"
                              f"<lastmod>{m}-28T00:00:00+07:00</lastmod></sitemap>"
                              for m in reversed(self.months))      # oldest first, on purpose
            entries += f"<sitemap><loc>{HANOI}/sitemaps/tags.xml</loc></sitemap>"
            return Response(200, xml, ('<?xml version="1.0" encoding="UTF-8"?><sitemapindex xmlns='
                                       '"http://www.sitemaps.org/schemas/sitemap/0.9">'
                                       f"{entries}</sitemapindex>").encode())
        for month in self.months:
            if path == self.month_path(month):
                return self.month_sitemap(month)
        return super()._respond(host, target)

    def month_sitemap(self, month: str) -> Response:
        news = month == self.months[2]
        entries = ""
        for a in self.in_month(month):
            if news:
                entries += (f"<url><loc>{a.url}</loc><news:news><news:publication>"
                            "<news:name>HNP</news:name><news:language>vi</news:language>"
                            f"</news:publication><news:publication_date>{a.published_at}"
                            f"</news:publication_date><news:title>{escape(a.title)}</news:title>"
                            "</news:news></url>")
            else:
                lastmod = f"<lastmod>{a.published_at}</lastmod>" if a.published_at else ""
                entries += f"<url><loc>{a.url}</loc>{lastmod}</url>"
        body = ('<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/'
                'schemas/sitemap/0.9" xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">'
                f"{entries}</urlset>").encode()
        if self.month_path(month).endswith(".gz"):
            return Response(200, [("Content-Type", "application/x-gzip")], gzip.compress(body))
        return Response(200, [("Content-Type", "application/xml; charset=utf-8")], body)


def test_a_start_page_that_fails_falls_back_to_home_feed_and_sitemaps(tmp_path, repo_root):
    web = SitemapsAndFeedWeb()
    db = tmp_path / "news.db"
    newest = web.months[:3]          # NEWS_SITEMAP_MAX_FILES=4: the index and three months
    with ReplayServer(web=web) as server:
        result = scrapy_crawl(server, "hanoigov", db, "-a", f"start_urls={MISSING_START}",
                              "-s", "NEWS_SITEMAP_MAX_FILES=4", cwd=repo_root)
        fetched = requested(server)
    in_sitemaps = {a.url for m in newest for a in web.in_month(m)}
    feed = {a.url for a in web.feed_articles()}
    expected = set(web.home_links()) | feed | in_sitemaps
    everything = {a.url for a in web.pages}
    assert expected < everything                      # older months are left for a backfill
    assert stored(db) == expected
    # the sitemap index was read newest first, within the bound; the tag sitemap was not read
    sitemaps = [u for u in fetched if "/sitemaps/" in u]
    assert sorted(sitemaps) == sorted(f"{HANOI}{web.month_path(m)}" for m in newest)
    stats = crawl_stats(result)
    assert stats["newscrawl/discovery/start_failed"] == 1
    assert (stats["newscrawl/rules/start_urls/pages"], stats["newscrawl/rules/start_urls/missed"]) \
        == (1, 1)
    assert stats["newscrawl/discovery/home"] == 12
    assert stats["newscrawl/discovery/feed"] == len(feed - set(web.home_links()))
    assert stats["newscrawl/discovery/sitemap"] == len(expected) - 12 - stats[
        "newscrawl/discovery/feed"] > 0
    warning = [line for line in result.stderr.splitlines() if "start page failed:" in line]
    assert len(warning) == 1 and "WARNING" in warning[0] and MISSING_START in warning[0]
    assert f"home: {HANOI}/" in warning[0] and f"feed: {HANOI}{web.FEED}" in warning[0]
    assert f"sitemap: {HANOI}/sitemaps/news-" in warning[0]


def test_a_rerun_after_the_fallback_fetches_no_stored_article(tmp_path, repo_root):
    web = SitemapsAndFeedWeb()
    db = tmp_path / "news.db"
    args = ("-a", f"start_urls={MISSING_START}", "-s", "NEWS_SITEMAP_MAX_FILES=4")
    with ReplayServer(web=web) as server:
        scrapy_crawl(server, "hanoigov", db, *args, cwd=repo_root)
        first = stored(db)
        mark = len(server.requests)
        scrapy_crawl(server, "hanoigov", db, *args, cwd=repo_root)
        again = requested(server, mark)
    assert first and stored(db) == first
    assert [u for u in again if u in {a.url for a in web.pages}] == []
    # the newest sitemap lists only stored articles: the older ones are not read again
    assert [u for u in again if "sitemap" in u] == [
        f"{HANOI}/sitemap-index.xml", f"{HANOI}{web.month_path(web.months[0])}"]


def test_a_backfill_reads_only_the_sitemaps_back_to_its_date(tmp_path, repo_root):
    web = SitemapsAndFeedWeb()
    db = tmp_path / "news.db"
    since = f"{web.months[1]}-01"
    with ReplayServer(web=web) as server:
        scrapy_crawl(server, "hanoigov", db, "-a", f"start_urls={MISSING_START}",
                     "-s", f"NEWS_BACKFILL_SINCE={since}", cwd=repo_root)
        fetched = requested(server)
    assert [u for u in fetched if "/sitemaps/" in u] == [
        f"{HANOI}{web.month_path(m)}" for m in web.months[:2]]
    other_sources = set(web.home_links()) | {a.url for a in web.feed_articles()}
    older = {a.url for a in web.pages if a.published_at and a.published_at[:10] < since}
    assert not (stored(db) - other_sources) & older
    assert {a.url for m in web.months[:2] for a in web.in_month(m)} <= stored(db)


def test_a_moved_section_is_found_from_the_home_page_and_family_feeds_are_guessed(tmp_path,
                                                                                  repo_root):
    """laodongthudo.vn's /cong-doan/hoat-dong asked for at an old address: the home page links
    the section under the same name; MasterCMS's /rss_feed/ guesses are tried (404 here)."""
    web = ReplayWeb()
    section = web._listings["laodongthudo"]["/cong-doan/hoat-dong"]
    wanted = {f"https://laodongthudo.vn{p}" for p, _, _ in section.entries}
    db = tmp_path / "news.db"
    old = "https://laodongthudo.vn/tin-tuc/hoat-dong"
    with ReplayServer(web=web) as server:
        result = scrapy_crawl(server, "laodongthudo", db, "-a", f"start_urls={old}",
                              cwd=repo_root)
        fetched = requested(server)
    assert wanted <= stored(db)
    assert "https://laodongthudo.vn/cong-doan/hoat-dong" in fetched
    assert {"https://laodongthudo.vn/rss_feed/hoat-dong", "https://laodongthudo.vn/rss_feed/"} \
        <= set(fetched)
    assert "section moved? reading https://laodongthudo.vn/cong-doan/hoat-dong" in result.stderr
    [warning] = [line for line in result.stderr.splitlines() if "start page failed:" in line]
    assert "moved section: https://laodongthudo.vn/cong-doan/hoat-dong" in warning


# --- listing and pagination selectors that match nothing ---------------------------------------

def test_listing_and_pagination_selectors_matching_nothing_fall_back_to_the_main_content(
        tmp_path, repo_root):
    """Every class and id of the listing pages renamed (a redesign): the links of the listing's
    main content are taken, not those of the menus, the footer or the "Tin mới" / "Đọc nhiều"
    boxes, and the next page is the one reading "›"."""
    web = ReplayWeb()
    articles = {a.url for a in web.articles("laodongthudo")}
    db = tmp_path / "news.db"
    start = "https://laodongthudo.vn/cong-doan"
    section = {f"https://laodongthudo.vn{p}"
                for p, _, _ in web._listings["laodongthudo"]["/cong-doan"].entries}
    assert len(section) > 16                  # two listing pages
    with ReplayServer(web=web, faults=Faults({"laodongthudo.vn": "layout-listings"})) as server:
        result = scrapy_crawl(server, "laodongthudo", db, "-a", f"start_urls={start}",
                              cwd=repo_root)
        fetched = set(requested(server))
        first_page = server.web.respond("GET", "laodongthudo.vn", "/cong-doan").body
    # the boxes beside the listing link other sections' articles: the test can fail
    boxes = {a for a in articles if path_of(a).encode() in first_page} - section
    assert boxes                                # other sections' articles beside the listing
    assert (fetched & articles) == (section & articles)
    assert section & articles <= stored(db) <= section
    stats = crawl_stats(result)
    pages = stats["newscrawl/rules/listing_links/pages"]
    assert pages == stats["newscrawl/rules/listing_links/missed"] == 2
    assert stats["newscrawl/rules/pagination_links/missed"] == 2
    assert stats["newscrawl/discovery/listing-content"] == len(section)
    assert stats.get("newscrawl/discovery/listing-rule", 0) == 0
    assert stats["newscrawl/pagination/url-shape"] == 1     # the link to page 2, by its URL
    assert "newscrawl/discovery/start_failed" not in stats
    with sqlite3.connect(db) as conn:
        [flag] = conn.execute("select flag from crawl_runs").fetchone()
    assert "rules drifted?" in (flag or "") and "listing_links" in flag     # crawler/health.py


class NumbersOnlyPagerWeb(ReplayWeb):
    """hanoi.gov.vn with its pager redesigned: another class, no "Tiếp" link, only numbers."""

    def _respond(self, host: str, target: str) -> Response:
        response = super()._respond(host, target)
        if host == HOSTS["hanoigov"] and b"taglib-page-iterator" in response.body:
            body = re.sub(rb'<a class="next"[^>]*>[^<]*</a>', b"", response.body)
            body = body.replace(b"taglib-page-iterator", b"paging-v2")
            return Response(response.status, response.headers, body)
        return response


def test_pagination_selectors_matching_nothing_follow_the_page_numbers(tmp_path, repo_root):
    web = NumbersOnlyPagerWeb()
    db = tmp_path / "news.db"
    listings = web.listing_urls("hanoigov")
    assert len(listings) >= 3
    with ReplayServer(web=web) as server:
        result = scrapy_crawl(server, "hanoigov", db, cwd=repo_root)
        fetched = set(requested(server))
    assert set(listings) <= fetched
    assert {a.url for a in web.articles("hanoigov")} <= stored(db)
    stats = crawl_stats(result)
    assert stats["newscrawl/pagination/url-shape"] == len(listings) - 1
    assert stats["newscrawl/rules/pagination_links/missed"] == len(listings)
    assert stats["newscrawl/discovery/listing-rule"] >= 40


def test_a_declared_site_without_selectors_pages_through_rel_next(tmp_path, repo_root):
    """nld.com.vn declares no listing or pagination selector: main-content links and rel=next."""
    web = ReplayWeb()
    db = tmp_path / "news.db"
    with ReplayServer(web=web) as server:
        result = scrapy_crawl(server, "nld", db, cwd=repo_root)
    stats = crawl_stats(result)
    assert stats["newscrawl/pagination/rel-next"] >= 2
    assert "newscrawl/rules/listing_links/pages" not in stats
    assert {a.url for a in web.articles("nld")} <= stored(db)


class FeedBehindAScriptCheckWeb(ReplayWeb):
    """laodong.vn whose RSS answers an HTML page with a JavaScript cookie check (sites.md)."""

    def _respond(self, host: str, target: str) -> Response:
        if host == HOSTS["laodong"] and target.startswith("/rss/"):
            return Response(200, [("Content-Type", "text/html; charset=utf-8")],
                            b"<html><head><script>document.cookie='c=1';location.reload()"
                            b"</script></head><body></body></html>")
        return super()._respond(host, target)


def test_a_feed_answering_a_script_check_is_reported_and_the_listings_still_serve(
        tmp_path, repo_root):
    web = FeedBehindAScriptCheckWeb()
    db = tmp_path / "news.db"
    with ReplayServer(web=web) as server:
        result = scrapy_crawl(server, "laodong", db, cwd=repo_root)
    assert {a.url for a in web.articles("laodong")} <= stored(db)
    [line] = [l for l in result.stderr.splitlines() if "WARNING" in l and "empty_feed" in l]
    assert "https://laodong.vn/rss/cong-doan.rss" in line and "not a feed" in line
    assert "newscrawl/discovery/feed" not in crawl_stats(result)


# --- the main content of a page, without a crawl ----------------------------------------------

@pytest.mark.parametrize("bare", [False, True], ids=["as-served", "no-classes-no-aside"])
@pytest.mark.parametrize("site, path", [("laodongthudo", "/cong-doan/hoat-dong"),
                                        ("tuoitrethudo", "/thoi-su"),
                                        ("nld", "/cong-doan/viec-lam.htm")])
def test_main_content_links_leave_out_menus_footer_and_boxes(site, path, bare):
    """`bare`: every class and id removed and <aside> made a <div>: the boxes are still known by
    their titles ("Tin mới", "Đọc nhiều"), the menus and footer by their elements."""
    web = ReplayWeb()
    host = HOSTS[site]
    page = web.respond("GET", host, path).body
    if bare:
        page = re.sub(rb'\s(?:class|id)="[^"]*"', b"", page)
        page = re.sub(rb"<(/?)aside\b", rb"<\1div", page)
    response = HtmlResponse(f"https://{host}{path}", body=page, encoding="utf-8")
    entries = web._listings[site][path.rstrip("/")].entries[:PAGE_SIZE[site]]   # the first page
    listed = {f"https://{host}{p}" for p, _, _ in entries}
    articles = {a.url for a in web.articles(site=site, sites=(site,))}
    on_page = {u for u in articles if path_of(u).encode() in page}
    assert on_page - listed, "no box of other articles on this page: the test cannot fail"
    assert set(main_content_links(response)) & articles == listed & articles


def test_a_read_more_line_inside_a_listing_item_is_not_a_box():
    """"Xem thêm" under one item names no box of other articles: the item's link is kept."""
    items = "".join(f'<div class="item"><h3><a href="/bai-{n}-10{n}.html">Bài {n}</a></h3>'
                    f'<p>Tóm tắt {n}.</p><span>Xem thêm</span></div>' for n in range(1, 5))
    box = "".join(f'<li><a href="/khac-{n}-20{n}.html">Khác {n}</a></li>' for n in range(1, 5))
    page = (f'<html><body><div class="list">{items}</div><div class="x"><div>Tin mới</div>'
            f"<ul>{box}</ul></div></body></html>").encode()
    response = HtmlResponse("https://example.vn/muc", body=page, encoding="utf-8")
    assert main_content_links(response) == [f"https://example.vn/bai-{n}-10{n}.html"
                                            for n in range(1, 5)]


def test_a_load_more_block_closing_the_column_is_not_a_box_title():
    """A column of items closed by a "Xem thêm" / "Tải thêm" block (a button, or a link to page
    2) is the listing itself, not a box titled "Xem thêm"; a "Tin mới nhất" heading over it does
    not drop it either."""
    items = "".join(f'<article><h3><a href="/bai-{n}-10{n}.html">Bài {n}</a></h3></article>'
                    for n in range(1, 7))
    box = "".join(f'<li><a href="/khac-{n}-20{n}.html">Khác {n}</a></li>' for n in range(1, 5))
    for closing in ('<div class="more"><a href="?page=2">Xem thêm</a></div>',
                    '<div class="more"><button type="button">Tải thêm</button></div>',
                    '<div>Xem thêm</div>'):
        page = (f'<html><body><main><h2>Tin mới nhất</h2><div class="col">{items}{closing}</div>'
                f'</main><div class="side"><h3>Đọc nhiều</h3><ul>{box}</ul></div></body></html>')
        response = HtmlResponse("https://example.vn/muc", body=page.encode(), encoding="utf-8")
        links = [u for u in main_content_links(response, lambda u: u.endswith(".html"))
                 if u.endswith(".html")]
        assert links == [f"https://example.vn/bai-{n}-10{n}.html" for n in range(1, 7)], closing


# --- the next page by its URL -----------------------------------------------------------------

@pytest.mark.parametrize("current, link, page", [
    ("https://a.vn/cong-doan", "https://a.vn/cong-doan&s_cond=&BRSR=16", 1),     # MasterCMS offset
    ("https://a.vn/cong-doan&s_cond=&BRSR=16", "https://a.vn/cong-doan&s_cond=&BRSR=32", 2),
    ("https://a.vn/tin-tuc", "https://a.vn/tin-tuc/p2", 1),
    ("https://a.vn/tin-tuc/p2", "https://a.vn/tin-tuc/p3", 2),
    ("https://a.vn/tin-tuc", "https://a.vn/tin-tuc/page/2", 1),
    ("https://a.vn/cong-doan.htm", "https://a.vn/cong-doan/trang-2.htm", 1),
    ("https://a.vn/cong-doan/trang-2.htm", "https://a.vn/cong-doan/trang-3.htm", 2),
    ("https://a.vn/xa-hoi/", "https://a.vn/xa-hoi/?trang=2", 1),
    ("https://a.vn/", "https://a.vn/?page=2", 1),
    ("https://a.vn/", "https://a.vn/trang-2", 1),
    ("https://a.vn/x", "https://a.vn/x?p_p_id=101_INSTANCE_ab&_101_INSTANCE_ab_delta=20"
                       "&_101_INSTANCE_ab_cur=2", 1),                       # Liferay
])
def test_a_later_page_of_the_same_listing_is_known_by_its_url(current, link, page):
    from crawler.discovery.pagination import page_step
    assert page_step(current, link, page) is not None


@pytest.mark.parametrize("current, link, page", [
    ("https://a.vn/tin-tuc/p2", "https://a.vn/tin-tuc/p1", 2),       # back
    ("https://a.vn/tin-tuc/p2", "https://a.vn/tin-tuc", 2),
    ("https://a.vn/cong-doan", "https://a.vn/cong-doan-2025", 1),    # another listing
    ("https://a.vn/cong-doan", "https://a.vn/bat-dong-san/cong-doan", 1),
    ("https://a.vn/t/-/hn/Z/7320", "https://a.vn/t/-/hn/Z/7321", 1),   # a sibling section
    ("https://a.vn/xa-hoi/?page=2", "https://a.vn/xa-hoi/?page=3&loai=anh", 2),   # a filter
    ("https://a.vn/xa-hoi/", "https://b.vn/xa-hoi/?page=2", 1),      # another host
])
def test_other_links_are_not_the_next_page(current, link, page):
    from crawler.discovery.pagination import page_step
    assert page_step(current, link, page) is None


# --- menu sections standing for a lost start page ------------------------------------------------

def test_a_mega_menu_entry_under_another_section_never_stands_for_a_lost_section():
    from crawler.discovery.sections import section_rank
    lost = "https://laodong.vn/cong-doan/"
    assert section_rank(lost, "https://laodong.vn/chuyen-muc/cong-doan/") == 0
    assert section_rank(lost, "https://laodong.vn/bat-dong-san/cong-doan",
                        parent="https://laodong.vn/bat-dong-san/") is None
    assert section_rank(lost, "https://laodong.vn/the-thao/") is None
    lost = "https://hanoi.gov.vn/tintuc_sukien/-/hn/ZVOm7e3VDMRM/7320"
    assert section_rank(lost, "https://hanoi.gov.vn/tin-tuc-su-kien/chinh-tri-xa-hoi",
                        parent="https://hanoi.gov.vn/tin-tuc-su-kien") == 1
    assert section_rank(lost, "https://hanoi.gov.vn/tintuc_sukien/-/hn/ZVOm7e3VDMRM/7321") is None
    assert section_rank(lost, "https://hanoi.gov.vn/do-thi/tin-tuc-su-kien",
                        parent="https://hanoi.gov.vn/do-thi") is None
    lost = "https://tuoitrethudo.vn/tin-tuc"
    assert section_rank(lost, "https://tuoitrethudo.vn/tin-tuc-24h") == 1
    assert section_rank(lost, "https://tuoitrethudo.vn/thoi-su") is None


# --- the discovery variants of the replay: feeds and sitemaps every run, found_by, the flag ----

def site_runs(db):
    with sqlite3.connect(db) as conn:
        conn.row_factory = sqlite3.Row
        return [dict(r) for r in conn.execute("select * from crawl_runs order by id")]


def found_by(db) -> dict[str, list[str]]:
    import json
    with sqlite3.connect(db) as conn:
        return {u: json.loads(f or "[]") for u, f in conn.execute("select url, found_by from articles")}


@pytest.mark.parametrize("site", ["laodong", "hanoigov"])
def test_load_more_listings_are_completed_by_feeds_and_sitemaps_and_flagged(site, tmp_path,
                                                                           repo_root):
    """Listings showing six stories behind a script's "load more": the feeds and sitemaps, read
    every run, give the rest; the run says the listings are incomplete; a rerun fetches nothing."""
    web = ReplayWeb(variant="loadmore-feeds")
    assert web.channel_report(site)["incomplete"]
    db = tmp_path / "news.db"
    truth = {a.url for a in web.articles(site)}
    with ReplayServer(web=web) as server:
        scrapy_crawl(server, site, db, cwd=repo_root)
        since = len(server.requests)
        scrapy_crawl(server, site, db, cwd=repo_root)
        again = requested(server, since)
    assert truth <= stored(db)
    channels = found_by(db)
    assert {c[0] for u, c in channels.items() if u in truth} >= {"listing"}
    assert any(c[0] in ("feed", "sitemap") for u, c in channels.items() if u in truth)
    first, second = site_runs(db)
    assert first["flag"] and "listings incomplete?" in first["flag"]
    assert first["listings_missed"] >= 0.2 * first["channel_articles"] > 0
    assert not (set(again) & truth)                      # a rerun: no article page
    assert "listings incomplete?" not in (second["flag"] or "")


def test_a_lost_start_page_reads_the_home_page_with_its_pagination_and_the_named_section(
        tmp_path, repo_root):
    site = "laodong"
    web = ReplayWeb(variant="start-lost")
    db = tmp_path / "news.db"
    with ReplayServer(web=web) as server:
        result = scrapy_crawl(server, site, db, cwd=repo_root)
        fetched = requested(server)
    assert {a.url for a in web.articles(site)} <= stored(db)
    decoys = set(web._variant.decoys[site])
    assert not [u for u in fetched if urlsplit(u).path in decoys]
    assert "https://laodong.vn/chuyen-muc/cong-doan/" in fetched
    from crawler.discovery.pagination import page_step
    assert any(page_step("https://laodong.vn/", u, 1) for u in fetched)      # the home's page 2
    stats = crawl_stats(result)
    assert stats["newscrawl/discovery/home"] > 0
    [run] = site_runs(db)
    assert "listings incomplete?" not in (run["flag"] or "")


def test_paging_by_other_words_and_shapes_reaches_every_page(tmp_path, repo_root):
    """"Xem thêm" to ?page=N, an icon to ?trang=N, <noscript> links to /trang-N, "Trang tiếp" to
    /pN.htm: every listing page is read, no flag says the listings were incomplete."""
    web = ReplayWeb(variant="paging-words")
    sites = ("laodong", "baolaocai", "hanoigov", "nld")
    db = tmp_path / "news.db"
    with ReplayServer(web=web) as server:
        for site in sites:
            scrapy_crawl(server, site, db, cwd=repo_root)
        fetched = set(requested(server))
    from crawler.sites import site_spiders
    spiders = site_spiders()
    for site in sites:
        starts = [u.removesuffix(".htm").removesuffix(".html") for u in spiders[site].start_urls]
        pages = {u for u in web.listing_urls(site) if u.startswith(tuple(starts))}
        assert len(pages) > len(starts), site               # the test can fail
        assert pages <= fetched, site
        assert {a.url for a in web.articles(site)} <= stored(db), site
    assert not any("listings incomplete?" in (r["flag"] or "") for r in site_runs(db))


def test_a_start_page_moved_for_good_is_followed_and_flagged(tmp_path, repo_root):
    web = ReplayWeb(variant="loadmore-feeds")      # nld's sections answer 301 / 308
    db = tmp_path / "news.db"
    with ReplayServer(web=web) as server:
        scrapy_crawl(server, "nld", db, cwd=repo_root)
    [run] = site_runs(db)
    assert "start page moved: https://nld.com.vn/cong-doan.htm → " \
           "https://nld.com.vn/lao-dong-cong-doan.htm (HTTP 301)" in run["flag"]


def test_a_feed_entry_keeps_its_stated_instant_at_plus_seven():
    """A feed's pubDate (here in GMT) is the page path's `listed_date` layer: the same instant,
    written at +07:00, so a late-evening GMT entry lands on the Vietnamese next day."""
    from crawler.discovery.feeds import feed_entries
    rss = (b'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>t</title>'
           b"<item><title>a</title><link>https://example.vn/a-1.html</link>"
           b"<pubDate>Thu, 19 Nov 2026 20:15:00 GMT</pubDate></item>"
           b"<item><title>b</title><link>https://example.vn/b-2.html</link></item>"
           b"</channel></rss>")
    entries, not_feed = feed_entries(rss, "application/rss+xml")
    assert not_feed is None
    assert entries == [("https://example.vn/a-1.html", "2026-11-20T03:15:00+07:00"),
                       ("https://example.vn/b-2.html", "")]
