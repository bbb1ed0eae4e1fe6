"""What each replayed site serves besides its article pages: its listings (label, path, which
articles they hold) and their page sizes, the article-shaped pages that are not articles (a PDF, a
video-only page, a soft 404) and its robots.txt. Read by replay/web.py, which serves them.
"""
from __future__ import annotations

from . import declared
from .corpus import HANOIGOV_LISTING, SITES
from .declared import DECLARED_SITES
from .render import epi, hanoigov

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
