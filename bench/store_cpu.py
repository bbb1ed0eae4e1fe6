"""CPU per article page of the store side of a crawl, by part: signature, raw page zstd, store_article.

    python -m bench.store_cpu [--articles-per-site 150] [--repeat 3] [--before DIR] [--rounds 2]

The article pages the replay serves on every site, the crawl's (`bench.crawl.article_pages`: markup
we wrote ourselves), are
read once with the crawl's page path (untimed), then, by time.process_time (this process's CPU):

* ``signature``: `crawler.dedup.signature` of every body;
* ``raw pack``: `RawPageWriter.pack` of every raw page, in the crawl's order, by a fresh writer
  (so each site's dictionary is trained once, as in a first crawl), with ``of which _train``;
* ``store_article``: every article through `NewsDB.store_article` into a fresh database file, a
  batch of NEWS_STORE_BATCH_ITEMS per transaction as `StoreArticlePipeline` writes them (the two
  parts above included): the whole store side of a first crawl;
* ``store_article, a later crawl``: the same pages again as other articles of their sites (new
  URLs and site ids), by a new NewsDB on that file: each site's dictionary loaded, none trained;

and the raw pages' bytes as stored (html_zstd) per page. Each figure is the median of --repeat
runs. With --before DIR (a `git archive` of another version) the same runs are made with that
code too, interleaved round by round (each in its own process, run in DIR).
"""
from __future__ import annotations

import argparse
import dataclasses
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

THIS_FILE = Path(__file__).resolve()


def store_in_batches(db, articles, clock) -> float:
    """Store `articles` as the pipeline does (NEWS_STORE_BATCH_ITEMS per transaction); the
    `clock` seconds it took."""
    from crawler.settings import NEWS_STORE_BATCH_ITEMS

    start = clock()
    for i in range(0, len(articles), NEWS_STORE_BATCH_ITEMS):
        with db.transaction():
            for a in articles[i:i + NEWS_STORE_BATCH_ITEMS]:
                db.store_article(a)
    return clock() - start


def measure(per_site: int, repeat: int) -> dict:
    from bench.crawl import article_pages
    from crawler import dedup
    from crawler.sites import spider_for_url
    from crawler.store import rawpages
    from crawler.store.newsdb import NewsDB
    from replay.site_pages import ALL_SITES
    from replay.web import ReplayWeb

    articles = []
    for url, html in article_pages(ReplayWeb(articles_per_site=per_site), ALL_SITES):
        page = spider_for_url(url).read_page(html.encode("utf-8"), url, "text/html")
        if page.article is not None:
            page.article.fetched_at = "2026-12-08T10:00:00+07:00"
            articles.append(page.article)
    n = len(articles)
    later = [dataclasses.replace(a, url=a.url + "?later", article_id=f"{a.article_id}9",
                                 title=f"{a.title} (2)") for a in articles]
    clock = time.process_time
    figures: dict[str, list[float]] = {}

    def add(name: str, seconds: float) -> None:
        figures.setdefault(name, []).append(1000 * seconds / n)

    work = Path(tempfile.mkdtemp(prefix="bench-store-cpu-"))
    trained = [0.0]
    original_train = rawpages.RawPageWriter._train

    def timed_train(self, state):
        start = clock()
        try:
            return original_train(self, state)
        finally:
            trained[0] += clock() - start

    rawpages.RawPageWriter._train = timed_train
    raw_bytes = 0
    for r in range(repeat):
        start = clock()
        for a in articles:
            dedup.signature(a.body or "")
        add("signature", clock() - start)

        db = NewsDB(work / f"pack-{r}.db")
        trained[0] = 0.0
        start = clock()
        for a in articles:
            db.raw.pack(a.site, a.url, a.html)
        add("raw pack", clock() - start)
        add("  of which _train", trained[0])
        db.close()

        db = NewsDB(work / f"store-{r}.db")
        add("store_article (all of it)", store_in_batches(db, articles, clock))
        raw_bytes = db.db.execute("SELECT SUM(LENGTH(html_zstd)) FROM raw_pages").fetchone()[0]
        db.close()

        # a later crawl: the same pages as other articles of their site (new URLs and site ids:
        # no copy of another site's story), stored by a new process whose sites have their
        # dictionary already (loaded once per site, nothing trained)
        db = NewsDB(work / f"store-{r}.db")
        add("store_article, a later crawl (dictionaries trained)",
            store_in_batches(db, later, clock))
        db.close()
    shutil.rmtree(work, ignore_errors=True)
    return {"pages": n, "raw_bytes_per_page": raw_bytes / n,
            "ms": {k: statistics.median(v) for k, v in figures.items()}}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.store_cpu", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles-per-site", type=int, default=150)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--before", type=Path, default=None)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        result = measure(args.articles_per_site, args.repeat)
        print(repr(result))
        return 0
    versions = ([("before", args.before.resolve())] if args.before else []) + \
        [("this", THIS_FILE.parent.parent)]
    results: dict[str, list[dict]] = {}
    for rnd in range(args.rounds):
        for name, root in versions:
            code = (f"import runpy, sys; sys.path.insert(0, {str(root)!r}); "
                    f"sys.argv = ['store_cpu', '--child', '--articles-per-site', "
                    f"'{args.articles_per_site}', '--repeat', '{args.repeat}']; "
                    f"runpy.run_path({str(THIS_FILE)!r}, run_name='__main__')")
            out = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True,
                                 text=True, env={**os.environ, "PYTHONPATH": str(root)})
            if out.returncode:
                print(out.stderr, file=sys.stderr)
                return out.returncode
            result = eval(out.stdout.strip().splitlines()[-1])    # our own repr of a dict
            results.setdefault(name, []).append(result)
            load = " ".join(f"{x:.1f}" for x in os.getloadavg())
            print(f"round {rnd} {name:6} {result['pages']} pages, raw page "
                  f"{result['raw_bytes_per_page'] / 1024:.3f} KB, " + ", ".join(
                      f"{k.strip()} {v:.3f}" for k, v in result["ms"].items())
                  + f" ms CPU per page; load {load}", flush=True)
    print()
    print("| ms CPU per article page (median of rounds) | " + " | ".join(results) + " |")
    print("|---|" + "---:|" * len(results))
    for key in next(iter(results.values()))[0]["ms"]:
        print(f"| {key} | " + " | ".join(
            f"{statistics.median(r['ms'][key] for r in rs):.3f}" for rs in results.values())
            + " |")
    print("| raw page bytes per page (KB) | " + " | ".join(
        f"{statistics.median(r['raw_bytes_per_page'] for r in rs) / 1024:.3f}"
        for rs in results.values()) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
