"""Several crawls on one database at once (issue 12), with real processes and real SQLite files.

The replay is small (3 articles per site, one listing page each) so that many rounds stay quick;
`bench/concurrency.py` runs 20 rounds of four `scrapy crawl` processes on the full replay.

* 4 spiders released at the same instant on a fresh database, 20 fresh databases: four
  processes, one per site, each crawling into database 1, 2, ... 20 in turn, every crawl
  released by a file barrier when all four have reached it (several crawls in one reactor,
  through the code of `scrapy crawl`: bench.concurrency._rounds);
* `newscrawl crawl --jobs 4` on a fresh database;
* a database that cannot be opened (its path lies under a regular file): non-zero exit and no
  request at all in the replay's request log, for `scrapy crawl` and `newscrawl crawl`; the
  same for a database that opens but cannot be written (no file may grow: a full disk);
* a kill -9 of one of four simultaneous crawls: integrity_check ok, the other three finish;
* a write failing mid-run (the file size limit of the process, RLIMIT_FSIZE, as a full disk):
  the run ends 'failed', what was stored stays, and the next run stores the rest.
"""
from __future__ import annotations

import os
import resource
import sqlite3
import subprocess
import sys
import time

import pytest

from bench.concurrency import QUICK, SITES, start_together
from replay.server import ReplayServer
from replay.web import ReplayWeb

ROUNDS = 20
# The largest file a crawl may write in the mid-run failure test (RLIMIT_FSIZE, bytes): the
# fresh database fits, its write-ahead log fills up after an article or two.
FILE_SIZE_LIMIT = 200_000


@pytest.fixture(scope="module")
def small_replay():
    web = ReplayWeb(articles_per_site=3)
    with ReplayServer(web=web) as server:
        yield server, web


@pytest.fixture
def env(small_replay, repo_root):
    server, _ = small_replay
    return {**os.environ, **server.env(), "PYTHONPATH": str(repo_root)}


@pytest.fixture(scope="module")
def expected(small_replay) -> set[str]:
    """Every article of the four sites' replay (all on their first listing page)."""
    _, web = small_replay
    return {a.url for site in SITES for a in web.articles(site)}


def query(db, sql, params=()):
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def stored(db) -> set[str]:
    return {url for (url,) in query(db, "SELECT url FROM articles")}


def lock_trouble(text: str) -> list[str]:
    return [line for line in text.splitlines()
            if "locked" in line or "cannot use the database" in line
            or "cannot write to the database" in line]


def test_four_spiders_at_the_same_instant_on_twenty_fresh_databases(env, expected, repo_root,
                                                                     tmp_path):
    dbs = [tmp_path / f"round{n}" / "news.db" for n in range(ROUNDS)]
    logs = {site: tmp_path / f"{site}.log" for site in SITES}
    procs = []
    for site in SITES:
        with open(logs[site], "wb") as err:
            procs.append(subprocess.Popen(
                [sys.executable, "-m", "bench.concurrency", "rounds", site,
                 str(tmp_path / "barrier"), str(len(SITES)), *map(str, dbs), "--", *QUICK],
                env=env, cwd=repo_root, stdout=subprocess.DEVNULL, stderr=err))
    codes = [p.wait(timeout=300) for p in procs]
    texts = {site: path.read_text(errors="replace") for site, path in logs.items()}
    assert codes == [0] * len(SITES), {s: t[-3000:] for s, t in texts.items()}
    assert not [line for t in texts.values() for line in lock_trouble(t)]
    schema = None
    for db in dbs:
        runs = query(db, "SELECT spider, status FROM crawl_runs")
        assert sorted(runs) == sorted((site, "finished") for site in SITES), (db, runs)
        assert stored(db) == expected, db
        assert query(db, "PRAGMA journal_mode") == [("wal",)]
        migrations = query(db, "SELECT name FROM _sqlite_migrations ORDER BY id")
        this = (migrations, query(db, "SELECT type, name, sql FROM sqlite_master ORDER BY name"))
        schema = schema or this
        assert this == schema, db      # every file ends with the same schema, applied once


def test_crawl_jobs_4_on_a_fresh_database(env, expected, repo_root, tmp_path):
    db = tmp_path / "news.db"
    result = subprocess.run(
        [sys.executable, "-m", "crawler.cli", "crawl", *SITES, "--jobs", "4", "--db", str(db),
         *QUICK], env=env, cwd=repo_root, capture_output=True, text=True, timeout=300)
    # 3: every run finished, a site flagged (the small replay leaves some sections empty)
    assert result.returncode in (0, 3), result.stdout + result.stderr[-3000:]
    assert not lock_trouble(result.stderr)
    assert sorted(query(db, "SELECT spider, status FROM crawl_runs")) == sorted(
        (site, "finished") for site in SITES)
    assert stored(db) == expected


@pytest.mark.parametrize("command", ["scrapy", "newscrawl"])
def test_an_unopenable_database_exits_non_zero_before_any_request(command, small_replay, env,
                                                                  repo_root, tmp_path):
    server, _ = small_replay
    blocker = tmp_path / "a-file"
    blocker.write_text("a regular file where a folder should be")
    db = blocker / "news.db"
    argv = (["-m", "scrapy", "crawl", "hanoigov", "-s", f"NEWS_DB={db}"] if command == "scrapy"
            else ["-m", "crawler.cli", "crawl", "hanoigov", "--db", str(db)])
    since = time.monotonic()
    result = subprocess.run([sys.executable, *argv, *QUICK], env=env, cwd=repo_root,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert str(db) in output and "is a file, not a folder" in output
    assert [r for r in server.requests if r.time >= since] == []   # not even robots.txt


def test_an_unwritable_database_exits_non_zero_before_any_request(small_replay, env, repo_root,
                                                                  tmp_path):
    """The file opens but cannot be written (a full disk: the process may not grow any file,
    RLIMIT_FSIZE): the run cannot even be recorded, so nothing is fetched."""
    from crawler.store import NewsDB

    server, _ = small_replay
    db = tmp_path / "news.db"
    NewsDB(db).close()
    since = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "scrapy", "crawl", "hanoigov", "-s", f"NEWS_DB={db}", *QUICK],
        env=env, cwd=repo_root, capture_output=True, text=True, timeout=120,
        preexec_fn=_limit_file_size(1024))
    assert result.returncode != 0
    assert "cannot use the database" in result.stderr and str(db) in result.stderr
    assert [r for r in server.requests if r.time >= since] == []
    assert query(db, "SELECT count(*) FROM crawl_runs") == [(0,)]


def test_kill_9_of_one_of_four_writers(env, expected, repo_root, tmp_path):
    db = tmp_path / "news.db"
    slow = "tuoitrethudo"        # this one fetches slowly, and is killed mid-run
    argvs = [["crawl", site, "-s", f"NEWS_DB={db}", *QUICK,
              *(["-s", "DOWNLOAD_DELAY=1.5"] if site == slow else [])] for site in SITES]
    procs = dict(zip(SITES, start_together(argvs, env, repo_root, tmp_path / "logs")))
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and procs[slow].poll() is None:
        try:
            if db.exists() and query(db, "SELECT count(*) FROM articles WHERE site = ?",
                                     [slow]) != [(0,)]:
                break
        except sqlite3.Error:       # not created yet
            pass
        time.sleep(0.05)
    assert procs[slow].poll() is None, "the slow crawl ended before it could be killed"
    procs[slow].kill()
    codes = {site: proc.wait(timeout=120) for site, proc in procs.items()}
    assert codes[slow] == -9
    assert all(codes[site] == 0 for site in SITES if site != slow), codes
    assert query(db, "PRAGMA integrity_check") == [("ok",)]
    runs = dict(query(db, "SELECT spider, status FROM crawl_runs"))
    assert runs == {**{site: "finished" for site in SITES if site != slow}, slow: "running"}
    others = {url for url in expected if slow not in url}
    assert others <= stored(db)
    assert stored(db) & (expected - others)      # the killed one had stored some


def _limit_file_size(limit: int):
    def apply() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return apply


def test_a_write_failing_mid_run_ends_it_failed_and_the_next_run_stores_the_rest(
        small_replay, env, repo_root, tmp_path):
    from crawler.store import NewsDB

    _, web = small_replay
    db = tmp_path / "news.db"
    NewsDB(db).close()
    expected = {a.url for a in web.articles("hanoigov")}
    argv = [sys.executable, "-m", "scrapy", "crawl", "hanoigov", "-s", f"NEWS_DB={db}", *QUICK]
    full = subprocess.run(argv, env=env, cwd=repo_root, capture_output=True, text=True,
                          timeout=120, preexec_fn=_limit_file_size(FILE_SIZE_LIMIT))
    assert "cannot write to the database" in full.stderr, full.stderr[-3000:]
    assert str(db) in full.stderr
    [(status, reason)] = query(db, "SELECT status, finish_reason FROM crawl_runs")
    assert (status, reason) == ("failed", "database_error")
    kept = stored(db)
    assert kept < expected and query(db, "PRAGMA integrity_check") == [("ok",)]
    again = subprocess.run(argv, env=env, cwd=repo_root, capture_output=True, text=True,
                           timeout=120)
    assert again.returncode == 0, again.stderr[-3000:]
    assert stored(db) == expected
    assert query(db, "SELECT status FROM crawl_runs ORDER BY id") == [("failed",), ("finished",)]
