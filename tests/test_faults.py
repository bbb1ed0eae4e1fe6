"""Faults survived: sites that fail, stall, cut pages short, serve junk or odd encodings.

Each crawl runs against its own ReplayServer with `replay.faults.Faults`. For every fault: the run
completes, the other articles are stored, the failure is counted per site in crawl_runs with its
URL (and logged), a transient failure is retried within the run, and the next run (no faults)
stores what failed. The chaos test puts faults on 20% of requests.
"""
from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import unicodedata
from urllib.parse import urlsplit

import pytest

from replay.faults import Faults
from replay.server import ReplayServer
from replay.web import ALL_SITES, ReplayWeb

FAST = ["-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "DOWNLOAD_TIMEOUT=1"]
# Follow every listing page (max 5) even when a page holds only stored articles: an incremental
# run that stops early can miss articles of baolaocai, whose RSS feed may store a listing page's
# articles before that page is read (a race in the incremental stop, reported separately).
FULL = ["-s", "NEWS_SAFETY_PAGES=5"]
NO_FEED_SITES = ["laodongthudo", "tuoitrethudo", "hanoigov"]


def crawl(server: ReplayServer, db, *args, cwd):
    env = {**os.environ, **server.env()}
    return subprocess.run([sys.executable, "-m", "crawler.cli", "crawl", "--db", str(db), *FAST,
                           *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=300)


def rows(db, sql, params=()):
    with sqlite3.connect(db) as conn:
        conn.row_factory = sqlite3.Row
        return [dict(r) for r in conn.execute(sql, params)]


def stored_urls(db) -> list[str]:
    return [r["url"] for r in rows(db, "select url from articles")]


def runs_by_site(db, after: int = 0) -> dict[str, dict]:
    out = {}
    for r in rows(db, "select * from crawl_runs where id > ? order by id", (after,)):
        r["problems"] = json.loads(r["problems"] or "{}")
        r["problem_urls"] = json.loads(r["problem_urls"] or "[]")
        out[r["spider"]] = r
    return out


def plain_articles(web: ReplayWeb, site: str) -> list:
    """Ordinary dated articles of `site` (no seed, no syndicated copy), listing order."""
    return [a for a in web.articles(site) if a.published_at and not a.seed and a.author]


@pytest.fixture(scope="module")
def clean_crawl(tmp_path_factory, repo_root):
    """A crawl of every site with no fault: the set every faulty crawl must reach."""
    db = tmp_path_factory.mktemp("clean") / "news.db"
    with ReplayServer() as server:
        result = crawl(server, db, *FULL, cwd=repo_root)
    assert result.returncode == 0, result.stdout + result.stderr[-3000:]
    stored = set(stored_urls(db))
    assert stored == {a.url for a in ReplayWeb().articles(sites=ALL_SITES)}
    return db, stored


def test_named_faults_are_survived_counted_retried_and_refetched(tmp_path, repo_root,
                                                                   clean_crawl):
    """Incremental runs (the default), on the three sites without a feed."""
    _, clean = clean_crawl
    no_feed_hosts = {urlsplit(ReplayWeb().start_urls(site)[0]).hostname for site in NO_FEED_SITES}
    clean = {u for u in clean if urlsplit(u).hostname in no_feed_hosts}
    web = ReplayWeb()
    ldtd, tttd = plain_articles(web, "laodongthudo"), plain_articles(web, "tuoitrethudo")
    hn = plain_articles(web, "hanoigov")
    transient = {          # retried within the run: stored by run 1
        ldtd[0].url: "503x2", ldtd[1].url: "resetx1", tttd[0].url: "timeoutx1",
        hn[4].url: "truncatedx1", hn[0].url: "500x1", hn[1].url: "slow",
        ldtd[2].url: "redirect-chain",
    }
    lasting = {            # fail in run 1 (every attempt): stored by run 2
        ldtd[3].url: "500", tttd[1].url: "reset", tttd[2].url: "truncated", ldtd[5].url: "empty",
        tttd[3].url: "big", hn[2].url: "redirect-loop", hn[3].url: "json",
        ldtd[4].url: "timeout",
    }
    # a 503 burst on a listing page (retried) and a listing page that keeps failing
    listing_burst = "https://laodongthudo.vn/cong-doan"
    listing_down = web.listing_urls("tuoitrethudo")[1]
    faults = Faults({**transient, **lasting, listing_burst: "503x2", listing_down: "500"},
                    timeout_seconds=1.5, slow_seconds=0.3, big_bytes=600_000)
    db = tmp_path / "news.db"
    with ReplayServer(faults=faults) as server:
        first = crawl(server, db, *NO_FEED_SITES, "-s", "DOWNLOAD_MAXSIZE=500000", cwd=repo_root)
        faults.stop()
    assert first.returncode in (0, 3), first.stderr[-3000:]
    runs = runs_by_site(db)
    assert {r["status"] for r in runs.values()} == {"finished"}
    stored = set(stored_urls(db))
    for url in transient:
        assert url in stored, (transient[url], url, [l for l in first.stderr.splitlines()
                                                     if urlsplit(url).path in l],
                               rows(db, "select * from duplicates"))
    for url, fault in lasting.items():
        assert url not in stored, (fault, url)
        site = next(s for s, r in runs.items() if any(url in u for u in r["problem_urls"]))
        assert runs[site]["articles_failed"] >= 1
        # a refusal (a non-HTML answer: positively not an article) is INFO, named in
        # problem_urls above; a failure that may need a look is in the log (WARNING)
        assert url in first.stderr or fault == "json", (fault, "URL not in the log")
    assert any(listing_down in u for u in runs["tuoitrethudo"]["problem_urls"])
    assert runs["laodongthudo"]["problems"].get("download_failed", 0) >= 2   # 500, timeout
    assert runs["hanoigov"]["problems"].get("redirect_loop") == 1
    assert runs["hanoigov"]["problems"].get("not_html", 0) >= 2              # json + the PDF
    # every other article is stored despite the faults
    assert clean - stored <= set(lasting) | {a.url for a in web.articles("tuoitrethudo")}
    missing_tttd = {u for u in clean - stored if "tuoitrethudo" in u} - set(lasting)
    assert missing_tttd, "the failed listing page hid some articles"
    fired = {fault for _, _, fault in faults.fired}
    assert {"503", "reset", "timeout", "truncated", "500", "slow", "empty", "big",
            "redirect-chain", "redirect-loop", "json"} <= fired

    # run 2, no faults: what failed (articles and the listing page) is fetched and stored
    last = max(r["id"] for r in runs.values())
    with ReplayServer() as server:
        second = crawl(server, db, *NO_FEED_SITES, cwd=repo_root)
        targets = {(r.host, r.target) for r in server.requests}
    assert second.returncode == 0, second.stdout + second.stderr[-3000:]
    after = stored_urls(db)
    assert len(after) == len(set(after))
    assert set(after) == clean
    parts = urlsplit(listing_down)
    assert (parts.hostname, parts.path + (f"?{parts.query}" if parts.query else "")) in targets
    assert sum(r["articles_new"] for r in runs_by_site(db, last).values()) == len(clean - stored)


def test_encodings_are_read_right_and_stored_nfc(tmp_path, repo_root):
    web = ReplayWeb(encodings=True)
    assert set(web.encoded.values()) == {"cp1258", "nocharset", "mismatch", "mismatch-1258", "nfd"}
    db = tmp_path / "news.db"
    with ReplayServer(web=web) as server:
        result = crawl(server, db, "laodongthudo", cwd=repo_root)
        served = {r.target: r for r in server.requests}
    assert result.returncode == 0, result.stdout + result.stderr[-3000:]
    by_url = {r["url"]: r for r in rows(db, "select * from articles")}
    gold = {a.url: a for a in web.articles("laodongthudo")}
    for url, variant in web.encoded.items():
        assert urlsplit(url).path in served, variant
        row = by_url.get(url)
        assert row is not None, f"{variant} page not stored"
        expected = gold[url].expected()
        for field in ("title", "sapo", "body", "author", "published_at", "section"):
            assert row[field] == expected[field], (variant, field)
            if row[field]:
                assert unicodedata.is_normalized("NFC", row[field]), (variant, field)
        assert "Công đoàn" in row["section"]
    # the bytes really were what each variant says
    page = web.respond("GET", "laodongthudo.vn", urlsplit(
        next(u for u, v in web.encoded.items() if v == "cp1258")).path)
    assert "windows-1258" in page.header("Content-Type")
    assert b"\xcc" in page.body or b"\xec" in page.body or b"\xf2" in page.body  # tone marks


def test_chaos_twenty_percent_then_one_retry_run(tmp_path, repo_root, clean_crawl):
    """Faults on 20% of requests (500, 503, reset, truncated, timeout, empty), then one run with
    none: the stored set equals a clean run's, no duplicate, the database is intact."""
    _, clean = clean_crawl
    faults = Faults(rate=0.2, seed=20261121, timeout_seconds=1.5)
    db = tmp_path / "news.db"
    with ReplayServer(faults=faults) as server:
        first = crawl(server, db, *FULL, cwd=repo_root)
        faults.stop()
        requests = len(server.requests)
    assert first.returncode in (0, 3), first.stderr[-3000:]
    runs = runs_by_site(db)
    assert {r["status"] for r in runs.values()} == {"finished"}
    injected = len(faults.fired)
    assert 0.1 * requests < injected < 0.3 * requests, (injected, requests)
    assert {f for _, _, f in faults.fired} == {"500", "503", "reset", "truncated", "timeout",
                                               "empty"}
    after_chaos = set(stored_urls(db))
    assert after_chaos < clean
    last = max(r["id"] for r in runs.values())

    with ReplayServer() as server:
        second = crawl(server, db, *FULL, cwd=repo_root)
    assert second.returncode == 0, second.stdout + second.stderr[-3000:]
    stored = stored_urls(db)
    assert len(stored) == len(set(stored)), "duplicate articles"
    assert set(stored) == clean
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    retry = runs_by_site(db, last)
    assert sum(r["articles_new"] for r in retry.values()) == len(clean - after_chaos)
    print(f"chaos: {requests} requests, {injected} faults injected, "
          f"{len(after_chaos)}/{len(clean)} stored after the faulty run, "
          f"{len(clean - after_chaos)} by the retry run")


def test_a_crawl_killed_after_its_site_dictionary_leaves_nothing_half_written(tmp_path, repo_root):
    """SIGKILL while a crawl stores articles whose raw pages are compressed with the site's
    dictionary (trained on the site's first pages during the crawl): every committed article
    has its raw page, readable, compressed with a dictionary that is stored, its signature and
    its search row; a rerun stores the rest, each article once."""
    import signal
    import time

    from crawler.store import NewsDB
    from crawler.store.rawpages import TRAIN_PAGES

    db = tmp_path / "news.db"
    web = ReplayWeb(articles_per_site=TRAIN_PAGES + 60)
    with ReplayServer(web=web) as server:
        env = {**os.environ, **server.env()}
        proc = subprocess.Popen(
            [sys.executable, "-m", "crawler.cli", "crawl", "hanoigov", "--db", str(db),
             "--backfill", "--since", "2000-01-01", "-q", *FAST],
            env=env, cwd=repo_root, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline, stored = time.monotonic() + 240, 0
        while stored < TRAIN_PAGES + 10 and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.05)
            try:
                stored = rows(db, "select count(*) n from raw_pages where dictionary is not null"
                              )[0]["n"]
            except sqlite3.Error:
                pass
        assert proc.poll() is None, "the crawl ended before it could be killed"
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)

        def consistent() -> int:
            with NewsDB(db) as store:
                conn = store.db.conn
                assert conn.execute("pragma integrity_check").fetchone()[0] == "ok"
                assert conn.execute(
                    "select count(*) from raw_pages where dictionary is not null and dictionary "
                    "not in (select id from raw_page_dictionaries)").fetchone()[0] == 0
                urls = [u for (u,) in conn.execute("select url from articles")]
                for url in urls:
                    html = store.raw_html(url)
                    assert html is not None and b"</html>" in html.lower(), url
                assert conn.execute("select count(*) from articles_fts").fetchone()[0] == len(urls)
                assert conn.execute("select count(*) from articles where length(body) > 500 and "
                                    "id not in (select article from minhashes)").fetchone()[0] == 0
                return len(urls)

        assert consistent() >= TRAIN_PAGES   # (raw pages also keep refused pages)
        assert rows(db, "select count(*) n from raw_page_dictionaries")[0]["n"] == 1
        rerun = crawl(server, db, "hanoigov", "--backfill", "--since", "2000-01-01",
                      cwd=repo_root)
        assert rerun.returncode in (0, 3), rerun.stderr[-3000:]
    assert consistent() >= len(web.articles("hanoigov"))
    urls = stored_urls(db)
    assert len(urls) == len(set(urls))                              # each article once
    assert {a.url for a in web.articles("hanoigov")} <= set(urls)    # none lost
