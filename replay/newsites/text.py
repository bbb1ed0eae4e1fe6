"""Articles of the replay's new sites (replay/newsites/): union and labour news from the replay's
phrase machinery (replay/phrases.py), and sport and weather stories from the small pools here.

`section_articles(site, host, sections, url_of, seed)` returns the site's `ReplayArticle`s, newest
first, interleaved across sections, deterministic for a seed. Each section is (label, path, kind,
count) with kind "union", "labour", "sport" or "weather"; the union and labour ones are what
`newscrawl add-site` must find (the truth of bench/addsite.py).
"""
from __future__ import annotations

import random
from datetime import timedelta

from ..corpus import REFERENCE, _cap_after_colon, iso, slugify
from ..model import ReplayArticle
from ..phrases import AUTHORS, EVENTS, GROUPS, SAPOS, TITLES, TOPICS, Phrases

UNION_KINDS = ("union", "labour")

TEAMS = ["Hải Phòng", "Hà Nội FC", "Thể Công Viettel", "Nam Định", "Thanh Hóa", "Sông Lam Nghệ An",
         "Hoàng Anh Gia Lai", "Becamex Bình Dương", "Đà Nẵng", "Quảng Nam", "Bình Định", "Khánh Hòa",
         "Long An", "Bà Rịa - Vũng Tàu", "Huế", "Phố Hiến"]
SPORTS = ["bóng chuyền nữ", "cầu lông", "bóng bàn", "điền kinh", "cờ vua", "bơi lội", "quần vợt",
          "xe đạp", "taekwondo", "bóng rổ"]
SPORT_TITLES = [
    "{team} thắng {team2} {score} ở vòng {k} V-League",
    "{team} hòa {team2} trong trận cầu nhiều cảm xúc",
    "Giải {sport} mở rộng {year} khởi tranh với {n} vận động viên",
    "Tuyển thủ {person} giành huy chương vàng {sport}",
    "{team} chiêu mộ tiền đạo ngoại trước lượt về",
    "Huấn luyện viên {person} chia tay {team} sau {k} trận không thắng",
    "Sân vận động của {team} được nâng cấp mặt cỏ",
    "Đội tuyển {sport} tập trung chuẩn bị cho SEA Games",
]
SPORT_SAPOS = [
    "Bàn thắng ở phút {minute} giúp {team} giành trọn ba điểm trên sân nhà trước sự chứng kiến của {n} khán giả.",
    "Giải đấu kéo dài {k} ngày, quy tụ các tay vợt và vận động viên mạnh nhất khu vực.",
    "Ban huấn luyện cho biết toàn đội đã sẵn sàng cho mục tiêu lọt vào tốp {k} mùa giải năm nay.",
    "Trận đấu diễn ra với thế trận giằng co, hai đội liên tục tạo ra những pha sóng gió về phía khung thành.",
]
SPORT_SENTENCES = [
    "Ngay từ những phút đầu, {team} đã chủ động dâng cao đội hình và tạo sức ép liên tục.",
    "Phút {minute}, từ quả phạt góc bên cánh trái, trung vệ {person} đánh đầu cận thành mở tỷ số.",
    "Hàng thủ {team2} chơi lỏng lẻo và phải trả giá bằng bàn thua thứ hai ở phút {minute}.",
    "Thủ thành {person} có {k} pha cứu thua xuất sắc, giữ cho đội nhà không thủng lưới thêm.",
    "Sau trận, huấn luyện viên {person} thừa nhận các học trò đã thi đấu dưới sức.",
    "Với kết quả này, {team} có {k} điểm và tạm vươn lên vị trí thứ {k2} trên bảng xếp hạng.",
    "Vòng đấu tới, {team} sẽ làm khách trên sân của {team2} vào tối thứ Bảy.",
    "Giải {sport} năm nay có tổng giải thưởng {money}, tăng so với mùa trước.",
    "Vận động viên {person} xuất sắc vượt qua {k} đối thủ để giành tấm vé vào chung kết.",
    "Ban tổ chức bố trí {n} chỗ ngồi cho khán giả, vé được bán hết từ nhiều ngày trước.",
    "Các cổ động viên đã mang theo băng rôn, cờ hoa tiếp lửa cho đội bóng con cưng.",
    "Trọng tài rút {k} thẻ vàng trong một trận đấu có nhiều pha va chạm quyết liệt.",
]
CITIES = ["Hải Phòng", "Quảng Ninh", "Bình Dương", "Đồng Nai", "Hà Nội", "Thanh Hóa", "Nghệ An",
          "Đà Nẵng", "Cần Thơ", "Lâm Đồng", "Lạng Sơn", "Thái Nguyên"]
WEATHER_TITLES = [
    "Thời tiết {city} ngày {d}/{m}: mưa rào và dông vài nơi",
    "Không khí lạnh tăng cường, {city} trở rét về đêm",
    "Dự báo thời tiết cuối tuần: nắng nóng gay gắt ở {city}",
    "Áp thấp nhiệt đới gây mưa lớn trên vùng biển {city}",
    "{city} có sương mù dày đặc vào sáng sớm",
    "Nhiệt độ {city} xuống dưới {t} độ C, vùng núi có băng giá",
]
WEATHER_SAPOS = [
    "Theo Đài Khí tượng thủy văn, khu vực {city} có mây thay đổi, nhiệt độ thấp nhất {t} độ C.",
    "Đợt mưa dự báo kéo dài {k} ngày, lượng mưa phổ biến {mm} mm, có nơi trên {mm2} mm.",
    "Người dân được khuyến cáo chủ động theo dõi bản tin dự báo và đề phòng lốc, sét, mưa đá.",
]
WEATHER_SENTENCES = [
    "Đêm {d}/{m}, khu vực {city} có mưa vừa, mưa to, cục bộ có nơi mưa rất to.",
    "Nhiệt độ cao nhất ban ngày dao động từ {t} đến {t2} độ C, độ ẩm không khí {pct}%.",
    "Gió đông bắc cấp {k}, giật cấp {k2}, biển động mạnh, sóng cao từ {k} đến {k2} mét.",
    "Cơ quan khí tượng cảnh báo nguy cơ lũ quét và sạt lở đất ở các huyện miền núi.",
    "Tầm nhìn xa trong sương mù giảm xuống dưới {n} mét, các phương tiện cần giảm tốc độ.",
    "Từ ngày {d}/{m}, không khí lạnh suy yếu, trời chuyển nắng hanh vào buổi trưa.",
    "Lượng mưa đo được tại trạm {city} trong 24 giờ qua là {mm} mm.",
    "Các tàu thuyền hoạt động trên vùng biển cần thường xuyên cập nhật thông tin dự báo.",
    "Chỉ số tia cực tím ở mức {k}, có hại cho da nếu tiếp xúc trực tiếp trong thời gian dài.",
    "Mực nước các sông ở hạ lưu đang lên, có khả năng đạt mức báo động {k3}.",
]
REPORTERS = ["Minh Anh", "Hoàng Long", "Thu Trang", "Quốc Huy", "Ngọc Mai", "Đức Thắng", "Lan Hương",
             "Văn Tùng", "Bảo Ngọc", "Thanh Bình"]


class _Fill:
    """Fills the sport and weather templates from one RNG (the names and numbers change per call)."""

    def __init__(self, rng: random.Random):
        self.r = rng

    def __call__(self, template: str) -> str:
        r = self.r
        team, team2 = r.sample(TEAMS, 2)
        values = {
            "team": team, "team2": team2, "score": f"{r.randint(1, 4)}-{r.randint(0, 3)}",
            "k": str(r.randint(2, 9)), "k2": str(r.randint(3, 12)), "k3": str(r.randint(1, 3)),
            "n": f"{r.randint(2, 25)}.{r.randint(100, 999)}", "minute": str(r.randint(3, 90)),
            "sport": r.choice(SPORTS), "year": str(r.randint(2025, 2026)),
            "person": f"{r.choice(['Nguyễn', 'Trần', 'Lê', 'Phạm', 'Đỗ', 'Vũ'])} "
                      f"{r.choice(['Văn', 'Hoàng', 'Đức', 'Minh', 'Quang'])} "
                      f"{r.choice(['Toàn', 'Hậu', 'Hải', 'Dũng', 'Khải', 'Trọng', 'Tài'])}",
            "money": f"{r.randint(2, 9)} tỷ đồng", "city": r.choice(CITIES),
            "d": str(r.randint(1, 28)), "m": str(r.randint(1, 12)), "t": str(r.randint(8, 22)),
            "t2": str(r.randint(23, 37)), "mm": str(r.randint(20, 90)),
            "mm2": str(r.randint(100, 250)), "pct": str(r.randint(55, 98)),
        }
        return template.format(**values)


def _other_text(kind: str, rng: random.Random) -> tuple[str, str, list[str]]:
    fill = _Fill(rng)
    titles, sapos, sentences = ((SPORT_TITLES, SPORT_SAPOS, SPORT_SENTENCES) if kind == "sport"
                                else (WEATHER_TITLES, WEATHER_SAPOS, WEATHER_SENTENCES))
    title = fill(rng.choice(titles))
    sapo = fill(rng.choice(sapos))
    paragraphs = []
    for _ in range(rng.randint(4, 8)):
        picked = rng.sample(sentences, rng.randint(3, 5))
        paragraphs.append(" ".join(fill(s) for s in picked))
    return title, sapo, paragraphs


def _union_text(g: Phrases, rng: random.Random) -> tuple[str, str, list[str]]:
    ctx = {"org": g.c(g.orgs), "co": g.company(), "unit": g.c(g.reg["units"]),
           "zone": g.c(g.reg["zones"]), "event": g.c(EVENTS), "topic": g.c(TOPICS),
           "grp": g.c(GROUPS)}
    ctx["org_s"] = ctx["org"].replace("Liên đoàn Lao động", "LĐLĐ")
    ctx["event_l"] = g._lower(ctx["event"])
    title = _cap_after_colon(g.fill(g.c(TITLES), ctx))
    sapo = g.fill(g.c(SAPOS), ctx)
    sapo = sapo[0].upper() + sapo[1:]
    return title, sapo, [g.paragraph(ctx) for _ in range(rng.randint(4, 9))]


def section_articles(site: str, host: str, sections: list[tuple[str, str, str, int]], url_of,
                     seed: int = 1, first_id: int = 48000) -> list[ReplayArticle]:
    """The site's articles, newest first: `count` per section, interleaved; `url_of(art)` gives
    each its URL (after title, id, date and section are set)."""
    rng = random.Random(f"{seed}:newsites:{site}")
    phrases = Phrases(site, rng)
    order = [(label, path, kind) for label, path, kind, count in sections for _ in range(count)]
    rng.shuffle(order)
    when = REFERENCE - timedelta(minutes=rng.randint(20, 200))
    article_id = first_id + 7 * len(order)
    used: set[str] = set()
    out = []
    for label, path, kind in order:
        for _ in range(50):
            title, sapo, paragraphs = (_union_text(phrases, rng) if kind in UNION_KINDS
                                       else _other_text(kind, rng))
            if title not in used:
                break
        used.add(title)
        author = rng.choice(AUTHORS["laodongthudo"] if kind in UNION_KINDS else REPORTERS)
        art = ReplayArticle(site=site, url="", article_id=str(article_id), title=title, sapo=sapo,
                            blocks=paragraphs, author=author, published_at=iso(when),
                            section=label, section_path=path, kind=kind)
        art.url = url_of(art)
        out.append(art)
        article_id -= rng.randint(2, 9)
        when = (when - timedelta(hours=rng.randint(3, 40), minutes=rng.randint(0, 59))).replace(
            second=0, microsecond=0)
    return out


def slug(title: str) -> str:
    return slugify(title)
