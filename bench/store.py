"""The store step at 1,000 and 100,000 stored articles, and the database size per 1,000 articles.

    python -m bench.store [--sizes 1000,100000] [--timed 1000] [--batch 100] [--out FILE] [--keep DIR]

For each size N, a fresh database (WAL, as the crawl opens it) is filled with N articles of
`ReplayWeb(articles_per_site=...)`, each with its raw page as the replay serves it (60-90 KB,
zlib-compressed in `raw_pages`, as a crawl keeps it). The fill is a bulk write with the same
rows, signatures, band keys and compressed pages `store_article` writes (signatures and
compression computed in a process pool; the first 2,000 pages rendered and compressed, reused
in turn beyond), without the duplicate check; then:

1. **store step, as the crawl does it**: the next `--timed` articles (with their raw pages), one
   `NewsDB.store_article` call each, each its own committed transaction (what
   `StoreArticlePipeline` does): ms per article (mean, median, p95, first and last 100).
2. **batched**: the `--timed` articles after those, `--batch` per transaction (the nested
   `NewsDB.transaction()`), for comparison.
3. **size**: file size after a WAL checkpoint, per 1,000 articles, and by table (sqlite's
   `dbstat` when available).

Target: the store step within 1.5x from 1,000 to 100,000 stored articles.
"""
from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import platform
import shlex
import sqlite3
import statistics
import sys
import tempfile
import time
import zlib
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

REPO_ROOT = Path(__file__).resolve().parent.parent
DISTINCT_PAGES = 2000   # bulk fill: pages rendered and compressed; beyond, reused in turn
DEFAULT_OUT = REPO_ROOT / "bench" / "results" / "store.md"


def machine() -> list[str]:
    return [
        f"- machine: {platform.platform()}, {os.cpu_count()} CPUs ({platform.machine()}"
        f"{', ' + platform.processor() if platform.processor() else ''})",
        f"- python {platform.python_version()} ({sys.executable}), sqlite {sqlite3.sqlite_version}",
        f"- run at {datetime.now().astimezone().isoformat(timespec='seconds')}, "
        f"load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}",
    ]


def this_command() -> str:
    prefix = f"PYTHONPATH={os.environ['PYTHONPATH']} " if os.environ.get("PYTHONPATH") else ""
    return prefix + shlex.join([sys.executable, "-m", "bench.store", *sys.argv[1:]])


def pct(values, q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


# --- articles with their pages -------------------------------------------------------------

_WEB = None


def _page(article) -> bytes:
    parts = urlsplit(article.url)
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    return _WEB.respond("GET", parts.netloc, target).body


def as_article(a, html: bytes | None):
    from crawler.items import Article
    from crawler.store import now_iso
    return Article(url=a.url, site=a.site, article_id=a.article_id, title=a.title,
                   body=a.body_text, sapo=a.sapo, author=a.author, published_at=a.published_at,
                   section=a.section, tags=list(a.tags), image_url=a.image_url,
                   fetched_at=now_iso(), html=html)


def _prepared(a) -> tuple:
    """One row of the bulk fill, computed in a worker: what store_article would write."""
    from crawler import dedup
    article = as_article(a, None)
    sig = dedup.signature(article.body or "")
    return (article.url, {
        "site": article.site, "article_id": article.article_id, "title": article.title,
        "sapo": article.sapo, "body": article.body, "author": article.author,
        "published_at": article.published_at, "section": article.section,
        "tags": json.dumps(list(article.tags or []), ensure_ascii=False),
        "image_url": article.image_url, "fetched_at": article.fetched_at,
        "content_hash": article.content_hash, "slug_key": dedup.slug_key(article.url)},
        None if sig is None else dedup.to_blob(sig),
        [] if sig is None else dedup.band_keys(sig))


def _compressed_page(a) -> bytes:
    return zlib.compress(_page(a), 6)


def bulk_fill(db, articles, log) -> float:
    from crawler.store import _CONTENT_FIELDS
    cols = ("url", *_CONTENT_FIELDS, "first_seen_at")
    conn = db.db.conn
    start = time.perf_counter()
    with multiprocessing.get_context("fork").Pool(os.cpu_count()) as pool:
        pages = pool.map(_compressed_page, articles[:DISTINCT_PAGES], chunksize=16)
        conn.execute("BEGIN IMMEDIATE")
        for i, (url, row, blob, keys) in enumerate(
                pool.imap(_prepared, articles, chunksize=64)):
            page = pages[i % len(pages)]
            cur = conn.execute(
                f"INSERT INTO articles ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
                [url, *(row.get(c) for c in _CONTENT_FIELDS), row["fetched_at"]])
            if blob is not None:
                conn.execute("INSERT INTO minhashes (article, signature) VALUES (?, ?)",
                             [cur.lastrowid, blob])
                conn.executemany("INSERT INTO minhash_bands (band_key, article) VALUES (?, ?)",
                                 [(k, cur.lastrowid) for k in keys])
            conn.execute("INSERT INTO raw_pages (url, fetched_at, content_type, html_zlib) "
                         "VALUES (?, ?, ?, ?)", [url, row["fetched_at"], "text/html", page])
            if (i + 1) % 10000 == 0:
                conn.execute("COMMIT")
                log(f"  bulk: {i + 1}/{len(articles)} in {time.perf_counter() - start:.0f} s")
                conn.execute("BEGIN IMMEDIATE")
        conn.execute("COMMIT")
    return time.perf_counter() - start


# --- one size --------------------------------------------------------------------------------

def crawl_order(web) -> list:
    """Site by site in turn, newest first (how a backfill of the four sites stores them)."""
    from replay.corpus import SITES
    queues = [web.articles(s) for s in SITES]
    out = []
    for i in range(max(len(q) for q in queues)):
        out += [q[i] for q in queues if i < len(q)]
    return out


def db_size(path: Path) -> dict:
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        by_table: dict[str, int] = {}
        try:
            for name, size in conn.execute("SELECT name, sum(pgsize) FROM dbstat GROUP BY name"):
                by_table[name] = size
        except sqlite3.Error:
            pass
        n = conn.execute("SELECT count(*) FROM articles").fetchone()[0]
        raw = conn.execute("SELECT sum(length(html_zlib)) FROM raw_pages").fetchone()[0] or 0
        html = conn.execute("SELECT count(*) FROM raw_pages").fetchone()[0]
    return {"bytes": path.stat().st_size, "articles": n, "raw_pages": html,
            "raw_zlib_bytes": raw, "by_table": by_table}


def bench_size(n: int, timed: int, batch: int, work: Path, log) -> dict:
    global _WEB
    from crawler.store import NewsDB
    from replay.web import ReplayWeb

    per_site = -(-(n + 2 * timed) // 4)
    _WEB = ReplayWeb(articles_per_site=per_site, cache_size=4)
    ordered = crawl_order(_WEB)
    path = work / f"store-{n}.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    with NewsDB(path) as db:
        log(f"size {n}: bulk-filling {n} articles with their pages")
        bulk_s = bulk_fill(db, ordered[:n], log)
        stored = db.db.execute("SELECT count(*) FROM articles").fetchone()[0]
        rest = ordered[n:n + 2 * timed]
        pages = [_page(a) for a in rest]
        single, single_cpu, outcomes = [], [], {}
        for a, page in zip(rest[:timed], pages[:timed]):
            article = as_article(a, page)
            c, t = time.thread_time(), time.perf_counter()
            outcome = db.store_article(article)
            single.append(1000 * (time.perf_counter() - t))
            single_cpu.append(1000 * (time.thread_time() - c))
            outcomes[outcome] = outcomes.get(outcome, 0) + 1
        c, t = time.thread_time(), time.perf_counter()
        for i in range(timed, len(rest), batch):
            with db.transaction():
                for a, page in zip(rest[i:i + batch], pages[i:i + batch]):
                    db.store_article(as_article(a, page))
        batched = 1000 * (time.perf_counter() - t) / max(1, len(rest) - timed)
        batched_cpu = 1000 * (time.thread_time() - c) / max(1, len(rest) - timed)
        journal = db.db.execute("PRAGMA journal_mode").fetchone()[0]
        sync = db.db.execute("PRAGMA synchronous").fetchone()[0]
    size = db_size(path)
    log(f"size {n}: store_article {statistics.mean(single):.2f} ms mean, "
        f"batched {batched:.2f} ms; {size['bytes'] / size['articles'] * 1000 / 2**20:.1f} MB "
        "per 1,000 articles")
    return {"n": n, "stored_before": stored, "bulk_s": bulk_s, "single": single,
            "single_cpu": single_cpu, "batched_cpu": batched_cpu,
            "outcomes": outcomes, "batched": batched, "batch": batch, "size": size,
            "journal": journal, "synchronous": sync, "path": path}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.store", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1000,100000")
    parser.add_argument("--timed", type=int, default=1000)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--keep", type=Path, default=None)
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    log = lambda m: print(m, file=sys.stderr, flush=True)

    lines = ["# Store step and database size", ""] + machine() + [
        f"- command: `{this_command()}`", ""]
    work = args.keep or Path(tempfile.mkdtemp(prefix="bench-store-"))
    work.mkdir(parents=True, exist_ok=True)
    results = [bench_size(n, args.timed, args.batch, work, log) for n in sizes]

    base = statistics.mean(results[0]["single"])
    base_cpu = statistics.mean(results[0]["single_cpu"])
    lines += [
        "Each database: WAL (`journal_mode` "
        f"{results[0]['journal']}, `synchronous` {results[0]['synchronous']} = NORMAL), the "
        "indexes `NewsDB` creates, the FTS triggers; bulk-filled to N articles with raw pages, "
        f"then {args.timed} more articles stored one `store_article` call each (own "
        "transaction, as the crawl's pipeline), then as many more in transactions of "
        f"{args.batch}.",
        "",
        "## Store step (ms per article, raw page included)",
        "",
        "Wall time is what the crawl waits; CPU time (this thread) is what it costs, and is "
        "less disturbed by other load on the machine.",
        "",
        "| stored before | wall mean | wall median | wall p95 | first 100 mean | last 100 mean | "
        f"vs {results[0]['n']:,} | **CPU mean** | CPU median | CPU vs {results[0]['n']:,} | "
        f"batched ({args.batch}/transaction) wall / CPU mean | outcomes | bulk fill s |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|",
    ]
    for r in results:
        s = r["single"]
        lines.append(
            f"| {r['stored_before']:,} | **{statistics.mean(s):.2f}** | "
            f"{statistics.median(s):.2f} | {pct(s, 0.95):.2f} | {statistics.mean(s[:100]):.2f} | "
            f"{statistics.mean(s[-100:]):.2f} | {statistics.mean(s) / base:.2f}x | "
            f"**{statistics.mean(r['single_cpu']):.2f}** | "
            f"{statistics.median(r['single_cpu']):.2f} | "
            f"{statistics.mean(r['single_cpu']) / base_cpu:.2f}x | "
            f"{r['batched']:.2f} / {r['batched_cpu']:.2f} | {r['outcomes']} | "
            f"{r['bulk_s']:.0f} |")
    lines += ["", "## Database size", "",
              "| articles | file MB | MB per 1,000 articles | raw pages zlib MB per 1,000 |",
              "|---:|---:|---:|---:|"]
    for r in results:
        z = r["size"]
        lines.append(f"| {z['articles']:,} | {z['bytes'] / 2**20:.1f} | "
                     f"**{z['bytes'] / z['articles'] * 1000 / 2**20:.1f}** | "
                     f"{z['raw_zlib_bytes'] / z['raw_pages'] * 1000 / 2**20:.1f} |")
    last = results[-1]["size"]
    if last["by_table"]:
        lines += ["", f"By table and index at {last['articles']:,} articles (dbstat), MB per "
                  "1,000 articles:", "", "| table / index | MB per 1,000 |", "|---|---:|"]
        for name, size in sorted(last["by_table"].items(), key=lambda kv: -kv[1])[:14]:
            lines.append(f"| {name} | {size / last['articles'] * 1000 / 2**20:.2f} |")
    ratio = statistics.mean(results[-1]["single"]) / base
    ratio_cpu = statistics.mean(results[-1]["single_cpu"]) / base_cpu
    lines += ["", f"Store step at {results[-1]['n']:,} vs {results[0]['n']:,}: **{ratio:.2f}x** "
              f"wall, **{ratio_cpu:.2f}x** CPU (target within 1.5x).", ""]
    report = "\n".join(lines)
    print(report)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(report)
    if not args.keep:
        import shutil
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
