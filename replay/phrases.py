"""The phrase machinery of the replay corpus (replay/corpus.py): Vietnamese trade-union news
chained from short phrase pools, with names, numbers, places and companies drawn from one RNG.

`Phrases(site, rng)` fills templates ("{org_s} tổ chức {event} năm {year}") and builds sentences
and paragraphs; the pools (TITLES, SAPOS, CAPTIONS, TAGS_*, AUTHORS, …) are module constants.
"""
from __future__ import annotations

import random
import re

SURNAMES = "Nguyễn Trần Lê Phạm Hoàng Vũ Đặng Bùi Đỗ Hồ Ngô Dương Lý Đinh Trịnh Lương Phan Tạ Cao Mai Chu Kiều Lò Giàng Hà".split()
MIDDLES = "Văn Thị Đức Minh Thanh Quang Hữu Ngọc Thu Hồng Xuân Kim Anh Tuấn Bảo Thành Mạnh Hải Phương Đình Thế Công Khánh Diệu Bích".split()
GIVENS = ("Hà Hùng Lan Phong Dũng Hương Tâm Khang Nam Trang Hạnh Thắng Hoa Long Tuấn Bình Yến Quân Thảo "
          "Sơn Linh Hiếu Cường Huyền Hòa Thủy Giang Oanh Quyết Khánh Trung Vinh Đông Ngân Phúc Diệp Chung "
          "Hằng Việt Lộc Tú Nhung Mai Hưng Toàn Châu Sang Điệp Thư Luân Tiến Nga Vân Quế Thịnh Đạt Huệ Kiên").split()
POSITIONS = ["Chủ tịch", "Phó Chủ tịch", "Phó Chủ tịch Thường trực", "Trưởng Ban Tuyên giáo",
             "Trưởng Ban Tổ chức", "Trưởng Ban Chính sách - Pháp luật", "Trưởng Ban Nữ công",
             "Ủy viên Ban Thường vụ", "Trưởng Ban Quan hệ lao động", "Chánh Văn phòng",
             "Trưởng Ban Kiểm tra", "Phó Trưởng Ban Tổ chức"]
WORKER_ROLES = ["công nhân", "nữ công nhân", "kỹ sư", "tổ trưởng sản xuất", "thợ vận hành máy",
                "chủ tịch công đoàn cơ sở", "giáo viên", "điều dưỡng", "lái xe", "thợ hàn",
                "nhân viên kỹ thuật", "trưởng ca"]

REGION = {
    "hanoi": dict(
        city="Hà Nội", city_org="Liên đoàn Lao động thành phố Hà Nội", city_short="LĐLĐ Thành phố",
        units=["quận Hoàn Kiếm", "quận Ba Đình", "quận Đống Đa", "quận Cầu Giấy", "quận Long Biên",
               "quận Hoàng Mai", "quận Thanh Xuân", "quận Hai Bà Trưng", "quận Tây Hồ", "quận Hà Đông",
               "quận Bắc Từ Liêm", "quận Nam Từ Liêm", "huyện Đông Anh", "huyện Gia Lâm",
               "huyện Sóc Sơn", "huyện Mê Linh", "huyện Thạch Thất", "huyện Quốc Oai",
               "huyện Chương Mỹ", "huyện Thường Tín", "huyện Phú Xuyên", "huyện Ba Vì",
               "huyện Đan Phượng", "huyện Hoài Đức", "thị xã Sơn Tây", "huyện Thanh Oai",
               "huyện Ứng Hòa", "huyện Mỹ Đức", "huyện Phúc Thọ", "huyện Thanh Trì"],
        branches=["Công đoàn ngành Giáo dục Hà Nội", "Công đoàn ngành Y tế Hà Nội",
                  "Công đoàn ngành Xây dựng Hà Nội", "Công đoàn ngành Công Thương Hà Nội",
                  "Công đoàn Viên chức thành phố Hà Nội",
                  "Công đoàn các Khu công nghiệp và chế xuất Hà Nội",
                  "Công đoàn ngành Giao thông vận tải Hà Nội",
                  "Công đoàn ngành Nông nghiệp và Phát triển nông thôn Hà Nội",
                  "Công đoàn Tổng Công ty Du lịch Hà Nội", "Công đoàn Tổng Công ty Vận tải Hà Nội",
                  "Công đoàn Tổng Công ty Điện lực thành phố Hà Nội",
                  "Công đoàn Cơ quan Đảng Thành phố"],
        zones=["Khu công nghiệp Thăng Long", "Khu công nghiệp Quang Minh", "Khu công nghiệp Nội Bài",
               "Khu công nghiệp Bắc Thăng Long", "Khu công nghiệp Phú Nghĩa",
               "Khu công nghiệp Thạch Thất - Quốc Oai", "Khu công nghiệp Sài Đồng B",
               "Khu công nghệ cao Hòa Lạc", "Khu công nghiệp Nam Thăng Long",
               "Khu công nghiệp Hà Nội - Đài Tư", "Cụm công nghiệp Ngọc Hồi"],
        venues=["Cung Văn hóa Lao động Hữu nghị Việt Xô", "Nhà Văn hóa Công nhân Kim Chung",
                "Trung tâm Hội nghị Quốc gia", "Cung Văn hóa Thể thao Thanh niên Hà Nội",
                "Thiết chế Công đoàn Kim Chung", "trụ sở Liên đoàn Lao động Thành phố",
                "Nhà thi đấu quận Long Biên", "Trường Cao đẳng nghề Công nghiệp Hà Nội"]),
    "laocai": dict(
        city="Lào Cai", city_org="Liên đoàn Lao động tỉnh Lào Cai", city_short="LĐLĐ tỉnh",
        units=["huyện Bát Xát", "huyện Mường Khương", "huyện Si Ma Cai", "huyện Bắc Hà",
               "huyện Bảo Thắng", "huyện Bảo Yên", "huyện Văn Bàn", "thị xã Sa Pa",
               "thành phố Lào Cai", "huyện Văn Yên", "huyện Lục Yên", "huyện Trấn Yên",
               "huyện Yên Bình", "huyện Mù Cang Chải", "thị xã Nghĩa Lộ", "phường Cam Đường",
               "phường Yên Bái", "xã Phúc Khánh", "xã Châu Quế", "xã Mậu A", "phường Kim Tân",
               "phường Bắc Cường", "xã Tằng Loỏng", "xã Gia Phú"],
        branches=["Công đoàn ngành Giáo dục tỉnh Lào Cai", "Công đoàn ngành Y tế tỉnh Lào Cai",
                  "Công đoàn Viên chức tỉnh Lào Cai", "Công đoàn các Khu công nghiệp tỉnh Lào Cai",
                  "Công đoàn ngành Xây dựng tỉnh Lào Cai",
                  "Công đoàn ngành Nông nghiệp và Phát triển nông thôn tỉnh",
                  "Công đoàn Công ty Apatit Việt Nam", "Công đoàn Tổng Công ty Khoáng sản Vinacomin",
                  "Công đoàn Điện lực Lào Cai", "Công đoàn Cơ quan Tỉnh ủy"],
        zones=["Khu công nghiệp Tằng Loỏng", "Khu công nghiệp Đông Phố Mới",
               "Khu công nghiệp Bắc Duyên Hải", "Cụm công nghiệp Bắc Lạng",
               "Khu kinh tế cửa khẩu Lào Cai", "Khu công nghiệp phía Nam Yên Bái",
               "Cụm công nghiệp Sơn Thịnh"],
        venues=["Hội trường Liên đoàn Lao động tỉnh", "Trường Chính trị tỉnh Lào Cai",
                "Nhà văn hóa tỉnh", "Quảng trường Ga Lào Cai", "Trung tâm Hội nghị tỉnh",
                "Nhà thi đấu tỉnh Lào Cai", "Thiết chế Công đoàn Tằng Loỏng"]),
}

COMPANY_KIND = ["Công ty TNHH", "Công ty Cổ phần", "Công ty TNHH MTV", "Tổng Công ty", "Công ty CP",
                "Công ty TNHH Một thành viên", "Nhà máy", "Xí nghiệp"]
COMPANY_TRADE = ["May", "Điện tử", "Cơ khí", "Dệt", "Gạch men", "Bao bì", "Thực phẩm", "Dược phẩm",
                 "Xi măng", "Nhựa", "Giày da", "Linh kiện", "Thép", "Chế biến gỗ", "Vận tải",
                 "Khoáng sản", "Phân bón", "Chè", "Đồ gỗ", "Bánh kẹo", "Kính", "Hóa chất", "In",
                 "Sứ", "Cáp điện", "Môi trường đô thị", "Cấp nước", "Thủy điện"]
COMPANY_NAME = ["Thăng Long", "Hồng Hà", "Sông Đà", "Tân Phát", "Hòa Bình", "Minh Khai", "Đông Á",
                "Việt Hưng", "An Phú", "Hưng Thịnh", "Quang Minh", "Kim Sơn", "Phúc Lâm", "Nam Việt",
                "Hoàng Gia", "Trường Sơn", "Bắc Hà", "Phú Cường", "Thành Công", "Đại Dương",
                "Cam Đường", "Tằng Loỏng", "Canon", "Hanel", "Meiko", "Sumitomo", "Yamaha",
                "Toyota Boshoku", "Panasonic", "Vinatex", "Hapro", "Sao Mai", "Ánh Dương",
                "Tiến Thành", "Hòa Phát", "Lạc Hồng", "Đức Giang", "Nhật Tân", "Phú Thái"]

EVENTS = ["Hội nghị đối thoại", "Chương trình Tết Sum vầy", "Tháng Công nhân", "Hội thi an toàn vệ sinh viên giỏi",
          "Giải bóng đá công nhân", "Lễ kết nạp đoàn viên", "Hội thao công nhân viên chức",
          "Phiên chợ Công đoàn", "Ngày hội việc làm", "lớp tập huấn nghiệp vụ", "Hội nghị tổng kết",
          "Đại hội Công đoàn cơ sở", "Chương trình Mái ấm Công đoàn", "Hội thi cán bộ nữ công giỏi",
          "Diễn đàn Đảng viên công nhân", "Lễ tuyên dương Công nhân giỏi", "đợt khám sức khỏe miễn phí",
          "Chuyến xe Công đoàn", "Hội thi tìm hiểu pháp luật lao động", "Liên hoan văn nghệ công nhân",
          "Hội nghị người lao động", "đợt giám sát thực hiện chính sách", "Ngày hội Gia đình công nhân",
          "Hội nghị sơ kết", "Lễ phát động thi đua", "chương trình Vui hội Trăng rằm",
          "Hội thi Sáng kiến, sáng tạo", "Lễ ký kết thỏa ước lao động tập thể",
          "Chương trình Ước mơ của Thúy", "Hội thi Tuyên truyền viên giỏi", "Diễn đàn Tiếng nói công nhân",
          "Giải chạy Vì sức khỏe người lao động", "buổi gặp mặt cán bộ công đoàn hưu trí",
          "Chương trình Nghĩa tình Công đoàn", "Hội thi Bữa cơm ca an toàn"]
GIFTS = ["suất quà", "phần quà", "sổ tiết kiệm", "xuất học bổng", "vé xe về quê", "bộ đồ dùng học tập",
         "thẻ bảo hiểm y tế", "chiếc xe đạp", "máy tính bảng", "suất hỗ trợ tiền thuê trọ"]
GROUPS = ["đoàn viên công đoàn", "công nhân lao động", "người lao động", "đoàn viên, người lao động",
          "công nhân viên chức lao động", "cán bộ công đoàn cơ sở", "nữ công nhân", "lao động nữ",
          "công nhân ở trọ", "giáo viên mầm non", "y bác sĩ", "lao động tự do", "thanh niên công nhân",
          "đoàn viên có hoàn cảnh khó khăn"]
TOPICS = ["an toàn vệ sinh lao động", "thỏa ước lao động tập thể", "bảo hiểm xã hội", "tiền lương tối thiểu vùng",
          "nhà ở cho công nhân", "bữa ăn ca", "phòng chống cháy nổ", "văn hóa doanh nghiệp",
          "quan hệ lao động hài hòa", "phát triển đoàn viên", "chuyển đổi số trong hoạt động công đoàn",
          "dân chủ ở cơ sở", "chăm sóc sức khỏe sinh sản", "thiết chế văn hóa cho công nhân",
          "đào tạo lại nghề", "an sinh xã hội", "phát triển đảng viên trong công nhân",
          "Bộ luật Lao động năm 2019", "Luật Công đoàn năm 2024", "bình đẳng giới",
          "phòng chống tác hại thuốc lá", "tư vấn pháp luật", "thời giờ làm thêm"]
OPENERS = ["Theo đó,", "Bên cạnh đó,", "Đáng chú ý,", "Cùng với đó,", "Ngoài ra,", "Trước đó,",
           "Đặc biệt,", "Thời gian qua,", "Trong năm qua,", "Qua đó,", "Tại buổi làm việc,",
           "Phát biểu tại hội nghị,", "Theo báo cáo,", "Trên cơ sở đó,", "Được biết,",
           "Chia sẻ tại chương trình,", "Năm nay,", "Song song với đó,", "Thời gian tới,",
           "Theo kế hoạch,", "Từ đầu năm đến nay,", "Trong nhiệm kỳ qua,", "Cũng tại buổi lễ,",
           "Ghi nhận tại cơ sở,", "Với phương châm hướng về cơ sở,", "Thực hiện chỉ đạo của cấp trên,",
           "Từ thực tiễn ở cơ sở,", "Tiếp nối thành công năm trước,", "Dịp này,", "Nhân dịp này,"]
VERB_ORG = ["đã tổ chức", "vừa tổ chức", "phối hợp tổ chức", "long trọng tổ chức", "tiếp tục duy trì",
            "chủ động triển khai", "đứng ra tổ chức", "lần đầu tổ chức", "tổ chức thành công",
            "đã phát động", "khẩn trương triển khai", "chỉ đạo tổ chức"]
VERB_POLICY = ["tăng cường tuyên truyền về", "đẩy mạnh giám sát việc thực hiện", "kiến nghị tháo gỡ vướng mắc về",
               "tập trung tư vấn cho người lao động về", "rà soát việc chấp hành quy định về",
               "phối hợp kiểm tra công tác", "mở lớp bồi dưỡng kiến thức về", "đề xuất sửa đổi chính sách về",
               "nâng cao chất lượng thương lượng về", "hướng dẫn công đoàn cơ sở thực hiện",
               "đưa nội dung về", "chú trọng công tác"]
POLICY_TAIL = ["vào nghị quyết hội nghị người lao động", "tại các doanh nghiệp ngoài nhà nước",
               "trong các khu công nghiệp", "đối với lao động nữ", "tại những đơn vị có đông công nhân",
               "ngay từ cơ sở", "theo hướng thiết thực", "một cách thường xuyên",
               "bằng nhiều hình thức phong phú", "với sự vào cuộc của chủ doanh nghiệp"]
PURPOSES = ["nhằm chăm lo đời sống vật chất, tinh thần cho người lao động",
            "góp phần xây dựng quan hệ lao động hài hòa, ổn định, tiến bộ",
            "qua đó giúp công nhân yên tâm gắn bó với doanh nghiệp",
            "để kịp thời nắm bắt tâm tư, nguyện vọng của đoàn viên",
            "tạo sân chơi bổ ích sau những giờ làm việc căng thẳng",
            "nhằm nâng cao kỹ năng đàm phán cho cán bộ công đoàn",
            "giúp người lao động hiểu rõ quyền và nghĩa vụ của mình",
            "với mong muốn lan tỏa tinh thần tương thân tương ái",
            "góp phần hoàn thành chỉ tiêu phát triển đoàn viên",
            "nhằm phòng ngừa tai nạn lao động", "để tháo gỡ khó khăn ngay tại cơ sở",
            "tạo động lực cho người lao động thi đua sản xuất",
            "hướng tới kỷ niệm ngày thành lập Công đoàn Việt Nam",
            "để không đoàn viên nào bị bỏ lại phía sau", "qua đó củng cố niềm tin của công nhân vào tổ chức Công đoàn"]
RESULTS = ["thu hút {n} lượt người tham gia", "với tổng kinh phí hơn {money}",
           "kết nạp mới {n} đoàn viên", "trao tặng {n} {gift}", "giải quyết dứt điểm {k} kiến nghị",
           "tư vấn trực tiếp cho {n} lao động", "ký mới {k} bản thỏa ước", "hỗ trợ {n} trường hợp khó khăn",
           "giới thiệu việc làm cho {n} người", "khám sàng lọc cho {n} nữ công nhân",
           "thành lập thêm {k} công đoàn cơ sở", "khen thưởng {k} tập thể và {pct} cá nhân"]
QUOTE_LEAD = ["cho biết", "chia sẻ", "nhấn mạnh", "khẳng định", "bày tỏ", "đề nghị", "nhấn mạnh rằng",
              "thông tin", "nêu rõ", "đánh giá"]
QUOTE_BODY = ["{grp} tại {co} đang cần thêm sự hỗ trợ về {topic}",
              "việc chăm lo cho {grp} phải được thực hiện thường xuyên, không chỉ vào dịp lễ, Tết",
              "thời gian tới {org} sẽ ưu tiên nguồn lực cho {topic}",
              "các cấp công đoàn cần bám sát cơ sở, nhất là ở {zone}",
              "năm {year} có {n} {grp} được hưởng lợi từ chương trình",
              "{co} đã tăng lương bình quân thêm {pct}% so với cùng kỳ",
              "doanh nghiệp cam kết bảo đảm việc làm cho {n} lao động đến hết năm {year}",
              "mỗi cán bộ công đoàn phải là chỗ dựa tin cậy của {grp}",
              "chương trình {event} đã trở thành điểm hẹn quen thuộc của {grp} {unit}",
              "tỷ lệ {grp} tham gia bảo hiểm xã hội tại {unit} đạt {pct}%"]
STATS = ["Năm {year}, toàn {unit} có {n} {grp}, trong đó {pct}% là lao động nữ.",
         "Hiện {unit} có {k} doanh nghiệp với khoảng {n} lao động, phần lớn làm việc tại {zone}.",
         "Thu nhập bình quân của {grp} tại {co} đạt {money} mỗi tháng.",
         "Tính đến tháng {month}/{year}, {org} quản lý {k} công đoàn cơ sở với {n} đoàn viên.",
         "Đến nay, {pct}% doanh nghiệp có tổ chức công đoàn tại {unit} đã ký thỏa ước lao động tập thể.",
         "Trong {k} tháng đầu năm, {unit} ghi nhận {n} lượt lao động được hỗ trợ chuyển đổi nghề.",
         "Kinh phí chăm lo cho {grp} dịp này lên tới {money}, trong đó doanh nghiệp đóng góp {pct}%."]
DEMAND = ["{grp} vẫn gặp khó khăn về {topic}", "nhiều doanh nghiệp tại {zone} chậm đóng bảo hiểm xã hội",
          "giá thuê trọ quanh {zone} tăng cao", "đơn hàng của {co} giảm mạnh so với cùng kỳ",
          "tỷ lệ lao động nhảy việc tại {unit} còn lớn", "nhu cầu gửi trẻ của {grp} ngày càng tăng",
          "một số chủ doanh nghiệp chưa tạo điều kiện cho hoạt động công đoàn"]
SOLUTIONS = ["tăng cường đối thoại định kỳ tại nơi làm việc", "mở rộng mạng lưới ưu đãi cho đoàn viên",
             "xây dựng thêm thiết chế công đoàn", "phối hợp với ngân hàng chính sách cho vay vốn",
             "đào tạo kỹ năng số cho công nhân", "đưa tiêu chí chăm lo vào thi đua khen thưởng",
             "tổ chức các lớp học tiếng cho công nhân", "lập nhóm Zalo để tiếp nhận phản ánh",
             "thành lập tổ tư vấn pháp luật lưu động", "ký kết chương trình phúc lợi với siêu thị"]
TIMES = ["sáng", "chiều", "tối", "ngày", "trưa"]
SUBHEAD_A = ["Chăm lo", "Đồng hành", "Lắng nghe", "Thiết thực", "Hiệu quả", "Lan tỏa", "Nâng cao",
             "Đổi mới", "Gắn kết", "Sát cánh", "Bảo vệ", "Đột phá", "Tiếp sức", "Vững vàng", "Sẻ chia"]
SUBHEAD_B = ["vì quyền lợi đoàn viên", "từ cơ sở", "cùng người lao động", "trong từng phân xưởng",
             "với doanh nghiệp", "nơi khu công nghiệp", "cho công nhân ở trọ", "những mô hình hay",
             "trong mùa cao điểm", "bằng việc làm cụ thể", "từ những con số", "ngay tại nơi làm việc",
             "với lao động nữ", "trên không gian số", "cho năm mới"]
CAPTIONS = ["{pos} {org_s} {person} phát biểu tại {event_l}.", "Quang cảnh {event_l}.",
            "Lãnh đạo {org_s} trao {gift} cho {grp} {co}.", "Các đại biểu tham dự {event_l}.",
            "{grp_c} làm việc tại {co}.", "{org_s} tặng hoa chúc mừng các tập thể tiêu biểu.",
            "{person} ({role} {co}) chia sẻ tại chương trình.", "Đại biểu thăm khu nhà trọ công nhân tại {zone}.",
            "Tiết mục văn nghệ chào mừng {event_l}.", "{pos} {org_s} {person} trao đổi với {grp}."]
TAGS_COMMON = ["Công đoàn", "đoàn viên công đoàn", "người lao động", "Tháng Công nhân", "an toàn vệ sinh lao động",
               "Tết Sum vầy", "Mái ấm Công đoàn", "việc làm", "bảo hiểm xã hội", "thỏa ước lao động tập thể",
               "khu công nghiệp", "nhà ở công nhân", "phát triển đoàn viên", "công nhân lao động",
               "chăm lo đoàn viên", "đối thoại", "tiền lương", "lao động nữ"]
TAGS_SITE = {"laodongthudo": ["LĐLĐ thành phố Hà Nội", "Công đoàn Thủ đô"],
             "tuoitrethudo": ["Hà Nội", "Tổng LĐLĐ Việt Nam"],
             "baolaocai": ["Lào Cai"], "hanoigov": [],
             "laodong": ["Tổng LĐLĐ Việt Nam", "Báo Lao Động"], "nld": ["Người lao động", "TP HCM"]}
AUTHORS = {
    "laodongthudo": ["Hoàng Phúc", "Phạm Diệp", "Thu Hà", "Hà Linh", "Bảo Ngọc", "Minh Anh", "Vũ Long",
                     "Ngọc Mai", "Khánh Linh", "Thanh Tùng", "Đức Hải", "Phương Thảo"],
    "tuoitrethudo": ["Hà Phong", "Ngọc Ánh", "Minh Đức", "Thanh Hằng", "Tuấn Anh", "Mai Chi",
                     "Hoài Nam", "Kim Dung", "Quang Huy"],
    "baolaocai": ["Thu Hằng", "Hồng Duyên", "Quang Minh", "Thanh Bình", "Lê Na", "Tuấn Ly",
                  "Hoàng Thu", "Mai Thư", "Đức Toàn"],
    "hanoigov": ["Hoàng Anh", "Minh Thu", "Ngọc Hà", "Thanh Xuân", "Duy Khánh", "Lan Hương"],
    "laodong": ["Hà Anh", "Bảo Hân", "Quế Chi", "Nam Dương", "Xuyên Đông", "Thùy Linh", "Khánh Vy"],
    "nld": ["Ngọc Giàu", "Nam Dương", "Hồng Đào", "Thanh Nga", "Duy Tính", "Mai Hương"],
}
TITLES = ["{org_s} tổ chức {event} năm {year}", "{unit_c}: Hơn {n} đoàn viên được hỗ trợ {gift}",
          "Trao {n} {gift} cho công nhân có hoàn cảnh khó khăn tại {zone}",
          "{org_s} tuyên dương {k} công nhân giỏi", "Đối thoại với người lao động tại {co}",
          "Nâng cao chất lượng {topic} tại {unit}", "Kết nạp {n} đoàn viên mới tại {zone}",
          "{org_s}: Chú trọng {topic}", "Công nhân {zone} hào hứng với {event}",
          "Giám sát việc thực hiện {topic} tại {k} doanh nghiệp", "Tập huấn {topic} cho {n} cán bộ công đoàn",
          "Hỗ trợ {n} công nhân thuê trọ tại {unit}", "Thành lập Công đoàn cơ sở {co}",
          "Khai mạc {event} {unit} năm {year}", "Người lao động {unit} được tư vấn miễn phí về {topic}",
          "{money} chăm lo cho đoàn viên {unit}", "Đổi mới hoạt động công đoàn tại {co}",
          "Gặp mặt {k} cán bộ công đoàn tiêu biểu {unit}", "Khen thưởng {k} sáng kiến của người lao động {co}",
          "{unit_c}: {event} thu hút {n} người tham gia", "Lắng nghe tâm tư công nhân {co}",
          "{co} tăng lương {pct}% cho người lao động", "Gỡ khó về {topic} cho công nhân {zone}",
          "Công đoàn {unit} đồng hành cùng {grp}", "Ký thỏa ước lao động tập thể tại {co}"]
SAPOS = ["{date}, {org} {vorg} {event} tại {venue}, thu hút {n} {grp} tham gia.",
         "{date}, tại {venue}, {org} {vorg} {event} năm {year} cho {grp} {unit}.",
         "Nhằm {topic_goal}, {org} vừa có kế hoạch triển khai {event} tại {k} doanh nghiệp trên địa bàn {unit}.",
         "{date}, đoàn công tác của {org} do {pos} {person} dẫn đầu đã làm việc với {co} về {topic}.",
         "Sau {k} tháng triển khai, {event} của {org} đã hỗ trợ {n} {grp}, với tổng kinh phí {money}.",
         "{grp_c} tại {zone} vừa được {org} {vgift} {n} {gift} {purpose}."]
TOPIC_GOALS = ["bảo đảm quyền lợi cho người lao động", "lan tỏa văn hóa an toàn", "phát triển đoàn viên bền vững",
               "chăm lo Tết cho công nhân", "hỗ trợ lao động mất việc", "tăng cường đối thoại tại nơi làm việc"]
VGIFT = ["trao tặng", "hỗ trợ", "trao", "dành tặng"]


_KEYS_CACHE: dict[str, tuple] = {}


def _keys(tpl: str) -> tuple:
    keys = _KEYS_CACHE.get(tpl)
    if keys is None:
        keys = _KEYS_CACHE[tpl] = tuple(dict.fromkeys(re.findall(r"{(\w+)}", tpl)))
    return keys


class Phrases:
    """Phrase machinery for one site (one RNG)."""

    def __init__(self, site: str, rng: random.Random):
        self.site, self.r = site, rng
        reg = REGION["laocai" if site == "baolaocai" else "hanoi"]
        self.reg = reg
        self.orgs = [reg["city_org"]] + reg["branches"] + [
            "Liên đoàn Lao động " + u for u in reg["units"]]
        self.orgs_short = [reg["city_short"]] + reg["branches"] + [
            "LĐLĐ " + u for u in reg["units"]]
        c, r = self.c, rng
        self.fns = {
            "org": lambda: c(self.orgs), "org_s": lambda: c(self.orgs_short),
            "unit": lambda: c(reg["units"]), "unit_c": self._unit_c,
            "zone": lambda: c(reg["zones"]), "venue": lambda: c(reg["venues"]),
            "co": self.company, "person": self.person, "pos": lambda: c(POSITIONS),
            "event": lambda: c(EVENTS), "event_l": lambda: self._lower(c(EVENTS)),
            "gift": lambda: c(GIFTS), "grp": lambda: c(GROUPS), "grp_c": lambda: c(GROUPS).capitalize(),
            "topic": lambda: c(TOPICS), "n": self.num, "k": lambda: str(r.randint(2, 60)),
            "pct": lambda: str(r.randint(12, 98)), "money": self.money,
            "year": lambda: str(r.randint(2019, 2026)), "month": lambda: str(r.randint(1, 12)),
            "date": self.date, "vorg": lambda: c(VERB_ORG), "vgift": lambda: c(VGIFT),
            "purpose": lambda: c(PURPOSES), "topic_goal": lambda: c(TOPIC_GOALS),
            "role": lambda: c(WORKER_ROLES),
        }

    def c(self, seq):
        return seq[int(self.r.random() * len(seq))]

    def person(self):
        c = self.c
        return f"{c(SURNAMES)} {c(MIDDLES)} {c(GIVENS)}"

    def company(self):
        c = self.c
        return f"{c(COMPANY_KIND)} {c(COMPANY_TRADE)} {c(COMPANY_NAME)}"

    def num(self):
        r = self.r.random()
        if r < 0.6:
            return str(self.r.randint(12, 480))
        n = self.r.randint(500, 5000) if r < 0.9 else self.r.randint(5000, 48000)
        return f"{n:,}".replace(",", ".")

    def money(self):
        r = self.r
        if r.random() < 0.5:
            return f"{r.randint(1, 9)},{r.randint(1, 9)} tỷ đồng"
        return f"{r.randint(120, 980)} triệu đồng"

    def date(self):
        return f"{self.c(TIMES).capitalize()} {self.r.randint(1, 28)}/{self.r.randint(1, 12)}"

    def fill(self, tpl: str, ctx: dict) -> str:
        r, fns = self.r, self.fns
        vals = {}
        for key in _keys(tpl):
            if key in ctx and r.random() < 0.6:
                vals[key] = ctx[key]
            else:
                vals[key] = fns[key]()
        return tpl.format_map(vals)

    def _unit_c(self):
        u = self.c(self.reg["units"])
        return u[0].upper() + u[1:]

    @staticmethod
    def _lower(ev: str) -> str:
        return ev[0].lower() + ev[1:] if not ev.startswith(("Tháng", "Tết")) else ev

    # --- body sentences: chained from short parts so 4-grams rarely repeat between articles
    def sentence(self, ctx: dict) -> str:
        r, c = self.r, self.c
        kind = r.random()
        if kind < 0.22:
            s = self.fill("{org} " + c(VERB_ORG) + " {event_l} tại {co}", ctx)
            s += ", " + self.fill(c(RESULTS), ctx)
            if r.random() < 0.5:
                s += ", " + c(PURPOSES)
        elif kind < 0.40:
            s = self.fill("{org} " + c(VERB_POLICY) + " {topic} " + c(POLICY_TAIL), ctx)
            if r.random() < 0.6:
                s += ", " + c(PURPOSES)
        elif kind < 0.58:
            who = self.fill(c(["{pos} {org_s} {person}", "Ông {person}, {pos} {org_s},",
                               "Bà {person}, {role} {co},", "Anh {person}, {role} tại {zone},",
                               "Chị {person}, {role} {co},", "Đại diện {co}, ông {person}"]), ctx)
            s = who + " " + c(QUOTE_LEAD) + ", " + self.fill(c(QUOTE_BODY), ctx)
        elif kind < 0.72:
            s = self.fill(c(STATS), ctx).rstrip(".")
        elif kind < 0.86:
            s = ("Thực tế cho thấy, " if r.random() < 0.3 else "Tuy nhiên, ") + self.fill(c(DEMAND), ctx)
            s += ", vì vậy " + self.fill("{org_s}", ctx) + " sẽ " + c(SOLUTIONS)
            if r.random() < 0.5:
                s += " tại " + self.fill("{zone}", ctx)
        else:
            s = self.fill("{date}, {org} {vgift} {n} {gift} cho {grp} {unit}", ctx)
            s += ", " + self.fill(c(RESULTS), ctx)
        if kind < 0.58 and r.random() < 0.5:
            if s.startswith(("Ông ", "Bà ", "Anh ", "Chị ", "Đại diện ")):
                s = s[0].lower() + s[1:]
            s = c(OPENERS) + " " + s
        return s[0].upper() + s[1:] + "."

    def paragraph(self, ctx: dict) -> str:
        target = self.r.randint(40, 120)
        out, words = [], 0
        while words < target - 10:
            s = self.sentence(ctx)
            w = s.count(" ") + 1
            if out and words + w > 125:
                break
            out.append(s)
            words += w
        return " ".join(out)
