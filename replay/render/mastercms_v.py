"""MasterCMS article pages (laodongthudo.vn, tuoitrethudo.vn) in the layouts of replay/variants.py.

What every style keeps, because shared/sites.md marks it [seen]: the URL, og:title and
`meta name=description` carrying "(LĐTĐ) "/"TTTĐ - " + the lead, the lead prefix shown on the page,
the shown date forms ("26/01/2021 11:00"; tuoitrethudo "<Category> 16/02/2025 14:16"), the noise
of the seeds (inline related titles after the lead, the title as image alt before each caption,
"aa" and "Tag" at the top, the "Có thể bạn quan tâm"/"Nên xem"/"Tin khác"/"Đọc thêm"/"Xem thêm"
boxes, "Phiên bản di động"). What a style changes is [family] or [unknown]: wrappers, class names,
where the date and the lead sit, the image table, the author line, date meta.

A style is a dict:
  wrap (open, close)            page column around the article
  crumbs                        class of the breadcrumb div
  title                         opening tag of the headline, e.g. '<h1 class="article-title">'
  date                          "markers": span.format_date + span.format_time in `date_box`;
                                "stamp": one "DD/MM/YYYY HH:MM" span (class `date_box`'s child)
  date_box                      (open, close) around the date (tuoitrethudo puts the category first)
  lead                          (open, close) of the lead block; lead_strong: prefix in <strong>
  body                          (open, close) of the body; related: class of the inline related box
  figure                        "table" (MASTERCMS_TPL_TABLE) | "figure"
  author                        "right-bold" | a class name for <p class=...>
  tags                          class of the tags block (".tags a" [seen 2020] unless redesigned)
  pubmeta                       tuoitrethudo's article:published_time meta kept
  box                           class prefix of the teaser boxes; item: teaser item class
"""
from __future__ import annotations

from ..corpus import slugify
from ..model import Figure, ReplayArticle, Subheading
from . import SITE_NAMES, SiteContext, a, footer, head, header, og, sidebar, t, vn_date, vn_time
from .mastercms import CONF
from .restyle import dated_teasers, seed_teasers, stamp, ticker


def _figure(f: Figure, title: str, style: dict) -> str:
    alt = f.alt or title
    if style["figure"] == "table":
        cap = f'<tr><td><p class="caption"><em>{t(f.caption)}</em></p></td></tr>' if f.caption else ""
        return ('<table class="MASTERCMS_TPL_TABLE" align="center"><tbody><tr><td>'
                f'<img class="__img_mastercms" src="{a(f.image_url)}" alt="{a(alt)}" title="{a(alt)}">'
                f"</td></tr>{cap}</tbody></table>\n")
    cap = f"<figcaption>{t(f.caption)}</figcaption>" if f.caption else ""
    return f'<figure class="image align-center"><img src="{a(f.image_url)}" alt="{a(alt)}" title="{a(alt)}">{cap}</figure>\n'


def _date(site: str, art: ReplayArticle, style: dict) -> str:
    cat = f'<a class="cat" href="{a(art.section_path)}">{t(art.section)}</a> ' if site == "tuoitrethudo" else ""
    open_, close = style["date_box"]
    if not art.published_at:
        return f'{open_}{cat}<span class="font_size">aa</span>{close}\n'
    if style["date"] == "markers":
        when = (f'<span class="format_date">{vn_date(art.published_at)}</span> '
                f'<span class="format_time">{vn_time(art.published_at)}</span>')
    else:
        when = f'<span class="{style.get("stamp_cls", "date-time")}">{stamp(art.published_at)}</span>'
    return f'{open_}{cat}{when}<span class="font_size">aa</span>{close}\n'


def article_page(ctx: SiteContext, art: ReplayArticle, style: dict) -> str:
    site, c = ctx.site, CONF[ctx.site]
    meta = [f'<meta name="description" content="{a(c["desc"] + art.sapo)}">',
            f'<meta name="keywords" content="{a(", ".join(art.tags))}">']
    if style.get("pubmeta") and c["pubmeta"] and art.published_at:
        meta.append(f'<meta property="article:published_time" content="{art.published_at}">')
    extra = "\n".join(meta) + "\n" + og(art.url, art.title, art.sapo, art.image_url, site_name=SITE_NAMES[site])
    p = [head(art.title, art.url, extra, family=style["family"]), "<body>\n", header(site), ticker(ctx, art),
         style["wrap"][0],
         f'<div class="{style["crumbs"]}"><a href="/">Trang chủ</a><a href="{a(art.section_path)}">{t(art.section)}</a></div>\n']
    if c["tag_top"]:
        p.append('<div class="tag-line">Tag</div>\n')
    if style.get("date_first"):
        p.append(_date(site, art, style))
    p.append(f'{style["title"]}{t(art.title)}</{style["title"][1:3]}>\n')
    if not style.get("date_first"):
        p.append(_date(site, art, style))
    prefix = f'<strong>{t(c["strong"])}</strong>' if style.get("lead_strong", True) else t(c["strong"])
    p.append(f'{style["lead"][0]}{prefix}{c["sep"]}{t(art.sapo)}{style["lead"][1]}\n')
    p.append(style["body"][0] + "\n")
    if art.related_titles:
        lis = "".join(f'<li><a href="{a(ctx.link_for_title(rt, art, i))}">{t(rt)}</a></li>'
                      for i, rt in enumerate(art.related_titles))
        p.append(f'<div class="{style["related"]}"><ul>{lis}</ul></div>\n')
    for b in art.blocks:
        if isinstance(b, Figure):
            p.append(_figure(b, art.title, style))
        elif isinstance(b, Subheading):
            p.append(f"<p><strong>{t(b.text)}</strong></p>\n")
        else:
            p.append(f'<p style="text-align: justify;">{t(b)}</p>\n')
    if art.author and style["author"] == "right-bold":
        p.append(f'<p style="text-align: right;"><strong>{t(art.author)}</strong></p>\n')
    p.append(style["body"][1] + "\n")
    if art.author and style["author"] != "right-bold":
        p.append(f'<p class="{style["author"]}">{t(art.author)}</p>\n')
    if art.tags:
        tags = "".join(f'<a href="/tag/{slugify(tg)}.tag">{t(tg)}</a>' for tg in art.tags)
        p.append(f'<div class="{style["tags"]}"><span>Tags:</span> {tags}</div>\n')
    box, item = style["box"], style["item"]
    if art.seed:
        related, category, other = "", "", seed_teasers(ctx, art, item)
    else:
        related = dated_teasers(ctx, art, 4, "related", item, c["desc"])
        category = dated_teasers(ctx, art, 6, "category", item, c["desc"])
        other = dated_teasers(ctx, art, 8, "other", item, c["desc"])
    p.append(f'<section class="{box}"><h3>Có thể bạn quan tâm</h3>{related}</section>\n')
    p.append(f'<section class="{box}"><h3>Nên xem</h3>{category}</section>\n')
    p.append(f'<section class="{box}"><h3>{c["other"]}</h3>{other}'
             f'<a class="{box}__more" href="{a(art.section_path)}">Xem thêm</a></section>\n')
    p.append(style["wrap"][1])
    p.append(sidebar(ctx, art))
    p.append(footer(site))
    p.append("</body></html>")
    return "".join(p)
