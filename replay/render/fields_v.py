"""Article pages of the field variants (issue 20), one renderer for all six sites.

Each site has a kit (`KITS`): its page skeleton and noise, close to the regular replay's markup
(replay/MARKUP.md) and keeping what shared/sites.md marks [seen] (URLs, the lead prefixes, the
MasterCMS description with its prefix, the hanoi.gov.vn title date form, the noise phrases). A
variant style (replay/variant_styles.py, FIELD_*) then changes one kind of field at a time:

  date:     how the date is stated: a function (ctx, art) -> html placed under the headline (see the
            `date_*` builders: relative stamps with the exact time in an attribute, visible forms,
            another time zone, a modified date beside the published one)
  date_meta: None | "local" | "utc" | "modified-only" (article:*_time meta); jsonld_dates: None |
            "local" | "utc"; jsonld_author: None | "person" | "publisher"
  title_tag: "{title} - Site" pattern of <title>; title_entities: None | "numeric" | "named" (the
            <title> and og:title written with character references); headline: ("h1"|"span"|"div",
            class); logo_h1: the site name in an <h1> before the article
  lead:     ("outside", open, close) | ("bold-first-p",) inside the body; lead_prefix: "always" |
            "never" | "alternate" (the site's prefix "(LĐTĐ)", "TTTĐ -", "HNP -", "(NLĐO)-")
  author:   "right-bold" (last line of the body) | "label" (a byline element "Tác giả: X" / "Theo X",
            author_label) | "top" (next to the date) | "none" (not visible); meta_author: "publisher"
  intext:   None | "heading-list" | "arrows" (in-text related links of the site's own stories,
            between paragraphs; intext_word: their heading)
  body:     "p" | "br" (text runs separated by <br><br>, no <p>)

Every page keeps the noise: header menu, a ticker of other stories with their stamps before the
article, the inline related box of `related_titles`, teaser boxes with other dates, sidebar, footer.
The true text (`ReplayArticle.expected()`) never changes; `Variant.hidden` names what a page does
not state.
"""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from html.entities import codepoint2name

from ..corpus import REFERENCE, slugify
from ..model import Figure, ReplayArticle, Subheading
from . import SITE_NAMES, SiteContext, a, footer, header, parse_iso, path_of, sidebar, t
from . import filler
from .epi import PIXEL, file_name, modified
from .hanoigov import _comment_block, _portlet_menu
from .restyle import dated_teasers, stamp, ticker

WEEKDAYS = ["Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ Nhật"]
PREFIX = {"laodongthudo": ("(LĐTĐ)", " "), "tuoitrethudo": ("TTTĐ", " - "), "hanoigov": ("HNP", " - "),
          "nld": ("(NLĐO)", "- "), "baolaocai": ("", ""), "laodong": ("", "")}
DESC_PREFIX = {"laodongthudo": "(LĐTĐ) ", "tuoitrethudo": "TTTĐ - "}     # [seen 2020] in meta description


# ------------------------------------------------------------------ dates
def now_of(ctx: SiteContext) -> datetime:
    """The moment the pages are drawn: REFERENCE, or later when newer stories were published."""
    newest = max((parse_iso(x.published_at) for x in ctx.articles if x.published_at), default=REFERENCE)
    return max(REFERENCE, newest + timedelta(minutes=20))


def relative(ctx: SiteContext, iso: str, older) -> str:
    """ "15 phút trước", "3 giờ trước", "hôm qua", "4 ngày trước"; older than a week: older(datetime)."""
    dt, now = parse_iso(iso), now_of(ctx)
    minutes = int((now - dt).total_seconds() // 60)
    if minutes < 60:
        return f"{max(1, minutes)} phút trước"
    if minutes < 24 * 60:
        return f"{minutes // 60} giờ trước"
    days = (now.date() - dt.date()).days
    if days == 1:
        return "hôm qua"
    if days < 7:
        return f"{days} ngày trước"
    return older(dt)


def utc(iso: str) -> str:
    return parse_iso(iso).astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def weekday(dt: datetime) -> str:
    return WEEKDAYS[dt.weekday()]


def modified_of(art: ReplayArticle) -> str:
    return modified(art.published_at)


# ------------------------------------------------------------------ text helpers
def entities(text: str, kind: str | None) -> str:
    """`text` escaped for HTML, non-ASCII written as character references ("numeric": &#7897;,
    "named": &agrave; where HTML has a name, else numeric)."""
    out = t(text).replace('"', "&quot;")
    if not kind:
        return out
    return "".join(c if ord(c) < 128 else (f"&{codepoint2name[ord(c)]};" if kind == "named" and ord(c) in codepoint2name
                                           else f"&#{ord(c)};") for c in out)


def lead_prefix(site: str, art: ReplayArticle, mode: str) -> str:
    """The site's lead prefix as shown ("" when the style or the article goes without)."""
    word, sep = PREFIX[site]
    if not word or mode == "never" or (mode == "alternate" and int(art.article_id[-1]) % 2):
        return ""
    return word + sep


# ------------------------------------------------------------------ per-site kits
def _mastercms_figure(f: Figure, art: ReplayArticle) -> str:
    alt = f.alt or art.title
    cap = f'<tr><td><p class="caption"><em>{t(f.caption)}</em></p></td></tr>' if f.caption else ""
    return ('<table class="MASTERCMS_TPL_TABLE" align="center"><tbody><tr><td>'
            f'<img class="__img_mastercms" src="{a(f.image_url)}" alt="{a(alt)}" title="{a(alt)}">'
            f"</td></tr>{cap}</tbody></table>\n")


def _epi_figure(f: Figure, art: ReplayArticle) -> str:
    fn = file_name(f.image_url)
    return (f'<figure class="image"><img src="{PIXEL}" data-src="{a(f.image_url)}" alt="{a(fn)}">'
            f"<figcaption>{t(f.caption or fn)}</figcaption></figure>\n")


def _hanoi_figure(f: Figure, art: ReplayArticle) -> str:
    cap = f'<p class="caption-news">{t(f.caption)}</p>' if f.caption else ""
    return f'<div class="image-news"><img src="{a(f.image_url)}" alt="{a(f.alt or art.title)}">{cap}</div>\n'


def _laodong_figure(f: Figure, art: ReplayArticle) -> str:
    cap = f"<figcaption><p>{t(f.caption)}</p></figcaption>" if f.caption else ""
    return f'<figure class="insert-center-image"><img src="{a(f.image_url)}" alt="{a(art.title)}">{cap}</figure>\n'


def _nld_figure(f: Figure, art: ReplayArticle) -> str:
    cap = f'<figcaption class="story__caption">{t(f.caption)}</figcaption>' if f.caption else ""
    return f'<figure class="story__figure"><img src="{a(f.image_url)}" loading="lazy" alt="">{cap}</figure>\n'


def _related_ul(ctx: SiteContext, art: ReplayArticle, cls: str, heading: str = "") -> str:
    lis = "".join(f'<li><a href="{a(ctx.link_for_title(rt, art, i))}">{t(rt)}</a></li>'
                  for i, rt in enumerate(art.related_titles))
    return f'<div class="{cls}">{heading}<ul>{lis}</ul></div>\n'


def _mastercms_after(ctx: SiteContext, art: ReplayArticle) -> str:
    other = {"laodongthudo": "Tin khác", "tuoitrethudo": "Đọc thêm"}[ctx.site]
    pre = DESC_PREFIX[ctx.site]
    return (f'<div class="box_related"><h3>Có thể bạn quan tâm</h3>{dated_teasers(ctx, art, 4, "related", "item", pre)}</div>\n'
            f'<div class="box_category"><h3>Nên xem</h3>{dated_teasers(ctx, art, 6, "category", "item", pre)}</div>\n'
            f'<div class="box_other"><h3>{other}</h3>{dated_teasers(ctx, art, 8, "other", "item", pre)}'
            f'<a class="view-more" href="{a(art.section_path)}">Xem thêm</a></div>\n')


def _epi_teaser(x: ReplayArticle) -> str:
    u = a(path_of(x.url))
    return (f'<div class="b-grid"><div class="b-grid__thumb"><a href="{u}"><img src="{PIXEL}" data-src="/images/thumb.jpg" '
            f'alt="{a(x.title)}"></a><span class="b-grid__title">{t(x.title)}</span></div><div class="b-grid__content">'
            f'<h3 class="b-grid__title"><a href="{u}">{t(x.title)}</a></h3><div class="b-grid__desc">{t(x.sapo)}</div>'
            f'<span class="b-grid__time">{stamp(x.published_at)}</span></div></div>\n')


def _epi_after(ctx: SiteContext, art: ReplayArticle) -> str:
    related = "".join(_epi_teaser(x) for x in ctx.others(art, 4, "related"))
    category = "".join(_epi_teaser(x) for x in ctx.others(art, 9, "category"))
    return (f'<div class="box-related"><h3>Có thể bạn quan tâm</h3>{related}</div>\n'
            f'<div class="box-category"><h3>Tin cùng chuyên mục</h3>{category}</div>\n')


def _hanoi_after(ctx: SiteContext, art: ReplayArticle) -> str:
    newer = "".join(f'<li><a href="{a(path_of(x.url))}">{t(x.title)}</a> <span>({stamp(x.published_at)})</span></li>'
                    for x in ctx.newest(6, art))
    older = "".join(f'<li><a href="{a(path_of(x.url))}">{t(x.title)}</a> <span>({stamp(x.published_at)})</span></li>'
                    for x in ctx.others(art, 6, "older"))
    return (f'<div class="other-news"><h3>Các bài mới đăng</h3><ul>{newer}</ul>'
            f"<h3>Các bài đã đăng :</h3><ul>{older}</ul></div>\n" + _comment_block())


def _laodong_after(ctx: SiteContext, art: ReplayArticle) -> str:
    items = "".join(f'<li><article class="article-mini"><h3><a href="{a(path_of(x.url))}">{t(x.title)}</a></h3>'
                    f'<span class="date">{stamp(x.published_at)}</span></article></li>' for x in ctx.others(art, 6, "same"))
    return f'<section class="box-same-section"><h3>Tin cùng chuyên mục</h3><ul>{items}</ul></section>\n'


def _nld_after(ctx: SiteContext, art: ReplayArticle) -> str:
    def card(x):
        return (f'<div class="card"><h3 class="card__title"><a href="{a(path_of(x.url))}">{t(x.title)}</a></h3>'
                f'<p class="card__sapo">{t(x.sapo)}</p><span class="card__time">{stamp(x.published_at)}</span></div>\n')
    return (f'<section class="stream stream--related"><h3 class="stream__title">Tin liên quan</h3>'
            f'{"".join(card(x) for x in ctx.others(art, 4, "related"))}</section>\n'
            f'<section class="stream"><h3 class="stream__title">Tin mới nhất</h3>'
            f'{"".join(card(x) for x in ctx.others(art, 8, "stream"))}</section>\n')


def _tags(site: str, art: ReplayArticle) -> str:
    if not art.tags:
        return ""
    if site in ("laodongthudo", "tuoitrethudo"):
        return '<div class="tags"><span>Tags:</span> ' + "".join(
            f'<a href="/tag/{slugify(x)}.tag">{t(x)}</a>' for x in art.tags) + "</div>\n"
    if site == "baolaocai":
        return '<div class="article__tag">' + "".join(
            f'<a href="/{slugify(x)}-tag{4194 if x == "Công đoàn Lào Cai" else 5000 + len(x)}.html">{t(x)}</a>'
            for x in art.tags) + "</div>\n"
    if site == "laodong":
        return '<div class="keywords"><span>Từ khóa:</span> ' + "".join(
            f'<a href="/tags/{slugify(x)}.ldo">{t(x)}</a>' for x in art.tags) + "</div>\n"
    if site == "nld":
        return '<ul class="story__tags">' + "".join(f'<li><a href="/{slugify(x)}.html">{t(x)}</a></li>'
                                                   for x in art.tags) + "</ul>\n"
    return ""


def _markers(ctx, art):
    dt = parse_iso(art.published_at)
    return f'<span class="format_date">{dt:%d/%m/%Y}</span> <span class="format_time">{dt:%H:%M}</span>'


def _epi_time(ctx, art):
    return f'<time class="time" datetime="{art.published_at}">{parse_iso(art.published_at):%d/%m/%Y %H:%M}</time>'


def _hanoi_time(ctx, art):
    return f'<span class="time-news">({parse_iso(art.published_at):%H:%M %d/%m/%Y})</span>'


def _laodong_time(ctx, art):
    return f'<span class="time"><time>{parse_iso(art.published_at):%d/%m/%Y %H:%M}</time></span>'


def _nld_time(ctx, art):
    return f'<span class="story__time">{parse_iso(art.published_at):%d/%m/%Y %H:%M}</span>'


KITS = {
    "laodongthudo": dict(
        date=_markers,
        family="mastercms", wrap=('<div class="container"><div class="main-left">\n', "</div>\n", "</div>\n"),
        crumbs="breadcrumbs", article=("", ""), headline=("h1", "title_detail"), date_cls="detail_info",
        lead=("outside", '<div class="sapo_detail">', "</div>"), lead_strong=True,
        body=('<div class="__MASTERCMS_CONTENT"><div id="__MB_MASTERCMS_EL_3">\n', "</div></div>\n"),
        para='<p style="text-align: justify;">', sub=("<p><strong>", "</strong></p>"), figure=_mastercms_figure,
        related=("first", "__MB_RELATED_INLINE"), author="right-bold", after=_mastercms_after, side=True,
        date_meta=None, jsonld=False, aa=True),
    "tuoitrethudo": dict(
        date=_markers,
        family="mastercms", wrap=('<div class="container"><div class="main-left">\n', "</div>\n", "</div>\n"),
        crumbs="breadcrumbs", article=("", ""), headline=("h1", "title_detail"), date_cls="detail_info",
        lead=("outside", '<div class="sapo_detail">', "</div>"), lead_strong=True, tag_top=True,
        body=('<div class="__MASTERCMS_CONTENT"><div id="__MB_MASTERCMS_EL_3">\n', "</div></div>\n"),
        para='<p style="text-align: justify;">', sub=("<p><strong>", "</strong></p>"), figure=_mastercms_figure,
        related=("first", "__MB_RELATED_INLINE"), author="right-bold", after=_mastercms_after, side=True,
        date_meta="local", jsonld=False, aa=True, cat_before_date=True),
    "baolaocai": dict(
        date=_epi_time,
        family="epi", wrap=('<div class="container"><main class="main">\n', "</main>\n", "</div>\n"),
        crumbs="breadcrumb", article=('<article class="article">\n', "</article>\n"),
        headline=("h1", "article__title"), date_cls="article__meta",
        lead=("outside", '<div class="article__sapo">', "</div>"), body=('<div class="article__body">\n', "</div>\n"),
        para="<p>", sub=("<h2>", "</h2>"), figure=_epi_figure, related=("first", "box-related-inline"),
        author="element", author_cls="article__author", after=_epi_after, side=True, date_meta="local",
        jsonld=True, share=True),
    "hanoigov": dict(
        date=_hanoi_time,
        family="liferay", wrap=('<div id="content" class="columns-2"><div class="column-2"><div class="portlet-body">\n',
                                "</div></div>\n", "</div>\n"),
        crumbs="breadcrumb", article=('<div class="journal-content-article">\n', "</div>\n"),
        headline=("h1", "title-news"), date_cls="news-meta", lead=("first-p",), lead_strong=True,
        body=('<div class="content-news">\n', "</div>\n"), para='<p style="text-align:justify">',
        sub=("<p><strong>", "</strong></p>"), figure=_hanoi_figure, related=None, author="right-bold",
        after=_hanoi_after, side=False, date_meta=None, jsonld=False, portlet=True, date_in_title=True),
    "laodong": dict(
        date=_laodong_time,
        family="ldo", wrap=('<div class="container"><div class="row"><main class="col-main">\n', "</main>\n", "</div></div>\n"),
        crumbs="breadcrumb", article=('<article class="article-detail">\n', "</article>\n"),
        headline=("h1", "title"), date_cls="article-meta", lead=("outside", '<div class="chappeau"><p>', "</p></div>"),
        body=('<div class="article-content">\n', "</div>\n"), para="<p>", sub=("<p><strong>", "</strong></p>"),
        figure=_laodong_figure, related=("after-1", "box-related-in-content", "<h4>Tin liên quan</h4>"),
        author="top", author_cls="author", after=_laodong_after, side=True, date_meta=None, jsonld=False,
        title_suffix=" | Báo Lao Động"),
    "nld": dict(
        date=_nld_time,
        family="nld", wrap=('<div class="page-detail"><div class="layout">\n<div class="layout__main">\n', "</div>\n",
                            "</div></div>\n"),
        crumbs="crumbs", article=('<article class="story">\n', "</article>\n"), headline=("h1", "story__headline"),
        date_cls="story__meta", lead=("outside", '<h2 class="story__lead">', "</h2>"),
        body=('<div class="story__body" itemprop="articleBody">\n', "</div>\n"), para="<p>", sub=("<h3>", "</h3>"),
        figure=_nld_figure, related=("after-2p", "story__inline-related", "<span>Xem thêm:</span>"),
        author="element", author_cls="story__author", after=_nld_after, side=True, date_meta="local", jsonld=True,
        lead_prefix="never",
        title_suffix=" - Báo Người Lao Động"),
}


# ------------------------------------------------------------------ the page
def _head(ctx: SiteContext, art: ReplayArticle, kit: dict, style: dict) -> str:
    site = ctx.site
    title_tag = style.get("title_tag", "{title}" + kit.get("title_suffix", "")).format(title=art.title)
    ent = style.get("title_entities")
    meta = [f'<meta name="description" content="{a(DESC_PREFIX.get(site, "") + art.sapo)}">',
            f'<meta name="keywords" content="{a(", ".join(art.tags))}">',
            f'<meta property="og:url" content="{a(art.url)}">',
            f'<meta property="og:title" content="{entities(art.title, ent)}">',
            f'<meta property="og:description" content="{a(art.sapo)}">']
    if art.image_url:
        meta.append(f'<meta property="og:image" content="{a(art.image_url)}">')
    meta += ['<meta property="og:type" content="article">',
             f'<meta property="og:site_name" content="{a(SITE_NAMES[site])}">']
    if style.get("meta_author") == "publisher":
        meta.append(f'<meta name="author" content="{a(SITE_NAMES[site])}">')
    date_meta = style.get("date_meta", kit["date_meta"])
    if art.published_at and date_meta:
        pub = utc(art.published_at) if date_meta == "utc" else art.published_at
        mod = utc(modified_of(art)) if date_meta == "utc" else modified_of(art)
        if date_meta != "modified-only":
            meta.append(f'<meta property="article:published_time" content="{pub}">')
        if date_meta == "modified-only" or site == "baolaocai":
            meta.append(f'<meta property="article:modified_time" content="{mod}">')
    jsonld = ""
    if style.get("jsonld", kit["jsonld"]):
        ld = {"@context": "https://schema.org", "@type": "NewsArticle", "headline": art.title,
              "description": art.sapo, "mainEntityOfPage": {"@type": "WebPage", "@id": art.url}}
        if art.image_url:
            ld["image"] = [art.image_url]
        dates = style.get("jsonld_dates", "local")
        if art.published_at and dates:
            ld["datePublished"] = utc(art.published_at) if dates == "utc" else art.published_at
            ld["dateModified"] = utc(modified_of(art)) if dates == "utc" else modified_of(art)
        who = style.get("jsonld_author", "person")
        if who == "person" and art.author:
            ld["author"] = {"@type": "Person", "name": art.author}
        elif who == "publisher":
            ld["author"] = {"@type": "Organization", "name": SITE_NAMES[site]}
        ld["publisher"] = {"@type": "Organization", "name": SITE_NAMES[site]}
        jsonld = ('<script type="application/ld+json">' + json.dumps(ld, ensure_ascii=False).replace("</", "<\\/")
                  + "</script>\n")
    return ('<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8">\n'
            f"<title>{entities(title_tag, ent)}</title>\n"
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f'<link rel="canonical" href="{a(art.url)}">\n' + "\n".join(meta) + "\n" + jsonld +
            '<link rel="icon" href="/favicon.ico">\n' + filler(style.get("family", kit["family"] + "-f")) + "\n</head>\n")


def _body_blocks(ctx: SiteContext, art: ReplayArticle, kit: dict, style: dict, lead_html: str) -> list[str]:
    """The body's children: lead (when inside), the inline related box, blocks, in-text related links."""
    out = []
    if lead_html:
        out.append(lead_html)
    related = kit.get("related")
    if art.related_titles and related and related[0] == "first":
        out.append(_related_ul(ctx, art, related[1]))
    br = style.get("body") == "br"
    intext = style.get("intext")
    n_par = sum(isinstance(b, str) for b in art.blocks)
    at = 2 if n_par >= 4 else 1                      # in-text related links after this many paragraphs
    paragraphs = 0
    for i, b in enumerate(art.blocks):
        if related and related[0] == "after-1" and i == 1 and art.related_titles:
            out.append(_related_ul(ctx, art, related[1], related[2]))
        if isinstance(b, Figure):
            out.append(kit["figure"](b, art))
        elif isinstance(b, Subheading):
            out.append(f"<b>{t(b.text)}</b><br><br>\n" if br else f"{kit['sub'][0]}{t(b.text)}{kit['sub'][1]}\n")
        else:
            out.append(f"{t(b)}<br><br>\n" if br else f"{kit['para']}{t(b)}</p>\n")
            paragraphs += 1
            if related and related[0] == "after-2p" and paragraphs == 2 and art.related_titles:
                out.append(_related_ul(ctx, art, related[1], related[2]))
            if intext and paragraphs == at:
                out.append(_intext(ctx, art, style))
    return out


def _intext(ctx: SiteContext, art: ReplayArticle, style: dict) -> str:
    """Links to the site's own stories inside the text: under a heading, or as "» headline" lines."""
    picks = ctx.others(art, 3, "intext")
    if style["intext"] == "arrows":
        if style.get("body") == "br":
            return "".join(f'» <a href="{a(path_of(x.url))}">{t(x.title)}</a><br><br>\n' for x in picks[:2])
        return "".join(f'<p>» <a href="{a(path_of(x.url))}">{t(x.title)}</a></p>\n' for x in picks[:2])
    word = style.get("intext_word", "Tin liên quan")
    if style.get("body") == "br":
        return (f"<b>{t(word)}:</b><br>\n" + "<br>\n".join(f'<a href="{a(path_of(x.url))}">{t(x.title)}</a>'
                                                          for x in picks) + "<br><br>\n")
    lis = "".join(f'<li><a href="{a(path_of(x.url))}">{t(x.title)}</a></li>' for x in picks)
    return f"<p><strong>{t(word)}</strong></p>\n<ul>{lis}</ul>\n"


def article_page(ctx: SiteContext, art: ReplayArticle, style: dict) -> str:
    site, kit = ctx.site, KITS[ctx.site]
    p = [_head(ctx, art, kit, style), "<body>\n", header(site), ticker(ctx, art)]
    if style.get("logo_h1"):
        p.append(f'<div class="brand"><h1 class="brand__logo"><a href="/">{t(SITE_NAMES[site])}</a></h1></div>\n')
    p.append(kit["wrap"][0])
    if kit.get("portlet"):
        p.append(_portlet_menu(ctx))
    if kit.get("share"):
        p.append('<div class="social"><a href="https://facebook.com/baolaocai">fb</a> <a href="https://youtube.com/baolaocai">yt</a> '
                 '<a href="https://zalo.me/baolaocai">zl</a> <a href="https://twitter.com/baolaocai">tw</a></div>\n')
    p.append(f'<div class="{kit["crumbs"]}"><a href="/">Trang chủ</a><a href="{a(art.section_path)}">{t(art.section)}</a></div>\n')
    p.append(kit["article"][0])
    if kit.get("tag_top"):
        p.append('<div class="tag-top">Tag</div>\n')
    tag, cls = style.get("headline", kit["headline"])
    date_html = style.get("date", kit["date"])(ctx, art) if art.published_at else ""
    author_mode = style.get("author", kit["author"])
    top_author = (f'<span class="{kit.get("author_cls", "author")}"><a href="/tac-gia/{slugify(art.author)}">'
                  f"{t(art.author)}</a></span> ") if art.author and author_mode == "top" else ""
    if kit.get("date_in_title") and style.get("date_in_title", True):
        p.append(f'<{tag} class="{cls}">{t(art.title)} {date_html}</{tag}>\n')
        date_html = ""
    else:
        p.append(f'<{tag} class="{cls}">{t(art.title)}</{tag}>\n')
    cat = (f'<a class="cat" href="{a(art.section_path)}">{t(art.section)}</a> ' if kit.get("cat_before_date") else "")
    aa = '<span class="font_size">aa</span>' if kit.get("aa") else ""
    share = '<span class="share"><a href="#fb">Chia sẻ</a></span>' if site == "laodong" else ""
    if cat or date_html or aa or top_author or share:
        p.append(f'<div class="{kit["date_cls"]}">{top_author}{cat}{date_html}{aa}{share}</div>\n')
    lead = style.get("lead", kit["lead"])
    prefix = lead_prefix(site, art, style.get("lead_prefix", kit.get("lead_prefix", "always")))
    if prefix and kit.get("lead_strong") and style.get("lead_strong", True) and lead[0] == "outside":
        shown = f"<strong>{t(prefix.rstrip(' -').rstrip())}</strong>{t(prefix[len(prefix.rstrip(' -').rstrip()):])}{t(art.sapo)}"
    else:
        shown = t(prefix + art.sapo)
    inner_lead = ""
    if lead[0] == "outside":
        p.append(f"{lead[1]}{shown}{lead[2]}\n")
    elif lead[0] == "first-p":          # hanoi.gov.vn's regular lead: the prefix in bold, first in the body
        inner_lead = f"<p><strong>{t(prefix)}</strong>{t(art.sapo)}</p>\n" if prefix else f"<p>{t(art.sapo)}</p>\n"
    else:                               # a bold first paragraph
        inner_lead = f"<p><strong>{t(prefix + art.sapo)}</strong></p>\n"
    p.append(style.get("body_wrap", kit["body"])[0])
    p += _body_blocks(ctx, art, kit, style, inner_lead)
    if art.author and author_mode == "right-bold":
        label = style.get("author_label", "")
        align = style.get("right_markup", '<p style="text-align: right;"><strong>{}</strong></p>')
        p.append(align.format(t(label + art.author)) + "\n")
    p.append(style.get("body_wrap", kit["body"])[1])
    if art.author and author_mode in ("element", "label"):
        label = style.get("author_label", "") if author_mode == "label" else ""
        cls_ = style.get("author_cls", kit.get("author_cls", "author"))
        p.append(f'<div class="{cls_}">{t(label)}<strong>{t(art.author)}</strong></div>\n')
    p.append(_tags(site, art))
    p.append(kit["article"][1])
    p.append(kit["after"](ctx, art))
    p.append(kit["wrap"][1])
    if kit["side"]:
        p.append(sidebar(ctx, art))
    p.append(kit["wrap"][2])
    p.append(footer(site))
    p.append("</body></html>")
    return "".join(p)


# ------------------------------------------------------------------ date builders (style["date"])
def date_abbr_timeago(older):
    """<abbr class="timeago" title="ISO">10 giờ trước</abbr> (older than a week: older(dt) shown)."""
    def build(ctx, art):
        return (f'<abbr class="timeago" title="{art.published_at}">{relative(ctx, art.published_at, older)}</abbr>')
    return build


def date_title_attr(cls: str, older):
    """<span class=cls title="20/11/2026 08:15">10 giờ trước</span>."""
    def build(ctx, art):
        dt = parse_iso(art.published_at)
        return f'<span class="{cls}" title="{dt:%d/%m/%Y %H:%M}">{relative(ctx, art.published_at, older)}</span>'
    return build


def date_modified_then_data(ctx, art):
    """The modified date printed first, then the published stamp whose exact time is in data-published."""
    dt, md = parse_iso(art.published_at), parse_iso(modified_of(art))
    return (f'<span class="detail-update">Cập nhật: {md:%d-%m-%Y %H:%M}</span> '
            f'<span class="detail-time" data-published="{dt:%Y-%m-%d %H:%M:%S}">'
            f'{relative(ctx, art.published_at, lambda d: f"{d:%d-%m-%Y}")}</span>')


def date_time_utc_bracket(ctx, art):
    """hanoi.gov.vn after a change: <time datetime="…Z">(3 giờ trước)</time> after the headline."""
    return (f'<time class="time-news" datetime="{utc(art.published_at)}">'
            f'({relative(ctx, art.published_at, lambda d: f"{d:%d/%m/%Y}")})</time>')


def date_time_attr(cls: str, older):
    """<time class=cls datetime="ISO">15 phút trước</time>."""
    def build(ctx, art):
        return f'<time class="{cls}" datetime="{art.published_at}">{relative(ctx, art.published_at, older)}</time>'
    return build


def date_relative_and_modified(ctx, art):
    """A relative stamp whose data-time holds the local time, and beside it the printed modified time
    (meta and JSON-LD state the times in UTC)."""
    dt, md = parse_iso(art.published_at), parse_iso(modified_of(art))
    return (f'<span class="story__time" data-time="{dt:%Y-%m-%d %H:%M}">'
            f'{relative(ctx, art.published_at, lambda d: f"{d:%d/%m/%Y}")}</span> '
            f'<span class="story__updated">Cập nhật {md:%d/%m/%Y %H:%M}</span>')


def date_visible(cls: str, form: str):
    """A visible stamp only, in one of the forms Vietnamese sites print."""
    def build(ctx, art):
        dt = parse_iso(art.published_at)
        text = {
            "weekday-dash": f"{weekday(dt)}, {dt:%d/%m/%Y - %H:%M}",
            "dots": f"{dt:%d.%m.%Y %H:%M}",
            "dashes": f"{dt:%d-%m-%Y %H:%M}",
            "time-first-brackets": f"({dt:%H:%M %d/%m/%Y})",
            "weekday-gmt": f"{weekday(dt)}, {dt:%d/%m/%Y %H:%M} (GMT+7)",
            "h-ngay": f"{dt:%H}h{dt:%M} ngày {dt:%d/%m/%Y}",
            "pipe": f"{dt:%H:%M} | {dt:%d/%m/%Y}",
            "words": f"{dt:%H:%M}, ngày {dt.day} tháng {dt.month} năm {dt.year}",
        }[form]
        return f'<span class="{cls}">{text}</span>'
    return build


def older_pipe(dt):
    return f"{dt:%H:%M} | {dt:%d/%m/%Y}"


def older_words(dt):
    return f"ngày {dt.day} tháng {dt.month} năm {dt.year}"


def older_date(dt):
    return f"{dt:%d/%m/%Y}"
