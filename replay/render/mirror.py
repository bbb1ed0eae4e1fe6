"""The mirror host tinbong247news.net (WordPress-like): a copy of a laodongthudo article under the
same slug and numeric id, with the "--> -->" artefact, no "(LĐTĐ)" prefix, no date, its own
teasers, and a canonical pointing at itself. Markup contract: replay/MARKUP.md, section "Mirror".
"""
from __future__ import annotations

from ..model import Figure, ReplayArticle, Subheading
from . import a, footer, head, og, path_of, t

HOST = "tinbong247news.net"


def mirror_url(original: ReplayArticle) -> str:
    return f"https://{HOST}{path_of(original.url)}"


def _wp_header() -> str:
    cats = ["Thời sự", "Xã hội", "Kinh tế", "Pháp luật", "Thể thao", "Giải trí", "Công nghệ", "Đời sống"]
    lis = "".join(f'<li class="menu-item"><a href="/category/{i}">{t(c)}</a></li>' for i, c in enumerate(cats))
    return (f'<header class="header site-header"><div class="site-title"><a href="/">Tin Bóng 247 News</a></div>'
            f'<nav class="menu main-navigation"><ul>{lis}</ul></nav></header>\n')


def article_page(original: ReplayArticle) -> str:
    url = mirror_url(original)
    extra = (f'<meta name="description" content="{a(original.sapo)}">\n'
             + og(url, original.title, original.sapo, original.image_url, site_name="Tin Bóng 247 News")
             + '<meta name="generator" content="WordPress 6.4.2">\n')
    p = [head(original.title, url, extra, family="wp"), '<body class="post-template-default single">\n',
         _wp_header(), '<div class="td-header-wrap">--&gt; --&gt;</div>\n',
         '<div id="primary" class="content-area"><article class="post type-post">\n',
         f'<h1 class="entry-title">{t(original.title)}</h1>\n',
         '<div class="entry-content">\n', f"<p><strong>{t(original.sapo)}</strong></p>\n"]
    if original.related_titles:
        p.append('<div class="related-inline">' + " ".join(
            f'<a href="#">{t(x)}</a>' for x in original.related_titles) + "</div>\n")
    for b in original.blocks:
        if isinstance(b, Figure):
            cap = f"<figcaption>{t(b.caption)}</figcaption>" if b.caption else ""
            p.append(f'<figure class="wp-block-image"><img src="{a(b.image_url)}" alt="{a(b.alt or original.title)}">'
                     f"{cap}</figure>\n")
        elif isinstance(b, Subheading):
            p.append(f"<h3>{t(b.text)}</h3>\n")
        else:
            p.append(f"<p>{t(b)}</p>\n")
    if original.author:
        p.append(f'<p style="text-align: right;"><strong>{t(original.author)}</strong></p>\n')
    p.append("</div></article>\n")
    boxes = {"Nên xem": [], "Tin khác": []}
    for tz in original.teasers:
        boxes.setdefault(tz.get("box", "Tin khác"), []).append(tz)
    p.append('<div class="related-posts"><h3>Có thể bạn quan tâm</h3></div>\n')
    for box in ("Nên xem", "Tin khác"):
        items = "".join(f'<div class="td-block-span"><a href="/"><img alt="{a(tz["title"])}"></a>'
                        f'<h4 class="entry-title"><a href="/">{t(tz["title"])}</a></h4>'
                        f'<div class="td-excerpt">{t(tz["lead"])}</div></div>\n' for tz in boxes.get(box, []))
        p.append(f'<div class="td-block"><h3>{box}</h3>{items}</div>\n')
    p.append('<a class="more" href="/">Xem thêm</a></div>\n')
    p.append(footer("mirror"))
    p.append("</body></html>")
    return "".join(p)


def home_page(originals: list[ReplayArticle]) -> str:
    url = f"https://{HOST}/"
    items = "".join(f'<h2 class="entry-title"><a href="{a(path_of(mirror_url(o)))}">{t(o.title)}</a></h2>'
                    f"<p>{t(o.sapo)}</p>" for o in originals)
    return (head("Tin Bóng 247 News", url, og(url, "Tin Bóng 247 News", None, None, "website"), family="wp")
            + "<body>" + _wp_header() + f'<main class="site-main">{items}</main>' + footer("mirror")
            + "</body></html>")
