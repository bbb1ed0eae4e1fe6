"""The archive at scale (issue 21): bytes per article by table, the store step from 1,000 to
100,000 articles, crawl CPU per article page beside trafilatura's, reextract rate, memory.

    python -m bench.archive [--articles 100000] [--crawl-articles-per-site 250]
                            [--no-crawl] [--variant NAME] [--out FILE] [--keep DIR]

1. **Archive**: a fresh database filled with `--articles` articles of
   `ReplayWeb(articles_per_site=...)` (site by site in turn, as a backfill stores them), each
   page rendered by the replay, read by the crawl's own page path
   (`spider_for_url(url).read_page(html, url)`: rules, fallbacks, topics; in a pool of worker
   processes) and stored by `NewsDB.store_article` in this process, one call and one committed
   transaction per article, as the crawl's pipeline does: raw page (zstd with the site's
   dictionary), row, search index, signatures. The store step (CPU of this thread and wall
   time of the call) is averaged over the 1,000 articles stored after 1,000, 10,000, ... were
   there. At the end: file size and `dbstat` bytes per article by table and index, raw page
   bytes against the pages' own size, the peak memory (VmHWM) of this process.
2. **Crawl** (skipped with --no-crawl): what bench/crawl.py measures, on a smaller replay
   (`--crawl-articles-per-site`): trafilatura.extract over every article page in this process
   (the one-core ceiling), then one real crawl (`newscrawl crawl --backfill`, a child process,
   start-up included) against a ReplayServer: CPU seconds per article page beside
   trafilatura's CPU per page, process-tree PSS; then `newscrawl reextract` on the crawled
   database: articles per second against the ceiling.

Pages are the replay's (markup we wrote): say so next to any figure taken from here.
"""
from __future__ import annotations

import argparse
import multiprocessing
import os
import re
import shlex
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

from bench.crawl import (FAST, _hwm_mb, article_pages, ceiling, load, machine, query, run_measured,
                         write_report)

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = REPO_ROOT / "bench" / "results" / "archive.md"
WINDOW = 1000   # store step averaged over this many articles after each checkpoint

_WEB = None


def this_command() -> str:
    prefix = f"PYTHONPATH={os.environ['PYTHONPATH']} " if os.environ.get("PYTHONPATH") else ""
    return prefix + shlex.join([sys.executable, "-m", "bench.archive", *sys.argv[1:]])


def _read(a):
    """In a worker: the page as the replay serves it, read by the crawl's page path."""
    from crawler.sites import spider_for_url
    from crawler.store import now_iso

    parts = urlsplit(a.url)
    response = _WEB.respond("GET", parts.netloc, parts.path + (f"?{parts.query}"
                                                               if parts.query else ""))
    if response.status != 200:
        return None, len(response.body)
    page = spider_for_url(a.url).read_page(response.body, a.url, "text/html; charset=utf-8",
                                           fetched_at=now_iso())
    article = page.article
    if article is None:
        return None, len(response.body)
    article.html = response.body
    return article, len(response.body)


def _read_ahead(pool, order, slice_size: int = 2000):
    """The workers' answers in order, at most two slices of pages held at once (the next slice
    is read while this one is stored): memory stays flat whatever the size."""
    slices = [order[i:i + slice_size] for i in range(0, len(order), slice_size)]
    pending = pool.map_async(_read, slices[0], chunksize=16) if slices else None
    for i in range(len(slices)):
        answers = pending.get()
        pending = (pool.map_async(_read, slices[i + 1], chunksize=16)
                   if i + 1 < len(slices) else None)
        yield from answers
        del answers


def checkpoints(n: int) -> list[int]:
    """1,000, 10,000, then every 20,000, and the last WINDOW before n: wherever a time-limited
    fill stops, its last measurement is near its size."""
    points = [p for p in (1000, 10_000, *range(20_000, n, 20_000)) if p + WINDOW <= n]
    return points + ([n - WINDOW] if n - WINDOW > (points[-1] if points else 0) else [])


def fill(path: Path, n: int, log, minutes: float = 0) -> dict:
    global _WEB
    from bench.store import crawl_order
    from crawler.store import NewsDB
    from replay.corpus import SITES
    from replay.web import ReplayWeb

    per_site = -(-n // len(SITES)) + 50
    _WEB = ReplayWeb(articles_per_site=per_site, cache_size=4)
    order = crawl_order(_WEB)
    points = checkpoints(n)
    timings: dict[int, dict] = {}
    outcomes: dict[str, int] = {}
    page_bytes = not_read = 0
    start = time.perf_counter()
    cpu_start = time.process_time()
    with NewsDB(path) as db, multiprocessing.get_context("fork").Pool(
            max(1, (os.cpu_count() or 2))) as pool:
        stored = 0
        window = None
        for article, size in _read_ahead(pool, order):
            if stored >= n or (minutes and window is None
                               and time.perf_counter() - start > 60 * minutes):
                break
            if article is None:
                not_read += 1
                continue
            page_bytes += size
            if stored in points and stored not in timings:
                size = sum(Path(f"{path}{x}").stat().st_size for x in ("", "-wal")
                           if Path(f"{path}{x}").exists())
                window = timings[stored] = {"cpu": [], "wall": [], "file": size}
            c, t = time.thread_time(), time.perf_counter()
            outcome = db.store_article(article)
            if window is not None:
                window["wall"].append(1000 * (time.perf_counter() - t))
                window["cpu"].append(1000 * (time.thread_time() - c))
                if len(window["cpu"]) >= WINDOW:
                    window = None
            outcomes[outcome] = outcomes.get(outcome, 0) + 1
            if outcome in ("new", "updated"):
                stored += 1
            if stored % 5000 == 0 and outcome == "new":
                log(f"  {stored:,} stored in {time.perf_counter() - start:.0f} s "
                    f"(load {load()})")
        pool.terminate()
    return {"seconds": time.perf_counter() - start, "cpu": time.process_time() - cpu_start,
            "timings": timings, "outcomes": outcomes, "page_bytes": page_bytes,
            "not_read": not_read, "hwm_mb": _hwm_mb()}


def sizes(path: Path) -> dict:
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        by_table = dict(conn.execute("SELECT name, sum(pgsize) FROM dbstat GROUP BY name"))
        articles = conn.execute("SELECT count(*) FROM articles").fetchone()[0]
        try:
            raw = conn.execute("SELECT count(*), sum(length(html_zstd)), count(dictionary) "
                               "FROM raw_pages").fetchone()
            dictionaries = conn.execute("SELECT site, version, pages, size, ratio "
                                        "FROM raw_page_dictionaries ORDER BY id").fetchall()
        except sqlite3.OperationalError:     # a version before zstd pages (a "before" run)
            raw = conn.execute("SELECT count(*), sum(length(html_zlib)), 0 "
                               "FROM raw_pages").fetchone()
            dictionaries = []
        free = conn.execute("PRAGMA freelist_count").fetchone()[0] * \
            conn.execute("PRAGMA page_size").fetchone()[0]
    conn.close()
    return {"file": path.stat().st_size, "articles": articles, "by_table": by_table,
            "raw_pages": raw[0], "raw_bytes": raw[1] or 0, "with_dictionary": raw[2],
            "dictionaries": dictionaries, "free": free}


# Which table each b-tree belongs to, for the summary by kind.
KINDS = [("raw page", ("raw_pages", "sqlite_autoindex_raw_pages", "raw_page_dictionaries",
                       "sqlite_autoindex_raw_page_dictionaries", "idx_raw_page_dictionaries")),
         ("article row and its indexes", ("articles", "idx_articles", "article_versions",
                                          "idx_article_versions")),
         ("full-text index", ("articles_fts",)),
         ("near-duplicate signatures", ("minhashes", "minhash_bands", "idx_minhash"))]


def kind_of(name: str) -> str:
    for kind, prefixes in KINDS:
        if any(name == p or name.startswith(p) for p in prefixes):
            return kind
    return "other"


def crawl_part(per_site: int, work: Path, log, variant: str | None = None) -> dict:
    from replay.server import ReplayServer
    from replay.web import ALL_SITES, ReplayWeb

    web = ReplayWeb(articles_per_site=per_site, variant=variant)
    # every site the crawl crawls (the replay's declared sites included)
    pages = article_pages(web, sites=ALL_SITES)
    top = ceiling(pages, clock=time.process_time)     # CPU, not wall: other work slows the clock
    top["cpu_per_page_ms"] = 1000 * top["trafilatura_s"] / top["pages"]
    log(f"ceiling: trafilatura {top['cpu_per_page_ms']:.2f} ms CPU per page over "
        f"{top['pages']} pages; read_page {1000 * top['read_page_s'] / top['pages']:.2f} ms")
    del pages
    db = work / "crawl.db"
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    command = [sys.executable, "-m", "crawler.cli", "crawl", "--db", str(db), "--backfill",
               "--since", "2000-01-01", *FAST]
    with ReplayServer(web=web) as server:     # the web the ceiling read: one corpus, built once
        crawl = run_measured(command, {**env, **server.env()}, work / "crawl.log")
    runs = query(db, "select * from crawl_runs order by id")
    crawl["new"] = sum(r["articles_new"] or 0 for r in runs)
    # article pages the crawl read: stored, and copies recorded as duplicates
    crawl["pages"] = crawl["new"] + sum(r["articles_duplicate"] or 0 for r in runs)
    crawl["stored"] = query(db, "select count(*) n from articles")[0]["n"]
    log(f"crawl: exit {crawl['returncode']}, {crawl['new']} new, cpu {crawl['cpu']:.1f} s")
    reextract = run_measured([sys.executable, "-m", "crawler.cli", "reextract", "--db",
                              str(db), "-q"], env, work / "reextract.log")
    match = re.search(r"read (\d+)", reextract["output"])
    reextract["read"] = int(match.group(1)) if match else 0
    reextract["aps"] = reextract["read"] / reextract["wall"]
    log(f"reextract: {reextract['read']} in {reextract['wall']:.1f} s")
    return {"ceiling": top, "crawl": crawl, "reextract": reextract, "command": command}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.archive", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--crawl-articles-per-site", type=int, default=250)
    parser.add_argument("--no-crawl", action="store_true")
    parser.add_argument("--variant", default=None,
                        help="crawl a layout variant of the replay (replay/variants.py, e.g. "
                             "'redesign': markup written by someone who had not read the rules)")
    parser.add_argument("--minutes", type=float, default=0,
                        help="stop filling after this long (default: no limit); the report "
                             "says the size reached")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--keep", type=Path, default=None)
    args = parser.parse_args(argv)
    log = lambda m: print(m, file=sys.stderr, flush=True)   # noqa: E731
    work = args.keep or Path(tempfile.mkdtemp(prefix="bench-archive-"))
    work.mkdir(parents=True, exist_ok=True)
    path = work / "archive.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    lines = ["# The archive at scale (issue 21)", ""] + machine() + [
        f"- command: `{this_command()}`",
        "- pages: the replay's (markup we wrote ourselves), not the real sites'"
        + (f"; the crawl's in layout variant {args.variant!r} (replay/variants.py, written by "
           "someone who had not read the site rules)" if args.variant else ""), ""]

    crawl = None if args.no_crawl else crawl_part(args.crawl_articles_per_site, work, log,
                                                 args.variant)
    if not args.articles:       # the crawl part only
        lines += crawl_lines(crawl, args, work)
        write_report(lines, args.out, work, args.keep)
        return 0
    log(f"archive: {args.articles:,} articles through the store path")
    filled = fill(path, args.articles, log, args.minutes)
    size = sizes(path)
    n = size["articles"]

    if n < args.articles:
        lines += [f"**Stopped at {n:,} of {args.articles:,} articles** (`--minutes "
                  f"{args.minutes:g}` reached on this shared machine); every figure below is "
                  f"at {n:,}.", ""]
    lines += ["## Disk: bytes per article", "",
              f"{n:,} articles, each stored by `NewsDB.store_article` from its replay page read "
              f"by the crawl's page path ({filled['seconds']:.0f} s wall, outcomes "
              f"{filled['outcomes']}, pages not read as articles {filled['not_read']}).", "",
              f"File: **{size['file'] / n / 1024:.2f} KB per article** "
              f"({size['file'] / 2**20:.0f} MB after a WAL checkpoint; free pages "
              f"{size['free'] / n / 1024:.2f} KB per article).", ""]
    kinds: dict[str, int] = {}
    for name, b in size["by_table"].items():
        kinds[kind_of(name)] = kinds.get(kind_of(name), 0) + b
    lines += ["| part | KB per article |", "|---|---:|"]
    for kind, b in sorted(kinds.items(), key=lambda kv: -kv[1]):
        lines.append(f"| {kind} | {b / n / 1024:.2f} |")
    lines += ["", "By table and index (dbstat):", "", "| table / index | KB per article |",
              "|---|---:|"]
    for name, b in sorted(size["by_table"].items(), key=lambda kv: -kv[1]):
        if b / n >= 10:
            lines.append(f"| {name} | {b / n / 1024:.3f} |")
    lines += ["", f"Raw pages: {size['raw_pages']:,}, {size['with_dictionary']:,} with their "
              f"site's dictionary; the pages' own size {filled['page_bytes'] / n / 1024:.1f} KB "
              f"per article, stored **{size['raw_bytes'] / size['raw_pages'] / 1024:.2f} KB** "
              f"(zstd blobs only, before b-tree overhead).", "",
              "| dictionary (site, version) | trained on pages | size | ratio on unseen pages |",
              "|---|---:|---:|---:|"]
    for site, version, pages, dsize, ratio in size["dictionaries"]:
        lines.append(f"| {site} v{version} | {pages} | {dsize / 1024:.0f} KB | {ratio:.3f} |")

    lines += ["", "## Store step per article", "",
              f"`NewsDB.store_article`, one call and one committed transaction per article (as "
              f"the crawl's pipeline), averaged over the {WINDOW:,} articles stored after the "
              "given number; CPU of the storing thread, and wall time.", "",
              "| stored before | CPU ms mean | CPU ms median | vs first | wall ms mean | "
              "wall ms p95 | file + WAL then, KB per article |",
              "|---:|---:|---:|---:|---:|---:|---:|"]
    first = None
    for point, t in sorted(filled["timings"].items()):
        if not t["cpu"]:
            continue
        mean = statistics.mean(t["cpu"])
        first = first or mean
        wall = sorted(t["wall"])
        lines.append(f"| {point:,} | **{mean:.2f}** | {statistics.median(t['cpu']):.2f} | "
                     f"{mean / first:.2f}x | {statistics.mean(wall):.2f} | "
                     f"{wall[int(0.95 * len(wall))]:.2f} | "
                     f"{t['file'] / max(1, point) / 1024:.1f} |")
    lines += ["", f"Peak memory of the storing process (VmHWM; it also holds the replay's corpus "
              f"and up to two slices of 2,000 read pages): {filled['hwm_mb']:.0f} MB.", ""]

    lines += crawl_lines(crawl, args, work)
    write_report(lines, args.out, work, args.keep)
    return 0


def crawl_lines(crawl: dict | None, args, work: Path) -> list[str]:
    lines: list[str] = []
    if crawl:
        top, c, r = crawl["ceiling"], crawl["crawl"], crawl["reextract"]
        per_page = 1000 * c["cpu"] / max(1, c["pages"])
        lines += ["## Crawl CPU per article page, beside trafilatura's", "",
                  f"`ReplayWeb(articles_per_site={args.crawl_articles_per_site}"
                  + (f", variant={args.variant!r}" if args.variant else "") + ")`: "
                  f"{top['pages']} article pages ({top['size_median'] / 1024:.0f} KB median).",
                  "", f"Crawl: `{shlex.join(crawl['command']).replace(str(work), '$TMP')}` "
                  "against a ReplayServer on 127.0.0.1 (in the bench process).", "",
                  "| figure | value |", "|---|---:|",
                  f"| trafilatura.extract CPU per page (this process) | "
                  f"{top['cpu_per_page_ms']:.2f} ms |",
                  f"| read_page (the crawl's page path) CPU per page | "
                  f"{1000 * top['read_page_s'] / top['pages']:.2f} ms |",
                  f"| crawl: exit status, articles stored, article pages read (stored + copies) | "
                  f"{c['returncode']}, {c['new']}, {c['pages']} |",
                  f"| crawl CPU (user + sys, whole process tree, start-up included) | "
                  f"{c['cpu']:.1f} s |",
                  f"| **crawl CPU per article page** | **{per_page:.2f} ms** |",
                  f"| **ratio to trafilatura's CPU per page (target <= 0.7)** | "
                  f"**{per_page / top['cpu_per_page_ms']:.2f}** |",
                  f"| crawl wall | {c['wall']:.1f} s |",
                  f"| crawl process tree PSS, peak | {c['tree_pss_mb']:.0f} MB |",
                  f"| reextract: articles read, wall | {r['read']}, {r['wall']:.1f} s |",
                  f"| **reextract articles per second** | **{r['aps']:.1f}** |",
                  f"| **ratio to the one-core trafilatura ceiling, 1000 / its CPU ms per page "
                  f"(target >= 8)** | "
                  f"**{r['aps'] / top['trafilatura_pps']:.2f}** |",
                  f"| reextract CPU per article (parent + workers) | "
                  f"{1000 * r['cpu'] / max(1, r['read']):.2f} ms |",
                  f"| reextract on 2 cores by CPU: 2 x trafilatura's CPU per page / its CPU per "
                  f"article (the rate an unloaded 2-core machine would reach, against the "
                  f"ceiling) | {2 * top['cpu_per_page_ms'] / (1000 * r['cpu'] / max(1, r['read'])):.2f} |",
                  f"| reextract process tree PSS, peak | {r['tree_pss_mb']:.0f} MB |",
                  f"| load average after | {r['load_after']} |", ""]
    return lines


if __name__ == "__main__":
    sys.exit(main())
