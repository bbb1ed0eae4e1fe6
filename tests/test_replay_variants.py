"""The replay's layout variants themselves (replay/variants.py): each serves, changes what it says it
changes, keeps the facts shared/sites.md marks [seen] and the true text of every article, and keeps
the noise a sloppy fallback would trip on. (Crawling them with the unchanged spiders:
tests/test_variants.py.)
"""
from __future__ import annotations

import copy
import json
import re
import subprocess
import sys
import textwrap
from collections import Counter
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime, parsedate_to_datetime
from html import escape
from urllib.parse import urljoin, urlsplit

import feedparser
import lxml.html
import pytest

from replay.corpus import HOSTS, SITES
from replay.model import Figure, Subheading
from replay.render import SITE_NAMES
from replay.render.fields_v import DESC_PREFIX
from replay.server import ReplayServer
from replay.variants import VARIANTS
from replay.web import ALL_SITES, ReplayWeb

FAMILY = {"laodongthudo": "mastercms", "tuoitrethudo": "mastercms", "baolaocai": "epi", "hanoigov": "hanoigov",
          "laodong": "laodong", "nld": "nld"}
PREFIX = {"laodongthudo": "(LĐTĐ) ", "tuoitrethudo": "TTTĐ - ", "hanoigov": "HNP - ", "baolaocai": ""}
NOISE = {  # phrases sites.md / the seeds show on article pages
    "laodongthudo": ["Có thể bạn quan tâm", "Nên xem", "Tin khác", "Xem thêm", "Phiên bản di động", "aa"],
    "tuoitrethudo": ["Có thể bạn quan tâm", "Nên xem", "Đọc thêm", "Xem thêm", "Phiên bản di động", "aa", "Tag"],
    "baolaocai": ["Có thể bạn quan tâm", "Tin cùng chuyên mục", "fb yt zl tw"],
    "hanoigov": ["Các bài mới đăng", "Các bài đã đăng :", "Bài viết Xem", "Họ tên:(*)", "Số điện thoại:",
                 "Tiêu đề:(*)", "Nội dung:(*)", "Mã xác nhận", "Lấy lại mã bảo mật"],
}
# What the regular replay's rules-era markup looks like; a variant that says it changes it must not carry it.
GONE = {
    "mastercms-header": {"mastercms": ["div.detail_info", "div.sapo_detail", "h1.title_detail"]},
    "mastercms-stamp": {"mastercms": ["span.format_date", "span.format_time", "div.detail_info", "div.sapo_detail",
                                      "div.__MASTERCMS_CONTENT", "table.MASTERCMS_TPL_TABLE",
                                      "meta[property='article:published_time']"]},
    "epi-no-date-meta": {"epi": ["meta[property='article:published_time']", "meta[property='article:modified_time']",
                                 "time[datetime]", "h1.article__title", "div.article__sapo", "div.article__body",
                                 "div.article__author", "div.article__tag"]},
    "epi-lead-moved": {"epi": ["div.article__sapo", "div.article__body", "figure", "script[type='application/ld+json']"]},
    "hanoigov-markup": {"hanoigov": ["h1.title-news", "span.time-news", "div.content-news", "div.journal-content-article"]},
    "redesign": {"mastercms": ["div.detail_info", "div.sapo_detail", "h1.title_detail", "span.format_date",
                               "div.__MASTERCMS_CONTENT", "table.MASTERCMS_TPL_TABLE", "div.tags",
                               "meta[property='article:published_time']"],
                 "epi": ["meta[property='article:published_time']", "time[datetime]", "h1.article__title",
                         "div.article__sapo", "div.article__body", "div.article__tag"],
                 "hanoigov": ["h1.title-news", "span.time-news", "div.content-news"]},
}
# Listing markup of the regular replay; a variant that restyles a site's listing must drop it.
OLD_LISTING = {"laodongthudo": "div.col_category", "tuoitrethudo": "div.col_category", "baolaocai": "div.box-list",
               "hanoigov": "div.list-news"}


def get(web: ReplayWeb, url: str):
    parts = urlsplit(url)
    return web.respond("GET", parts.netloc, parts.path + (f"?{parts.query}" if parts.query else ""))


def tree(resp):
    return lxml.html.fromstring(resp.body.decode("utf-8"))


def visible(doc) -> str:
    """The text a reader sees (scripts and styles left out; `doc` itself is not changed)."""
    doc = copy.deepcopy(doc)
    for bad in doc.xpath("//script|//style"):
        bad.drop_tree()
    return " ".join(doc.text_content().split())


def norm(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture(scope="module")
def web() -> ReplayWeb:
    return ReplayWeb()


@pytest.fixture(scope="module")
def regular() -> ReplayWeb:
    return ReplayWeb()


def test_three_variants_per_family_plus_a_redesign():
    per_family = Counter(family for v in VARIANTS.values() if v.name != "redesign"
                         for family in {FAMILY[s] for s in v.sites})
    assert min(per_family[f] for f in ("mastercms", "epi", "hanoigov", "laodong", "nld")) >= 3, per_family
    assert set(VARIANTS["redesign"].sites) == set(SITES)
    for v in VARIANTS.values():
        assert v.description and v.changes and v.keeps and set(v.sites) <= set(ALL_SITES)
        assert v.drifted <= set(v.sites) and v.incomplete <= set(v.sites)
        assert set(v.decoys) | set(v.redirects) | set(v.home) | set(v.hidden) <= set(v.sites)
        assert v.article or v.listing or v.moved or v.redirects, v.name


def test_unknown_variant_is_refused_with_the_known_names():
    with pytest.raises(ValueError, match="known: mastercms-header"):
        ReplayWeb(variant="no-such-layout")


def test_the_corpus_and_the_truth_do_not_change(web, regular):
    for name in VARIANTS:
        web.variant = name
        assert [a.expected() for a in web.articles(sites=ALL_SITES)] == \
               [a.expected() for a in regular.articles(sites=ALL_SITES)]


@pytest.mark.parametrize("name", list(VARIANTS))
def test_untouched_pages_stay_byte_identical(web, regular, name):
    web.variant = name
    v = VARIANTS[name]
    for site in ALL_SITES:
        arts = web.articles(site)[:6] + web.articles(site)[-2:]
        if site not in v.article:
            for art in arts:
                assert get(web, art.url).body == get(regular, art.url).body, (name, art.url)
        else:
            assert all(get(web, art.url).body != get(regular, art.url).body for art in arts)
        if site not in v.listing and site not in v.moved and site not in v.redirects:
            for url in regular.listing_urls(site):
                assert get(web, url).body == get(regular, url).body, (name, url)


FIELD_VARIANTS = ("dates-relative", "dates-titles", "leads-bylines", "related-br")   # issue 20: tested below


@pytest.mark.parametrize("name", [n for n, v in VARIANTS.items() if v.article and n not in FIELD_VARIANTS])
def test_article_pages_keep_the_truth_the_seen_facts_and_the_noise(web, regular, name):
    web.variant = name
    v = VARIANTS[name]
    for site in v.article:
        family = FAMILY[site]
        for art in web.articles(site) + web.copies(site):
            resp = get(web, art.url)
            assert resp.status == 200 and resp.header("Content-Type").startswith("text/html")
            doc = tree(resp)
            for css in GONE[name].get(family, []):
                assert not doc.cssselect(css), (name, art.url, css)
            assert doc.cssselect("link[rel=canonical]")[0].get("href") == art.url
            assert doc.cssselect("meta[property='og:title']")[0].get("content") == art.title
            if family == "mastercms":      # [seen 2020]: description carries the lead with its prefix
                assert doc.cssselect("meta[name=description]")[0].get("content") == PREFIX[site] + art.sapo
            headings = [norm(h.text_content()) for h in doc.xpath("//h1|//h2")]
            assert any(h == art.title or h.startswith(art.title + " (") for h in headings), (name, art.url)
            text = visible(doc)
            assert norm(PREFIX[site] + art.sapo) in text or norm(PREFIX[site].strip() + art.sapo) in text
            first = None
            for block in art.blocks:
                piece = block.caption if isinstance(block, Figure) else (
                    block.text if isinstance(block, Subheading) else block)
                if piece:
                    assert norm(piece) in text, (name, art.url, piece[:60])
                    first = first if first is not None else text.index(norm(piece))
            if art.author:
                assert art.author in text
            if art.published_at:
                shown = _shown_date(site, art)
                assert shown in text, (name, art.url, shown)
                assert text.index(shown) < first, (name, art.url)     # in the header, before the body
            for phrase in NOISE[site]:
                assert phrase in text, (name, site, phrase)
            if family == "epi":
                for f in (b for b in art.blocks if isinstance(b, Figure) and not b.caption):
                    assert f.image_url.rsplit("/", 1)[1] in text          # file names as captions [seen]
            if family == "mastercms" and art.image_url and not art.seed:
                assert doc.xpath("//img[@alt=$title]", title=art.title)   # title as image alt [seen]
            if art.related_titles and family != "hanoigov":    # the related box between lead and body
                lead_end = text.index(norm(PREFIX[site] + art.sapo)[-40:])
                assert all(lead_end < text.find(rt, lead_end) < first for rt in art.related_titles)
            others = [x for x in regular.articles(site) if x.url != art.url and x.title in text]
            assert len(others) >= 8, (name, art.url)                       # teasers, sidebar, ticker
            stamps = re.findall(r"\d\d/\d\d/\d{4} \d\d:\d\d", text)
            assert len(set(stamps)) >= 4, (name, art.url)                  # other stories' dates too


def _shown_date(site: str, art) -> str:
    d = art.published_at
    day, time_ = f"{d[8:10]}/{d[5:7]}/{d[:4]}", d[11:16]
    if site == "hanoigov":
        return f"{art.title} ({time_} {day})"
    if site == "tuoitrethudo":
        return f"{art.section} {day} {time_}"
    return f"{day} {time_}"


def test_epi_variants_without_date_meta_have_no_date_in_json_ld(web):
    for name in ("epi-no-date-meta", "redesign"):
        web.variant = name
        for art in web.articles("baolaocai")[:10]:
            for script in tree(get(web, art.url)).xpath("//script[@type='application/ld+json']/text()"):
                assert "datePublished" not in json.loads(script), name


def _reach(web: ReplayWeb, site: str, start: str) -> tuple[set[str], int]:
    """Article URLs in the main content of every listing page reachable from `start` through links
    to other listing pages (numbers, "Trang sau", rel=next, whatever the variant uses)."""
    listing = set(web.listing_urls(site))
    articles = {a.url for a in web.articles(site) + web.copies(site)}
    seen, todo, found = set(), [start], set()
    while todo:
        url = todo.pop()
        if url in seen:
            continue
        seen.add(url)
        resp = get(web, url)
        assert resp.status == 200, url
        doc = tree(resp)
        for nav in doc.xpath("//header|//aside|//footer|//div[@class='breaking-news']"):
            nav.drop_tree()
        for href in doc.xpath("//a/@href|//link[@rel='next']/@href"):
            target = urljoin(url, href)
            if target in listing:
                todo.append(target)
            elif target in articles:
                found.add(target)
    return found, len(seen)


@pytest.mark.parametrize("name", [n for n, v in VARIANTS.items() if (v.listing or v.moved) and not v.incomplete])
def test_restyled_and_moved_listings_still_reach_the_same_articles(web, regular, name):
    web.variant = name
    v = VARIANTS[name]
    for site in {*v.listing, *v.moved}:
        for old in web.moved_urls(site):
            assert get(web, old).status == 404
        reached: set[str] = set()
        for url in regular.start_urls(site):
            new_path = v.public_path(site, urlsplit(url).path)
            if not new_path:
                continue                      # gone: the sitemaps lead on (test below)
            now, pages_now = _reach(web, site, f"https://{HOSTS[site]}{new_path}")
            then, pages_then = _reach(regular, site, url)
            assert now == then and pages_now == pages_then, (name, url)
            reached |= now
        assert len(reached) >= 20, (name, site)
        if site in v.listing and site in OLD_LISTING and name != "paging-words":
            first = tree(get(web, web.start_urls(site)[0]))
            assert not first.cssselect(OLD_LISTING[site]), name
            if site == "laodongthudo" and name != "redesign":   # [seen] listing markup kept
                assert first.cssselect("div.col_category > div.list_news div.list_news_title h2 a")


def test_paginations_differ_in_the_way_the_variant_says(web):
    web.variant = "mastercms-listing"
    page = get(web, "https://tuoitrethudo.vn/tin-tuc-su-kien").body.decode()
    assert "Trang sau" in page and 'rel="next"' not in page
    web.variant = "epi-start-moved"
    page = tree(get(web, "https://baolaocai.vn/xa-hoi/"))
    assert page.xpath("//link[@rel='next']/@href") == ["/xa-hoi/?page=2"]
    assert not [a for a in page.xpath("//main//a|//div[@class='col-main']//a") if a.text_content().strip() in
                ("2", "Sau", "Trang sau", "›")]
    web.variant = "hanoigov-listing"
    page = tree(get(web, "https://hanoi.gov.vn/tintuc_sukien/-/hn/ZVOm7e3VDMRM/7320"))
    assert [a.text_content() for a in page.cssselect("div.pager a")][:2] == ["2", "3"]
    assert "Tiếp" not in page.text_content()


def test_moved_start_pages_leave_a_way_to_the_articles(web):
    web.variant = "hanoigov-start-moved"
    robots = get(web, "https://hanoi.gov.vn/robots.txt").body.decode()
    assert "Sitemap: https://hanoi.gov.vn/sitemap.xml" in robots and "Disallow: /c/" in robots
    sitemap = get(web, "https://hanoi.gov.vn/sitemap.xml").body.decode()
    listed = set(re.findall(r"<loc>([^<]+)</loc>", sitemap))
    assert listed == {a.url for a in web.articles("hanoigov") + web.copies("hanoigov")}
    assert sitemap.count("<lastmod>") == len(listed)
    home = tree(get(web, "https://hanoi.gov.vn/"))
    [feed_url] = home.xpath("//link[@rel='alternate'][@type='application/rss+xml']/@href")
    feed = feedparser.parse(get(web, urljoin("https://hanoi.gov.vn/", feed_url)).body)
    assert not feed.bozo and len(feed.entries) == 20 and {e.link for e in feed.entries} <= listed
    assert "/tin-tuc-su-kien/chinh-tri-xa-hoi" in home.xpath("//a/@href")

    web.variant = "epi-start-moved"
    robots = get(web, "https://baolaocai.vn/robots.txt").body.decode()
    assert "Sitemap: https://baolaocai.vn/sitemap.xml" in robots
    index = get(web, "https://baolaocai.vn/sitemap.xml").body.decode()
    parts = re.findall(r"<loc>https://baolaocai\.vn(/sitemaps/news-\d{4}-\d{1,2}\.xml)</loc><lastmod>", index)
    assert len(parts) >= 3
    urls = [u for p in parts for u in re.findall(r"<loc>([^<]+)</loc>", get(web, f"https://baolaocai.vn{p}").body.decode())]
    assert sorted(urls) == sorted(a.url for a in web.articles("baolaocai"))
    assert get(web, "https://baolaocai.vn/rss/home.rss").status == 200          # [seen] feed kept

    web.variant = "mastercms-listing"
    home = tree(get(web, "https://tuoitrethudo.vn/"))
    assert "/tin-tuc-su-kien" in home.xpath("//a/@href")
    [feed_url] = home.xpath("//link[@rel='alternate']/@href")
    assert feed_url == "/rss_feed/" and len(feedparser.parse(get(web, "https://tuoitrethudo.vn/rss_feed/").body).entries) == 20


def test_variant_is_switched_while_the_server_runs(repo_root):
    import ssl
    import urllib.request
    web = ReplayWeb()
    art = web.articles("baolaocai")[5]
    with ReplayServer(web=web) as server:
        ctx = ssl.create_default_context()
        ctx.check_hostname, ctx.verify_mode = False, ssl.CERT_NONE
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({"https": server.proxy_url}),
                                             urllib.request.HTTPSHandler(context=ctx))
        before = opener.open(art.url, timeout=10).read()
        web.variant = "epi-no-date-meta"
        after = opener.open(art.url, timeout=10).read()
        web.variant = None
        again = opener.open(art.url, timeout=10).read()
    assert b"article:published_time" in before and b"article:published_time" not in after
    assert b'class="detail__title"' in after and again == before


def test_python_m_replay_exec_with_a_variant(repo_root):
    child = textwrap.dedent("""
        import ssl, urllib.request
        ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
        opener = urllib.request.build_opener(urllib.request.HTTPSHandler(context=ctx))
        page = opener.open("https://hanoi.gov.vn/tintuc_sukien/-/hn/ZVOm7e3VDMRM/7320", timeout=10)
        print(page.status, 'class="news-list"' in page.read().decode())
    """)
    proc = subprocess.run([sys.executable, "-m", "replay", "exec", "--variant", "hanoigov-listing", "--",
                           sys.executable, "-c", child], cwd=repo_root, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["200", "True"]
    bad = subprocess.run([sys.executable, "-m", "replay", "serve", "--variant", "nope"], cwd=repo_root,
                         capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2 and "redesign" in bad.stderr
    listed = subprocess.run([sys.executable, "-m", "replay", "variants"], cwd=repo_root,
                            capture_output=True, text=True, timeout=60)
    assert all(name in listed.stdout for name in VARIANTS)


# ------------------------------------------------------------------ issue 19: discovery variants
DISCOVERY = ("loadmore-feeds", "paging-words", "start-lost")
ARTICLE_HREF = re.compile(r"\.(html|ldo|htm)$")


def _article_links(web: ReplayWeb, site: str, url: str) -> set[str]:
    """Every link of the page (menus, sidebars, <noscript> too) to a real article or copy of the site."""
    arts = {a.url for a in web.articles(site) + web.copies(site)}
    doc = tree(get(web, url))
    return {urljoin(url, h) for h in doc.xpath("//a/@href|//link/@href")} & arts


def _xml_locs(web: ReplayWeb, url: str) -> list[str]:
    resp = get(web, url)
    assert resp.status == 200 and "xml" in resp.header("Content-Type"), url
    return re.findall(r"<loc>([^<]+)</loc>", resp.body.decode())


def _sitemap_articles(web: ReplayWeb, site: str) -> tuple[set[str], list[str]]:
    """(article URLs every sitemap named in robots.txt lists, the index's child sitemaps in order)."""
    robots = get(web, f"https://{HOSTS[site]}/robots.txt").body.decode()
    found, children = set(), []
    for sitemap in re.findall(r"^Sitemap: (\S+)$", robots, re.M):
        body = get(web, sitemap).body.decode()
        if "<sitemapindex" in body:
            children = _xml_locs(web, sitemap)
            for child in children:
                found |= set(_xml_locs(web, child))
        else:
            found |= set(_xml_locs(web, sitemap))
    return found, children


def _feed_articles(web: ReplayWeb, site: str, page_url: str) -> dict[str, object]:
    """{article URL: feed entry} of every feed the page announces with <link rel=alternate>."""
    out = {}
    for href in tree(get(web, page_url)).xpath("//link[@rel='alternate'][@type='application/rss+xml']/@href"):
        feed = feedparser.parse(get(web, urljoin(page_url, href)).body)
        assert not feed.bozo, (page_url, href)
        out.update({e.link: e for e in feed.entries})
    return out


def test_discovery_variants_cover_every_site_and_record_outcomes():
    for name in DISCOVERY:
        v = VARIANTS[name]
        assert set(v.sites) == set(ALL_SITES), name
        assert not v.article, name                    # article pages stay the regular replay's
        for site in v.sites:
            out = v.outcome(site)
            assert out["listings_incomplete"] == (name == "loadmore-feeds"), (name, site)
            assert out["drifted"] == (site in v.drifted)
    assert VARIANTS["start-lost"].outcome("laodong")["never_request"] == ["/bat-dong-san/cong-doan", "/the-thao/cong-doan"]


@pytest.mark.parametrize("name", [None, *VARIANTS])
def test_listings_incomplete_exactly_where_the_variant_says(name):
    web = ReplayWeb(variant=name)
    v = VARIANTS.get(name)
    for site in ALL_SITES:
        report = web.channel_report(site)
        assert report["incomplete"] == (v is not None and site in v.incomplete), (name, site, report)
        if v is None or site not in v.incomplete:
            assert report["missed"] == 0, (name, site, report)


@pytest.mark.parametrize("site", ALL_SITES)
def test_load_more_listings_link_six_stories_and_the_rest_only_through_feeds_and_sitemaps(web, site):
    web.variant = "loadmore-feeds"
    truth = {a.url for a in web.articles(site) + web.copies(site)}
    linked: set[str] = set()
    pages = web.listing_urls(site) + web.home_urls(site)
    for url in pages:
        linked |= _article_links(web, site, url)
    for url in web.listing_urls(site):
        doc = tree(get(web, url))
        assert len(doc.cssselect("h2 a, h3 a, h4 a")) - len(doc.cssselect("aside a, header a")) <= 6 + 4, url
        [button] = doc.cssselect("button.btn-viewmore")
        assert button.text_content() in ("Xem thêm", "Tải thêm", "Xem thêm tin") and button.get("data-url") is None
        assert not doc.xpath("//link[@rel='next']") and "?page=2" not in get(web, url).body.decode()
    assert linked == web.listed(site)
    assert len(truth - linked) >= 0.2 * len(truth), (site, len(truth - linked))      # listings incomplete
    # what the script fetches is not for crawlers: robots.txt disallows it, and it is no link anywhere
    robots = get(web, f"https://{HOSTS[site]}/robots.txt").body.decode()
    assert "Disallow: /ajax/" in robots
    fragment = get(web, f"https://{HOSTS[site]}/ajax/more/0/2")
    assert fragment.status == 200 and "<html" not in fragment.body.decode()
    # the feeds (announced on the home and section pages) and the sitemaps name every story
    in_sitemaps, _ = _sitemap_articles(web, site)
    in_feeds = {}
    for url in [f"https://{HOSTS[site]}/", web.start_urls(site)[0]]:
        in_feeds.update(_feed_articles(web, site, url))
    usual = {"baolaocai": "/rss/home.rss", "laodong": "/rss/cong-doan.rss"}.get(site)
    if usual:
        in_feeds.update({e.link: e for e in feedparser.parse(get(web, f"https://{HOSTS[site]}{usual}").body).entries})
    assert truth <= in_sitemaps | set(in_feeds), (site, len(truth - in_sitemaps - set(in_feeds)))
    dated = {a.url: a.published_at for a in web.articles(site) + web.copies(site)}
    for link, entry in in_feeds.items():
        if dated[link]:
            assert entry.published == format_datetime(datetime.fromisoformat(dated[link])), link
    assert web.channel_report(site) == {"named": len(truth), "missed": len(truth - linked), "incomplete": True}


@pytest.mark.parametrize("site", ALL_SITES)
def test_moved_sections_answer_301_or_308_and_their_old_pages_too(web, site):
    web.variant = "loadmore-feeds"
    moves = web.redirected_urls(site)
    assert moves, site
    for old, (new, status) in moves.items():
        resp = get(web, old)
        assert resp.status == status in (301, 308) and resp.header("Location") == new, old
        assert get(web, new).status == 200, new
    old_page2 = {"laodongthudo": "https://laodongthudo.vn/cong-doan&s_cond=&BRSR=16",
                 "tuoitrethudo": "https://tuoitrethudo.vn/tin-tuc/p2",
                 "baolaocai": "https://baolaocai.vn/cong-doan-lao-cai-tag4194.html?page=2",
                 "hanoigov": "https://hanoi.gov.vn/tintuc_sukien/-/hn/ZVOm7e3VDMRM/7320?cur=2",
                 "laodong": "https://laodong.vn/cong-doan/?page=2"}.get(site)
    if old_page2:
        assert get(web, old_page2).status in (301, 308), old_page2
    for art in web.articles(site)[:5]:                  # article URLs under a moved section stay put
        assert get(web, art.url).status == 200


def test_sitemaps_named_in_robots_index_newest_first_with_publication_dates(web):
    web.variant = "loadmore-feeds"
    for site in ("laodongthudo", "laodong", "baolaocai", "hanoigov"):
        robots = get(web, f"https://{HOSTS[site]}/robots.txt").body.decode()
        assert robots.startswith(ROBOTS_START[site]) and f"Sitemap: https://{HOSTS[site]}/sitemap.xml" in robots
        found, children = _sitemap_articles(web, site)
        assert found == {a.url for a in web.articles(site) + web.copies(site)}, site
        if site == "hanoigov":
            assert not children
            continue
        index = get(web, f"https://{HOSTS[site]}/sitemap.xml").body.decode()
        lastmods = re.findall(r"</loc><lastmod>([^<]+)</lastmod>", index)
        assert lastmods == sorted(lastmods, reverse=True) and len(lastmods) == len(children) >= 3, site
    truth = {a.url: a for a in web.articles("laodong")}
    news = get(web, "https://laodong.vn/sitemaps/news.xml").body.decode()
    assert 'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"' in news
    for loc, when, title in re.findall(r"<loc>([^<]+)</loc>.*?<news:publication_date>([^<]+)</news:publication_date>"
                                       r"<news:title>([^<]+)</news:title>", news):
        assert truth[loc].published_at == when and truth[loc].title == title
        assert when >= "2026-11-18"                     # the news sitemap: the last two days only
    month = get(web, "https://laodong.vn/sitemaps/2026-10.xml").body.decode()
    dates = re.findall(r"<news:publication_date>([^<]+)<", month)
    assert dates and all(d.startswith("2026-10") for d in dates)


ROBOTS_START = {"laodongthudo": "User-agent: *\nDisallow: /apicenter@/", "baolaocai": "User-agent: *\nDisallow: /admin/",
                "hanoigov": "User-agent: *\nDisallow: /c/", "laodong": "User-agent: *\nDisallow: /search"}


NEXT_WORDS = {"laodongthudo": ("Xem thêm", r"^/cong-doan&p=2$"), "tuoitrethudo": ("Tin cũ hơn", r"^/tin-tuc/page/2$"),
              "baolaocai": ("", r"^/cong-doan-lao-cai-tag4194\.html\?trang=2$"),
              "hanoigov": ("2", r"^/tintuc_sukien/-/hn/ZVOm7e3VDMRM/7320/trang-2$"),
              "laodong": ("Xem thêm", r"^/cong-doan/\?page=2$"), "nld": ("Trang tiếp", r"^/cong-doan/p2\.htm$")}


@pytest.mark.parametrize("site", ALL_SITES)
def test_paging_words_next_links_are_worded_otherwise_and_reach_every_story(web, regular, site):
    web.variant = "paging-words"
    word, shape = NEXT_WORDS[site]
    start = web.start_urls(site)[0]
    assert start == regular.start_urls(site)[0]               # start pages stay where they were
    page = tree(get(web, start))
    assert not page.xpath("//link[@rel='next']")
    listing_pages = {urlsplit(u).path + (f"?{urlsplit(u).query}" if urlsplit(u).query else "")
                     for u in web.listing_urls(site)}
    nexts = [a for a in page.xpath("//a[@href]") if a.get("href") in listing_pages and _page_no(a.get("href")) == 2]
    assert nexts and all(re.match(shape, a.get("href")) for a in nexts[:1]), [a.get("href") for a in nexts]
    assert nexts[0].text_content().strip() == word
    assert not {a.text_content().strip() for a in nexts} & {"Trang sau", "›", "»", "Sau", "Tiếp"}
    if site == "baolaocai":                                    # icon only
        assert nexts[0].xpath("./i[@class='icon-next']")
    if site == "hanoigov":                                     # the links exist only inside <noscript>
        assert all(a.xpath("ancestor::noscript") for a in nexts)
    if site == "laodong":                                      # the block right under the listing column
        block = nexts[0].getparent()
        assert block.get("class") == "box-viewmore" and block.getprevious().get("class") == "list-main-content"
    if site == "laodongthudo":                                 # [seen] markup kept
        assert nexts[0].getparent().get("class") == "__MB_ARTICLE_PAGING"
        assert page.cssselect("div.col_category > div.list_news div.list_news_title h2 a")
    # following the next links alone from every start page reaches every story the regular listings do
    found: set[str] = set()
    for url in web.start_urls(site):
        while url:
            doc = tree(get(web, url))
            for bad in doc.xpath("//header|//aside|//footer|//div[@class='breaking-news']"):
                bad.drop_tree()
            found |= {urljoin(url, h) for h in doc.xpath("//a/@href")} & {a.url for a in web.articles(site) + web.copies(site)}
            later = [urljoin(url, h) for h in doc.xpath("//a/@href") if urljoin(url, h) in web.listing_urls(site)
                     and _page_no(urljoin(url, h)) == _page_no(url) + 1]
            url = later[0] if later else None
    assert found == web.listed(site) == {a.url for a in web.articles(site) + web.copies(site)}


def _page_no(url: str) -> int:
    m = re.search(r"(?:[?&](?:p|page|trang)=|/page/|/trang-|/p)(\d+)(?:\.htm)?$", url)
    return int(m.group(1)) if m else 1


@pytest.mark.parametrize("site", ALL_SITES)
def test_start_page_lost_home_paginates_menu_names_the_new_section_and_decoys(web, regular, site):
    web.variant = "start-lost"
    v = VARIANTS["start-lost"]
    old = regular.start_urls(site)[0]
    assert get(web, old).status == 404 and web.moved_urls(site) == [old]
    new = web.start_urls(site)[0]
    assert new != old and get(web, new).status == 200
    # the home page's own pagination alone reaches every story
    found, url, pages = set(), f"https://{HOSTS[site]}/", 0
    truth = {a.url for a in web.articles(site) + web.copies(site)}
    while url:
        doc = tree(get(web, url))
        pages += 1
        main = doc.cssselect("main.home-main")[0]
        found |= {urljoin(url, h) for h in main.xpath(".//a/@href")} & truth
        nxt = [urljoin(url, h) for h in main.xpath(".//a/@href") if urljoin(url, h) in web.home_urls(site)
               and web.home_urls(site).index(urljoin(url, h)) == web.home_urls(site).index(url) + 1]
        url = nxt[0] if nxt else None
    assert found == truth and pages == len(web.home_urls(site)) >= 4
    # the menu: the lost section under its new URL with its old name, and decoys sharing a word
    home = tree(get(web, f"https://{HOSTS[site]}/"))
    menu = {(a.text_content(), a.get("href")) for a in home.cssselect("header nav.menu a")}
    label = next(l.label for l in regular._listings[site].values() if f"https://{HOSTS[site]}{l.path}" == old)
    assert (label if site != "baolaocai" else "Công đoàn Lào Cai", urlsplit(new).path) in menu, menu
    for path, (decoy_label, parent) in v.decoys[site].items():
        assert (decoy_label, path) in menu and any(word in label for word in decoy_label.split()[:1] + ["Công", "Tin", "Xã"])
        page = get(web, f"https://{HOSTS[site]}{path}")
        assert page.status == 200
        main = tree(page).cssselect("main")[0]
        assert not {urljoin(path, h) for h in main.xpath(".//a/@href")} & truth     # no union story listed
        assert parent in tree(page).text_content()
    assert sorted(v.decoys[site]) == v.outcome(site)["never_request"]


# ------------------------------------------------------------------ issue 20: field variants
NOISE_ALL = {**NOISE, "laodong": ["Tin cùng chuyên mục", "Tin mới", "Đọc nhiều", "Phiên bản di động"],
             "nld": ["Tin liên quan", "Tin mới nhất", "Đọc nhiều", "Phiên bản di động"]}
SITE_PREFIX = {**PREFIX, "nld": "(NLĐO)- ", "laodong": ""}
VN = timezone(timedelta(hours=7))
UTC = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


def _instant(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def _jsonld(doc) -> dict:
    news = [json.loads(x) for x in doc.xpath("//script[@type='application/ld+json']/text()")]
    return next((x for x in news if x.get("@type") == "NewsArticle"), {})


def _field_pages(web: ReplayWeb, name: str):
    web.variant = name
    for site in ALL_SITES:
        for art in web.articles(site) + web.copies(site):
            resp = get(web, art.url)
            assert resp.status == 200, (name, art.url)
            yield site, art, resp, tree(resp)


@pytest.mark.parametrize("name", FIELD_VARIANTS)
def test_field_variants_keep_the_truth_and_the_noise(web, name):
    v = VARIANTS[name]
    assert set(v.sites) == set(ALL_SITES) and set(v.article) == set(ALL_SITES) and not v.listing
    for site, art, resp, doc in _field_pages(web, name):
        assert doc.cssselect("link[rel=canonical]")[0].get("href") == art.url
        assert doc.cssselect("meta[property='og:title']")[0].get("content") == art.title
        if site in DESC_PREFIX:        # [seen 2020]: the description carries the lead with its prefix
            assert doc.cssselect("meta[name=description]")[0].get("content") == DESC_PREFIX[site] + art.sapo
        text = visible(doc)
        assert art.title in text
        assert norm(art.sapo) in text
        pieces = [b.caption if isinstance(b, Figure) else b.text if isinstance(b, Subheading) else b for b in art.blocks]
        at = -1
        for piece in filter(None, pieces):            # every piece of the text, in order
            at = text.index(norm(piece), at + 1)
        assert v.shows(art) == {"title": True, "published_at": bool(art.published_at), "sapo": True,
                                "author": bool(art.author), "body": True}
        for phrase in NOISE_ALL[site]:
            assert phrase in text, (name, site, phrase)
        others = [x for x in web.articles(site) if x.url != art.url and x.title in text]
        assert len(others) >= 8, (name, art.url)                       # ticker, teasers, sidebar
        assert len(set(re.findall(r"\d\d/\d\d/\d{4} \d\d:\d\d", text))) >= 4   # other stories' stamps
        if art.published_at:
            lm = resp.header("Last-Modified")
            expected = _instant(art.published_at) + (timedelta(minutes=47) if v.last_modified == "modified"
                                                     or site == "baolaocai" else timedelta(0))
            assert lm and parsedate_to_datetime(lm) == expected


DATES_RELATIVE = {   # where each site states the exact time: (xpath of the attribute, how it reads)
    "laodongthudo": ("//abbr[@class='timeago']/@title", lambda s: datetime.fromisoformat(s)),
    "tuoitrethudo": ("//span[@class='time-ago']/@title", lambda s: datetime.strptime(s, "%d/%m/%Y %H:%M").replace(tzinfo=VN)),
    "baolaocai": ("//span[@class='detail-time']/@data-published",
                  lambda s: datetime.strptime(s, "%Y-%m-%d %H:%M:%S").replace(tzinfo=VN)),
    "hanoigov": ("//time[@class='time-news']/@datetime", _instant),
    "laodong": ("//time[@class='article-time']/@datetime", lambda s: datetime.fromisoformat(s)),
    "nld": ("//meta[@property='article:published_time']/@content", _instant),
}
RELATIVE = re.compile(r"^\(?(\d+ phút trước|\d+ giờ trước|hôm qua|\d ngày trước)\)?$")


def test_dates_relative_state_the_exact_time_only_in_attributes_or_another_zone(web):
    kinds = Counter()
    for site, art, resp, doc in _field_pages(web, "dates-relative"):
        if not art.published_at:
            assert not doc.xpath(DATES_RELATIVE[site][0]) and "Cập nhật" not in visible(doc)
            continue
        xpath, read = DATES_RELATIVE[site]
        [value] = doc.xpath(xpath)
        assert read(value) == _instant(art.published_at), (site, art.url, value)
        stamp_el = doc.xpath(xpath.rsplit("/@", 1)[0])[0] if site != "nld" else doc.cssselect("span.story__time")[0]
        shown = norm(stamp_el.text_content())
        kinds["relative" if RELATIVE.match(shown) else "older"] += 1
        assert not re.search(r"\d\d:\d\d", shown) or site in ("laodongthudo", "tuoitrethudo"), (site, shown)
        assert not doc.xpath("//meta[@property='article:published_time']") or site == "nld"
        if site in ("hanoigov", "nld"):                                # the page states UTC
            assert UTC.match(value)
        if site == "nld":
            ld = _jsonld(doc)
            assert UTC.match(ld["datePublished"]) and _instant(ld["datePublished"]) == _instant(art.published_at)
            assert stamp_el.get("data-time") == art.published_at[:16].replace("T", " ")
        if site in ("baolaocai", "nld"):                               # the modified time printed beside it
            mod = _instant(art.published_at) + timedelta(minutes=47)
            assert f"{mod:%d-%m-%Y %H:%M}" in visible(doc) or f"{mod:%d/%m/%Y %H:%M}" in visible(doc)
        if site == "baolaocai":
            assert doc.xpath("//meta[@property='article:modified_time']") and "datePublished" not in _jsonld(doc)
            text = visible(doc)
            assert text.index("Cập nhật:") < text.index(shown)          # the modified date comes first
    assert kinds["relative"] >= 6 and kinds["older"] >= 100, kinds


DATE_FORMS = {
    "laodongthudo": lambda d: f"{WEEKDAY[d.weekday()]}, {d:%d/%m/%Y - %H:%M}",
    "tuoitrethudo": lambda d: f"{d:%d.%m.%Y %H:%M}", "baolaocai": lambda d: f"{d:%d-%m-%Y %H:%M}",
    "hanoigov": lambda d: f"({d:%H:%M %d/%m/%Y})", "laodong": lambda d: f"{WEEKDAY[d.weekday()]}, {d:%d/%m/%Y %H:%M} (GMT+7)",
    "nld": lambda d: f"{d:%H}h{d:%M} ngày {d:%d/%m/%Y}",
}
WEEKDAY = ["Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ Nhật"]
TITLE_TAG = {"laodongthudo": " - Lao Động Thủ Đô", "tuoitrethudo": " | Tuổi Trẻ Thủ Đô", "baolaocai": " - Báo Lào Cai điện tử",
             "hanoigov": " - Cổng giao tiếp điện tử Hà Nội", "laodong": " | Báo Lao Động", "nld": " - Báo Người Lao Động"}


def test_dates_titles_visible_forms_only_and_titles_with_site_names_and_entities(web):
    for site, art, resp, doc in _field_pages(web, "dates-titles"):
        raw = resp.body.decode()
        assert not doc.xpath("//meta[contains(@property, '_time')]|//time[@datetime]|//*[@title and "
                             "contains(@class, 'time')]") and "datePublished" not in _jsonld(doc)
        text = visible(doc)
        if art.published_at:
            shown = DATE_FORMS[site](datetime.fromisoformat(art.published_at))
            assert shown in text and text.index(shown) < text.index(norm(art.sapo)[:40]), (site, shown)
            if site == "hanoigov":                                     # next to the headline, time first
                assert f"{art.title} {shown}" in text
            if site == "tuoitrethudo":
                assert f"{art.section} {shown}" in text
        assert doc.findtext(".//title") == art.title + TITLE_TAG[site]
        raw_title = re.search(r"<title>(.*?)</title>", raw).group(1)
        if site in ("laodongthudo", "laodong", "baolaocai"):          # written with character references
            assert "&#" in raw_title or re.search(r"&[a-z]+;", raw_title), raw_title
        headings = [norm(h.text_content()) for h in doc.xpath("//h1")]
        if site in ("hanoigov", "nld", "tuoitrethudo"):                # no <h1> headline
            assert art.title not in headings
            tag = {"hanoigov": "span", "nld": "div", "tuoitrethudo": "div"}[site]
            assert [norm(x.text_content()) for x in doc.xpath(f"//{tag}[contains(@class, 'title') or contains(@class, 'headline')]")
                    if norm(x.text_content()) == art.title]
        if site == "tuoitrethudo":
            assert headings == ["Tuổi Trẻ Thủ Đô"]


def test_leads_and_bylines_the_vietnamese_way(web):
    prefixed = Counter()
    for site, art, resp, doc in _field_pages(web, "leads-bylines"):
        text = visible(doc)
        prefix = SITE_PREFIX[site]
        with_prefix = prefix and norm(prefix + art.sapo) in text
        prefixed[site, bool(with_prefix)] += 1
        lead_el = {"laodongthudo": "//p[@class='description']", "nld": "//p[@class='description']",
                   "baolaocai": "//h1/following-sibling::*[1][self::div]/following-sibling::h2[1]|//h1/following-sibling::h2[1]",
                   "tuoitrethudo": "//div[@id='__MB_MASTERCMS_EL_3']/p[1]/strong",
                   "hanoigov": "//div[@class='content-news']/p[1]/strong",
                   "laodong": "//div[@class='article-content']/p[1]/strong"}[site]
        [lead] = doc.xpath(lead_el)
        assert norm(lead.text_content()) in (norm(art.sapo), norm(prefix + art.sapo)), (site, art.url)
        if site == "hanoigov" and not art.copy_of:
            assert norm(lead.text_content()).startswith("HNP - ") == (int(art.article_id[-1]) % 2 == 0)
        meta_author = doc.xpath("//meta[@name='author']/@content")
        if site in ("laodongthudo", "laodong", "nld"):                # the publisher's name in meta
            assert meta_author == [SITE_NAMES[site]]
        ld = _jsonld(doc)
        if site == "nld":
            assert ld["author"] == {"@type": "Organization", "name": SITE_NAMES["nld"]}
        if not art.author:
            assert site != "baolaocai" or "author" not in ld
            continue
        if site == "baolaocai":                                        # only in JSON-LD
            assert art.author not in text and ld["author"] == {"@type": "Person", "name": art.author}
        elif site in ("laodongthudo", "laodong"):                      # right-aligned bold last line of the text
            body = doc.cssselect("div#__MB_MASTERCMS_EL_3, div.article-content")[0]
            last = body.xpath("./p")[-1]
            assert "right" in last.get("style") and last.xpath("./strong/text()") == [art.author]
        elif site == "hanoigov":
            last = doc.xpath("//div[@class='content-news']/p")[-1]
            assert last.get("align") == "right" and last.xpath("./b/text()") == ["Theo " + art.author]
        else:
            label = {"tuoitrethudo": "Tác giả: ", "nld": "Theo "}[site]
            assert label + art.author in text
    for site in ("laodongthudo", "tuoitrethudo", "hanoigov", "nld"):  # the prefix on some articles only
        assert prefixed[site, True] >= 10 and prefixed[site, False] >= 10, (site, prefixed)


def test_related_links_inside_the_text_and_br_runs(web):
    for site, art, resp, doc in _field_pages(web, "related-br"):
        own = {a.url for a in web.articles(site) + web.copies(site)}
        body = doc.cssselect("div#__MB_MASTERCMS_EL_3, div.article__content, div.news-content, div.article-content, "
                             "div.detail-content")
        assert len(body) == 1, (site, art.url)
        body = body[0]
        paragraphs = [b for b in art.blocks if isinstance(b, str)]
        text = norm(body.text_content())
        links = [urljoin(art.url, h) for h in body.xpath(".//a/@href")]
        assert links and set(links) <= own and art.url not in links
        boxes = "contains(@class, 'RELATED') or contains(@class, 'related')"
        intext = [a for a in body.xpath(f".//a[not(ancestor::div[{boxes}])]")]
        assert 2 <= len(intext) <= 3, (site, art.url)
        at = 2 if len(paragraphs) >= 4 else 1                 # after the 2nd paragraph (the 1st on short texts)
        where = text.index(norm(intext[0].text_content()))
        assert text.index(norm(paragraphs[at - 1])) < where < text.index(norm(paragraphs[at])), (site, art.url)
        word = {"laodongthudo": "Tin liên quan", "laodong": "Xem thêm", "baolaocai": "Đọc thêm:", "nld": "Tin liên quan:"}.get(site)
        if word:
            assert word in text
        else:
            assert len(re.findall(r"» ", text)) == 2
        if site in ("baolaocai", "hanoigov", "nld"):                  # runs separated by <br><br>, no <p>
            in_p = {norm(x.text_content()) for x in body.xpath(".//p")}
            assert not in_p & {norm(x) for x in paragraphs}, (site, art.url)
            raw = resp.body.decode()
            for para in paragraphs:
                assert f"{escape(para, quote=False)}<br><br>" in raw, (site, art.url)
