"""Discovery on every layout variant: how many articles each site finds, by which channel, at what cost.

    .venv/bin/python -m bench.discovery [--out FILE] [--json FILE] [--before FILE ...] [--only NAME ...]
    .venv/bin/python -m bench.discovery --from-json FILE ... [--before FILE ...]    # report only

For the regular replay (all six sites) and every variant of replay/variants.py (the sites it
changes), with the site declarations unchanged:

* first crawl: one real `newscrawl crawl` (subprocess, DOWNLOAD_DELAY=0, AutoThrottle off)
  through a replay serving that variant, into a fresh SQLite file: per site the articles found
  (their page fetched, or stored, or recorded as a copy of a stored one: what discovery reached,
  whether extraction then stored it or not; `stored` in the JSON) / the articles the site has, which channels
  found them (`articles.found_by`, counted by its first channel and by every channel; "–" when
  the column does not exist, as on code before issue 19), the requests the site's hosts answered
  (the replay's request log, robots.txt included), whether the run was flagged "listings
  incomplete?" (and whether the replay expects it: `ReplayWeb.channel_report`, the variant author's
  count of feed/sitemap articles on none of the site's listing pages), and which of the
  variant's decoy sections (`Variant.decoys`: never to be requested) were requested;
* backfill: the same with `--backfill --since` the day before the site's oldest article;
* on the regular replay only, the nightly cost: a second run after 3 new articles per site
  (requests per site, article pages fetched: exactly the new ones?) and a third run with nothing
  new (article pages fetched: 0?).

`--json FILE` writes the figures; `--before FILE` (figures of an earlier code, e.g. `main`) puts
them beside today's. All pages are the replay's (replay/): written by us, not live pages.
Results: bench/results/discovery.md.
"""
from __future__ import annotations

import argparse
import json
import os
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from datetime import date, timedelta
from pathlib import Path
from tempfile import TemporaryDirectory

from bench.extraction import machine, table
from replay.corpus import HOSTS
from replay.server import ReplayServer
from replay.variants import VARIANTS
from replay.web import ALL_SITES, ReplayWeb

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = REPO_ROOT / "bench" / "results" / "discovery.md"
FAST = ["-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False"]
INCOMPLETE = "listings incomplete?"
NIGHTLY_NEW = 3
TARGET_FOUND = 0.98


def crawl(web: ReplayWeb, db: Path, sites, *args, timeout: float = 900) -> tuple[int, list]:
    """One `newscrawl crawl SITES` through a replay serving `web`: (exit status, request log)."""
    with ReplayServer(web=web) as server:
        result = subprocess.run([sys.executable, "-m", "crawler.cli", "crawl", "--db", str(db),
                                 *FAST, *args, *sites], env={**os.environ, **server.env()},
                                cwd=REPO_ROOT, capture_output=True, text=True, timeout=timeout)
        if result.returncode not in (0, 3):
            print(result.stderr[-3000:], file=sys.stderr)
        return result.returncode, server.requests


def _rows(db: Path, sql: str, params=()) -> list[dict]:
    with sqlite3.connect(db) as conn:
        conn.row_factory = sqlite3.Row
        return [dict(r) for r in conn.execute(sql, params)]


def site_figures(db: Path, web: ReplayWeb, site: str, requests: list) -> dict:
    """found / total, channels (found_by), requests answered for the site's host, the flag."""
    truth = {a.url for a in web.articles(site)}
    columns = {r["name"] for r in _rows(db, "pragma table_info(articles)")}
    has_found_by = "found_by" in columns
    rows = _rows(db, f"select url{', found_by' if has_found_by else ''} from articles "
                 "where site = ?", (site,))
    copies = {r["copy_url"] for r in _rows(db, "select copy_url from duplicates")}
    stored = {r["url"] for r in rows if r["url"] in truth} | (copies & truth)
    host = HOSTS[site]
    mine = [r for r in requests if r.host in (host, "www." + host)]
    fetched = {f"https://{r.host}{r.target}" for r in mine} & truth
    found = stored | fetched            # found by discovery: fetched (stored or not) or stored
    first, every = Counter(), Counter()
    if has_found_by:
        for r in rows:
            if r["url"] in truth:
                channels = json.loads(r["found_by"] or "[]") or ["(none)"]
                first[channels[0]] += 1
                every.update(channels)
    runs = _rows(db, "select flag from crawl_runs where spider = ? order by id desc limit 1", (site,))
    flag = (runs[0]["flag"] or "") if runs else ""
    incomplete = next((f.strip() for f in flag.split(";") if f.strip().startswith(INCOMPLETE)), "")
    return {"found": len(found), "stored": len(stored), "total": len(truth), "first": dict(first), "every": dict(every),
            "found_by": has_found_by, "requests": len(mine),
            "articles_fetched": sum(f"https://{r.host}{r.target}" in truth for r in mine),
            "incomplete": incomplete, "flag": flag}


def oldest_day(web: ReplayWeb, sites) -> str:
    days = [a.published_at[:10] for s in sites for a in web.articles(s) if a.published_at]
    return (date.fromisoformat(min(days)) - timedelta(days=1)).isoformat()


def measure_variant(name: str | None, tmp: Path) -> dict:
    web = ReplayWeb(variant=name)
    sites = [s for s in (VARIANTS[name].sites if name else ALL_SITES) if s in ALL_SITES]
    out: dict = {"sites": {}}
    for mode, args in (("first", ()), ("backfill", ("--backfill", "--since", oldest_day(web, sites)))):
        db = tmp / f"{name or 'regular'}-{mode}.db"
        started = time.monotonic()
        code, requests = crawl(web, db, sites, *args)
        print(f"{name or 'regular'} {mode}: exit {code} in {time.monotonic() - started:.0f}s",
              file=sys.stderr)
        variant = VARIANTS.get(name) if name else None
        for site in sites:
            figures = site_figures(db, web, site, requests) if code in (0, 3) else {"failed": code}
            decoys = set(getattr(variant, "decoys", {}).get(site, {})) if variant else set()
            figures["decoys_requested"] = sorted({r.target for r in requests if r.host == HOSTS[site]
                                                  and r.target.partition("?")[0] in decoys})
            report = getattr(web, "channel_report", None)       # the replay's own expectation
            figures["incomplete_expected"] = bool(report(site)["incomplete"]) if report else bool(
                variant and site in getattr(variant, "incomplete", ()))
            out["sites"].setdefault(site, {})[mode] = figures
    if name is None:                     # the nightly cost on the regular replay
        db = tmp / "nightly.db"
        crawl(web, db, sites)
        newer = ReplayWeb(extra={s: NIGHTLY_NEW for s in sites})
        for mode in ("night2", "night3"):
            code, requests = crawl(newer, db, sites)
            for site in sites:
                figures = site_figures(db, newer, site, requests)
                new = {a.url for a in newer.articles(site)[:NIGHTLY_NEW]}
                fetched = {f"https://{r.host}{r.target}" for r in requests
                           if r.host == HOSTS[site]} & {a.url for a in newer.articles(site)}
                figures["fetched_exactly_new"] = fetched == (new if mode == "night2" else set())
                out["sites"][site][mode] = figures
    return out


def _channels(f: dict) -> str:
    if not f.get("found_by"):
        return "–"
    return ", ".join(f"{k} {v}" for k, v in sorted(f["first"].items(), key=lambda kv: -kv[1]))


def _also(f: dict) -> str:
    if not f.get("found_by"):
        return "–"
    return ", ".join(f"{k} {v}" for k, v in sorted(f["every"].items(), key=lambda kv: -kv[1]))


def _found(f: dict | None) -> str:
    if not f:
        return "–"
    if "failed" in f:
        return f"(crawl exit {f['failed']})"
    return f"{f['found']}/{f['total']}"


def _raised(f: dict | None) -> str:
    if not f or "failed" in f:
        return "–"
    return "yes" if f.get("incomplete") else "no"


def report(results: dict, before: dict | None) -> str:
    before = before or {}
    lines = ["# Discovery: every article found, whatever the listing looks like (issue 19)", "",
             "Produced by `.venv/bin/python -m bench.discovery`"
             + (" with `--before` figures of `main`'s code (same bench, same replay pages)" if before else "")
             + ". **Every page here is the replay's** (replay/, written by us; variants: replay/variants.py), "
             "not a live page. Site declarations unchanged. One `newscrawl crawl` per variant and mode "
             "(DOWNLOAD_DELAY=0, AutoThrottle off), each into a fresh SQLite file; requests: what the "
             "site's host answered (robots.txt, listings, feeds, sitemaps, articles).", "",
             f"Targets: found ≥ {TARGET_FOUND:.0%} on a first crawl and on a backfill; \"listings "
             "incomplete?\" exactly where listings missed articles, never on the regular replay; a nightly "
             f"run ≤ 5 requests per site more than before; night 2 ({NIGHTLY_NEW} new per site) fetches "
             "exactly the new articles, night 3 (nothing new) none.", "", *machine(), ""]
    rows, channel_rows = [], []
    for name, data in results.items():
        for site, modes in data["sites"].items():
            old = before.get(name, {}).get("sites", {}).get(site, {})
            first, back = modes.get("first", {}), modes.get("backfill", {})
            ok = all(m.get("found", 0) >= TARGET_FOUND * m.get("total", 1) for m in (first, back))
            raised = bool(first.get("incomplete")) or bool(back.get("incomplete"))
            expected = first.get("incomplete_expected", False)
            flag = ("yes" if raised else "no") + (" (expected)" if expected == raised else
                                                  f" (**expected {'yes' if expected else 'no'}**)")
            decoys = sorted(set(first.get("decoys_requested", [])) | set(back.get("decoys_requested", [])))
            rows.append([name, site, _found(old.get("first")), _found(first), _found(old.get("backfill")),
                         _found(back), old.get("first", {}).get("requests", "–"), first.get("requests", "–"),
                         _raised(old.get("first")), flag, ", ".join(decoys) or "none",
                         "yes" if ok else "**no**"])
            channel_rows.append([name, site, _channels(first), _also(first), _channels(back)])
    lines += ["## Found / total, requests, flag (before → after)", ""]
    lines += table(["variant", "site", "first crawl before", "first crawl after", "backfill before",
                    "backfill after", "requests before", "requests after", "listings incomplete? before",
                    "listings incomplete? after", "decoy sections requested", "≥ 98 %"], rows)
    lines += ["", "## Which channel found what (after; `articles.found_by`)", "",
              "First channel: the channel that met the article first; every channel: each channel that "
              "named it (an article on the listing and in the sitemap counts under both).", ""]
    lines += table(["variant", "site", "first crawl: first channel", "first crawl: every channel",
                    "backfill: first channel"], channel_rows)
    regular = results.get("regular")
    if regular:
        night = []
        for site, modes in regular["sites"].items():
            old = before.get("regular", {}).get("sites", {}).get(site, {})
            n2, n3 = modes.get("night2", {}), modes.get("night3", {})
            o2, o3 = old.get("night2", {}), old.get("night3", {})
            extra = (n2.get("requests", 0) - o2["requests"]) if o2 else "–"
            night.append([site, o2.get("requests", "–"), n2.get("requests", "–"), extra,
                          n2.get("articles_fetched", "–"), "yes" if n2.get("fetched_exactly_new") else "no",
                          o3.get("requests", "–"), n3.get("requests", "–"), n3.get("articles_fetched", "–"),
                          (n2.get("incomplete") or n3.get("incomplete") or "no")[:60]])
        lines += ["", f"## Nightly cost on the regular replay (night 2: {NIGHTLY_NEW} new articles per site; "
                  "night 3: nothing new)", ""]
        lines += table(["site", "night 2 requests before", "after", "more", "article pages fetched",
                        "exactly the new ones", "night 3 requests before", "after", "article pages fetched",
                        "listings incomplete?"], night)
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.discovery", description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"markdown file (default {DEFAULT_OUT})")
    parser.add_argument("--json", type=Path, help="also write the figures as JSON here")
    parser.add_argument("--before", type=Path, nargs="*",
                        help="JSON figures of an earlier code, shown beside (several: merged)")
    parser.add_argument("--only", nargs="*", metavar="NAME", help="only these variants ('regular' too)")
    parser.add_argument("--from-json", nargs="*", type=Path, metavar="FILE",
                        help="no crawl: report the figures of these --json files (merged)")
    args = parser.parse_args(argv)
    names = ["regular", *VARIANTS] if not args.only else args.only
    results: dict = {}
    if args.from_json:
        for path in args.from_json:
            results.update(json.loads(path.read_text(encoding="utf-8")))
        results = {n: results[n] for n in ["regular", *VARIANTS] if n in results}
    else:
        with TemporaryDirectory() as tmp:
            for name in names:
                results[name] = measure_variant(None if name == "regular" else name, Path(tmp))
                if args.json:           # after each variant: a stopped run keeps what it measured
                    args.json.write_text(json.dumps(results, indent=1, ensure_ascii=False),
                                         encoding="utf-8")
    before = None
    for path in args.before or []:
        before = {**(before or {}), **json.loads(path.read_text(encoding="utf-8"))}
    text = report(results, before)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
