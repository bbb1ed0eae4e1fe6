"""Nothing stored wrong, nothing lost without a word, on a hostile web (issue 22).

The crawl of replay/hostile.py's scenario (lying charsets, bad canonicals, off-site refreshes and
redirects, bombs, drips, traps, robots.txt that fails), then the next run; every check of
`HostileScenario.check` must hold. Durations are measured by bench/hostile.py, not here: a test
does not depend on the machine's speed (the crawl's subprocess timeout only bounds a hang).
Also the parts on their own: which canonicals are believed, and the store refusing to make one
article a "version" of another.
"""
from __future__ import annotations

import json
import sqlite3

import pytest

from crawler.canonical import canonical_refusal
from crawler.items import Article
from crawler.newsspider import NewsSpider
from crawler.sites import site_spiders
from crawler.store import NewsDB
from replay.hostile import HostileScenario, crawl_command, run_measured
from replay.server import ReplayServer

MAX_RSS_MB = 300


def test_a_canonical_is_believed_only_when_it_can_be_the_articles_address():
    spider = site_spiders()["tuoitrethudo"]
    page = "https://tuoitrethudo.vn/cong-nhan-duoc-ho-tro-271234.html"
    assert canonical_refusal(spider, page, page) is None
    assert canonical_refusal(spider, "https://tuoitrethudo.vn/cong-nhan-duoc-ho-tro-moi-271234"
                                     ".html", page) is None                      # a new slug
    assert "article_url" in canonical_refusal(spider, "https://tuoitrethudo.vn/", page)
    assert "article_url" in canonical_refusal(spider, "https://tuoitrethudo.vn/tin-tuc", page)
    assert "another site" in canonical_refusal(spider, "https://tinbong247news.net/x-271234.html",
                                               page)
    assert "another article" in canonical_refusal(
        spider, "https://tuoitrethudo.vn/bai-khac-271999.html", page)

    class Generic(NewsSpider):          # no article_url: the generic path
        name = "generic"
        allowed_domains = ["example.vn"]
        start_urls = ["https://example.vn/thoi-su"]

    story = "https://example.vn/thoi-su/2026/11/cong-nhan-duoc-ho-tro"
    assert canonical_refusal(Generic, "https://example.vn/thoi-su/2026/11/cong-nhan", story) \
        is None
    assert "home page" in canonical_refusal(Generic, "https://example.vn/", story)
    assert "start page" in canonical_refusal(Generic, "https://example.vn/thoi-su", story)
    assert "parent" in canonical_refusal(Generic, "https://example.vn/thoi-su/2026", story)


def _article(url, title, body, article_id="271234"):
    return Article(url=url, site="tuoitrethudo", article_id=article_id, title=title, sapo=None,
                   body=body, author=None, published_at="2026-11-20T08:00:00+07:00",
                   section=None, tags=[], image_url=None, html=b"<html></html>",
                   fetched_at="2026-11-20T09:00:00+07:00")


def test_another_article_under_a_stored_address_is_not_a_version(tmp_path):
    url = "https://tuoitrethudo.vn/cong-nhan-duoc-ho-tro-271234.html"
    text = " ".join(f"Công nhân khu công nghiệp số {i} được hỗ trợ tiền thuê trọ."
                    for i in range(40))
    other = " ".join(f"Đoàn viên quận {i} tham gia giải chạy vì sức khỏe người lao động."
                     for i in range(40))
    with NewsDB(tmp_path / "news.db") as db:
        assert db.store_article(_article(url, "Hỗ trợ công nhân", text)) == "new"
        # a revision: a corrected title, most of the text kept
        assert db.store_article(_article(url, "Hỗ trợ 500 công nhân", text + " Cập nhật.")) \
            == "updated"
        # another story at the same address: kept aside, nothing written
        assert db.store_article(_article(url, "Giải chạy vì sức khỏe", other)) == "suspicious"
        assert "title changed" in db.suspicious
        # the same address read as another site id
        assert db.store_article(_article(url, "Hỗ trợ 500 công nhân", text, "271999")) \
            == "suspicious"
    with sqlite3.connect(tmp_path / "news.db") as conn:
        title, body = conn.execute("SELECT title, body FROM articles").fetchone()
        versions = conn.execute("SELECT title FROM article_versions").fetchall()
    assert title == "Hỗ trợ 500 công nhân" and "Đoàn viên" not in body
    assert versions == [("Hỗ trợ công nhân",)]


@pytest.fixture(scope="module")
def hostile_runs(tmp_path_factory, repo_root):
    """Run 1 on the hostile replay, then the next run; each with the server's request log."""
    db = tmp_path_factory.mktemp("hostile") / "news.db"
    scenario = HostileScenario()
    server = scenario.server()
    try:
        first, rss1, _ = run_measured(crawl_command(db), env=_env(server), cwd=repo_root)
        requests1 = server.requests
    finally:
        scenario.faults.stop()
        server.stop()
    with sqlite3.connect(db) as conn:
        last = conn.execute("SELECT MAX(id) FROM crawl_runs").fetchone()[0]
    with ReplayServer(web=scenario.web, faults=scenario.next_run_faults()) as server:
        second, rss2, _ = run_measured(
            crawl_command(db, "-s", "NEWS_REFRESH_DAYS=36500", "-s", "NEWS_REFRESH_AFTER_HOURS=0"),
            env=_env(server), cwd=repo_root)
        requests2 = server.requests
    return scenario, db, (first, rss1, requests1), (second, rss2, requests2, last)


def _env(server):
    import os
    return {**os.environ, **server.env()}


def test_a_hostile_web_stores_nothing_wrong_and_loses_nothing_without_a_word(hostile_runs):
    scenario, db, (first, rss, requests, *_), _ = hostile_runs
    assert first.returncode == 3, first.stderr[-3000:]       # flagged: robots.txt unreachable
    report = scenario.check(db, requests, after_run=0, first_run=True)
    assert not report.failures, "\n".join(report.failures)
    assert rss / 1024 < MAX_RSS_MB, rss
    assert report.checks["robots_requests_max"] <= 2
    for line in first.stderr.splitlines():      # no traceback; refusals are not errors
        assert not line.startswith("Traceback"), first.stderr[-3000:]
        if " ERROR" in line:
            assert "ROBOTS.TXT UNREACHABLE?" in line, line
    assert "robots.txt unreachable?" in first.stdout and "rules drifted" not in first.stdout


def test_the_next_run_asks_robots_txt_again_and_keeps_a_reused_address_apart(hostile_runs):
    scenario, db, _, (second, rss, requests, last) = hostile_runs
    assert second.returncode == 0, second.stdout + second.stderr[-3000:]
    report = scenario.check(db, requests, after_run=last, first_run=False)
    assert not report.failures, "\n".join(report.failures)
    assert rss / 1024 < MAX_RSS_MB, rss
    robots_hosts = {r.host for r in requests if r.target == "/robots.txt"}
    assert {"hanoi.gov.vn", "nld.com.vn"} <= robots_hosts
    with sqlite3.connect(db) as conn:
        urls = [json.loads(u) for (u,) in conn.execute(
            "SELECT problem_urls FROM crawl_runs WHERE id > ? AND spider = 'tuoitrethudo'",
            [last])]
    assert f"suspicious_replacement {scenario.swapped}" in urls[0]
