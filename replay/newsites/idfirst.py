"""An online workers' paper on a headless CMS: `/<section>/<numeric id>-<slug>.html` (the id
leads the last segment), sections `/<section>` paged `/<section>/trang-N`, feeds
`/rss/<section>.rss` and `/rss/tin-moi.rss` announced by `<link rel=alternate>` on the home page,
a sitemap index `/sitemap.xml` (monthly files, named in robots.txt).

Articles carry JSON-LD `NewsArticle` (headline, datePublished, author); the visible page has
`h1.detail__title`, `p.detail__sapo`, `div.detail__body`, a "Tin liên quan" box inside the body
and a "Xem thêm" strip after it.
"""
from __future__ import annotations

import json

from ..model import ReplayArticle
from ..render import parse_iso, path_of
from .base import RSS, XML, Answer, NewSite, Section, a, t, text
from .text import slug


class IdFirstSite(NewSite):
    name = "baocongnhan"
    host = "baocongnhan.vn"
    title = "Công Nhân Online"
    sections = [Section("Công đoàn", "/cong-doan", "union", 14),
                Section("Người lao động", "/nguoi-lao-dong", "labour", 12),
                Section("Bóng đá", "/bong-da", "sport", 12),
                Section("Thời tiết", "/thoi-tiet", "weather", 10)]
    robots = ("User-agent: *\nDisallow: /api/\nDisallow: /tim-kiem\nDisallow: /tag/\n"
              "Sitemap: https://baocongnhan.vn/sitemap.xml\n")
    extra_menu = [("Video", "/video"), ("Tòa soạn", "/toa-soan")]
    first_id = 230400
    page_size = 8
    paging = "/trang-{n}"

    def article_url(self, art: ReplayArticle) -> str:
        return f"https://{self.host}{art.section_path}/{art.article_id}-{slug(art.title)}.html"

    def parse_page(self, path: str, query: str):
        base, sep, n = path.rpartition("/trang-")
        if sep and n.isdigit():
            path, page = base, int(n)
        else:
            page = 1
        return self.section_at(path), page

    def feeds(self) -> dict[str, tuple[str, list[ReplayArticle]]]:
        out = {"/rss/tin-moi.rss": ("Tin mới", self.articles[:15])}
        for s in self.sections:
            out[f"/rss{s.path}.rss"] = (s.label, self.by_section[s.path][:15])
        return out

    def months(self) -> dict[str, list[ReplayArticle]]:
        out: dict[str, list[ReplayArticle]] = {}
        for x in self.articles:
            out.setdefault(x.published_at[:7], []).append(x)
        return out

    def special(self, path: str, query: str) -> Answer | None:
        feeds = self.feeds()
        if path in feeds:
            label, arts = feeds[path]
            return text(self.rss(arts, f"{label} - {self.title}", f"https://{self.host}/"), RSS)
        if path == "/sitemap.xml":
            return text(self.sitemap_index([(f"https://{self.host}/sitemaps/{m}.xml", arts[0].published_at)
                                            for m, arts in self.months().items()]), XML)
        if path.startswith("/sitemaps/") and path.endswith(".xml"):
            arts = self.months().get(path[len("/sitemaps/"):-4])
            if arts:
                return text(self.urlset(arts), XML)
        return None

    def _page(self, title: str, main: str, url: str, extra_head: str = "") -> str:
        menu = "".join(f'<a class="menu__link" href="{a(s.path)}">{t(s.label)}</a>' for s in self.sections)
        menu += "".join(f'<a class="menu__link" href="{a(p)}">{t(l)}</a>' for l, p in self.extra_menu)
        feeds = "".join(f'<link rel="alternate" type="application/rss+xml" title="{a(label)}" '
                        f'href="https://{self.host}{p}">'
                        for p, (label, _) in self.feeds().items() if p == "/rss/tin-moi.rss"
                        or p in ("/rss/cong-doan.rss", "/rss/nguoi-lao-dong.rss"))
        return ("<!DOCTYPE html>\n<html lang=\"vi\"><head><meta charset=\"utf-8\">"
                f"<title>{t(title)}</title><link rel=\"canonical\" href=\"{a(url)}\">{feeds}{extra_head}"
                "</head>\n<body><div class=\"app\">"
                f'<div class="topbar"><a class="logo" href="/">{t(self.title)}</a><nav class="menu">{menu}</nav></div>'
                f'<div class="layout">{main}</div>'
                f'<div class="site-foot"><p>{t(self.title)} - Giấy phép số 55/GP-BTTTT.</p>'
                '<a href="/tim-kiem?q=cong-doan">Tìm kiếm</a></div></div></body></html>\n')

    def _card(self, x: ReplayArticle) -> str:
        return (f'<div class="card"><h3 class="card__title"><a href="{a(path_of(x.url))}">{t(x.title)}</a></h3>'
                f'<p class="card__sapo">{t(x.sapo)}</p></div>\n')

    def home_page(self) -> str:
        top = "".join(self._card(x) for x in self.articles[:6])
        parts = [f'<section class="home-top">{top}</section>']
        for s in self.sections:
            cards = "".join(self._card(x) for x in self.by_section[s.path][:3])
            parts.append(f'<section class="home-cat"><h2 class="home-cat__title"><a href="{a(s.path)}">'
                         f'{t(s.label)}</a></h2>{cards}</section>')
        return self._page(f"{self.title} - Tin tức công nhân, lao động", "".join(parts),
                          f"https://{self.host}/")

    def listing_page(self, section: Section, shown, page: int, pages: int) -> str:
        nav = "".join(f'<a class="paging__item{" is-active" if n == page else ""}" '
                      f'href="{a(self.page_path(section, n))}">{n}</a>' for n in range(1, pages + 1))
        if page < pages:
            nav += f'<a class="paging__next" rel="next" href="{a(self.page_path(section, page + 1))}">›</a>'
        main = (f'<h1 class="cat-title">{t(section.label)}</h1><div class="cat-list">'
                f'{"".join(self._card(x) for x in shown)}</div><div class="paging">{nav}</div>')
        return self._page(f"{section.label} - {self.title}", main,
                          f"https://{self.host}{self.page_path(section, page)}")

    def article_page(self, art: ReplayArticle) -> str:
        related = self.related(art, 2)
        box = ('<div class="inline-related"><strong>Tin liên quan</strong><ul>'
               + "".join(f'<li><a href="{a(path_of(x.url))}">{t(x.title)}</a></li>' for x in related)
               + "</ul></div>")
        paragraphs = [f"<p>{t(p)}</p>" for p in art.blocks]
        paragraphs.insert(min(2, len(paragraphs)), box)
        more = "".join(self._card(x) for x in self.newest(4, art))
        ld = json.dumps({"@context": "https://schema.org", "@type": "NewsArticle", "headline": art.title,
                         "datePublished": art.published_at, "dateModified": art.published_at,
                         "author": {"@type": "Person", "name": art.author},
                         "mainEntityOfPage": art.url,
                         "publisher": {"@type": "Organization", "name": self.title}}, ensure_ascii=False)
        head = (f'<meta property="og:title" content="{a(art.title)}"><meta property="og:type" content="article">'
                f'<script type="application/ld+json">{ld}</script>')
        main = (f'<article class="detail"><a class="detail__cat" href="{a(art.section_path)}">{t(art.section)}</a>'
                f'<h1 class="detail__title">{t(art.title)}</h1>'
                f'<div class="detail__meta"><span class="detail__author">{t(art.author)}</span> '
                f'<span class="detail__time">{parse_iso(art.published_at):%H:%M %d/%m/%Y}</span></div>'
                f'<p class="detail__sapo">{t(art.sapo)}</p><div class="detail__body">{"".join(paragraphs)}</div>'
                f'</article><section class="more"><h2>Xem thêm</h2>{more}</section>')
        return self._page(art.title, main, art.url, head)
