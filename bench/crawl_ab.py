"""Crawl CPU per article page of two versions of the crawler code, interleaved on the same load.

    git archive <rev> | tar -x -C /tmp/before
    python -m bench.crawl_ab --before /tmp/before [--articles-per-site 150] [--rounds 2]
                             [--reextract] [--variant redesign]

Each round runs one `newscrawl crawl --backfill` of `ReplayWeb(articles_per_site=N)` (every site,
against a ReplayServer on 127.0.0.1) with the code under --before (PYTHONPATH), then one with this
checkout's code, and prints the crawl process tree's CPU seconds (os.wait4 rusage, start-up
included) per article page read (stored + copies recorded) and its peak PSS. Each version runs
in its own directory (`python -m` puts the working directory first on sys.path: with PYTHONPATH
alone, both runs ran this checkout's code). Interleaving puts
both versions under the same background load, which on a shared machine moves CPU figures by
10 % or more between runs minutes apart.
"""
from __future__ import annotations

import argparse
import os
import re
import sqlite3
import sys
import tempfile
from pathlib import Path

from bench.crawl import FAST, ab_arguments, load, run_measured, versions


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.crawl_ab", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    ab_arguments(parser, rounds=2)
    parser.add_argument("--articles-per-site", type=int, default=150)
    parser.add_argument("--variant", default=None,
                        help="a layout variant of the replay (replay/variants.py), e.g. redesign")
    parser.add_argument("--reextract", action="store_true",
                        help="also run `newscrawl reextract` of each crawl's database with the "
                             "same version, and print its CPU per article")
    args = parser.parse_args(argv)
    from replay.server import ReplayServer
    from replay.web import ReplayWeb

    work = Path(tempfile.mkdtemp(prefix="bench-crawl-ab-"))
    for rnd in range(args.rounds):
        for name, root in versions(args.before):
            db = work / f"{name}-{rnd}.db"
            command = [sys.executable, "-m", "crawler.cli", "crawl", "--db", str(db),
                       "--backfill", "--since", "2000-01-01", "-q", *FAST]
            with ReplayServer(web=ReplayWeb(articles_per_site=args.articles_per_site,
                                            variant=args.variant)) as server:
                r = run_measured(command, {**os.environ, **server.env(), "PYTHONPATH": str(root)},
                                 work / f"{name}-{rnd}.log", cwd=root)
            with sqlite3.connect(db) as conn:
                pages = sum(n or 0 for (n,) in conn.execute(
                    "SELECT articles_new + COALESCE(articles_duplicate, 0) FROM crawl_runs"))
            conn.close()
            print(f"round {rnd} {name:6} exit {r['returncode']}, {pages} article pages, "
                  f"CPU {r['cpu']:.2f} s = {1000 * r['cpu'] / max(1, pages):.2f} ms per article "
                  f"page, process-tree PSS {r['tree_pss_mb']:.0f} MB, load {load()}", flush=True)
            if args.reextract:      # the same version reads its own crawl's pages again
                x = run_measured([sys.executable, "-m", "crawler.cli", "reextract", "--db",
                                  str(db), "-q"], {**os.environ, "PYTHONPATH": str(root)},
                                 work / f"{name}-{rnd}-reextract.log", cwd=root)
                found = re.search(r"read (\d+)", x["output"])
                read = int(found.group(1)) if found else 0
                print(f"        {name:6} reextract exit {x['returncode']}, read {read}, CPU "
                      f"{x['cpu']:.2f} s = {1000 * x['cpu'] / max(1, read):.2f} ms per article "
                      f"(parent + workers, start-up included), wall {x['wall']:.1f} s", flush=True)
    import shutil
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
