"""Each site's rules against saved pages, with the expected JSON beside each page (fundus style).

tests/pages/<site>/<id>-<layout>.html is a saved page; <id>-<layout>.json what must come out of
it. The pages were saved from the replay with `python -m replay snapshot tests/pages`; to add a
real page, save it there and write its JSON by hand.
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from crawler.sites import spider_for_url

PAGES = Path(__file__).parent / "pages"
SAVED = sorted(PAGES.glob("*/*.html"))
FIELDS = ("title", "sapo", "body", "author", "published_at", "section", "tags", "image_url")


def expected_for(page: Path) -> dict:
    return json.loads(page.with_suffix(".json").read_text("utf-8"))


ARTICLES = [p for p in SAVED if not p.stem.startswith("not-article")]
NOT_ARTICLES = [p for p in SAVED if p.stem.startswith("not-article")]


def test_every_site_has_saved_pages():
    sites = {p.parent.name for p in SAVED}
    assert sites == {"laodongthudo", "tuoitrethudo", "baolaocai", "hanoigov"}
    for site in sites:
        assert sum(1 for p in ARTICLES if p.parent.name == site) >= 8
        layouts = {p.stem.split("-", 1)[1] for p in ARTICLES if p.parent.name == site}
        assert {"figures", "related", "no-author", "no-date", "gallery"} <= layouts


REFUSALS = {"listing": {"og:type website", "listing page"}, "soft404": {"soft 404"},
            "video": {"video-only"}}


@pytest.mark.parametrize("page", NOT_ARTICLES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_pages_that_are_not_articles_are_refused_for_good(page):
    expected = expected_for(page)
    spider = spider_for_url(expected["url"])
    read = spider.read_page(page.read_bytes(), expected["url"], "text/html; charset=utf-8")
    assert read.article is None and read.for_good
    assert read.rejection in REFUSALS[expected["kind"]]


@pytest.mark.parametrize("page", ARTICLES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_saved_page_extracts_to_its_expected_json(page):
    expected = expected_for(page)
    spider = spider_for_url(expected["url"])
    assert spider is not None and spider.name == expected["site"]
    read = spider.read_page(page.read_bytes(), expected["url"], "text/html; charset=utf-8")
    assert read.article is not None, read.rejection
    assert (read.url, read.article_id) == (expected["url"], expected["article_id"])
    for field in FIELDS:
        assert getattr(read.article, field) == expected[field], field
    # the regular layout: every field a rule declares is answered by that rule
    for field, layer in read.article.extracted_by.items():
        rule = "date" if field == "published_at" else field
        if getattr(spider.rules, rule, None):
            assert layer == "rule", (field, layer)


def test_extract_command_prints_one_json_line_per_file(repo_root, tmp_path):
    pages = [p for p in ARTICLES if "seed" in p.stem][:2]
    broken = tmp_path / "broken.html"
    broken.write_bytes(b"")
    result = subprocess.run(
        [sys.executable, "-m", "crawler.cli", "extract", *map(str, pages), str(broken)],
        cwd=repo_root, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(lines) == 3
    for page, record in zip(pages, lines):
        expected = expected_for(page)   # no --url: the site is recognised from the canonical link
        assert (record["site"], record["url"], record["title"], record["published_at"]) == (
            expected["site"], expected["url"], expected["title"], expected["published_at"])
    assert "error" in lines[2] and lines[2]["file"] == str(broken)


def test_extract_command_with_url_of_a_site_without_rules_uses_the_generic_path(repo_root):
    page = next(p for p in ARTICLES if p.parent.name == "laodongthudo")
    result = subprocess.run(
        [sys.executable, "-m", "crawler.cli", "extract", str(page),
         "--url", "https://example.org/story.html"],
        cwd=repo_root, capture_output=True, text=True, timeout=120)
    [record] = [json.loads(line) for line in result.stdout.splitlines()]
    assert record["method"] == "generic" and record["site"] is None
    assert record["title"] == expected_for(page)["title"]
