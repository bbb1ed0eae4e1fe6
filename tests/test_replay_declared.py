"""Tests of the replay's two declared sites, laodong.vn and nld.com.vn (replay/declared.py).

Each keeps what shared/sites.md says of it: URL shapes, sections, `?page=N` / RSS paths, and for
laodong.vn the [seen] selectors of a public spider. Every article page must carry its true text
(`ReplayArticle.expected()`), reachable from the start page by the listing and pagination links
alone; the four family sites stay what they were (`web.articles()` counts them only).
"""
from __future__ import annotations

import json
import re
from urllib.parse import urljoin

import feedparser
import pytest
from parsel import Selector

from replay.corpus import HOSTS, SITES
from replay.declared import DECLARED_SITES
from replay.web import ALL_SITES, ReplayWeb

URL_SHAPE = {
    "laodong": re.compile(r"^https://laodong\.vn/(cong-doan|cong-doan-toan-quoc|vi-loi-ich-doan-vien|"
                          r"thiet-che-cong-doan|chung-toi-la-can-bo-cong-doan)/[a-z0-9-]+-\d{7}\.ldo$"),
    "nld": re.compile(r"^https://nld\.com\.vn/cong-doan/[a-z0-9-]+-\d{17}\.htm$"),
}
# laodong.vn: the selectors sites.md marks [seen]; nld.com.vn: the links of our own listing markup
LIST_LINKS = {"laodong": "li article.article-large header a::attr(href)",
              "nld": "div.list-stream h3.card__title a::attr(href)"}
NEXT_PAGE = {"laodong": "ul.pagination li.active + li a::attr(href)",
             "nld": "link[rel=next]::attr(href)"}
START = {"laodong": "https://laodong.vn/cong-doan/", "nld": "https://nld.com.vn/cong-doan.htm"}
FEED = {"laodong": "https://laodong.vn/rss/cong-doan.rss", "nld": "https://nld.com.vn/cong-doan.rss"}


@pytest.fixture(scope="module")
def web() -> ReplayWeb:
    return ReplayWeb()


def get(web: ReplayWeb, url: str):
    host, _, rest = url.split("://", 1)[1].partition("/")
    return web.respond("GET", host, "/" + rest)


def page(web: ReplayWeb, url: str) -> Selector:
    r = get(web, url)
    assert r.status == 200, url
    return Selector(text=r.body.decode("utf-8"))


def text(sel: Selector, css: str) -> list[str]:
    return [" ".join(" ".join(x.css("::text").getall()).split()) for x in sel.css(css)]


def test_declared_sites_are_separate_from_the_family_sites(web):
    assert DECLARED_SITES == ("laodong", "nld") and set(ALL_SITES) == set(SITES) | {"laodong", "nld"}
    assert {a.site for a in web.articles()} == set(SITES)
    assert {a.site for a in web.articles(sites=ALL_SITES)} == set(ALL_SITES)
    for site in DECLARED_SITES:
        arts = web.articles(site)
        assert len(arts) >= 40
        assert all(URL_SHAPE[site].match(a.url) for a in arts), [a.url for a in arts][:3]
        assert len({a.url for a in arts}) == len(arts)
        assert all(a.published_at and a.title and a.sapo and a.body_text for a in arts)
        assert web.copies(site) == []
        assert all(not urls for urls in web.bad_urls(site).values())


def test_nld_ids_are_publication_timestamps(web):
    for a in web.articles("nld"):
        article_id = a.url.rsplit("-", 1)[1].removesuffix(".htm")
        assert article_id == a.article_id
        assert article_id[:12] == re.sub(r"\D", "", a.published_at)[:12]


@pytest.mark.parametrize("site", DECLARED_SITES)
def test_listing_and_pagination_links_reach_every_article(web, site):
    found, url, pages = [], START[site], 0
    while url:
        sel = page(web, url)
        pages += 1
        found += [urljoin(url, h) for h in sel.css(LIST_LINKS[site]).getall()]
        nxt = sel.css(NEXT_PAGE[site]).get()
        url = urljoin(url, nxt) if nxt else None
    assert pages >= 3
    assert sorted(found) == sorted(a.url for a in web.articles(site))
    for start in web.start_urls(site)[1:]:           # every other section lists its own articles
        links = page(web, start).css(LIST_LINKS[site]).getall()
        assert links and all(URL_SHAPE[site].match(urljoin(start, h)) for h in links)


@pytest.mark.parametrize("site", DECLARED_SITES)
def test_feed_robots_and_home(web, site):
    feed = feedparser.parse(get(web, FEED[site]).body)
    assert not feed.bozo and len(feed.entries) == 20
    assert [e.link for e in feed.entries] == [a.url for a in web.articles(site)[:20]]
    robots = get(web, f"https://{HOSTS[site]}/robots.txt").body.decode()
    assert "User-agent: *" in robots and "Disallow: /search" in robots
    home = page(web, f"https://{HOSTS[site]}/")
    assert web.articles(site)[0].url.split(HOSTS[site], 1)[1] in home.css("a::attr(href)").getall()
    assert get(web, f"https://{HOSTS[site]}/khong-co-trang-nay").status == 404


def test_laodong_pages_answer_the_seen_selectors(web):
    for art in web.articles("laodong"):
        sel = page(web, art.url)
        gold = art.expected()
        assert text(sel, ".time time") == [f"{art.published_at[8:10]}/{art.published_at[5:7]}/"
                                            f"{art.published_at[:4]} {art.published_at[11:16]}"]
        body = [x for x in text(sel, ".article-content p") if x]
        assert "\n\n".join(body) == gold["body"], art.url
        assert text(sel, ".keywords a") == gold["tags"]
        assert text(sel, ".breadcrumb a")[-1] == gold["section"]
        assert text(sel, "h1") == [gold["title"]]
        assert sel.css("meta[property='og:description']::attr(content)").get() == gold["sapo"]
        assert text(sel, "div.chappeau") == [gold["sapo"]]
        assert (text(sel, ".article-meta .author") or [None])[0] == gold["author"]
        noise = " ".join(text(sel, "aside, footer, header, section"))
        assert "Tin cùng chuyên mục" in noise and "Đọc nhiều" in noise
        if art.related_titles:
            assert text(sel, ".article-content .box-related-in-content li") == art.related_titles


def test_nld_pages_carry_the_truth_in_meta_jsonld_and_markup(web):
    for art in web.articles("nld"):
        sel = page(web, art.url)
        gold = art.expected()
        ld = [json.loads(x) for x in sel.css("script[type='application/ld+json']::text").getall()]
        news = next(x for x in ld if x["@type"] == "NewsArticle")
        assert (news["headline"], news["description"], news["datePublished"]) == (
            gold["title"], gold["sapo"], gold["published_at"])
        assert news.get("author", [{}])[0].get("name") == gold["author"]
        assert sel.css("meta[property='article:published_time']::attr(content)").get() == gold["published_at"]
        assert sel.css("link[rel=canonical]::attr(href)").get() == art.url
        assert text(sel, "h1") == [gold["title"]]
        assert text(sel, "h2.story__lead") == [gold["sapo"]]
        body = [x for x in text(sel, ".story__body > p, .story__body > h3, .story__body figcaption") if x]
        assert "\n\n".join(body) == gold["body"], art.url
        assert text(sel, ".story__tags a") == gold["tags"]
        assert text(sel, ".story__author") == ([gold["author"]] if gold["author"] else [])
        stamp = text(sel, ".story__time")[0]
        assert re.fullmatch(r"\d\d/\d\d/\d{4} \d\d:\d\d", stamp)
        assert len(text(sel, "section.stream .card__time")) >= 8      # other stories' dates: noise
        if art.related_titles:
            assert text(sel, ".story__body .story__inline-related li") == art.related_titles


def test_extra_articles_on_declared_sites_come_on_top():
    from replay.corpus import build_corpus
    base = build_corpus()
    more = build_corpus(extra={"laodong": 2, "nld": 2})
    for site in DECLARED_SITES:
        assert more[site][2:] == base[site]
        assert more[site][0].published_at > base[site][0].published_at
        assert len({a.url for a in more[site]}) == len(more[site])
