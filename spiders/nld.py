"""nld.com.vn: Người Lao Động. A bare declaration read by the generic layer alone (rules = None).

Only what sites.md marks [seen]: the article URL shape (a 17-digit timestamp id), the union
section's sub-section page and its RSS feed. `/cong-doan.htm` (the section itself) follows the
shape of its sub-sections; if it is not there, discovery reads the home page and its menu, and
feeds and sitemaps are read every run (crawler/discovery/). Listing links come from each page's
main content, next pages from rel=next / the URL's page number, the article's fields from
og:/JSON-LD meta and trafilatura.
"""
from crawler.newsspider import NewsSpider


class NldSpider(NewsSpider):
    name = "nld"
    allowed_domains = ["nld.com.vn"]
    start_urls = ["https://nld.com.vn/cong-doan.htm", "https://nld.com.vn/cong-doan/viec-lam.htm"]
    feed_urls = ["https://nld.com.vn/cong-doan.rss"]
    article_url = r"^https://[^/]+/(?:[a-z0-9\-]+/)*[a-z0-9\-]+-(?P<id>\d{17})\.htm$"
    rules = None
