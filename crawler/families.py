"""Spider templates for the CMS families the source sites run on (see shared/sites.md).

Selectors are marked with what ../shared/sites.md knows of them: [seen] on the site, [family] on
sister sites, [unknown] (a fast path only: when it matches nothing, the fallbacks of
crawler/extraction.py answer and the run says which rule drifted).

A site is a short declaration on one of these: its name, hosts, start pages and the few rules
that differ (the lead's source prefix). The MasterCMS template also serves sister sites such as
thoidai.com.vn or baoquocte.vn; the EPI template tienphong.vn, nhandan.vn, sggp.org.vn.
"""
from crawler.extraction import SiteRules
from crawler.newsspider import NewsSpider

RIGHT_ALIGNED_BOLD = '[style*="right"] strong'


class MasterCMSSpider(NewsSpider):
    """MasterCMS: `/<slug>-<id>.html` (long-form `.media`), body in `#__MB_MASTERCMS_EL_3`."""
    article_url = r"^https://[^/]+/[a-z0-9\-]+-(?P<id>\d+)\.(?:html|media)$"
    listing_links = ("div.list_news_title h2 a", "div.list_news h2 a")
    pagination_links = ("div.__MB_ARTICLE_PAGING a",)
    feed_guesses = ("/rss_feed/{section}", "/rss_feed/")     # tried when a start page fails
    rules = SiteRules(
        title=("h1.title_detail",),                                       # [unknown]
        sapo=("div.sapo_detail",),                                        # [unknown]
        body=("div#__MB_MASTERCMS_EL_3", "div.__MASTERCMS_CONTENT"),      # [family]
        author=(f"div#__MB_MASTERCMS_EL_3 > p{RIGHT_ALIGNED_BOLD}",),     # [family]
        date=("span.format_date", "span.format_time"),                    # [family]
        tags=(".tags a",),                                                # [seen 2020]
        section=("div.breadcrumbs a",),                                   # [unknown]
        noise=("div.__MB_RELATED_INLINE", "script", "style"),
        noise_headings=("Có thể bạn quan tâm", "Nên xem", "Tin khác", "Đọc thêm", "Xem thêm",
                        "Phiên bản di động"),                             # [seen in seeds]
    )


class EPISpider(NewsSpider):
    """EPI CMS: `/<slug>-post<id>.html`, body in `div.article__body`, dates in meta."""
    article_url = r"^https://[^/]+/[a-z0-9\-]+-post(?P<id>\d+)\.html$"
    listing_links = ("div.b-grid__content .b-grid__title a", ".b-grid__title a")
    pagination_links = ("div.pagination a",)
    feed_guesses = ("/rss/home.rss",)                        # tried when a start page fails
    rules = SiteRules(                                                    # all [family]
        title=("h1.article__title",),
        sapo=("div.article__sapo",),
        body=("div.article__body",),
        author=("div.article__author",),
        date=('meta[property="article:published_time"]',),
        tags=("div.article__tag a",),
        noise=("script", "style", "div.social", "div.box-related-inline"),
        noise_headings=("Có thể bạn quan tâm", "Tin cùng chuyên mục"),     # [seen in seed]
    )


class HanoiGovSpider(NewsSpider):
    """hanoi.gov.vn: Liferay-like URLs; the id is the third number; the date ends the title."""
    article_url = (r"^https://[^/]+/tintuc_sukien/-/hn/[A-Za-z0-9]+/\d+/(?P<id>\d+)/\d+/"
                   r"[a-z0-9\-]+\.html$")
    listing_links = ("div.list-news a.title", "div.news-item a.title")
    pagination_links = ("div.taglib-page-iterator a",)
    rules = SiteRules(
        title=("h1.title-news",),                                         # [unknown]
        title_suffix=r"\(\s*\d{1,2}:\d{2}\s+\d{1,2}/\d{1,2}/\d{4}\s*\)",          # [seen]
        body=("div.content-news", "div.journal-content-article"),
        sapo_is_first_paragraph=True,
        sapo_prefix=r"HNP\s*[-–—]",
        author=(f"div.content-news > p{RIGHT_ALIGNED_BOLD}",),
        date=("h1.title-news span.time-news",),
        section=("div.breadcrumb a",),
        noise=("script", "style", "form"),
        noise_headings=("Các bài mới đăng", "Các bài đã đăng :", "Bài viết Xem"),   # [seen]
    )
