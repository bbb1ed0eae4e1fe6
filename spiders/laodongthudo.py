"""laodongthudo.vn: Lao Động Thủ Đô, paper of the Hanoi Federation of Labour (MasterCMS)."""
from crawler.families import MasterCMSSpider

SECTIONS = [
    # trade union
    "/cong-doan", "/cong-doan/hoat-dong", "/cong-doan/vi-loi-ich-doan-vien",
    "/cong-doan/thang-cong-nhan", "/cong-doan/thu-do-anh-hung-thanh-pho-hoa-binh",
    # labour
    "/lao-dong", "/lao-dong/doi-song", "/lao-dong/viec-lam", "/lao-dong/bhxh",
]


class LaodongthudoSpider(MasterCMSSpider):
    name = "laodongthudo"
    allowed_domains = ["laodongthudo.vn"]
    start_urls = [f"https://laodongthudo.vn{path}" for path in SECTIONS]
    rules = MasterCMSSpider.rules.but(sapo_prefix=r"\(LĐTĐ\)")
