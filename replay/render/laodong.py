"""laodong.vn pages (Báo Lao Động): article page, section listing, RSS feed.

Built from the facts `shared/sites.md` marks [seen] for laodong.vn: listing links
`li article.article-large header a`, next page `ul.pagination li.active + li a`, date `.time time`
("01/06/2026 11:23"), body `.article-content p`, tags `.keywords a`, breadcrumb `.breadcrumb a`.
Everything else (headline, lead block, author, boxes) is our guess of a modern news page.
"""
from __future__ import annotations

from email.utils import format_datetime

from ..corpus import slugify
from ..model import Figure, ReplayArticle, Subheading
from . import SITE_NAMES, SiteContext, a, footer, head, header, og, parse_iso, path_of, sidebar, t

FAMILY = "ldo"


def stamp(iso: str) -> str:
    return f"{parse_iso(iso):%d/%m/%Y %H:%M}"


def _figure(f: Figure, title: str) -> str:
    cap = f"<figcaption><p>{t(f.caption)}</p></figcaption>" if f.caption else ""
    return (f'<figure class="insert-center-image"><img src="{a(f.image_url)}" alt="{a(title)}">{cap}</figure>\n')


def _teaser(x: ReplayArticle) -> str:
    return (f'<li><article class="article-mini"><a class="link-img" href="{a(path_of(x.url))}">'
            f'<img src="/images/thumb.jpg" alt="{a(x.title)}"></a>'
            f'<h3><a href="{a(path_of(x.url))}">{t(x.title)}</a></h3>'
            f'<span class="date">{stamp(x.published_at)[:10]}</span></article></li>')


def article_page(ctx: SiteContext, art: ReplayArticle) -> str:
    site = ctx.site
    extra = (f'<meta name="description" content="{a(art.sapo)}">\n'
             f'<meta name="keywords" content="{a(", ".join(art.tags))}">\n'
             + og(art.url, art.title, art.sapo, art.image_url, site_name=SITE_NAMES[site]))
    p = [head(f"{art.title} | Báo Lao Động", art.url, extra, family=FAMILY), "<body>\n", header(site),
         '<div class="container"><div class="row"><main class="col-main">\n',
         f'<ul class="breadcrumb"><li><a href="/">Trang chủ</a></li><li><a href="{a(art.section_path)}">'
         f"{t(art.section)}</a></li></ul>\n",
         '<article class="article-detail">\n',
         f'<h1 class="title">{t(art.title)}</h1>\n',
         '<div class="article-meta">']
    if art.author:
        p.append(f'<span class="author"><a href="/tac-gia/{slugify(art.author)}">{t(art.author)}</a></span> ')
    p.append(f'<span class="time"><time>{stamp(art.published_at)}</time></span>' if art.published_at else "")
    p.append('<span class="share"><a href="#fb">Chia sẻ</a></span></div>\n')
    p.append(f'<div class="chappeau"><p>{t(art.sapo)}</p></div>\n')
    p.append('<div class="article-content">\n')
    for i, b in enumerate(art.blocks):
        if i == 1 and art.related_titles:      # the inline related box sits after the first paragraph
            lis = "".join(f'<li><a href="{a(ctx.link_for_title(rt, art, k))}">{t(rt)}</a></li>'
                          for k, rt in enumerate(art.related_titles))
            p.append(f'<div class="box-related-in-content"><h4>Tin liên quan</h4><ul>{lis}</ul></div>\n')
        if isinstance(b, Figure):
            p.append(_figure(b, art.title))
        elif isinstance(b, Subheading):
            p.append(f"<p><strong>{t(b.text)}</strong></p>\n")
        else:
            p.append(f"<p>{t(b)}</p>\n")
    p.append("</div>\n")
    if art.tags:
        tags = "".join(f'<a href="/tags/{slugify(tg)}.ldo">{t(tg)}</a>' for tg in art.tags)
        p.append(f'<div class="keywords"><span>Từ khóa:</span> {tags}</div>\n')
    p.append("</article>\n")
    same = "".join(_teaser(x) for x in ctx.others(art, 6, "same-section"))
    p.append(f'<section class="box-same-section"><h3>Tin cùng chuyên mục</h3><ul>{same}</ul></section>\n')
    p.append("</main>\n")
    p.append(sidebar(ctx, art))
    p.append("</div></div>\n")
    p.append(footer(site))
    p.append("</body></html>")
    return "".join(p)


def listing_page(ctx: SiteContext, url: str, label: str, section_path: str, entries: list[tuple[str, str, str]],
                 page: int, n_pages: int, page_path) -> str:
    items = "".join(f'<li><article class="article-large"><a class="link-img" href="{a(u)}">'
                    f'<img src="/images/thumb.jpg" alt="{a(ti)}"></a><header><h2><a href="{a(u)}">{t(ti)}</a></h2>'
                    f'</header><p class="chappeau">{t(sp)}</p></article></li>\n' for u, ti, sp in entries)
    paging = ""
    if n_pages > 1:
        lis = []
        for n in range(1, n_pages + 1):
            cls = ' class="active"' if n == page else ""
            lis.append(f'<li{cls}><a href="{a(page_path(section_path, n))}">{n}</a></li>')
        paging = f'<ul class="pagination">{"".join(lis)}</ul>\n'
    title = f"{label} - {SITE_NAMES[ctx.site]}"
    return "".join([
        head(title, url, og(url, title, None, None, "website"), family=FAMILY), "<body>\n", header(ctx.site),
        '<div class="container"><div class="row"><main class="col-main">\n',
        f'<ul class="breadcrumb"><li><a href="/">Trang chủ</a></li><li><a href="{a(section_path)}">{t(label)}</a>'
        "</li></ul>\n",
        f'<h1 class="category-title">{t(label)}</h1>\n',
        f'<ul class="list-main-content">\n{items}</ul>\n', paging, "</main>\n", sidebar(ctx, None),
        "</div></div>\n", footer(ctx.site), "</body></html>"])


def rss(ctx: SiteContext, channel: str, items: list[ReplayArticle]) -> str:
    out = ['<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel>',
           f"<title>{t(channel)} - {t(SITE_NAMES[ctx.site])}</title><link>https://{ctx.host}/cong-doan/</link>",
           f"<description>{t(channel)}</description><language>vi</language>"]
    for x in items[:20]:
        out.append(f"<item><title>{t(x.title)}</title><link>{t(x.url)}</link>"
                   f"<description>{t(x.sapo)}</description>"
                   f"<pubDate>{format_datetime(parse_iso(x.published_at))}</pubDate>"
                   f'<guid isPermaLink="true">{t(x.url)}</guid></item>')
    out.append("</channel></rss>\n")
    return "".join(out)
