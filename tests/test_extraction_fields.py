"""Issue 20: every date form, title, lead and byline the Vietnamese way, related links out of the
text, `newscrawl extract` on any saved page. Pages here are small hand-made shapes (the kinds of
markup the issue names) plus one real public page (tests/data/public, see its README)."""
from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from crawler.cli import main
from crawler.extract.dates import (element_date, parse_date_text, parse_iso_datetime,
                                   parse_relative)
from crawler.extract.bylines import clean_author
from crawler.extraction import extract_article, parse_html
from crawler.sites import read_saved_page

PUBLIC = Path(__file__).parent / "data" / "public"
FETCHED = "2026-11-20T12:00:00+07:00"


@pytest.mark.parametrize("text, want", [
    ("26/01/2021 11:00", "2021-01-26T11:00:00+07:00"),
    ("20-11-2026 08:15", "2026-11-20T08:15:00+07:00"),
    ("20.11.2026 08:15", "2026-11-20T08:15:00+07:00"),
    ("Thứ Ba, 20/11/2026 08:15", "2026-11-20T08:15:00+07:00"),
    ("Thứ hai, 20/11/2026, 08:15 (GMT+7)", "2026-11-20T08:15:00+07:00"),
    ("08:15 | 20/11/2026", "2026-11-20T08:15:00+07:00"),
    ("(06:00 20/11/2026)", "2026-11-20T06:00:00+07:00"),
    ("17h54 ngày 11/06/2019", "2019-06-11T17:54:00+07:00"),
    ("ngày 11 tháng 6 năm 2019", "2019-06-11"),
    ("20/11/2026", "2026-11-20"),
    ("2026-11-20 08:15", "2026-11-20T08:15:00+07:00"),
    ("November 20, 2026 8:15 PM", "2026-11-20T20:15:00+07:00"),
    ("20 Nov 2026", "2026-11-20"),
    # another zone: the same instant at +07:00; no time: the day stated, never moved
    ("20/11/2026 23:30 GMT+2", "2026-11-21T04:30:00+07:00"),
    ("Published 20/11/2026 UTC", "2026-11-20"),
    # published before updated, whatever their order
    ("Cập nhật: 21/11/2026 10:00 | Đăng: 20/11/2026 08:00", "2026-11-20T08:00:00+07:00"),
    ("31/02/2026", None),
    ("Không có ngày", None),
])
def test_every_visible_date_form(text, want):
    assert parse_date_text(text) == want


@pytest.mark.parametrize("value, want", [
    ("2026-11-20T08:15:00+07:00", "2026-11-20T08:15:00+07:00"),
    ("2026-11-20T01:15:00Z", "2026-11-20T08:15:00+07:00"),
    ("2026-11-20 08:15:00+0200", "2026-11-20T13:15:00+07:00"),
    ("2026-11-20", "2026-11-20"),
    ("2026-11-20T00:00:00+00:00", "2026-11-20"),      # a CMS's midnight: the day it states
    ("1763601300", "2025-11-20T08:15:00+07:00"),      # an epoch in a data-* attribute
    ("20/11/2026 09:00", "2026-11-20T09:00:00+07:00"),
])
def test_machine_readable_stamps(value, want):
    assert parse_iso_datetime(value) == want


@pytest.mark.parametrize("text, want", [
    ("15 phút trước", "2026-11-20T11:45:00+07:00"),
    ("3 giờ trước", "2026-11-20T09:00:00+07:00"),
    ("hôm qua", "2026-11-19"),
    ("2 ngày trước", "2026-11-18"),
    ("5 hours ago", "2026-11-20T07:00:00+07:00"),
    ("20/11/2026", None),
])
def test_relative_stamps_count_back_from_the_fetch(text, want):
    assert parse_relative(text, FETCHED) == want


def test_an_attribute_states_the_time_a_relative_stamp_shows():
    element = parse_html('<html><body><abbr class="timeago" title="2026-11-20T08:15:00+07:00">'
                         '10 giờ trước</abbr></body></html>').find(".//abbr")
    assert element_date(element) == "2026-11-20T08:15:00+07:00"


TEXT = " ".join(["Công đoàn cơ sở tổ chức hội nghị người lao động năm 2026 tại nhà máy."] * 6)


def page(header: str, body: str, head: str = "") -> str:
    return (f"<html><head><title>Công nhân được hỗ trợ tiền thuê trọ - Báo Lao Động Mẫu</title>"
            f'<meta property="og:site_name" content="Báo Lao Động Mẫu">{head}</head><body>'
            '<div class="top"><a href="/">Trang chủ</a></div>'
            f'<div class="main">{header}<div class="noi-dung">{body}</div></div>'
            '<div class="foot">Báo Lao Động Mẫu</div></body></html>')


HEADLINE = "<h1>Công nhân được hỗ trợ tiền thuê trọ</h1>"
PARAGRAPHS = "".join(f"<p>{TEXT} Đoạn {i}.</p>" for i in range(4))


@pytest.mark.parametrize("stamp, want, layer", [
    ('<abbr class="timeago" title="2026-11-20T08:15:00+07:00">10 giờ trước</abbr>',
     "2026-11-20T08:15:00+07:00", None),
    ('<span class="ago" title="20/11/2026 09:00">10 giờ trước</span>',
     "2026-11-20T09:00:00+07:00", None),
    ('<div class="info">20-11-2026 08:15</div>', "2026-11-20T08:15:00+07:00", None),
    ('<span class="news-date">(06:00 20/11/2026)</span>', "2026-11-20T06:00:00+07:00", None),
    ('<span>3 giờ trước</span>', "2026-11-20T09:00:00+07:00", "relative-stamp (approximate)"),
])
def test_dates_next_to_the_headline(stamp, want, layer):
    found = extract_article(page(HEADLINE + stamp, PARAGRAPHS), "https://example.vn/a-1.html",
                            fetched_at=FETCHED)
    assert found.published_at == want
    if layer:
        assert found.extracted_by["published_at"] == layer


def test_the_listed_date_when_the_page_states_none():
    found = extract_article(page(HEADLINE, PARAGRAPHS), "https://example.vn/a-1.html",
                            listed_date="2026-11-19T07:30:00+07:00", fetched_at=FETCHED)
    assert found.published_at == "2026-11-19T07:30:00+07:00"
    assert found.extracted_by["published_at"] == "listed"


def test_a_headline_in_a_span_gives_the_title_without_the_site_name_and_its_date():
    header = ('<span class="news-title">Công nhân được hỗ trợ tiền thuê trọ</span>'
              '<div class="meta"><span>(06:00 20/11/2026)</span></div>')
    found = extract_article(page(header, PARAGRAPHS), "https://example.vn/a-1.html")
    assert found.title == "Công nhân được hỗ trợ tiền thuê trọ"
    assert found.published_at == "2026-11-20T06:00:00+07:00"


def test_title_entities_decoded_and_the_kicker_left_out():
    head = '<meta property="og:title" content="Won&amp;rsquo;t stop: the union&#39;s answer">'
    found = extract_article(page("<h1>Won’t stop: the union's answer</h1>", PARAGRAPHS, head),
                            "https://example.vn/a-1.html")
    assert found.title == "Won’t stop: the union's answer"


@pytest.mark.parametrize("value", ["By", "Tác giả:", "Theo", "Date published", "COMMENTARY BY",
                                   "Báo Lao Động Mẫu", "baolaodongmau.vn", "05.01.2025, 15:23",
                                   "d.kuckelkorn@boersen-zeitung.de", "Foto: REUTERS/Nadja"])
def test_a_label_a_date_or_the_publisher_is_never_an_author(value):
    assert clean_author(value, {"baolaodongmau", "baolaodongmauvn"}) is None


@pytest.mark.parametrize("value, want", [("By John Smith", "John Smith"),
                                         ("Tác giả: Nguyễn Văn An", "Nguyễn Văn An"),
                                         ("Bài và ảnh: Minh Hà", "Minh Hà"),
                                         ("Lê Phương", "Lê Phương")])
def test_a_byline_without_its_label(value, want):
    assert clean_author(value, set()) == want


def test_the_publisher_in_meta_is_not_the_author_the_signature_is():
    head = '<meta name="author" content="Báo Lao Động Mẫu">'
    body = PARAGRAPHS + '<p style="text-align:right"><strong>Minh Hà</strong></p>'
    found = extract_article(page(HEADLINE, body, head), "https://example.vn/a-1.html")
    assert found.author == "Minh Hà"
    assert "Minh Hà" not in found.body


def test_related_links_inside_the_text_are_not_the_text():
    related = ('<p><strong>Tin liên quan</strong></p><ul>'
               + "".join(f'<li><a href="/bai-khac-{i}.html">Bài khác số {i} về công đoàn cơ sở'
                         '</a></li>' for i in range(3))
               + '</ul><p>» <a href="https://example.vn/mot-bai-khac-9.html">Một bài khác về '
               'người lao động</a></p>')
    body = PARAGRAPHS[:len(PARAGRAPHS) // 2] + related + PARAGRAPHS[len(PARAGRAPHS) // 2:]
    for rules in (None,):
        found = extract_article(page(HEADLINE, body), "https://example.vn/a-1.html", rules)
        assert "Tin liên quan" not in found.body and "Bài khác" not in found.body
        assert "Một bài khác" not in found.body
        assert found.body.count("Công đoàn cơ sở tổ chức") == 24


def test_text_runs_separated_by_br_br_are_paragraphs():
    from crawler.families import EPISpider
    runs = "<br><br>".join(f"{TEXT} Đoạn {i}." for i in range(4))
    html = page('<h1 class="article__title">Công nhân được hỗ trợ tiền thuê trọ</h1>',
                f"<div>{runs}<br><br><b>Đọc thêm:</b><br>"
                '<a href="/bai-khac-1-post1.html">Bài khác số 1 về công đoàn</a><br>'
                '<a href="/bai-khac-2-post2.html">Bài khác số 2 về công đoàn</a></div>')
    found = extract_article(html, "https://baolaocai.vn/a-post9.html", EPISpider.rules)
    assert found.is_article, found.problems
    assert found.body.count("\n\n") == 3
    assert "Đọc thêm" not in found.body and "Bài khác" not in found.body


def test_a_public_vnexpress_article_lead_and_signature():
    html = gzip.decompress((PUBLIC / "vnexpress-4954454.html.gz").read_bytes())
    want = json.loads((PUBLIC / "vnexpress-4954454.json").read_text(encoding="utf-8"))
    _, read = read_saved_page(html, want["url"], want["fetched_at"])
    found = read.found
    assert read.is_article
    for name in ("title", "sapo", "author", "published_at"):
        assert getattr(found, name) == want[name], name
    assert found.extracted_by["author"] == "bold-line"
    assert not found.body.rstrip().endswith(want["author"])


def test_extract_answers_a_page_without_a_canonical_link(tmp_path):
    saved = tmp_path / "page.html"
    saved.write_text(page(HEADLINE, PARAGRAPHS), encoding="utf-8")
    result = CliRunner().invoke(main, ["extract", str(saved)])
    assert result.exit_code == 0, result.output
    record = json.loads(result.output.splitlines()[0])
    assert "error" not in record
    assert record["is_article"] and record["title"] == "Công nhân được hỗ trợ tiền thuê trọ"
    assert record["url"] is None and record["article_id"] is None


def test_a_page_that_states_no_date_gets_none_not_a_teasers():
    teasers = ('<div class="breaking"><ul>'
               + "".join(f'<li><a href="/tin-{i}.html">Tin khác số {i} về công đoàn cơ sở</a> '
                         f'<span class="time">1{i}/11/2026 08:0{i}</span></li>' for i in range(4))
               + "</ul></div>")
    found = extract_article(page(teasers + HEADLINE, PARAGRAPHS), "https://example.vn/a-1.html",
                            fetched_at=FETCHED)
    assert found.published_at is None
