"""Start-up CPU of a crawl process: what every `newscrawl crawl` pays before and beside its pages.

    git archive <rev> | tar -x -C /tmp/before
    python -m bench.startup [--before /tmp/before] [--rounds 5] [--articles-per-site 2]

Each round runs, for each version (--before, if given, then this checkout; each in its own
directory, as bench/crawl_ab.py does, since `python -m` puts the working directory first on
sys.path):

* `python -m crawler.cli --help`: the command line alone;
* `python -c "import <crawl modules>"`: what a crawl imports before its first request (Scrapy,
  the spiders, the page path, the store), without building a crawler;
* `python -m crawler.cli crawl --backfill` of a tiny `ReplayWeb(articles_per_site=N)` (every site,
  against a ReplayServer on 127.0.0.1): start-up, six crawlers, robots.txt, a few listing and
  article pages, the summary. Most of its CPU is start-up.

CPU seconds of the child process tree (os.wait4 rusage), with the load average after each.
Pages are the replay's (markup we wrote ourselves).
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
from pathlib import Path

from bench.crawl import FAST, ab_arguments, load, run_measured, versions

# What `newscrawl crawl` imports before it builds its crawlers (the process class, the spiders,
# the page path through them, the store); the reactor and the middlewares come when crawling.
IMPORTS = ("import scrapy.crawler, scrapy.spiderloader, crawler.cli, crawler.sites, "
           "crawler.progress, crawler.store; crawler.sites.site_spiders()")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.startup", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    ab_arguments(parser, rounds=5, before_required=False)
    parser.add_argument("--articles-per-site", type=int, default=2)
    args = parser.parse_args(argv)
    from replay.server import ReplayServer
    from replay.web import ReplayWeb

    checkouts = versions(args.before)
    work = Path(tempfile.mkdtemp(prefix="bench-startup-"))
    figures: dict[tuple[str, str], list[float]] = {}
    for rnd in range(args.rounds):
        for name, root in checkouts:
            env = {**os.environ, "PYTHONPATH": str(root)}
            db = work / f"{name}-{rnd}.db"
            runs = {
                "--help": ([sys.executable, "-m", "crawler.cli", "--help"], env),
                "imports": ([sys.executable, "-c", IMPORTS], env),
            }
            with ReplayServer(web=ReplayWeb(articles_per_site=args.articles_per_site)) as server:
                runs["tiny crawl"] = ([sys.executable, "-m", "crawler.cli", "crawl", "--db",
                                       str(db), "--backfill", "--since", "2000-01-01", "-q",
                                       *FAST], {**env, **server.env()})
                for kind, (command, environment) in runs.items():
                    r = run_measured(command, environment, work / f"{name}-{rnd}.log", cwd=root)
                    figures.setdefault((kind, name), []).append(r["cpu"])
                    print(f"round {rnd} {name:6} {kind:10} exit {r['returncode']}, CPU "
                          f"{r['cpu']:.3f} s (user {r['user']:.3f}, sys {r['sys']:.3f}), "
                          f"load {load()}", flush=True)
    print()
    print("| CPU seconds, median of rounds (min-max) | " + " | ".join(n for n, _ in checkouts)
          + " |")
    print("|---|" + "---:|" * len(checkouts))
    for kind in ("--help", "imports", "tiny crawl"):
        cells = []
        for name, _ in checkouts:
            values = figures[(kind, name)]
            cells.append(f"{statistics.median(values):.3f} ({min(values):.3f}-{max(values):.3f})")
        print(f"| {kind} | " + " | ".join(cells) + " |")
    import shutil
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
