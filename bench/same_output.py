"""Does a change to the page path keep every output? A snapshot of what `read_page` gives for every
page the benchmarks read, and a comparison of two snapshots, field by field.

    .venv/bin/python -m bench.same_output snapshot FILE [--fundus DIR] [--no-replay]
    .venv/bin/python -m bench.same_output compare BEFORE AFTER

For a speed change (issue 20: `read_page` fast where the site rules match) that must change no
figure: take a snapshot before, one after, and compare. The pages:

- the gold pages (tests/pages, with their site's rules), as bench/extraction.py reads them;
- the public pages in tests/data/public, and the AEB pages (../shared/bench/aeb or $AEB_DIR),
  as `newscrawl extract FILE` reads a saved page (`crawler.sites.read_saved_page`, no URL);
- every replay article page (replay/web.py) of the regular replay, of the regular replay with its
  pages in awkward encodings, and of every layout variant (replay/variants.py), each read twice:
  without and with a feed date (`listed_date`), at a fixed fetch time (relative stamps);
- with `--fundus DIR` (bench/public.py's set), those pages as bench/public.py reads them.

Per page: the rejection, for_good, what was found (title, lead, body, author, date, section, tags,
image, canonical, which layer answered each field, rules that matched nothing, problems) and the
article's topics. A page that differs is printed with the fields that differ.
"""
from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import logging
import sys
from pathlib import Path
from urllib.parse import urlsplit

REPO_ROOT = Path(__file__).resolve().parent.parent
FETCHED_AT = "2026-11-20T12:00:00+07:00"
LISTED_DATE = "2026-11-19T06:30:00+07:00"
FOUND_FIELDS = ("title", "sapo", "body", "author", "published_at", "section", "tags", "image_url",
                "canonical_url", "method", "extracted_by", "rule_missed", "refusal", "problems")


def outcome(page) -> dict:
    """What one read page gives, as plain JSON."""
    found = page.found
    out = {"url": page.url, "article_id": page.article_id, "rejection": page.rejection,
           "for_good": page.for_good, "bad_canonical": page.bad_canonical}
    out.update({name: getattr(found, name) for name in FOUND_FIELDS})
    if page.article is not None:
        article = page.article
        out["article"] = {name: getattr(article, name, None) for name in (
            "title", "sapo", "body", "author", "published_at", "section", "tags", "image_url",
            "extracted_by", "topics", "labour_relevant", "topic_terms")}
    return out


def replay_pages():
    """(key, spider, body, url) of every replay article page, per variant, each body once."""
    from crawler.sites import spider_for_url
    from replay.variants import VARIANTS
    from replay.web import ALL_SITES, ReplayWeb

    seen = set()
    for name, web in [("regular", ReplayWeb()), ("encodings", ReplayWeb(encodings=True))] + \
            [(v, ReplayWeb(variant=v)) for v in VARIANTS]:
        for art in web.articles(sites=ALL_SITES):
            parts = urlsplit(art.url)
            target = parts.path + (f"?{parts.query}" if parts.query else "")
            response = web.respond("GET", parts.netloc, target)
            digest = hashlib.sha1(art.url.encode() + b"\0" + response.body).hexdigest()
            if response.status != 200 or digest in seen:
                continue
            seen.add(digest)
            yield f"{name} {art.url}", spider_for_url(art.url), response.body, art.url, \
                response.header("Content-Type")


def snapshot(out: Path, fundus: Path | None, replay: bool) -> int:
    from bench.extraction import DEFAULT_AEB, DEFAULT_GOLD, gold_pages
    from crawler.newsspider import NewsSpider
    from crawler.sites import read_saved_page, spider_for_url

    results: dict[str, dict] = {}
    for site, path, expected in gold_pages(DEFAULT_GOLD):
        html = path.read_text(encoding="utf-8", errors="replace")
        spider = spider_for_url(expected["url"]) or NewsSpider
        results[f"gold {site}/{path.name}"] = outcome(spider.read_page(html, expected["url"]))
    for path in sorted((REPO_ROOT / "tests" / "data" / "public").glob("*.html.gz")):
        results[f"public {path.name}"] = outcome(read_saved_page(gzip.decompress(path.read_bytes()))[1])
    truth = DEFAULT_AEB / "ground-truth.json"
    if truth.is_file():
        for page_id in sorted(json.loads(truth.read_text(encoding="utf-8"))):
            with gzip.open(DEFAULT_AEB / "html" / f"{page_id}.html.gz", "rt", encoding="utf-8",
                           errors="replace") as f:
                results[f"aeb {page_id}"] = outcome(read_saved_page(f.read())[1])
    if replay:
        from crawler.page import read_page
        for key, spider, body, url, content_type in replay_pages():
            spider = spider or NewsSpider
            for listed in (None, LISTED_DATE):
                page = read_page(spider, body, url, content_type, fetched_at=FETCHED_AT,
                                 listed_date=listed)
                results[f"{key} listed={listed}"] = outcome(page)
    if fundus:
        from bench.public import pages
        for publisher, path, url, crawl_date, _ in pages(fundus):
            html = gzip.decompress(path.read_bytes()).decode("utf-8", errors="replace")
            page = read_saved_page(html, url, crawl_date.replace(" ", "T"))[1]
            results[f"fundus {publisher} {path.name}"] = outcome(page)
    out.write_text(json.dumps(results, ensure_ascii=False, indent=0, sort_keys=True, default=str),
                   encoding="utf-8")
    print(f"{len(results)} pages written to {out}", file=sys.stderr)
    return 0


def compare(before: Path, after: Path) -> int:
    a = json.loads(before.read_text(encoding="utf-8"))
    b = json.loads(after.read_text(encoding="utf-8"))
    differ = 0
    for key in sorted(set(a) | set(b)):
        if a.get(key) == b.get(key):
            continue
        differ += 1
        if key not in a or key not in b:
            print(f"{key}: only in {'after' if key in b else 'before'}")
            continue
        for name in sorted(set(a[key]) | set(b[key])):
            if a[key].get(name) != b[key].get(name):
                print(f"{key}: {name}: {str(a[key].get(name))[:300]!r} -> "
                      f"{str(b[key].get(name))[:300]!r}")
    print(f"{len(set(a) | set(b))} pages, {differ} differ")
    return 1 if differ else 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.same_output",
                                     description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    take = commands.add_parser("snapshot")
    take.add_argument("out", type=Path)
    take.add_argument("--fundus", type=Path, default=None)
    take.add_argument("--no-replay", action="store_true")
    check = commands.add_parser("compare")
    check.add_argument("before", type=Path)
    check.add_argument("after", type=Path)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.ERROR)
    if args.command == "snapshot":
        return snapshot(args.out, args.fundus, not args.no_replay)
    return compare(args.before, args.after)


if __name__ == "__main__":
    sys.exit(main())
