"""Layout variants of the replay: the same articles in markup the site rules were not written for.

    web = ReplayWeb(variant="epi-no-date-meta")     # or web.variant = "redesign" while serving
    python -m replay serve --variant redesign

Designed from shared/sites.md and the seeds alone (not from the spiders' rules): each variant keeps
every fact sites.md marks [seen] for the sites it touches (URL shapes, the [seen] listing markup of
laodongthudo.vn, the shown date forms, the lead prefixes, the noise phrases) and changes what it
marks [family] or [unknown]. The true text of every article (`ReplayArticle.expected()`) is the
same in every variant; only markup, start pages, feeds and sitemaps change. Every variant page
keeps the noise: menus, a "Tin nóng" ticker of other stories with their dates before the article,
inline related boxes, teaser boxes with other titles, leads and dates, sidebars, footers.

`VARIANTS[name]` is a `Variant`: which sites it touches, what it changes and keeps, and what a
correct crawl shows: the sites whose rules it breaks (`drifted`: a crawl should flag them "rules
drifted?"), the sites whose listings miss stories the feeds/sitemaps name (`incomplete`: "listings
incomplete?" expected there and nowhere else), the sections never to request (`decoys`), the
fields its pages state (`shows`). Renderers: replay/render/{mastercms_v,epi_v,hanoigov_v,fields_v,
restyle}.py; styles: replay/variant_styles.py.

Issue 19 (discovery, all six sites): loadmore-feeds, paging-words, start-lost. Issue 20 (fields, all
six sites): dates-relative, dates-titles, leads-bylines, related-br. `python -m replay variants`
lists every variant with its expected outcomes.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from . import variant_styles as S
from .render import epi_v, fields_v, hanoigov_v, mastercms_v


FIELDS = ("title", "published_at", "sapo", "author", "body")


@dataclass(frozen=True)
class Variant:
    name: str
    description: str
    sites: tuple[str, ...]                  # the sites whose pages change
    changes: tuple[str, ...]                # what changes ([family]/[unknown] facts of sites.md)
    keeps: tuple[str, ...]                  # the [seen] facts kept
    drifted: frozenset[str] = frozenset()   # sites whose rules stop matching: expect the flag
    article: dict[str, Callable] = field(default_factory=dict)   # site -> (ctx, art) -> html
    listing: dict[str, dict] = field(default_factory=dict)       # site -> restyle.listing_page style
    moved: dict[str, dict[str, str]] = field(default_factory=dict)  # site -> {old path: new path}, old 404s
    feeds: dict[str, dict[str, str]] = field(default_factory=dict)  # site -> {feed path: channel}
    sitemaps: dict[str, str] = field(default_factory=dict)       # site -> "index" | "urlset" | "news-index"
    robots: dict[str, str] = field(default_factory=dict)         # site -> extra robots.txt lines
    # --- issue 19: discovery
    # site -> {old listing path: (new path, 301 | 308)}: the old path (its pages too) redirects there
    redirects: dict[str, dict[str, tuple[str, int]]] = field(default_factory=dict)
    feed_size: dict[str, int | None] = field(default_factory=dict)   # items a variant feed carries (None: all; default 20)
    # site -> home page that lists every story with its own pagination: {"style": paging style with
    # "shape" (restyle.SHAPES) and "page_size", "menu": extra mega-menu entries, "replace": {old: new}}
    home: dict[str, dict] = field(default_factory=dict)
    # site -> {path: (label, parent label)}: sections of unrelated mega-menu entries sharing a word with
    # the union section (served, 200, no union story): a correct crawl never requests them
    decoys: dict[str, dict[str, tuple[str, str]]] = field(default_factory=dict)
    # --- expected outcomes of a correct crawl (besides `drifted`)
    # sites whose listing pages (and home page) miss articles the feed/sitemap names: "listings
    # incomplete?" is expected there, never on another site (ReplayWeb.channel_report computes it)
    incomplete: frozenset[str] = frozenset()
    # site -> fields of the truth the variant's article pages do not state at all (neither visible
    # nor in meta/JSON-LD): a benchmark does not count them (see `shows`)
    hidden: dict[str, frozenset[str]] = field(default_factory=dict)
    # the Last-Modified header of article pages: "published" (as the regular replay) | "modified"
    # (the CMS's modified time, published + 47 min, as many servers send)
    last_modified: str = "published"

    def public_path(self, site: str, path: str) -> str:
        """Where a listing lives under this variant (its new path when it moved or redirects)."""
        if path in self.redirects.get(site, {}):
            return self.redirects[site][path][0]
        return self.moved.get(site, {}).get(path, path)

    def touches_discovery(self, site: str) -> bool:
        return any(site in d for d in (self.moved, self.feeds, self.sitemaps, self.redirects, self.home,
                                       self.decoys))

    def shows(self, art) -> dict[str, bool]:
        """Per field of `ReplayArticle.expected()` (title, published_at, sapo, author, body): whether
        this variant's page of `art` states it (a true value the page does not hide)."""
        hidden = self.hidden.get(art.site, frozenset())
        truth = art.expected()
        return {f: bool(truth[f]) and f not in hidden for f in FIELDS}

    def outcome(self, site: str) -> dict:
        """What a correct crawl of `site` shows under this variant, as data."""
        return {"drifted": site in self.drifted, "listings_incomplete": site in self.incomplete,
                "never_request": sorted(self.decoys.get(site, {})),
                "redirects": {old: new for old, (new, _) in self.redirects.get(site, {}).items()},
                "feeds": sorted(self.feeds.get(site, {})), "sitemap": self.sitemaps.get(site),
                "hidden_fields": sorted(self.hidden.get(site, ())),
                "shows_author": "author" not in self.hidden.get(site, ())}


def _art(render, style):
    return lambda ctx, art: render(ctx, art, style)


MASTERCMS_KEEPS = ("URL <slug>-<id>.html", "og:title and meta description with the lead prefix",
                   "lead prefix (LĐTĐ) / TTTĐ - shown", "date shown 26/01/2021 11:00 / <Category> 16/02/2025 14:16",
                   "noise of seeds 000/002: inline related titles, image alt = title, aa, Tag, teaser boxes",
                   "laodongthudo listing div.col_category > div.list_news, div.__MB_ARTICLE_PAGING")
EPI_KEEPS = ("URL <slug>-post<ID>.html", "tag page -tag4194.html (except where it moved)", "RSS /rss/home.rss",
             "noise of seed 001: file names as captions, fb yt zl tw, Có thể bạn quan tâm, Tin cùng chuyên mục")
HANOI_KEEPS = ("URL /tintuc_sukien/-/hn/<instance>/<category>/<id>/<page>/<slug>.html",
               "date in brackets after the title (17:54 11/06/2019)", "lead prefix HNP -",
               "noise of seed 003: Các bài mới đăng, Các bài đã đăng :, Bài viết Xem, the comment form")
LAODONG_KEEPS = ("URL /<section>/<slug>-<7-digit id>.ldo", "sections /cong-doan/ … (reachable)", "RSS /rss/cong-doan.rss",
                 "listing items li article.article-large header a", "listing ?page=N")
NLD_KEEPS = ("URL /cong-doan/<slug>-<17-digit id>.htm", "RSS per section /cong-doan.rss")
MASTERCMS = ("laodongthudo", "tuoitrethudo")
SIX = ("laodongthudo", "tuoitrethudo", "baolaocai", "hanoigov", "laodong", "nld")
_H7320 = "/tintuc_sukien/-/hn/ZVOm7e3VDMRM/7320"

# Corrected by the lead, who knows the spiders (the variants' author did not read them): a site
# whose spider declares no rules of its own (nld.com.vn: rules None, no listing or pagination
# selectors) has nothing that can drift, so no variant expects "rules drifted?" there.
NO_RULES = frozenset({"nld"})

VARIANTS: dict[str, Variant] = {v.name: v for v in [
    Variant(
        "mastercms-header", "MasterCMS: span.format_date/format_time outside any div.detail_info; the lead in a "
        "differently-classed block; the headline and breadcrumb classes renamed; tuoitrethudo without "
        "article:published_time. Body wrapper and image tables as before.",
        MASTERCMS, ("date markers in div.article-meta (no div.detail_info)", "lead in div.article-sapo",
                    "h1.article-title", "no article:published_time on tuoitrethudo"),
        MASTERCMS_KEEPS, frozenset(MASTERCMS),
        article={s: _art(mastercms_v.article_page, S.MASTERCMS_HEADER) for s in MASTERCMS}),
    Variant(
        "mastercms-stamp", "MasterCMS: the date only as a visible 'DD/MM/YYYY HH:MM' stamp next to the headline "
        "(no format_date/format_time, no date meta); the lead only in meta description/og:description and a "
        "differently-classed block; body in div.detail-content with <figure> images; author in p.author.",
        MASTERCMS, ("date as one stamp span", "lead in p.lead-text", "body div.detail-content",
                    "figure instead of MASTERCMS_TPL_TABLE", "author p.author (not right-aligned bold)",
                    "no article:published_time"),
        MASTERCMS_KEEPS, frozenset(MASTERCMS),
        article={s: _art(mastercms_v.article_page, S.MASTERCMS_STAMP) for s in MASTERCMS}),
    Variant(
        "mastercms-listing", "tuoitrethudo.vn: its /tin-tuc start page moved (404) to /tin-tuc-su-kien, linked from "
        "the home page, which also names the /rss_feed/ feed; listing markup article.story and 'Trang sau' "
        "pagination only. Article pages and laodongthudo.vn unchanged.",
        ("tuoitrethudo",), ("start page /tin-tuc answers 404", "listing markup", "pagination 'Trang sau' only",
                            "feed /rss_feed/ announced on the home page"),
        MASTERCMS_KEEPS[:1], frozenset({"tuoitrethudo"}),
        listing={"tuoitrethudo": S.LIST_STORY_TRANG_SAU}, moved={"tuoitrethudo": {"/tin-tuc": "/tin-tuc-su-kien"}},
        feeds={"tuoitrethudo": {"/rss_feed/": "Tin mới"}}),
    Variant(
        "epi-no-date-meta", "EPI: no article:published_time/modified_time and no JSON-LD dates; the date only as a "
        "'DD/MM/YYYY HH:MM' span next to the headline; headline, lead, body, author and tag classes renamed.",
        ("baolaocai",), ("no date meta", "JSON-LD without dates", "h1.detail__title", "div.detail__sapo",
                         "div.detail__content", "div.detail__author", "div.detail__tags"),
        EPI_KEEPS, frozenset({"baolaocai"}),
        article={"baolaocai": _art(epi_v.article_page, S.EPI_NO_DATE_META)}),
    Variant(
        "epi-lead-moved", "EPI: the lead in an <h2 class=\"sapo\"> inside the article header, body in "
        "div.content-detail with table.picture images (lazy, file-name captions), the author above the body "
        "next to a <time> stamp without datetime; date meta kept, no JSON-LD.",
        ("baolaocai",), ("h2.sapo lead", "div.content-detail body", "table.picture images",
                         "author and <time> in div.detail-meta", "no JSON-LD"),
        EPI_KEEPS, frozenset({"baolaocai"}),
        article={"baolaocai": _art(epi_v.article_page, S.EPI_LEAD_MOVED)}),
    Variant(
        "epi-start-moved", "EPI: the tag page -tag4194.html answers 404; robots.txt names /sitemap.xml, an index of "
        "monthly /sitemaps/news-<YYYY>-<M>.xml with <lastmod>; the category /xa-hoi/ has new listing markup and "
        "only <link rel=next> pagination. Article pages unchanged.",
        ("baolaocai",), ("start page 404", "sitemap index + monthly news sitemaps", "listing markup",
                         "pagination rel=next only"),
        EPI_KEEPS[:1] + EPI_KEEPS[2:], frozenset({"baolaocai"}),
        listing={"baolaocai": S.LIST_CARD_REL_NEXT},
        moved={"baolaocai": {"/cong-doan-lao-cai-tag4194.html": ""}}, sitemaps={"baolaocai": "index"},
        robots={"baolaocai": "Sitemap: https://baolaocai.vn/sitemap.xml\n"}),
    Variant(
        "hanoigov-markup", "hanoi.gov.vn: the article in div.news-detail, headline h2.news-title with the bracketed "
        "date right after it (not inside), the lead 'HNP - …' in div.news-sapo before the body div.news-body.",
        ("hanoigov",), ("wrappers and class names", "date span after the headline", "lead block outside the body"),
        HANOI_KEEPS, frozenset({"hanoigov"}),
        article={"hanoigov": _art(hanoigov_v.article_page, S.HANOI_MARKUP)}),
    Variant(
        "hanoigov-listing", "hanoi.gov.vn: listing items ul.news-list li h3 a with numbered-only pagination. "
        "Article pages unchanged.",
        ("hanoigov",), ("listing markup", "pagination numbers only"), HANOI_KEEPS, frozenset({"hanoigov"}),
        listing={"hanoigov": S.LIST_UL_NUMBERED}),
    Variant(
        "hanoigov-start-moved", "hanoi.gov.vn: the news listing moved (its old path answers 404) to "
        "/tin-tuc-su-kien/chinh-tri-xa-hoi; the home page links it and announces an RSS feed with "
        "<link rel=alternate>; robots.txt names /sitemap.xml (all article URLs with <lastmod>).",
        ("hanoigov",), ("start page 404", "RSS /rss/tin-tuc-su-kien.rss", "sitemap /sitemap.xml"),
        HANOI_KEEPS, frozenset({"hanoigov"}),
        moved={"hanoigov": {"/tintuc_sukien/-/hn/ZVOm7e3VDMRM/7320": "/tin-tuc-su-kien/chinh-tri-xa-hoi"}},
        feeds={"hanoigov": {"/rss/tin-tuc-su-kien.rss": "Tin tức - Sự kiện"}}, sitemaps={"hanoigov": "urlset"},
        robots={"hanoigov": "Sitemap: https://hanoi.gov.vn/sitemap.xml\n"}),
    Variant(
        "redesign", "All four family sites redesigned at once: same articles and URLs, new class names and "
        "wrappers on every article and listing page (the laodongthudo listing too), pagination by numbers, "
        "'Trang sau' or rel=next, no date meta on the EPI pages.",
        ("laodongthudo", "tuoitrethudo", "baolaocai", "hanoigov"),
        ("every class name and wrapper", "listing and pagination markup", "no date meta on EPI"),
        ("URL shapes", "shown date forms", "lead prefixes", "noise phrases"),
        frozenset({"laodongthudo", "tuoitrethudo", "baolaocai", "hanoigov"}),
        article={**{s: _art(mastercms_v.article_page, S.MASTERCMS_REDESIGN) for s in MASTERCMS},
                 "baolaocai": _art(epi_v.article_page, S.EPI_REDESIGN),
                 "hanoigov": _art(hanoigov_v.article_page, S.HANOI_REDESIGN)},
        listing={"laodongthudo": S.LIST_REDESIGN_NUMBERED, "tuoitrethudo": S.LIST_REDESIGN_REL_NEXT,
                 "baolaocai": S.LIST_REDESIGN_TRANG_SAU, "hanoigov": S.LIST_REDESIGN_NUMBERED}),
]}


# ------------------------------------------------------------------ issue 19: discovery variants
_LDTD_SECTIONS = ("/cong-doan/hoat-dong", "/cong-doan/vi-loi-ich-doan-vien", "/cong-doan/thang-cong-nhan")
_LD_SECTIONS = ("/lao-dong/doi-song", "/lao-dong/viec-lam", "/lao-dong/bhxh")
_AJAX = "Disallow: /ajax/\n"

DISCOVERY = [
    Variant(
        "loadmore-feeds", "Every site redesigned the way Vietnamese papers did in 2023-2025: each section shows six "
        "stories and a 'Xem thêm'/'Tải thêm' button whose script fetches the rest (no HTML link to them; "
        "robots.txt disallows /ajax/); sections moved behind 301/308 (laodongthudo's sub-sections merged into "
        "their parent). The rest is named only by feeds and sitemaps: laodongthudo and laodong.vn a sitemap "
        "index in robots.txt (news sitemap of the last two days first, then monthly news sitemaps, newest "
        "first); tuoitrethudo and nld.com.vn a full RSS feed announced with <link rel=alternate> on the home "
        "and section pages; baolaocai its [seen] RSS plus a monthly sitemap index in robots.txt; hanoi.gov.vn "
        "an RSS feed (20) and a sitemap in robots.txt. Article pages unchanged.",
        SIX, ("six stories a section + load-more button (script)", "start pages behind 301/308",
              "sitemap (index / news) named in robots.txt", "feeds announced with <link rel=alternate>",
              "listing markup of tuoitrethudo, baolaocai, hanoigov, nld"),
        ("laodongthudo listing div.col_category > div.list_news", "laodong.vn items li article.article-large",
         "baolaocai RSS /rss/home.rss", "laodong.vn RSS /rss/cong-doan.rss", "nld.com.vn RSS /cong-doan.rss",
         "article URLs and pages"),
        frozenset(SIX),
        listing=dict(S.LOADMORE),
        redirects={
            "laodongthudo": {"/cong-doan": ("/chuyen-muc/cong-doan", 301),
                             **{p: ("/chuyen-muc/cong-doan", 301) for p in _LDTD_SECTIONS},
                             "/lao-dong": ("/chuyen-muc/lao-dong", 301),
                             **{p: ("/chuyen-muc/lao-dong", 301) for p in _LD_SECTIONS}},
            "tuoitrethudo": {"/tin-tuc": ("/chuyen-muc/tin-tuc", 308), "/thoi-su": ("/chuyen-muc/thoi-su", 308)},
            "baolaocai": {"/cong-doan-lao-cai-tag4194.html": ("/tag/cong-doan-lao-cai-4194.html", 301)},
            "hanoigov": {_H7320: ("/tin-tuc-su-kien/chinh-tri-xa-hoi", 301)},
            "laodong": {"/cong-doan/": ("/chuyen-muc/cong-doan/", 301),
                        "/cong-doan-toan-quoc/": ("/chuyen-muc/cong-doan-toan-quoc/", 308)},
            "nld": {"/cong-doan.htm": ("/lao-dong-cong-doan.htm", 301),
                    "/cong-doan/viec-lam.htm": ("/lao-dong-viec-lam.htm", 308)},
        },
        feeds={"tuoitrethudo": {"/rss_feed/tin-tuc": "Tin tức"}, "hanoigov": {"/rss/tin-tuc-su-kien.rss": "Tin tức - Sự kiện"},
               "nld": {"/cong-doan.rss": "Công đoàn"}},
        feed_size={"tuoitrethudo": None, "nld": None},
        sitemaps={"laodongthudo": "news-index", "baolaocai": "index", "hanoigov": "urlset", "laodong": "news-index"},
        robots={"laodongthudo": "Sitemap: https://laodongthudo.vn/sitemap.xml\n" + _AJAX,
                "tuoitrethudo": _AJAX,
                "baolaocai": "Sitemap: https://baolaocai.vn/sitemap.xml\n" + _AJAX,
                "hanoigov": "Sitemap: https://hanoi.gov.vn/sitemap.xml\n" + _AJAX,
                "laodong": "Sitemap: https://laodong.vn/sitemap.xml\n" + _AJAX,
                "nld": _AJAX},
        incomplete=frozenset(SIX)),
    Variant(
        "paging-words", "Every site paginates its listings with links the old words do not name: laodongthudo's "
        "[seen] paging block holds one 'Xem thêm' link to <section>&p=N; tuoitrethudo 'Tin cũ hơn' to "
        "/<section>/page/N; baolaocai an icon-only link (<i class=icon-next>) to ?trang=N; hanoi.gov.vn a script "
        "pager whose links exist only inside <noscript>, /trang-N; laodong.vn a block holding one 'Xem thêm' "
        "link (?page=N) right under the listing column; nld.com.vn 'Trang tiếp' to /<section>/pN.htm. No "
        "rel=next anywhere. Every story stays reachable by listing links. Article pages unchanged.",
        SIX, ("pagination words and URL shapes", "listing markup of tuoitrethudo, baolaocai, hanoigov, nld",
              "laodong.vn's ul.pagination gone"),
        ("laodongthudo listing div.col_category > div.list_news and div.__MB_ARTICLE_PAGING",
         "laodong.vn items li article.article-large, ?page=N", "start pages", "article URLs and pages"),
        frozenset({"tuoitrethudo", "baolaocai", "hanoigov", "laodong"}) - NO_RULES,
        listing=dict(S.PAGING_WORDS)),
    Variant(
        "start-lost", "Every site's start page answers 404: the section moved to a new URL (laodongthudo "
        "/chuyen-muc/cong-doan, tuoitrethudo /tin-tuc-24h, baolaocai /xa-hoi/cong-doan/, hanoi.gov.vn "
        "/tin-tuc-su-kien/chinh-tri-xa-hoi, laodong.vn /chuyen-muc/cong-doan/, nld.com.vn /cong-doan-lao-dong.htm), "
        "listed under the same name in the home page's menu beside unrelated mega-menu sections sharing a "
        "word (e.g. 'Công đoàn' under 'Bất động sản' at /bat-dong-san/cong-doan: no union story). The home "
        "page lists every story with its own pagination ('Xem thêm' to /trang-N, numbers to ?page=N or "
        "?trang=N). Listing markup and article pages unchanged.",
        SIX, ("start page 404", "section under a new URL", "home page paginates every story",
              "mega-menu decoys sharing a word"),
        ("listing markup", "article URLs and pages", "the other sections"),
        frozenset(SIX),
        moved={"laodongthudo": {"/cong-doan": "/chuyen-muc/cong-doan"}, "tuoitrethudo": {"/tin-tuc": "/tin-tuc-24h"},
               "baolaocai": {"/cong-doan-lao-cai-tag4194.html": "/xa-hoi/cong-doan/"},
               "hanoigov": {_H7320: "/tin-tuc-su-kien/chinh-tri-xa-hoi"},
               "laodong": {"/cong-doan/": "/chuyen-muc/cong-doan/"}, "nld": {"/cong-doan.htm": "/cong-doan-lao-dong.htm"}},
        home={
            "laodongthudo": dict(style=S.HOME_XEM_THEM, menu=[
                ("Bất động sản", "/bat-dong-san", [("Dự án", "/bat-dong-san/du-an"), ("Công đoàn", "/bat-dong-san/cong-doan")]),
                ("Thể thao", "/the-thao", [("Công đoàn", "/the-thao/cong-doan")])]),
            "tuoitrethudo": dict(style=S.HOME_NUMBERED_PAGE, menu=[
                ("Thể thao", "/the-thao", [("Bóng đá", "/the-thao/bong-da"), ("Tin tức", "/the-thao/tin-tuc")]),
                ("Bất động sản", "/bat-dong-san", [("Tin tức", "/bat-dong-san/tin-tuc")])]),
            "baolaocai": dict(style=S.HOME_NUMBERED_P, menu=[
                ("Kinh tế", "/kinh-te/", [("Bất động sản", "/bat-dong-san/")]),
                ("Bất động sản", "/bat-dong-san/", [("Công đoàn", "/bat-dong-san/cong-doan/")])]),
            "hanoigov": dict(style=S.HOME_NUMBERED_PAGE, menu=[
                ("Quy hoạch - Đô thị", "/do-thi", [("Tin tức - Sự kiện", "/do-thi/tin-tuc-su-kien")]),
                ("Văn hóa - Thể thao", "/van-hoa-the-thao", [("Xã hội hóa", "/van-hoa-the-thao/xa-hoi-hoa")])]),
            "laodong": dict(style=S.HOME_XEM_THEM, menu=[
                ("Bất động sản", "/bat-dong-san/", [("Công đoàn", "/bat-dong-san/cong-doan")]),
                ("Thể thao", "/the-thao/", [("Công đoàn", "/the-thao/cong-doan")])]),
            "nld": dict(style=S.HOME_NUMBERED_P, menu=[
                ("Thể thao", "/the-thao.htm", [("Công đoàn", "/the-thao/cong-doan.htm")]),
                ("Bất động sản", "/bat-dong-san.htm", [("Công đoàn", "/bat-dong-san/cong-doan.htm")])]),
        },
        decoys={"laodongthudo": {"/bat-dong-san/cong-doan": ("Công đoàn", "Bất động sản"),
                                 "/the-thao/cong-doan": ("Công đoàn", "Thể thao")},
                "tuoitrethudo": {"/the-thao/tin-tuc": ("Tin tức", "Thể thao"),
                                 "/bat-dong-san/tin-tuc": ("Tin tức", "Bất động sản")},
                "baolaocai": {"/bat-dong-san/cong-doan/": ("Công đoàn", "Bất động sản")},
                "hanoigov": {"/do-thi/tin-tuc-su-kien": ("Tin tức - Sự kiện", "Quy hoạch - Đô thị"),
                             "/van-hoa-the-thao/xa-hoi-hoa": ("Xã hội hóa", "Văn hóa - Thể thao")},
                "laodong": {"/bat-dong-san/cong-doan": ("Công đoàn", "Bất động sản"),
                            "/the-thao/cong-doan": ("Công đoàn", "Thể thao")},
                "nld": {"/the-thao/cong-doan.htm": ("Công đoàn", "Thể thao"),
                        "/bat-dong-san/cong-doan.htm": ("Công đoàn", "Bất động sản")}}),
]
VARIANTS.update({v.name: v for v in DISCOVERY})


# ------------------------------------------------------------------ issue 20: field variants
def _fields(styles: dict) -> dict:
    return {site: _art(fields_v.article_page, style) for site, style in styles.items()}


FIELD_KEEPS = ("URLs", "MasterCMS meta description with its prefix", "lead prefixes where shown",
               "noise phrases: teaser boxes, aa, Tag, fb yt zl tw, file-name captions, Các bài mới đăng, the comment form")

FIELDS_VARIANTS = [
    Variant(
        "dates-relative", "The date as a relative stamp ('15 phút trước', '3 giờ trước', 'hôm qua', '4 ngày trước'; "
        "older stories a date form) whose exact time sits in an attribute: laodongthudo <abbr class=timeago "
        "title=ISO>, older '08:15 | 20/11/2026'; tuoitrethudo title='20/11/2026 08:15' on the stamp, no date "
        "meta; baolaocai data-published='2026-11-20 08:15:00' after a printed 'Cập nhật: <modified>', only "
        "article:modified_time in meta, JSON-LD without dates; hanoi.gov.vn <time datetime=…Z> (UTC) after the "
        "headline; laodong.vn <time datetime=ISO>, older 'ngày 20 tháng 11 năm 2026'; nld.com.vn the relative "
        "stamp (data-time='2026-11-20 08:15') and a printed modified time, meta and JSON-LD dates in UTC (Z). "
        "Last-Modified: the modified time. Everything else as the regular pages.",
        SIX, ("date markup and meta", "relative stamps", "dates in UTC", "modified date printed"),
        FIELD_KEEPS, frozenset({"laodongthudo", "tuoitrethudo", "baolaocai", "hanoigov", "laodong"}),
        article=_fields(S.FIELD_DATES_RELATIVE), last_modified="modified"),
    Variant(
        "dates-titles", "Dates only as visible text in the forms Vietnamese papers print (no date meta, no "
        "JSON-LD date, no datetime): laodongthudo 'Thứ Sáu, 20/11/2026 - 08:15', tuoitrethudo '<Category> "
        "20.11.2026 08:15', baolaocai '20-11-2026 08:15', hanoi.gov.vn '(08:15 20/11/2026)' next to the "
        "headline, laodong.vn 'Thứ Sáu, 20/11/2026 08:15 (GMT+7)', nld.com.vn '08h15 ngày 20/11/2026'. "
        "Titles: hanoi.gov.vn's headline in a <span>, nld.com.vn's in a <div>, tuoitrethudo's in a <div> "
        "under an <h1> holding the site name; <title> with the site's name (' - Cổng giao tiếp điện tử Hà Nội', "
        "' | Báo Lao Động', …) and written with character references on laodongthudo, baolaocai, laodong.vn. "
        "Last-Modified: the modified time.",
        SIX, ("date forms", "no machine-readable date", "headline element", "<title> suffix and entities"),
        FIELD_KEEPS, frozenset(SIX) - NO_RULES, article=_fields(S.FIELD_DATES_TITLES),
        last_modified="modified"),
    Variant(
        "leads-bylines", "Leads: laodongthudo <p class=description> under the headline, tuoitrethudo and "
        "laodong.vn a bold first paragraph of the text, hanoi.gov.vn the whole first paragraph bold, baolaocai an "
        "<h2> right under the headline, nld.com.vn <p class=description>; the site's prefix ('(LĐTĐ)', 'TTTĐ -', "
        "'HNP -', '(NLĐO)-') on every other article only. Bylines: laodongthudo and laodong.vn a right-aligned bold "
        "last line with meta author = the publisher; tuoitrethudo 'Tác giả: X', hanoi.gov.vn a right-aligned "
        "'Theo X' (<p align=right><b>), nld.com.vn 'Theo X' with meta and JSON-LD author = the publisher; "
        "baolaocai's author only in JSON-LD.",
        SIX, ("lead block", "lead prefix on some articles", "byline markup", "meta/JSON-LD author = publisher"),
        FIELD_KEEPS, frozenset(SIX) - NO_RULES - {"laodong"},     # laodong.vn's rules read no lead or byline
        article=_fields(S.FIELD_LEADS_BYLINES)),
    Variant(
        "related-br", "Links to the site's own stories inside the text, between paragraphs: laodongthudo a "
        "'Tin liên quan' heading and list, laodong.vn 'Xem thêm', tuoitrethudo and hanoi.gov.vn link-only "
        "'» headline' lines; baolaocai ('Đọc thêm:'), hanoi.gov.vn and nld.com.vn ('Tin liên quan:') write the "
        "text as runs separated by <br><br> (no <p>) in a renamed body block. None of it is article text.",
        SIX, ("related links inside the text", "<br><br> text runs", "body block renamed where <br> runs"),
        FIELD_KEEPS, frozenset({"baolaocai", "hanoigov"}), article=_fields(S.FIELD_RELATED_BR)),
]
VARIANTS.update({v.name: v for v in FIELDS_VARIANTS})


def get(name: str | None) -> Variant | None:
    """The variant called `name` (None: the regular replay). Unknown names: ValueError."""
    if name is None or name == "":
        return None
    if name not in VARIANTS:
        raise ValueError(f"replay: no layout variant {name!r}; known: {', '.join(VARIANTS)}")
    return VARIANTS[name]
