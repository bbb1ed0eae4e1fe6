"""A union television channel's site whose article-shaped pages are videos: a player and a
one-line caption, no text. Its sections and headlines are about union and labour, its URLs look
like articles (`/video/<slug>-<id>.html`): add-site must see that the samples do not read as
articles and refuse.
"""
from __future__ import annotations

from ..model import ReplayArticle
from ..render import path_of
from .base import NewSite, Section, a, t
from .text import slug


class VideoSite(NewSite):
    name = "truyenhinhcongdoan"
    host = "truyenhinhcongdoan.vn"
    title = "Truyền hình Công đoàn"
    sections = [Section("Bản tin Công đoàn", "/ban-tin-cong-doan", "union", 12),
                Section("Người lao động", "/nguoi-lao-dong", "labour", 8)]
    robots = "User-agent: *\nDisallow: /admin/\n"
    first_id = 91000

    def article_url(self, art: ReplayArticle) -> str:
        return f"https://{self.host}/video/{slug(art.title)}-{art.article_id}.html"

    def _page(self, title: str, main: str) -> str:
        menu = "".join(f'<a href="{a(s.path)}">{t(s.label)}</a> ' for s in self.sections)
        return (f"<!DOCTYPE html><html lang=\"vi\"><head><meta charset=\"utf-8\"><title>{t(title)}</title>"
                f"</head><body><header><a href=\"/\">{t(self.title)}</a><nav>{menu}</nav></header>"
                f"<main>{main}</main><footer>© {t(self.title)}</footer></body></html>\n")

    def _items(self, arts) -> str:
        return "".join(f'<div class="clip"><h3><a href="{a(path_of(x.url))}">{t(x.title)}</a></h3></div>'
                       for x in arts)

    def home_page(self) -> str:
        return self._page(self.title, self._items(self.articles[:12]))

    def listing_page(self, section: Section, shown, page: int, pages: int) -> str:
        nav = "".join(f'<a href="{a(self.page_path(section, n))}">{n}</a> ' for n in range(1, pages + 1))
        return self._page(section.label, f"<h1>{t(section.label)}</h1>{self._items(shown)}<div>{nav}</div>")

    def article_page(self, art: ReplayArticle) -> str:
        return self._page(art.title, f'<h1>{t(art.title)}</h1><video controls src="/media/{art.article_id}.mp4">'
                          f'</video><p>Video: {t(art.author)}.</p>')
