"""The crawl on Scrapyd nodes (issue 15) against a local crawl of the same large replay.

    python -m bench.cluster [--articles-per-site 2600] [--kill-at 0.35] [--out FILE] [--keep DIR]

Everything runs on this machine: one `ReplayServer` (the HTTPS proxy, in this process) over
`ReplayWeb(articles_per_site=N)` (the four family sites: N articles each + 6 syndicated copies),
Debian's redis-server (AOF, fsync always) and Scrapyd nodes (`max_proc = 1`: a node stands for
one core), both started with the test suite's classes (tests/cluster_servers.py). Every crawl is
`--backfill --since 2000-01-01 -s DOWNLOAD_DELAY=0 -s AUTOTHROTTLE_ENABLED=False` over the four
sites, politeness per host left at its default (CONCURRENT_REQUESTS_PER_DOMAIN = 1).

Steps (details in bench/README.md): 1. a local crawl `newscrawl crawl SITES` (the reference);
2. `newscrawl cluster crawl` on 1 node and on 2 nodes, each on a fresh database and an emptied
Redis, the writer started first: same articles as local? duplicates? most requests in flight per
host (replay log, `host_concurrency`), articles per second, the writer's cost per article;
3. a rerun of each on its database: requests for stored articles; 4. 2 nodes, one node's crawl
process SIGKILLed mid-run, then the same command again; 5. the single writer's saturation:
stored articles pushed as events, drained by `newscrawl cluster ingest --until-idle`.

The writer of steps 2-4 runs without --until-idle (with it, it exits before the first job is
dispatched) and gets SIGTERM once the crawl command returned (which waits until every event of
its jobs was applied); it prints its figures then too. Exit status 1 when a check fails.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shlex
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.crawl import cpu_self, load, machine, query, reap

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = REPO_ROOT / "bench" / "results" / "cluster.md"
SITES = ("baolaocai", "hanoigov", "laodongthudo", "tuoitrethudo")
CLI = [sys.executable, "-m", "crawler.cli"]
CRAWL_ARGS = ["--backfill", "--since", "2000-01-01",
              "-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False"]
CONDITIONAL = ("if-none-match", "if-modified-since")
INGEST_LINE = re.compile(r"ingest: (\d+) event\(s\) applied \((\d+) article\(s\)\) in ([\d.]+) s;"
                         r" writing took ([\d.]+) s \(([\d.]+) ms per article\)")
TICK = os.sysconf("SC_CLK_TCK")


def this_command() -> str:
    return shlex.join([sys.executable, "-m", "bench.cluster", *sys.argv[1:]])


def code_version() -> str:
    """The commit the run used, and the code paths changed since (the tree is shared)."""
    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=REPO_ROOT, capture_output=True,
                              text=True).stdout
    dirty = [line[3:] for line in git("status", "--short", "--", "crawler", "replay",
                                      "spiders", "tests/cluster_servers.py").splitlines()]
    return (f"- code: commit {git('rev-parse', '--short', 'HEAD').strip()}"
            + (f", with uncommitted changes to {', '.join(dirty)}" if dirty else ", clean"))


# --- processes ---------------------------------------------------------------------------------

def tree_cpu(pid: int) -> float:
    """CPU seconds of a live process and of the children it reaped (/proc/PID/stat: utime, stime,
    cutime, cstime): a Scrapyd node's crawls once they ended."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return sum(int(x) for x in fields[11:15]) / TICK


def redis_cpu(client) -> float:
    return sum(float(v) for k, v in client.info("cpu").items()     # main_thread: a part
               if k.startswith("used_cpu_") and not k.endswith("main_thread"))


class Bench:
    """The servers shared by every step and what the steps measured."""

    def __init__(self, work: Path, web, server, redis):
        self.work, self.web, self.server, self.redis = work, web, server, redis
        self.env = {**os.environ, **server.env(), "PYTHONPATH": str(REPO_ROOT)}
        self.article_urls = {a.url for a in web.articles() + web.copies()}

    def window(self, since: float, until: float) -> list:
        return [r for r in self.server.requests if since <= r.time <= until]

    def local(self, db: Path) -> dict:
        """`newscrawl crawl SITES` in one child process."""
        command = [*CLI, "crawl", *SITES, "--db", str(db), *CRAWL_ARGS, "--quiet"]
        log = self.work / "local.log"
        since, cpu0, start = time.monotonic(), cpu_self(), time.perf_counter()
        with open(log, "w") as out:
            result = reap(subprocess.Popen(command, env=self.env, cwd=REPO_ROOT, stdout=out,
                                           stderr=subprocess.STDOUT))
        run = {"command": command, **result, "wall": time.perf_counter() - start,
               "since": since, "until": time.monotonic(), "replay_cpu": cpu_self() - cpu0}
        return {**run, "content": content(db), "req": requests_summary(self, run)}

    def nodes(self, name: str, n: int) -> list:
        from cluster_servers import ScrapydNode
        return [ScrapydNode(self.work / f"{name}-node{i + 1}", env=self.env) for i in range(n)]

    def writer(self, db: Path, log: Path, until_idle: bool = False) -> dict:
        """Start `newscrawl cluster ingest` on db (without --until-idle: wait until it is alive)."""
        from crawler.cluster.channel import Channel
        command = [*CLI, "cluster", "ingest", "--db", str(db), "--redis", self.redis.url,
                   *(["--until-idle"] if until_idle else [])]
        out = open(log, "w")
        proc = subprocess.Popen(command, env=self.env, cwd=REPO_ROOT, stdout=out,
                                stderr=subprocess.STDOUT)
        channel, deadline = Channel(self.redis.url), time.monotonic() + 60
        while not until_idle and not channel.writer_alive():
            if proc.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"the ingest process did not start: {log.read_text()[-2000:]}")
            time.sleep(0.05)
        return {"proc": proc, "out": out, "log": log, "command": command}

    def stop_writer(self, writer: dict, signum: int | None = signal.SIGTERM) -> dict:
        """SIGTERM the writer (None: let it exit by itself); its figures and CPU."""
        from crawler.cluster.channel import Channel
        pending = Channel(self.redis.url).pending()
        if signum is not None:
            writer["proc"].send_signal(signum)
        result = reap(writer["proc"], timeout=3600)
        writer["out"].close()
        return {**parse_ingest(writer["log"].read_text(errors="replace")), **result,
                "pending_at_stop": pending, "command": writer["command"]}

    def cluster_crawl(self, name: str, db: Path, nodes: list, kill_at: int = 0) -> dict:
        """One `newscrawl cluster crawl` of SITES on `nodes` with a writer on `db`; with
        `kill_at`, SIGKILL the crawl process of the last node once kill_at articles are stored."""
        log = self.work / f"{name}.log"
        stored_before = set(urls(db)) if db.exists() else set()
        runs_before = max_run(db)
        writer = self.writer(db, self.work / f"{name}-ingest.log")
        node_cpu0 = sum(tree_cpu(n.pid) for n in nodes)
        redis_cpu0 = redis_cpu(self.redis.client())
        command = [*CLI, "cluster", "crawl", *SITES, "--db", str(db), "--redis", self.redis.url,
                   *[a for n in nodes for a in ("--node", n.url)], *CRAWL_ARGS]
        since, cpu0, start = time.monotonic(), cpu_self(), time.perf_counter()
        killed = None
        with open(log, "w") as out:
            proc = subprocess.Popen(command, env=self.env, cwd=REPO_ROOT, stdout=out,
                                    stderr=subprocess.STDOUT)
            while kill_at and killed is None and proc.poll() is None:
                if count(db) >= kill_at:
                    killed = self.kill_one(nodes[-1], db)
                time.sleep(0.2)
            result = reap(proc)
        wall, until, replay_cpu = time.perf_counter() - start, time.monotonic(), cpu_self() - cpu0
        node_cpu = sum(tree_cpu(n.pid) for n in nodes) - node_cpu0
        redis_used = redis_cpu(self.redis.client()) - redis_cpu0
        ingest = self.stop_writer(writer)
        requests = self.window(since, until)
        run = {"name": name, "command": command, **result, "wall": wall, "since": since,
               "until": until, "replay_cpu": replay_cpu, "node_cpu": node_cpu,
               "redis_cpu": redis_used, "ingest": ingest, "killed": killed,
               "stored_before": stored_before, "requests": requests,
               "runs": query(db, "select * from crawl_runs where id > ? order by id",
                             (runs_before,))}
        return {**run, "content": content(db), "req": requests_summary(self, run)}

    def kill_one(self, node, db: Path) -> dict | None:
        """SIGKILL the crawl process(es) `node` runs now (None when it runs none right now)."""
        running = node.get("listjobs.json", project="newscrawl").get("running", [])
        pids = node.running_job_pids()
        stored = count(db)
        if not pids:
            return None
        for pid in pids:
            os.kill(pid, signal.SIGKILL)
        print(f"kill: SIGKILL to {pids} on {node.url} (running {running}) at {stored} stored",
              flush=True)
        return {"node": node.url, "pids": pids, "stored_at_kill": stored,
                "jobs": [(j.get("id"), j.get("spider"), j.get("pid")) for j in running]}


def parse_ingest(output: str) -> dict:
    match = INGEST_LINE.search(output)
    if not match:
        return {"line": None, "events": 0, "articles": 0, "seconds": 0.0, "busy": 0.0,
                "ms": 0.0, "tail": output[-1500:]}
    events, articles, seconds, busy, ms = match.groups()
    return {"line": match.group(0), "events": int(events), "articles": int(articles),
            "seconds": float(seconds), "busy": float(busy), "ms": float(ms)}


# --- the database ------------------------------------------------------------------------------

def urls(db: Path) -> list[str]:
    return [r["url"] for r in query(db, "select url from articles")]


def count(db: Path) -> int:
    try:
        return query(db, "select count(*) n from articles")[0]["n"]
    except sqlite3.Error:          # not created yet
        return 0


def max_run(db: Path) -> int:
    return query(db, "select coalesce(max(id), 0) n from crawl_runs")[0]["n"] if db.exists() else 0


def content(db: Path) -> dict:
    """What is compared with the local crawl."""
    return {
        "urls": set(urls(db)),
        "hashes": {r["url"]: r["content_hash"] for r in
                   query(db, "select url, content_hash from articles")},
        "duplicates": {(r["copy_url"], r["original_url"]) for r in
                       query(db, "select copy_url, original_url from duplicates")},
        "hash_groups": query(db, "select count(*) n from (select content_hash from articles "
                                 "where content_hash is not null group by content_hash "
                                 "having count(*) > 1)")[0]["n"],
        "count": count(db),
    }


def compare(mine: dict, local: dict) -> dict:
    both = mine["urls"] & local["urls"]
    return {"missing": len(local["urls"] - mine["urls"]), "extra": len(mine["urls"] - local["urls"]),
            "hash_differs": sum(mine["hashes"][u] != local["hashes"][u] for u in both),
            "dups_same": mine["duplicates"] == local["duplicates"]}


def article_events(db: Path):
    """(site, Article) of every stored article of `db`, with its raw page, in id order."""
    from crawler.items import Article
    from crawler.store import NewsDB
    store = NewsDB(db)        # raw pages read by the store (zstd with dictionaries, or zlib)
    conn = store.db.conn
    try:
        for row in conn.execute(
                "SELECT a.url, a.site, a.article_id, a.title, a.body, a.sapo, a.author, "
                "a.published_at, a.section, a.tags, a.image_url, a.fetched_at, NULL, "
                "r.etag, r.last_modified, a.extracted_by, a.topics, a.labour_relevant "
                "FROM articles a LEFT JOIN raw_pages r ON r.url = a.url "
                "ORDER BY a.id"):
            yield row[1], Article(
                url=row[0], site=row[1], article_id=row[2], title=row[3], body=row[4],
                sapo=row[5], author=row[6], published_at=row[7], section=row[8],
                tags=json.loads(row[9] or "[]"), image_url=row[10], fetched_at=row[11],
                html=store.raw_html(row[0]), etag=row[13],
                last_modified=row[14], extracted_by=json.loads(row[15] or "{}"),
                topics=json.loads(row[16]) if row[16] is not None else None,
                labour_relevant=None if row[17] is None else bool(row[17]))
    finally:
        store.close()


def saturate(bench: Bench, source: Path, db: Path) -> dict:
    """Push source's articles as events, then time `ingest --until-idle` draining them."""
    from crawler.cluster.channel import Channel, article_to_wire
    bench.redis.client().flushall()
    channel = Channel(bench.redis.url)
    start, sent, started = time.perf_counter(), 0, set()
    for site, article in article_events(source):
        common = {"job": f"saturation-{site}", "node": "bench", "site": site}
        if site not in started:
            channel.send("run_start", pid=0, **common)
            started.add(site)
        channel.send("article", article=article_to_wire(article), content_type="text/html", **common)
        sent += 1
    for site in started:
        channel.send("run_end", fields={"status": "finished", "finish_reason": "finished"},
                     job=f"saturation-{site}", node="bench", site=site)
    push = time.perf_counter() - start
    memory, t = bench.redis.client().info("memory")["used_memory"], time.perf_counter()
    result = bench.stop_writer(bench.writer(db, bench.work / "saturation-ingest.log",
                                            until_idle=True), signum=None)
    return {"sent": sent, "push_s": push, "redis_mb": memory / 2**20, **result,
            "wall": time.perf_counter() - t, "stored": count(db),
            "pending_after": channel.pending()}


# --- the report --------------------------------------------------------------------------------

def requests_summary(bench: Bench, run: dict) -> dict:
    from replay.server import host_concurrency
    requests = run.get("requests") or bench.window(run["since"], run["until"])
    article_requests = [f"https://{r.host}{r.target}" for r in requests
                        if f"https://{r.host}{r.target}" in bench.article_urls]
    stored = run.get("stored_before") or set()
    again = [r for r in requests if f"https://{r.host}{r.target}" in stored]
    return {"total": len(requests), "concurrency": host_concurrency(requests),
            "articles": len(article_requests),
            "twice": len(article_requests) - len(set(article_requests)),
            "stored_unconditional": sum(not any(h in r.headers for h in CONDITIONAL)
                                        for r in again),
            "stored_conditional": sum(any(h in r.headers for h in CONDITIONAL) for r in again),
            "pace": pace(requests)}


def pace(requests) -> dict:
    """Per host, where the time between two requests goes: requests per second while it was
    crawled, the replay's median ms from a request to its answer, the median ms from an answer
    to the host's next request (transfer, the crawl's work, scheduling), connections per request."""
    hosts: dict[str, list] = {}
    for r in requests:
        hosts.setdefault(r.host, []).append(r)
    found = {}
    for host, rs in hosts.items():
        rs.sort(key=lambda r: r.time)
        if len(rs) < 3:
            continue
        serve = sorted((r.answered - r.time) * 1000 for r in rs if r.answered)
        gaps = sorted((b.time - a.answered) * 1000 for a, b in zip(rs, rs[1:]) if a.answered)
        found[host] = {"rps": len(rs) / max(rs[-1].time - rs[0].time, 1e-9),
                       "serve_ms": serve[len(serve) // 2], "gap_ms": gaps[len(gaps) // 2],
                       "connections": len({r.connection for r in rs}) / len(rs)}
    return found


def fmt(run: dict, work: Path) -> str:
    return shlex.join(run["command"]).replace(str(work), "$TMP")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.cluster", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles-per-site", type=int, default=2600)
    parser.add_argument("--kill-at", type=float, default=0.35,
                        help="kill a node's crawl once this share of the local count is stored")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--keep", type=Path, default=None,
                        help="keep the databases and logs in this (empty) folder")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(REPO_ROOT / "tests"))
    from cluster_servers import RedisServer

    from replay.server import ReplayServer
    from replay.web import ReplayWeb

    lines = ["# The crawl on Scrapyd nodes against a local crawl", ""] + machine() + [
        code_version(), f"- command: `{this_command()}`", ""]
    print("\n".join(lines), flush=True)
    work = args.keep or Path(tempfile.mkdtemp(prefix="bench-cluster-"))
    work.mkdir(parents=True, exist_ok=True)
    if any(work.iterdir()):
        raise SystemExit(f"{work} is not empty; give an empty --keep folder")
    web = ReplayWeb(articles_per_site=args.articles_per_site)
    redis = RedisServer(work / "redis")
    checks: list[tuple[str, bool]] = []
    try:
        with ReplayServer(web=web) as server:
            bench = Bench(work, web, server, redis)
            report = run_all(bench, args, checks)
    finally:
        redis.stop()
    lines += report + ["## Checks", ""] + [f"- {what}: **{'OK' if ok else 'FAILED'}**"
                                  for what, ok in checks]
    lines += ["", f"Working folder: {work if args.keep else '(temporary, removed)'}; at the "
              f"end {code_version()[2:]}.", ""]
    text = "\n".join(lines)
    print(text)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text)
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    return 0 if all(ok for _, ok in checks) else 1


def run_all(bench: Bench, args, checks: list) -> list[str]:
    work, web = bench.work, bench.web
    n_articles = len(web.articles())
    out = [f"Replay: `ReplayWeb(articles_per_site={args.articles_per_site})`, sites "
           f"{', '.join(SITES)}: {n_articles} articles + {len(web.copies())} syndicated copies "
           "(pages we generate, not the real sites). One replay server, one redis-server "
           "(appendonly yes, appendfsync always) and the nodes on this machine: they share its "
           "cores with the crawls.", ""]
    load0 = load()
    local_db = work / "local.db"
    local = bench.local(local_db)
    print(f"local: exit {local['returncode']}, {local['wall']:.1f} s, "
          f"{local['content']['count']} articles", flush=True)
    ref = local["content"]

    configs, reruns = [], []
    for n in (1, 2):
        name = f"{n}-node"
        bench.redis.client().flushall()
        db = work / f"{name}.db"
        nodes = bench.nodes(name, n)
        try:
            run = bench.cluster_crawl(name, db, nodes)
            print(f"{name}: exit {run['returncode']}, {run['wall']:.1f} s, "
                  f"{run['content']['count']} articles", flush=True)
            rerun = bench.cluster_crawl(f"{name}-rerun", db, nodes)
            print(f"{name} rerun: exit {rerun['returncode']}, {rerun['wall']:.1f} s", flush=True)
        finally:
            for node in nodes:
                node.stop()
        configs.append(run)
        reruns.append(rerun)

    # the kill
    bench.redis.client().flushall()
    kill_db = work / "kill.db"
    nodes = bench.nodes("kill", 2)
    try:
        killed = bench.cluster_crawl("kill", kill_db, nodes,
                                     kill_at=max(1, int(args.kill_at * ref["count"])))
        after = bench.cluster_crawl("kill-next", kill_db, nodes)
    finally:
        for node in nodes:
            node.stop()
    print(f"kill: exit {killed['returncode']} then {after['returncode']}, "
          f"{after['content']['count']} articles", flush=True)

    sat = saturate(bench, local_db, work / "saturation.db")
    print(f"saturation: {sat['articles']} articles, busy {sat['busy']:.1f} s, "
          f"wall {sat['wall']:.1f} s", flush=True)

    # --- tables ---
    out += ["## Crawls", "", f"Load average before the local crawl: {load0}; after the "
            f"saturation run: {load()}.", "", "```", "# local", fmt(local, work)]
    for run in configs:
        out += [f"# {run['name']}: writer started first, then", fmt(run, work)]
    out += [f"# writer: {fmt(configs[0]['ingest'], work)} (stopped with SIGTERM after the "
            "crawl command returned)", "```", ""]
    rows = [("local (1 process)", local, None)] + [
        (f"{r['name'][0]} node{'s' if r['name'][0] != '1' else ''}", r, r["ingest"])
        for r in configs]
    for _, r, _ in rows:
        r["cmp"] = compare(r["content"], ref)
    out += ["| figure | " + " | ".join(label for label, _, _ in rows) + " |",
            "|---|" + "---:|" * len(rows)]

    def row(title: str, cell) -> None:
        out.append(f"| {title} | " + " | ".join(cell(r, i) for _, r, i in rows) + " |")

    row("exit status", lambda r, i: str(r["returncode"]))
    row("wall seconds", lambda r, i: f"{r['wall']:.1f}")
    row("articles stored", lambda r, i: str(r["content"]["count"]))
    row("**articles per second**", lambda r, i: f"**{r['content']['count'] / r['wall']:.1f}**")
    row("URL set = local's (missing / extra)", lambda r, i: (
        f"{'yes' if not r['cmp']['missing'] and not r['cmp']['extra'] else 'NO'} "
        f"({r['cmp']['missing']} / {r['cmp']['extra']})"))
    row("same URL, other content_hash than local", lambda r, i: str(r["cmp"]["hash_differs"]))
    row("`duplicates` rows (same pairs as local?)", lambda r, i: (
        f"{len(r['content']['duplicates'])} "
        f"({'yes' if r['cmp']['dups_same'] else 'NO'})"))
    row("content_hash shared by 2+ stored articles", lambda r, i: str(r["content"]["hash_groups"]))
    row("article URLs requested twice in the crawl", lambda r, i: str(r["req"]["twice"]))
    row("requests the replay answered", lambda r, i: str(r["req"]["total"]))
    row("**max requests in flight on one host**", lambda r, i:
        f"**{max(r['req']['concurrency'].values(), default=0)}**")
    row("crawl CPU s (local: the process; cluster: nodes' crawls + Scrapyd)", lambda r, i:
        f"{r['cpu'] if i is None else r['node_cpu']:.1f}")
    row("writer busy s / ms per article (its own figure)", lambda r, i:
        "-" if i is None else f"{i['busy']:.1f} / **{i['ms']:.1f}**")
    row("writer CPU s / ms per article (os.wait4)", lambda r, i:
        "-" if i is None else f"{i['cpu']:.1f} / **{1000 * i['cpu'] / max(i['articles'], 1):.1f}**")
    row("writer: events / articles applied", lambda r, i:
        "-" if i is None else f"{i['events']} / {i['articles']}")
    row("Redis CPU s", lambda r, i: "-" if i is None else f"{r['redis_cpu']:.1f}")
    row("replay server CPU s (this process)", lambda r, i: f"{r['replay_cpu']:.1f}")
    one, two = configs
    ratio = (two["content"]["count"] / two["wall"]) / (one["content"]["count"] / one["wall"])
    out += ["", f"**2 nodes vs 1: {ratio:.2f}x** the throughput (articles per second; 2 cores, "
            "so about 2x is the ceiling).", ""]
    out += ["Most requests in flight per host (robots.txt included):", ""]
    for label, r, _ in rows:
        out.append(f"- {label}: " + ", ".join(f"{h} {c}" for h, c in
                                             sorted(r["req"]["concurrency"].items())))
    out += ["", "Pace per host (replay log; per site one request at a time, so a site's speed is "
            "1 / (answer + gap)): requests/s while crawled, median ms from request to answer, "
            "median ms from an answer to the next request, connections per request:", "",
            "| configuration | " + " | ".join(sorted(local["req"]["pace"])) + " |",
            "|---|" + "---|" * len(local["req"]["pace"])]
    for label, r, _ in rows:
        out.append(f"| {label} | " + " | ".join(
            f"{p['rps']:.1f}/s, {p['serve_ms']:.1f} + {p['gap_ms']:.1f} ms, "
            f"{p['connections']:.2f}" if (p := r["req"]["pace"].get(h)) else "-"
            for h in sorted(local["req"]["pace"])) + " |")
    out += ["", "Jobs (crawl_runs rows written by the writer):", "",
            "| configuration | site | node | job | status | pages_fetched | articles_new | "
            "duplicate | failed | started | finished |", "|---|---|---|---|---|---:|---:|---:|---:|---|---|"]
    for r in configs:
        out += [f"| {r['name']} | {x['spider']} | {x['node']} | {x['job']} | {x['status']} | "
                f"{x['pages_fetched']} | {x['articles_new']} | {x['articles_duplicate']} | "
                f"{x['articles_failed']} | {(x['started_at'] or '')[11:19]} | "
                f"{(x['finished_at'] or '')[11:19]} |" for x in r["runs"]]
    out += ["", "## Reruns on each configuration's database (same command)", "",
            "| configuration | exit | wall s | requests | article pages requested | of them "
            "stored URLs, unconditional / conditional | new articles (DB count after - before) "
            "| articles_new (crawl_runs) |", "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for first, r in zip(configs, reruns):
        q = r["req"]
        out.append(f"| {r['name']} | {r['returncode']} | {r['wall']:.1f} | {q['total']} | "
                   f"{q['articles']} | **{q['stored_unconditional']} / {q['stored_conditional']}**"
                   f" | {r['content']['count'] - first['content']['count']} | "
                   f"{sum(x['articles_new'] or 0 for x in r['runs'])} |")
    out += ["", "NEWS_REFRESH_DAYS is at its default (3): the replay's newest article is dated "
            f"{max(a.published_at for a in web.articles() if a.published_at)[:10]}, outside the "
            "window, so no conditional refresh is due.", ""]
    # kill
    k = killed["killed"] or {}
    out += ["## A node's crawl killed mid-run (2 nodes)", "",
            f"SIGKILL to the crawl process(es) {k.get('pids')} of node {k.get('node')} (the "
            f"Scrapyd job's own process; Scrapyd kept running) running {k.get('jobs')}, at "
            f"{k.get('stored_at_kill')} articles stored ({args.kill_at:.0%} of the local "
            f"{ref['count']} asked). The crawl command exited {killed['returncode']} after "
            f"{killed['wall']:.1f} s with {killed['content']['count']} articles stored; the "
            f"same command again exited {after['returncode']} after {after['wall']:.1f} s.", "",
            "crawl_runs of the killed run and of the next one:", "",
            "| run | site | node | job | status | finish_reason | articles_new |",
            "|---|---|---|---|---|---|---:|"]
    for name, r in (("killed", killed), ("next", after)):
        out += [f"| {name} | {x['spider']} | {x['node']} | {x['job']} | {x['status']} | "
                f"{(x['finish_reason'] or '').replace('|', '/')} | {x['articles_new']} |"
                for x in r["runs"]]
    ck = compare(after["content"], ref)
    out += ["", f"After the next run: {after['content']['count']} articles (local "
            f"{ref['count']}), missing {ck['missing']}, extra {ck['extra']}, content_hash "
            f"differing {ck['hash_differs']}; `duplicates` rows {len(after['content']['duplicates'])}"
            f" (same pairs as local: {'yes' if ck['dups_same'] else 'NO'}). The next run "
            f"requested {after['req']['articles']} article pages, "
            f"{after['req']['stored_unconditional']} of them for URLs already stored "
            f"(+{after['req']['stored_conditional']} conditional); it stored "
            f"{after['content']['count'] - killed['content']['count']} articles. Most requests "
            f"in flight per host: killed run {max(killed['req']['concurrency'].values(), default=0)}"
            f", next run {max(after['req']['concurrency'].values(), default=0)}.", ""]
    # saturation
    out += ["## The single writer's saturation", "",
            f"The local database's {sat['sent']} articles (with their raw pages) pushed as "
            f"`article` events (plus a run_start / run_end per site) into an emptied Redis in "
            f"{sat['push_s']:.1f} s (Redis then used {sat['redis_mb']:.0f} MB), then:", "",
            "```", fmt(sat, work), "```", "",
            "| figure | value |", "|---|---:|",
            f"| exit status | {sat['returncode']} |",
            f"| articles stored in the fresh database | {sat['stored']} |",
            f"| events / articles applied (its output) | {sat['events']} / {sat['articles']} |",
            f"| process wall seconds (start, drain, 1 s idle check, exit) | {sat['wall']:.1f} |",
            f"| writing seconds (its own figure) | {sat['busy']:.1f} |",
            f"| **articles per second, writing time** | **{sat['articles'] / max(sat['busy'], 1e-9):.1f}** |",
            f"| articles per second, process wall | {sat['articles'] / sat['wall']:.1f} |",
            f"| ms per article (its output) | {sat['ms']:.1f} |",
            f"| CPU seconds (os.wait4) / ms per article | {sat['cpu']:.1f} / "
            f"{1000 * sat['cpu'] / max(sat['articles'], 1):.1f} |",
            f"| events left in Redis after | {sat['pending_after']} |", "",
            f"Its output: `{sat['line']}`", ""]
    # checks
    for r in configs:
        c = compare(r["content"], ref)
        checks += [
            (f"{r['name']}: exit 0", r["returncode"] == 0),
            (f"{r['name']}: same URL set as local ({n_articles} replay articles, local "
             f"{ref['count']})", not c["missing"] and not c["extra"]),
            (f"{r['name']}: same duplicates pairs as local, no URL requested twice",
             c["dups_same"] and r["req"]["twice"] == 0),
            (f"{r['name']}: at most 1 request in flight per host",
             max(r["req"]["concurrency"].values(), default=0) <= 1),
            (f"{r['name']}: the writer drained everything (0 events left at its stop)",
             r["ingest"]["pending_at_stop"] == 0)]
    checks.append(("local: at most 1 request in flight per host",
                   max(local["req"]["concurrency"].values(), default=0) <= 1))
    for r, first in zip(reruns, configs):
        checks.append((f"{r['name']}: 0 requests for stored articles, 0 new articles",
                       r["req"]["stored_unconditional"] + r["req"]["stored_conditional"] == 0
                       and r["content"]["count"] == first["content"]["count"]))
    checks += [
        ("kill: the killed crawl command exits 1", killed["returncode"] == 1),
        ("kill: a run of the killed job is 'interrupted'",
         any(x["status"] == "interrupted" for x in killed["runs"])),
        ("kill: after the next run, the local set, each article once",
         not ck["missing"] and not ck["extra"] and after["content"]["count"] == ref["count"]),
        ("kill: the next run requested no stored article",
         after["req"]["stored_unconditional"] == 0),
        ("kill: at most 1 request in flight per host in both runs",
         max([*killed["req"]["concurrency"].values(), *after["req"]["concurrency"].values()],
             default=0) <= 1),
        ("saturation: every pushed article stored", sat["stored"] == sat["sent"])]
    return out


if __name__ == "__main__":
    sys.exit(main())
