"""nld.com.vn pages (Người Lao Động): article page, section listing, RSS feed.

`shared/sites.md` knows only its URLs, sections and feeds; the article markup is [unknown], so this
is our own plausible modern news page: og:* and article:* meta, JSON-LD NewsArticle and
BreadcrumbList, a headline, a visible "DD/MM/YYYY HH:MM" stamp, a lead block, a body with an
inline "Xem thêm" box, figures with captions, the author after the body, tags, teaser boxes with
other titles and dates. None of the class names here come from the site.
"""
from __future__ import annotations

import json
from email.utils import format_datetime

from ..corpus import slugify
from ..model import Figure, ReplayArticle, Subheading
from . import SITE_NAMES, SiteContext, a, footer, head, header, og, parse_iso, path_of, sidebar, t

FAMILY = "nld"
SECTION_ROOT = ("Công đoàn", "/cong-doan.htm")


def stamp(iso: str) -> str:
    return f"{parse_iso(iso):%d/%m/%Y %H:%M}"


def crumbs(art: ReplayArticle) -> list[tuple[str, str]]:
    out = [SECTION_ROOT]
    if art.section_path != SECTION_ROOT[1]:
        out.append((art.section, art.section_path))
    return out


def _ld(art: ReplayArticle) -> str:
    ld = {"@context": "https://schema.org", "@type": "NewsArticle", "headline": art.title,
          "description": art.sapo, "mainEntityOfPage": {"@type": "WebPage", "@id": art.url},
          "datePublished": art.published_at, "dateModified": art.published_at,
          "articleSection": art.section,
          "publisher": {"@type": "Organization", "name": SITE_NAMES["nld"],
                        "logo": {"@type": "ImageObject", "url": "https://static.nld.com.vn/logo.png"}}}
    if art.image_url:
        ld["image"] = {"@type": "ImageObject", "url": art.image_url}
    if art.author:
        ld["author"] = [{"@type": "Person", "name": art.author}]
    crumbs_ld = {"@context": "https://schema.org", "@type": "BreadcrumbList", "itemListElement": [
        {"@type": "ListItem", "position": i + 1, "name": label, "item": f"https://nld.com.vn{path}"}
        for i, (label, path) in enumerate(crumbs(art))]}
    scripts = (json.dumps(x, ensure_ascii=False).replace("</", "<\\/") for x in (ld, crumbs_ld))
    return "".join(f'<script type="application/ld+json">{x}</script>\n' for x in scripts)


def _figure(f: Figure) -> str:
    cap = f'<figcaption class="story__caption">{t(f.caption)}</figcaption>' if f.caption else ""
    return (f'<figure class="story__figure"><img src="{a(f.image_url)}" loading="lazy" alt="">{cap}</figure>\n')


def _teaser(x: ReplayArticle) -> str:
    return (f'<div class="card"><a class="card__thumb" href="{a(path_of(x.url))}"><img src="/img/thumb.jpg" alt=""></a>'
            f'<h3 class="card__title"><a href="{a(path_of(x.url))}">{t(x.title)}</a></h3>'
            f'<p class="card__sapo">{t(x.sapo)}</p><span class="card__time">{stamp(x.published_at)}</span></div>\n')


def article_page(ctx: SiteContext, art: ReplayArticle) -> str:
    site = ctx.site
    extra = (f'<meta name="description" content="{a(art.sapo)}">\n'
             f'<meta name="keywords" content="{a(", ".join(art.tags))}">\n'
             + og(art.url, art.title, art.sapo, art.image_url, site_name=SITE_NAMES[site])
             + f'<meta property="article:published_time" content="{art.published_at}">\n'
             + f'<meta property="article:section" content="{a(art.section)}">\n' + _ld(art))
    p = [head(f"{art.title} - Báo Người Lao Động", art.url, extra, family=FAMILY), "<body>\n", header(site),
         '<div class="page-detail"><div class="layout">\n<div class="layout__main">\n',
         '<nav class="crumbs">' + "".join(f'<a href="{a(path)}">{t(label)}</a>' for label, path in crumbs(art))
         + "</nav>\n",
         f'<article class="story" data-id="{art.article_id}">\n<header class="story__header">\n',
         f'<h1 class="story__headline">{t(art.title)}</h1>\n',
         '<div class="story__meta">']
    if art.author:
        p.append(f'<span class="story__byline">{t(art.author)}</span> ')
    p.append(f'<span class="story__time">{stamp(art.published_at)}</span></div>\n</header>\n')
    p.append(f'<h2 class="story__lead">{t(art.sapo)}</h2>\n')
    p.append('<div class="story__body" itemprop="articleBody">\n')
    paragraphs = 0
    for b in art.blocks:
        if isinstance(b, Figure):
            p.append(_figure(b))
        elif isinstance(b, Subheading):
            p.append(f"<h3>{t(b.text)}</h3>\n")
        else:
            p.append(f"<p>{t(b)}</p>\n")
            paragraphs += 1
            if paragraphs == 2 and art.related_titles:      # "Xem thêm" box inside the body
                links = "".join(f'<li><a href="{a(ctx.link_for_title(rt, art, k))}">{t(rt)}</a></li>'
                                for k, rt in enumerate(art.related_titles))
                p.append(f'<div class="story__inline-related"><span>Xem thêm:</span><ul>{links}</ul></div>\n')
    p.append("</div>\n")
    if art.author:
        p.append(f'<div class="story__author"><strong>{t(art.author)}</strong></div>\n')
    if art.tags:
        tags = "".join(f'<li><a href="/{slugify(tg)}.html">{t(tg)}</a></li>' for tg in art.tags)
        p.append(f'<ul class="story__tags">{tags}</ul>\n')
    p.append("</article>\n")
    related = "".join(_teaser(x) for x in ctx.others(art, 4, "related"))
    p.append(f'<section class="stream stream--related"><h3 class="stream__title">Tin liên quan</h3>{related}</section>\n')
    more = "".join(_teaser(x) for x in ctx.others(art, 8, "stream"))
    p.append(f'<section class="stream"><h3 class="stream__title">Tin mới nhất</h3>{more}</section>\n')
    p.append("</div>\n")
    p.append(sidebar(ctx, art))
    p.append("</div></div>\n")
    p.append(footer(site))
    p.append("</body></html>")
    return "".join(p)


def listing_page(ctx: SiteContext, url: str, label: str, section_path: str, entries: list[tuple[str, str, str]],
                 page: int, n_pages: int, page_path) -> str:
    items = "".join(f'<div class="card card--list"><a class="card__thumb" href="{a(u)}"><img src="/img/thumb.jpg" alt="">'
                    f'</a><h3 class="card__title"><a href="{a(u)}">{t(ti)}</a></h3><p class="card__sapo">{t(sp)}</p>'
                    "</div>\n" for u, ti, sp in entries)
    paging, link_next = "", ""
    if n_pages > 1:
        links = [f'<a class="pager__page{" is-current" if n == page else ""}" href="{a(page_path(section_path, n))}">{n}</a>'
                 for n in range(1, n_pages + 1)]
        paging = f'<div class="pager">{"".join(links)}</div>\n'
        if page < n_pages:
            link_next = f'<link rel="next" href="{a(page_path(section_path, page + 1))}">\n'
    title = f"{label} - {SITE_NAMES[ctx.site]}"
    return "".join([
        head(title, url, og(url, title, None, None, "website") + link_next
             + '<link rel="alternate" type="application/rss+xml" href="/cong-doan.rss">\n', family=FAMILY),
        "<body>\n", header(ctx.site), '<div class="page-list"><div class="layout">\n<div class="layout__main">\n',
        f'<h1 class="page-list__title">{t(label)}</h1>\n',
        f'<div class="list-stream">\n{items}</div>\n', paging, "</div>\n", sidebar(ctx, None),
        "</div></div>\n", footer(ctx.site), "</body></html>"])


def rss(ctx: SiteContext, channel: str, items: list[ReplayArticle]) -> str:
    out = ['<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel>',
           f"<title>{t(channel)} - {t(SITE_NAMES[ctx.site])}</title><link>https://{ctx.host}/cong-doan.htm</link>",
           f"<description>{t(channel)}</description><language>vi</language>"]
    for x in items[:20]:
        out.append(f"<item><title><![CDATA[{x.title}]]></title><link>{t(x.url)}</link>"
                   f'<description><![CDATA[<a href="{a(x.url)}"><img src="{a(x.image_url or "")}"></a>{t(x.sapo)}]]>'
                   f"</description><pubDate>{format_datetime(parse_iso(x.published_at))}</pubDate>"
                   f'<guid isPermaLink="true">{t(x.url)}</guid></item>')
    out.append("</channel></rss>\n")
    return "".join(out)
