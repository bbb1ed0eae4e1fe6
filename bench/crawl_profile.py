"""Where a crawl's CPU goes: one crawl of the replay sampled with py-spy, by kind of work.

    pip install py-spy          # or: pip install -e '.[bench]'
    python -m bench.crawl_profile [--articles-per-site 150] [--rate 250] [--keep FILE]
                                  [--before /tmp/main-checkout]

One `newscrawl crawl --backfill` of `ReplayWeb(articles_per_site=N)` (every site, against a
ReplayServer on 127.0.0.1, the same command as bench/crawl_ab.py) runs under `py-spy record`
(sampling; the crawl runs at full speed, unlike under cProfile, which inflates code made of many
small calls). Each sample's stack is put in the first kind below whose frame it holds, and the
report gives each kind's share of the samples with its hottest leaf functions:

* start-up imports; `read_page` (the page path: crawler/page.py and what it calls; another
  engineer's, counted apart); storing (the pipeline's batch, store_article: raw page zstd,
  near-duplicate signature, the rest of the SQL); listing pages (discovery); TLS; the HTTP client;
  our middlewares and extensions; the rest of Scrapy / Twisted / asyncio (the engine).

With --before DIR (a `git archive` of another version) the same crawl runs with that code too
(in its own directory: `python -m` puts the working directory first on sys.path), each version
profiled once. Shares are of samples, not seconds: give the CPU seconds from
bench/crawl_ab.py beside them. Pages are the replay's (markup we wrote ourselves).
"""
from __future__ import annotations

import argparse
import collections
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.crawl import FAST, load

REPO_ROOT = Path(__file__).resolve().parent.parent

# (kind, frame substrings): a sample goes to the first kind one of whose substrings is in any
# frame of its stack (py-spy frames read "function (path/file.py:line)").
KINDS: list[tuple[str, tuple[str, ...]]] = [
    ("start-up imports", ("_find_and_load",)),
    ("read_page (the page path; not this work's)", ("read_page (crawler/page.py",)),
    ("store: raw page, zstd (crawler/store/rawpages.py)", ("_put_raw", "rawpages.py")),
    ("store: near-duplicate signature (crawler/dedup.py)", ("dedup.py",)),
    ("store: store_article's SQL, JSON, transaction", ("store_article", "pipelines.py")),
    ("listing pages (discovery)", ("parse_listing", "crawler/discovery/")),
    ("TLS (pyOpenSSL, twisted tls)", ("tls.py", "OpenSSL", "_sslverify", "service_identity")),
    ("HTTP client (scrapy http11, twisted web)", ("http11.py", "twisted/web", "_newclient")),
    ("our middlewares, health, run recorder, progress",
     ("crawler/middlewares.py", "crawler/health.py", "crawler/runs.py", "crawler/progress.py",
      "crawler/problems.py", "crawler/newsspider.py")),
]
ENGINE = "Scrapy / Twisted / asyncio engine (the rest)"


def classify(raw: Path, leaves: int = 4) -> tuple[int, list[tuple[str, int, list]]]:
    """(samples, [(kind, samples, [(leaf function, samples)])]) of a py-spy raw file."""
    counts: collections.Counter = collections.Counter()
    hot: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    total = 0
    for line in raw.read_text(errors="replace").splitlines():
        stack, _, n = line.rpartition(" ")
        if not stack or not n.isdigit():
            continue
        frames = stack.split(";")
        kind = next((name for name, keys in KINDS
                     if any(k in f for f in frames for k in keys)), ENGINE)
        counts[kind] += int(n)
        hot[kind][re.sub(r":\d+\)", ")", frames[-1])] += int(n)
        total += int(n)
    return total, [(k, c, hot[k].most_common(leaves)) for k, c in counts.most_common()]


def profile(root: Path, per_site: int, rate: int, raw: Path, work: Path) -> dict:
    from replay.server import ReplayServer
    from replay.web import ReplayWeb

    spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    if not os.path.exists(spy):
        raise SystemExit("py-spy not found: pip install py-spy (into this venv)")
    db = work / f"{root.name}.db"
    command = [spy, "record", "-r", str(rate), "-f", "raw", "-o", str(raw), "--",
               sys.executable, "-m", "crawler.cli", "crawl", "--db", str(db), "--backfill",
               "--since", "2000-01-01", "-q", *FAST]
    with ReplayServer(web=ReplayWeb(articles_per_site=per_site)) as server:
        done = subprocess.run(command, env={**os.environ, **server.env(), "PYTHONPATH": str(root)},
                              cwd=root, capture_output=True, text=True)
    return {"returncode": done.returncode, "load": load()}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.crawl_profile", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles-per-site", type=int, default=150)
    parser.add_argument("--rate", type=int, default=250, help="samples per second")
    parser.add_argument("--before", type=Path, default=None)
    parser.add_argument("--keep", type=Path, default=None, help="keep the raw profiles here")
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="bench-crawl-profile-"))
    versions = ([("before", args.before.resolve())] if args.before else []) + \
        [("this", REPO_ROOT)]
    results = {}
    for name, root in versions:
        raw = (args.keep or work) / f"crawl-profile-{name}.txt"
        raw.parent.mkdir(parents=True, exist_ok=True)
        run = profile(root, args.articles_per_site, args.rate, raw, work)
        results[name] = classify(raw)
        print(f"{name}: exit {run['returncode']}, {results[name][0]} samples, load after "
              f"{run['load']}", flush=True)
    print()
    print("| kind of work | " + " | ".join(f"{n} share" for n, _ in versions) + " |")
    print("|---|" + "---:|" * len(versions))
    kinds = [k for k, _ in KINDS[:1]] + [k for k, _ in KINDS[1:]] + [ENGINE]
    for kind in kinds:
        cells = []
        for name, _ in versions:
            total, rows = results[name]
            share = next((c for k, c, _ in rows if k == kind), 0) / max(1, total)
            cells.append(f"{100 * share:.1f} %")
        print(f"| {kind} | " + " | ".join(cells) + " |")
    print()
    for name, _ in versions:
        total, rows = results[name]
        print(f"{name}: hottest leaf functions per kind")
        for kind, count, leaves in rows:
            print(f"  {100 * count / total:5.1f} % {kind}")
            for leaf, n in leaves:
                print(f"          {100 * n / total:5.1f} % {leaf[:110]}")
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
