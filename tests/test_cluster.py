"""The cluster (crawler/cluster/): Scrapyd nodes, the Redis channel and the one SQLite writer.

Real parts only: Debian's redis-server and Scrapyd from PyPI on 127.0.0.1 ports
(tests/cluster_servers.py), real crawls through the replay, real SQLite files. The first tests
drive the writer directly (events sent as a node sends them); the others run whole crawls on
nodes and compare with the session's local crawl of the same replay (`crawled_db`).
"""
from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from crawler.cluster.channel import EVENTS, INGESTING, REJECTED, Channel, article_to_wire
from crawler.cluster.ingest import Ingest
from crawler.items import Article
from crawler.store import NewsDB
from replay.server import host_concurrency

CLI = [sys.executable, "-m", "crawler.cli"]
FAST = ["-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False"]


@pytest.fixture
def channel(redis_server) -> Channel:
    """The session's Redis, emptied: a Channel to it."""
    redis_server.client().flushall()
    return Channel(redis_server.url)


def stored_articles(db_path: Path, site: str | None = None, limit: int = 1000) -> list[Article]:
    """Articles of a crawled database, with their raw pages, as a node would send them."""
    with NewsDB(db_path) as db:       # raw pages read by the store (zstd or zlib)
        rows = db.db.execute(
            "SELECT a.url, a.site, a.article_id, a.title, a.body, a.sapo, a.author, "
            "a.published_at, a.section, a.tags, a.image_url, a.fetched_at "
            "FROM articles a " + ("WHERE a.site = ? " if site else "") + "ORDER BY a.id LIMIT ?",
            [*([site] if site else []), limit]).fetchall()
        return [Article(url=r[0], site=r[1], article_id=r[2], title=r[3], body=r[4], sapo=r[5],
                        author=r[6], published_at=r[7], section=r[8],
                        tags=json.loads(r[9] or "[]"), image_url=r[10], fetched_at=r[11],
                        html=db.raw_html(r[0])) for r in rows]


def send_run(channel: Channel, job: str, site: str, articles: list[Article],
             node: str = "http://node-a:6800") -> None:
    """What a node's crawl sends: run start, its articles, run end."""
    common = {"job": job, "node": node, "site": site}
    channel.send("run_start", pid=4242, started_at="2026-12-03T01:00:00+07:00", **common)
    for article in articles:
        channel.send("article", article=article_to_wire(article), content_type="text/html",
                     **common)
    channel.send("run_end", fields={"status": "finished", "finish_reason": "finished",
                                    "pages_fetched": len(articles) + 2,
                                    "articles_new": 999}, **common)


def stored_so_far(db_path: Path) -> int:
    """Articles in a database a writer is filling (0 while it is being created)."""
    try:
        return len(urls(db_path))
    except sqlite3.Error:
        return 0


def urls(db_path: Path, site: str | None = None) -> set[str]:
    with sqlite3.connect(db_path) as conn:
        return {r[0] for r in conn.execute(
            "SELECT url FROM articles" + (" WHERE site = ?" if site else ""),
            [site] if site else [])}


# --- the writer ----------------------------------------------------------------------------------

def test_the_writer_stores_each_event_once_even_when_delivered_twice(tmp_path, channel,
                                                                     crawled_db):
    articles = stored_articles(crawled_db, "baolaocai", limit=5)
    assert len(articles) == 5
    send_run(channel, "job-1", "baolaocai", articles)
    last_article_event = channel.redis.lindex(EVENTS, 5)
    channel.redis.rpop(EVENTS)                 # the run's end comes later
    db_path = tmp_path / "news.db"

    def ingest_until_idle() -> int:
        ingest = Ingest(db_path, channel.url)
        try:
            return ingest.run(until_idle=True, idle_wait=0.2)
        finally:
            ingest.close()
    assert ingest_until_idle() == 6            # run_start and 5 articles
    # a writer killed after its commit of the last article but before it let go of the event
    channel.redis.rpush(INGESTING, last_article_event)
    channel.send("run_end", job="job-1", node="http://node-a:6800", site="baolaocai",
                 fields={"status": "finished", "finish_reason": "finished",
                         "pages_fetched": 7, "articles_new": 999})
    assert ingest_until_idle() == 1            # the run's end; the copy is skipped
    assert channel.pending() == 0 and channel.redis.llen(REJECTED) == 0
    assert urls(db_path) == {a.url for a in articles}
    with NewsDB(db_path) as db:
        run = db.run_of_job("job-1")
        assert db.raw_html(articles[0].url) == articles[0].html      # the page is kept
    assert (run["spider"], run["node"], run["status"], run["pid"]) == \
        ("baolaocai", "http://node-a:6800", "finished", 4242)
    assert run["articles_new"] == 5     # the writer's own count, not the node's 999
    assert run["pages_fetched"] == 7


def test_an_unreadable_event_is_kept_aside_and_the_rest_is_stored(tmp_path, channel, crawled_db):
    articles = stored_articles(crawled_db, "hanoigov", limit=2)
    channel.redis.rpush(EVENTS, b"{not json")
    send_run(channel, "job-2", "hanoigov", articles)
    ingest = Ingest(tmp_path / "news.db", channel.url)
    try:
        ingest.run(until_idle=True, idle_wait=0.2)
    finally:
        ingest.close()
    assert channel.redis.lrange(REJECTED, 0, -1) == [b"{not json"]
    assert urls(tmp_path / "news.db") == {a.url for a in articles}


def test_a_job_whose_process_died_leaves_an_interrupted_run(tmp_path, channel, crawled_db):
    common = {"job": "job-3", "node": "http://node-b:6800", "site": "nld"}
    article = stored_articles(crawled_db, "nld", limit=1)[0]
    channel.add_job("job-3", "nld", "http://node-b:6800")
    channel.send("run_start", pid=1, started_at="2026-12-03T01:00:00+07:00", **common)
    channel.send("article", article=article_to_wire(article), **common)
    channel.send("job_ended", how="finished", reason="killed, it seems", **common)
    ingest = Ingest(tmp_path / "news.db", channel.url)
    try:
        ingest.run(until_idle=True, idle_wait=0.2)
    finally:
        ingest.close()
    with NewsDB(tmp_path / "news.db") as db:
        run = db.run_of_job("job-3")
    assert (run["status"], run["finish_reason"], run["articles_new"]) == \
        ("interrupted", "killed, it seems", 1)
    assert channel.jobs() == {}                          # the job left the jobs in flight
    assert urls(tmp_path / "news.db") == {article.url}   # what it sent before dying is stored


def test_a_killed_writer_and_a_restarted_redis_lose_nothing_and_store_nothing_twice(
        tmp_path, redis_server, channel, crawled_db, repo_root):
    articles = stored_articles(crawled_db, limit=120)
    send_run(channel, "job-4", "mixed", articles)
    db_path = tmp_path / "news.db"
    ingest_cmd = [*CLI, "cluster", "ingest", "--db", str(db_path), "--redis", channel.url,
                  "--until-idle"]
    writer = subprocess.Popen(ingest_cmd, cwd=repo_root, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while stored_so_far(db_path) < 20 and time.monotonic() < deadline:
        time.sleep(0.05)
    writer.send_signal(signal.SIGKILL)
    writer.wait(timeout=30)
    done_before = len(urls(db_path))
    assert 20 <= done_before < len(articles), "the writer was not killed mid-way"
    redis_server.restart()           # AOF: the events not yet applied are still there
    assert channel.pending() > 0
    result = subprocess.run(ingest_cmd, cwd=repo_root, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    assert urls(db_path) == {a.url for a in articles}
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("SELECT count(*) FROM articles").fetchone()[0] == len(articles)
        # one run for the job, counting each article once
        assert conn.execute("SELECT count(*), sum(articles_new) FROM crawl_runs WHERE job = ?",
                            ["job-4"]).fetchone() == (1, len(articles))
    assert channel.pending() == 0 and channel.redis.llen(REJECTED) == 0


# --- what a node crawls against --------------------------------------------------------------------

def test_a_site_snapshot_holds_its_stored_urls_and_no_text(tmp_path, crawled_db):
    with NewsDB(crawled_db) as db:
        path = db.export_site("laodongthudo", tmp_path / "snapshot.db")
    with NewsDB(path) as snapshot:
        for url in urls(crawled_db, "laodongthudo"):
            assert snapshot.seen("laodongthudo", url, None)[0], url
        assert snapshot.count("articles") == len(urls(crawled_db, "laodongthudo"))
        assert snapshot.previous_run_was_clean("laodongthudo", None)
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT count(*) FROM articles WHERE site != 'laodongthudo' "
                            "OR body IS NOT NULL").fetchone()[0] == 0
        assert conn.execute("SELECT count(*) FROM raw_pages WHERE html_zlib IS NOT NULL "
                            "OR html_zstd IS NOT NULL").fetchone()[0] == 0


def baolaocai_as_job(job: str, channel, replay_server, replay_env, repo_root):
    """`scrapy crawl baolaocai` as cluster job `job` (what Scrapyd runs): (the finished process,
    the requests it made to baolaocai.vn)."""
    before = len(replay_server.requests)
    result = subprocess.run(
        [sys.executable, "-m", "scrapy", "crawl", "baolaocai", *FAST,
         "-s", f"NEWS_CLUSTER_REDIS={channel.url}", "-s", f"NEWS_CLUSTER_JOB={job}"],
        cwd=repo_root, env=replay_env, capture_output=True, text=True, timeout=120)
    return result, [r for r in replay_server.requests[before:] if r.host == "baolaocai.vn"]


def test_a_job_without_its_snapshot_fetches_nothing(tmp_path, channel, replay_server,
                                                    replay_env, repo_root):
    result, fetched = baolaocai_as_job("no-such-job", channel, replay_server, replay_env,
                                       repo_root)
    assert result.returncode != 0
    assert "no-such-job" in result.stderr and "newscrawl cluster crawl" in result.stderr
    assert fetched == []


def test_a_second_crawl_of_a_site_being_crawled_fetches_nothing(tmp_path, channel, crawled_db,
                                                               replay_server, replay_env,
                                                               repo_root):
    assert channel.claim_site("baolaocai", "job-A") is None      # job A crawls baolaocai
    with NewsDB(crawled_db) as db:
        snapshot = db.export_site("baolaocai", tmp_path / "snapshot.db")
    channel.put_snapshot("job-B", snapshot.read_bytes())
    result, fetched = baolaocai_as_job("job-B", channel, replay_server, replay_env, repo_root)
    assert result.returncode != 0
    assert "being crawled by job job-A" in result.stderr
    assert fetched == []
    assert channel.site_holder("baolaocai") == "job-A"           # B did not free A's lock
    assert channel.release_site("baolaocai", "job-A")


def test_no_writer_means_nothing_is_dispatched(tmp_path, channel, repo_root):
    result = subprocess.run(
        [*CLI, "cluster", "crawl", "--db", str(tmp_path / "news.db"), "--redis", channel.url,
         "--node", "http://127.0.0.1:9"], cwd=repo_root, capture_output=True, text=True,
        timeout=60)
    assert result.returncode == 2
    assert "newscrawl cluster ingest" in result.stderr and "Nothing was dispatched" in \
        result.stderr
    assert channel.jobs() == {}
    status = subprocess.run([*CLI, "cluster", "status", "--redis", channel.url], cwd=repo_root,
                            capture_output=True, text=True, timeout=60)
    assert "writer: NOT RUNNING; events waiting: 0" in status.stdout, status.stderr


# --- whole crawls on Scrapyd nodes -------------------------------------------------------------

@pytest.fixture
def writer(tmp_path, channel, repo_root):
    """A running `newscrawl cluster ingest` on tmp_path/news.db: (db path, process)."""
    db_path = tmp_path / "news.db"
    process = subprocess.Popen([*CLI, "cluster", "ingest", "--db", str(db_path), "--redis",
                                channel.url], cwd=repo_root, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 30
    while not channel.writer_alive():
        assert process.poll() is None, process.stderr.read()[-2000:]
        assert time.monotonic() < deadline, "the ingest process did not start"
        time.sleep(0.05)
    yield db_path, process
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()


def test_a_crawl_reading_another_database_than_the_writer_is_refused(tmp_path, channel, writer,
                                                                    repo_root):
    db_path, _ = writer
    other = tmp_path / "other.db"
    result = subprocess.run(
        [*CLI, "cluster", "crawl", "--db", str(other), "--redis", channel.url,
         "--node", "http://127.0.0.1:9"], cwd=repo_root, capture_output=True, text=True,
        timeout=60)
    assert result.returncode == 2
    assert f"writes {db_path.resolve()}, not {other}" in result.stderr
    status = subprocess.run([*CLI, "cluster", "status", "--redis", channel.url], cwd=repo_root,
                            capture_output=True, text=True, timeout=60)
    assert f"writer: alive, writing {db_path.resolve()}" in status.stdout, status.stderr


def cluster_crawl(channel, db_path, nodes, repo_root, *args, timeout=300):
    return subprocess.run(
        [*CLI, "cluster", "crawl", "--db", str(db_path), "--redis", channel.url,
         *[a for node in nodes for a in ("--node", node.url)], *FAST, *args],
        cwd=repo_root, capture_output=True, text=True, timeout=timeout)


def test_two_nodes_store_what_a_local_crawl_stores_politely_and_a_rerun_fetches_no_article(
        channel, writer, scrapyd_nodes, replay_server, replay_env, repo_root, crawled_db):
    db_path, _ = writer
    nodes = scrapyd_nodes(2, env=replay_env)
    before = len(replay_server.requests)
    result = cluster_crawl(channel, db_path, nodes, repo_root)
    assert result.returncode == 0, result.stdout + result.stderr[-3000:]
    crawl_requests = replay_server.requests[before:]
    assert urls(db_path) == urls(crawled_db)            # the same articles as a local crawl
    with NewsDB(db_path) as db, NewsDB(crawled_db) as local:
        assert db.count("articles") == local.count("articles")
        assert db.count("duplicates") == local.count("duplicates")
        runs = list(db.db.query("SELECT spider, node, job, status FROM crawl_runs"))
    assert {r["spider"] for r in runs} == set(urls_sites(crawled_db))
    assert all(r["status"] == "finished" and r["job"] for r in runs), runs
    assert {r["node"] for r in runs} == {node.url for node in nodes}   # both nodes worked
    concurrency = host_concurrency(crawl_requests)
    assert concurrency and max(concurrency.values()) == 1, concurrency
    robots = {r.host for r in crawl_requests if r.target == "/robots.txt"}
    assert robots == set(concurrency), "every node's crawl reads robots.txt"

    stored = {url.split("://", 1)[1] for url in urls(db_path)}
    before = len(replay_server.requests)
    rerun = cluster_crawl(channel, db_path, nodes, repo_root)
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr[-3000:]
    refetched = [f"{r.host}{r.target}" for r in replay_server.requests[before:]
                 if f"{r.host}{r.target}" in stored]
    assert refetched == []
    with NewsDB(db_path) as db:
        assert db.count("articles") == len(stored)
        assert sum(r["articles_new"] for r in db.db.query(
            "SELECT articles_new FROM crawl_runs WHERE id > ?", [len(runs)])) == 0


def local_crawl(site: str, db_path: Path, env: dict, repo_root: Path) -> set[str]:
    """The URLs a local crawl of `site` alone stores (a site's stories that are copies of
    another site's stay articles when that site is not crawled)."""
    subprocess.run([*CLI, "crawl", site, "--db", str(db_path), "-q", *FAST], env=env,
                   cwd=repo_root, capture_output=True, text=True, timeout=300, check=True)
    return urls(db_path)


def urls_sites(db_path: Path) -> list[str]:
    with sqlite3.connect(db_path) as conn:
        return [r[0] for r in conn.execute("SELECT DISTINCT site FROM articles")]


def crawl_disturbed_midway(channel, db_path: Path, node, site: str, repo_root: Path,
                           disturb) -> tuple[int, str]:
    """`newscrawl cluster crawl SITE` on `node`, slowed down so that `disturb()` comes once 8
    articles are stored: (its exit status, its output)."""
    crawl = subprocess.Popen(
        [*CLI, "cluster", "crawl", "--db", str(db_path), "--redis", channel.url, "--node",
         node.url, site, "-s", "DOWNLOAD_DELAY=0.15", "-s", "AUTOTHROTTLE_ENABLED=False"],
        cwd=repo_root, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while stored_so_far(db_path) < 8 and time.monotonic() < deadline:
        time.sleep(0.05)
    disturb()
    out, err = crawl.communicate(timeout=120)
    return crawl.returncode, out + err[-2000:]


def assert_a_rerun_holds_each_article_once(channel, db_path: Path, node, site: str,
                                           expected: set[str], repo_root: Path) -> None:
    assert 8 <= stored_so_far(db_path) < len(expected), "the crawl was not disturbed midway"
    rerun = cluster_crawl(channel, db_path, [node], repo_root, site)
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr[-3000:]
    assert urls(db_path) == expected
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("SELECT count(*) FROM articles").fetchone()[0] == len(expected)


def test_a_node_killed_mid_crawl_then_a_rerun_holds_every_article_once(
        channel, writer, scrapyd_nodes, replay_env, repo_root):
    db_path, _ = writer
    [node] = scrapyd_nodes(1, env=replay_env)

    def kill_the_crawl() -> None:
        pids = node.running_job_pids()
        assert len(pids) == 1, "no crawl running on the node"
        os.kill(pids[0], signal.SIGKILL)
    status, output = crawl_disturbed_midway(channel, db_path, node, "tuoitrethudo", repo_root,
                                            kill_the_crawl)
    assert status == 1, output          # a run did not finish
    with NewsDB(db_path) as db:
        [killed] = list(db.db.query("SELECT * FROM crawl_runs"))
    assert (killed["spider"], killed["status"], killed["node"]) == \
        ("tuoitrethudo", "interrupted", node.url)
    assert "ended without closing its run" in killed["finish_reason"]
    expected = local_crawl("tuoitrethudo", db_path.parent / "local.db", replay_env, repo_root)
    assert_a_rerun_holds_each_article_once(channel, db_path, node, "tuoitrethudo", expected,
                                           repo_root)


def test_a_node_restarted_mid_crawl_loses_nothing_and_stores_nothing_twice(
        channel, writer, scrapyd_nodes, replay_env, repo_root):
    db_path, _ = writer
    [node] = scrapyd_nodes(1, env=replay_env)
    # systemctl restart: SIGTERM to Scrapyd and its crawls, then Scrapyd again (the job is lost)
    status, output = crawl_disturbed_midway(channel, db_path, node, "nld", repo_root,
                                            node.restart)
    assert status == 1, output
    with NewsDB(db_path) as db:
        [run] = list(db.db.query("SELECT spider, status, node FROM crawl_runs"))
    assert run == {"spider": "nld", "status": "interrupted", "node": node.url}
    expected = local_crawl("nld", db_path.parent / "local.db", replay_env, repo_root)
    assert_a_rerun_holds_each_article_once(channel, db_path, node, "nld", expected, repo_root)


def test_the_scheduler_dispatches_to_the_nodes_when_schedule_toml_has_a_cluster_table(
        tmp_path, channel, writer, scrapyd_nodes, replay_env, repo_root, crawled_db):
    db_path, _ = writer
    [node] = scrapyd_nodes(1, env=replay_env)
    config = tmp_path / "schedule.toml"
    config.write_text(
        f'[scheduler]\nlog_file = ""\n[cluster]\nredis = "{channel.url}"\n'
        f'nodes = ["{node.url}"]\n[defaults]\nsettings = {{ DOWNLOAD_DELAY = 0, '
        'AUTOTHROTTLE_ENABLED = false }\n[sites.hanoigov]\ncron = "0 1 * * *"\n',
        encoding="utf-8")
    result = subprocess.run([sys.executable, "scheduler.py", "--run-now", "--config",
                             str(config), "--db", str(db_path)], cwd=repo_root,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    assert urls(db_path) == local_crawl("hanoigov", tmp_path / "local.db", replay_env, repo_root)
    with NewsDB(db_path) as db:
        [run] = list(db.db.query("SELECT spider, node, status FROM crawl_runs"))
    assert run == {"spider": "hanoigov", "node": node.url, "status": "finished"}


def test_a_bad_cluster_table_is_a_clear_error(tmp_path):
    from crawler.schedule.config import ConfigError, load_config
    config = tmp_path / "schedule.toml"
    config.write_text('[cluster]\nredis = "localhost:6379"\nnodes = ["http://n:6800"]\n')
    with pytest.raises(ConfigError, match=r"\[cluster\] redis: expected a URL"):
        load_config(config)
    config.write_text('[cluster]\nredis = "redis://r:6379/0"\nnodes = []\n')
    with pytest.raises(ConfigError, match=r"\[cluster\] nodes"):
        load_config(config)
