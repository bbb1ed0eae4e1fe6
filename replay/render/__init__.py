"""HTML building blocks shared by the replay renderers (one module per CMS family).

`SiteContext` is what a renderer knows about a site besides the article it draws: the other
articles (for teasers and sidebars), the menu, the page filler. Everything here is deterministic:
the same corpus always renders byte-identical pages. The markup contract is in replay/MARKUP.md.
"""
from __future__ import annotations

import hashlib
from datetime import datetime
from functools import lru_cache
from html import escape

from ..model import ReplayArticle


def t(text: str) -> str:
    """Escape for a text node."""
    return escape(text, quote=False)


def a(text: str) -> str:
    """Escape for an attribute value."""
    return escape(text, quote=True)


def h(*parts: object) -> int:
    """A stable small hash (not Python's randomised hash())."""
    return int.from_bytes(hashlib.blake2b("|".join(map(str, parts)).encode(), digest_size=8).digest(), "big")


def parse_iso(value: str) -> datetime:
    return datetime.fromisoformat(value)


def vn_date(value: str) -> str:
    return parse_iso(value).strftime("%d/%m/%Y")


def vn_time(value: str) -> str:
    return parse_iso(value).strftime("%H:%M")


def path_of(url: str) -> str:
    rest = url.split("://", 1)[1]
    return "/" + rest.split("/", 1)[1] if "/" in rest else "/"


SITE_NAMES = {
    "laodongthudo": "Lao Động Thủ Đô",
    "tuoitrethudo": "Tuổi Trẻ Thủ Đô",
    "baolaocai": "Báo Lào Cai",
    "hanoigov": "Cổng giao tiếp điện tử thành phố Hà Nội",
    "mirror": "Tin Bóng 247 News",
    "laodong": "Báo Lao Động",
    "nld": "Báo Người Lao Động",
}

# Header menus: (label, path, [(sub label, sub path)]). Paths that are not corpus listings 404.
MENUS = {
    "laodongthudo": [
        ("Thời sự", "/thoi-su", [("Thành ủy", "/thu-do-van-hien/thanh-uy"), ("Chính trị", "/thoi-su/chinh-tri"),
                                 ("Nghị trường", "/thoi-su/nghi-truong")]),
        ("Công đoàn", "/cong-doan", [("Hoạt động", "/cong-doan/hoat-dong"),
                                     ("Vì lợi ích đoàn viên", "/cong-doan/vi-loi-ich-doan-vien"),
                                     ("Tháng Công nhân", "/cong-doan/thang-cong-nhan"),
                                     ("Thủ đô anh hùng - Thành phố hòa bình",
                                      "/cong-doan/thu-do-anh-hung-thanh-pho-hoa-binh")]),
        ("Lao động", "/lao-dong", [("Đời sống", "/lao-dong/doi-song"), ("Việc làm", "/lao-dong/viec-lam"),
                                   ("BHXH", "/lao-dong/bhxh")]),
        ("Kinh tế", "/kinh-te", [("Doanh nghiệp", "/kinh-te/doanh-nghiep"), ("Tài chính", "/kinh-te/tai-chinh"),
                                 ("Bất động sản", "/kinh-te/bat-dong-san"), ("Thị trường", "/kinh-te/thi-truong")]),
        ("Xã hội", "/xa-hoi", [("Giáo dục", "/xa-hoi/giao-duc"), ("Y tế", "/xa-hoi/y-te"),
                               ("Môi trường", "/xa-hoi/moi-truong"), ("Giao thông", "/xa-hoi/giao-thong")]),
        ("Pháp luật", "/phap-luat", [("Bạn cần biết", "/phap-luat/ban-can-biet"), ("Điều tra", "/phap-luat/dieu-tra")]),
        ("Văn hóa", "/van-hoa", [("Văn học", "/van-hoa/van-hoc"), ("Du lịch", "/van-hoa/du-lich")]),
        ("Thể thao", "/the-thao", []), ("Quốc tế", "/quoc-te", []), ("Bạn đọc", "/ban-doc", []),
        ("Multimedia", "/multimedia", [("Video", "/multimedia/video"), ("Ảnh", "/multimedia/anh"),
                                       ("Infographic", "/multimedia/infographic")]),
        ("Emagazine", "/emagazine", []),
    ],
    "tuoitrethudo": [
        ("Tin tức", "/tin-tuc", []), ("Thời sự", "/thoi-su", []),
        ("Đoàn - Hội - Đội", "/doan-hoi-doi", [("Hoạt động Đoàn", "/doan-hoi-doi/hoat-dong-doan"),
                                               ("Gương mặt trẻ", "/doan-hoi-doi/guong-mat-tre")]),
        ("Kinh tế", "/kinh-te", []), ("Xã hội", "/xa-hoi", []), ("Giáo dục", "/giao-duc", []),
        ("Pháp luật", "/phap-luat", []), ("Văn hóa", "/van-hoa", []), ("Thể thao", "/the-thao", []),
        ("Quốc tế", "/quoc-te", []), ("Sức khỏe", "/suc-khoe", []), ("Khởi nghiệp", "/khoi-nghiep", []),
        ("Media", "/media", []),
    ],
    "baolaocai": [
        ("Chính trị", "/chinh-tri/", [("Xây dựng Đảng", "/chinh-tri/xay-dung-dang/")]),
        ("Kinh tế", "/kinh-te/", [("Nông nghiệp", "/kinh-te/nong-nghiep/"), ("Du lịch", "/kinh-te/du-lich/")]),
        ("Xã hội", "/xa-hoi/", [("Giáo dục", "/xa-hoi/giao-duc/"), ("Y tế", "/xa-hoi/y-te/")]),
        ("Văn hóa", "/van-hoa/", []), ("Pháp luật", "/phap-luat/", []), ("Thể thao", "/the-thao/", []),
        ("Quốc phòng - An ninh", "/quoc-phong-an-ninh/", []), ("Quốc tế", "/quoc-te/", []),
        ("Media", "/media/", [("Video", "/video/"), ("Podcast", "/podcast/"), ("Ảnh", "/anh/")]),
        ("Công đoàn Lào Cai", "/cong-doan-lao-cai-tag4194.html", []),
    ],
    "hanoigov": [
        ("Trang chủ", "/", []), ("Giới thiệu", "/gioi-thieu", []),
        ("Tin tức - Sự kiện", "/tintuc_sukien", [("Chính trị - Xã hội", "/tintuc_sukien/-/hn/ZVOm7e3VDMRM/7320"),
                                                 ("Kinh tế", "/tintuc_sukien/-/hn/ZVOm7e3VDMRM/7321"),
                                                 ("Văn hóa - Thể thao", "/tintuc_sukien/-/hn/ZVOm7e3VDMRM/7322")]),
        ("Chỉ đạo điều hành", "/chi-dao-dieu-hanh", []), ("Văn bản", "/van-ban", []),
        ("Dịch vụ công", "/dich-vu-cong", []), ("Hỏi đáp", "/hoi-dap", []), ("Liên hệ", "/lien-he", []),
    ],
    "laodong": [
        ("Thời sự", "/thoi-su/", []),
        ("Công đoàn", "/cong-doan/", [("Công đoàn toàn quốc", "/cong-doan-toan-quoc/"),
                                      ("Vì lợi ích đoàn viên", "/vi-loi-ich-doan-vien/"),
                                      ("Thiết chế công đoàn", "/thiet-che-cong-doan/"),
                                      ("Chúng tôi là cán bộ công đoàn", "/chung-toi-la-can-bo-cong-doan/")]),
        ("Xã hội", "/xa-hoi/", []), ("Kinh doanh", "/kinh-doanh/", []), ("Bạn đọc", "/ban-doc/", []),
        ("Pháp luật", "/phap-luat/", []), ("Thế giới", "/the-gioi/", []), ("Việc làm", "/viec-lam/", []),
        ("Video", "/video/", []), ("Ảnh", "/anh/", []),
    ],
    "nld": [
        ("Thời sự", "/thoi-su.htm", []), ("Quốc tế", "/quoc-te.htm", []),
        ("Công đoàn", "/cong-doan.htm", [("Việc làm", "/cong-doan/viec-lam.htm"),
                                         ("Bạn cần biết", "/cong-doan/ban-can-biet.htm")]),
        ("Kinh tế", "/kinh-te.htm", []), ("Pháp luật", "/phap-luat.htm", []), ("Giáo dục", "/giao-duc.htm", []),
        ("Sức khỏe", "/suc-khoe.htm", []), ("Thể thao", "/the-thao.htm", []), ("Bạn đọc", "/ban-doc.htm", []),
    ],
}

FOOTERS = {
    "laodongthudo": ("Cơ quan của Liên đoàn Lao động thành phố Hà Nội", "Số 6 Phố Tông Đản, Hoàn Kiếm, Hà Nội",
                     "Tổng Biên tập: Nguyễn Thị Thanh Hương. Giấy phép số 1287/GP-BTTTT."),
    "tuoitrethudo": ("Cơ quan của Thành đoàn Hà Nội", "Số 5 Hoàng Văn Thụ, Ba Đình, Hà Nội",
                     "Tổng Biên tập: Nguyễn Việt Hà. Giấy phép số 3436/GP-BTTTT."),
    "baolaocai": ("Cơ quan của Đảng bộ Đảng Cộng sản Việt Nam tỉnh Lào Cai", "Đường Hoàng Liên, phường Cốc Lếu, Lào Cai",
                  "Tổng Biên tập: Lê Minh Hòa. Giấy phép số 480/GP-BTTTT."),
    "hanoigov": ("Cổng giao tiếp điện tử thành phố Hà Nội", "Số 12 Lê Lai, Hoàn Kiếm, Hà Nội",
                 "Cơ quan chủ quản: Ủy ban nhân dân thành phố Hà Nội."),
    "mirror": ("Tin Bóng 247 News - tổng hợp tin tức", "Hà Nội", "Trang tin tổng hợp."),
    "laodong": ("Cơ quan của Tổng Liên đoàn Lao động Việt Nam", "Số 6 Phạm Văn Bạch, Cầu Giấy, Hà Nội",
                "Tổng Biên tập: Nguyễn Ngọc Hiển. Giấy phép số 104/GP-BTTTT."),
    "nld": ("Cơ quan của Thành ủy Thành phố Hồ Chí Minh", "Số 127 Võ Văn Tần, Quận 3, TP HCM",
            "Tổng Biên tập: Tô Đình Tuân. Giấy phép số 115/GP-BTTTT."),
}


@lru_cache(maxsize=None)
def filler(family: str) -> str:
    """Inline CSS and JS every page of a family carries (real pages are 40-120 KB mostly of this)."""
    seed = h(family)
    parts = ["<style>"]
    names = ["header", "menu", "nav", "item", "box", "grid", "thumb", "title", "desc", "sapo", "social", "footer",
             "sidebar", "list", "news", "paging", "btn", "icon", "banner", "adv", "tag", "caption", "video"]
    for i in range(520):
        n = names[(seed + i * 7) % len(names)]
        parts.append(f".{family}-{n}-{i}{{margin:{i % 17}px {(i * 3) % 23}px;padding:{i % 11}px;"
                     f"color:#{(seed + i * 9973) % 0xFFFFFF:06x};font-size:{12 + i % 9}px;line-height:1.{i % 9}}}")
    parts.append("</style>")
    parts.append("<script>window.__CONFIG__={")
    parts.append(",".join(f'"slot{i}":{{"id":"{family[:3]}-{(seed * (i + 1)) % 10 ** 9}","w":{300 + i % 5 * 20},'
                          f'"h":{250 + i % 3 * 50}}}' for i in range(90)))
    parts.append("};(function(w,d){var s=d.createElement('script');s.async=1;"
                 "s.src='https://www.googletagmanager.com/gtag/js?id=G-XXXX';d.head.appendChild(s);})(window,document);"
                 "</script>")
    return "".join(parts)


def head(title: str, url: str, extra: str = "", family: str = "") -> str:
    return ('<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8">\n'
            f"<title>{t(title)}</title>\n"
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f'<link rel="canonical" href="{a(url)}">\n'
            f"{extra}"
            '<link rel="icon" href="/favicon.ico">\n'
            f"{filler(family)}\n</head>\n")


def og(url: str, title: str, description: str | None, image: str | None, type_: str = "article",
       site_name: str = "") -> str:
    out = [f'<meta property="og:url" content="{a(url)}">', f'<meta property="og:title" content="{a(title)}">']
    if description is not None:
        out.append(f'<meta property="og:description" content="{a(description)}">')
    if image:
        out.append(f'<meta property="og:image" content="{a(image)}">')
    if type_:
        out.append(f'<meta property="og:type" content="{type_}">')
    if site_name:
        out.append(f'<meta property="og:site_name" content="{a(site_name)}">')
    return "\n".join(out) + "\n"


def header(site: str) -> str:
    menu = MENUS.get(site, [])
    lis = []
    for label, path, subs in menu:
        sub = ""
        if subs:
            sub = '<ul class="sub-menu">' + "".join(f'<li><a href="{a(p)}">{t(l)}</a></li>' for l, p in subs) + "</ul>"
        lis.append(f'<li class="menu-item"><a href="{a(path)}">{t(label)}</a>{sub}</li>')
    # the same menu repeated as the mobile drawer, as real pages do
    ul = "<ul>" + "".join(lis) + "</ul>"
    return (f'<header class="header"><div class="top-bar"><a class="logo" href="/">{t(SITE_NAMES[site])}</a>'
            '<form class="search" action="/search"><input name="q" placeholder="Tìm kiếm"></form></div>'
            f'<nav class="menu">{ul}</nav><div class="menu-mobile" hidden>{ul}</div></header>\n')


def footer(site: str) -> str:
    org, addr, lic = FOOTERS[site]
    links = "".join(f'<a href="{a(p)}">{t(l)}</a> ' for l, p, _ in MENUS.get(site, []))
    return (f'<footer class="footer"><div class="footer-menu">{links}</div>'
            f'<div class="footer-info"><p>{t(SITE_NAMES[site])} - {t(org)}</p><p>Địa chỉ: {t(addr)}</p>'
            f"<p>{t(lic)}</p><p>Điện thoại: 024.3825.xxxx - Email: toasoan@example.vn</p></div>"
            '<div class="mobile-version"><a href="?m=1">Phiên bản di động</a></div>'
            f'<div class="copyright">© Bản quyền thuộc về {t(SITE_NAMES[site])}. '
            "Cấm sao chép dưới mọi hình thức nếu không có sự chấp thuận bằng văn bản.</div></footer>\n")


class SiteContext:
    """What a renderer may use besides the article itself: the site's other articles."""

    def __init__(self, site: str, host: str, articles: list[ReplayArticle]):
        self.site, self.host = site, host
        self.articles = articles                 # newest first (listing order)
        self.by_title = {x.title: x.url for x in articles}
        self.index = {x.url: i for i, x in enumerate(articles)}

    def others(self, art: ReplayArticle | None, k: int, salt: str) -> list[ReplayArticle]:
        """k other articles, deterministic per (article, salt)."""
        pool = self.articles
        if not pool:
            return []
        n = len(pool)
        start = h(art.url if art else "", salt) % n
        step = 1 + h(salt) % 5 if n > 6 else 1
        out, seen = [], set()
        i = start
        while len(out) < k and len(seen) < n:
            cand = pool[i % n]
            if cand.url not in seen:
                seen.add(cand.url)
                if art is None or cand.url != art.url:
                    out.append(cand)
            i += step
            if len(seen) >= n or i - start > 6 * n:
                break
        return out

    def newest(self, k: int, exclude: ReplayArticle | None = None) -> list[ReplayArticle]:
        return [x for x in self.articles[:k + 1] if exclude is None or x.url != exclude.url][:k]

    def link_for_title(self, title: str, art: ReplayArticle | None, i: int) -> str:
        """URL for a related/teaser title: the corpus article with that title, else another real
        corpus article (captured teaser titles are not in the corpus; link them to a live page)."""
        url = self.by_title.get(title)
        if url:
            return path_of(url)
        o = self.others(art, i + 1, "teaser-link")
        return path_of(o[-1].url) if o else "/"


def sidebar(ctx: SiteContext, art: ReplayArticle | None) -> str:
    new = "".join(f'<li><a href="{a(path_of(x.url))}">{t(x.title)}</a></li>' for x in ctx.newest(8, art))
    hot = "".join(f'<li><a href="{a(path_of(x.url))}">{t(x.title)}</a></li>' for x in ctx.others(art, 6, "hot"))
    return (f'<aside class="sidebar"><div class="box-news-latest"><h3>Tin mới</h3><ul>{new}</ul></div>'
            f'<div class="banner-ads" data-slot="sidebar-1"></div>'
            f'<div class="box-most-read"><h3>Đọc nhiều</h3><ol>{hot}</ol></div></aside>\n')


def not_found_page(site: str, url: str) -> str:
    site = site if site in SITE_NAMES else "laodongthudo"
    return (head("Không tìm thấy trang - " + SITE_NAMES[site], url, '<meta name="robots" content="noindex">\n',
                 family="err") + "<body>" + header(site) +
            '<main class="error-404"><h1>404</h1><p>Trang bạn tìm kiếm không tồn tại hoặc đã bị xóa.</p>'
            '<a href="/">Về trang chủ</a></main>' + footer(site) + "</body></html>")


def home_page(ctx: SiteContext, url: str, sections: list[tuple[str, str]]) -> str:
    secs = "".join(f'<li><a href="{a(p)}">{t(l)}</a></li>' for l, p in sections)
    items = "".join(f'<div class="home-item"><h3><a href="{a(path_of(x.url))}">{t(x.title)}</a></h3>'
                    f"<p>{t(x.sapo)}</p></div>" for x in ctx.articles[:12])
    return (head(SITE_NAMES[ctx.site], url, og(url, SITE_NAMES[ctx.site], None, None, "website"),
                 family="home") + "<body>" + header(ctx.site) +
            f'<main class="home"><ul class="home-sections">{secs}</ul><div class="home-latest">{items}</div></main>'
            + sidebar(ctx, None) + footer(ctx.site) + "</body></html>")
