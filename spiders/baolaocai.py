"""baolaocai.vn: Báo Lào Cai (EPI CMS). The union tag page, plus the site's RSS feed."""
from crawler.families import EPISpider


class BaolaocaiSpider(EPISpider):
    name = "baolaocai"
    allowed_domains = ["baolaocai.vn"]
    start_urls = ["https://baolaocai.vn/cong-doan-lao-cai-tag4194.html"]
    feed_urls = ["https://baolaocai.vn/rss/home.rss"]
