"""Title, date and author on real pages nobody here wrote: the project against plain trafilatura.

    .venv/bin/python -m bench.public --fundus DIR [--out FILE] [--limit N]

The set: fundus's parser test pages (https://github.com/flairNLP/fundus, MIT licence), one or
more saved article pages per publisher, about 180 publishers in 40 countries, each with the
output of fundus's hand-written parser for that publisher as truth (title, authors,
publishing_date). DIR is its `tests/resources/parser/test_data` folder (kept outside the
repository, e.g. /work/wt/fields-data/fundus/...: `git archive` of a fundus checkout). A
publisher's JSON holds one expected record per parser version (V1, V1_1, ...); its pages are
paired with them in order (oldest page with the first version); a publisher whose page and
version counts differ is left out.

Each page is read the way `newscrawl extract FILE --url URL` reads it
(`crawler.sites.read_saved_page`, fetched at the page's crawl date); trafilatura with
`trafilatura.bare_extraction(html, url=URL, with_metadata=True)`. Per extractor:

- titles exact (after NFC and white space folding), over all pages and over the pages whose
  true title appears in the page's visible text;
- dates on the right day: a date with a time is compared as an instant, both expressed at
  +07:00; a day alone is right when it is the true date's day in the zone the truth states, in
  UTC or at +07:00 (the page's own day is not known); dates to the minute (instants within 60 s);
- authors: right when the true and found authors share a name (case and accents folded), or
  when neither has one;
- authors again, over the pages whose true author is not the publisher's own name (fundus's
  parsers give "DER SPIEGEL", "BBC News" for unsigned articles; our rule is that the publisher
  is never an author, so those pages can only be right for an extractor that breaks it);
- authors again, over all pages, with the rule that the publisher is never an author applied
  to the truth: where the true author is the publisher's own name, the right answer is none;
- labels or publisher names stored as an author ("By", "Tác giả", the og:site_name, the
  JSON-LD publisher, the host) where the truth is not that name: each one is a defect.

Results: bench/results/public.md (and stdout).
"""
from __future__ import annotations

import argparse
import gzip
import json
import logging
import re
import sys
import unicodedata
from collections import Counter
from datetime import datetime, timedelta, timezone
from pathlib import Path

import trafilatura

from bench.extraction import machine, norm, pct, table, timed

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = REPO_ROOT / "bench" / "results" / "public.md"
DEFAULT_FUNDUS = Path("/work/wt/fields-data/fundus/tests/resources/parser/test_data")
VIETNAM = timezone(timedelta(hours=7))
LABELS = {"by", "von", "par", "por", "di", "tac gia", "theo", "author", "authors", "date published",
          "commentary by", "written by", "posted by", "staff", "admin", "editor", "redaktion"}


def pages(folder: Path):
    """[(publisher, html path, url, crawl date, expected dict)] of the fundus test set."""
    out = []
    for info in sorted(folder.glob("*/meta.info")):
        meta = json.loads(info.read_text(encoding="utf-8"))
        for truth_path in sorted(info.parent.glob("*.json")):
            publisher = truth_path.stem
            truth = json.loads(truth_path.read_text(encoding="utf-8"))
            versions = sorted(truth)
            files = sorted((f for f in meta if f.split("_")[0] == publisher),
                           key=lambda f: meta[f]["crawl_date"])
            if len(files) != len(versions):
                continue
            for name, version in zip(files, versions):
                out.append((f"{info.parent.name}/{publisher}", info.parent / name,
                            meta[name]["url"], meta[name]["crawl_date"], truth[version]))
    return out


def folded(text) -> str:
    text = unicodedata.normalize("NFKD", str(text or "").lower().replace("đ", "d"))
    text = "".join(c for c in text if not unicodedata.combining(c))
    return re.sub(r"\W+", " ", text).strip()


def names(value) -> list[str]:
    """'A, B and C' or ['A', 'B'] -> folded names."""
    if not value:
        return []
    if isinstance(value, str):
        value = re.split(r"\s*(?:,|;|/|&|\band\b|\bund\b|\bet\b|\bvà\b|\by\b|\be\b)\s*", value)
    return [f for f in (folded(v) for v in value) if f]


def author_right(found, expected) -> bool:
    found, expected = names(found), names(expected)
    if not expected:
        return not found
    words = lambda n: set(n.split())
    return any(f == e or (len(words(f) & words(e)) >= min(2, len(words(e)))) for f in found
               for e in expected)


def instant(value):
    """An ISO / fundus date string as a datetime (aware when it states a zone), or None."""
    if not value:
        return None
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None


def days_of(truth: datetime) -> set[str]:
    days = {truth.date().isoformat()}
    if truth.tzinfo is not None:
        days |= {truth.astimezone(timezone.utc).date().isoformat(),
                 truth.astimezone(VIETNAM).date().isoformat()}
    return days


def date_right(found, expected) -> tuple[bool, bool]:
    """(same day, same minute) of a found date against the true one (see the docstring)."""
    truth, value = instant(expected), instant(found)
    if truth is None:
        return not found, not found
    if value is None:
        return False, False
    if len(str(found)) <= 10:                        # a day alone
        return value.date().isoformat() in days_of(truth), False
    if value.tzinfo is None:
        value = value.replace(tzinfo=VIETNAM)
    if truth.tzinfo is None:
        truth = truth.replace(tzinfo=VIETNAM)
    same_day = value.astimezone(VIETNAM).date() == truth.astimezone(VIETNAM).date()
    return same_day, abs((value - truth).total_seconds()) < 60


def visible_text(html: str) -> str:
    from crawler.extraction import parse_html
    tree = parse_html(html)
    for bad in tree.xpath("//script|//style|//title|//head"):
        bad.drop_tree()
    return folded(" ".join(tree.itertext()))


def key(name) -> str:
    """A name for comparing: ASCII letters, or folded letters when it has none."""
    ascii_only = re.sub(r"[^a-z0-9]", "", folded(name).encode("ascii", "ignore").decode())
    return ascii_only or folded(name).replace(" ", "")


def publisher_names(html: str, url: str) -> set[str]:
    """The publisher's names as the page states them (og:site_name, application-name, JSON-LD
    publisher / Organization name) and its host: read here, not by the code under test."""
    import lxml.html
    from urllib.parse import urlsplit
    tree = lxml.html.fromstring(html.encode("utf-8"))
    names = tree.xpath('//meta[@property="og:site_name" or @name="application-name"]/@content')
    for script in tree.xpath('//script[@type="application/ld+json"]/text()'):
        try:
            data = json.loads(script)
        except ValueError:
            continue
        stack = data if isinstance(data, list) else [data]
        while stack:
            node = stack.pop()
            if isinstance(node, list):
                stack.extend(node)
            elif isinstance(node, dict):
                publisher = node.get("publisher")
                if isinstance(publisher, dict) and isinstance(publisher.get("name"), str):
                    names.append(publisher["name"])
                if str(node.get("@type")) in ("Organization", "NewsMediaOrganization") and \
                        isinstance(node.get("name"), str):
                    names.append(node["name"])
                stack.extend(v for v in node.values() if isinstance(v, (dict, list)))
    host = (urlsplit(url).hostname or "").lower().removeprefix("www.")
    found = {key(n) for n in names if n} | {key(host.split(".")[0]), key(host)}
    return {f for f in found if len(f) >= 2}


def is_publisher(name, identities: set[str]) -> bool:
    k = key(name)
    return bool(k) and (k in identities or any(len(i) >= 4 and (k.startswith(i) or
                                                               i.startswith(k))
                                               for i in identities))


def is_label_or_publisher(author, identities: set[str]) -> bool:
    return bool(author) and (folded(author) in LABELS or is_publisher(author, identities))


def run(folder: Path, limit: int | None) -> tuple[list[str], dict]:
    from crawler.sites import read_saved_page

    todo = pages(folder)[:limit] if limit else pages(folder)
    print(f"{len(todo)} pages", file=sys.stderr)
    stats = {name: Counter() for name in ("project", "trafilatura")}
    wrong = {name: [] for name in ("project", "trafilatura")}
    layers = Counter()
    for done, (publisher, path, url, crawl_date, expected) in enumerate(todo, 1):
        html = gzip.decompress(path.read_bytes()).decode("utf-8", errors="replace")
        fetched = crawl_date.replace(" ", "T")
        read, ms, error = timed(read_saved_page, html, url, fetched)
        page = read[1] if read else None
        found = page.found if page else None
        project = {"title": found.title if found else None,
                   "date": found.published_at if found else None,
                   "author": found.author if found else None, "error": error}
        if found:
            for name in ("title", "author", "published_at"):
                layers[f"{name}: {found.extracted_by.get(name, 'none')}"] += 1
        doc, _, error = timed(trafilatura.bare_extraction, html, url=url, with_metadata=True)
        plain = {"title": getattr(doc, "title", None), "date": getattr(doc, "date", None),
                 "author": getattr(doc, "author", None), "error": error}
        shown = visible_text(html)
        identities = publisher_names(html, url)
        true_authors = expected.get("authors") or []
        publisher_as_author = bool(true_authors) and all(is_publisher(a, identities)
                                                         for a in true_authors)
        title_shown = bool(expected.get("title")) and folded(expected["title"]) in shown
        for name, got in (("project", project), ("trafilatura", plain)):
            s = stats[name]
            s["pages"] += 1
            s["errors"] += bool(got["error"])
            title_ok = norm(got["title"]) == norm(expected.get("title"))
            s["title"] += title_ok
            s["title shown"] += title_shown
            s["title shown ok"] += title_ok and title_shown
            day, minute = date_right(got["date"], expected.get("publishing_date"))
            s["day"] += day
            s["minute"] += minute
            s["dated"] += bool(expected.get("publishing_date"))
            author_ok = author_right(got["author"], expected.get("authors"))
            s["author"] += author_ok
            s["with author"] += bool(expected.get("authors"))
            s["author ok where shown"] += author_ok and bool(expected.get("authors"))
            s["person pages"] += not publisher_as_author
            s["person ok"] += author_ok and not publisher_as_author
            s["rule ok"] += (not got["author"]) if publisher_as_author else author_ok
            bad = is_label_or_publisher(got["author"], identities) and not author_ok
            s["label"] += bad
            if bad or not day or not author_ok or (title_shown and not title_ok):
                wrong[name].append((publisher, not (title_shown and not title_ok), day,
                                    author_ok, bad, got, expected))
        if done % 25 == 0:
            print(f"  {done}/{len(todo)}", file=sys.stderr, flush=True)
    rows = []
    for name, s in stats.items():
        rows.append([name, s["pages"], pct(s["title"], s["pages"]),
                     f"{s['title shown ok']}/{s['title shown']} ({pct(s['title shown ok'], s['title shown'])})",
                     f"{s['day']} ({pct(s['day'], s['pages'])})", f"{s['minute']}",
                     f"{s['author']} ({pct(s['author'], s['pages'])})",
                     f"{s['author ok where shown']}/{s['with author']}",
                     f"{s['person ok']}/{s['person pages']} ({pct(s['person ok'], s['person pages'])})",
                     f"{s['rule ok']} ({pct(s['rule ok'], s['pages'])})",
                     s["label"], s["errors"]])
    lines = ["# Title, date and author on fundus's test pages (public, not written here)", "",
             f"Produced by `.venv/bin/python -m bench.public --fundus {folder}`. "
             f"{len(todo)} saved article pages of {len({p[0] for p in todo})} publishers; truth "
             "is the output of fundus's hand-written parser for each publisher (MIT licence, "
             "https://github.com/flairNLP/fundus). See the module docstring for each measure.",
             "", *machine(), ""]
    lines += table(["extractor", "pages", "titles exact", "titles exact where the title is shown",
                    "dates (same day)", "dates (minute)", "authors right (incl. none)",
                    "authors right where the truth has one",
                    "authors right where the truth is not the publisher's name",
                    "authors right, a publisher's name as truth read as none",
                    "labels / publishers as author (wrong)",
                    "errors"], rows)
    lines += ["", "Which layer answered (project): " + "; ".join(
        f"{k} {v}" for k, v in sorted(layers.items())), ""]
    return lines, wrong


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.public", description=__doc__.split("\n")[0])
    parser.add_argument("--fundus", type=Path, default=DEFAULT_FUNDUS,
                        help="fundus's tests/resources/parser/test_data (default %(default)s)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--misses", type=Path, default=None,
                        help="write the project's misses as JSON lines here (for study)")
    args = parser.parse_args(argv)
    if not args.fundus.is_dir():
        print(f"No fundus test pages at {args.fundus}: pass --fundus DIR (fundus's "
              "tests/resources/parser/test_data)", file=sys.stderr)
        return 2
    logging.basicConfig(level=logging.ERROR)
    lines, wrong = run(args.fundus, args.limit)
    report = "\n".join(lines) + "\n"
    print(report)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(report, encoding="utf-8")
    if args.misses:
        with open(args.misses, "w", encoding="utf-8") as handle:
            for name, rows in wrong.items():
                for publisher, title_ok, day, author_ok, bad, got, expected in rows:
                    handle.write(json.dumps({
                        "extractor": name, "publisher": publisher, "title_ok": title_ok,
                        "day_ok": day, "author_ok": author_ok, "label": bad,
                        "got": got, "title": expected.get("title"),
                        "authors": expected.get("authors"),
                        "date": expected.get("publishing_date")}, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
