"""laodong.vn: Báo Lao Động, the Vietnam General Confederation of Labour's paper. A bare declaration.

No family template: what sites.md marks [seen] (URL shape, union sections, listing and pagination
selectors, date, body, tags, breadcrumb, the section RSS); the rest (title, lead, author, and any
selector that stops matching) is read by the generic layer, and discovery falls back to the home
page and its menu when a section moves; feeds and sitemaps are read every run (crawler/discovery/).
"""
from crawler.extraction import SiteRules
from crawler.newsspider import NewsSpider

SECTIONS = ["/cong-doan/", "/cong-doan-toan-quoc/", "/vi-loi-ich-doan-vien/",
            "/thiet-che-cong-doan/", "/chung-toi-la-can-bo-cong-doan/"]


class LaodongSpider(NewsSpider):
    name = "laodong"
    allowed_domains = ["laodong.vn"]
    start_urls = [f"https://laodong.vn{path}" for path in SECTIONS]
    feed_urls = ["https://laodong.vn/rss/cong-doan.rss"]
    # /<section>/<ascii-slug>-<numeric id>.ldo; older links end .bld
    article_url = r"^https://[^/]+/(?:[a-z0-9\-]+/)*[a-z0-9\-]+-(?P<id>\d+)\.(?:ldo|bld)$"
    listing_links = ("li article.article-large header a",)
    pagination_links = ("ul.pagination li.active + li a",)
    rules = SiteRules(
        date=(".time time",),
        body=(".article-content p",),
        tags=(".keywords a",),
        section=(".breadcrumb a",),
    )
