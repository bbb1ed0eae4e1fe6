"""hanoi.gov.vn pages (Liferay-like portal): article page and the news listing.

Markup contract: replay/MARKUP.md, section "hanoi.gov.vn". Only og:url and og:title, no
published_time meta: the date exists only in the title's "(HH:MM DD/MM/YYYY)" span.
"""
from __future__ import annotations

from ..model import Figure, ReplayArticle, Subheading
from . import SITE_NAMES, SiteContext, a, footer, head, header, og, parse_iso, path_of, t

PAGE_SIZE = 8


def page_path(section_path: str, n: int) -> str:
    return section_path if n <= 1 else f"{section_path}?cur={n}"


def _portlet_menu(ctx: SiteContext) -> str:
    links = "".join(f'<li><a href="{a(p)}">{t(l)}</a></li>' for l, p in [
        ("Chính trị - Xã hội", "/tintuc_sukien/-/hn/ZVOm7e3VDMRM/7320"), ("Kinh tế", "/tintuc_sukien/-/hn/ZVOm7e3VDMRM/7321"),
        ("Văn hóa - Thể thao", "/tintuc_sukien/-/hn/ZVOm7e3VDMRM/7322"), ("Đô thị", "/tintuc_sukien/-/hn/ZVOm7e3VDMRM/7323"),
        ("Thông báo", "/thongbao"), ("Lịch công tác", "/lich-cong-tac")])
    return f'<div class="portlet-navigation"><ul>{links}</ul></div>\n'


def _comment_block() -> str:
    return ('<div class="comment-box"><div class="view-comment">Bài viết Xem</div>\n'
            '<h4 class="write-comment">Viết bình luận</h4>\n'
            '<form class="comment-form" method="post" action="/comment">'
            '<label>Họ tên:(*)</label><input name="name">'
            '<label>Số điện thoại:</label><input name="phone">'
            '<label>Tiêu đề:(*)</label><input name="subject">'
            '<label>Nội dung:(*)</label><textarea name="content"></textarea>'
            '<label>Mã xác nhận:</label>\u00a0\u00a0\u00a0 \u00a0\u00a0\u00a0 <img class="captcha" src="/captcha.jpg" alt="">'
            '<input name="captcha"> <a href="javascript:void(0)" class="refresh-captcha">Lấy lại mã bảo mật</a>'
            '<button type="submit">Gửi</button></form></div>\n')


def article_page(ctx: SiteContext, art: ReplayArticle) -> str:
    extra = f'<meta name="description" content="{a(art.sapo)}">\n' + og(art.url, art.title, None, None, type_="")
    p = [head(art.title, art.url, extra, family="liferay"), "<body>\n", header(ctx.site),
         '<div id="content" class="columns-2"><div class="column-1">\n', _portlet_menu(ctx), "</div>",
         '<div class="column-2"><div class="portlet-body">\n',
         '<div class="breadcrumb"><a href="/">Trang chủ</a><a href="/tintuc_sukien">Tin tức - Sự kiện</a>'
         f'<a href="{a(art.section_path)}">{t(art.section)}</a></div>\n',
         '<div class="journal-content-article">\n']
    span = ""
    if art.published_at:
        dt = parse_iso(art.published_at)
        span = f' <span class="time-news">({dt:%H:%M %d/%m/%Y})</span>'
    p.append(f'<h1 class="title-news">{t(art.title)}{span}</h1>\n')
    p.append('<div class="content-news">\n')
    p.append(f"<p><strong>HNP - </strong>{t(art.sapo)}</p>\n")
    for b in art.blocks:
        if isinstance(b, Figure):
            cap = f'<p class="caption-news">{t(b.caption)}</p>' if b.caption else ""
            p.append(f'<div class="image-news"><img src="{a(b.image_url)}" alt="{a(b.alt or art.title)}">{cap}</div>\n')
        elif isinstance(b, Subheading):
            p.append(f"<p><strong>{t(b.text)}</strong></p>\n")
        else:
            p.append(f'<p style="text-align:justify">{t(b)}</p>\n')
    if art.author:
        p.append(f'<p style="text-align:right"><strong>{t(art.author)}</strong></p>\n')
    p.append("</div></div>\n")
    newer = "".join(f'<li><a href="{a(path_of(x.url))}">{t(x.title)}</a></li>' for x in ctx.newest(6, art))
    older = "".join(f'<li><a href="{a(path_of(x.url))}">{t(x.title)}</a></li>' for x in ctx.others(art, 6, "older"))
    p.append(f'<div class="other-news"><h3>Các bài mới đăng</h3><ul>{newer}</ul>'
             f"<h3>Các bài đã đăng :</h3><ul>{older}</ul></div>\n")
    p.append(_comment_block())
    p.append("</div></div></div>\n")
    p.append(footer(ctx.site))
    p.append("</body></html>")
    return "".join(p)


def listing_page(ctx: SiteContext, url: str, label: str, section_path: str, entries: list[tuple[str, str, str]],
                 page: int, n_pages: int) -> str:
    items = "".join(f'<div class="news-item"><a class="title" href="{a(u)}">{t(ti)}</a>'
                    f'<p class="summary">{t(sp)}</p></div>\n' for u, ti, sp in entries)
    paging = ""
    if n_pages > 1:
        nums = sorted({1, n_pages} | set(range(max(1, page - 4), min(n_pages, page + 4) + 1)))
        links = []
        for n in nums:
            if n == page:
                links.append(f'<span class="current">{n}</span>')
            else:
                links.append(f'<a href="{a(page_path(section_path, n))}">{n}</a>')
        if page < n_pages:
            links.append(f'<a class="next" href="{a(page_path(section_path, page + 1))}">Tiếp</a>')
        paging = f'<div class="taglib-page-iterator">{"".join(links)}</div>\n'
    title = f"{label} - {SITE_NAMES[ctx.site]}"
    return "".join([
        head(title, url, og(url, title, None, None, type_=""), family="liferay"), "<body>\n", header(ctx.site),
        '<div id="content" class="columns-2"><div class="column-1">\n', _portlet_menu(ctx), "</div>",
        '<div class="column-2"><div class="portlet-body">\n', f'<h2 class="portlet-title">{t(label)}</h2>\n',
        f'<div class="list-news">\n{items}</div>\n', paging, "</div></div></div>\n",
        footer(ctx.site), "</body></html>"])
