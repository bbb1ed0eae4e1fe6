"""A provincial labour federation's site on WordPress (a theme like Twenty Twenty-One).

Permalinks `/YYYY/MM/DD/<slug>/` (no id anywhere), categories `/category/<slug>/` paged
`/category/<slug>/page/N/`, the site feed `/feed/` (every category) and one per category
`/category/<slug>/feed/`, the core sitemaps `/wp-sitemap.xml` (named in robots.txt), a login page
at `/wp-login.php` linked from the footer (robots.txt disallows it, with /wp-admin/).
Articles: `h1.entry-title`, `time.entry-date.published`, `span.author.vcard`, `div.entry-content`
(the lead is its first, bold paragraph), then "Bài viết liên quan" and the comment form.
"""
from __future__ import annotations

import re

from ..model import ReplayArticle
from ..render import parse_iso, path_of
from .base import RSS, XML, Answer, NewSite, Section, a, html, t, text
from .text import slug


class WordPressSite(NewSite):
    name = "congdoanbinhduong"
    host = "congdoanbinhduong.org.vn"
    title = "Công đoàn Bình Dương"
    sections = [Section("Hoạt động Công đoàn", "/category/hoat-dong-cong-doan/", "union", 16),
                Section("Việc làm - Đời sống", "/category/viec-lam-doi-song/", "labour", 11),
                Section("Thể thao", "/category/the-thao/", "sport", 12),
                Section("Thời tiết", "/category/thoi-tiet/", "weather", 9)]
    robots = ("User-agent: *\nDisallow: /wp-admin/\nAllow: /wp-admin/admin-ajax.php\n"
              "Disallow: /wp-login.php\nDisallow: /?s=\n\n"
              "Sitemap: https://congdoanbinhduong.org.vn/wp-sitemap.xml\n")
    extra_menu = [("Giới thiệu", "/gioi-thieu/"), ("Liên hệ", "/lien-he/")]
    paging = "page/{n}/"

    def article_url(self, art: ReplayArticle) -> str:
        when = parse_iso(art.published_at)
        return f"https://{self.host}/{when:%Y/%m/%d}/{slug(art.title)}/"

    def parse_page(self, path: str, query: str):
        m = re.fullmatch(r"(/category/[a-z0-9\-]+/)(?:page/(\d+)/)?", path)
        if not m:
            return None, 0
        return self.section_at(m.group(1)), int(m.group(2) or 1)

    def special(self, path: str, query: str) -> Answer | None:
        if path == "/feed/":
            return text(self.rss(self.articles[:10], self.title, f"https://{self.host}/"), RSS)
        m = re.fullmatch(r"(/category/[a-z0-9\-]+/)feed/", path)
        section = self.section_at(m.group(1)) if m else None
        if section is not None:
            return text(self.rss(self.by_section[section.path][:10], f"{section.label} - {self.title}",
                                 f"https://{self.host}{section.path}"), RSS)
        if path == "/wp-sitemap.xml":
            return text(self.sitemap_index([
                (f"https://{self.host}/wp-sitemap-posts-post-1.xml", self.articles[0].published_at),
                (f"https://{self.host}/wp-sitemap-posts-page-1.xml", self.articles[0].published_at),
                (f"https://{self.host}/wp-sitemap-taxonomies-category-1.xml", self.articles[0].published_at)]),
                XML)
        if path == "/wp-sitemap-posts-post-1.xml":
            return text(self.urlset(self.articles), XML)
        if path == "/wp-sitemap-posts-page-1.xml":
            urls = "".join(f"<url><loc>https://{self.host}{p}</loc></url>" for _, p in self.extra_menu)
            return text('<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/'
                        f'schemas/sitemap/0.9">{urls}</urlset>\n', XML)
        if path == "/wp-sitemap-taxonomies-category-1.xml":
            urls = "".join(f"<url><loc>https://{self.host}{s.path}</loc></url>" for s in self.sections)
            return text('<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/'
                        f'schemas/sitemap/0.9">{urls}</urlset>\n', XML)
        if path in ("/gioi-thieu/", "/lien-he/"):
            label = dict((p, l) for l, p in self.extra_menu)[path]
            return html(self._page(label, f"<h1 class=\"entry-title\">{t(label)}</h1><div class=\""
                                   "entry-content\"><p>Liên đoàn Lao động tỉnh Bình Dương, số 1 đường "
                                   "Quang Trung, Thủ Dầu Một.</p></div>", f"https://{self.host}{path}"))
        return None

    # --- markup ----------------------------------------------------------------------------
    def _page(self, title: str, main: str, url: str, extra_head: str = "", body_class: str = "") -> str:
        menu = "".join(f'<li class="menu-item"><a href="{a(s.path)}">{t(s.label)}</a></li>'
                       for s in self.sections)
        menu += "".join(f'<li class="menu-item"><a href="{a(p)}">{t(l)}</a></li>' for l, p in self.extra_menu)
        recent = "".join(f'<li><a href="{a(path_of(x.url))}">{t(x.title)}</a></li>' for x in self.newest(5))
        cats = "".join(f'<li class="cat-item"><a href="{a(s.path)}">{t(s.label)}</a></li>' for s in self.sections)
        return ("<!DOCTYPE html>\n<html lang=\"vi\"><head><meta charset=\"UTF-8\">"
                f"<title>{t(title)}</title><link rel=\"canonical\" href=\"{a(url)}\">"
                f'<link rel="alternate" type="application/rss+xml" title="{a(self.title)} &raquo; Dòng thông tin" '
                f'href="https://{self.host}/feed/">'
                "<meta name=\"generator\" content=\"WordPress 6.6.2\">"
                f"{extra_head}<link rel='stylesheet' href='/wp-content/themes/twentytwentyone/style.css'>"
                f"</head>\n<body class=\"{body_class}\"><div id=\"page\" class=\"site\">"
                f'<header id="masthead" class="site-header"><p class="site-title"><a href="/">{t(self.title)}'
                f'</a></p><nav id="site-navigation" class="primary-navigation"><ul id="primary-menu-list" '
                f'class="menu-wrapper">{menu}</ul></nav></header>\n'
                f'<div id="content" class="site-content"><div id="primary" class="content-area">'
                f'<main id="main" class="site-main">{main}</main></div>\n'
                f'<aside class="widget-area"><section class="widget widget_recent_entries"><h2 class="widget-title">'
                f'Bài viết mới</h2><ul>{recent}</ul></section><section class="widget widget_categories">'
                f'<h2 class="widget-title">Chuyên mục</h2><ul>{cats}</ul></section></aside></div>\n'
                f'<footer id="colophon" class="site-footer"><p>© 2026 {t(self.title)}. Liên đoàn Lao động '
                'tỉnh Bình Dương.</p><p><a href="/wp-login.php">Đăng nhập</a> · <a href="/feed/">RSS</a>'
                '</p><p class="powered-by">Vận hành bởi WordPress</p></footer></div></body></html>\n')

    def _excerpt(self, x: ReplayArticle) -> str:
        return (f'<article class="post type-post status-publish format-standard hentry"><header class="entry-header">'
                f'<h2 class="entry-title"><a href="{a(path_of(x.url))}" rel="bookmark">{t(x.title)}</a></h2>'
                f'</header><div class="entry-content"><p>{t(x.sapo)}</p></div><footer class="entry-footer">'
                f'<span class="posted-on"><time class="entry-date published" datetime="{x.published_at}">'
                f'{parse_iso(x.published_at):%d/%m/%Y}</time></span></footer></article>\n')

    def home_page(self) -> str:
        posts = "".join(self._excerpt(x) for x in self.articles[:10])
        nav = ('<nav class="navigation pagination"><div class="nav-links"><span class="page-numbers current">1'
               '</span><a class="page-numbers" href="/page/2/">2</a></div></nav>')
        return self._page(self.title, posts + nav, f"https://{self.host}/", body_class="home blog")

    def listing_page(self, section: Section, shown, page: int, pages: int) -> str:
        posts = "".join(self._excerpt(x) for x in shown)
        links = []
        for n in range(1, pages + 1):
            links.append(f'<span class="page-numbers current">{n}</span>' if n == page else
                         f'<a class="page-numbers" href="{a(self.page_path(section, n))}">{n}</a>')
        if page < pages:
            links.append(f'<a class="next page-numbers" href="{a(self.page_path(section, page + 1))}">'
                         "Trang sau »</a>")
        main = (f'<header class="page-header"><h1 class="page-title">Chuyên mục: {t(section.label)}</h1></header>'
                f'{posts}<nav class="navigation pagination"><div class="nav-links">{"".join(links)}</div></nav>')
        url = f"https://{self.host}{self.page_path(section, page)}"
        return self._page(f"{section.label} - {self.title}", main, url, body_class="archive category")

    def article_page(self, art: ReplayArticle) -> str:
        section = self.section_of(art)
        related = "".join(f'<li><a href="{a(path_of(x.url))}">{t(x.title)}</a></li>' for x in self.related(art, 3))
        meta = (f'<meta property="og:type" content="article"><meta property="og:title" content="{a(art.title)}">'
                f'<meta property="og:url" content="{a(art.url)}">'
                f'<meta property="article:published_time" content="{art.published_at}">'
                f'<meta property="article:section" content="{a(section.label)}">')
        main = (f'<article class="post type-post status-publish format-standard hentry category-x">'
                f'<header class="entry-header"><h1 class="entry-title">{t(art.title)}</h1></header>'
                f'<div class="entry-meta"><span class="posted-on">Đăng ngày <time class="entry-date published" '
                f'datetime="{art.published_at}">{parse_iso(art.published_at):%d/%m/%Y}</time></span> '
                f'<span class="byline">bởi <span class="author vcard"><a class="url fn n" href="/author/bbt/">'
                f'{t(art.author)}</a></span></span></div>'
                f'<div class="entry-content"><p><strong>{t(art.sapo)}</strong></p>\n{self.paragraphs(art)}</div>'
                f'<footer class="entry-footer"><span class="cat-links">Chuyên mục: <a href="{a(section.path)}" '
                f'rel="category tag">{t(section.label)}</a></span></footer></article>\n'
                f'<div class="related-posts"><h3>Bài viết liên quan</h3><ul>{related}</ul></div>'
                '<div id="comments" class="comments-area"><div id="respond" class="comment-respond">'
                '<h3 class="comment-reply-title">Để lại một bình luận</h3><form action="/wp-comments-post.php" '
                'method="post"><p>Email của bạn sẽ không được hiển thị công khai.</p><textarea name="comment">'
                '</textarea><input type="submit" value="Gửi bình luận"></form></div></div>')
        return self._page(f"{art.title} - {self.title}", main, art.url, meta, "post-template-default single")
