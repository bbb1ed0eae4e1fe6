"""EPI CMS article pages (baolaocai.vn) in the layouts of replay/variants.py.

Kept in every style ([seen] in shared/sites.md or the seed): the URL, the lazy images whose file
name stands as the caption when there is none ("IMG_7729.JPG"), the "fb yt zl tw" icons, the
"Có thể bạn quan tâm" and "Tin cùng chuyên mục" teasers (each title twice), the tag "Công đoàn Lào
Cai". Changed ([family] on the sister sites): class names and wrappers, where the lead sits, the
image markup, the author line, and the date meta (`article:published_time`, JSON-LD dates).

A style is a dict:
  wrap (open, close), crumbs, article (open, close), title (opening tag)
  date_box (open, close); time_tag: "time" (a <time> without datetime) | "span"
  date_meta: article:published_time/modified_time kept; jsonld: "full" | "no-dates" | None
  lead (open, close); body (open, close); related: inline related box class
  figure: "figure" | "table"; author: class of the author <div>; tags: class of the tags block
  box: class of the teaser boxes
"""
from __future__ import annotations

import json

from ..corpus import slugify
from ..model import Figure, ReplayArticle, Subheading
from . import SITE_NAMES, SiteContext, a, footer, head, header, og, path_of, sidebar, t
from .epi import PIXEL, file_name, modified
from .restyle import stamp, ticker


def _figure(f: Figure, style: dict) -> str:
    fn = file_name(f.image_url)
    cap = f.caption or fn
    if style["figure"] == "table":
        return (f'<table class="picture" align="center"><tbody><tr><td><img src="{PIXEL}" data-src="{a(f.image_url)}" '
                f'alt="{a(fn)}"></td></tr><tr><td class="pCaption caption">{t(cap)}</td></tr></tbody></table>\n')
    return (f'<figure class="photo"><img class="lazyload" src="{PIXEL}" data-src="{a(f.image_url)}" alt="{a(fn)}">'
            f"<figcaption>{t(cap)}</figcaption></figure>\n")


def _teaser(x: ReplayArticle, cls: str) -> str:
    u = a(path_of(x.url))
    return (f'<div class="{cls}"><a class="{cls}__thumb" href="{u}"><img src="{PIXEL}" data-src="/images/thumb.jpg" '
            f'alt="{a(x.title)}"></a><span class="{cls}__alt">{t(x.title)}</span><h3 class="{cls}__title">'
            f'<a href="{u}">{t(x.title)}</a></h3><p class="{cls}__desc">{t(x.sapo)}</p>'
            f'<span class="{cls}__time">{stamp(x.published_at)}</span></div>\n')


def _jsonld(art: ReplayArticle, with_dates: bool) -> str:
    ld = {"@context": "https://schema.org", "@type": "NewsArticle", "headline": art.title,
          "description": art.sapo, "mainEntityOfPage": {"@type": "WebPage", "@id": art.url}}
    if art.image_url:
        ld["image"] = [art.image_url]
    if with_dates and art.published_at:
        ld["datePublished"] = art.published_at
        ld["dateModified"] = modified(art.published_at)
    if art.author:
        ld["author"] = {"@type": "Person", "name": art.author}
    ld["publisher"] = {"@type": "Organization", "name": SITE_NAMES["baolaocai"]}
    text = json.dumps(ld, ensure_ascii=False).replace("</", "<\\/")
    return f'<script type="application/ld+json">{text}</script>\n'


def article_page(ctx: SiteContext, art: ReplayArticle, style: dict) -> str:
    site = ctx.site
    meta = [f'<meta name="description" content="{a(art.sapo)}">',
            f'<meta name="keywords" content="{a(", ".join(art.tags))}">']
    if style.get("date_meta") and art.published_at:
        meta.append(f'<meta property="article:published_time" content="{art.published_at}">')
        meta.append(f'<meta property="article:modified_time" content="{modified(art.published_at)}">')
    extra = "\n".join(meta) + "\n" + og(art.url, art.title, art.sapo, art.image_url, site_name=SITE_NAMES[site])
    if style.get("jsonld"):
        extra += _jsonld(art, style["jsonld"] == "full")
    p = [head(art.title, art.url, extra, family=style["family"]), "<body>\n", header(site), ticker(ctx, art),
         style["wrap"][0],
         '<div class="share-bar"><a href="https://facebook.com/baolaocai">fb</a> <a href="https://youtube.com/baolaocai">yt</a> '
         '<a href="https://zalo.me/baolaocai">zl</a> <a href="https://twitter.com/baolaocai">tw</a></div>\n',
         f'<div class="{style["crumbs"]}"><a href="/">Trang chủ</a><a href="{a(art.section_path)}">{t(art.section)}</a></div>\n',
         style["article"][0] + "\n", f'{style["title"]}{t(art.title)}</{style["title"][1:3]}>\n']
    when = ""
    if art.published_at:
        tag = style.get("time_tag", "span")
        when = f'<{tag} class="{style.get("time_cls", "time")}">{stamp(art.published_at)}</{tag}>'
    author_top = (f'<span class="{style["author"]}">{t(art.author)}</span> '
                  if art.author and style.get("author_top") else "")
    p.append(f'{style["date_box"][0]}{author_top}{when}{style["date_box"][1]}\n')
    p.append(f'{style["lead"][0]}{t(art.sapo)}{style["lead"][1]}\n')
    p.append(style["body"][0] + "\n")
    if art.related_titles:
        lis = "".join(f'<li><a href="{a(ctx.link_for_title(rt, art, i))}">{t(rt)}</a></li>'
                      for i, rt in enumerate(art.related_titles))
        p.append(f'<div class="{style["related"]}"><ul>{lis}</ul></div>\n')
    for b in art.blocks:
        if isinstance(b, Figure):
            p.append(_figure(b, style))
        elif isinstance(b, Subheading):
            p.append(f"<h2>{t(b.text)}</h2>\n")
        else:
            p.append(f"<p>{t(b)}</p>\n")
    p.append(style["body"][1] + "\n")
    if art.author and not style.get("author_top"):
        p.append(f'<div class="{style["author"]}">{t(art.author)}</div>\n')
    if art.tags:
        tags = "".join(f'<a href="/{slugify(tg)}-tag{4194 if tg == "Công đoàn Lào Cai" else 5000 + len(tg)}.html">'
                       f"{t(tg)}</a>" for tg in art.tags)
        p.append(f'<div class="{style["tags"]}">{tags}</div>\n')
    p.append(style["article"][1] + "\n")
    box = style["box"]
    if art.seed:
        related = ""
        category = "".join(f'<div class="{box}-item"><h3><a href="{a(ctx.link_for_title(tz["title"], art, i))}">'
                           f'{t(tz.get("alt") or tz["title"])}</a></h3><h3><a href="{a(ctx.link_for_title(tz["title"], art, i))}">'
                           f'{t(tz["title"])}</a></h3><p>{t(tz["lead"])}</p></div>\n' for i, tz in enumerate(art.teasers))
    else:
        related = "".join(_teaser(x, f"{box}-item") for x in ctx.others(art, 4, "related"))
        category = "".join(_teaser(x, f"{box}-item") for x in ctx.others(art, 9, "category"))
    p.append(f'<section class="{box}"><h3>Có thể bạn quan tâm</h3>{related}</section>\n')
    p.append(f'<section class="{box}"><h3>Tin cùng chuyên mục</h3>{category}</section>\n')
    p.append(style["wrap"][1])
    p.append(sidebar(ctx, art))
    p.append(footer(site))
    p.append("</body></html>")
    return "".join(p)
