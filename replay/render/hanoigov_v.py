"""hanoi.gov.vn article pages in the layouts of replay/variants.py.

Kept in every style ([seen]): the URL, the date given in brackets after the title
"(17:54 11/06/2019)", the lead prefix "HNP - ", the noise "Các bài mới đăng", "Các bài đã đăng :",
"Bài viết Xem" and the comment form. Changed ([unknown]): the wrappers and class names, whether
the bracketed date sits inside the headline element or right after it, the lead block.

A style is a dict:
  wrap (open, close), crumbs, article (open, close), title (opening tag of the headline)
  date_in_title: the "(HH:MM DD/MM/YYYY)" span inside the headline (else right after it)
  date_cls: class of that span
  lead: "first-p" (<p><strong>HNP - </strong>…</p> first in the body) | a class for a <div> before it
  body (open, close); image: class of the image div; caption: class of the caption <p>
"""
from __future__ import annotations

from ..model import Figure, ReplayArticle, Subheading
from . import SiteContext, a, footer, head, header, og, parse_iso, path_of, t
from .hanoigov import _comment_block, _portlet_menu
from .restyle import stamp, ticker


def article_page(ctx: SiteContext, art: ReplayArticle, style: dict) -> str:
    extra = f'<meta name="description" content="{a(art.sapo)}">\n' + og(art.url, art.title, None, None, type_="")
    p = [head(art.title, art.url, extra, family=style["family"]), "<body>\n", header(ctx.site), ticker(ctx, art),
         style["wrap"][0], _portlet_menu(ctx),
         f'<div class="{style["crumbs"]}"><a href="/">Trang chủ</a><a href="/tintuc_sukien">Tin tức - Sự kiện</a>'
         f'<a href="{a(art.section_path)}">{t(art.section)}</a></div>\n', style["article"][0] + "\n"]
    span = ""
    if art.published_at:
        span = f'<span class="{style["date_cls"]}">({parse_iso(art.published_at):%H:%M %d/%m/%Y})</span>'
    close = f'</{style["title"][1:3]}>'
    if style["date_in_title"]:
        p.append(f'{style["title"]}{t(art.title)} {span}{close}\n')
    else:
        p.append(f'{style["title"]}{t(art.title)}{close}\n{span}\n')
    if style["lead"] != "first-p":
        p.append(f'<div class="{style["lead"]}"><b>HNP - </b>{t(art.sapo)}</div>\n')
    p.append(style["body"][0] + "\n")
    if style["lead"] == "first-p":
        p.append(f"<p><strong>HNP - </strong>{t(art.sapo)}</p>\n")
    for b in art.blocks:
        if isinstance(b, Figure):
            cap = f'<p class="{style["caption"]}">{t(b.caption)}</p>' if b.caption else ""
            p.append(f'<div class="{style["image"]}"><img src="{a(b.image_url)}" alt="{a(b.alt or art.title)}">{cap}</div>\n')
        elif isinstance(b, Subheading):
            p.append(f"<p><strong>{t(b.text)}</strong></p>\n")
        else:
            p.append(f'<p style="text-align:justify">{t(b)}</p>\n')
    if art.author:
        p.append(f'<p style="text-align:right"><strong>{t(art.author)}</strong></p>\n')
    p.append(style["body"][1] + "\n" + style["article"][1] + "\n")
    newer = "".join(f'<li><a href="{a(path_of(x.url))}">{t(x.title)}</a> <span>({stamp(x.published_at)})</span></li>'
                    for x in ctx.newest(6, art))
    older = "".join(f'<li><a href="{a(path_of(x.url))}">{t(x.title)}</a> <span>({stamp(x.published_at)})</span></li>'
                    for x in ctx.others(art, 6, "older"))
    p.append(f'<div class="{style.get("others", "news-others")}"><h3>Các bài mới đăng</h3><ul>{newer}</ul>'
             f"<h3>Các bài đã đăng :</h3><ul>{older}</ul></div>\n")
    p.append(_comment_block())
    p.append(style["wrap"][1])
    p.append(footer(ctx.site))
    p.append("</body></html>")
    return "".join(p)
