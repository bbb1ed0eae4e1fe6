"""The one page path (crawler/page.py): decode, read, canonical URL and id, NFC, validate."""
from __future__ import annotations

import json
import unicodedata
from pathlib import Path

from crawler.newsspider import NewsSpider
from crawler.page import decode, read_page
from crawler.sites import site_spiders

PAGES = Path(__file__).parent / "pages"
SAVED = PAGES / "laodongthudo" / "184961-plain.html"
EXPECTED = json.loads(SAVED.with_suffix(".json").read_text("utf-8"))


def laodongthudo():
    return site_spiders()["laodongthudo"]


def test_a_saved_page_becomes_an_article_with_its_layers_and_hash():
    page = read_page(laodongthudo(), SAVED.read_bytes(), EXPECTED["url"] + "?utm_source=fb",
                     "text/html; charset=utf-8", {"ETag": b'"v1"', "Last-Modified": b"Mon"})
    article = page.article
    assert page.url == EXPECTED["url"] and page.article_id == EXPECTED["article_id"]
    assert (article.title, article.published_at) == (EXPECTED["title"], EXPECTED["published_at"])
    assert article.site == "laodongthudo" and article.html == SAVED.read_bytes()
    assert (article.etag, article.last_modified) == ('"v1"', "Mon")
    assert article.extracted_by["body"] == "rule" and page.rejection is None
    assert len(article.content_hash) == 64


def test_decomposed_text_is_stored_composed():
    nfd = unicodedata.normalize("NFD", SAVED.read_text("utf-8"))
    page = read_page(laodongthudo(), nfd.encode("utf-8"), EXPECTED["url"], "text/html")
    for name in ("title", "sapo", "body", "author", "section"):
        value = getattr(page.article, name)
        assert unicodedata.is_normalized("NFC", value), name
    assert page.article.title == EXPECTED["title"]


def test_charset_conflict_is_settled_as_the_crawl_does():
    html = SAVED.read_text("utf-8")
    # the header says latin-1, the page says utf-8 and only utf-8 decodes the bytes sensibly
    assert decode(html.encode("utf-8"), "text/html; charset=iso-8859-1") == html
    page = read_page(laodongthudo(), html.encode("utf-8"), EXPECTED["url"],
                     "text/html; charset=iso-8859-1")
    assert page.article.title == EXPECTED["title"]


def test_not_html_is_refused_for_good():
    page = read_page(laodongthudo(), b"%PDF-1.4 ...", EXPECTED["url"], "application/pdf")
    assert page.article is None and page.for_good and page.rejection == "not HTML: application/pdf"
    assert page.article_id == EXPECTED["article_id"]
    page = read_page(laodongthudo(), b"%PDF-1.4 ...", EXPECTED["url"])
    assert page.for_good and page.rejection.startswith("not HTML")


def test_an_empty_page_is_a_rejection_not_a_crash_and_not_for_good():
    page = read_page(laodongthudo(), b"", EXPECTED["url"], "text/html")
    assert page.article is None and not page.for_good
    assert page.rejection.startswith("could not parse")


def test_without_a_url_the_pages_canonical_link_is_used():
    page = read_page(laodongthudo(), SAVED.read_bytes(), "")
    assert page.url == EXPECTED["url"] and page.article_id == EXPECTED["article_id"]


def test_a_canonical_link_to_another_site_is_not_followed():
    html = SAVED.read_text("utf-8").replace(
        f'<link rel="canonical" href="{EXPECTED["url"]}">',
        '<link rel="canonical" href="https://elsewhere.example/copy-184961.html">')
    page = read_page(laodongthudo(), html, EXPECTED["url"])
    assert page.url == EXPECTED["url"]


def test_generic_path_for_a_site_without_rules():
    page = read_page(NewsSpider, SAVED.read_bytes(), "https://example.org/story.html")
    assert page.found.method == "generic" and page.article.title == EXPECTED["title"]
    assert page.article.extracted_by["body"] == "trafilatura"


def test_the_page_path_tags_topics_and_extract_prints_them(repo_root):
    import subprocess
    import sys

    from crawler.topics import classify
    article = read_page(laodongthudo(), SAVED.read_bytes(), EXPECTED["url"]).article
    expected = classify(article.title, article.sapo, article.body)
    assert (article.topics, article.labour_relevant, article.topic_terms) == (
        expected.topics, expected.labour_relevant, expected.topic_terms)
    assert article.labour_relevant and article.topics
    result = subprocess.run([sys.executable, "-m", "crawler.cli", "extract", str(SAVED)],
                            cwd=repo_root, capture_output=True, text=True, timeout=120)
    record = json.loads(result.stdout)
    assert (record["topics"], record["labour_relevant"], record["topic_terms"]) == (
        expected.topics, True, expected.topic_terms)


def test_a_broken_vocabulary_keeps_the_article_without_topics(tmp_path, monkeypatch, caplog):
    import crawler.topics
    broken = tmp_path / "topics.toml"
    broken.write_text("[scoring]\nthreshold = 'x'\n", encoding="utf-8")
    monkeypatch.setattr(crawler.topics, "VOCABULARY_FILE", broken)
    page = read_page(laodongthudo(), SAVED.read_bytes(), EXPECTED["url"])
    assert page.article.title == EXPECTED["title"]                  # nothing lost
    assert (page.article.topics, page.article.labour_relevant) == (None, None)
    assert str(broken) in caplog.text and "reextract --topics-only" in caplog.text


def test_a_page_is_read_with_the_rules_of_the_layout_it_was_fetched_under():
    """A redesign moves the old rules to `earlier_rules` (fundus's dated versions): a page kept
    from before is read again by the rules of its time, a page fetched since by today's."""
    old = laodongthudo()

    class Redesigned(old):
        rules = old.rules.but(body=("div.noi-dung-moi",), date=("p.ngay-dang",))
        earlier_rules = (("2026-12-01", old.rules),)

    html, url = SAVED.read_bytes(), EXPECTED["url"]
    before = Redesigned.read_page(html, url, "text/html", fetched_at="2026-11-30T23:59:00+07:00")
    since = Redesigned.read_page(html, url, "text/html", fetched_at="2026-12-01T00:01:00+07:00")
    today = Redesigned.read_page(html, url, "text/html")
    assert before.found.extracted_by["body"] == "rule" and not before.found.rule_missed
    assert "body" in since.found.rule_missed and since.found.extracted_by["body"] != "rule"
    assert today.found.rule_missed == since.found.rule_missed
    assert before.article.body == EXPECTED["body"]
    assert Redesigned.rules_at("2026-11-30") is old.rules
    assert Redesigned.rules_at(None) is Redesigned.rules


def test_reading_a_page_leaves_no_reference_cycle_holding_its_tree():
    """Once read, a page's parsed tree is freed at once (reference counting), not kept until
    the garbage collector's next pass: a cycle through the tree (a recursive closure over the
    page's elements did this) keeps every page of a crawl alive in between. Pages read by a
    site's rules, by the generic layers after a redesign, and without rules."""
    import gc

    import lxml.etree

    from crawler.sites import spider_for_url
    from replay.web import ReplayWeb

    pages = []
    for variant in (None, "redesign"):
        web = ReplayWeb(articles_per_site=2, variant=variant)
        for site in ("laodongthudo", "baolaocai", "nld"):
            article = web.articles(site)[0]
            host, _, path = article.url.split("://", 1)[1].partition("/")
            pages.append((article.url, web.respond("GET", host, "/" + path).body))
    for url, body in pages[:1]:              # first use: caches, vocabulary, modules
        spider_for_url(url).read_page(body, url)
    gc.collect()
    gc.disable()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        for url, body in pages:
            assert spider_for_url(url).read_page(body, url).article is not None, url
        gc.collect()
        held = [type(o).__name__ for o in gc.garbage if isinstance(o, lxml.etree._Element)]
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        gc.enable()
    assert not held, f"{len(held)} parsed elements were only freed by the collector"
