"""Markup pieces the layout variants share (replay/variants.py): the noise every variant keeps
and the listing page whose item and pagination markup a variant chooses.

- `ticker`: a "Tin nóng" bar of other stories with their "DD/MM/YYYY HH:MM" stamps, placed BEFORE
  the article in document order, so a date fallback that takes the first stamp on the page is caught.
- `dated_teasers`: teaser items (title, lead, stamp) for the boxes after the article.
- `listing_page`: a section page with a variant's item markup and one of the pagination styles
  "numbered" (numbers only), "trang-sau" ("Trang trước"/"Trang sau" only), "rel-next"
  (`<link rel="next">` in the head only), "numbered-next" (numbers and a "›" next link).
- `rss`, `home_page`: feeds and home pages for variants whose start page moved.
- Discovery variants (issue 19): `shaped`/`match_shape` (listing page URLs ?page=N, ?trang=N, /pN,
  /trang-N, /page/N, &p=N), the pagination styles "word" (one next link worded "Xem thêm", "Tin cũ
  hơn", "Trang tiếp"), "icon" (an icon-only next link), "noscript" (a script pager whose links exist
  only inside <noscript>), "load-more" (a button fed by a script, no link to more stories);
  `news_urlset` (a news sitemap with publication dates), `home_paged` (a home page listing every
  story with its own pagination, its menu with extra mega-menu entries), `section_empty` (a
  section of an unrelated mega-menu entry, listing no union story), `more_fragment` (what the
  load-more script fetches).
"""
from __future__ import annotations

import re
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


def paging_of(style: dict, page: int, n_pages: int, path_of_page) -> tuple[str, str]:
    """(markup in the body, links in the head) of a listing style's pagination, the issue-19 kinds
    ("word", "icon", "noscript", "load-more") or a `pagination` style."""
    kind, cls = style["paging"], style.get("paging_cls", "paging")
    if kind == "load-more":
        return load_more(style, path_of_page), ""
    if n_pages <= 1:
        return "", ""
    nxt = a(path_of_page(page + 1)) if page < n_pages else ""
    if kind == "word":
        # the one way on: a link worded as the site likes ("Xem thêm", "Tin cũ hơn", "Trang tiếp")
        if not nxt:
            return "", ""
        return f'<div class="{cls}"><a class="{cls}__link" href="{nxt}">{t(style["paging_word"])}</a></div>\n', ""
    if kind == "icon":
        prev = (f'<a class="{cls}__prev" href="{a(path_of_page(page - 1))}" aria-label="prev">'
                '<i class="icon-prev"></i></a>') if page > 1 else ""
        nx = f'<a class="{cls}__next" href="{nxt}"><i class="icon-next"></i></a>' if nxt else ""
        return f'<div class="{cls}"><span class="{cls}__info">{page} / {n_pages}</span>{prev}{nx}</div>\n', ""
    if kind == "noscript":
        nums = "".join(f'<a href="{a(path_of_page(n))}">{n}</a>' if n != page else f"<b>{n}</b>"
                       for n in range(1, n_pages + 1))
        return (f'<div class="{cls}" id="js-pager" data-page="{page}" data-total="{n_pages}"></div>'
                "<script>(function(){var el=document.getElementById('js-pager');"
                "var cur=+el.dataset.page,tot=+el.dataset.total,base=location.pathname.replace(/\\/trang-\\d+$/,'');"
                "for(var i=1;i<=tot;i++){var x=document.createElement(i==cur?'b':'span');x.textContent=i;"
                "if(i!=cur){x.className='pg';x.onclick=(function(n){return function(){location.href=base+"
                "(n>1?'/trang-'+n:'')}})(i);}el.appendChild(x);}})();</script>"
                f'<noscript><div class="{cls}">{nums}</div></noscript>\n'), ""
    return pagination(kind, cls, page, n_pages, path_of_page)


def load_more(style: dict, path_of_page) -> str:
    """A 'Xem thêm'/'Tải thêm' button under the stories, fed by a script: no URL of more stories in
    any href; the script builds its request (robots.txt disallows /ajax/)."""
    word = style.get("more_word", "Xem thêm")
    zone = style.get("zone", "1")
    return (f'<div class="box-viewmore"><button type="button" class="btn-viewmore" data-zone="{zone}" '
            f'data-page="2">{t(word)}</button></div>\n'
            "<script>document.querySelector('.btn-viewmore').addEventListener('click',function(){"
            "var b=this,p=+b.dataset.page;fetch(['','ajax','more',b.dataset.zone,p].join('/'))"
            ".then(function(r){return r.text()}).then(function(h){b.parentNode.insertAdjacentHTML('beforebegin',h);"
            "b.dataset.page=p+1;});});</script>\n")


def listing_page(ctx: SiteContext, url: str, label: str, section_path: str, entries: list[tuple[str, str, str]],
                 page: int, n_pages: int, path_of_page, style: dict, feeds: list[str] = ()) -> str:
    """style: family, wrap (open, close), list (open, close), item (function of (url, title, sapo, stamp)),
    paging (a `pagination` style or an issue-19 kind of `paging_of`), paging_cls; optional paging_word,
    paging_wrap, more_word, zone, title_cls. `feeds`: paths announced with <link rel="alternate">."""
    articles = by_path(ctx)
    items = "".join(style["item"](u, ti, sp, stamp(articles[u].published_at) if u in articles else "")
                    for u, ti, sp in entries)
    body_paging, head_links = paging_of(style, page, n_pages, path_of_page)
    head_links += "".join(f'<link rel="alternate" type="application/rss+xml" title="RSS" href="{a(f)}">\n'
                          for f in feeds)
    title = f"{label} - {SITE_NAMES[ctx.site]}"
    side = sidebar_recent(ctx) if style["paging"] == "load-more" else sidebar(ctx, None)
    return "".join([
        head(title, url, og(url, title, None, None, "website") + head_links, family=style["family"]),
        "<body>\n", header(ctx.site), ticker(ctx, None), style["wrap"][0],
        f'<h1 class="{style.get("title_cls", "section-title")}">{t(label)}</h1>\n',
        style["list"][0], items, style["list"][1], body_paging, style["wrap"][1], side,
        footer(ctx.site), "</body></html>"])


def sidebar_recent(ctx: SiteContext) -> str:
    """The sidebar of a load-more site: "Tin mới" and "Đọc nhiều" both drawn from the 12 newest
    stories (what its home page shows), so no listing page links an older story."""
    recent = ctx.articles[:12]
    new = "".join(f'<li><a href="{a(path_of(x.url))}">{t(x.title)}</a></li>' for x in recent[:8])
    hot = "".join(f'<li><a href="{a(path_of(x.url))}">{t(x.title)}</a></li>' for x in recent[5::-1])
    return (f'<aside class="sidebar"><div class="box-news-latest"><h3>Tin mới</h3><ul>{new}</ul></div>'
            f'<div class="banner-ads" data-slot="sidebar-1"></div>'
            f'<div class="box-most-read"><h3>Đọc nhiều</h3><ol>{hot}</ol></div></aside>\n')


def more_fragment(style: dict, entries: list[tuple[str, str, str]], ctx: SiteContext) -> str:
    """What the load-more script inserts: the next stories' items, nothing else."""
    articles = by_path(ctx)
    return "".join(style["item"](u, ti, sp, stamp(articles[u].published_at) if u in articles else "")
                   for u, ti, sp in entries)


# ------------------------------------------------------------------ listing page URL shapes
SHAPES = {
    "page": "{base}?page={n}", "trang": "{base}?trang={n}", "amp-p": "{base}&p={n}",
    "page-path": "{stem}/page/{n}", "trang-path": "{stem}/trang-{n}", "p-htm": "{stem}/p{n}.htm",
    "trang-htm": "{stem}/trang-{n}.htm",
}


def _stem(base: str) -> str:
    for ext in (".htm", ".html"):
        if base.endswith(ext):
            return base[:-len(ext)]
    return base.rstrip("/")


def shaped(shape: str, base: str, n: int) -> str:
    """Page n of the listing at `base` in a URL shape of SHAPES (page 1 is `base` itself)."""
    if n <= 1:
        return base
    return SHAPES[shape].format(base=base, stem=_stem(base), n=n)


def match_shape(shape: str, base: str, target: str) -> int | None:
    """The page number when `target` (path and query) is a page of the listing at `base`, else None."""
    if target == base or target.rstrip("/") == base.rstrip("/"):
        return 1
    pattern = re.escape(SHAPES[shape].format(base=base, stem=_stem(base), n="\x00")).replace("\x00", r"(\d+)")
    m = re.fullmatch(pattern, target)
    return int(m.group(1)) if m and int(m.group(1)) >= 2 else None


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


def home_page(ctx: SiteContext, url: str, sections: list[tuple[str, str]], feeds: list[str],
              recent_only: bool = False) -> str:
    """A home page naming its sections (their current paths), the 12 newest stories and, in the
    head, its feeds as `<link rel="alternate">`."""
    alt = "".join(f'<link rel="alternate" type="application/rss+xml" title="RSS" href="{a(f)}">\n' for f in feeds)
    secs = "".join(f'<li><a href="{a(p)}">{t(l)}</a></li>' for l, p in sections)
    items = "".join(f'<div class="home-story"><h3><a href="{a(path_of(x.url))}">{t(x.title)}</a></h3>'
                    f"<p>{t(x.sapo)}</p><span>{stamp(x.published_at)}</span></div>" for x in ctx.articles[:12])
    return (head(SITE_NAMES[ctx.site], url, og(url, SITE_NAMES[ctx.site], None, None, "website") + alt,
                 family="home2") + "<body>" + header(ctx.site) + ticker(ctx, None) +
            f'<main class="home2"><ul class="home2-sections">{secs}</ul><div class="home2-latest">{items}</div></main>'
            + (sidebar_recent(ctx) if recent_only else sidebar(ctx, None)) + footer(ctx.site) + "</body></html>")


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


def news_urlset(items: list[ReplayArticle], site_name: str, fallback: str) -> str:
    """A Google news sitemap: each story with its publication date and title (news:news)."""
    body = "".join(
        f"<url><loc>{t(x.url)}</loc><news:news><news:publication><news:name>{t(site_name)}</news:name>"
        "<news:language>vi</news:language></news:publication>"
        f"<news:publication_date>{x.published_at or fallback}</news:publication_date>"
        f"<news:title>{t(x.title)}</news:title></news:news><lastmod>{x.published_at or fallback}</lastmod></url>"
        for x in items)
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
            f'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">{body}</urlset>\n')


def header_with(site: str, extra: list[tuple[str, str, list[tuple[str, str]]]],
                replace: dict[str, str] | None = None) -> str:
    """The site's header menu with mega-menu entries added (`extra`: (label, path, sub-entries)) and
    paths moved (`replace`: old path -> new path)."""
    from . import MENUS
    replace = replace or {}
    menu = [(label, replace.get(path, path), [(sl, replace.get(sp, sp)) for sl, sp in subs])
            for label, path, subs in MENUS.get(site, [])]
    labels = {label for label, _, _ in menu}
    for label, path, subs in extra:
        if label in labels:      # more sub-entries under an existing entry
            menu = [(l, p, s + subs if l == label else s) for l, p, s in menu]
        else:
            menu.append((label, path, subs))
    lis = []
    for label, path, subs in menu:
        sub = ""
        if subs:
            sub = ('<div class="mega-menu"><ul class="sub-menu">'
                   + "".join(f'<li><a href="{a(p)}">{t(l)}</a></li>' for l, p in subs) + "</ul></div>")
        lis.append(f'<li class="menu-item"><a href="{a(path)}">{t(label)}</a>{sub}</li>')
    ul = "<ul>" + "".join(lis) + "</ul>"
    return (f'<header class="header"><div class="top-bar"><a class="logo" href="/">{t(SITE_NAMES[site])}</a>'
            '<form class="search" action="/search"><input name="q" placeholder="Tìm kiếm"></form></div>'
            f'<nav class="menu">{ul}</nav><div class="menu-mobile" hidden>{ul}</div></header>\n')


def home_paged(ctx: SiteContext, url: str, page: int, n_pages: int, entries: list[ReplayArticle], style: dict,
               path_of_page, menu: str, feeds: list[str] = ()) -> str:
    """A home page that is a listing of its own: a lead story, the newest stories with their stamps,
    its own pagination (style as `paging_of`), the header `menu` given (header_with)."""
    body_paging, head_links = paging_of(style, page, n_pages, path_of_page)
    head_links += "".join(f'<link rel="alternate" type="application/rss+xml" title="RSS" href="{a(f)}">\n'
                          for f in feeds)
    items = "".join(f'<article class="home-news"><h3 class="home-news__title"><a href="{a(path_of(x.url))}">'
                    f'{t(x.title)}</a></h3><p class="home-news__sapo">{t(x.sapo)}</p>'
                    f'<span class="home-news__time">{stamp(x.published_at)}</span></article>\n' for x in entries)
    name = SITE_NAMES[ctx.site] + (f" - Trang {page}" if page > 1 else "")
    return (head(name, url, og(url, SITE_NAMES[ctx.site], None, None, "website") + head_links, family="home3")
            + "<body>" + menu + ticker(ctx, None)
            + f'<main class="home-main"><h2 class="home-main__title">Tin mới nhất</h2>'
            f'<div class="home-main__list">\n{items}</div>\n{body_paging}</main>'
            + sidebar(ctx, None) + footer(ctx.site) + "</body></html>")


def section_empty(ctx: SiteContext, url: str, label: str, parent: str, menu: str) -> str:
    """A section of an unrelated mega-menu entry (e.g. "Công đoàn" under "Bất động sản"): no union
    story; its own few listings are not in the replay, so it shows "no article yet"."""
    return (head(f"{label} - {parent} - {SITE_NAMES[ctx.site]}", url,
                 og(url, f"{parent} - {label}", None, None, "website"), family="home3")
            + "<body>" + menu + ticker(ctx, None)
            + f'<main class="cate-main"><div class="crumbs"><a href="/">Trang chủ</a> › <span>{t(parent)}</span> › '
            f'<span>{t(label)}</span></div><h1 class="cate-main__title">{t(label)}</h1>'
            '<div class="cate-main__empty">Chuyên mục đang được cập nhật. Mời bạn đọc quay lại sau.</div></main>'
            + sidebar(ctx, None) + footer(ctx.site) + "</body></html>")
