"""Requests made by incremental reruns on a large replay (10,000+ articles).

    python -m bench.incremental [--articles-per-site 2500] [--out FILE] [--keep DIR]

Three real crawls (`python -m crawler.cli crawl` in a child process, every site, the replay's
HTTPS proxy on 127.0.0.1 through `https_proxy`), into one SQLite file in a temporary folder:

1. **fill**: an empty database, `--backfill --since 2000-01-01`: every article of the replay.
2. **rerun, 0 new**: the same replay, the default incremental mode (no backfill).
3. **rerun, 50 new**: a new replay with 13 / 13 / 12 / 12 more articles (laodongthudo,
   tuoitrethudo, baolaocai, hanoigov) newer than all others, the default incremental mode.

All runs use `-s DOWNLOAD_DELAY=0 -s AUTOTHROTTLE_ENABLED=False
-s CONCURRENT_REQUESTS_PER_DOMAIN=4`. Each request the replay answered during a run is counted
by kind from the replay's request log: article pages (the URLs of `web.articles()` and
`web.copies()`), listing pages (`web.listing_urls(site)`: every section and pagination page),
robots.txt and feeds, and other (the non-article pages at article-shaped URLs, the mirror, 404s).
Expected: a rerun with nothing new fetches 0 article pages; one with 50 new articles fetches
exactly those 50 and `crawl_runs.articles_new` sums to 50.

Note on the refresh window: articles published within `NEWS_REFRESH_DAYS` (3) of now and
fetched more than `NEWS_REFRESH_AFTER_HOURS` (20) ago are fetched again, conditionally. The
replay's dates end at 2026-11-20, so near that date some stored articles are inside the window,
but the reruns follow the fill within minutes, so none is due; the report says how many were in
the window.
"""
from __future__ import annotations

import argparse
import os
import platform
import shlex
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = REPO_ROOT / "bench" / "results" / "incremental.md"
SITES = ("laodongthudo", "tuoitrethudo", "baolaocai", "hanoigov")
EXTRA = {"laodongthudo": 13, "tuoitrethudo": 13, "baolaocai": 12, "hanoigov": 12}
FAST = ["-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False",
        "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=4"]
FEEDS = {"/rss/home.rss"}


def machine() -> list[str]:
    import scrapy
    return [
        f"- machine: {platform.platform()}, {os.cpu_count()} CPUs ({platform.machine()}"
        f"{', ' + platform.processor() if platform.processor() else ''})",
        f"- python {platform.python_version()} ({sys.executable}), scrapy {scrapy.__version__}, "
        f"sqlite {sqlite3.sqlite_version}",
        f"- run at {datetime.now().astimezone().isoformat(timespec='seconds')}, load average "
        f"{' '.join(f'{x:.2f}' for x in os.getloadavg())} at the start",
    ]


def this_command() -> str:
    prefix = f"PYTHONPATH={os.environ['PYTHONPATH']} " if os.environ.get("PYTHONPATH") else ""
    return prefix + " ".join(shlex.quote(a) for a in
                             [sys.executable, "-m", "bench.incremental", *sys.argv[1:]])


def crawl_command(db: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "crawler.cli", "crawl", "--db", str(db), *extra, *FAST]


class Classifier:
    """Tells the kind of a requested URL from what the replay serves."""

    def __init__(self, web):
        self.articles = {a.url for a in web.articles() + web.copies()}
        self.site_of = {a.url: a.site for a in web.articles() + web.copies()}
        self.listings: dict[str, str] = {}
        for site in SITES:
            for url in web.listing_urls(site) + web.start_urls(site):
                self.listings[url.rstrip("/")] = site

    def kind(self, request) -> str:
        url = f"https://{request.host}{request.target}"
        path = request.target.partition("?")[0]
        if url in self.articles:
            return "article"
        if url.rstrip("/") in self.listings:
            return "listing"
        if path == "/robots.txt" or path in FEEDS:
            return "robots/feed"
        return "other"


def count_requests(server, classifier: Classifier, since: float, until: float):
    kinds: Counter = Counter()
    per_site: Counter = Counter()
    statuses: Counter = Counter()
    others: list[str] = []
    articles: list[str] = []
    for r in server.requests:
        if not since <= r.time <= until:
            continue
        kind = classifier.kind(r)
        kinds[kind] += 1
        statuses[(kind, r.status)] += 1
        url = f"https://{r.host}{r.target}"
        if kind == "article":
            articles.append(url)
            per_site[(classifier.site_of[url], "article")] += 1
        elif kind == "listing":
            per_site[(classifier.listings[url.rstrip("/")], "listing")] += 1
        elif kind == "other":
            others.append(f"{r.status} {url}")
        kinds["total"] += 1
    return kinds, per_site, statuses, others, articles


def query(db: Path, sql: str, params=()):
    with sqlite3.connect(db) as conn:
        conn.row_factory = sqlite3.Row
        return [dict(r) for r in conn.execute(sql, params)]


def run_crawl(server, db: Path, log_dir: Path, name: str, *extra: str) -> dict:
    [(last_run,)] = [tuple(r.values()) for r in query(db, "select coalesce(max(id), 0) from "
                                                          "crawl_runs")] if db.exists() else [(0,)]
    command = crawl_command(db, *extra)
    env = {**os.environ, **server.env(), "PYTHONPATH": str(REPO_ROOT)}
    log = log_dir / f"{name}.log"
    since = time.monotonic()
    start = time.perf_counter()
    with open(log, "w") as out:
        proc = subprocess.run(command, env=env, cwd=REPO_ROOT, stdout=out,
                              stderr=subprocess.STDOUT, timeout=3600)
    wall = time.perf_counter() - start
    until = time.monotonic()
    runs = query(db, "select * from crawl_runs where id > ? order by id", (last_run,))
    output = log.read_text(errors="replace")
    return {"name": name, "command": command, "returncode": proc.returncode, "wall": wall,
            "since": since, "until": until, "runs": runs, "log": log, "output": output}


def fmt_command(command: list[str]) -> str:
    return " ".join(shlex.quote(str(a)) for a in command)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.incremental", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles-per-site", type=int, default=2500)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--keep", type=Path, default=None,
                        help="keep the database and crawl logs in this folder")
    args = parser.parse_args(argv)

    from replay.server import ReplayServer
    from replay.web import ReplayWeb

    lines = ["# Incremental reruns on a large replay", ""] + machine() + [
        f"- command: `{this_command()}`", ""]
    print("\n".join(lines), flush=True)

    work = args.keep or Path(tempfile.mkdtemp(prefix="bench-incremental-"))
    work.mkdir(parents=True, exist_ok=True)
    db = work / "news.db"
    if db.exists():
        raise SystemExit(f"{db} exists; give an empty --keep folder")

    t = time.perf_counter()
    web = ReplayWeb(articles_per_site=args.articles_per_site)
    build_s = time.perf_counter() - t
    n_articles, n_copies = len(web.articles()), len(web.copies())
    print(f"replay built in {build_s:.1f} s: {n_articles} articles + {n_copies} copies", flush=True)
    results = []
    with ReplayServer(web=web) as server:
        classifier = Classifier(web)
        fill = run_crawl(server, db, work, "fill", "--backfill", "--since", "2000-01-01")
        fill["counts"] = count_requests(server, classifier, fill["since"], fill["until"])
        print(f"fill: {fill['wall']:.0f} s, exit {fill['returncode']}", flush=True)
        stored_after_fill = query(db, "select count(*) n from articles")[0]["n"]
        dups_after_fill = query(db, "select method, count(*) n from duplicates group by method")
        now = datetime.now().astimezone()
        window = (now - timedelta(days=3)).isoformat(timespec="seconds")
        in_window = query(db, "select count(*) n from articles where published_at >= ?",
                          (window,))[0]["n"]
        rerun0 = run_crawl(server, db, work, "rerun-0-new")
        rerun0["counts"] = count_requests(server, classifier, rerun0["since"], rerun0["until"])
        print(f"rerun 0 new: {rerun0['wall']:.0f} s, exit {rerun0['returncode']}", flush=True)
        results += [fill, rerun0]
    t = time.perf_counter()
    newer = ReplayWeb(articles_per_site=args.articles_per_site, extra=EXTRA)
    print(f"replay with extras built in {time.perf_counter() - t:.1f} s", flush=True)
    with ReplayServer(web=newer) as server:
        classifier50 = Classifier(newer)
        rerun50 = run_crawl(server, db, work, "rerun-50-new")
        rerun50["counts"] = count_requests(server, classifier50, rerun50["since"],
                                           rerun50["until"])
        print(f"rerun 50 new: {rerun50['wall']:.0f} s, exit {rerun50['returncode']}", flush=True)
    results.append(rerun50)
    expected_new = {a.url for site, n in EXTRA.items() for a in newer.articles(site)[:n]}

    # --- report --------------------------------------------------------------------------
    out = list(lines)
    out += [f"Replay: `ReplayWeb(articles_per_site={args.articles_per_site})`: {n_articles} "
            f"articles + {n_copies} syndicated copies (built in {build_s:.1f} s); the second "
            f"replay adds `extra={EXTRA}` ({sum(EXTRA.values())} articles).", ""]
    out += ["Crawl commands (child process, environment + `server.env()`, cwd the repository):",
            "", "```"]
    for r in results:
        out.append(f"# {r['name']}")
        out.append(fmt_command(r["command"]).replace(str(work), "$TMP"))
    out += ["```", ""]
    out += ["## Requests per run", "",
            "| run | article pages fetched | listing pages | robots.txt / feeds | other requests "
            "| all requests | articles new (crawl_runs) | wall seconds | exit |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in results:
        kinds = r["counts"][0]
        new = sum(run["articles_new"] or 0 for run in r["runs"])
        out.append(f"| {r['name']} | {kinds['article']} | {kinds['listing']} | "
                   f"{kinds['robots/feed']} | {kinds['other']} | {kinds['total']} | {new} | "
                   f"{r['wall']:.1f} | {r['returncode']} |")
    out += ["", f"After the fill: {stored_after_fill} articles stored (replay: {n_articles} "
            f"articles, {n_copies} copies); duplicates recorded: "
            + (", ".join(f"{d['n']} {d['method']}" for d in dups_after_fill) or "none") + ".",
            f"Stored articles inside the refresh window (published since {window}) at the "
            f"first rerun: {in_window} (fetched minutes before, so not due).", ""]

    fetched50 = results[2]["counts"][4]
    ok0 = results[1]["counts"][0]["article"] == 0
    ok50 = (sorted(fetched50) == sorted(expected_new)
            and sum(run["articles_new"] or 0 for run in results[2]["runs"]) == 50)
    out += ["## Checks", "",
            f"- rerun with 0 new: article pages fetched = {results[1]['counts'][0]['article']} "
            f"(expected 0): **{'OK' if ok0 else 'FAIL'}**",
            f"- rerun with 50 new: article pages fetched = {len(fetched50)} "
            f"({len(set(fetched50) & expected_new)} of them the 50 new ones, "
            f"{len(set(fetched50) - expected_new)} others, "
            f"{len(fetched50) - len(set(fetched50))} fetched twice), "
            f"articles_new = {sum(run['articles_new'] or 0 for run in results[2]['runs'])} "
            f"(expected exactly 50 and 50): **{'OK' if ok50 else 'FAIL'}**"]
    missing = sorted(expected_new - set(fetched50))
    extra_urls = sorted(set(fetched50) - expected_new)
    if missing:
        out.append(f"- new articles NOT fetched: {missing[:10]}")
    if extra_urls:
        out.append(f"- article pages fetched that were not new: {extra_urls[:10]}")
    out.append("")

    out += ["## Per site and per run", "",
            "| run | site | article pages | listing pages | articles new | unchanged | "
            "pages_fetched | status | flag |", "|---|---|---:|---:|---:|---:|---:|---|---|"]
    for r in results:
        per_site = r["counts"][1]
        by_spider = {run["spider"]: run for run in r["runs"]}
        for site in SITES:
            run = by_spider.get(site, {})
            out.append(f"| {r['name']} | {site} | {per_site[(site, 'article')]} | "
                       f"{per_site[(site, 'listing')]} | {run.get('articles_new')} | "
                       f"{run.get('articles_unchanged')} | {run.get('pages_fetched')} | "
                       f"{run.get('status')} | {run.get('flag') or ''} |")
    out += ["", "## Responses by kind and status", ""]
    for r in results:
        statuses = r["counts"][2]
        out.append(f"- {r['name']}: " + ", ".join(
            f"{kind} {status}: {n}" for (kind, status), n in sorted(
                statuses.items(), key=lambda kv: (kv[0][0], kv[0][1] or 0))))
    out += ["", "## Other requests (not articles, listings, robots.txt or feeds)", ""]
    for r in results:
        others = r["counts"][3]
        out.append(f"- {r['name']}: {len(others)}" + (": " + "; ".join(
            f"`{u}`" for u in others[:12]) + (" ..." if len(others) > 12 else "") if others
                                                       else ""))
    problems = [(r["name"], run["spider"], run["problems"]) for r in results for run in r["runs"]
                if run.get("problems") and run["problems"] != "{}"]
    if problems:
        out += ["", "## Problems recorded in crawl_runs", ""]
        out += [f"- {name} / {spider}: `{p}`" for name, spider, p in problems]
    bad = [r for r in results if r["returncode"] not in (0,)]
    if bad:
        out += ["", "## Crawl output of runs that did not exit 0", ""]
        for r in bad:
            out += [f"### {r['name']} (exit {r['returncode']})", "", "```",
                    r["output"][-3000:].rstrip(), "```", ""]
    out += ["", f"Load average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())} "
            f"({os.cpu_count()} CPUs): timings are wall-clock, so other work on the machine "
            "slows them."]
    out.append("")
    report = "\n".join(out)
    print("\n".join(out[len(lines):]))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(report, encoding="utf-8")
    print(f"written to {args.out}; database and logs in {work}")
    return 0 if ok0 and ok50 else 1


if __name__ == "__main__":
    sys.exit(main())
