"""What every new replay site shares: its sections and articles, paging, robots.txt, the answer
for a path. Each site module (wordpress.py, portal.py, idfirst.py, oldportal.py) subclasses
`NewSite` with its URL shapes and its markup.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import timezone
from email.utils import format_datetime
from html import escape
from urllib.parse import parse_qs

from ..model import ReplayArticle
from ..render import parse_iso, path_of
from ..site_pages import HTML
from .text import UNION_KINDS, section_articles

XML = "application/xml; charset=utf-8"
RSS = "application/rss+xml; charset=utf-8"


def t(text: str) -> str:
    return escape(text, quote=False)


def a(text: str) -> str:
    return escape(text, quote=True)


@dataclass
class Answer:
    """A response, the same shape as replay.web.Response (status, headers, body)."""
    status: int
    headers: list = field(default_factory=list)
    body: bytes = b""

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers if k.lower() == name.lower()), None)


def html(body: str, status: int = 200, extra: list | None = None) -> Answer:
    return Answer(status, [("Content-Type", HTML), *(extra or [])], body.encode("utf-8"))


def text(body: str, content_type: str) -> Answer:
    return Answer(200, [("Content-Type", content_type)], body.encode("utf-8"))


@dataclass
class Section:
    label: str
    path: str          # the listing's path ("/category/the-thao/")
    kind: str          # union | labour | sport | weather
    count: int


class NewSite:
    """One replayed site the project has no declaration for (see the package docstring)."""
    name = ""
    host = ""
    title = ""
    sections: list[Section] = []
    page_size = 10
    paging = "?page={n}"     # what listing page n (n > 1) adds to its section's path
    robots = "User-agent: *\nDisallow: /search\n"
    first_id = 48000
    # links the header shows besides the sections (label, path): pages that are not listings
    extra_menu: list[tuple[str, str]] = []

    def __init__(self, seed: int = 1):
        self.seed = seed
        self.articles = section_articles(
            self.name, self.host, [(s.label, s.path, s.kind, s.count) for s in self.sections],
            self.article_url, seed, self.first_id)
        self.by_path = {path_of(x.url): x for x in self.articles}
        self.by_section = {s.path: [x for x in self.articles if x.section_path == s.path]
                           for s in self.sections}

    # --- the truth -------------------------------------------------------------------------
    def union_articles(self) -> list[ReplayArticle]:
        """The union and labour articles: what add-site's declaration must crawl."""
        return [x for x in self.articles if x.kind in UNION_KINDS]

    def other_articles(self) -> list[ReplayArticle]:
        return [x for x in self.articles if x.kind not in UNION_KINDS]

    # --- URL shapes (per site) ---------------------------------------------------------------
    def article_url(self, art: ReplayArticle) -> str:
        raise NotImplementedError

    def page_path(self, section: Section, n: int) -> str:
        """Listing page n of a section."""
        return section.path if n <= 1 else section.path + self.paging.format(n=n)

    def section_at(self, path: str) -> Section | None:
        """The section whose listing is at `path`, if any."""
        return next((s for s in self.sections if s.path == path), None)

    def parse_page(self, path: str, query: str) -> tuple[Section | None, int]:
        """(section, page number) of a listing request."""
        section = self.section_at(path)
        if section is None:
            return None, 0
        value = (parse_qs(query).get("page") or ["1"])[0]
        return section, int(value) if value.isdigit() else -1

    # --- answers -----------------------------------------------------------------------------
    def respond(self, target: str) -> Answer:
        path, _, query = target.partition("?")
        if path == "/robots.txt":
            return text(self.robots, "text/plain; charset=utf-8")
        special = self.special(path, query)
        if special is not None:
            return special
        if path == "/" and not query:
            return html(self.home_page())
        art = self.by_path.get(path)
        if art is not None:
            return self.article_answer(art)
        section, page = self.parse_page(path, query)
        if section is not None:
            entries = self.by_section[section.path]
            pages = max(1, -(-len(entries) // self.page_size))
            if 1 <= page <= pages:
                shown = entries[(page - 1) * self.page_size: page * self.page_size]
                return html(self.listing_page(section, shown, page, pages))
        return html(self.not_found(), status=404)

    def special(self, path: str, query: str) -> Answer | None:
        """Feeds, sitemaps, a login page: what the site serves besides pages and listings."""
        return None

    def article_answer(self, art: ReplayArticle) -> Answer:
        tag = hashlib.sha1(f"{art.url}|{art.title}".encode()).hexdigest()[:20]
        modified = format_datetime(parse_iso(art.published_at).astimezone(timezone.utc), usegmt=True)
        return html(self.article_page(art), extra=[("ETag", f'"{tag}"'), ("Last-Modified", modified)])

    # --- markup (per site) -------------------------------------------------------------------
    def home_page(self) -> str:
        raise NotImplementedError

    def listing_page(self, section: Section, shown: list[ReplayArticle], page: int, pages: int) -> str:
        raise NotImplementedError

    def article_page(self, art: ReplayArticle) -> str:
        raise NotImplementedError

    def not_found(self) -> str:
        return (f"<!DOCTYPE html><html lang=\"vi\"><head><meta charset=\"utf-8\"><title>Không tìm thấy"
                f" trang - {t(self.title)}</title></head><body><h1>404</h1><p>Trang không tồn tại."
                "</p></body></html>")

    # --- helpers -----------------------------------------------------------------------------
    def newest(self, k: int, exclude: ReplayArticle | None = None) -> list[ReplayArticle]:
        return [x for x in self.articles if x is not exclude][:k]

    def related(self, art: ReplayArticle, k: int) -> list[ReplayArticle]:
        same = [x for x in self.by_section[art.section_path] if x is not art]
        start = int(art.article_id) % max(1, len(same))
        return (same[start:] + same[:start])[:k]

    def section_of(self, art: ReplayArticle) -> Section:
        return next(s for s in self.sections if s.path == art.section_path)

    @staticmethod
    def paragraphs(art: ReplayArticle) -> str:
        return "".join(f"<p>{t(p)}</p>\n" for p in art.blocks)

    def rss(self, articles: list[ReplayArticle], title: str, link: str) -> str:
        items = "".join(
            f"<item><title>{t(x.title)}</title><link>{t(x.url)}</link>"
            f"<guid isPermaLink=\"true\">{t(x.url)}</guid><description>{t(x.sapo)}</description>"
            f"<pubDate>{format_datetime(parse_iso(x.published_at))}</pubDate></item>\n"
            for x in articles)
        return ('<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel>'
                f"<title>{t(title)}</title><link>{t(link)}</link><description>{t(self.title)}"
                f"</description><language>vi</language>\n{items}</channel></rss>\n")

    @staticmethod
    def urlset(articles: list[ReplayArticle]) -> str:
        urls = "".join(f"<url><loc>{t(x.url)}</loc><lastmod>{x.published_at}</lastmod></url>\n"
                       for x in articles)
        return ('<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/'
                f'schemas/sitemap/0.9">\n{urls}</urlset>\n')

    @staticmethod
    def sitemap_index(locations: list[tuple[str, str]]) -> str:
        items = "".join(f"<sitemap><loc>{t(loc)}</loc><lastmod>{mod}</lastmod></sitemap>\n"
                        for loc, mod in locations)
        return ('<?xml version="1.0" encoding="UTF-8"?>\n<sitemapindex xmlns="http://www.sitemaps.'
                f'org/schemas/sitemap/0.9">\n{items}</sitemapindex>\n')
