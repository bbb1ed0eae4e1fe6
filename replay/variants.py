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

`VARIANTS[name]` is a `Variant`: which sites it touches, what it changes and keeps, and the sites
whose rules it breaks (`drifted`: a crawl should flag them "rules drifted?"). Renderers:
replay/render/{mastercms_v,epi_v,hanoigov_v,restyle}.py; styles: replay/variant_styles.py.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from . import variant_styles as S
from .render import epi_v, hanoigov_v, mastercms_v


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
    moved: dict[str, dict[str, str]] = field(default_factory=dict)  # site -> {old path: new path}
    feeds: dict[str, dict[str, str]] = field(default_factory=dict)  # site -> {feed path: channel}
    sitemaps: dict[str, str] = field(default_factory=dict)       # site -> "index" | "urlset"
    robots: dict[str, str] = field(default_factory=dict)         # site -> extra robots.txt lines

    def public_path(self, site: str, path: str) -> str:
        """Where a listing lives under this variant (its new path when it moved)."""
        return self.moved.get(site, {}).get(path, path)

    def touches_discovery(self, site: str) -> bool:
        return site in self.moved or site in self.feeds or site in self.sitemaps


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
MASTERCMS = ("laodongthudo", "tuoitrethudo")

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


def get(name: str | None) -> Variant | None:
    """The variant called `name` (None: the regular replay). Unknown names: ValueError."""
    if name is None or name == "":
        return None
    if name not in VARIANTS:
        raise ValueError(f"replay: no layout variant {name!r}; known: {', '.join(VARIANTS)}")
    return VARIANTS[name]
