"""MasterCMS pages (laodongthudo.vn, tuoitrethudo.vn): article page and section listing.

Markup contract: replay/MARKUP.md, section "MasterCMS". laodongthudo has no
`article:published_time` meta; tuoitrethudo has it (so the family is tested with and without).
"""
from __future__ import annotations

from ..corpus import slugify
from ..model import Figure, ReplayArticle, Subheading
from . import SITE_NAMES, SiteContext, a, footer, head, header, og, path_of, sidebar, t, vn_date, vn_time

CONF = {
    "laodongthudo": dict(strong="(LĐTĐ)", sep=" ", desc="(LĐTĐ) ", pubmeta=False, tag_top=False,
                         other="Tin khác", page_size=16),
    "tuoitrethudo": dict(strong="TTTĐ", sep=" - ", desc="TTTĐ - ", pubmeta=True, tag_top=True,
                         other="Đọc thêm", page_size=10),
}


def page_path(site: str, section_path: str, n: int) -> str:
    """Listing page n (1-based) of a section."""
    if n <= 1:
        return section_path
    if site == "laodongthudo":
        return f"{section_path}&s_cond=&BRSR={CONF[site]['page_size'] * (n - 1)}"
    return f"{section_path}/p{n}"


def _figure(f: Figure, title: str) -> str:
    alt = f.alt or title
    cap = (f'<tr><td><p class="caption"><em>{t(f.caption)}</em></p></td></tr>' if f.caption else "")
    return ('<table class="MASTERCMS_TPL_TABLE" align="center"><tbody><tr><td>'
            f'<img class="__img_mastercms" src="{a(f.image_url)}" alt="{a(alt)}" title="{a(alt)}">'
            f"</td></tr>{cap}</tbody></table>\n")


def _teaser(site: str, url: str, title: str, lead: str, section: str | None, alt: str | None) -> str:
    cat = f' <span class="cat">{t(section)}</span>' if section else ""
    return (f'<div class="item"><a href="{a(url)}"><img src="/images/no-image.jpg" alt="{a(alt or title)}"></a>'
            f'<h4><a href="{a(url)}">{t(title)}</a>{cat}</h4><p>{t(lead)}</p></div>\n')


def _gen_teasers(ctx: SiteContext, art: ReplayArticle, k: int, salt: str) -> str:
    c = CONF[ctx.site]
    out = []
    for x in ctx.others(art, k, salt):
        sec = x.section if ctx.site == "tuoitrethudo" else None
        out.append(_teaser(ctx.site, path_of(x.url), x.title, c["desc"] + x.sapo, sec, None))
    return "".join(out)


def _seed_teasers(ctx: SiteContext, art: ReplayArticle, boxes: tuple[str, ...]) -> str:
    out = []
    for i, tz in enumerate(art.teasers):
        if tz.get("box") in boxes:
            out.append(_teaser(ctx.site, ctx.link_for_title(tz["title"], art, i), tz["title"], tz["lead"],
                               tz.get("section"), tz.get("alt")))
    return "".join(out)


def article_page(ctx: SiteContext, art: ReplayArticle) -> str:
    site, c = ctx.site, CONF[ctx.site]
    meta = [f'<meta name="description" content="{a(c["desc"] + art.sapo)}">',
            f'<meta name="keywords" content="{a(", ".join(art.tags))}">']
    if c["pubmeta"] and art.published_at:
        meta.append(f'<meta property="article:published_time" content="{art.published_at}">')
    extra = "\n".join(meta) + "\n" + og(art.url, art.title, art.sapo, art.image_url, site_name=SITE_NAMES[site])
    p = [head(art.title, art.url, extra, family="mastercms"), "<body>\n", header(site),
         '<div class="container"><div class="main-left">\n',
         f'<div class="breadcrumbs"><a href="/">Trang chủ</a><a href="{a(art.section_path)}">{t(art.section)}</a></div>\n']
    if c["tag_top"]:
        p.append('<div class="tag-top">Tag</div>\n')
    p.append(f'<h1 class="title_detail">{t(art.title)}</h1>\n')
    cat = f'<a class="cat" href="{a(art.section_path)}">{t(art.section)}</a> ' if site == "tuoitrethudo" else ""
    if art.published_at:
        p.append(f'<div class="detail_info">{cat}<span class="format_date">{vn_date(art.published_at)}</span> '
                 f'<span class="format_time">{vn_time(art.published_at)}</span><span class="font_size">aa</span></div>\n')
    else:
        p.append(f'<div class="detail_info">{cat}<span class="font_size">aa</span></div>\n')
    p.append(f'<div class="sapo_detail"><strong>{t(c["strong"])}</strong>{c["sep"]}{t(art.sapo)}</div>\n')
    p.append('<div class="__MASTERCMS_CONTENT"><div id="__MB_MASTERCMS_EL_3">\n')
    if art.related_titles:
        lis = "".join(f'<li><a href="{a(ctx.link_for_title(rt, art, i))}">{t(rt)}</a></li>'
                      for i, rt in enumerate(art.related_titles))
        p.append(f'<div class="__MB_RELATED_INLINE"><ul>{lis}</ul></div>\n')
    for b in art.blocks:
        if isinstance(b, Figure):
            p.append(_figure(b, art.title))
        elif isinstance(b, Subheading):
            p.append(f"<p><strong>{t(b.text)}</strong></p>\n")
        else:
            p.append(f'<p style="text-align: justify;">{t(b)}</p>\n')
    if art.author:
        p.append(f'<p style="text-align: right;"><strong>{t(art.author)}</strong></p>\n')
    p.append("</div></div>\n")
    if art.tags:
        tags = "".join(f'<a href="/tag/{slugify(tg)}.tag">{t(tg)}</a>' for tg in art.tags)
        p.append(f'<div class="tags"><span>Tags:</span> {tags}</div>\n')
    p.append('<div class="social-share"><a class="fb" href="#">Chia sẻ</a><a class="zalo" href="#">Zalo</a></div>\n')
    if art.seed:
        related = ""
        category = _seed_teasers(ctx, art, ("Nên xem",))
        other = _seed_teasers(ctx, art, ("Tin khác", "Đọc thêm"))
    else:
        related = _gen_teasers(ctx, art, 4, "related")
        category = _gen_teasers(ctx, art, 6, "category")
        other = _gen_teasers(ctx, art, 10, "other")
    p.append(f'<div class="box_related"><h3>Có thể bạn quan tâm</h3>{related}</div>\n')
    p.append(f'<div class="box_category"><h3>Nên xem</h3>{category}</div>\n')
    p.append(f'<div class="box_other"><h3>{c["other"]}</h3>{other}'
             f'<a class="view-more" href="{a(art.section_path)}">Xem thêm</a></div>\n')
    p.append("</div>\n")
    p.append(sidebar(ctx, art))
    p.append("</div>\n")
    p.append(footer(site))
    p.append("</body></html>")
    return "".join(p)


def listing_page(ctx: SiteContext, url: str, label: str, section_path: str, entries: list[tuple[str, str, str]],
                 page: int, n_pages: int) -> str:
    """entries: (path, title, sapo) of this page."""
    site = ctx.site
    items = "".join(
        f'<div class="list_news"><a class="thumb" href="{a(u)}"><img src="/images/no-image.jpg" alt="{a(ti)}"></a>'
        f'<div class="list_news_title"><h2><a href="{a(u)}">{t(ti)}</a></h2><p>{t(sp)}</p></div></div>\n'
        for u, ti, sp in entries)
    paging = ""
    if n_pages > 1:
        nums = sorted({1, n_pages} | set(range(max(1, page - 4), min(n_pages, page + 4) + 1)))
        links = []
        for n in nums:
            cls = ' class="active"' if n == page else ""
            links.append(f'<a href="{a(page_path(site, section_path, n))}"{cls}>{n}</a>')
        if page < n_pages:
            links.append(f'<a href="{a(page_path(site, section_path, page + 1))}" class="next">›</a>')
        paging = f'<div class="__MB_ARTICLE_PAGING">{"".join(links)}</div>\n'
    title = f"{label} - {SITE_NAMES[site]}"
    return "".join([
        head(title, url, og(url, title, None, None, "website"), family="mastercms"), "<body>\n", header(site),
        '<div class="container"><div class="main-left">\n',
        f'<div class="breadcrumbs"><a href="/">Trang chủ</a><a href="{a(section_path)}">{t(label)}</a></div>\n',
        f'<h1 class="cate-title">{t(label)}</h1>\n',
        f'<div class="col_category">\n{items}</div>\n', paging, "</div>\n", sidebar(ctx, None), "</div>\n",
        footer(site), "</body></html>"])
