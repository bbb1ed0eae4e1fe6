"""Site health: per-run numbers and coverage, the site_health view, the "rules drifted?" /
"layout changed?" / "unreachable?" / "stale?" flags (log line, crawl_runs row, exit status), and
`newscrawl check`."""
from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from datetime import datetime, timedelta

import pytest

from crawler.store import NewsDB
from replay.faults import Faults
from replay.server import ReplayServer
from replay.web import ALL_SITES, SITES, ReplayWeb

FAST = ["-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "DOWNLOAD_TIMEOUT=2"]
# Every listing page (max 5): the incremental stop can skip baolaocai pages whose articles its
# RSS feed stored first (a race in the incremental crawl, reported separately).
FULL = ["-s", "NEWS_SAFETY_PAGES=5"]


def newscrawl(server, *args, cwd):
    env = {**os.environ, **server.env()}
    return subprocess.run([sys.executable, "-m", "crawler.cli", *args], env=env, cwd=cwd,
                          capture_output=True, text=True, timeout=300)


def rows_of(db, sql, params=()):
    with sqlite3.connect(db) as conn:
        return conn.execute(sql, params).fetchall()


def rows(db, sql, params=()):
    with sqlite3.connect(db) as conn:
        conn.row_factory = sqlite3.Row
        return [dict(r) for r in conn.execute(sql, params)]


@pytest.fixture(scope="module")
def healthy(tmp_path_factory, repo_root):
    db = tmp_path_factory.mktemp("healthy") / "news.db"
    with ReplayServer() as server:
        result = newscrawl(server, "crawl", "--db", str(db), *FAST, *FULL, cwd=repo_root)
    assert result.returncode == 0, result.stdout + result.stderr[-3000:]
    return db, result


def test_site_health_view_after_a_clean_run(healthy):
    db, result = healthy
    health = {r["site"]: r for r in rows(db, "select * from site_health")}
    assert set(health) == set(ALL_SITES)
    for site, row in health.items():
        assert row["flag"] is None, (site, row["flag"])
        assert row["status"] == "finished"
        assert row["articles_found"] >= 40, site          # links on listings (and the feed)
        # an original arriving after its syndicated copy counts as a copy, not as new
        assert row["articles_new"] >= 30
        assert row["coverage_title"] == row["coverage_body"] == 1.0
        assert 0.3 <= row["coverage_author"] <= 1.0
        assert row["articles_stored"] == len(ReplayWeb().articles(site, sites=ALL_SITES))
        assert row["newest_first_seen"].endswith("+07:00")
        if site in SITES:
            assert row["articles_failed"] == 3             # the PDF, video and soft-404 pages
            assert 0.9 <= row["coverage_date"] < 1.0       # one undated article per site
        else:                                              # laodong.vn, nld.com.vn
            assert row["articles_failed"] == 0 and row["coverage_date"] == 1.0
    assert sum(row["articles_new"] for row in health.values()) == sum(
        row["articles_stored"] for row in health.values())       # the counters add up to rows
    assert "NEEDS A LOOK" not in result.stdout
    assert "LAYOUT CHANGED" not in result.stderr and "RULES DRIFTED" not in result.stderr


def test_drifted_rules_are_flagged_while_the_fallbacks_store_every_article(tmp_path, repo_root):
    """A redesign the fallbacks read: every article stored, and the flag names the rule that
    stopped matching and the layer that answered; a site that answers nothing is unreachable."""
    faults = Faults({"laodongthudo.vn": "layout-listings", "tuoitrethudo.vn": "503",
                     "hanoi.gov.vn": "layout-articles"})
    db = tmp_path / "news.db"
    with ReplayServer(faults=faults) as server:
        result = newscrawl(server, "crawl", "laodongthudo", "tuoitrethudo", "hanoigov",
                           "--db", str(db), *FAST, *FULL, cwd=repo_root)
    assert result.returncode == 3, result.stdout + result.stderr[-3000:]
    runs = {r["spider"]: r for r in rows(db, "select * from crawl_runs")}
    assert all(r["status"] == "finished" for r in runs.values())
    stored = {site: n for site, n in rows_of(db, "select site, count(*) from articles group by site")}
    web = ReplayWeb()

    listing = runs["laodongthudo"]["flag"]
    assert listing.startswith("rules drifted? listing_links matched nothing on "), listing
    assert "links came from the listing's main content" in listing
    assert "layout changed?" not in listing
    assert runs["laodongthudo"]["articles_found"] >= 40
    assert stored["laodongthudo"] == len(web.articles("laodongthudo"))
    assert "[laodongthudo] RULES DRIFTED? listing_links" in result.stderr

    assert runs["tuoitrethudo"]["flag"].startswith("unreachable?")

    article = runs["hanoigov"]["flag"]
    assert article.startswith("rules drifted? rules.title matched 0 of "), article
    assert "; rules drifted? rules.body matched 0 of " in article
    assert "bodies came from trafilatura" in article
    assert stored["hanoigov"] == len(web.articles("hanoigov"))
    drift = json.loads(runs["hanoigov"]["rules_drift"])
    assert drift["body"]["missed"] == drift["body"]["pages"] >= 40
    assert drift["body"]["answered_by"] == {"trafilatura": drift["body"]["pages"]}
    assert "NEEDS A LOOK:" in result.stdout and "hanoigov: rules drifted?" in result.stdout
    health = {r["site"]: r for r in rows(db, "select * from site_health")}
    assert health["laodongthudo"]["flag"] == listing and health["laodongthudo"]["runs_flagged"] == 1
    assert json.loads(health["hanoigov"]["rules_drift"]) == drift


class ArticleLinksRenamedWeb(ReplayWeb):
    """baolaocai.vn after a change no fallback can follow: its article URLs take a new shape
    (`-post123.html` becomes `-p0st123.html`) on every page, feed and sitemap."""

    def respond(self, method, host, target):
        response = super().respond(method, host, target.replace("-p0st", "-post"))
        if host == "baolaocai.vn":
            response.body = response.body.replace(b"-post", b"-p0st")
        return response


def test_layout_changed_when_the_fallbacks_find_nothing_either(tmp_path, repo_root):
    db = tmp_path / "news.db"
    with ReplayServer(web=ArticleLinksRenamedWeb()) as server:
        result = newscrawl(server, "crawl", "baolaocai", "--db", str(db), *FAST, cwd=repo_root)
    assert result.returncode == 3, result.stdout + result.stderr[-3000:]
    [run] = rows(db, "select * from crawl_runs")
    assert run["flag"].startswith("layout changed? listing_links"), run["flag"]
    assert run["articles_found"] == 0 and run["articles_new"] == 0
    assert "[baolaocai] LAYOUT CHANGED? " in result.stderr


def test_a_site_without_new_articles_for_days_is_flagged_stale(tmp_path, repo_root):
    db = tmp_path / "news.db"
    with ReplayServer() as server:
        first = newscrawl(server, "crawl", "hanoigov", "--db", str(db), *FAST, cwd=repo_root)
        assert first.returncode == 0, first.stderr[-3000:]
        ten_days_ago = (datetime.now().astimezone() - timedelta(days=10)).isoformat(
            timespec="seconds")
        with sqlite3.connect(db) as conn:
            conn.execute("update articles set first_seen_at = ?", [ten_days_ago])
        second = newscrawl(server, "crawl", "hanoigov", "--db", str(db), *FAST, cwd=repo_root)
        quiet = newscrawl(server, "crawl", "hanoigov", "--db", str(db), *FAST,
                          "-s", "NEWS_STALE_DAYS=0", cwd=repo_root)
    assert second.returncode == 3, second.stdout + second.stderr[-3000:]
    last = rows(db, "select flag, articles_new from crawl_runs order by id")
    assert last[1]["articles_new"] == 0
    assert last[1]["flag"].startswith("stale? no new article for 10 days")
    assert "[hanoigov] STALE? " in second.stderr
    assert quiet.returncode == 0 and last[2]["flag"] is None


def test_an_older_database_gets_the_new_columns_and_the_view(tmp_path):
    db = tmp_path / "old.db"
    with sqlite3.connect(db) as conn:
        conn.execute("create table crawl_runs (id integer primary key, spider text, started_at "
                     "text, finished_at text, status text, finish_reason text, pid integer, "
                     "pages_fetched integer, articles_new integer, articles_failed integer, "
                     "problems text, problem_urls text)")
        conn.execute("insert into crawl_runs (spider, status, articles_new) values "
                     "('hanoigov', 'finished', 3)")
    NewsDB(db).close()
    columns = {r["name"] for r in rows(db, "pragma table_info(crawl_runs)")}
    assert {"flag", "articles_found", "coverage_title", "coverage_body", "coverage_date",
            "coverage_author"} <= columns
    [row] = rows(db, "select site, articles_new, flag from site_health")
    assert row == {"site": "hanoigov", "articles_new": 3, "flag": None}


def test_newscrawl_check_prints_which_fields_came_out(repo_root):
    with ReplayServer() as server:
        good = newscrawl(server, "check", cwd=repo_root)
        with_fault = ReplayServer(faults=Faults({"baolaocai.vn": "layout-listings"}))
        with with_fault:
            bad = newscrawl(with_fault, "check", "baolaocai", "hanoigov", cwd=repo_root)
    assert good.returncode == 0, good.stdout + good.stderr[-2000:]
    lines = good.stdout.splitlines()
    assert lines[0].split() == ["site", "links", "title", "sapo", "body", "chars", "date",
                                "author", "result"]
    for site in ALL_SITES:
        [line] = [l for l in lines if l.startswith(site + " ")]
        cells = line.split()
        assert int(cells[1]) >= 5 and cells[2] == "✓" and int(cells[4]) > 500, line
        assert cells[-1] == "ok", line
    # the listing rule misses, the main content still leads to an article: a drift to look at
    assert bad.returncode == 0, bad.stdout + bad.stderr[-2000:]
    [line] = [l for l in bad.stdout.splitlines() if l.startswith("baolaocai ")]
    assert int(line.split()[1]) >= 5 and line.split()[-1] == "CHECK", line
    assert "rules drifted? listing_links" in bad.stdout and "main content" in bad.stdout
    assert [l for l in bad.stdout.splitlines() if l.startswith("hanoigov ")][0].endswith("ok")


# --- "rules drifted?": the counters of the page path and discovery, turned into a flag -----------

def _settings(**values):
    from scrapy.settings import Settings
    from crawler import settings as project_settings
    settings = Settings()
    settings.setmodule(project_settings)
    settings.setdict(values)
    return settings


def test_a_rule_that_stopped_matching_is_named_with_the_fallback_that_answered():
    from crawler.health import drift_flags, rule_drift
    stats = {"newscrawl/rules/date/pages": 19, "newscrawl/rules/date/missed": 19,
             "newscrawl/layer/published_at/header-stamp": 17,
             "newscrawl/layer/published_at/meta": 2,
             "newscrawl/rules/body/pages": 19, "newscrawl/rules/body/missed": 0,
             "newscrawl/layer/body/rule": 19}
    drift = rule_drift(stats)
    assert drift == {"date": {"pages": 19, "missed": 19,
                              "answered_by": {"header-stamp": 17, "meta": 2}}}
    assert drift_flags(drift, _settings()) == [
        "rules drifted? rules.date matched 0 of 19 pages; dates came from the header stamp (17), "
        "the page's meta tags (2)"]


def test_no_drift_flag_for_a_few_misses_or_for_absent_bylines():
    from crawler.health import drift_flags, rule_drift
    stats = {"newscrawl/rules/date/pages": 40, "newscrawl/rules/date/missed": 1,   # undated page
             "newscrawl/rules/author/pages": 40, "newscrawl/rules/author/missed": 30,
             "newscrawl/layer/author/meta": 2,                                      # no byline
             "newscrawl/rules/pagination_links/pages": 3,
             "newscrawl/rules/pagination_links/missed": 1}                          # last page
    assert drift_flags(rule_drift(stats), _settings()) == []
    few = {"newscrawl/rules/title/pages": 3, "newscrawl/rules/title/missed": 3}
    assert drift_flags(rule_drift(few), _settings()) == []      # fewer than 5 pages: no verdict
    assert drift_flags(rule_drift(few), _settings(NEWS_LAYOUT_MIN_ARTICLES=3)) == [
        "rules drifted? rules.title matched 0 of 3 pages; no fallback answered either"]


def test_listing_and_start_page_drift_names_the_discovery_layer():
    from crawler.health import drift_flags, rule_drift
    stats = {"newscrawl/rules/listing_links/pages": 3,
             "newscrawl/rules/listing_links/missed": 3,
             "newscrawl/discovery/listing-content": 40,
             "newscrawl/rules/start_urls/pages": 1, "newscrawl/rules/start_urls/missed": 1,
             "newscrawl/discovery/sitemap": 12}
    flags = drift_flags(rule_drift(stats), _settings())
    assert flags == [
        "rules drifted? 1 of 1 start pages failed; articles came from the listing's main "
        "content (40), the sitemaps (12)",
        "rules drifted? listing_links matched nothing on 3 of 3 listing pages; links came from "
        "the listing's main content (40), the sitemaps (12)"]


def test_listings_incomplete_from_a_fifth_of_the_feed_and_sitemap_articles():
    from crawler.health import listings_incomplete
    assert listings_incomplete(0, 0, _settings()) is None
    assert listings_incomplete(10, 1, _settings()) is None
    assert listings_incomplete(10, 2, _settings()) == (
        "listings incomplete? 2 of 10 articles in the feed/sitemap were not on the listing pages "
        "(they were stored all the same); check the spider's start_urls and pagination")
    assert listings_incomplete(10, 2, _settings(NEWS_LISTINGS_MISSED_THRESHOLD=0.5)) is None


def test_the_listings_incomplete_flag_reaches_site_health_and_the_summary(tmp_path, repo_root):
    """Listings showing six stories (a script's "load more"): the run is flagged under NEEDS A
    LOOK, in crawl_runs and in site_health, with the counts."""
    db = tmp_path / "news.db"
    with ReplayServer(web=ReplayWeb(variant="loadmore-feeds")) as server:
        result = newscrawl(server, "crawl", "--db", str(db), *FAST, "baolaocai", cwd=repo_root)
    assert result.returncode == 3, result.stdout + result.stderr[-3000:]
    look = result.stdout.split("NEEDS A LOOK:", 1)[1]
    [line] = [l for l in look.splitlines() if l.startswith("  baolaocai: ")]
    assert "listings incomplete? " in line
    [row] = rows(db, "select s.flag, r.channel_articles, r.listings_missed from site_health s "
                     "join crawl_runs r on r.id = s.last_run")
    assert "listings incomplete?" in row["flag"]
    assert row["listings_missed"] >= 0.2 * row["channel_articles"] > 0
