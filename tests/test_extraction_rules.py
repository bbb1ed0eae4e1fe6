"""The small pieces of extraction and URL handling, shown by example."""
from __future__ import annotations

import pytest

from crawler.extract.dates import parse_iso_datetime, parse_vietnamese_datetime
from crawler.extraction import SiteRules, extract_article
from crawler.urls import canonical_url


@pytest.mark.parametrize("text, iso", [
    ("26/01/2021 11:00", "2021-01-26T11:00:00+07:00"),
    ("08:49 | 06/08/2021", "2021-08-06T08:49:00+07:00"),
    ("(17:54 11/06/2019)", "2019-06-11T17:54:00+07:00"),
    ("Tin tức 16/02/2025 14:16", "2025-02-16T14:16:00+07:00"),
    ("Thứ năm, 31/5/2024", "2024-05-31"),            # no time shown: no time invented
    ("không có ngày", None),
    ("31/02/2024 10:00", None),                     # impossible date
])
def test_vietnamese_dates(text, iso):
    assert parse_vietnamese_datetime(text) == iso


@pytest.mark.parametrize("value, iso", [
    ("2024-05-31T11:20:00+07:00", "2024-05-31T11:20:00+07:00"),
    ("2024-05-31T04:20:00Z", "2024-05-31T11:20:00+07:00"),
    ("2024-05-31T11:20:00", "2024-05-31T11:20:00+07:00"),   # naive: Vietnam time
    ("2024-05-31", "2024-05-31"),
])
def test_metadata_dates_are_expressed_at_plus_seven(value, iso):
    assert parse_iso_datetime(value) == iso


@pytest.mark.parametrize("url, canonical", [
    ("http://www.LaoDongThuDo.vn/abc-118053.html#top", "https://laodongthudo.vn/abc-118053.html"),
    ("https://m.baolaocai.vn/x-post1.html?utm_source=fb&fbclid=1&zarsrc=30",
     "https://baolaocai.vn/x-post1.html"),
    ("https://laodongthudo.vn/cong-doan&s_cond=&BRSR=16", "https://laodongthudo.vn/cong-doan&s_cond=&BRSR=16"),
    ("https://hanoi.gov.vn/a?cur=2&gclid=x", "https://hanoi.gov.vn/a?cur=2"),
])
def test_canonical_urls(url, canonical):
    assert canonical_url(url) == canonical


RULES = SiteRules(title=("h1",), sapo=(".lead",), body=(".body",), author=(".body p.by",),
                  date=(".date",), noise=(".related",), sapo_prefix=r"\(LĐTĐ\)")


def page(body: str, date: str = "<span class='date'>10/03/2021 09:00</span>", head: str = "") -> str:
    return (f"<html><head>{head}</head><body><h1>Tiêu đề</h1>{date}"
            f"<div class='lead'>(LĐTĐ) Lời dẫn của bài.</div><div class='body'>{body}</div></body></html>")


def test_site_path_reads_paragraphs_captions_and_byline_without_noise():
    found = extract_article(page(
        "<div class='related'><a>Tin liên quan</a></div><p>Đoạn một, đủ dài để là một bài báo thật sự"
        " với nhiều chữ.</p><table><tr><td><img alt='Tiêu đề' src='a.jpg'></td></tr>"
        "<tr><td><em>Chú thích ảnh.</em></td></tr></table><p>IMG_7729.JPG</p>"
        "<p>Đoạn hai cũng có nội dung.</p><p class='by'>Hoàng Phúc</p>"), rules=RULES)
    assert found.title == "Tiêu đề" and found.sapo == "Lời dẫn của bài."
    assert found.body.split("\n\n") == [
        "Đoạn một, đủ dài để là một bài báo thật sự với nhiều chữ.", "Chú thích ảnh.",
        "Đoạn hai cũng có nội dung."]
    assert found.author == "Hoàng Phúc"
    assert found.published_at == "2021-03-10T09:00:00+07:00"
    assert found.image_url == "a.jpg"


def test_a_date_in_the_body_text_is_never_taken():
    found = extract_article(page("<p>Ngày 11/4/2023 lúc 09:00, hội nghị diễn ra.</p>" * 3, date=""),
                            rules=RULES)
    assert found.published_at is None


def test_without_a_shown_date_page_metadata_is_used():
    head = '<meta property="article:published_time" content="2023-04-11T16:35:00+07:00">'
    found = extract_article(page("<p>Nội dung.</p>" * 10, date="", head=head), rules=RULES)
    assert found.published_at == "2023-04-11T16:35:00+07:00"
    head = ('<script type="application/ld+json">{"@type": "NewsArticle", '
            '"datePublished": "2023-04-11T09:35:00Z"}</script>')
    found = extract_article(page("<p>Nội dung.</p>" * 10, date="", head=head), rules=RULES)
    assert found.published_at == "2023-04-11T16:35:00+07:00"


def test_decomposed_unicode_comes_out_composed():
    import unicodedata
    nfd = unicodedata.normalize("NFD", "Công đoàn")
    found = extract_article(page(f"<p>{nfd} " * 20 + "</p>"), rules=RULES)
    assert "Công đoàn" in found.body and unicodedata.is_normalized("NFC", found.body)
