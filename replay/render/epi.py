"""EPI CMS pages (baolaocai.vn): article page, tag/category listing, RSS feed.

Markup contract: replay/MARKUP.md, section "EPI".
"""
from __future__ import annotations

import json
from datetime import timedelta
from email.utils import format_datetime

from ..corpus import slugify
from ..model import Figure, ReplayArticle, Subheading
from . import SITE_NAMES, SiteContext, a, footer, head, header, og, parse_iso, path_of, sidebar, t

PAGE_SIZE = 10
PIXEL = "data:image/gif;base64,R0lGODlhAQABAAAAACw="


def page_path(section_path: str, n: int) -> str:
    return section_path if n <= 1 else f"{section_path}?page={n}"


def file_name(url: str) -> str:
    return url.rsplit("/", 1)[-1]


def modified(published: str) -> str:
    return (parse_iso(published) + timedelta(minutes=47)).isoformat()


def _figure(f: Figure) -> str:
    fn = file_name(f.image_url)
    cap = f.caption or fn          # an uncaptioned image shows its file name (seen on baolaocai)
    return (f'<figure class="image"><img src="{PIXEL}" data-src="{a(f.image_url)}" alt="{a(fn)}">'
            f"<figcaption>{t(cap)}</figcaption></figure>\n")


def _teaser(url: str, title: str, lead: str, alt: str | None) -> str:
    return (f'<div class="b-grid"><div class="b-grid__thumb"><a href="{a(url)}">'
            f'<img src="{PIXEL}" data-src="/images/thumb.jpg" alt="{a(alt or title)}"></a>'
            f'<span class="b-grid__title">{t(alt or title)}</span></div>'
            f'<div class="b-grid__content"><h3 class="b-grid__title"><a href="{a(url)}">{t(title)}</a></h3>'
            f'<div class="b-grid__desc">{t(lead)}</div></div></div>\n')


def article_page(ctx: SiteContext, art: ReplayArticle) -> str:
    site = ctx.site
    meta = [f'<meta name="description" content="{a(art.sapo)}">',
            f'<meta name="keywords" content="{a(", ".join(art.tags))}">']
    if art.published_at:
        meta.append(f'<meta property="article:published_time" content="{art.published_at}">')
        meta.append(f'<meta property="article:modified_time" content="{modified(art.published_at)}">')
    meta.append(f'<meta property="article:section" content="{a(art.section)}">')
    meta += [f'<meta property="article:tag" content="{a(tg)}">' for tg in art.tags]
    ld = {"@context": "https://schema.org", "@type": "NewsArticle", "headline": art.title,
          "description": art.sapo, "mainEntityOfPage": {"@type": "WebPage", "@id": art.url}}
    if art.image_url:
        ld["image"] = [art.image_url]
    if art.published_at:
        ld["datePublished"] = art.published_at
        ld["dateModified"] = modified(art.published_at)
    if art.author:
        ld["author"] = {"@type": "Person", "name": art.author}
    ld["publisher"] = {"@type": "Organization", "name": SITE_NAMES[site],
                       "logo": {"@type": "ImageObject", "url": "https://baolaocai.vn/images/logo.png"}}
    ld_s = json.dumps(ld, ensure_ascii=False).replace("</", "<\\/")
    extra = ("\n".join(meta) + "\n" + og(art.url, art.title, art.sapo, art.image_url, site_name=SITE_NAMES[site])
             + f'<script type="application/ld+json">{ld_s}</script>\n')
    p = [head(art.title, art.url, extra, family="epi"), "<body>\n", header(site),
         '<div class="container"><main class="main">\n',
         '<div class="social"><a href="https://facebook.com/baolaocai">fb</a> <a href="https://youtube.com/baolaocai">yt</a> '
         '<a href="https://zalo.me/baolaocai">zl</a> <a href="https://twitter.com/baolaocai">tw</a></div>\n',
         f'<div class="breadcrumb"><a href="/">Trang chủ</a><a href="{a(art.section_path)}">{t(art.section)}</a></div>\n',
         '<article class="article">\n',
         f'<h1 class="article__title">{t(art.title)}</h1>\n']
    if art.published_at:
        dt = parse_iso(art.published_at)
        p.append(f'<div class="article__meta"><time class="time" datetime="{art.published_at}">'
                 f'{dt:%d/%m/%Y %H:%M}</time></div>\n')
    else:
        p.append('<div class="article__meta"></div>\n')
    p.append(f'<div class="article__sapo">{t(art.sapo)}</div>\n')
    p.append('<div class="article__body">\n')
    if art.related_titles:
        lis = "".join(f'<li><a href="{a(ctx.link_for_title(rt, art, i))}">{t(rt)}</a></li>'
                      for i, rt in enumerate(art.related_titles))
        p.append(f'<div class="box-related-inline"><ul>{lis}</ul></div>\n')
    for b in art.blocks:
        if isinstance(b, Figure):
            p.append(_figure(b))
        elif isinstance(b, Subheading):
            p.append(f"<h2>{t(b.text)}</h2>\n")
        else:
            p.append(f"<p>{t(b)}</p>\n")
    p.append("</div>\n")
    if art.author:
        p.append(f'<div class="article__author">{t(art.author)}</div>\n')
    if art.tags:
        tags = "".join(f'<a href="/{slugify(tg)}-tag{4194 if tg == "Công đoàn Lào Cai" else 5000 + len(tg)}.html">'
                       f"{t(tg)}</a>" for tg in art.tags)
        p.append(f'<div class="article__tag">{tags}</div>\n')
    p.append("</article>\n")
    if art.seed:
        related = ""
        category = "".join(_teaser(ctx.link_for_title(tz["title"], art, i), tz["title"], tz["lead"], tz.get("alt"))
                           for i, tz in enumerate(art.teasers))
    else:
        related = "".join(_teaser(path_of(x.url), x.title, x.sapo, None) for x in ctx.others(art, 4, "related"))
        category = "".join(_teaser(path_of(x.url), x.title, x.sapo, None) for x in ctx.others(art, 9, "category"))
    p.append(f'<div class="box-related"><h3>Có thể bạn quan tâm</h3>{related}</div>\n')
    p.append(f'<div class="box-category"><h3>Tin cùng chuyên mục</h3>{category}</div>\n')
    p.append("</main>\n")
    p.append(sidebar(ctx, art))
    p.append("</div>\n")
    p.append(footer(site))
    p.append("</body></html>")
    return "".join(p)


def listing_page(ctx: SiteContext, url: str, label: str, section_path: str, entries: list[tuple[str, str, str]],
                 page: int, n_pages: int) -> str:
    items = "".join(f'<div class="b-grid"><div class="b-grid__content"><h3 class="b-grid__title">'
                    f'<a href="{a(u)}">{t(ti)}</a></h3><div class="b-grid__desc">{t(sp)}</div></div></div>\n'
                    for u, ti, sp in entries)
    paging = ""
    if n_pages > 1:
        nums = sorted({1, n_pages} | set(range(max(1, page - 4), min(n_pages, page + 4) + 1)))
        active = ' class="active"'
        links = [f'<a href="{a(page_path(section_path, n))}"{active if n == page else ""}>{n}</a>'
                 for n in nums]
        if page < n_pages:
            links.append(f'<a class="next" href="{a(page_path(section_path, page + 1))}">Sau</a>')
        paging = f'<div class="pagination">{"".join(links)}</div>\n'
    title = f"{label} - {SITE_NAMES[ctx.site]}"
    return "".join([
        head(title, url, og(url, title, None, None, "website"), family="epi"), "<body>\n", header(ctx.site),
        '<div class="container"><main class="main">\n',
        f'<div class="breadcrumb"><a href="/">Trang chủ</a><a href="{a(section_path)}">{t(label)}</a></div>\n',
        f'<h1 class="cate-title">{t(label)}</h1>\n',
        f'<div class="box-list">\n{items}</div>\n', paging, "</main>\n", sidebar(ctx, None), "</div>\n",
        footer(ctx.site), "</body></html>"])


def rss(ctx: SiteContext, items: list[ReplayArticle]) -> str:
    out = ['<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel>',
           f"<title>{t(SITE_NAMES[ctx.site])} - Trang chủ</title><link>https://{ctx.host}/</link>",
           "<description>Tin tức mới nhất của Báo Lào Cai</description><language>vi</language>"]
    for x in items[:20]:
        pub = ""
        if x.published_at:
            pub = f"<pubDate>{format_datetime(parse_iso(x.published_at))}</pubDate>"
        out.append(f"<item><title>{t(x.title)}</title><link>{t(x.url)}</link>"
                   f"<description>{t(x.sapo)}</description>{pub}"
                   f'<guid isPermaLink="true">{t(x.url)}</guid></item>')
    out.append("</channel></rss>\n")
    return "".join(out)
