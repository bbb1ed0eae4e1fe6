"""`newscrawl add-site` on sites the project has no declaration for, then the first crawl with what
it wrote.

    .venv/bin/python -m bench.addsite [--out FILE] [--only NAME ...]

One ReplayServer (the HTTPS proxy, in this process). A temporary copy of spiders/ without
laodong.py and nld.py; per site: `newscrawl add-site https://HOST/ --spiders-dir TMP/spiders`
(subprocess; only the home URL; DOWNLOAD_DELAY=0 — still one request at a time) with the replay's
request log cleared before: requests made to the host, and those robots.txt forbids (the host's
robots.txt read with Protego for the project's User-Agent); then `newscrawl crawl NAME` (subprocess,
cwd = the temp dir so `spiders` is the copy, DOWNLOAD_DELAY=0, AutoThrottle off) into a fresh
SQLite file, and from it: union and labour articles stored / the site's (found), body P/R/F1
(stored sapo + body against the true sapo + body, bench/shingles.py), titles exactly right, dates
right to the minute, rows that are not union or labour articles (sport, weather) / rows. Then the
refusals: a PDF URL, a login page, a site with no articles (exit status 1, nothing written).

Sites: the replay's new sites (replay/newsites/: WordPress, /detail/<id>/, id-first, an old
portal without feed or sitemap) and laodong.vn, nld.com.vn (their declarations removed in the
copy). **All pages are the replay's, written by us**, not live pages. Results:
bench/results/addsite.md. Generated declarations live only in the temp dir.
"""
from __future__ import annotations

import argparse
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from tempfile import TemporaryDirectory

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = REPO_ROOT / "bench" / "results" / "addsite.md"
FAST = ["-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False"]
TARGETS = {"found": 0.95, "f1": 0.97, "titles": 1.0, "dates": 0.95, "other": 0.10, "requests": 60}


def spiders_copy(tmp: Path, drop=("laodong.py", "nld.py")) -> Path:
    """TMP/spiders: the repository's declarations without `drop`."""
    target = tmp / "spiders"
    shutil.copytree(REPO_ROOT / "spiders", target, ignore=shutil.ignore_patterns("__pycache__", *drop))
    return target


def child_env(tmp: Path, server) -> dict:
    """Environment of a child that loads `spiders` from TMP (its cwd) and the rest from the repo."""
    return {**os.environ, **server.env(), "PYTHONPATH": os.pathsep.join([str(tmp), str(REPO_ROOT)]),
            "SCRAPY_SETTINGS_MODULE": "crawler.settings"}


def add_site(url: str, tmp: Path, server, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "crawler.cli", "add-site", url, "--spiders-dir",
                           str(tmp / "spiders"), "-s", "DOWNLOAD_DELAY=0", *extra],
                          env=child_env(tmp, server), cwd=tmp, capture_output=True, text=True, timeout=300)


def crawl(name: str, tmp: Path, server, db: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "crawler.cli", "crawl", name, "--db", str(db), *FAST,
                           "--quiet"], env=child_env(tmp, server), cwd=tmp, capture_output=True,
                          text=True, timeout=600)


def request_audit(server, host: str) -> tuple[int, list[str]]:
    """(requests to `host`, the targets its robots.txt forbids for our User-Agent)."""
    from protego import Protego

    from crawler.settings import USER_AGENT
    made = [r for r in server.requests if r.host in (host, "www." + host)]
    robots = server.web.respond("GET", host, "/robots.txt")    # read directly: not logged
    rules = Protego.parse(robots.body.decode("utf-8") if robots.status == 200 else "")
    forbidden = [r.target for r in made if not rules.can_fetch(f"https://{host}{r.target}", USER_AGENT)]
    return len(made), forbidden


def truth(name: str) -> tuple[list, set[str]]:
    """(the union and labour articles, every URL of the site's other articles)."""
    import replay.newsites as newsites
    if name in newsites.NEWS_SITES:
        site = newsites.site(name)
        return site.union_articles(), {x.url for x in site.other_articles()}
    from replay.web import ReplayWeb
    return ReplayWeb().articles(name), set()


def score(db: Path, name: str) -> dict:
    from bench.extraction import norm
    from bench.shingles import aggregate, page_scores
    union, others = truth(name)
    expected = {x.url: x for x in union}
    with sqlite3.connect(db) as conn:
        conn.row_factory = sqlite3.Row
        rows = [dict(r) for r in conn.execute("select * from articles where site = ?", (name,))]
    stored = {r["url"]: r for r in rows if r["url"] in expected}
    body = aggregate(page_scores("\n\n".join(x for x in (r["sapo"], r["body"]) if x),
                                 expected[u].sapo + "\n\n" + expected[u].body_text)
                     for u, r in stored.items())
    n = len(stored)
    return {"union": len(expected), "stored": n, "rows": len(rows),
            "other_rows": sum(r["url"] not in expected for r in rows),
            "other_known": sum(r["url"] in others for r in rows),
            "f1": body["f1"], "precision": body["precision"], "recall": body["recall"],
            "titles": sum(norm(r["title"]) == norm(expected[u].title) for u, r in stored.items()) / n if n else 0,
            "dates": sum((r["published_at"] or "")[:16] == expected[u].published_at[:16]
                         for u, r in stored.items()) / n if n else 0}


def misses(s: dict, requests: int, forbidden: list) -> list[str]:
    out = []
    if s["stored"] < TARGETS["found"] * s["union"]:
        out.append(f"found {s['stored']}/{s['union']}")
    if s["f1"] < TARGETS["f1"]:
        out.append(f"F1 {s['f1']:.3f}")
    if s["titles"] < TARGETS["titles"]:
        out.append(f"titles {s['titles']:.1%}")
    if s["dates"] < TARGETS["dates"]:
        out.append(f"dates {s['dates']:.1%}")
    if s["rows"] and s["other_rows"] / s["rows"] > TARGETS["other"]:
        out.append(f"other rows {s['other_rows']}/{s['rows']}")
    if requests > TARGETS["requests"]:
        out.append(f"{requests} requests")
    if forbidden:
        out.append(f"{len(forbidden)} forbidden requests")
    return out


def sites() -> list[tuple[str, str]]:
    import replay.newsites as newsites
    return [(n, newsites.site(n).host) for n in newsites.NEWS_SITES] + [("laodong", "laodong.vn"),
                                                                         ("nld", "nld.com.vn")]


def run(only: list[str] | None, out: Path) -> str:
    import replay.newsites as newsites
    from bench.extraction import machine, table
    from replay.server import ReplayServer

    rows, reports, refusals = [], {}, []
    with TemporaryDirectory() as tmpdir, ReplayServer() as server:
        tmp = Path(tmpdir)
        spiders_copy(tmp)
        for name, host in sites():
            if only and name not in only:
                continue
            server.clear_requests()
            started = time.monotonic()
            added = add_site(f"https://{host}/", tmp, server)
            seconds = time.monotonic() - started
            requests, forbidden = request_audit(server, host)
            written = tmp / "spiders" / f"{name}.py"
            print(f"{name}: add-site exit {added.returncode}, {requests} requests", file=sys.stderr)
            if added.returncode != 0 or not written.exists():
                rows.append([name, host, f"refused ({added.returncode})", requests, len(forbidden),
                             *[""] * 7, added.stderr.strip()[-200:]])
                continue
            reports[name] = added.stdout
            pattern = re.search(r'article_url = r"(.*)"', written.read_text("utf-8")).group(1)
            db = tmp / f"{name}.db"
            crawled = crawl(name, tmp, server, db)
            print(f"{name}: crawl exit {crawled.returncode}", file=sys.stderr)
            if crawled.returncode not in (0, 3):
                print(crawled.stdout[-2000:], crawled.stderr[-3000:], file=sys.stderr)
            s = score(db, name)
            missed = misses(s, requests, forbidden)
            rows.append([name, host, f"`{pattern}`", f"{requests} ({seconds:.1f} s)", len(forbidden),
                         f"{s['stored']}/{s['union']} ({s['stored'] / s['union']:.0%})",
                         f"{s['precision']:.3f} / {s['recall']:.3f} / {s['f1']:.3f}",
                         f"{s['titles']:.0%}", f"{s['dates']:.0%}",
                         f"{s['other_rows']}/{s['rows']}", f"crawl exit {crawled.returncode}",
                         "; ".join(missed) or "all met"])
        for label, url in (("a PDF", newsites.PDF_URL), ("a login page", newsites.LOGIN_URL),
                           ("a site with no articles", newsites.EMPTY_URL),
                           ("a site whose article-shaped pages are videos", newsites.VIDEO_URL)):
            if only and "refusals" not in only:
                continue
            before = sorted(p.name for p in (tmp / "spiders").iterdir())
            server.clear_requests()
            refused = add_site(url, tmp, server, "--name", "probe")
            after = sorted(p.name for p in (tmp / "spiders").iterdir())
            host = url.split("/")[2]
            requests, forbidden = request_audit(server, host)
            message = (refused.stderr.strip().splitlines() or [""])[-1]
            refusals.append([label, url, refused.returncode, "nothing" if before == after else
                             f"WROTE {set(after) - set(before)}", requests, message[:220]])
    lines = ["# add-site: a new source in one command, then its first crawl", "",
             "Produced by `.venv/bin/python -m bench.addsite`. **Every page is the replay's** (replay/newsites/, "
             "replay/declared.py: written by us), not a live page. Per site: `newscrawl add-site https://HOST/` "
             "with only the home URL into a temporary copy of spiders/ (laodong.py and nld.py removed), "
             "DOWNLOAD_DELAY=0 (still one request at a time); the replay's request log gives the requests and "
             "those robots.txt forbids; then `newscrawl crawl NAME` with the written declaration into a fresh "
             "SQLite file (DOWNLOAD_DELAY=0, AutoThrottle off).", "",
             "found: the site's union and labour articles stored; P / R / F1: stored sapo + body against the "
             "true sapo + body (shingles, bench/shingles.py); dates: right to the minute; other rows: rows that "
             "are not union or labour articles (the sport and weather sections) / rows. Targets (issue 23): "
             "found ≥ 95 %, F1 ≥ 0.97, titles 100 %, dates ≥ 95 %, other rows ≤ 10 %, ≤ 60 requests, none "
             "forbidden.", "", *machine(), "", "## Per site", ""]
    lines += table(["site", "host", "article_url written", "add-site requests", "forbidden", "found",
                    "P / R / F1", "titles", "dates", "other rows", "crawl", "targets missed"], rows)
    if refusals:
        lines += ["", "## Refusals", ""]
        lines += table(["input", "URL", "exit", "written", "requests", "message"], refusals)
    for name, text in reports.items():
        lines += ["", f"## The report of `newscrawl add-site` for {name}", "", "```", text.strip(), "```"]
    text = "\n".join(lines) + "\n"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    return text


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.addsite", description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--only", nargs="*", metavar="NAME", help="only these sites ('refusals': the refusals)")
    args = parser.parse_args(argv)
    print(run(args.only, args.out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
