"""read_page CPU per article page of two versions of the page path, interleaved on the same load.

    git archive main | tar -x -C /tmp/before
    python -m bench.read_page_ab --before /tmp/before [--articles-per-site 150]
                                 [--variant redesign] [--rounds 3]

The pages: every article page of `ReplayWeb(articles_per_site=N)` and of each `--variant`
(default: the regular replay and "redesign", a layout written by people who did not read the
site rules, where the generic layers answer), rendered once here, as the replay serves them
(bytes and Content-Type, so decoding is included, as in the crawl). Pages we wrote ourselves:
say so next to any figure taken from here.

Each round reads all of them with `spider_for_url(url).read_page(body, url, content_type)` in a
child process running the code under --before, then in one running this checkout (each in its
own directory: `python -m` / `-c` put the working directory first on sys.path), and prints the
median and mean CPU per page (`time.process_time` around each call, after 20 warm-up pages) and
the load average. With --trafilatura, each child also times plain `trafilatura.extract` on the
same pages (the issue's yardstick). Interleaving puts both versions under the same background
load, which on a shared machine moves CPU figures by 10 % or more between runs minutes apart.
"""
from __future__ import annotations

import argparse
import json
import os
import pickle
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

from bench.crawl import load

REPO_ROOT = Path(__file__).resolve().parent.parent

# run in the child, in the checkout under test (only crawler.sites.spider_for_url is needed there)
CHILD = r"""
import json, pickle, sys, time
from crawler.sites import spider_for_url
sets = pickle.load(open(sys.argv[1], "rb"))
with_trafilatura = sys.argv[2] == "1"
out = {}
for name, pages in sets.items():
    for url, body, content_type in pages[:20]:                  # warm-up: imports, caches
        spider_for_url(url).read_page(body, url, content_type)
    times = []
    for url, body, content_type in pages:
        start = time.process_time()
        spider_for_url(url).read_page(body, url, content_type)
        times.append(time.process_time() - start)
    plain = []
    if with_trafilatura:
        import trafilatura
        for url, body, content_type in pages:
            start = time.process_time()
            trafilatura.extract(body, include_comments=False)
            plain.append(time.process_time() - start)
    out[name] = {"read_page": times, "trafilatura": plain}
print(json.dumps(out))
"""


def render(articles_per_site: int, variants: list[str]) -> dict[str, list]:
    """{set name: [(url, body bytes, Content-Type)]} of every article page the replay serves."""
    from replay.web import ReplayWeb
    sets = {}
    for variant in variants:
        web = ReplayWeb(articles_per_site=articles_per_site,
                        variant=None if variant == "regular" else variant)
        pages = []
        for article in web.articles() + web.copies():
            parts = urlsplit(article.url)
            target = parts.path + (f"?{parts.query}" if parts.query else "")
            response = web.respond("GET", parts.netloc, target)
            if response.status == 200:
                pages.append((article.url, response.body, response.header("Content-Type")))
        sets[variant] = pages
    return sets


def summary(times: list[float]) -> str:
    return (f"median {1000 * statistics.median(times):.2f} ms, "
            f"mean {1000 * statistics.fmean(times):.2f} ms")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.read_page_ab", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--before", type=Path, required=True,
                        help="a checkout (git archive) of the other version")
    parser.add_argument("--articles-per-site", type=int, default=150)
    parser.add_argument("--variant", action="append",
                        help="a layout variant (replay/variants.py) or 'regular'; repeatable "
                             "(default: regular and redesign)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--trafilatura", action="store_true",
                        help="also time plain trafilatura.extract on the same pages")
    args = parser.parse_args(argv)
    variants = args.variant or ["regular", "redesign"]
    sets = render(args.articles_per_site, variants)
    print(f"pages: {', '.join(f'{n} {len(p)}' for n, p in sets.items())} "
          f"(median {statistics.median(len(b) for p in sets.values() for _, b, _ in p) / 1000:.0f}"
          f" KB); load {load()}", flush=True)
    with tempfile.TemporaryDirectory(prefix="bench-read-page-ab-") as work:
        pages_file = Path(work) / "pages.pickle"
        pages_file.write_bytes(pickle.dumps(sets))
        totals: dict[tuple[str, str], list[float]] = {}
        for rnd in range(args.rounds):
            for name, root in (("before", args.before.resolve()), ("this", REPO_ROOT)):
                before_load = load()
                done = subprocess.run(
                    [sys.executable, "-c", CHILD, str(pages_file),
                     "1" if args.trafilatura else "0"],
                    cwd=root, env={**os.environ, "PYTHONPATH": str(root)},
                    capture_output=True, text=True)
                if done.returncode:
                    print(done.stderr[-3000:], file=sys.stderr)
                    return 1
                result = json.loads(done.stdout.strip().splitlines()[-1])
                for variant, times in result.items():
                    totals.setdefault((name, variant), []).extend(times["read_page"])
                    plain = (f"; trafilatura.extract {summary(times['trafilatura'])}"
                             if times["trafilatura"] else "")
                    print(f"round {rnd} {name:6} {variant:10} read_page "
                          f"{summary(times['read_page'])}{plain}; load {before_load} -> {load()}",
                          flush=True)
        print("all rounds:")
        for variant in variants:
            before, this = totals[("before", variant)], totals[("this", variant)]
            print(f"  {variant:10} before {summary(before)}; this {summary(this)}; "
                  f"median ratio {statistics.median(this) / statistics.median(before):.2f}, "
                  f"mean ratio {statistics.fmean(this) / statistics.fmean(before):.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
