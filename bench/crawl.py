"""Crawl throughput on a large replay, against the extraction ceiling on the same pages.

    python -m bench.crawl [--articles-per-site 1250] [--jobs N] [--ceiling-limit N]
                          [--no-reextract] [--scheduler-runs K] [--out FILE] [--keep DIR]

1. **Ceiling**: every article page of `ReplayWeb(articles_per_site=N)` (60-90 KB each, the
   sites' markup), read straight from `web.respond` (no network), then
   `trafilatura.extract(html, include_comments=False)` over them in this one process: pages/s.
   The project's own extraction (`spider_for_url(url).read_page`, what the crawl runs) is timed
   over the same pages too, for reference.
2. **Crawl**: a `ReplayServer` (the HTTPS proxy, in this process, on 127.0.0.1) and one real
   crawl in a child process, politeness off:
   `python -m crawler.cli crawl --db DB --backfill --since 2000-01-01 -s DOWNLOAD_DELAY=0
   -s AUTOTHROTTLE_ENABLED=False -s CONCURRENT_REQUESTS_PER_DOMAIN=16 -s CONCURRENT_REQUESTS=32
   [--jobs N]`. Reported: wall time, article pages stored per second (end to end: listing
   pages, robots.txt, TLS, storage included), all pages per second, CPU seconds of the crawl
   process(es) (`os.wait4` rusage: the child and its reaped children) per article page, peak
   RSS (largest single process: its VmHWM; and the sum over the process tree; both sampled
   every 0.2 s from /proc), and the CPU the replay server used meanwhile (this process: it
   competes for the same cores).
3. **Re-extraction**: `python -m crawler.cli reextract --db DB` on the crawled database: articles
   per second against the same ceiling (skipped with --no-reextract).
4. **Scheduler RSS** (`--scheduler-runs K`, default 0): a child process plays the scheduler:
   `crawler.schedule.runner.Runner.run_site(site)` K times, each into a fresh database (so each run
   is a full crawl of the site), printing its own RSS and its crawls' peak RSS after each run.

Printed as markdown and written to `--out` (default bench/results/crawl.md) with the machine.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import re
import resource
import shlex
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = REPO_ROOT / "bench" / "results" / "crawl.md"
FAST = ["-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False",
        "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=16", "-s", "CONCURRENT_REQUESTS=32"]
PAGE = os.sysconf("SC_PAGE_SIZE")


def machine() -> list[str]:
    import lxml.etree
    import scrapy
    import trafilatura
    return [
        f"- machine: {platform.platform()}, {os.cpu_count()} CPUs ({platform.machine()}"
        f"{', ' + platform.processor() if platform.processor() else ''})",
        f"- python {platform.python_version()} ({sys.executable}), scrapy {scrapy.__version__}, "
        f"trafilatura {trafilatura.__version__}, lxml {'.'.join(map(str, lxml.etree.LXML_VERSION))}"
        f", sqlite {sqlite3.sqlite_version}",
        f"- run at {datetime.now().astimezone().isoformat(timespec='seconds')}, load average "
        f"{load()} (other work on the machine competes for the same cores)",
    ]


def load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def ab_arguments(parser: argparse.ArgumentParser, rounds: int,
                 before_required: bool = True) -> None:
    """--before and --rounds of the A/B scripts (bench/crawl_ab.py, bench/read_page_ab.py,
    bench/startup.py): each round runs the other version, then this one (`versions`)."""
    parser.add_argument("--before", type=Path, required=before_required, default=None,
                        help="a checkout (git archive) of the other version")
    parser.add_argument("--rounds", type=int, default=rounds)


def versions(before: Path | None) -> list[tuple[str, Path]]:
    """[("before", its checkout) if given, ("this", this checkout)]: an A/B script runs each
    version's code in that directory (cwd) with PYTHONPATH there, since `python -m` / `-c` put
    the working directory first on sys.path: with PYTHONPATH alone, both ran this checkout's."""
    return ([("before", before.resolve())] if before else []) + [("this", REPO_ROOT)]


def this_command() -> str:
    prefix = f"PYTHONPATH={os.environ['PYTHONPATH']} " if os.environ.get("PYTHONPATH") else ""
    return prefix + shlex.join([sys.executable, "-m", "bench.crawl", *sys.argv[1:]])


def cpu_self() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


# --- the ceiling ---------------------------------------------------------------------------

def article_pages(web, sites: tuple[str, ...] | None = None) -> list[tuple[str, str]]:
    """(url, html text) of every article page the replay serves (what a full crawl stores), and
    of the syndicated copies: of `sites` (default: ReplayWeb.articles' default, the family sites)."""
    pages = []
    for article in (web.articles(sites=sites) if sites else web.articles()) + web.copies():
        parts = urlsplit(article.url)
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        response = web.respond("GET", parts.netloc, target)
        if response.status == 200:
            pages.append((article.url, response.body.decode("utf-8", errors="replace")))
    return pages


def ceiling(pages: list[tuple[str, str]], clock=time.perf_counter) -> dict:
    """Seconds of trafilatura.extract over the pages, and of the crawl's own page path
    (read_page) over the same pages, by `clock` (time.process_time: this process's CPU)."""
    import trafilatura

    from crawler.sites import spider_for_url

    start = clock()
    for _, html in pages:
        trafilatura.extract(html, include_comments=False)
    plain = clock() - start
    start = clock()
    for url, html in pages:
        spider_for_url(url).read_page(html, url)
    ours = clock() - start
    sizes = sorted(len(html.encode("utf-8")) for _, html in pages)
    return {"pages": len(pages), "trafilatura_s": plain, "trafilatura_pps": len(pages) / plain,
            "read_page_s": ours, "read_page_pps": len(pages) / ours,
            "size_min": sizes[0], "size_median": sizes[len(sizes) // 2], "size_max": sizes[-1]}


# --- running a child and measuring it ------------------------------------------------------

def _tree_rss(root: int, hwm: dict[int, int], pss: list[int] | None = None) -> int:
    """Sum of the resident set sizes (bytes) of `root` and its descendants, from /proc; each
    one's peak (VmHWM, bytes) goes into `hwm` by pid. (VmHWM is the peak of the process's own
    memory since its exec, unlike ru_maxrss, which counts the parent's size at fork.)"""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as handle:
                stat = handle.read()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry))
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        todo.extend(children.get(pid, []))
        try:
            with open(f"/proc/{pid}/statm") as handle:
                total += int(handle.read().split()[1]) * PAGE
            with open(f"/proc/{pid}/status") as handle:
                for line in handle:
                    if line.startswith("VmHWM:"):
                        hwm[pid] = max(hwm.get(pid, 0), int(line.split()[1]) * 1024)
            if pss is not None:   # proportional set size: shared pages counted once in all
                with open(f"/proc/{pid}/smaps_rollup") as handle:
                    for line in handle:
                        if line.startswith("Pss:"):
                            pss[0] += int(line.split()[1]) * 1024
        except (OSError, IndexError, ValueError):
            pass
    return total


def run_measured(command: list[str], env: dict, log: Path, timeout: float = 7200,
                 cwd: Path = REPO_ROOT) -> dict:
    """Run `command` in `cwd`; wall time, CPU and peak RSS of it and its descendants. (`python
    -m` puts `cwd` first on sys.path, before PYTHONPATH: to run another checkout's code, run in
    that checkout.)"""
    peak = [0]
    peak_pss = [0]
    hwm: dict[int, int] = {}
    sampler_cpu = [0.0]
    done = threading.Event()
    cpu0 = cpu_self()
    start = time.perf_counter()
    with open(log, "w") as out:
        proc = subprocess.Popen(command, env=env, cwd=cwd, stdout=out,
                                stderr=subprocess.STDOUT)

        def sample():
            t0 = time.thread_time()
            while not done.wait(0.2):
                pss = [0]
                peak[0] = max(peak[0], _tree_rss(proc.pid, hwm, pss))
                peak_pss[0] = max(peak_pss[0], pss[0])
            sampler_cpu[0] = time.thread_time() - t0

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        usage = reap(proc, timeout)["usage"]
        done.set()
        sampler.join()
    wall = time.perf_counter() - start
    return {"command": command, "returncode": proc.returncode, "wall": wall,
            "cpu": usage.ru_utime + usage.ru_stime, "user": usage.ru_utime,
            "sys": usage.ru_stime, "maxrss_mb": max(hwm.values(), default=0) / 2**20,
            "processes": len(hwm), "tree_pss_mb": peak_pss[0] / 2**20,
            "tree_peak_mb": peak[0] / 2**20,
            "bench_cpu": cpu_self() - cpu0 - sampler_cpu[0], "sampler_cpu": sampler_cpu[0],
            "load_after": load(),
            "output": log.read_text(errors="replace")}


def reap(proc: subprocess.Popen, timeout: float = 3600) -> dict:
    """Wait for `proc` with os.wait4 (killed after `timeout` s): its exit status, and the CPU
    seconds and rusage of it and the children it reaped."""
    deadline = time.monotonic() + timeout
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        if time.monotonic() > deadline:
            proc.kill()
        time.sleep(0.05)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return {"returncode": proc.returncode, "cpu": usage.ru_utime + usage.ru_stime,
            "usage": usage}


def query(db: Path, sql: str, params=()):
    with sqlite3.connect(db) as conn:
        conn.row_factory = sqlite3.Row
        return [dict(r) for r in conn.execute(sql, params)]


# --- scheduler RSS (child process) ---------------------------------------------------------

def _rss_mb() -> float:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * PAGE / 2**20


def _hwm_mb() -> float:
    with open("/proc/self/status") as handle:
        for line in handle:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0


def scheduler_child(site: str, runs: int, work: Path) -> None:
    """Play the scheduler: Runner.run_site(site) `runs` times, each into a fresh database."""
    from crawler.schedule.config import Config, SiteSchedule
    from crawler.schedule.runner import Runner
    settings = {k.split("=")[0]: k.split("=")[1] for k in FAST[1::2]}
    settings["NEWS_BACKFILL_SINCE"] = "2000-01-01"
    config = Config(db=work / "sched-0.db", log_file=None,
                    sites={site: SiteSchedule(site, "0 1 * * *", jitter=0, settings=settings)})
    runner = Runner(config)
    for i in range(runs):
        config.db = work / f"sched-{i}.db"
        t = time.perf_counter()
        row = runner.run_site(site, why="bench")
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        print(json.dumps({"run": i + 1, "status": row and row["status"],
                          "articles_new": row and row["articles_new"],
                          "wall": round(time.perf_counter() - t, 1),
                          "scheduler_rss_mb": round(_rss_mb(), 1),
                          "scheduler_maxrss_mb": round(_hwm_mb(), 1),
                          "crawls_maxrss_mb_so_far": round(children.ru_maxrss / 1024, 1)}),
              flush=True)


# --- the report ----------------------------------------------------------------------------

def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.crawl", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles-per-site", type=int, default=1250)
    parser.add_argument("--jobs", type=int, default=1,
                        help="`newscrawl crawl --jobs N` (default 1: one process)")
    parser.add_argument("--ceiling-limit", type=int, default=0,
                        help="time the ceiling on the first N pages only (default: all)")
    parser.add_argument("--no-reextract", action="store_true")
    parser.add_argument("--scheduler-runs", type=int, default=0)
    parser.add_argument("--scheduler-site", default="hanoigov")
    parser.add_argument("--crawl-arg", action="append", default=[],
                        help="one more argument for the crawl command (repeatable)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--keep", type=Path, default=None)
    parser.add_argument("--scheduler-child", nargs=3, metavar=("SITE", "RUNS", "DIR"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.scheduler_child:
        site, runs, work = args.scheduler_child
        scheduler_child(site, int(runs), Path(work))
        return 0

    from replay.server import ReplayServer
    from replay.web import ReplayWeb

    lines = ["# Crawl throughput", ""] + machine() + [f"- command: `{this_command()}`", ""]
    print("\n".join(lines), flush=True)
    work = args.keep or Path(tempfile.mkdtemp(prefix="bench-crawl-"))
    work.mkdir(parents=True, exist_ok=True)
    db = work / "news.db"
    if db.exists():
        raise SystemExit(f"{db} exists; give an empty --keep folder")

    t = time.perf_counter()
    web = ReplayWeb(articles_per_site=args.articles_per_site)
    pages = article_pages(web)
    print(f"replay: {len(web.articles())} articles + {len(web.copies())} copies, "
          f"{len(pages)} article pages rendered in {time.perf_counter() - t:.1f} s", flush=True)
    sample = pages[:args.ceiling_limit] if args.ceiling_limit else pages
    load_ceiling = load()
    top = ceiling(sample)
    del pages, sample
    print(f"ceiling: trafilatura.extract {top['trafilatura_pps']:.1f} pages/s over "
          f"{top['pages']} pages; read_page {top['read_page_pps']:.1f} pages/s", flush=True)

    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    command = [sys.executable, "-m", "crawler.cli", "crawl", "--db", str(db),
               "--backfill", "--since", "2000-01-01", *FAST, *args.crawl_arg]
    if args.jobs != 1:
        command += ["--jobs", str(args.jobs)]
    # a fresh ReplayWeb: the ceiling's renders must not warm the server's cache
    web = ReplayWeb(articles_per_site=args.articles_per_site)
    load_crawl = load()
    with ReplayServer(web=web) as server:
        crawl = run_measured(command, {**env, **server.env()}, work / "crawl.log")
        served = len(server.requests)
    runs = query(db, "select * from crawl_runs order by id")
    stored = query(db, "select count(*) n from articles")[0]["n"]
    new = sum(r["articles_new"] or 0 for r in runs)
    fetched = sum(r["pages_fetched"] or 0 for r in runs)
    article_pps = new / crawl["wall"]
    print(f"crawl: exit {crawl['returncode']}, {crawl['wall']:.1f} s, {new} articles new "
          f"({article_pps:.1f}/s), cpu {crawl['cpu']:.1f} s, maxrss {crawl['maxrss_mb']:.0f} MB, "
          f"tree peak {crawl['tree_peak_mb']:.0f} MB, server cpu {crawl['bench_cpu']:.1f} s",
          flush=True)

    reextract = None
    if not args.no_reextract:
        reextract = run_measured([sys.executable, "-m", "crawler.cli", "reextract", "--db",
                                  str(db)], env, work / "reextract.log")
        match = re.search(r"read (\d+)", reextract["output"])
        reextract["read"] = int(match.group(1)) if match else 0
        reextract["aps"] = reextract["read"] / reextract["wall"]
        print(f"reextract: exit {reextract['returncode']}, {reextract['read']} articles in "
              f"{reextract['wall']:.1f} s ({reextract['aps']:.1f}/s)", flush=True)

    sched: list[dict] = []
    if args.scheduler_runs:
        sched_web = ReplayWeb(articles_per_site=args.articles_per_site)
        with ReplayServer(web=sched_web) as server:
            out = subprocess.run(
                [sys.executable, "-m", "bench.crawl", "--scheduler-child", args.scheduler_site,
                 str(args.scheduler_runs), str(work)],
                env={**env, **server.env()}, cwd=REPO_ROOT, capture_output=True, text=True,
                timeout=7200)
        sched = [json.loads(l) for l in out.stdout.splitlines() if l.startswith("{")]
        if out.returncode or len(sched) != args.scheduler_runs:
            print(out.stdout[-2000:], out.stderr[-3000:], file=sys.stderr)

    ratio = article_pps / top["trafilatura_pps"]
    lines += [
        f"Replay: `ReplayWeb(articles_per_site={args.articles_per_site})`: "
        f"{len(web.articles())} articles + {len(web.copies())} syndicated copies; article pages "
        f"{top['size_min'] / 1024:.0f}-{top['size_max'] / 1024:.0f} KB "
        f"(median {top['size_median'] / 1024:.0f} KB).",
        "",
        "## Ceiling: plain trafilatura in one process, same pages",
        "",
        f"Load average when it started: {load_ceiling}.",
        "",
        "| extractor | pages | seconds | pages/s | ms/page |",
        "|---|---:|---:|---:|---:|",
        f"| `trafilatura.extract(html, include_comments=False)` | {top['pages']} | "
        f"{top['trafilatura_s']:.1f} | **{top['trafilatura_pps']:.1f}** | "
        f"{1000 / top['trafilatura_pps']:.1f} |",
        f"| project: `spider_for_url(url).read_page(html, url)` (what the crawl runs) | "
        f"{top['pages']} | {top['read_page_s']:.1f} | {top['read_page_pps']:.1f} | "
        f"{1000 / top['read_page_pps']:.1f} |",
        "",
        "## End-to-end crawl",
        "",
        f"Load average when it started: {load_crawl}; after: {crawl['load_after']}.",
        "",
        "```",
        shlex.join(crawl["command"]).replace(str(work), "$TMP"),
        "```",
        "",
        "| figure | value |",
        "|---|---:|",
        f"| exit status | {crawl['returncode']} |",
        f"| wall seconds (process start to exit) | {crawl['wall']:.1f} |",
        f"| articles stored (articles_new) / in the DB | {new} / {stored} |",
        f"| pages fetched (all kinds) / requests the replay answered | {fetched} / {served} |",
        f"| **article pages per second, end to end** | **{article_pps:.1f}** |",
        f"| all pages per second | {fetched / crawl['wall']:.1f} |",
        f"| ratio to the ceiling ({top['trafilatura_pps']:.1f} pages/s; target >= 0.8) | "
        f"**{ratio:.2f}** |",
        f"| crawl CPU seconds (user + sys, crawl process(es)) | {crawl['cpu']:.1f} "
        f"({crawl['user']:.1f} + {crawl['sys']:.1f}) |",
        f"| **crawl CPU ms per article page** | **{1000 * crawl['cpu'] / max(new, 1):.1f}** |",
        f"| peak RSS, largest crawl process (VmHWM; {crawl['processes']} processes) | "
        f"{crawl['maxrss_mb']:.0f} MB |",
        f"| peak RSS, crawl process tree (sum, sampled every 0.2 s) | "
        f"{crawl['tree_peak_mb']:.0f} MB |",
        f"| peak PSS, crawl process tree (shared pages counted once) | "
        f"{crawl['tree_pss_mb']:.0f} MB |",
        f"| replay server CPU seconds meanwhile (same machine, same cores) | "
        f"{crawl['bench_cpu']:.1f} ({1000 * crawl['bench_cpu'] / max(new, 1):.1f} ms per "
        "article page) |",
        "",
        "Per site (crawl_runs):",
        "",
        "| site | pages_fetched | articles_new | duplicates | failed | status |",
        "|---|---:|---:|---:|---:|---|",
        *[f"| {r['spider']} | {r['pages_fetched']} | {r['articles_new']} | "
          f"{r['articles_duplicate']} | {r['articles_failed']} | {r['status']} |" for r in runs],
        "",
    ]
    if reextract:
        lines += [
            "## Re-extraction",
            "",
            "```",
            shlex.join(reextract["command"]).replace(str(work), "$TMP"),
            "```",
            "",
            "| figure | value |",
            "|---|---:|",
            f"| exit status | {reextract['returncode']} |",
            f"| articles read | {reextract['read']} |",
            f"| wall seconds (process start to exit) | {reextract['wall']:.1f} |",
            f"| **articles per second** | **{reextract['aps']:.1f}** |",
            f"| ratio to the ceiling (target >= 1.6) | **{reextract['aps'] / top['trafilatura_pps']:.2f}** |",
            f"| CPU seconds (parent + workers) | {reextract['cpu']:.1f} |",
            f"| peak RSS, largest process / process tree | {reextract['maxrss_mb']:.0f} MB / "
            f"{reextract['tree_peak_mb']:.0f} MB |",
            "",
            "Its output:",
            "",
            "```",
            *[l for l in reextract["output"].splitlines() if l.strip()][-8:],
            "```",
            "",
        ]
    if sched:
        lines += [
            f"## Scheduler: {len(sched)} runs of `{args.scheduler_site}` in one scheduler process",
            "",
            "`crawler.schedule.runner.Runner.run_site` (a crawl child per run, each into a fresh "
            "database, so each is a full backfill of the site).",
            "",
            "| run | status | articles new | wall s | scheduler RSS MB | scheduler peak (VmHWM) MB | "
            "crawls' peak RSS so far MB (ru_maxrss of the children) |",
            "|---:|---|---:|---:|---:|---:|---:|",
            *[f"| {s['run']} | {s['status']} | {s['articles_new']} | {s['wall']} | "
              f"{s['scheduler_rss_mb']} | {s['scheduler_maxrss_mb']} | "
              f"{s['crawls_maxrss_mb_so_far']} |" for s in sched],
            "",
        ]
    lines += [f"Working folder: {work if args.keep else '(temporary, removed)'}", ""]
    write_report(lines, args.out, work, args.keep)
    return 0 if crawl["returncode"] == 0 else 1


def write_report(lines: list[str], out: Path, work: Path, keep: bool) -> None:
    """Print the report, write it to `out`, and remove the working folder unless kept."""
    text = "\n".join(lines)
    print(text)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    if not keep:
        import shutil
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
