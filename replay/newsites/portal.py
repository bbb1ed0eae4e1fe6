"""A city labour federation's portal (an ASP.NET-style CMS): `/detail/<id>/<slug>.html`.

Sections `/chuyen-muc/<slug>` paged `?page=N` (numbered links, a "»" link), a sitemap at
`/sitemap.xml` named in robots.txt and no feed at all. The title is an `h2.news-title` (the page's
only h1 is the federation's name in the banner), the date a line "Thứ Năm, 19/11/2026 - 09:30",
the lead `div.news-summary`, the author a right-aligned line after the text; "Tin cùng chuyên mục"
and a "Đọc nhiều" box around it.
"""
from __future__ import annotations

from ..model import ReplayArticle
from ..render import parse_iso, path_of
from ..site_pages import PDF_BYTES
from .base import XML, Answer, NewSite, Section, a, t, text
from .text import slug

PDF_PATH = "/van-ban/ke-hoach-thang-cong-nhan-2026.pdf"
WEEKDAYS = ["Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ Nhật"]


class PortalSite(NewSite):
    name = "ldldhaiphong"
    host = "ldldhaiphong.org.vn"
    title = "Liên đoàn Lao động thành phố Hải Phòng"
    sections = [Section("Hoạt động công đoàn", "/chuyen-muc/hoat-dong-cong-doan", "union", 15),
                Section("Chính sách - Pháp luật lao động", "/chuyen-muc/chinh-sach-phap-luat", "labour", 10),
                Section("Văn hóa - Thể thao", "/chuyen-muc/van-hoa-the-thao", "sport", 11),
                Section("Dự báo thời tiết", "/chuyen-muc/du-bao-thoi-tiet", "weather", 9)]
    robots = ("User-agent: *\nDisallow: /admin/\nDisallow: /tim-kiem\nDisallow: /dang-nhap\n"
              "Sitemap: https://ldldhaiphong.org.vn/sitemap.xml\n")
    extra_menu = [("Giới thiệu", "/gioi-thieu"), ("Văn bản", "/van-ban"), ("Đăng nhập", "/dang-nhap")]
    first_id = 61200

    def article_url(self, art: ReplayArticle) -> str:
        return f"https://{self.host}/detail/{art.article_id}/{slug(art.title)}.html"

    def special(self, path: str, query: str) -> Answer | None:
        if path == "/sitemap.xml":
            return text(self.urlset(self.articles), XML)
        if path == PDF_PATH:
            return Answer(200, [("Content-Type", "application/pdf")], PDF_BYTES)
        return None

    def _stamp(self, value: str) -> str:
        when = parse_iso(value)
        return f"{WEEKDAYS[when.weekday()]}, {when:%d/%m/%Y - %H:%M}"

    def _page(self, title: str, main: str, url: str, extra_head: str = "") -> str:
        menu = "".join(f'<li><a href="{a(s.path)}">{t(s.label)}</a></li>' for s in self.sections)
        menu += "".join(f'<li><a href="{a(p)}">{t(l)}</a></li>' for l, p in self.extra_menu)
        hot = "".join(f'<li><a href="{a(path_of(x.url))}">{t(x.title)}</a></li>' for x in self.articles[3:9])
        return ("<!DOCTYPE html>\n<html lang=\"vi\"><head><meta charset=\"utf-8\">"
                f"<title>{t(title)}</title><link rel=\"canonical\" href=\"{a(url)}\">{extra_head}"
                "<link href=\"/Content/bootstrap.min.css\" rel=\"stylesheet\"></head>\n<body>"
                f'<div class="banner"><h1 class="site-name"><a href="/">{t(self.title)}</a></h1></div>'
                f'<div class="navbar navbar-default"><ul class="nav navbar-nav">{menu}</ul>'
                '<form class="navbar-form" action="/tim-kiem"><input name="q"></form></div>\n'
                f'<div class="container"><div class="row"><div class="col-md-8 main-col">{main}</div>'
                f'<div class="col-md-4 right-col"><div class="panel box-hot"><div class="panel-heading">Đọc nhiều'
                f'</div><ul class="list-hot">{hot}</ul></div><div class="panel"><div class="panel-heading">'
                'Liên kết</div><a href="https://congdoan.vn">Tổng Liên đoàn Lao động Việt Nam</a></div></div>'
                '</div></div>\n<div class="footer"><p>Cơ quan chủ quản: Liên đoàn Lao động thành phố Hải Phòng'
                '</p><p>Địa chỉ: số 2 Trần Hưng Đạo, Hồng Bàng, Hải Phòng</p></div></body></html>\n')

    def _item(self, x: ReplayArticle) -> str:
        return (f'<div class="news-item"><a class="news-item-title" href="{a(path_of(x.url))}">{t(x.title)}</a>'
                f'<span class="news-item-date">{parse_iso(x.published_at):%d/%m/%Y}</span>'
                f'<p class="news-item-summary">{t(x.sapo)}</p></div>\n')

    def home_page(self) -> str:
        blocks = []
        for section in self.sections:
            items = "".join(self._item(x) for x in self.by_section[section.path][:4])
            blocks.append(f'<div class="home-block"><div class="home-block-title"><a href="{a(section.path)}">'
                          f'{t(section.label)}</a></div>{items}</div>')
        return self._page(self.title, "".join(blocks), f"https://{self.host}/")

    def listing_page(self, section: Section, shown, page: int, pages: int) -> str:
        links = [f'<li class="active"><span>{n}</span></li>' if n == page else
                 f'<li><a href="{a(self.page_path(section, n))}">{n}</a></li>' for n in range(1, pages + 1)]
        if page < pages:
            links.append(f'<li><a href="{a(self.page_path(section, page + 1))}">»</a></li>')
        main = (f'<div class="category-title">{t(section.label)}</div><div class="news-list">'
                f'{"".join(self._item(x) for x in shown)}</div><ul class="pagination">{"".join(links)}</ul>')
        return self._page(f"{section.label} | {self.title}", main,
                          f"https://{self.host}{self.page_path(section, page)}")

    def article_page(self, art: ReplayArticle) -> str:
        section = self.section_of(art)
        same = "".join(f'<li><a href="{a(path_of(x.url))}">{t(x.title)}</a></li>' for x in self.related(art, 5))
        head = (f'<meta property="og:title" content="{a(art.title)}">'
                f'<meta property="og:description" content="{a(art.sapo)}">')
        main = (f'<div class="breadcrumb"><a href="/">Trang chủ</a> / <a href="{a(section.path)}">'
                f'{t(section.label)}</a></div><div class="news-detail">'
                f'<h2 class="news-title">{t(art.title)}</h2>'
                f'<div class="news-date">{self._stamp(art.published_at)}</div>'
                f'<div class="news-summary">{t(art.sapo)}</div>'
                f'<div class="news-content">{self.paragraphs(art)}'
                f'<p style="text-align:right"><strong>{t(art.author)}</strong></p></div></div>'
                f'<div class="news-other"><div class="news-other-title">Tin cùng chuyên mục</div>'
                f'<ul>{same}</ul></div>')
        return self._page(f"{art.title} | {self.title}", main, art.url, head)
