"""Extraction quality and speed: the project's page path against plain trafilatura.

    python -m bench.extraction [--aeb DIR] [--gold DIR] [--out FILE] [--limit N]

Three parts, printed as markdown and written to `--out` (default bench/results/extraction.md):

0. Speed of `read_page` on the gold pages where the site rules match: per page the median of
   REPEATS runs (process CPU time, `time.process_time`), then the median over pages, beside the figure measured before the fallbacks of
   issue 11 existed (BASELINE_MS, same method, same machine) and the 1.5x budget.
1. Gold pages (`--gold`, default tests/pages): every `<site>/<name>.html` with the expected
   `<name>.json` beside it. The project reads each page exactly as the crawl does
   (`crawler.page.read_page(spider_for_url(url), html, url)`: what would be stored, nothing
   when the page is rejected); trafilatura reads it with
   `trafilatura.extract(html, include_comments=False)` (body) and
   `trafilatura.bare_extraction(html, with_metadata=True)` (title, author, date, description).
   Per site and extractor: body precision / recall / F1 (bench/shingles.py), exact-match rates of
   title, published_at, author and sapo (trafilatura has no sapo: its description is compared),
   and the median milliseconds per page.
2. The article-extraction benchmark (`--aeb`, default $AEB_DIR or ../shared/bench/aeb): 181
   pages of English-language news and blogs with hand-checked bodies, read as
   `newscrawl extract FILE` reads a saved page, WITHOUT its URL (`crawler.sites.read_saved_page`:
   the site from the page's own canonical link, the generic path otherwise): lead + body,
   nothing when it rejects the page, an error counted when it raises; against plain
   `trafilatura.extract(html, include_comments=False)`, on
   the same pages in the same run; titles that still carry the site's name (a trailing
   "| Site", "- Site" naming og:site_name or the host); dates to the minute where the page's
   metadata states a time. `--limit N` runs the first N pages (by id) only.

Layout variants (markup the rules were not written for): bench/variants.py.

Exact matches compare text after Unicode NFC and folding runs of white space; a missing value
equals an empty one, so a page without an author (or date) is right when none is predicted.
"""
from __future__ import annotations

import argparse
import gzip
import json
import logging
import os
import platform
import statistics
import sys
import time
import unicodedata
from collections import defaultdict
from datetime import datetime
from pathlib import Path

import trafilatura

from bench.shingles import aggregate, page_scores, tokens

REPO_ROOT = Path(__file__).resolve().parent.parent
# The benchmark data sits in shared/ beside the repository (../shared/bench/aeb).
DEFAULT_AEB = Path(os.environ.get("AEB_DIR") or
                   Path(__file__).resolve().parent.parent.parent / "shared" / "bench" / "aeb")
DEFAULT_GOLD = REPO_ROOT / "tests" / "pages"
DEFAULT_OUT = REPO_ROOT / "bench" / "results" / "extraction.md"
REPEATS = 15
# read_page before issue 11's fallbacks (commit ed7051a, 2026-12-03 04:24 UTC, this machine):
# the median over the 32 gold article pages of each page's median of 15 runs, html as str.
BASELINE_MS = 1.14
AEB_SOURCE = ("https://github.com/scrapinghub/article-extraction-benchmark "
              "(html/ and ground-truth.json)")


# --- helpers -------------------------------------------------------------------------------

def norm(value) -> str:
    """NFC, white space folded, trimmed; None is ''."""
    if value is None:
        return ""
    return " ".join(unicodedata.normalize("NFC", str(value)).split())


def same(predicted, expected) -> bool:
    return norm(predicted) == norm(expected)


def timed(function, *args, **kwargs):
    """(result, milliseconds, error): an extractor that raises yields (None, ms, repr)."""
    start = time.perf_counter()
    try:
        result, error = function(*args, **kwargs), None
    except Exception as exc:  # one broken page must not stop the benchmark
        result, error = None, f"{type(exc).__name__}: {exc}"
    return result, (time.perf_counter() - start) * 1000, error


def page_f1(scores) -> float:
    tp, fp, fn = scores
    return 2 * tp / (2 * tp + fp + fn) if tp else 0.0


def pct(hits: int, total: int) -> str:
    return f"{100 * hits / total:.0f}%" if total else "–"


def median_ms(values) -> str:
    return f"{statistics.median(values):.1f}" if values else "–"


def table(header: list[str], rows: list[list]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |",
             "|" + "|".join("---" if i == 0 else "---:" for i in range(len(header))) + "|"]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return lines


def machine() -> list[str]:
    import lxml.etree
    return [
        f"- machine: {platform.platform()}, {os.cpu_count()} CPUs ({platform.machine()}"
        f"{', ' + platform.processor() if platform.processor() else ''})",
        f"- python {platform.python_version()}, trafilatura {trafilatura.__version__}, "
        f"lxml {'.'.join(map(str, lxml.etree.LXML_VERSION))}",
        f"- run at {datetime.now().astimezone().isoformat(timespec='seconds')}, load average "
        f"{os.getloadavg()[0]:.1f} (other work on the same CPUs slows the timings)",
    ]


def progress(done: int, total: int) -> None:
    if done == total or done % 20 == 0:
        print(f"  {done}/{total}", file=sys.stderr, flush=True)


# --- part 1: gold pages --------------------------------------------------------------------

def gold_pages(gold: Path):
    """[(site, html path, expected dict)] for every <site>/<name>.html with <name>.json beside it."""
    pages = []
    if not gold.is_dir():
        return pages
    for html_path in sorted(gold.glob("*/*.html")):
        json_path = html_path.with_suffix(".json")
        if json_path.is_file():
            expected = json.loads(json_path.read_text(encoding="utf-8"))
            pages.append((html_path.parent.name, html_path, expected))
    return pages


def bench_gold(gold: Path) -> list[str]:
    from crawler.sites import spider_for_url
    from crawler.newsspider import NewsSpider

    pages = gold_pages(gold)
    out = ["## 1. Gold pages per site", ""]
    if not pages:
        notice = (f"No gold pages under {gold} (expected <site>/<name>.html with <name>.json "
                  "beside it): part 1 skipped.")
        print(notice, file=sys.stderr)
        return out + [notice, ""]

    # per (site, extractor): lists of body scores, counters, timings
    stats = defaultdict(lambda: {"scores": [], "ms": [], "errors": 0, "title": 0,
                                 "published": 0, "day": 0, "author": 0, "sapo": 0, "pages": 0})
    print(f"part 1: {len(pages)} gold pages", file=sys.stderr)
    # pages that are not articles (video-only, soft 404, listing): recognised or not
    refused = defaultdict(lambda: {"pages": 0, "project": 0, "trafilatura": 0})
    layers = defaultdict(lambda: defaultdict(int))     # site -> layer -> fields answered
    for site, html_path, expected in pages:
        if expected.get("is_article", True):
            continue
        html = html_path.read_text(encoding="utf-8", errors="replace")
        spider = spider_for_url(expected["url"]) or NewsSpider
        refused[site]["pages"] += 1
        refused[site]["project"] += spider.read_page(html, expected["url"]).for_good
        refused[site]["trafilatura"] += trafilatura.extract(html, include_comments=False) is None
    pages = [page for page in pages if page[2].get("is_article", True)]
    for done, (site, html_path, expected) in enumerate(pages, 1):
        html = html_path.read_text(encoding="utf-8", errors="replace")
        url = expected.get("url")
        spider = spider_for_url(url) or NewsSpider
        exp_date = expected.get("published_at") or None

        read, ms, error = timed(spider.read_page, html, url)
        found = read.article if read else None
        predicted = {
            "body": found.body if found else "",
            "title": found.title if found else None,
            "published": found.published_at if found else None,
            "author": found.author if found else None,
            "sapo": found.sapo if found else None,
        }
        if read:
            for name, layer in read.found.extracted_by.items():
                layers[site][layer] += 1
        _count(stats, site, "project", expected, predicted, ms, error, exp_date)

        body, ms, error = timed(trafilatura.extract, html, include_comments=False)
        doc, _, meta_error = timed(trafilatura.bare_extraction, html, with_metadata=True)
        predicted = {
            "body": body or "",
            "title": getattr(doc, "title", None),
            "published": getattr(doc, "date", None),
            "author": getattr(doc, "author", None),
            "sapo": getattr(doc, "description", None),
        }
        _count(stats, site, "trafilatura", expected, predicted, ms, error or meta_error, exp_date)
        progress(done, len(pages))

    rows = []
    sites = sorted({site for site, _ in stats}) + ["all"]
    for site in sites:
        for extractor in ("project", "trafilatura"):
            if site == "all":
                parts = [v for (s, e), v in stats.items() if e == extractor]
                s = {k: (sum((p[k] for p in parts), []) if isinstance(parts[0][k], list)
                         else sum(p[k] for p in parts)) for k in parts[0]}
            else:
                s = stats[(site, extractor)]
            n = s["pages"]
            body = aggregate(s["scores"])
            rows.append([
                f"**{site}**" if site == "all" else site, extractor, n,
                f"{body['precision']:.3f}", f"{body['recall']:.3f}", f"{body['f1']:.3f}",
                sum(1 for tp, fp, fn in s["scores"] if tp + fp == 0),
                pct(s["title"], n), pct(s["published"], n), pct(s["day"], n),
                pct(s["author"], n),
                pct(s["sapo"], n) + (" (description)" if extractor == "trafilatura" else ""),
                median_ms(s["ms"]), s["errors"],
            ])
    out += table(["site", "extractor", "pages", "body P", "body R", "body F1", "empty body", "title",
                  "published_at", "date (day)", "author", "sapo", "ms/page (median)", "errors"],
                 rows)
    out += [
        "",
        "Body: the shingle metric of bench/shingles.py; precision is averaged over the pages "
        "with a non-empty body only, so `empty body` counts the pages where nothing was found. "
        "Title, published_at, author and sapo: share of pages exactly right (after NFC and white "
        "space folding; a missing expected value is right when nothing is predicted). "
        "published_at compares the ISO strings as they are: the project's are to the minute at "
        "+07:00, trafilatura's are a day (`YYYY-MM-DD`), so it can only be right on pages whose "
        "expected value is a day or missing; `date (day)` compares the first 10 characters only. "
        "Trafilatura has no sapo: its `description` is compared instead. ms/page is the project's "
        "`read_page` (everything: decode, all fields, URL, NFC, validation) and trafilatura's "
        "`extract` (the body only), one run each.",
        "",
    ]
    out += ["Which layer answered the fields of these pages (`Extracted.extracted_by`; "
            "\"rule\" = the site's rules): "
            + "; ".join(f"{site} " + ", ".join(f"{layer} {n}" for layer, n in sorted(
                counts.items(), key=lambda kv: -kv[1])) for site, counts in sorted(layers.items())),
            ""]
    if refused:
        out += ["Pages that are not articles (video-only page, soft 404, listing), refused for "
                "good by the project (`Page.for_good`; trafilatura: `extract` returns nothing):",
                ""]
        out += table(["site", "pages", "project", "trafilatura"],
                     [[site, r["pages"], pct(r["project"], r["pages"]),
                       pct(r["trafilatura"], r["pages"])] for site, r in sorted(refused.items())])
        out.append("")
    return out


def _count(stats, site, extractor, expected, predicted, ms, error, exp_date):
    s = stats[(site, extractor)]
    s["pages"] += 1
    s["ms"].append(ms)
    s["errors"] += bool(error)
    s["scores"].append(page_scores(predicted["body"], expected.get("body") or ""))
    s["title"] += same(predicted["title"], expected.get("title"))
    s["author"] += same(predicted["author"], expected.get("author"))
    s["sapo"] += same(predicted["sapo"], expected.get("sapo"))
    pred_date = predicted["published"] or None
    s["published"] += (pred_date or "") == (exp_date or "")
    s["day"] += (pred_date or "")[:10] == (exp_date or "")[:10]


# --- part 2: the article-extraction benchmark ----------------------------------------------

def bench_aeb(aeb: Path, limit: int | None) -> list[str]:
    from crawler.sites import read_saved_page

    out = ["## 2. Article-extraction benchmark (AEB)", ""]
    truth_path = aeb / "ground-truth.json"
    if not truth_path.is_file():
        notice = (f"No AEB data at {aeb} (want ground-truth.json and html/<id>.html.gz from "
                  f"{AEB_SOURCE}): part 2 skipped. Pass --aeb DIR or set AEB_DIR.")
        print(notice, file=sys.stderr)
        return out + [notice, ""]

    truth = json.loads(truth_path.read_text(encoding="utf-8"))
    ids = sorted(truth)[:limit] if limit else sorted(truth)
    print(f"part 2: {len(ids)} AEB pages", file=sys.stderr)
    results = {"project": {"scores": [], "ms": [], "errors": []},
               "trafilatura": {"scores": [], "ms": [], "errors": []}}
    per_page = []
    with_site_rules = rejected = 0
    titles = {"pages": 0, "project": 0, "og:title": 0, "examples": []}   # still naming the site
    dates = {"stated": 0, "minute": 0, "any": 0}
    for done, page_id in enumerate(ids, 1):
        with gzip.open(aeb / "html" / f"{page_id}.html.gz", "rt", encoding="utf-8",
                       errors="replace") as f:
            html = f.read()
        url = truth[page_id].get("url")
        expected = truth[page_id].get("articleBody") or ""
        read, ms_p, err_p = timed(read_saved_page, html)      # as `newscrawl extract FILE`
        spider, read = read if read else (None, None)
        with_site_rules += getattr(spider, "rules", None) is not None
        article = read.article if read else None
        rejected += article is None
        body_p = f"{article.sapo or ''}\n\n{article.body}".strip() if article else ""
        body_t, ms_t, err_t = timed(trafilatura.extract, html, include_comments=False)
        body_t = body_t or ""
        if article is not None:
            _titles_and_dates(html, url, article, titles, dates)

        scores = {}
        for name, body, ms, err in (("project", body_p, ms_p, err_p),
                                    ("trafilatura", body_t, ms_t, err_t)):
            scores[name] = page_scores(body, expected)
            results[name]["scores"].append(scores[name])
            results[name]["ms"].append(ms)
            if err:
                results[name]["errors"].append(f"{page_id[:12]}: {err}")
        per_page.append((page_id, url, page_f1(scores["project"]), page_f1(scores["trafilatura"]),
                         len(body_p), len(body_t), tokens(body_p) == tokens(body_t)))
        progress(done, len(ids))

    rows = []
    for name, r in results.items():
        m = aggregate(r["scores"])
        rows.append([name, m["pages"], f"{m['precision']:.3f}", f"{m['recall']:.3f}",
                     f"{m['f1']:.3f}", sum(1 for tp, fp, fn in r["scores"] if tp + fp == 0),
                     median_ms(r["ms"]), len(r["errors"])])
    below = [p for p in per_page if p[2] < p[3] - 1e-9]
    above = [p for p in per_page if p[2] > p[3] + 1e-9]
    out += [f"{len(ids)} pages{' (--limit)' if limit else ''}, from {aeb}.", ""]
    out += table(["extractor", "pages", "precision", "recall", "F1", "empty body",
                  "ms/page (median)", "errors"],
                 rows)
    out += [
        "",
        "project = the lead + body that `newscrawl extract FILE` (no --url: "
        "`crawler.sites.read_saved_page`) gives for the saved page "
        f"({with_site_rules} of these pages belong to a site with rules; the others go "
        "through the generic path: no site rules, every fallback); "
        f"empty when the page is rejected ({rejected} pages); "
        "trafilatura = `trafilatura.extract(html, include_comments=False)` (str input).",
        "",
        f"Titles that still name the site (a trailing segment after | – — - that is og:site_name "
        f"or the host): project {titles['project']} of {titles['pages']} stored pages; the "
        f"pages' own og:title {titles['og:title']}. The first titles that differ from the "
        "page's og:title (or <title>):",
        "",
        *table(["og:title / <title>", "stored title"],
               [[a.replace("|", "\\|"), (b or "").replace("|", "\\|")]
                for a, b in titles["examples"]]),
        "",
        f"Dates: the page's metadata (article:published_time, JSON-LD) states a time on "
        f"{dates['stated']} stored pages; the project's date is to the minute on "
        f"{dates['minute']} of them; {dates['any']} stored pages have a date at all.",
        "",
        f"Pages where the project's F1 is below trafilatura's: **{len(below)}** "
        f"(above: {len(above)}, equal: {len(per_page) - len(below) - len(above)}); "
        f"the two bodies have the same tokens on {sum(p[6] for p in per_page)} pages.",
        "",
    ]
    if below:
        out += ["Largest gaps (page F1 = 2tp / (2tp + fp + fn)):", ""]
        worst = sorted(below, key=lambda p: p[2] - p[3])[:5]
        out += table(["id", "url", "project F1", "trafilatura F1", "project chars",
                      "trafilatura chars"],
                     [[p[0][:12], p[1], f"{p[2]:.3f}", f"{p[3]:.3f}", p[4], p[5]] for p in worst])
        out.append("")
    for name, r in results.items():
        if r["errors"]:
            out += [f"{name} errors: " + "; ".join(r["errors"][:5]), ""]
    return out


def _titles_and_dates(html: str, url: str, article, titles: dict, dates: dict) -> None:
    """Count titles still ending with the site's name, and dates to the minute where stated."""
    import re

    from crawler.extract.dates import has_time
    from crawler.extract.meta import page_metadata
    from crawler.extract.titles import SEPARATOR, site_identities
    from crawler.extract.text import ascii_letters
    from crawler.extraction import parse_html

    meta = page_metadata(parse_html(html))
    names = site_identities([meta.site_name], url)

    def names_site(title: str | None) -> bool:
        parts = SEPARATOR.split(title or "")
        return len(parts) > 1 and any(ascii_letters(p) in names for p in parts[1:])

    titles["pages"] += 1
    titles["project"] += names_site(article.title)
    titles["og:title"] += names_site(meta.title or meta.title_tag)
    if (meta.title or meta.title_tag) != article.title and len(titles["examples"]) < 8:
        titles["examples"].append((meta.title or meta.title_tag, article.title))
    dates["any"] += bool(article.published_at)
    if has_time(meta.published) and re.search(r"T\d\d:\d\d", meta.published or "") and \
            not (meta.published or "").endswith("T00:00:00+07:00"):
        dates["stated"] += 1
        dates["minute"] += has_time(article.published_at)


def bench_speed(gold: Path) -> list[str]:
    """Part 0: read_page's median time on the gold pages whose rules all match."""
    from crawler.newsspider import NewsSpider
    from crawler.sites import spider_for_url

    from crawler.topics import classify

    out = ["## 0. read_page speed where the site rules match", ""]
    medians, tagging = [], []
    for site, html_path, expected in gold_pages(gold):
        if not expected.get("is_article", True):
            continue
        html = html_path.read_text(encoding="utf-8", errors="replace")
        spider = spider_for_url(expected["url"]) or NewsSpider
        article = spider.read_page(html, expected["url"]).article   # warm: selectors compiled
        runs, tags = [], []
        for _ in range(REPEATS):      # process CPU time: other work on shared CPUs inflates less
            start = time.process_time()
            spider.read_page(html, expected["url"])
            runs.append((time.process_time() - start) * 1000)
            start = time.process_time()
            classify(article.title, article.sapo, article.body)   # the part read_page tags
            tags.append((time.process_time() - start) * 1000)
        medians.append(statistics.median(runs))
        tagging.append(statistics.median(tags))
    if not medians:
        return out + ["No gold pages: part 0 skipped.", ""]
    now = statistics.median(medians)
    reading = statistics.median(m - t for m, t in zip(medians, tagging))
    out += [f"{len(medians)} gold article pages, {REPEATS} runs each (process CPU time): median "
            f"**{now:.2f} ms** "
            f"per page, of which topic tagging (issue 13, `crawler.topics.classify` on the "
            f"article) {statistics.median(tagging):.2f} ms. Without the tagging: **{reading:.2f} "
            f"ms** (before the fallbacks, without tagging: {BASELINE_MS:.2f} ms; budget 1.5x = "
            f"{1.5 * BASELINE_MS:.2f} ms; now {reading / BASELINE_MS:.2f}x). Slowest page "
            f"{max(medians):.2f} ms. Two CPUs shared with other work: expect some noise.", ""]
    return out


# --- main ----------------------------------------------------------------------------------

def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.extraction", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--aeb", type=Path, default=DEFAULT_AEB,
                        help="article-extraction-benchmark folder (default: %(default)s)")
    parser.add_argument("--gold", type=Path, default=DEFAULT_GOLD,
                        help="gold pages, <site>/<name>.html + .json (default: %(default)s)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT,
                        help="markdown report (default: %(default)s)")
    parser.add_argument("--limit", type=int, default=None,
                        help="AEB: run the first N pages only")
    args = parser.parse_args(argv)

    logging.basicConfig(level=logging.ERROR)   # trafilatura and scrapy are chatty at INFO
    lines = ["# Extraction benchmark", ""] + machine() + [""]
    lines += bench_speed(args.gold)
    lines += bench_gold(args.gold)
    lines += bench_aeb(args.aeb, args.limit)
    report = "\n".join(lines).rstrip() + "\n"
    print(report)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(report, encoding="utf-8")
    print(f"written to {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
