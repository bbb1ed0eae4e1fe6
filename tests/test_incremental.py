"""Nightly runs fetch only what is new, and every story is stored once.

Each test crawls the replay for real (subprocess `newscrawl crawl`, a ReplayServer on 127.0.0.1
whose pages it chooses) into a temporary SQLite file and reads the replay's request log.
"""
from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from dataclasses import replace


from crawler.items import Article
from crawler.store import NewsDB
from replay.corpus import build_corpus
from replay.faults import Faults
from replay.server import ReplayServer
from replay.web import ReplayWeb

FAST = ["-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False"]
FOUR_SITES = ("laodongthudo", "tuoitrethudo", "baolaocai", "hanoigov")


def crawl(server, db, *args, repo_root, sites=("hanoigov",), codes=(0,)):
    env = {**os.environ, **server.env()}
    result = subprocess.run(
        [sys.executable, "-m", "crawler.cli", "crawl", *sites, "--db", str(db), *FAST, *args],
        env=env, cwd=repo_root, capture_output=True, text=True, timeout=300)
    assert result.returncode in codes, result.stdout + result.stderr[-3000:]
    return result


def query(db, sql, params=()):
    with sqlite3.connect(db) as conn:
        conn.row_factory = sqlite3.Row
        return [dict(r) for r in conn.execute(sql, params)]


def fetched_articles(server, web, since):
    pages = {a.url for a in web.articles() + web.copies()}
    return [f"https://{r.host}{r.target}" for r in server.requests
            if r.time >= since and f"https://{r.host}{r.target}" in pages]


def test_a_rerun_with_k_new_articles_fetches_exactly_k_article_pages(tmp_path, repo_root):
    db = tmp_path / "news.db"
    with ReplayServer(web=ReplayWeb()) as server:
        crawl(server, db, repo_root=repo_root)
    newer = ReplayWeb(extra={"hanoigov": 5})
    with ReplayServer(web=newer) as server:
        since = time.monotonic()
        crawl(server, db, repo_root=repo_root)
        fetched = fetched_articles(server, newer, since)
    expected_new = {a.url for a in newer.articles("hanoigov")[:5]}
    assert sorted(fetched) == sorted(expected_new)
    [run] = query(db, "select * from crawl_runs order by id desc limit 1")
    assert run["articles_new"] == 5


def test_with_feeds_and_sitemaps_read_every_night_day_2_fetches_exactly_the_new_articles(
        tmp_path, repo_root):
    """Listings showing six stories, the rest in an RSS feed and a sitemap (read every run): day 2
    with 8 new stories (more than the listing shows) fetches exactly those 8; the sitemap read
    costs a few requests, not the stored articles; day 3 fetches no article page."""
    db = tmp_path / "news.db"
    with ReplayServer(web=ReplayWeb(variant="loadmore-feeds")) as server:
        crawl(server, db, repo_root=repo_root, codes=(0, 3))
    newer = ReplayWeb(variant="loadmore-feeds", extra={"hanoigov": 8})
    with ReplayServer(web=newer) as server:
        since = time.monotonic()
        crawl(server, db, repo_root=repo_root, codes=(0, 3))
        fetched = fetched_articles(server, newer, since)
        since = time.monotonic()
        crawl(server, db, repo_root=repo_root, codes=(0, 3))
        assert fetched_articles(server, newer, since) == []
    assert sorted(fetched) == sorted(a.url for a in newer.articles("hanoigov")[:8])
    stored = {r["url"] for r in query(db, "select url from articles")}
    assert {a.url for a in newer.articles("hanoigov")} <= stored


def test_pagination_stops_at_a_page_of_stored_articles_unless_told_to_go_further(tmp_path, repo_root):
    db = tmp_path / "news.db"
    with ReplayServer(web=ReplayWeb()) as server:
        crawl(server, db, repo_root=repo_root)
        since = time.monotonic()
        crawl(server, db, repo_root=repo_root)
        listings = [r for r in server.requests if r.time >= since and "cur=" in r.target]
        assert listings == []                         # page 1 holds only stored articles
        since = time.monotonic()
        crawl(server, db, "-s", "NEWS_SAFETY_PAGES=1", repo_root=repo_root)
        listings = [r.target for r in server.requests if r.time >= since and "cur=" in r.target]
        assert [t.rsplit("cur=", 1)[1] for t in listings] == ["2"]


def test_recent_articles_are_refetched_conditionally_and_changes_are_versioned(tmp_path, repo_root):
    db = tmp_path / "news.db"
    corpus = build_corpus()
    with ReplayServer(web=ReplayWeb(corpus=corpus)) as server:
        crawl(server, db, repo_root=repo_root)
    with sqlite3.connect(db) as conn:                  # as if fetched two days ago
        conn.execute("update articles set fetched_at = '2000-01-01T00:00:00+07:00'")
    # every stored article is recent (in the window below), those without a date too
    stored = {row["url"] for row in query(db, "select url from articles")}
    assert any(not row["published_at"] for row in query(db, "select published_at from articles"))
    corrected = build_corpus()
    target = corrected["hanoigov"][0]
    corrected["hanoigov"][0] = replace(target, blocks=["Đính chính: " + target.blocks[0]]
                                       + list(target.blocks[1:]))
    web = ReplayWeb(corpus=corrected)
    refresh = ["-s", "NEWS_REFRESH_DAYS=100000", "-s", "NEWS_REFRESH_AFTER_HOURS=20"]
    with ReplayServer(web=web) as server:
        since = time.monotonic()
        crawl(server, db, *refresh, repo_root=repo_root)
        refetches = [r for r in server.requests if r.time >= since
                     and f"https://{r.host}{r.target}" in stored]
    assert {f"https://{r.host}{r.target}" for r in refetches} == stored
    with_etag = {a.url for a in web.articles("hanoigov") + web.copies("hanoigov")}
    assert all("if-none-match" in r.headers for r in refetches
               if f"https://{r.host}{r.target}" in with_etag)
    assert {r.status for r in refetches} == {200, 304}
    assert [r.status for r in refetches                       # only the corrected page
            if f"https://{r.host}{r.target}" in with_etag].count(200) == 1
    [row] = query(db, "select * from articles where url = ?", (target.url,))
    assert row["body"].startswith("Đính chính: ") and row["updated_at"]
    [old] = query(db, "select * from article_versions")
    assert old["url"] == target.url and not old["body"].startswith("Đính chính")
    [run] = query(db, "select * from crawl_runs order by id desc limit 1")
    assert (run["articles_new"], run["articles_updated"]) == (0, 1)
    assert run["articles_unchanged"] == len(refetches) - 1


def test_backfill_follows_pagination_back_to_a_date(tmp_path, repo_root):
    db = tmp_path / "news.db"
    web = ReplayWeb()
    articles = web.articles("hanoigov")
    with ReplayServer(web=web) as server:
        crawl(server, db, "-s", "NEWS_MAX_LISTING_PAGES=1", repo_root=repo_root)
        first = {r["url"] for r in query(db, "select url from articles")}
        assert len(first) < len(articles)
        since = sorted(a.published_at for a in articles if a.published_at)[len(articles) // 3][:10]
        crawl(server, db, "--backfill", "--since", since, repo_root=repo_root)
    stored = {r["url"] for r in query(db, "select url from articles")}
    wanted = {a.url for a in articles if a.published_at and a.published_at[:10] >= since}
    assert wanted <= stored
    assert len(stored) < len(articles) + len(web.copies("hanoigov"))   # it stopped at the date


def test_a_mirror_copy_is_recorded_as_a_duplicate_of_the_original(tmp_path):
    web = ReplayWeb()
    [mirror_url] = web.mirror_urls()
    original = next(a for a in web.articles("laodongthudo") if a.seed == "004")
    with NewsDB(tmp_path / "news.db") as db:
        article = Article(url=original.url, site="laodongthudo", article_id="118053",
                          title=original.title, body=original.body_text,
                          published_at=original.published_at)
        assert db.store_article(article) == "new"
        copy = replace(article, url=mirror_url, site="tinbong247news", published_at=None)
        assert db.store_article(copy) == "duplicate"
        [dup] = db.db.query("select * from duplicates")
        assert (dup["copy_url"], dup["original_url"], dup["method"]) == (
            mirror_url, original.url, "same slug and id")
        assert db.seen("tinbong247news", mirror_url, None)[0]


def test_the_original_replaces_a_copy_stored_before_it(tmp_path):
    web = ReplayWeb()
    copy = web.copies("hanoigov")[0]
    original = next(a for a in web.articles() if a.url == copy.copy_of)
    as_article = lambda a: Article(url=a.url, site=a.site, article_id=a.article_id,
                                   title=a.title, body=a.body_text, published_at=a.published_at)
    with NewsDB(tmp_path / "news.db") as db:
        assert db.store_article(as_article(copy)) == "new"         # nothing to compare yet
        assert db.store_article(as_article(original)) == "new"     # the original arrives
        assert [r["url"] for r in db.db.query("select url from articles")] == [original.url]
        [dup] = db.db.query("select * from duplicates")
        assert (dup["copy_url"], dup["original_url"]) == (copy.url, original.url)
        assert dup["similarity"] >= 0.5


def test_an_original_arriving_after_two_copies_replaces_both(tmp_path):
    web = ReplayWeb()
    original = next(a for a in web.articles() if a.url == web.copies("hanoigov")[0].copy_of)
    copies = [c for c in web.copies() if c.copy_of == original.url]
    assert len(copies) == 2                      # one on hanoi.gov.vn, one on tuoitrethudo.vn
    as_article = lambda a: Article(url=a.url, site=a.site, article_id=a.article_id,
                                   title=a.title, body=a.body_text, published_at=a.published_at)
    with NewsDB(tmp_path / "news.db") as db:
        assert db.store_article(as_article(copies[0])) == "new"
        assert db.store_article(as_article(copies[1])) in ("new", "duplicate")
        assert db.store_article(as_article(original)) == "new"
        assert [r["url"] for r in db.db.query("select url from articles")] == [original.url]
        recorded = {r["copy_url"]: r["original_url"] for r in db.db.query("select * from duplicates")}
        assert recorded == {c.url: original.url for c in copies}


def test_the_same_site_id_under_another_url_is_one_article(tmp_path):
    with NewsDB(tmp_path / "news.db") as db:
        article = Article(url="https://laodongthudo.vn/old-slug-118053.html", site="laodongthudo",
                          article_id="118053", title="T", body="Nội dung " * 50)
        assert db.store_article(article) == "new"
        renamed = replace(article, url="https://laodongthudo.vn/new-slug-118053.html")
        assert db.store_article(renamed) == "unchanged"
        assert db.db.execute("select count(*) from articles").fetchone()[0] == 1


def test_kill_9_mid_crawl_then_rerun_loses_nothing_and_duplicates_nothing(tmp_path, repo_root):
    db = tmp_path / "news.db"
    web = ReplayWeb()
    with ReplayServer(web=web) as server:
        env = {**os.environ, **server.env()}
        slow = subprocess.Popen(
            [sys.executable, "-m", "crawler.cli", "crawl", *FOUR_SITES, "--db", str(db),
             "-s", "DOWNLOAD_DELAY=0.05", "-s", "AUTOTHROTTLE_ENABLED=False"],
            env=env, cwd=repo_root, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 120
        stored = 0
        while stored < 30 and time.monotonic() < deadline and slow.poll() is None:
            time.sleep(0.1)
            try:
                stored = query(db, "select count(*) n from articles")[0]["n"]
            except sqlite3.Error:
                pass
        assert slow.poll() is None, "the crawl ended before it could be killed"
        slow.send_signal(signal.SIGKILL)
        slow.wait(timeout=30)
        with sqlite3.connect(db) as conn:
            assert conn.execute("pragma integrity_check").fetchone()[0] == "ok"
        kept = query(db, "select count(*) n from articles")[0]["n"]
        assert kept >= stored
        crawl(server, db, repo_root=repo_root, sites=FOUR_SITES, codes=(0, 3))
    urls = [r["url"] for r in query(db, "select url from articles")]
    assert len(urls) == len(set(urls))
    assert set(urls) == {a.url for site in FOUR_SITES for a in web.articles(site)}
    statuses = [r["status"] for r in query(db, "select status from crawl_runs order by id")]
    assert statuses[:4].count("interrupted") >= 1 and statuses[4:] == ["finished"] * 4


def test_a_template_broken_for_two_runs_then_restored_loses_nothing(tmp_path, repo_root):
    """Issue 11: every class and id of baolaocai.vn's article pages renamed for two nightly
    runs (and two of them answering an empty page, which no rule or fallback can read), then
    the old template back: the raw HTML of every page that did not become an article is kept,
    no such page is refused for ever (each is requested again), and `newscrawl reextract` plus
    one crawl give every article, each once."""
    db = tmp_path / "news.db"
    web = ReplayWeb()
    expected = {a.url for a in web.articles("baolaocai")}
    unreadable = sorted(expected)[:2]
    faults = Faults({**{url: "empty" for url in unreadable}, "baolaocai.vn": "layout-articles"})
    requested: list[set[str]] = []
    with ReplayServer(web=web, faults=faults) as server:
        for _ in range(2):
            since = time.monotonic()
            crawl(server, db, repo_root=repo_root, sites=("baolaocai",), codes=(0, 3))
            requested.append({f"https://{r.host}{r.target}" for r in server.requests
                              if r.time >= since})
    stored = {r["url"] for r in query(db, "select url from articles where site = 'baolaocai'")}
    refused = {r["url"]: r for r in query(db, "select * from refused_pages")}
    assert set(unreadable) <= expected - stored
    for url in expected - stored:          # not read while the template was broken: kept
        assert url in refused and not refused[url]["for_good"], url
        assert NewsDB(db).raw_html(url) is not None, url
        assert all(url in urls for urls in requested), url   # and requested again in run 2
    positive = {r["url"] for r in query(db, "select url from not_articles")}
    assert not positive & expected             # no article is refused for ever

    with ReplayServer(web=web) as server:      # the old template is back
        result = subprocess.run(
            [sys.executable, "-m", "crawler.cli", "reextract", "--site", "baolaocai", "--db",
             str(db), "--jobs", "1"], cwd=repo_root, capture_output=True, text=True,
            timeout=300, env={**os.environ, **server.env()})
        assert "refused pages read again" in result.stdout, result.stdout + result.stderr
        crawl(server, db, repo_root=repo_root, sites=("baolaocai",), codes=(0, 3))
    rows = query(db, "select url from articles where site = 'baolaocai'")
    assert sorted(r["url"] for r in rows) == sorted(expected)    # every article, each once


def test_reextract_stores_a_refused_page_that_todays_rules_read(tmp_path, repo_root):
    """A page refused by an earlier run (e.g. while a rule was broken) whose kept HTML the page
    path reads today becomes an article without any fetch, and is refused no more."""
    from crawler.reextract import reextract

    web = ReplayWeb()
    article = web.articles("hanoigov")[0]
    page = web.respond("GET", "hanoi.gov.vn", article.url.split("hanoi.gov.vn", 1)[1])
    db_path = tmp_path / "news.db"
    with NewsDB(db_path) as db:
        db.keep_refused("hanoigov", article.url, page.body, "2024-05-01T09:00:00+07:00",
                        page.header("Content-Type"), "body selector matched nothing",
                        for_good=False)
    result = reextract(db_path, jobs=1)
    assert (result.refused_read, result.recovered) == (1, 1)
    with NewsDB(db_path) as db:
        assert list(db.refused_pages()) == []
        assert db.seen("hanoigov", article.url, None)[0]
        [row] = query(db_path, "select title, fetched_at, extracted_by from articles")
    assert row["title"] == article.title and row["fetched_at"] == "2024-05-01T09:00:00+07:00"
    assert row["extracted_by"] and row["extracted_by"] != "{}"
