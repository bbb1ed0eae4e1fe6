"""tuoitrethudo.vn: Tuổi Trẻ Thủ Đô (MasterCMS). No union section: union news runs under news."""
from crawler.families import MasterCMSSpider


class TuoitrethudoSpider(MasterCMSSpider):
    name = "tuoitrethudo"
    allowed_domains = ["tuoitrethudo.vn"]
    start_urls = ["https://tuoitrethudo.vn/tin-tuc", "https://tuoitrethudo.vn/thoi-su"]
    rules = MasterCMSSpider.rules.but(sapo_prefix=r"TTTĐ\s*[-–—]")
