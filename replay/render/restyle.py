"""Markup pieces the layout variants share (replay/variants.py): the noise every variant keeps
and the listing page whose item and pagination markup a variant chooses.

- `ticker`: a "Tin nóng" bar of other stories with their "DD/MM/YYYY HH:MM" stamps, placed BEFORE
  the article in document order, so a date fallback that takes the first stamp on the page is caught.
- `dated_teasers`: teaser items (title, lead, stamp) for the boxes after the article.
- `listing_page`: a section page with a variant's item markup and one of the pagination styles
  "numbered" (numbers only), "trang-sau" ("Trang trước"/"Trang sau" only), "rel-next"
  (`<link rel="next">` in the head only), "numbered-next" (numbers and a "›" next link).
- `rss`, `home_page`: feeds and home pages for variants whose start page moved.
"""
from __future__ import annotations

from email.utils import format_datetime

from ..model import ReplayArticle
from . import SITE_NAMES, SiteContext, a, footer, head, header, og, parse_iso, path_of, sidebar, t


def stamp(iso: str | None) -> str:
    return f"{parse_iso(iso):%d/%m/%Y %H:%M}" if iso else ""


def by_path(ctx: SiteContext) -> dict[str, ReplayArticle]:
    cached = getattr(ctx, "_by_path", None)
    if cached is None:
        cached = ctx._by_path = {path_of(x.url): x for x in ctx.articles}
    return cached


def ticker(ctx: SiteContext, art: ReplayArticle | None, cls: str = "breaking-news") -> str:
    items = "".join(f'<li><a href="{a(path_of(x.url))}">{t(x.title)}</a> <span class="{cls}__time">'
                    f"{stamp(x.published_at)}</span></li>"
                    for x in ctx.newest(4, art) if x.published_at)
    return f'<div class="{cls}"><strong>Tin nóng</strong><ul>{items}</ul></div>\n'


def dated_teasers(ctx: SiteContext, art: ReplayArticle, k: int, salt: str, item_cls: str, prefix: str = "") -> str:
    """k teaser items of other articles: link, title, lead (with the site's prefix), stamp."""
    out = []
    for x in ctx.others(art, k, salt):
        u = a(path_of(x.url))
        out.append(f'<div class="{item_cls}"><a class="{item_cls}__thumb" href="{u}"><img src="/images/thumb.jpg" '
                   f'alt="{a(x.title)}"></a><h3 class="{item_cls}__title"><a href="{u}">{t(x.title)}</a></h3>'
                   f'<p class="{item_cls}__lead">{t(prefix + x.sapo)}</p>'
                   f'<span class="{item_cls}__time">{stamp(x.published_at)}</span></div>\n')
    return "".join(out)


def seed_teasers(ctx: SiteContext, art: ReplayArticle, item_cls: str) -> str:
    """The teasers captured with a seed page (real titles and leads), linked to replay articles."""
    return "".join(f'<div class="{item_cls}"><h3 class="{item_cls}__title"><a href="{a(ctx.link_for_title(tz["title"], art, i))}">'
                   f'{t(tz["title"])}</a></h3><p class="{item_cls}__lead">{t(tz["lead"])}</p></div>\n'
                   for i, tz in enumerate(art.teasers))


def pagination(style: str, cls: str, page: int, n_pages: int, path_of_page) -> tuple[str, str]:
    """(markup in the body, links in the head) for one pagination style."""
    if n_pages <= 1:
        return "", ""
    if style == "rel-next":
        links = []
        if page > 1:
            links.append(f'<link rel="prev" href="{a(path_of_page(page - 1))}">')
        if page < n_pages:
            links.append(f'<link rel="next" href="{a(path_of_page(page + 1))}">')
        return "", "\n".join(links) + "\n"
    if style == "trang-sau":
        links = []
        if page > 1:
            links.append(f'<a class="{cls}__prev" href="{a(path_of_page(page - 1))}">Trang trước</a>')
        if page < n_pages:
            links.append(f'<a class="{cls}__next" href="{a(path_of_page(page + 1))}">Trang sau</a>')
        return f'<div class="{cls}">{" ".join(links)}</div>\n', ""
    nums = []
    for n in range(1, n_pages + 1):
        if n == page:
            nums.append(f'<span class="{cls}__current">{n}</span>')
        else:
            nums.append(f'<a href="{a(path_of_page(n))}">{n}</a>')
    if style == "numbered-next" and page < n_pages:
        nums.append(f'<a href="{a(path_of_page(page + 1))}">›</a>')
    return f'<div class="{cls}">{"".join(nums)}</div>\n', ""


def listing_page(ctx: SiteContext, url: str, label: str, section_path: str, entries: list[tuple[str, str, str]],
                 page: int, n_pages: int, path_of_page, style: dict) -> str:
    """style: family, wrap (open, close), list (open, close), item (function of (url, title, sapo, stamp)),
    paging (a `pagination` style), paging_cls; optional `keep` (the whole list and paging markup given)."""
    articles = by_path(ctx)
    items = "".join(style["item"](u, ti, sp, stamp(articles[u].published_at) if u in articles else "")
                    for u, ti, sp in entries)
    body_paging, head_links = pagination(style["paging"], style.get("paging_cls", "paging"), page, n_pages,
                                         path_of_page)
    title = f"{label} - {SITE_NAMES[ctx.site]}"
    return "".join([
        head(title, url, og(url, title, None, None, "website") + head_links, family=style["family"]),
        "<body>\n", header(ctx.site), ticker(ctx, None), style["wrap"][0],
        f'<h1 class="{style.get("title_cls", "section-title")}">{t(label)}</h1>\n',
        style["list"][0], items, style["list"][1], body_paging, style["wrap"][1], sidebar(ctx, None),
        footer(ctx.site), "</body></html>"])


def rss(ctx: SiteContext, channel: str, link: str, items: list[ReplayArticle]) -> str:
    out = ['<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel>',
           f"<title>{t(channel)} - {t(SITE_NAMES[ctx.site])}</title><link>{t(link)}</link>",
           f"<description>{t(channel)}</description><language>vi</language>"]
    for x in items:
        pub = f"<pubDate>{format_datetime(parse_iso(x.published_at))}</pubDate>" if x.published_at else ""
        out.append(f"<item><title>{t(x.title)}</title><link>{t(x.url)}</link>"
                   f"<description>{t(x.sapo)}</description>{pub}"
                   f'<guid isPermaLink="true">{t(x.url)}</guid></item>')
    out.append("</channel></rss>\n")
    return "".join(out)


def home_page(ctx: SiteContext, url: str, sections: list[tuple[str, str]], feeds: list[str]) -> str:
    """A home page naming its sections (their current paths), the 12 newest stories and, in the
    head, its feeds as `<link rel="alternate">`."""
    alt = "".join(f'<link rel="alternate" type="application/rss+xml" title="RSS" href="{a(f)}">\n' for f in feeds)
    secs = "".join(f'<li><a href="{a(p)}">{t(l)}</a></li>' for l, p in sections)
    items = "".join(f'<div class="home-story"><h3><a href="{a(path_of(x.url))}">{t(x.title)}</a></h3>'
                    f"<p>{t(x.sapo)}</p><span>{stamp(x.published_at)}</span></div>" for x in ctx.articles[:12])
    return (head(SITE_NAMES[ctx.site], url, og(url, SITE_NAMES[ctx.site], None, None, "website") + alt,
                 family="home2") + "<body>" + header(ctx.site) + ticker(ctx, None) +
            f'<main class="home2"><ul class="home2-sections">{secs}</ul><div class="home2-latest">{items}</div></main>'
            + sidebar(ctx, None) + footer(ctx.site) + "</body></html>")


def sitemap_index(host: str, parts: list[tuple[str, str]]) -> str:
    """parts: (path, lastmod ISO)."""
    body = "".join(f"<sitemap><loc>https://{host}{p}</loc><lastmod>{lm}</lastmod></sitemap>" for p, lm in parts)
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{body}</sitemapindex>\n')


def urlset(items: list[ReplayArticle], fallback_lastmod: str) -> str:
    body = "".join(f"<url><loc>{t(x.url)}</loc><lastmod>{x.published_at or fallback_lastmod}</lastmod>"
                   "<changefreq>hourly</changefreq></url>" for x in items)
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{body}</urlset>\n')
