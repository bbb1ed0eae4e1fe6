"""hanoi.gov.vn: the Hanoi city portal (Liferay-like). The political and social news listing."""
from crawler.families import HanoiGovSpider


class HanoigovSpider(HanoiGovSpider):
    name = "hanoigov"
    allowed_domains = ["hanoi.gov.vn"]
    start_urls = ["https://hanoi.gov.vn/tintuc_sukien/-/hn/ZVOm7e3VDMRM/7320"]
