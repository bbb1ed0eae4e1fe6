"""Tests of the replay content: corpus, seeds, rendered pages and the markup contract.

Run: /tmp/probe-venv/bin/python -m pytest tests/test_replay_content.py
A small reference extractor per CMS family (written from replay/MARKUP.md) re-reads every article
page and must give back the gold record, so the HTML and the documented contract stay in step.
"""
from __future__ import annotations

import html
import itertools
import json
import re
import unicodedata
from datetime import datetime
from pathlib import Path
from urllib.parse import urljoin

import lxml.html
import pytest

from replay.corpus import HOSTS, SITES, build_corpus
from replay.model import Figure, Subheading
from replay.web import ReplayWeb

ROOT = Path(__file__).resolve().parents[1]
SEED_TITLES = {
    "000": ("laodongthudo", "Phát triển giai cấp công nhân là nhiệm vụ quan trọng trong công tác xây dựng Đảng"),
    "001": ("baolaocai", "Tiếp tục quan tâm để phong trào công nhân, hoạt động công đoàn phát triển"),
    "002": ("tuoitrethudo", "Phấn đấu để xứng đáng là đảng viên Đảng Cộng sản Việt Nam"),
    "003": ("hanoigov", "Tăng cường và đổi mới sự lãnh đạo của Đảng đối với công tác dân vận trong các cấp công đoàn"),
    "004": ("laodongthudo", "Chủ động nắm bắt tâm tư, nguyện vọng đoàn viên, công nhân viên chức lao động"),
}
LIST_LINKS = {
    "laodongthudo": "//div[@class='col_category']//div[@class='list_news_title']/h2/a/@href",
    "tuoitrethudo": "//div[@class='col_category']//div[@class='list_news_title']/h2/a/@href",
    "baolaocai": "//div[@class='box-list']//h3[@class='b-grid__title']/a/@href",
    "hanoigov": "//div[@class='list-news']//a[@class='title']/@href",
}
PAGING = {
    "laodongthudo": "//div[@class='__MB_ARTICLE_PAGING']/a/@href",
    "tuoitrethudo": "//div[@class='__MB_ARTICLE_PAGING']/a/@href",
    "baolaocai": "//div[@class='pagination']/a/@href",
    "hanoigov": "//div[@class='taglib-page-iterator']/a/@href",
}


@pytest.fixture(scope="module")
def web() -> ReplayWeb:
    return ReplayWeb()


def get(web: ReplayWeb, url: str):
    host, _, rest = url.split("://", 1)[1].partition("/")
    return web.respond("GET", host, "/" + rest)


def doc(resp):
    return lxml.html.fromstring(resp.body.decode("utf-8"))


def crawl_pagination(web: ReplayWeb, site: str, start: str) -> list[str]:
    seen, todo = [], [start]
    while todo:
        url = todo.pop(0)
        if url in seen:
            continue
        seen.append(url)
        r = get(web, url)
        assert r.status == 200, url
        for href in doc(r).xpath(PAGING[site]):
            nxt = urljoin(url, href)
            if nxt not in seen:
                todo.append(nxt)
    return seen


# ------------------------------------------------------------------------------------------ corpus

def test_sites_have_articles_and_listing_pages(web):
    for site in SITES:
        assert len(web.articles(site)) >= 15
        pages = set()
        for start in web.start_urls(site):          # start page + its section listings
            pages.update(crawl_pagination(web, site, start))
        assert len(pages) >= 3, (site, pages)


def test_pagination_alone_reaches_three_pages():
    big = ReplayWeb(articles_per_site=60)
    for site in SITES:
        pages = crawl_pagination(big, site, big.start_urls(site)[0])
        assert len(pages) >= 3, (site, pages)
        assert set(pages) <= set(big.listing_urls(site))


def test_every_listed_article_is_served_with_its_title(web):
    for site in SITES:
        listed = set()
        for start in web.start_urls(site):
            for page in crawl_pagination(web, site, start):
                listed.update(urljoin(page, h) for h in doc(get(web, page)).xpath(LIST_LINKS[site]))
        expected = {a.url for a in web.articles(site) + web.copies(site)}
        bad = web.bad_urls(site)
        pdf = set(bad["pdf"])
        not_articles = set(bad["video"] + bad["soft404"])
        assert listed == expected | pdf | not_articles, site
        titles = {a.url: a.title for a in web.articles(site) + web.copies(site)}
        for url in listed:
            r = get(web, url)
            assert r.status == 200, url
            if url in pdf:
                assert r.header("Content-Type") == "application/pdf"
                assert r.body.startswith(b"%PDF-")
                continue
            if url in not_articles:
                continue
            assert r.header("Content-Type") == "text/html; charset=utf-8"
            assert titles[url] in html.unescape(r.body.decode("utf-8"))
            assert 40_000 <= len(r.body) <= 120_000, (url, len(r.body))


def test_seeds_present_with_exact_titles(web):
    files = sorted((ROOT / "replay" / "seeds").glob("*.json"))
    assert [f.stem for f in files] == sorted(SEED_TITLES)
    for f in files:
        d = json.loads(f.read_text(encoding="utf-8"))
        site, title = SEED_TITLES[d["seed"]]
        arts = [a for a in web.articles(site) if a.seed == d["seed"]]
        assert len(arts) == 1 and arts[0].title == title == d["title"]
        assert arts[0].url == d["url"]
        r = get(web, arts[0].url)
        assert r.status == 200 and title in html.unescape(r.body.decode())
    known = {a.seed: a for a in web.articles() if a.seed}
    assert known["003"].url.endswith("/2826888/1/tang-cuong-va-oi-moi-su-lanh-ao-cua-ang-oi-voi-cong-tac-"
                                     "dan-van-trong-cac-cap-cong-oan.html")
    assert known["004"].article_id == "118053" and known["004"].author == "Phạm Diệp"
    assert known["001"].author is None and known["002"].author is None
    assert not known["000"].sapo.startswith("(") and not known["002"].sapo.startswith("TTTĐ")
    assert known["003"].sapo.startswith("Ngày 10/6")
    assert len(known["000"].related_titles) == 3 and len(known["004"].related_titles) == 3
    # captions of seed 001: file-name-only images have caption ""
    caps = [b.caption for b in known["001"].blocks if isinstance(b, Figure)]
    assert caps[0] == "" and caps[1] == "Quang cảnh buổi khảo sát."


def test_all_text_is_nfc(web):
    def nfc(s):
        return s is None or unicodedata.is_normalized("NFC", s)
    for a in web.articles():
        for s in [a.title, a.sapo, a.body_text, a.author, a.section, *a.tags, *a.related_titles]:
            assert nfc(s), (a.url, s)
        for tz in a.teasers:
            assert all(nfc(v) for v in tz.values())
        assert nfc(get(web, a.url).body.decode("utf-8"))


def _shingles(text: str) -> set:
    w = text.split()
    return {tuple(w[i:i + 4]) for i in range(len(w) - 3)}


def test_generated_bodies_are_distinct(web):
    gen = [a for a in web.articles() if not a.seed]
    sh = [_shingles(a.body_text) for a in gen]
    worst = 0.0
    for x, y in itertools.combinations(sh, 2):
        inter = len(x & y)
        worst = max(worst, inter / (len(x) + len(y) - inter))
    assert worst < 0.2, worst


def test_generated_shape(web):
    for site in SITES:
        arts = web.articles(site)
        kinds = {a.kind for a in arts}
        assert {"plain", "figures", "related", "no-author", "no-date"} <= kinds, (site, kinds)
        if site == "baolaocai":
            assert "gallery" in kinds
            assert all("Công đoàn Lào Cai" in a.tags for a in arts)
        assert len({a.title for a in arts}) == len(arts)
        assert len({a.article_id for a in arts}) == len(arts)
        dates = [a.published_at for a in arts if a.published_at]
        assert dates == sorted(dates, reverse=True)
        for a in arts:
            if a.seed:
                continue
            paras = [b for b in a.blocks if isinstance(b, str)]
            assert 4 <= len(paras) <= 12
            assert all(30 <= len(p.split()) <= 130 for p in paras), a.url
            assert a.published_at is None or a.published_at.endswith("+07:00")
            assert re.fullmatch(r"[a-z0-9-]+", a.url.rsplit("/", 1)[1].rsplit(".", 1)[0])


def test_build_corpus_is_large_and_deterministic():
    # (no time limit: a test never depends on the machine's speed; build time belongs in bench/)
    big = build_corpus(articles_per_site=2500)
    assert sum(1 for s in SITES for a in big[s] if not a.copy_of) == 10_000
    assert sum(len(v) for s, v in big.items() if s not in SITES) == 5_000    # laodong.vn, nld.com.vn
    assert [a.url for a in build_corpus()["hanoigov"]] == [a.url for a in build_corpus()["hanoigov"]]


def test_extra_articles_are_added_on_top():
    base = build_corpus()
    more = build_corpus(extra={"laodongthudo": 3})
    assert more["laodongthudo"][3:] == base["laodongthudo"]
    new = more["laodongthudo"][:3]
    assert all(n.published_at > base["laodongthudo"][0].published_at for n in new)
    assert len({a.title for a in more["laodongthudo"]}) == len(more["laodongthudo"])
    assert more["baolaocai"] == base["baolaocai"]


# ------------------------------------------------------------------------------------------ pages

def test_bad_inputs_and_special_urls(web):
    r = get(web, "https://laodongthudo.vn/cong-doan/thu-do-anh-hung-thanh-pho-hoa-binh")
    assert r.status == 200 and not doc(r).xpath(LIST_LINKS["laodongthudo"])
    for site in SITES:
        bad = web.bad_urls(site)
        assert len(bad["undated"]) >= 1
        for url in bad["undated"]:
            r = get(web, url)
            text = r.body.decode()
            assert r.status == 200 and r.header("Last-Modified") is None
            assert "published_time" not in text and "datePublished" not in text
            assert not re.search(r"\d{2}/\d{2}/\d{4}", text), url
        host = HOSTS[site]
        assert web.respond("GET", host, "/robots.txt").body.decode().count("Disallow: /search") == 1
        r = web.respond("GET", "www." + host, "/")
        assert r.status == 301 and r.header("Location") == f"https://{host}/"
        assert web.respond("GET", host, "/khong-co-trang-nay").status == 404
        assert web.respond("GET", host, "/").status == 200
    rss = web.respond("GET", "baolaocai.vn", "/rss/home.rss")
    assert rss.status == 200 and rss.body.count(b"<item>") == 20
    for tgt in ("/xa-hoi", "/xa-hoi/", "/tin-tuc/"):
        host = "tuoitrethudo.vn" if tgt.startswith("/tin") else "baolaocai.vn"
        assert web.respond("GET", host, tgt).status == 200
    m = web.mirror_urls()
    assert m == ["https://tinbong247news.net/chu-dong-nam-bat-tam-tu-nguyen-vong-doan-vien-cong-nhan-vien-chuc-lao-dong-118053.html"]
    r = get(web, m[0])
    d = doc(r)
    assert d.xpath("//link[@rel='canonical']/@href") == m
    assert "--> -->" in d.text_content() and "(LĐTĐ)" not in d.text_content()


def test_article_headers_are_stable(web):
    a = web.articles("tuoitrethudo")[0]
    r1, r2 = get(web, a.url), get(ReplayWeb(), a.url)
    assert r1.header("ETag") == r2.header("ETag") and r1.header("Last-Modified")
    assert r1.body == r2.body


# ------------------------------------------------------------------------------------------ contract

def _text(el) -> str:
    return el.text_content().strip()


def _iso(date: str, tm: str) -> str:
    return datetime.strptime(f"{date} {tm}", "%d/%m/%Y %H:%M").strftime("%Y-%m-%dT%H:%M:00+07:00")


def extract_mastercms(d) -> dict:
    sapo_el = d.xpath("//div[@class='sapo_detail']")[0]
    strong = sapo_el.xpath("./strong")[0]
    sapo = (strong.tail or "").strip()
    sapo = sapo[2:] if sapo.startswith("- ") else sapo
    parts, image, author = [], None, None
    for el in d.xpath("//div[@id='__MB_MASTERCMS_EL_3']/*"):
        if el.tag == "div":
            continue
        if el.tag == "table":
            image = image or el.xpath(".//img[@class='__img_mastercms']/@src")[0]
            parts += [_text(c) for c in el.xpath(".//p[@class='caption']")]
        elif "right" in (el.get("style") or ""):
            author = _text(el)
        else:
            parts.append(_text(el))
    date = d.xpath("//span[@class='format_date']/text()")
    tm = d.xpath("//span[@class='format_time']/text()")
    return {"title": _text(d.xpath("//h1[@class='title_detail']")[0]), "sapo": sapo, "body": "\n\n".join(parts),
            "author": author, "published_at": _iso(date[0], tm[0]) if date else None,
            "section": d.xpath("//div[@class='breadcrumbs']/a/text()")[-1],
            "tags": d.xpath("//div[@class='tags']/a/text()"), "image_url": image}


def extract_epi(d) -> dict:
    parts, image = [], None
    for el in d.xpath("//div[@class='article__body']/*"):
        if el.tag == "figure":
            src = el.xpath(".//img/@data-src")[0]
            image = image or src
            cap = _text(el.xpath(".//figcaption")[0])
            if cap and cap != src.rsplit("/", 1)[-1]:
                parts.append(cap)
        elif el.tag in ("p", "h2"):
            parts.append(_text(el))
    pub = d.xpath("//meta[@property='article:published_time']/@content")
    author = d.xpath("//div[@class='article__author']")
    ld = json.loads(d.xpath("//script[@type='application/ld+json']/text()")[0])
    assert ld.get("datePublished") == (pub[0] if pub else None)
    return {"title": _text(d.xpath("//h1[@class='article__title']")[0]),
            "sapo": _text(d.xpath("//div[@class='article__sapo']")[0]), "body": "\n\n".join(parts),
            "author": _text(author[0]) if author else None, "published_at": pub[0] if pub else None,
            "section": d.xpath("//meta[@property='article:section']/@content")[0],
            "tags": d.xpath("//div[@class='article__tag']/a/text()"), "image_url": image}


def extract_hanoigov(d) -> dict:
    h1 = d.xpath("//h1[@class='title-news']")[0]
    span = h1.xpath("./span[@class='time-news']")
    pub = None
    if span:
        m = re.fullmatch(r"\((\d\d:\d\d) (\d\d/\d\d/\d{4})\)", _text(span[0]))
        pub = _iso(m.group(2), m.group(1))
    children = d.xpath("//div[@class='content-news']/*")
    first = children[0]
    sapo = _text(first)[len("HNP - "):].strip()
    parts, image, author = [], None, None
    for el in children[1:]:
        if el.tag == "div":
            image = image or el.xpath(".//img/@src")[0]
            parts += [_text(c) for c in el.xpath(".//p[@class='caption-news']")]
        elif "right" in (el.get("style") or ""):
            author = _text(el)
        else:
            parts.append(_text(el))
    return {"title": (h1.text or "").strip(), "sapo": sapo, "body": "\n\n".join(parts), "author": author,
            "published_at": pub, "section": d.xpath("//div[@class='breadcrumb']/a/text()")[-1], "tags": [],
            "image_url": image}


EXTRACT = {"laodongthudo": extract_mastercms, "tuoitrethudo": extract_mastercms,
           "baolaocai": extract_epi, "hanoigov": extract_hanoigov}


def test_markup_contract_roundtrip(web):
    for a in web.articles():
        d = doc(get(web, a.url))
        got = EXTRACT[a.site](d)
        exp = a.expected()
        want = {k: exp[k] for k in got}
        assert got == want, a.url
        assert d.xpath("//link[@rel='canonical']/@href") == [a.url]
        assert d.xpath("//meta[@property='og:url']/@content") == [a.url]
        assert d.xpath("//meta[@property='og:title']/@content") == [a.title]


def test_subheadings_and_figures_appear(web):
    arts = web.articles()
    assert any(isinstance(b, Subheading) for a in arts for b in a.blocks)
    assert any(isinstance(b, Figure) and b.caption == "" for a in arts for b in a.blocks)
