"""The cost of "seen or new" and of the near-duplicate check, at 1,000 and 100,000 articles.

    python -m bench.dedup [--sizes 1000,100000] [--lookups 2000] [--probes 500]
                          [--store-budget 600] [--out FILE] [--keep DIR]

For each size N, a database in a temporary folder is filled through `NewsDB.store_article` with
the N generated articles of `replay.corpus.build_corpus(articles_per_site=N // 4)` (distinct
bodies, plus the replay's 6 syndicated copies), site by site in turn, newest first, as a
backfill crawl stores them (no raw page: `html=None`). Each store is timed. When the whole fill
would take more than 1.5 x `--store-budget` seconds (projected after 5,000 stores), the rest is
written straight into the tables in one transaction with the same `dedup.signature` /
`dedup.band_keys` and the same columns (the report says so: those articles skipped the
duplicate check).

Then, on that database:

1. **seen**: `NewsDB.seen(site, url, article_id)` for `--lookups` lookups, half stored articles,
   half articles of another corpus (`build_corpus(seed=2)`) that are not stored (same site, URL
   and id all unknown: the slowest path, 4 indexed queries). Microseconds per lookup.
2. **near-duplicate check**: for `--probes` new bodies (seed 2, not stored: URL, site id, slug
   and body all unknown), `dedup.signature(body)` and then `NewsDB._same_story(article, slug_key,
   sig)` (the LSH band-key lookup and the similarity check of the candidates), timed apart.
   Milliseconds per check; it must not grow with N. The number of LSH candidates per probe is
   reported beside it.
3. **false positives**: the `duplicates` rows the fill recorded. The generated articles are all
   distinct; only the 6 syndicated copies (`copy_of`) are true copies. Every other row is a false
   positive. For the probes, the similarity of their best LSH candidate and (brute force over
   every stored signature) of their most similar stored article: max, p99, median, against the
   threshold `crawler.dedup.NEAR_DUPLICATE_THRESHOLD`.
"""
from __future__ import annotations

import argparse
import os
import platform
import random
import shlex
import sqlite3
import statistics
import sys
import tempfile
import time
from collections import Counter
from datetime import datetime
from pathlib import Path

import numpy as np

from crawler import dedup
from crawler.items import Article
from crawler.store import _CONTENT_FIELDS, NewsDB, now_iso
from replay.corpus import SITES, build_corpus

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = REPO_ROOT / "bench" / "results" / "dedup.md"


def machine() -> list[str]:
    import datasketch
    return [
        f"- machine: {platform.platform()}, {os.cpu_count()} CPUs ({platform.machine()}"
        f"{', ' + platform.processor() if platform.processor() else ''})",
        f"- python {platform.python_version()} ({sys.executable}), sqlite {sqlite3.sqlite_version}, "
        f"datasketch {datasketch.__version__}, numpy {np.__version__}",
        f"- run at {datetime.now().astimezone().isoformat(timespec='seconds')}, load average "
        f"{' '.join(f'{x:.2f}' for x in os.getloadavg())} at the start",
    ]


def this_command() -> str:
    prefix = f"PYTHONPATH={os.environ['PYTHONPATH']} " if os.environ.get("PYTHONPATH") else ""
    return prefix + " ".join(shlex.quote(a) for a in
                             [sys.executable, "-m", "bench.dedup", *sys.argv[1:]])


def pct(values, q: float) -> float:
    """The q-th percentile (0-100), nearest rank."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, int(round(q / 100 * len(ordered) + 0.5)) - 1))
    return ordered[k]


def as_article(a) -> Article:
    return Article(url=a.url, site=a.site, article_id=a.article_id, title=a.title,
                   body=a.body_text, sapo=a.sapo, author=a.author, published_at=a.published_at,
                   section=a.section, tags=list(a.tags), image_url=a.image_url)


def crawl_order(corpus) -> list:
    """Site by site in turn, newest first: the order a backfill of the four sites stores them."""
    queues = [list(corpus[s]) for s in SITES]
    out = []
    for i in range(max(len(q) for q in queues)):
        out += [q[i] for q in queues if i < len(q)]
    return out


def bulk_fill(db: NewsDB, articles: list[Article]) -> None:
    """Write articles straight into the tables (same columns, same signature and band keys as
    store_article), in one transaction, without the duplicate check."""
    cols = ("url", *_CONTENT_FIELDS, "first_seen_at")
    conn = db.db.conn
    conn.execute("BEGIN IMMEDIATE")
    try:
        for article in articles:
            import json
            fetched_at = now_iso()
            row = {"site": article.site, "article_id": article.article_id,
                   "title": article.title, "sapo": article.sapo, "body": article.body,
                   "author": article.author, "published_at": article.published_at,
                   "section": article.section,
                   "tags": json.dumps(list(article.tags or []), ensure_ascii=False),
                   "image_url": article.image_url, "fetched_at": fetched_at,
                   "content_hash": article.content_hash,
                   "slug_key": dedup.slug_key(article.url)}
            cur = conn.execute(
                f"INSERT INTO articles ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
                [article.url, *(row.get(c) for c in _CONTENT_FIELDS), fetched_at])
            sig = dedup.signature(article.body or "")
            if sig is not None:
                conn.execute("INSERT INTO minhashes (article, signature) VALUES (?, ?)",
                             [cur.lastrowid, dedup.to_blob(sig)])
                conn.executemany("INSERT INTO minhash_bands (band_key, article) VALUES (?, ?)",
                                 [(k, cur.lastrowid) for k in dedup.band_keys(sig)])
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise


def fill(db: NewsDB, corpus, budget: float, log) -> dict:
    arts = crawl_order(corpus)
    articles = [as_article(a) for a in arts]
    times: list[float] = []
    in_check: list[float] = []          # time store_article spent in _same_story, per store
    same_story = db._same_story

    def timed_same_story(*a, **k):
        t = time.perf_counter()
        try:
            return same_story(*a, **k)
        finally:
            in_check[-1] += time.perf_counter() - t

    db._same_story = timed_same_story
    outcomes: Counter = Counter()
    start = time.perf_counter()
    bulk_from = None
    for i, article in enumerate(articles):
        in_check.append(0.0)
        t = time.perf_counter()
        outcomes[db.store_article(article)] += 1
        times.append(time.perf_counter() - t)
        if (i + 1) % 10000 == 0:
            log(f"  stored {i + 1}/{len(articles)} in {time.perf_counter() - start:.0f} s "
                f"(last 1,000: {1000 * statistics.mean(times[-1000:]):.2f} ms/article)")
        if (i + 1) % 1000 == 0 and len(articles) - (i + 1) >= 1000:
            # switch only when a real part is left and the whole fill would take far too long
            elapsed = time.perf_counter() - start
            projected = elapsed / (i + 1) * len(articles)
            if (i + 1 >= 5000 and projected > budget * 1.5) or elapsed > budget * 1.5:
                bulk_from = i + 1
                break
    store_s = time.perf_counter() - start
    del db._same_story
    bulk_s = 0.0
    if bulk_from is not None and bulk_from < len(articles):
        log(f"  store_article too slow (projected {projected:.0f} s): bulk-filling the other "
            f"{len(articles) - bulk_from}")
        t = time.perf_counter()
        bulk_fill(db, articles[bulk_from:])
        bulk_s = time.perf_counter() - t
    else:
        bulk_from = None
    return {"n": len(articles), "times": times, "in_check": in_check, "outcomes": outcomes, "store_s": store_s,
            "bulk_from": bulk_from, "bulk_s": bulk_s, "ordered": arts}


def unknown_articles(db: NewsDB, corpus, stored_bodies: set[str]) -> list:
    """Articles of `corpus` not stored in `db` under any key seen() or _same_story() use, with
    a body not stored either."""
    out = []
    for a in crawl_order(corpus):
        if a.seed or a.copy_of or a.body_text in stored_bodies:
            continue
        slug = dedup.slug_key(a.url)
        if db.db.execute("SELECT 1 FROM articles WHERE url = ?", [a.url]).fetchone() \
                or db.db.execute("SELECT 1 FROM articles WHERE site = ? AND article_id = ?",
                                 [a.site, a.article_id]).fetchone() \
                or (slug and db.db.execute("SELECT 1 FROM articles WHERE slug_key = ?",
                                           [slug]).fetchone()):
            continue
        out.append(a)
    return out


def bench_seen(db: NewsDB, stored, unknown, lookups: int) -> dict:
    rng = random.Random(7)
    half = lookups // 2
    known = rng.sample(stored, min(half, len(stored)))
    new = rng.sample(unknown, min(lookups - half, len(unknown)))
    calls = [(a, True) for a in known] + [(a, False) for a in new]
    rng.shuffle(calls)
    for a, _ in calls[:100]:                                  # warm the page cache
        db.seen(a.site, a.url, a.article_id)
    times = {True: [], False: []}
    wrong = 0
    for a, is_stored in calls:
        t = time.perf_counter()
        seen, _ = db.seen(a.site, a.url, a.article_id)
        times[is_stored].append((time.perf_counter() - t) * 1e6)
        wrong += seen != is_stored
    return {"all": times[True] + times[False], "stored": times[True], "unknown": times[False],
            "wrong": wrong}


CANDIDATES_SQL = ("SELECT DISTINCT m.article, m.signature, a.site FROM minhash_bands b "
                  "JOIN minhashes m ON m.article = b.article JOIN articles a ON a.id = b.article "
                  "WHERE b.band_key IN ({})")


def bench_near_dup(db: NewsDB, probes) -> dict:
    for a in probes[:20]:                                     # warm up
        article = as_article(a)
        db._same_story(article, dedup.slug_key(article.url), dedup.signature(article.body))
    sig_ms, check_ms, candidates, best_candidate, matches = [], [], [], [], 0
    sigs = []
    for a in probes:
        article = as_article(a)
        slug = dedup.slug_key(article.url)
        t = time.perf_counter()
        sig = dedup.signature(article.body)
        t1 = time.perf_counter()
        match = db._same_story(article, slug, sig)
        t2 = time.perf_counter()
        sig_ms.append((t1 - t) * 1000)
        check_ms.append((t2 - t1) * 1000)
        matches += bool(match)
        sigs.append(sig)
        if sig is None:
            continue
        keys = dedup.band_keys(sig)
        rows = db.db.execute(CANDIDATES_SQL.format(", ".join("?" * len(keys))), keys).fetchall()
        candidates.append(len(rows))
        best_candidate.append(max((dedup.similarity(sig, dedup.from_blob(blob))
                                   for _, blob, _ in rows), default=0.0))
    # brute force: the most similar stored article of each probe, over every signature
    matrix = np.stack([dedup.from_blob(b) for (b,) in
                       db.db.execute("SELECT signature FROM minhashes").fetchall()])
    best_any = [float((matrix == s).mean(axis=1).max()) for s in sigs if s is not None]
    return {"sig_ms": sig_ms, "check_ms": check_ms, "candidates": candidates,
            "best_candidate": best_candidate, "best_any": best_any, "matches": matches,
            "no_sig": sum(s is None for s in sigs)}


def classify_duplicates(db: NewsDB, corpus) -> dict:
    """duplicates rows: true positives (a syndicated copy and its original) and the others."""
    pairs = {frozenset((a.url, a.copy_of)) for s in SITES for a in corpus[s] if a.copy_of}
    rows = list(db.db.query("SELECT copy_url, original_url, method, similarity FROM duplicates"))
    tp = [r for r in rows if frozenset((r["copy_url"], r["original_url"])) in pairs]
    fp = [r for r in rows if frozenset((r["copy_url"], r["original_url"])) not in pairs]
    found = {frozenset((r["copy_url"], r["original_url"])) for r in tp}
    return {"rows": rows, "tp": tp, "fp": fp, "copies": len(pairs),
            "missed": len(pairs - found),
            "fp_by_method": Counter(r["method"] for r in fp),
            "tp_by_method": Counter(r["method"] for r in tp)}


def bench_size(n: int, work: Path, args, probe_corpus, log) -> dict:
    log(f"N = {n}: generating build_corpus(articles_per_site={n // 4})")
    t = time.perf_counter()
    corpus = build_corpus(articles_per_site=n // 4)
    gen_s = time.perf_counter() - t
    path = work / f"news-{n}.db"
    if path.exists():
        path.unlink()
    db = NewsDB(path)
    log(f"  generated {sum(len(v) for v in corpus.values())} articles in {gen_s:.1f} s; storing")
    filled = fill(db, corpus, args.store_budget, log)
    stored = db.db.execute("SELECT count(*) FROM articles").fetchone()[0]
    log(f"  {stored} articles stored in {filled['store_s'] + filled['bulk_s']:.0f} s; "
        "finding unknown articles")
    unknown = unknown_articles(db, probe_corpus,
                               {a.body_text for v in corpus.values() for a in v})
    log(f"  {len(unknown)} unknown articles in the seed-2 corpus; timing seen()")
    stored_sample = [a for a in filled["ordered"] if not a.copy_of]
    seen = bench_seen(db, stored_sample, unknown, args.lookups)
    log("  timing the near-duplicate check")
    probes = random.Random(11).sample(unknown, min(args.probes, len(unknown)))
    near = bench_near_dup(db, probes)
    dups = classify_duplicates(db, corpus)
    size_mb = sum(p.stat().st_size for p in work.glob(f"news-{n}.db*")) / 1e6
    band_rows = db.db.execute("SELECT count(*) FROM minhash_bands").fetchone()[0]
    db.close()
    if not args.keep:
        for p in work.glob(f"news-{n}.db*"):
            p.unlink()
    by_id: dict = {}
    for site in SITES:
        for a in corpus[site]:
            by_id.setdefault((site, a.article_id), []).append(a.url)
    id_clashes = {k: v for k, v in by_id.items() if len(v) > 1}
    negative_ids = sum(1 for site in SITES for a in corpus[site] if a.article_id.startswith("-"))
    return {"n": n, "gen_s": gen_s, "stored": stored, "fill": filled, "seen": seen,
            "id_clashes": id_clashes, "negative_ids": negative_ids,
            "near": near, "dups": dups, "unknown": len(unknown), "size_mb": size_mb,
            "band_rows": band_rows}


def report(results, lines, args) -> list[str]:
    out = list(lines)
    out += [f"Threshold: `crawler.dedup.NEAR_DUPLICATE_THRESHOLD` = "
            f"{dedup.NEAR_DUPLICATE_THRESHOLD} (estimated 4-shingle Jaccard, MinHash "
            f"{dedup.NUM_PERM} permutations, LSH {dedup.BANDS} bands x {dedup.ROWS} rows; bodies "
            f"under {dedup.MIN_SHINGLES} shingles are not compared).", ""]
    out += ["## Summary", "",
            "| N stored | seen µs (median / p95) | near-dup check ms (median / p95) | "
            "signature ms (median / p95) | store ms/article (mean; median; last 1,000) | "
            "LSH candidates per probe (median / max) | false positives |",
            "|---:|---:|---:|---:|---:|---:|---:|"]
    for r in results:
        s, nd, f, d = r["seen"], r["near"], r["fill"], r["dups"]
        times = [x * 1000 for x in f["times"]]
        bulk = f" (store_article for the first {len(times)}, bulk fill after)" \
            if f["bulk_from"] else ""
        out.append(
            f"| {r['stored']:,} | {statistics.median(s['all']):.0f} / {pct(s['all'], 95):.0f} | "
            f"{statistics.median(nd['check_ms']):.2f} / {pct(nd['check_ms'], 95):.2f} | "
            f"{statistics.median(nd['sig_ms']):.2f} / {pct(nd['sig_ms'], 95):.2f} | "
            f"{statistics.mean(times):.2f}; {statistics.median(times):.2f}; "
            f"{statistics.mean(times[-1000:]):.2f}{bulk} | "
            f"{statistics.median(nd['candidates']):.0f} / {max(nd['candidates'])} | "
            f"{len(d['fp'])} |")
    out += ["", "## seen(site, url, article_id)", "",
            "| N | lookups | stored: median / p95 µs | unknown: median / p95 µs | "
            "all: median / p95 / max µs | wrong answers |", "|---:|---:|---:|---:|---:|---:|"]
    for r in results:
        s = r["seen"]
        out.append(f"| {r['stored']:,} | {len(s['all'])} | {statistics.median(s['stored']):.0f} / "
                   f"{pct(s['stored'], 95):.0f} | {statistics.median(s['unknown']):.0f} / "
                   f"{pct(s['unknown'], 95):.0f} | {statistics.median(s['all']):.0f} / "
                   f"{pct(s['all'], 95):.0f} / {max(s['all']):.0f} | {s['wrong']} |")
    out += ["", "## Near-duplicate check of a new body", "",
            "`dedup.signature(body)` and `NewsDB._same_story(article, slug_key, sig)` timed "
            "apart, for probe bodies of `build_corpus(seed=2)` not in the database.", "",
            "| N | probes | signature ms median / p95 | _same_story ms median / p95 / max / mean | "
            "candidates median / p95 / max | matched (false) | best candidate sim: max / p99 / "
            "median | most similar stored (brute force): max / p99 / median |",
            "|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in results:
        nd = r["near"]
        out.append(
            f"| {r['stored']:,} | {len(nd['check_ms'])} | {statistics.median(nd['sig_ms']):.2f} / "
            f"{pct(nd['sig_ms'], 95):.2f} | {statistics.median(nd['check_ms']):.2f} / "
            f"{pct(nd['check_ms'], 95):.2f} / {max(nd['check_ms']):.2f} / "
            f"{statistics.mean(nd['check_ms']):.2f} | "
            f"{statistics.median(nd['candidates']):.0f} / {pct(nd['candidates'], 95):.0f} / "
            f"{max(nd['candidates'])} | {nd['matches']} | "
            f"{max(nd['best_candidate']):.3f} / {pct(nd['best_candidate'], 99):.3f} / "
            f"{statistics.median(nd['best_candidate']):.3f} | {max(nd['best_any']):.3f} / "
            f"{pct(nd['best_any'], 99):.3f} / {statistics.median(nd['best_any']):.3f} |")
    out += ["", "## Storing (store_article)", "",
            "| N | generate s | stores timed | ms/article mean / median / p95 | first 1,000 mean | "
            "last 1,000 mean | total s | outcomes | bulk-filled | DB size MB | band rows |",
            "|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|"]
    for r in results:
        f = r["fill"]
        times = [x * 1000 for x in f["times"]]
        out.append(
            f"| {r['stored']:,} | {r['gen_s']:.1f} | {len(times):,} | {statistics.mean(times):.2f} / "
            f"{statistics.median(times):.2f} / {pct(times, 95):.2f} | "
            f"{statistics.mean(times[:1000]):.2f} | {statistics.mean(times[-1000:]):.2f} | "
            f"{f['store_s'] + f['bulk_s']:.0f} | "
            + ", ".join(f"{k} {v}" for k, v in sorted(f["outcomes"].items()))
            + f" | {f['n'] - f['bulk_from'] if f['bulk_from'] else 0} | {r['size_mb']:.0f} | "
            f"{r['band_rows']:,} |")
    big = max(results, key=lambda r: r["stored"])
    times = [x * 1000 for x in big["fill"]["times"]]
    checks = big["fill"]["in_check"]
    if len(times) >= 20000:
        step = len(times) // 10
        out += ["", f"store_article mean ms/article by position in the fill of {big['stored']:,} "
                "(the database grows from 0 to N):", "",
                "| articles stored before | " + " | ".join(
                    f"{i * step // 1000}k" for i in range(10)) + " |",
                "|---|" + "---:|" * 10,
                "| store_article ms/article | " + " | ".join(
                    f"{statistics.mean(times[i * step:(i + 1) * step]):.2f}"
                    for i in range(10)) + " |",
                "| of which _same_story ms | " + " | ".join(
                    f"{1000 * statistics.mean(checks[i * step:(i + 1) * step]):.2f}"
                    for i in range(10)) + " |",
                "| the rest ms | " + " | ".join(
                    f"{statistics.mean(times[i * step:(i + 1) * step]) - 1000 * statistics.mean(checks[i * step:(i + 1) * step]):.2f}"
                    for i in range(10)) + " |"]
    for r in results:
        if r["fill"]["outcomes"].get("updated") or r["id_clashes"]:
            out += ["", f"N = {r['stored']:,}: the corpus has {len(r['id_clashes'])} site id(s) "
                    "carried by two different articles (`store_article` keeps one: the other "
                    "counts as `updated`): " + "; ".join(
                        f"{site} {aid}: " + ", ".join(f"`{u}`" for u in urls)
                        for (site, aid), urls in r["id_clashes"].items())]
        if r["negative_ids"]:
            out += ["", f"N = {r['stored']:,}: {r['negative_ids']} generated article(s) have a "
                    "negative site id (the replay's id plan runs out)."]
    out += ["", "## False positives of the near-duplicate detection", "",
            "Rows in `duplicates` after the fill. The corpus has no copies except the replay's "
            "syndicated ones (`copy_of`), which are the true positives.", "",
            "| N | syndicated copies | true positives (by method) | missed copies | "
            "false positives (by method) | false-positive rate |", "|---:|---:|---|---:|---|---:|"]
    for r in results:
        d = r["dups"]
        out.append(f"| {r['stored']:,} | {d['copies']} | {len(d['tp'])} "
                   f"({', '.join(f'{k}: {v}' for k, v in d['tp_by_method'].items())}) | "
                   f"{d['missed']} | {len(d['fp'])} "
                   f"({', '.join(f'{k}: {v}' for k, v in d['fp_by_method'].items()) or '-'}) | "
                   f"{len(d['fp']) / max(r['stored'], 1):.5%} |")
    for r in results:
        fps = r["dups"]["fp"]
        if fps:
            out += ["", f"False positives at N = {r['stored']:,} (first 10 of {len(fps)}):", ""]
            out += [f"- {f['method']} ({f['similarity']}): `{f['copy_url']}` -> "
                    f"`{f['original_url']}`" for f in fps[:10]]
    out += ["", f"Load average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())} "
            f"({os.cpu_count()} CPUs): timings are wall-clock, so other work on the machine "
            "slows them."]
    out.append("")
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.dedup", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1000,100000",
                        help="comma-separated numbers of stored articles")
    parser.add_argument("--lookups", type=int, default=2000)
    parser.add_argument("--probes", type=int, default=500)
    parser.add_argument("--store-budget", type=float, default=600.0,
                        help="store_article seconds per size: bulk-fill the rest when the whole fill "
                             "is projected past 1.5 x this")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--keep", type=Path, default=None, help="keep the databases here")
    args = parser.parse_args(argv)
    sizes = [int(x) for x in args.sizes.split(",") if x.strip()]

    lines = ["# Dedup benchmark: seen or new, near-duplicate check", ""] + machine() + [
        f"- command: `{this_command()}`", ""]
    print("\n".join(lines), flush=True)
    log = lambda msg: print(msg, file=sys.stderr, flush=True)
    work = args.keep or Path(tempfile.mkdtemp(prefix="bench-dedup-"))
    work.mkdir(parents=True, exist_ok=True)
    # the probes and unknown articles: another seed, enough for both sizes
    probe_corpus = build_corpus(articles_per_site=max(1000, (args.lookups + args.probes) // 2),
                                seed=2)
    results = [bench_size(n, work, args, probe_corpus, log) for n in sizes]
    out = report(results, lines, args)
    print("\n".join(out[len(lines):]))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("\n".join(out), encoding="utf-8")
    print(f"written to {args.out}")
    if not args.keep:
        try:
            work.rmdir()
        except OSError:
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
