"""The cluster tests' real servers work: Debian's redis-server keeps its keys over a restart and a
SIGKILL (AOF); a Scrapyd node started by the tests runs one of our spiders against the replay (a job
scheduled through schedule.json, followed with listjobs.json, its articles in the SQLite file it was
given); a killed node takes its crawl down with it and restarts with no job running."""
from __future__ import annotations

import sqlite3
import time

from cluster_servers import log_tail, pid_running

JOB_TIMEOUT = 120.0


def test_redis_keeps_its_keys_over_a_restart_and_a_kill(redis_server):
    with redis_server.client() as client:
        client.set("cluster-servers:stopped", "giữ lại")
    pid = redis_server.pid
    redis_server.restart()                       # SIGTERM, then the same port and dir
    assert redis_server.pid != pid and redis_server.alive()
    with redis_server.client() as client:
        assert client.get("cluster-servers:stopped").decode() == "giữ lại"
        client.set("cluster-servers:killed", "vẫn còn")
    redis_server.kill()                          # SIGKILL: only the fsynced AOF is left
    assert not redis_server.alive()
    redis_server.start()
    with redis_server.client() as client:
        assert client.get("cluster-servers:killed").decode() == "vẫn còn"
        client.delete("cluster-servers:stopped", "cluster-servers:killed")


def test_a_scrapyd_node_runs_a_spider_against_the_replay(scrapyd_nodes, replay_env, tmp_path):
    [node] = scrapyd_nodes(1, replay_env)
    db = tmp_path / "news.db"
    job = _schedule(node, db, "DOWNLOAD_DELAY=0")

    deadline = time.monotonic() + JOB_TIMEOUT
    seen_running = False
    while True:
        jobs = node.get("listjobs.json", project="newscrawl")
        if any(j["id"] == job for j in jobs["running"]):
            seen_running = seen_running or bool(node.running_job_pids())
        if any(j["id"] == job for j in jobs["finished"]):
            break
        assert time.monotonic() < deadline, f"job {job} not finished after {JOB_TIMEOUT:.0f} s: {jobs}"
        time.sleep(0.2)

    job_log = node.dir / "logs" / "newscrawl" / "baolaocai" / f"{job}.log"
    assert db.exists(), f"the job wrote no {db}; {job_log}:\n{log_tail(job_log)}"
    with sqlite3.connect(db) as conn:
        sites = dict(conn.execute("select site, count(*) from articles group by site"))
    assert sites.get("baolaocai", 0) > 0 and set(sites) == {"baolaocai"}, (
        f"articles per site {sites}; {job_log}:\n{log_tail(job_log)}")
    assert seen_running, "the running job was never seen as a child process of scrapyd"
    assert node.running_job_pids() == []


def _schedule(node, db, *settings: str) -> str:
    answer = node.post("schedule.json", [
        ("project", "newscrawl"), ("spider", "baolaocai"), ("setting", f"NEWS_DB={db}"),
        ("setting", "AUTOTHROTTLE_ENABLED=False"), ("setting", "NEWS_MAX_LISTING_PAGES=1"),
        *(("setting", s) for s in settings)])
    assert answer.get("status") == "ok", answer
    return answer["jobid"]


def test_a_killed_node_takes_its_crawl_down_and_restarts_empty(scrapyd_nodes, replay_env, tmp_path):
    [node] = scrapyd_nodes(1, replay_env)
    _schedule(node, tmp_path / "news.db", "DOWNLOAD_DELAY=5")     # a crawl that lasts
    deadline = time.monotonic() + 30
    while not (crawls := node.running_job_pids()):
        assert time.monotonic() < deadline, f"no crawl started; {node.log}:\n{log_tail(node.log)}"
        time.sleep(0.1)
    node.kill()
    assert not node.alive()
    assert not [pid for pid in crawls if pid_running(pid)], "a crawl outlived its killed node"
    node.restart()
    assert node.get("daemonstatus.json")["running"] == 0
    assert node.get("listjobs.json", project="newscrawl")["running"] == []
