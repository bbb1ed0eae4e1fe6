"""Maps (method, host, request target) to a replay response: the whole offline "web".

    web = ReplayWeb(articles_per_site=40)
    r = web.respond("GET", "laodongthudo.vn", "/cong-doan&s_cond=&BRSR=16")
    r.status, r.headers, r.body

Serves, per site: every article page, every section listing with its pagination pages, `/`,
`/robots.txt`, baolaocai's `/rss/home.rss`; the mirror host tinbong247news.net; the two declared
sites laodong.vn and nld.com.vn (`replay/declared.py`: listings, RSS; no bad inputs); `www.<host>` →
301 to the bare host; an HTML 404 for anything else (502 for hosts that are not replayed).
`variant=NAME` (or `web.variant = NAME` while serving; the next request uses it) serves a layout
variant of replay/variants.py: the same articles in other markup, moved or redirected start pages,
load-more listings, paginated home pages, decoy sections, feeds, sitemaps. `listed(site)`,
`named(site)` and `channel_report(site)` say which articles the listing pages and the feeds/sitemaps
name under the current variant (where "listings incomplete?" is expected).
Bad inputs a crawl meets (see `bad_urls`): an empty laodongthudo section, one article-shaped URL
per site answering `application/pdf`, one undated article per site. No `Content-Length` header:
the server adds it. Pages are rendered lazily and kept in a small LRU cache.
"""
from __future__ import annotations

import hashlib
import re
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import timedelta, timezone
from email.utils import format_datetime
from urllib.parse import parse_qs

from . import declared, variants
from .corpus import DEFAULT_ARTICLES_PER_SITE, HANOIGOV_LISTING, HOSTS, REFERENCE, SITES, build_corpus
from .declared import DECLARED_SITES
from .model import Figure, ReplayArticle
from .render import SITE_NAMES, SiteContext, home_page, not_found_page, parse_iso, path_of
from .render import epi, hanoigov, laodong, mastercms, mirror, nld, restyle

# The family sites (SITES: the four the project started with, with bad inputs and syndicated
# copies) and the two declared ones (laodong.vn, nld.com.vn).
ALL_SITES = SITES + DECLARED_SITES

HTML = "text/html; charset=utf-8"
EMPTY_SECTION = "/cong-doan/thu-do-anh-hung-thanh-pho-hoa-binh"

# listings: (label, path, membership test on an article's section_path)
LISTINGS = {
    "laodongthudo": [("Công đoàn", "/cong-doan", lambda p: p.startswith("/cong-doan")),
                     *[(label, path, lambda p, path=path: p == path) for label, path in (
                         ("Hoạt động", "/cong-doan/hoat-dong"),
                         ("Vì lợi ích đoàn viên", "/cong-doan/vi-loi-ich-doan-vien"),
                         ("Tháng Công nhân", "/cong-doan/thang-cong-nhan"))],
                     ("Lao động", "/lao-dong", lambda p: p.startswith("/lao-dong")),
                     *[(label, path, lambda p, path=path: p == path) for label, path in (
                         ("Đời sống", "/lao-dong/doi-song"), ("Việc làm", "/lao-dong/viec-lam"),
                         ("BHXH", "/lao-dong/bhxh"))],
                     ("Thủ đô anh hùng - Thành phố hòa bình", EMPTY_SECTION, lambda p: False)],
    "tuoitrethudo": [("Tin tức", "/tin-tuc", lambda p: p == "/tin-tuc"),
                     ("Thời sự", "/thoi-su", lambda p: p == "/thoi-su")],
    "baolaocai": [("Công đoàn Lào Cai", "/cong-doan-lao-cai-tag4194.html", lambda p: True),
                  ("Xã hội", "/xa-hoi/", lambda p: p == "/xa-hoi/")],
    "hanoigov": [("Chính trị - Xã hội", HANOIGOV_LISTING, lambda p: True)],
    **declared.LISTINGS,
}
PAGE_SIZE = {"laodongthudo": 16, "tuoitrethudo": 10, "baolaocai": epi.PAGE_SIZE, "hanoigov": hanoigov.PAGE_SIZE,
             **declared.PAGE_SIZE}

# Pages at article-shaped URLs that are NOT articles, listed on each site's first listing page:
# a PDF, a video-only page, a "soft 404" (status 200, "page not found" text). A crawl must count
# them and store none.
_H = f"https://hanoi.gov.vn{HANOIGOV_LISTING}"
NON_ARTICLES = {
    "laodongthudo": {
        "pdf": ("Văn bản hướng dẫn tổ chức đại hội công đoàn cơ sở nhiệm kỳ 2023 - 2028",
                "https://laodongthudo.vn/van-ban-huong-dan-to-chuc-dai-hoi-cong-doan-co-so-nhiem-ky-2023-2028-160013.html"),
        "video": ("Video: Công nhân Thủ đô hân hoan đón Tết Sum vầy",
                  "https://laodongthudo.vn/video-cong-nhan-thu-do-han-hoan-don-tet-sum-vay-160014.html"),
        "soft404": ("Bài viết về Tháng Công nhân đã được gỡ",
                    "https://laodongthudo.vn/bai-viet-ve-thang-cong-nhan-da-duoc-go-160015.html")},
    "tuoitrethudo": {
        "pdf": ("Toàn văn Chỉ thị về tổ chức Tháng Công nhân năm 2026",
                "https://tuoitrethudo.vn/toan-van-chi-thi-ve-to-chuc-thang-cong-nhan-nam-2026-271777.html"),
        "video": ("Video: Tuổi trẻ Thủ đô chung tay vì công nhân",
                  "https://tuoitrethudo.vn/video-tuoi-tre-thu-do-chung-tay-vi-cong-nhan-271778.html"),
        "soft404": ("Thông báo tuyển dụng đã hết hạn",
                    "https://tuoitrethudo.vn/thong-bao-tuyen-dung-da-het-han-271779.html")},
    "baolaocai": {
        "pdf": ("Kế hoạch tổ chức Tháng Công nhân tỉnh Lào Cai năm 2026",
                "https://baolaocai.vn/ke-hoach-to-chuc-thang-cong-nhan-tinh-lao-cai-nam-2026-post403999.html"),
        "video": ("Video: Ngày hội công nhân Lào Cai",
                  "https://baolaocai.vn/video-ngay-hoi-cong-nhan-lao-cai-post404000.html"),
        "soft404": ("Bài viết không còn tồn tại",
                    "https://baolaocai.vn/bai-viet-khong-con-ton-tai-post404001.html")},
    "hanoigov": {
        "pdf": ("Kế hoạch thực hiện Chỉ thị số 12 về công tác công đoàn năm 2026",
                f"{_H}/3000001/1/ke-hoach-thuc-hien-chi-thi-so-12-ve-cong-tac-cong-oan-nam-2026.html"),
        "video": ("Video: Hội nghị đại biểu công nhân viên chức năm 2026",
                  f"{_H}/3000002/1/video-hoi-nghi-ai-bieu-cong-nhan-vien-chuc-nam-2026.html"),
        "soft404": ("Tin đã bị gỡ", f"{_H}/3000003/1/tin-a-bi-go.html")},
}
PDF_LINKS = {site: pages["pdf"] for site, pages in NON_ARTICLES.items()}
PDF_POSITION = 3
PDF_BYTES = (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
             b"2 0 obj\n<< /Type /Pages /Kids [3 0 R] /Count 1 >>\nendobj\n"
             b"3 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>\nendobj\n"
             b"trailer\n<< /Root 1 0 R >>\n%%EOF\n")

ROBOTS = {
    "laodongthudo": "User-agent: *\nDisallow: /apicenter@/\nDisallow: /search\nAllow: /\n",
    "tuoitrethudo": "User-agent: *\nDisallow: /apicenter@/\nDisallow: /search\nAllow: /\n",
    "baolaocai": "User-agent: *\nDisallow: /admin/\nDisallow: /api/\nDisallow: /search\nAllow: /\n",
    "hanoigov": "User-agent: *\nDisallow: /c/\nDisallow: /group/\nDisallow: /web/guest/login\nDisallow: /search\nAllow: /\n",
    "mirror": "User-agent: *\nDisallow: /wp-admin/\nAllow: /wp-admin/admin-ajax.php\nDisallow: /search\n",
    **declared.ROBOTS,
}


@dataclass
class Response:
    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""

    def header(self, name: str) -> str | None:
        for k, v in self.headers:
            if k.lower() == name.lower():
                return v
        return None


@dataclass
class _Listing:
    site: str
    label: str
    path: str
    entries: list[tuple[str, str, str]]     # (path, title, sapo)

    def n_pages(self, size: int) -> int:
        return max(1, -(-len(self.entries) // size))


class ReplayWeb:
    def __init__(self, corpus: dict[str, list[ReplayArticle]] | None = None, articles_per_site: int = DEFAULT_ARTICLES_PER_SITE,
                 seed: int = 1, extra: dict[str, int] | None = None, cache_size: int = 512,
                 encodings: bool = False, variant: str | None = None):
        self.corpus = corpus if corpus is not None else build_corpus(articles_per_site, seed, extra)
        # encodings=True: extra laodongthudo articles served in awkward encodings (replay/encodings.py)
        self.encoded: dict[str, str] = {}     # article URL -> encoding variant
        if encodings:
            from .encodings import SITE as _ESITE, encoded_articles
            extra_arts = encoded_articles(build_corpus, seed)
            self.encoded = {x.url: x.kind.removeprefix("encoding-") for x in extra_arts}
            self.corpus = {**self.corpus, _ESITE: extra_arts + list(self.corpus.get(_ESITE, []))}
        self.host_site = {HOSTS[s]: s for s in ALL_SITES}
        self.ctx = {s: SiteContext(s, HOSTS[s], self.corpus.get(s, [])) for s in ALL_SITES}
        self._articles: dict[str, dict[str, ReplayArticle]] = {
            s: {path_of(x.url): x for x in self.corpus.get(s, [])} for s in ALL_SITES}
        self._pdf = {s: path_of(u) for s, (_, u) in PDF_LINKS.items()}
        self._videos = {s: path_of(pages["video"][1]) for s, pages in NON_ARTICLES.items()}
        self._soft404 = {s: path_of(pages["soft404"][1]) for s, pages in NON_ARTICLES.items()}
        self._listings: dict[str, dict[str, _Listing]] = {}
        for s in ALL_SITES:
            arts = self.corpus.get(s, [])
            d = {}
            for i, (label, lpath, member) in enumerate(LISTINGS[s]):
                entries = [(path_of(x.url), x.title, x.sapo) for x in arts if member(x.section_path)]
                if i == 0 and s in NON_ARTICLES:
                    for k, (title, url) in enumerate(NON_ARTICLES[s].values()):
                        entries.insert(min(PDF_POSITION + 2 * k, len(entries)),
                                       (path_of(url), title, title + "."))
                d[_norm(lpath)] = _Listing(s, label, lpath, entries)
            self._listings[s] = d
        self._mirrors = {path_of(mirror.mirror_url(x)): x for x in self.corpus.get("laodongthudo", [])
                         if x.seed == "004"}
        self._cache: OrderedDict = OrderedDict()
        self._cache_size = cache_size
        self._variant: variants.Variant | None = None
        self.variant = variant

    @property
    def variant(self) -> str | None:
        """The layout variant served (replay/variants.py), None for the regular replay."""
        return self._variant.name if self._variant else None

    @variant.setter
    def variant(self, name: str | None) -> None:
        self._variant = variants.get(name)      # ValueError for an unknown name

    def _public(self, site: str, path: str) -> str:
        """Where a listing is served under the current variant ("" when it is gone)."""
        return self._variant.public_path(site, path) if self._variant else path

    # ------------------------------------------------------------------ inventory
    def articles(self, site: str | None = None, sites: tuple[str, ...] = SITES) -> list[ReplayArticle]:
        """The real articles (what a full crawl must store), newest first per site: of `site`, else
        of `sites` (default: the four family sites; `sites=ALL_SITES` adds laodong.vn, nld.com.vn)."""
        if site:
            return [x for x in self.corpus.get(site, []) if not x.copy_of]
        return [x for s in sites for x in self.corpus.get(s, []) if not x.copy_of]

    def copies(self, site: str | None = None) -> list[ReplayArticle]:
        """Syndicated copies of other sites' articles (`copy_of`): not to be stored again."""
        return [x for s in SITES if site in (None, s) for x in self.corpus.get(s, []) if x.copy_of]

    def start_urls(self, site: str) -> list[str]:
        """First page of every listing of the site (the first one is the main start page), where the
        current variant serves it (listings merged into one by redirects: once)."""
        return list(dict.fromkeys(f"https://{HOSTS[site]}{p}" for l in self._listings[site].values()
                                  if (p := self._public(site, l.path))))

    def moved_urls(self, site: str) -> list[str]:
        """Listing URLs of the regular replay that answer 404 under the current variant."""
        gone = self._variant.redirects.get(site, {}) if self._variant else {}
        return [f"https://{HOSTS[site]}{l.path}" for l in self._listings[site].values()
                if self._public(site, l.path) != l.path and l.path not in gone]

    def redirected_urls(self, site: str) -> dict[str, tuple[str, int]]:
        """Listing URLs of the regular replay that redirect under the current variant: {old: (new, status)}."""
        gone = self._variant.redirects.get(site, {}) if self._variant else {}
        return {f"https://{HOSTS[site]}{old}": (f"https://{HOSTS[site]}{new}", status)
                for old, (new, status) in gone.items()}

    def listing_urls(self, site: str) -> list[str]:
        """Every listing page URL (all sections, all pagination pages) the current variant serves."""
        out = []
        for l, public, size, n_pages in self._served_listings(site):
            for n in range(1, n_pages + 1):
                out.append(f"https://{HOSTS[site]}{self._page_path(site, public, n)}")
        return out

    def home_urls(self, site: str) -> list[str]:
        """The home page and, when the variant paginates it, its other pages."""
        home = self._variant.home.get(site) if self._variant else None
        if not home:
            return [f"https://{HOSTS[site]}/"]
        n_pages = max(1, -(-len(self.ctx[site].articles) // home["style"]["page_size"]))
        return [f"https://{HOSTS[site]}{restyle.shaped(home['style']['shape'], '/', n)}" for n in range(1, n_pages + 1)]

    def _served_listings(self, site: str):
        """(listing, public path, page size, pages served) per listing served (one per public path)."""
        style = self._variant.listing.get(site, {}) if self._variant else {}
        seen, out = set(), []
        for l in self._listings[site].values():
            public = self._public(site, l.path)
            if not public or public in seen:
                continue
            seen.add(public)
            size = style.get("page_size", PAGE_SIZE[site])
            out.append((l, public, size, 1 if style.get("paging") == "load-more" else l.n_pages(size)))
        return out

    def _page_path(self, site: str, public: str, n: int) -> str:
        style = self._variant.listing.get(site, {}) if self._variant else {}
        if "shape" in style:
            return restyle.shaped(style["shape"], public, n)
        return _page_path(site, public, n)

    # ------------------------------------------------------------------ what each channel names
    def listed(self, site: str) -> set[str]:
        """Article URLs (real articles and copies) linked as stories from the site's listing pages
        and home pages served under the current variant (by data: the entries each page shows)."""
        arts = {path_of(x.url): x.url for x in self.corpus.get(site, [])}
        out = set()
        for l, public, size, n_pages in self._served_listings(site):
            out |= {arts[p] for p, _, _ in l.entries[:size * n_pages] if p in arts}
        home = self._variant.home.get(site) if self._variant else None
        out |= {x.url for x in (self.ctx[site].articles if home else self.ctx[site].articles[:12])}
        return out

    def named(self, site: str) -> set[str]:
        """Article URLs the site's feeds and sitemaps name under the current variant."""
        out: set[str] = set()
        arts = self.ctx[site].articles
        if site == "baolaocai" or site in declared.FEEDS:
            out |= {x.url for x in arts[:20]}
        v = self._variant
        if v:
            for _ in v.feeds.get(site, {}):
                size = v.feed_size.get(site, 20)
                out |= {x.url for x in (arts if size is None else arts[:size])}
            if site in v.sitemaps:
                out |= {x.url for x in arts}
        return out

    def channel_report(self, site: str) -> dict:
        """{named, missed, incomplete}: articles the feeds/sitemaps name, those no listing page shows,
        and whether that is 20 % or more (where a crawl must say "listings incomplete?")."""
        named = self.named(site)
        missed = named - self.listed(site)
        return {"named": len(named), "missed": len(missed),
                "incomplete": bool(named) and len(missed) >= 0.2 * len(named)}

    def bad_urls(self, site: str) -> dict[str, list[str]]:
        """Bad inputs reachable on the site: {"pdf", "video", "soft404", "empty_listing", "undated"}.

        "undated" articles are real articles (stored with an empty date); the others are not."""
        return {**{kind: [url] for kind, (_, url) in NON_ARTICLES.get(site, {}).items()},
                "empty_listing": [f"https://{HOSTS[site]}{EMPTY_SECTION}"] if site == "laodongthudo" else [],
                "undated": [x.url for x in self.corpus.get(site, []) if not x.published_at]}

    def mirror_urls(self) -> list[str]:
        return [f"https://{mirror.HOST}{p}" for p in self._mirrors]

    # ------------------------------------------------------------------ HTTP
    def respond(self, method: str, host: str, target: str) -> Response:
        method = method.upper()
        if method not in ("GET", "HEAD"):
            return Response(405, [("Allow", "GET, HEAD"), ("Content-Type", "text/plain; charset=utf-8")],
                            b"method not allowed\n")
        host = host.lower().split(":", 1)[0].rstrip(".")
        if not target.startswith("/"):
            # absolute-form target (proxy request): keep only the path
            m = re.match(r"^[a-z]+://[^/]+(/.*)?$", target, re.I)
            target = (m.group(1) or "/") if m else "/" + target
        if host.startswith("www.") and (host[4:] in self.host_site or host[4:] == mirror.HOST):
            loc = f"https://{host[4:]}{target}"
            return Response(301, [("Location", loc), ("Content-Type", HTML)],
                            f'<html><body><a href="{loc}">Moved</a></body></html>'.encode())
        key = (self.variant, host, target)
        hit = self._cache.get(key)
        if hit is None:
            hit = self._respond(host, target)
            self._cache[key] = hit
            if len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        else:
            self._cache.move_to_end(key)
        if method == "HEAD":
            return Response(hit.status, list(hit.headers), b"")
        return hit

    def _respond(self, host: str, target: str) -> Response:
        if host == mirror.HOST:
            return self._mirror(target)
        site = self.host_site.get(host)
        if site is None:
            return Response(502, [("Content-Type", "text/plain; charset=utf-8")],
                            f"replay: host {host} is not replayed\n".encode())
        path, _, query = target.partition("?")
        if self._variant:
            routed = self._variant_route(site, host, path, query)
            if routed is not None:
                return routed
        if path == "/robots.txt":
            return _text(ROBOTS[site], "text/plain; charset=utf-8")
        if site == "baolaocai" and path == "/rss/home.rss":
            dated = [x for x in self.corpus.get(site, [])]
            return _text(epi.rss(self.ctx[site], dated[:20]), "application/rss+xml; charset=utf-8")
        if path == declared.FEEDS.get(site):
            render = laodong.rss if site == "laodong" else nld.rss
            return _text(render(self.ctx[site], "Công đoàn", self.corpus[site][:20]),
                         "application/rss+xml; charset=utf-8")
        if path == "/":
            secs = [(l.label, l.path) for l in self._listings[site].values()]
            return _html(home_page(self.ctx[site], f"https://{host}/", secs))
        art = self._articles[site].get(path)
        if art is not None:
            return self._article(site, art)
        if path == self._pdf.get(site):
            return Response(200, [("Content-Type", "application/pdf"),
                                  ("Content-Disposition", 'inline; filename="van-ban.pdf"')], PDF_BYTES)
        if path == self._videos.get(site):
            return self._article(site, _video_page(site))
        if path == self._soft404.get(site):
            return _html(not_found_page(site, f"https://{host}{target}"))
        listing = self._listing(site, path, query)
        if listing is not None:
            return listing
        return Response(404, [("Content-Type", HTML)],
                        not_found_page(site, f"https://{host}{target}").encode())

    def _variant_route(self, site: str, host: str, path: str, query: str = "") -> Response | None:
        """robots.txt, home pages, feeds, sitemaps, redirects, decoy sections and load-more fragments
        the current variant adds or changes."""
        v, ctx = self._variant, self.ctx[site]
        target = path + (f"?{query}" if query else "")
        if path == "/robots.txt" and site in v.robots:
            return _text(ROBOTS[site] + v.robots[site], "text/plain; charset=utf-8")
        moved = self._redirect(site, host, path, query)
        if moved is not None:
            return moved
        home = v.home.get(site)
        if home:
            page = restyle.match_shape(home["style"]["shape"], "/", target)
            if page is not None:
                return self._home(site, host, page, home)
        elif path == "/" and v.touches_discovery(site):
            secs = [(l.label, p) for l in self._listings[site].values() if (p := self._public(site, l.path))]
            return _html(restyle.home_page(ctx, f"https://{host}/", list(dict.fromkeys(secs)),
                                           list(v.feeds.get(site, {})),
                                           v.listing.get(site, {}).get("paging") == "load-more"))
        if path in v.decoys.get(site, {}):
            label, parent = v.decoys[site][path]
            return _html(restyle.section_empty(ctx, f"https://{host}{path}", label, parent, self._menu(site)))
        if path in v.feeds.get(site, {}):
            size = v.feed_size.get(site, 20)
            items = ctx.articles if size is None else ctx.articles[:size]
            return _text(restyle.rss(ctx, v.feeds[site][path], f"https://{host}/", items),
                         "application/rss+xml; charset=utf-8")
        m = re.fullmatch(r"/ajax/more/(\d+)/(\d+)", path)
        style = v.listing.get(site, {})
        if m and style.get("paging") == "load-more":
            served = self._served_listings(site)
            zone, page = int(m.group(1)), int(m.group(2))
            if zone < len(served) and page >= 2:
                l, _, size, _ = served[zone]
                entries = l.entries[(page - 1) * size: page * size]
                if entries:
                    return _html(restyle.more_fragment(style, entries, ctx))
        kind = v.sitemaps.get(site)
        xml = "application/xml; charset=utf-8"
        if kind == "urlset" and path == "/sitemap.xml":
            return _text(restyle.urlset(ctx.articles, REFERENCE_ISO), xml)
        if kind == "index":
            months = _by_month(ctx.articles)
            if path == "/sitemap.xml":
                parts = [(f"/sitemaps/news-{m}.xml", max(x.published_at or REFERENCE_ISO for x in arts))
                         for m, arts in months.items()]
                return _text(restyle.sitemap_index(host, parts), xml)
            m = re.fullmatch(r"/sitemaps/news-(\d{4}-\d{1,2})\.xml", path)
            if m and m.group(1) in months:
                return _text(restyle.urlset(months[m.group(1)], REFERENCE_ISO), xml)
        if kind == "news-index":
            # an index, newest first: the news sitemap (stories of the last two days, Google News),
            # then one news sitemap a month (every story with its publication date)
            months = _by_month(ctx.articles)
            recent = [x for x in ctx.articles if (x.published_at or REFERENCE_ISO) >= NEWS_SITEMAP_SINCE]
            name = SITE_NAMES[site]
            if path == "/sitemap.xml":
                parts = [("/sitemaps/news.xml", max((x.published_at or REFERENCE_ISO for x in recent),
                                                    default=REFERENCE_ISO))]
                parts += [(f"/sitemaps/{int(m.split('-')[0]):04d}-{int(m.split('-')[1]):02d}.xml",
                           max(x.published_at or REFERENCE_ISO for x in arts)) for m, arts in months.items()]
                return _text(restyle.sitemap_index(host, parts), xml)
            if path == "/sitemaps/news.xml":
                return _text(restyle.news_urlset(recent, name, REFERENCE_ISO), xml)
            m = re.fullmatch(r"/sitemaps/(\d{4})-(\d{2})\.xml", path)
            if m and f"{int(m.group(1))}-{int(m.group(2))}" in months:
                return _text(restyle.news_urlset(months[f"{int(m.group(1))}-{int(m.group(2))}"], name,
                                                 REFERENCE_ISO), xml)
        return None

    def _redirect(self, site: str, host: str, path: str, query: str) -> Response | None:
        """301/308 from a listing's old path (and its old pagination pages) to its new path."""
        moves = self._variant.redirects.get(site)
        if not moves:
            return None
        for old, (new, status) in moves.items():
            base = old.rstrip("/") or "/"
            rest = path[len(base):] if path.startswith(base) else None
            if rest is None or (rest and rest not in ("/",) and not rest.startswith(("&", "/p", "/trang-"))):
                continue
            if rest.startswith("/p") and not re.fullmatch(r"/p\d+/?", rest):
                continue
            loc = f"https://{host}{new}"
            return Response(status, [("Location", loc), ("Content-Type", HTML)],
                            f'<html><body><a href="{loc}">Moved</a></body></html>'.encode())
        return None

    def _menu(self, site: str) -> str:
        """The header menu of the variant's home and decoy pages: moved sections at their new paths,
        the extra mega-menu entries."""
        home = self._variant.home.get(site, {})
        replace = {**{o: n for o, n in self._variant.moved.get(site, {}).items() if n},
                   **{o: n for o, (n, _) in self._variant.redirects.get(site, {}).items()},
                   **home.get("replace", {})}
        return restyle.header_with(site, home.get("menu", []), replace)

    def _home(self, site: str, host: str, page: int, home: dict) -> Response | None:
        arts = self.ctx[site].articles
        style = home["style"]
        size = style["page_size"]
        n_pages = max(1, -(-len(arts) // size))
        if page > n_pages:
            return None
        url = f"https://{host}{restyle.shaped(style['shape'], '/', page)}"
        return _html(restyle.home_paged(self.ctx[site], url, page, n_pages, arts[(page - 1) * size: page * size],
                                        style, lambda n: restyle.shaped(style["shape"], "/", n), self._menu(site),
                                        list(self._variant.feeds.get(site, {}))))

    def _article(self, site: str, art: ReplayArticle) -> Response:
        ctx = self.ctx[site]
        if self._variant and site in self._variant.article:
            body = self._variant.article[site](ctx, art)
        elif site in ("laodongthudo", "tuoitrethudo"):
            body = mastercms.article_page(ctx, art)
        elif site == "baolaocai":
            body = epi.article_page(ctx, art)
        elif site == "laodong":
            body = laodong.article_page(ctx, art)
        elif site == "nld":
            body = nld.article_page(ctx, art)
        else:
            body = hanoigov.article_page(ctx, art)
        # the ETag changes with the article's text, as a real server's does
        tag = hashlib.sha1(f"{art.url}|{art.title}|{art.sapo}|{art.blocks}".encode()).hexdigest()
        headers = [("Content-Type", HTML), ("Cache-Control", "max-age=300"), ("ETag", f'"{tag[:20]}"')]
        if art.published_at:
            mod = epi.modified(art.published_at) if site == "baolaocai" else art.published_at
            if self._variant and site in self._variant.article and self._variant.last_modified == "modified":
                mod = epi.modified(art.published_at)
            headers.append(("Last-Modified", format_datetime(parse_iso(mod).astimezone(timezone.utc), usegmt=True)))
        if art.url in self.encoded:     # encodings=True: the same page in another encoding
            from .encodings import encode_page
            return Response(200, *encode_page(self.encoded[art.url], body, headers))
        return Response(200, headers, body.encode("utf-8"))

    def _listing(self, site: str, path: str, query: str) -> Response | None:
        v = self._variant
        if v and "shape" in v.listing.get(site, {}):
            return self._shaped_listing(site, path + (f"?{query}" if query else ""))
        size = PAGE_SIZE[site]
        page = 1
        q = parse_qs(query)
        if site == "laodongthudo" and "&" in path:
            path, _, params = path.partition("&")
            q.update(parse_qs(params, keep_blank_values=True))
            try:
                page = int(q.get("BRSR", ["0"])[0] or 0) // size + 1
            except ValueError:
                return None
        elif site == "tuoitrethudo":
            m = re.match(r"^(/.+?)/p(\d+)/?$", path)
            if m:
                path, page = m.group(1), int(m.group(2))
        elif site == "baolaocai" and "page" in q:
            page = _int(q["page"][0])
        elif site == "hanoigov" and "cur" in q:
            page = _int(q["cur"][0])
        elif site in DECLARED_SITES:
            path, page = declared.parse_page(site, path, q)
        v = self._variant
        if v and (site in v.moved or site in v.redirects):
            moves = {_norm(old): _norm(new) if new else "" for old, new in v.moved.get(site, {}).items()}
            moves.update({_norm(old): _norm(new) for old, (new, _) in v.redirects.get(site, {}).items()})
            if _norm(path) in moves:
                return None                      # the old start page answers 404
            path = {new: old for old, new in moves.items() if new}.get(_norm(path), path)
        listing = self._listings[site].get(_norm(path))
        if listing is None or page < 1:
            return None
        if v and "page_size" in v.listing.get(site, {}):
            size = v.listing[site]["page_size"]
        n_pages = listing.n_pages(size)
        if page > n_pages:
            return None
        entries = listing.entries[(page - 1) * size: page * size]
        public = self._public(site, listing.path)
        url = f"https://{HOSTS[site]}{_page_path(site, public, page)}"
        ctx = self.ctx[site]
        if v and site in v.listing:
            body = restyle.listing_page(ctx, url, listing.label, public, entries, page, n_pages,
                                        lambda n: _page_path(site, public, n), v.listing[site],
                                        list(v.feeds.get(site, {})))
        elif site in ("laodongthudo", "tuoitrethudo"):
            body = mastercms.listing_page(ctx, url, listing.label, public, entries, page, n_pages)
        elif site == "baolaocai":
            body = epi.listing_page(ctx, url, listing.label, public, entries, page, n_pages)
        elif site in DECLARED_SITES:
            render = laodong.listing_page if site == "laodong" else nld.listing_page
            body = render(ctx, url, listing.label, public, entries, page, n_pages,
                          lambda p, n, site=site: declared.page_path(site, p, n))
        else:
            body = hanoigov.listing_page(ctx, url, listing.label, public, entries, page, n_pages)
        return _html(body)

    def _shaped_listing(self, site: str, target: str) -> Response | None:
        """A listing page of a variant whose listings use a URL shape of restyle.SHAPES (or load more)."""
        v, ctx = self._variant, self.ctx[site]
        style = v.listing[site]
        for zone, (listing, public, size, n_pages) in enumerate(self._served_listings(site)):
            page = restyle.match_shape(style["shape"], public, target)
            if page is None:
                continue
            if page > n_pages:
                return None
            entries = listing.entries[(page - 1) * size: page * size]
            url = f"https://{HOSTS[site]}{restyle.shaped(style['shape'], public, page)}"
            body = restyle.listing_page(ctx, url, listing.label, public, entries, page, n_pages,
                                        lambda n: restyle.shaped(style["shape"], public, n),
                                        {**style, "zone": str(zone)}, list(v.feeds.get(site, {})))
            return _html(body)
        return None

    def _mirror(self, target: str) -> Response:
        path = target.partition("?")[0]
        if path == "/robots.txt":
            return _text(ROBOTS["mirror"], "text/plain; charset=utf-8")
        if path == "/":
            return _html(mirror.home_page(list(self._mirrors.values())))
        orig = self._mirrors.get(path)
        if orig is not None:
            return _html(mirror.article_page(orig))
        return Response(404, [("Content-Type", HTML)], not_found_page("mirror", f"https://{mirror.HOST}{target}").encode())


def _video_page(site: str) -> ReplayArticle:
    """A video-only page: the site's article template around one player and a one-line caption."""
    title, url = NON_ARTICLES[site]["video"]
    return ReplayArticle(
        site=site, url=url, article_id="0", title=title, sapo="", author=None,
        blocks=[Figure(image_url=f"https://{HOSTS[site]}/video/poster.jpg", caption="Video: Phóng viên.")],
        published_at="2026-11-19T20:00:00+07:00", section="Video", section_path="/video", kind="video")


def _page_path(site: str, section_path: str, n: int) -> str:
    if site in ("laodongthudo", "tuoitrethudo"):
        return mastercms.page_path(site, section_path, n)
    if site == "baolaocai":
        return epi.page_path(section_path, n)
    if site in DECLARED_SITES:
        return declared.page_path(site, section_path, n)
    return hanoigov.page_path(section_path, n)


REFERENCE_ISO = REFERENCE.isoformat()
NEWS_SITEMAP_SINCE = (REFERENCE - timedelta(days=2)).isoformat()


def _by_month(articles: list[ReplayArticle]) -> dict[str, list[ReplayArticle]]:
    """Articles per "YYYY-M" of publication (undated ones in the newest month), newest month first."""
    months: dict[str, list[ReplayArticle]] = {}
    newest = next((x.published_at for x in articles if x.published_at), REFERENCE_ISO)
    for x in articles:
        when = parse_iso(x.published_at or newest)
        months.setdefault(f"{when.year}-{when.month}", []).append(x)
    return dict(sorted(months.items(), key=lambda kv: tuple(map(int, kv[0].split("-"))), reverse=True))


def _norm(path: str) -> str:
    return path.rstrip("/") or "/"


def _int(v: str) -> int:
    try:
        return int(v)
    except ValueError:
        return -1


def _html(body: str) -> Response:
    return Response(200, [("Content-Type", HTML), ("Cache-Control", "max-age=60")], body.encode("utf-8"))


def _text(body: str, ctype: str) -> Response:
    return Response(200, [("Content-Type", ctype)], body.encode("utf-8"))
