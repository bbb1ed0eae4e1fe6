"""Issue 20, the kinds of byline, lead and title seen on public pages nobody here wrote (fundus's
parser test pages, https://github.com/flairNLP/fundus, MIT licence): each test is a small shape
written here after one of those kinds, not a copy of a page."""
from __future__ import annotations

import pytest

from crawler.extract.bylines import clean_author
from crawler.extraction import extract_article

TEXT = ("Công đoàn cơ sở đã tổ chức nhiều hoạt động thiết thực chăm lo cho đoàn viên, người lao "
        "động trong dịp cuối năm, với sự tham gia của hàng trăm công nhân các khu công nghiệp.")
PARAGRAPHS = "".join(f"<p>{TEXT} Đoạn {i}.</p>" for i in range(4))
URL = "https://example.vn/a-1.html"


def page(body: str, head: str = "", header: str = "<h1>Công nhân được hỗ trợ tiền thuê trọ</h1>"):
    return (f"<html><head><title>Công nhân được hỗ trợ tiền thuê trọ - Báo Lao Động Mẫu</title>"
            f'<meta property="og:site_name" content="Báo Lao Động Mẫu">{head}</head><body>'
            f'<div class="main">{header}<div class="noi-dung">{body}</div></div>'
            '<div class="foot">Báo Lao Động Mẫu</div></body></html>')


def test_the_second_meta_author_when_the_first_is_the_publisher():
    head = ('<meta name="author" content="Báo Lao Động Mẫu">'
            '<meta name="author" content="Nguyễn Văn An">')
    assert extract_article(page(PARAGRAPHS, head), URL).author == "Nguyễn Văn An"


def test_the_sites_own_social_account_is_not_an_author():
    head = '<meta name="twitter:site" content="@LDM24"><meta itemprop="author" content="LDM24">'
    assert extract_article(page(PARAGRAPHS, head), URL).author is None


def test_a_house_account_is_not_a_person_in_json_ld_or_a_byline_link():
    head = ('<script type="application/ld+json">{"@type": "NewsArticle", "headline": "x", '
            '"author": {"@id": "https://example.vn/author/admin/", "name": "Lao Dong D"}}</script>')
    header = ('<h1>Công nhân được hỗ trợ tiền thuê trọ</h1><p class="meta">'
              '<a href="https://example.vn/author/admin/" rel="author">Lao Dong D</a></p>')
    assert extract_article(page(PARAGRAPHS, head, header), URL).author is None


@pytest.mark.parametrize("line, want", [
    ("Mai Anh/Trần Bình", "Mai Anh, Trần Bình"),
    ("NGUYỄN VĂN AN", "NGUYỄN VĂN AN"),
])
def test_a_bold_line_of_names_heading_the_text_is_the_byline(line, want):
    body = f"<p><strong>{line}</strong></p>" + PARAGRAPHS
    found = extract_article(page(body), URL)
    assert found.author == want
    assert line not in found.body and found.body.startswith("Công đoàn")


def test_a_bold_sentence_heading_the_text_is_not_a_byline():
    body = "<p><strong>Hà Nội, ngày 20/11: công nhân nhận quà.</strong></p>" + PARAGRAPHS
    assert extract_article(page(body), URL).author is None


@pytest.mark.parametrize("value", ["Folgen", "Follow", "Nachrichten", "News", "Tin tức"])
def test_a_button_or_a_section_word_is_never_an_author(value):
    assert clean_author(value, set()) is None


def test_a_follow_button_next_to_the_byline_is_not_the_author():
    header = ('<h1>Công nhân được hỗ trợ tiền thuê trọ</h1>'
              '<div class="author"><button class="followAuthorBtn">Theo dõi tác giả</button></div>')
    assert extract_article(page(PARAGRAPHS, "", header), None).author is None


def titled(title: str, words: str) -> str:
    """A page whose headline is shown in no <h1> and no heading-like element: the title comes
    from <title>, which ends with a site name the page states nowhere else."""
    return (f"<html><head><title>{title}</title></head><body><div class='main'>"
            f"<div class='noi-dung'><p>{words}</p>{PARAGRAPHS}</div></div></body></html>")


def test_the_suffix_the_sites_other_titles_share_is_cut():
    suffix = " | Cổng Tin Công Nhân"
    headlines = ["Công nhân được hỗ trợ tiền thuê trọ", "Tăng lương tối thiểu vùng từ tháng 7",
                 "Hội nghị người lao động năm 2026", "Nhà ở xã hội cho công nhân khu công nghiệp"]
    titles = [extract_article(titled(h + suffix, f"Mở đầu bài {i}."), f"https://tin.example/{i}.html")
              .title for i, h in enumerate(headlines)]
    assert titles[:2] == [h + suffix for h in headlines[:2]]     # not yet known: kept
    assert titles[2:] == headlines[2:]                           # shared by two others: cut
    other = extract_article(titled(headlines[0] + suffix, "Mở đầu."), "https://khac.example/1.html")
    assert other.title == headlines[0] + suffix                  # another site: its own suffixes


def test_a_suffix_seen_on_one_title_only_is_kept():
    for i in range(3):
        found = extract_article(titled(f"Bài số {i} - Phần {i}", "Mở đầu."),
                                f"https://tin.example/{i}.html")
        assert found.title == f"Bài số {i} - Phần {i}"


@pytest.mark.parametrize("meta_time, jsonld_time, want", [
    # local clock time with a UTC mark in meta, the page's offset in JSON-LD: the JSON-LD instant
    ("2025-05-29T20:00:27Z", "2025-05-29T20:00:27+0200", "2025-05-30T01:00:27+07:00"),
    ("2024-07-17T11:21:03+0000", "2024-07-17T11:21:03+01:00", "2024-07-17T17:21:03+07:00"),
    # a real UTC instant (another clock time): kept
    ("2025-05-29T17:00:27Z", "2025-05-29T20:00:27+02:00", "2025-05-30T00:00:27+07:00"),
    # a naive stamp on a page whose other stamps state +02:00: read at +02:00
    ("2024-04-24T22:58:49", "2024-04-24T22:58:49.536+02:00", "2024-04-25T03:58:49+07:00"),
])
def test_a_utc_mark_on_local_time_and_a_naive_stamp_take_the_pages_offset(meta_time, jsonld_time,
                                                                         want):
    head = (f'<meta property="article:published_time" content="{meta_time}">'
            '<script type="application/ld+json">{"@type": "NewsArticle", "headline": "x", '
            f'"datePublished": "{jsonld_time}"}}</script>')
    assert extract_article(page(PARAGRAPHS, head), URL).published_at == want


def test_the_paragraph_after_a_link_box_amid_the_text_is_the_texts():
    # the shape of an "Also on <site>" card between two paragraphs (AEB page of rt.com)
    from crawler.extract.signals import teaser_texts
    from crawler.extraction import parse_html
    after = "Một nhà báo có mặt tại hiện trường cho biết đã nghe thấy tiếng súng gần kho nhiên liệu."
    html = (f'<html><body><div class="text"><p>{TEXT}</p>'
            '<a href="https://example.vn/bai-khac.html"><span>Đọc thêm</span>'
            '<span>Công đoàn đề xuất tăng lương tối thiểu vùng năm tới</span></a>'
            f'<p>{after}</p><p>{TEXT}</p></div></body></html>')
    teasers = teaser_texts(parse_html(html), URL)
    assert any("công đoàn đề xuất tăng lương" in t for t in teasers)
    assert not any("nhà báo" in t for t in teasers)


def test_a_teaser_list_keeps_its_summaries():
    from crawler.extract.signals import teaser_texts
    from crawler.extraction import parse_html
    items = "".join(f'<h3><a href="https://example.vn/bai-{i}.html">Tiêu đề bài viết số {i} về '
                    f'công đoàn</a></h3><p>Tóm tắt bài số {i}: công nhân được hỗ trợ tiền thuê '
                    f'trọ trong dịp cuối năm.</p>' for i in range(4))
    teasers = teaser_texts(parse_html(f'<html><body><div>{items}</div></body></html>'), URL)
    assert sum("tóm tắt" in t for t in teasers) == 4


def test_a_bold_heading_in_capitals_heading_the_text_is_not_a_byline():
    body = "<p><strong>LOOK WHAT YOU MADE ME DO</strong></p>" + PARAGRAPHS
    found = extract_article(page(body), URL)
    assert found.author is None and found.body.startswith("LOOK WHAT YOU MADE ME DO")


@pytest.mark.parametrize("value, want", [("Jeff Foust Monday; November", "Jeff Foust"),
                                         ("Текст Венера Ерофеева", "Венера Ерофеева"),
                                         ("Colin Rust commented on", None), ("Theresa May", "Theresa May")])
def test_what_a_byline_search_drags_along_is_not_the_name(value, want):
    assert clean_author(value, set()) == want


@pytest.mark.parametrize("line, want", [
    ('Von: <a href="/p/bill">Bill McCarthy</a>, <a href="/p/mar">Marisha Goldhamer</a>',
     "Bill McCarthy, Marisha Goldhamer"),
    ("Tác giả: Minh Hà", "Minh Hà"),
])
def test_a_labelled_line_under_the_headline_is_the_byline(line, want):
    header = ('<h1>Công nhân được hỗ trợ tiền thuê trọ</h1>'
              f'<ul class="list-info"><li>3 phút đọc</li><li>{line}</li></ul>')
    assert extract_article(page(PARAGRAPHS, "", header), URL).author == want


def test_a_source_credit_under_the_headline_is_not_a_byline():
    header = '<h1>Công nhân được hỗ trợ tiền thuê trọ</h1><p>Theo Báo Người Lao Động</p>'
    assert extract_article(page(PARAGRAPHS, "", header), URL).author is None


def test_the_publisher_after_a_name_is_left_out():
    assert clean_author("Minh Hà, Báo Lao Động Mẫu", {"baolaodongmau"}) == "Minh Hà"
    assert clean_author("red, ORF.at, Agenturen", {"orf", "orfat"}) is None


@pytest.mark.parametrize("modified, want", [
    # the page's metadata states +01:00: the time it shows without a zone is at +01:00
    ("2026-11-21T09:00:00+01:00", "2026-11-20T16:00:00+07:00"),
    # metadata in UTC says nothing of the page's own clock: Vietnam time, as shown
    ("2026-11-21T02:00:00Z", "2026-11-20T10:00:00+07:00"),
    # no metadata date: Vietnam time
    (None, "2026-11-20T10:00:00+07:00"),
])
def test_a_time_shown_without_a_zone_is_in_the_zone_the_pages_metadata_states(modified, want):
    head = f'<meta property="article:modified_time" content="{modified}">' if modified else ""
    header = '<h1>Công nhân được hỗ trợ tiền thuê trọ</h1><p class="date">20.11.2026 10:00</p>'
    assert extract_article(page(PARAGRAPHS, head, header), URL).published_at == want


def test_a_day_shown_without_a_time_stays_that_day_whatever_the_pages_zone():
    head = '<meta property="article:modified_time" content="2026-11-21T09:00:00-08:00">'
    header = '<h1>Công nhân được hỗ trợ tiền thuê trọ</h1><p class="date">20.11.2026</p>'
    assert extract_article(page(PARAGRAPHS, head, header), URL).published_at == "2026-11-20"
