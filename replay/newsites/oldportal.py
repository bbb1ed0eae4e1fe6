"""A sector union's old table-layout portal with neither feed nor sitemap:
`/bai-viet/<slug>_<id>.htm` (an underscore before the id), sections `/<slug>.htm` paged
`?p=N` ("Trang sau"), a member login page at `/thanh-vien/dang-nhap.aspx` (allowed by robots.txt).

No h1: the title is a `span.tieude` in a table cell (and og:title), the date a line
"Cập nhật lúc 09:30 ngày 19/11/2026", the lead a bold first cell, the author at the end in italics,
"Các tin khác" below.

`EmptySite` (congdoan-dangxaydung.vn): a site with no articles at all, only a notice page.
"""
from __future__ import annotations

import re

from ..model import ReplayArticle
from ..render import parse_iso, path_of
from .base import Answer, NewSite, Section, a, html, t
from .text import slug


class OldPortalSite(NewSite):
    name = "congdoangtvt"
    host = "congdoangtvt.vn"
    title = "Công đoàn Giao thông Vận tải Việt Nam"
    sections = [Section("Tin công đoàn", "/tin-cong-doan.htm", "union", 14),
                Section("Chính sách lao động", "/chinh-sach-lao-dong.htm", "labour", 10),
                Section("Thể thao", "/the-thao.htm", "sport", 10),
                Section("Thời tiết", "/thoi-tiet.htm", "weather", 10)]
    robots = "User-agent: *\nDisallow: /quan-tri/\nDisallow: /tim-kiem.aspx\n"
    extra_menu = [("Giới thiệu", "/gioi-thieu.htm"), ("Đăng nhập", "/thanh-vien/dang-nhap.aspx")]
    first_id = 705300
    page_size = 12
    paging = "?p={n}"

    def article_url(self, art: ReplayArticle) -> str:
        return f"https://{self.host}/bai-viet/{slug(art.title)}_{art.article_id}.htm"

    def parse_page(self, path: str, query: str):
        m = re.fullmatch(r"p=(\d+)", query)
        return self.section_at(path), int(m.group(1)) if m else (1 if not query else -1)

    def special(self, path: str, query: str) -> Answer | None:
        if path == "/thanh-vien/dang-nhap.aspx":
            return html(login_page(self.title))
        return None

    def _page(self, title: str, main: str, url: str, extra_head: str = "") -> str:
        menu = " | ".join(f'<a class="menu" href="{a(s.path)}">{t(s.label)}</a>' for s in self.sections)
        menu += "".join(f' | <a class="menu" href="{a(p)}">{t(l)}</a>' for l, p in self.extra_menu)
        new = "".join(f'<tr><td><a class="tinmoi" href="{a(path_of(x.url))}">{t(x.title)}</a></td></tr>'
                      for x in self.newest(6))
        return ('<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.01 Transitional//EN">\n<html><head>'
                '<meta http-equiv="Content-Type" content="text/html; charset=utf-8">'
                f"<title>{t(title)}</title>{extra_head}</head>\n<body><table width=\"980\" align=\"center\">"
                f'<tr><td colspan="2" class="banner"><a href="/"><img src="/images/banner.jpg" alt="{a(self.title)}">'
                f'</a></td></tr><tr><td colspan="2" class="menubar">{menu}</td></tr>'
                f'<tr><td width="700" valign="top" class="noidung">{main}</td>'
                f'<td width="280" valign="top" class="cotphai"><table class="khung"><tr><td class="khung-tieude">'
                f'Tin mới nhận</td></tr>{new}</table></td></tr>'
                '<tr><td colspan="2" class="chantrang">Bản quyền © Công đoàn Giao thông Vận tải Việt Nam. '
                'Số 1 Nguyễn Khuyến, Hà Nội.</td></tr></table></body></html>\n')

    def _row(self, x: ReplayArticle) -> str:
        return (f'<tr><td class="dong-tin"><a class="tieude-tin" href="{a(path_of(x.url))}">{t(x.title)}</a>'
                f' <span class="ngay">({parse_iso(x.published_at):%d/%m/%Y})</span><br>{t(x.sapo)}</td></tr>')

    def home_page(self) -> str:
        parts = []
        for s in self.sections:
            rows = "".join(self._row(x) for x in self.by_section[s.path][:5])
            parts.append(f'<table class="khung-chuyenmuc"><tr><td class="chuyenmuc"><a href="{a(s.path)}">'
                         f'{t(s.label)}</a></td></tr>{rows}</table>')
        return self._page(self.title, "".join(parts), f"https://{self.host}/")

    def listing_page(self, section: Section, shown, page: int, pages: int) -> str:
        paging = " ".join(f"<b>{n}</b>" if n == page else f'<a href="{a(self.page_path(section, n))}">{n}</a>'
                          for n in range(1, pages + 1))
        if page < pages:
            paging += f' <a href="{a(self.page_path(section, page + 1))}">Trang sau</a>'
        main = (f'<table class="danhsach"><tr><td class="chuyenmuc">{t(section.label)}</td></tr>'
                f'{"".join(self._row(x) for x in shown)}</table><div class="phantrang">{paging}</div>')
        return self._page(f"{section.label} - {self.title}", main, "")

    def article_page(self, art: ReplayArticle) -> str:
        when = parse_iso(art.published_at)
        others = "".join(f'<li><a href="{a(path_of(x.url))}">{t(x.title)}</a> ({parse_iso(x.published_at):%d/%m/%Y})'
                         "</li>" for x in self.related(art, 6))
        body = "".join(f'<p align="justify">{t(p)}</p>' for p in art.blocks)
        head = f'<meta property="og:title" content="{a(art.title)}">'
        main = (f'<table class="chitiet" width="100%"><tr><td><span class="tieude">{t(art.title)}</span></td></tr>'
                f'<tr><td class="ngaydang">Cập nhật lúc {when:%H:%M} ngày {when:%d/%m/%Y}</td></tr>'
                f'<tr><td class="tomtat"><b>{t(art.sapo)}</b></td></tr>'
                f'<tr><td class="noidung-chitiet">{body}<p align="right"><i>{t(art.author)}</i></p></td></tr>'
                f'</table><div class="tinkhac"><b>Các tin khác</b><ul>{others}</ul></div>')
        return self._page(f"{art.title} - {self.title}", main, art.url, head)


def login_page(site_title: str) -> str:
    return ("<!DOCTYPE html><html lang=\"vi\"><head><meta charset=\"utf-8\"><title>Đăng nhập thành viên - "
            f"{t(site_title)}</title></head><body><h1>Đăng nhập</h1>"
            '<form method="post" action="/thanh-vien/dang-nhap.aspx"><label>Tên đăng nhập <input name="user">'
            '</label><label>Mật khẩu <input type="password" name="pass"></label>'
            '<input type="submit" value="Đăng nhập"></form><p><a href="/">Về trang chủ</a> · '
            '<a href="/thanh-vien/quen-mat-khau.aspx">Quên mật khẩu?</a></p></body></html>\n')


class EmptySite(NewSite):
    """A site with no articles: a notice page, an about page and nothing else."""
    name = "congdoandangxaydung"
    host = "congdoan-dangxaydung.vn"
    title = "Cổng thông tin Công đoàn (đang xây dựng)"
    sections = []
    robots = "User-agent: *\nAllow: /\n"

    def article_url(self, art: ReplayArticle) -> str:      # pragma: no cover - no articles
        raise AssertionError("no articles")

    def special(self, path: str, query: str) -> Answer | None:
        if path == "/gioi-thieu":
            return html(f"<html><head><meta charset=\"utf-8\"><title>Giới thiệu - {t(self.title)}</title></head>"
                        "<body><h1>Giới thiệu</h1><p>Trang thông tin đang được xây dựng.</p></body></html>")
        return None

    def home_page(self) -> str:
        return (f"<!DOCTYPE html><html lang=\"vi\"><head><meta charset=\"utf-8\"><title>{t(self.title)}</title>"
                "</head><body><h1>Trang web đang được xây dựng</h1><p>Cổng thông tin của Công đoàn đang được "
                "nâng cấp. Mời bạn quay lại sau.</p><p><a href=\"/gioi-thieu\">Giới thiệu</a> · "
                "<a href=\"mailto:lienhe@congdoan-dangxaydung.vn\">Liên hệ</a></p></body></html>\n")
