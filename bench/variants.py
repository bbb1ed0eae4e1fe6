"""The crawl on markup its rules were not written for: every replay layout variant, per site.

    .venv/bin/python -m bench.variants [--out FILE] [--only NAME ...]

For the regular replay (all six sites) and every variant of replay/variants.py (the sites it
changes; the others serve the regular replay's pages byte for byte): one real `newscrawl crawl`
(subprocess, DOWNLOAD_DELAY=0, AutoThrottle off) through a replay serving that variant, into a
fresh SQLite file; then, per site, from the database: articles stored / articles the site has,
body precision / recall / F1 (the stored sapo + body against the true sapo + body, the shingle
metric of bench/shingles.py, over the stored articles), titles exactly right, dates right to the
minute (articles with a true date), leads and authors exactly right (where the page shows one), the crawl_runs.flag, and which layer
answered each field (`articles.extracted_by`, counted; absent column: "–"). Beside it, plain
`trafilatura.extract(html, include_comments=False)` on the same article pages in the same run
(body P/R/F1 against the same truth; trafilatura has no lead, so its text is compared with sapo +
body). The regular replay adds laodong.vn and nld.com.vn: % of their articles stored with title,
body and date.

All pages are the replay's (replay/): written by us from shared/sites.md, not live pages.
Results: bench/results/variants.md (and stdout). `tests/test_variants.py` checks issue 11's
targets with the same functions.
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
from pathlib import Path
from tempfile import TemporaryDirectory
from urllib.parse import urlsplit

from bench.extraction import machine, norm, pct, table
from bench.shingles import aggregate, page_scores
from replay.corpus import SITES
from replay.declared import DECLARED_SITES
from replay.server import ReplayServer
from replay.variants import VARIANTS
from replay.web import ALL_SITES, ReplayWeb

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = REPO_ROOT / "bench" / "results" / "variants.md"
FAST = ["-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False"]
DRIFT = "rules drifted?"
# targets per site and variant: issue 11's, raised by issue 20 (fields on every layout variant)
TARGETS = {"stored": 0.90, "f1": 0.97, "precision": 0.97, "titles": 1.0, "dates": 0.95, "leads": 0.90,
           "authors": 0.90}


def crawl(variant: str | None, db: Path, sites=SITES, timeout: float = 300) -> subprocess.CompletedProcess:
    """One `newscrawl crawl SITES` through a replay serving `variant` (None: the regular replay)."""
    with ReplayServer(web=ReplayWeb(variant=variant)) as server:
        return subprocess.run([sys.executable, "-m", "crawler.cli", "crawl", "--db", str(db), *FAST, *sites],
                              env={**os.environ, **server.env()}, cwd=REPO_ROOT, capture_output=True,
                              text=True, timeout=timeout)


def _rows(db: Path, sql: str, params=()) -> list[dict]:
    with sqlite3.connect(db) as conn:
        conn.row_factory = sqlite3.Row
        return [dict(r) for r in conn.execute(sql, params)]


def lead_and_body(sapo: str | None, body: str | None) -> str:
    return "\n\n".join(x for x in (sapo, body) if x)


def score_site(db: Path, web: ReplayWeb, site: str) -> dict:
    """The figures of one site in one crawl's database (see the module docstring)."""
    truth = {a.url: a.expected() for a in web.articles(site)}
    columns = {r["name"] for r in _rows(db, "pragma table_info(articles)")}
    stored = {r["url"]: r for r in _rows(db, "select * from articles where site = ?", (site,)) if r["url"] in truth}
    variant = VARIANTS.get(web.variant) if getattr(web, "variant", None) else None
    articles = {a.url: a for a in web.articles(site)}
    # a field counts where the page states it (a variant may hide one: Variant.shows)
    shows = {u: (variant.shows(articles[u]) if variant else {f: bool(v) for f, v in truth[u].items()})
             for u in stored}
    dated = [u for u in stored if truth[u]["published_at"] and shows[u].get("published_at", True)]
    led = [u for u in stored if shows[u].get("sapo", True)]
    signed = [u for u in stored if truth[u]["author"] and shows[u].get("author", True)]
    runs = _rows(db, "select flag from crawl_runs where spider = ? order by id desc limit 1", (site,))
    layers: dict[str, Counter] = {}
    if "extracted_by" in columns:
        for row in stored.values():
            for field, layer in json.loads(row["extracted_by"] or "{}").items():
                layers.setdefault(field, Counter())[layer] += 1
    body = aggregate(page_scores(lead_and_body(r["sapo"], r["body"]),
                                 lead_and_body(truth[u]["sapo"], truth[u]["body"])) for u, r in stored.items())
    n = len(stored)
    return {
        "site": site, "total": len(truth), "stored": n,
        "precision": body["precision"], "recall": body["recall"], "f1": body["f1"],
        "titles": sum(norm(r["title"]) == norm(truth[u]["title"]) for u, r in stored.items()) / n if n else 0.0,
        "dates": (sum((stored[u]["published_at"] or "")[:16] == truth[u]["published_at"][:16] for u in dated)
                  / len(dated)) if dated else 0.0,
        "leads": sum(norm(stored[u]["sapo"]) == norm(truth[u]["sapo"]) for u in led) / len(led) if led else 0.0,
        "authors": (sum(norm(stored[u]["author"]) == norm(truth[u]["author"]) for u in signed) / len(signed))
        if signed else 1.0,
        "signed": len(signed),
        "complete": sum(bool(r["title"] and r["body"] and r["published_at"]) for r in stored.values()),
        "flag": runs[0]["flag"] if runs else None,
        "layers": layers if "extracted_by" in columns else None,
    }


def trafilatura_site(web: ReplayWeb, site: str) -> dict:
    """Plain trafilatura on the same article pages, against the same truth (sapo + body)."""
    import trafilatura

    scores = []
    for art in web.articles(site):
        parts = urlsplit(art.url)
        html = web.respond("GET", parts.netloc, parts.path).body.decode("utf-8")
        text = trafilatura.extract(html, include_comments=False) or ""
        scores.append(page_scores(text, lead_and_body(art.sapo, art.body_text)))
    return aggregate(scores)


def misses(score: dict) -> list[str]:
    """The issue-11 targets this site's figures miss (empty: all met)."""
    out = []
    if score["stored"] < TARGETS["stored"] * score["total"]:
        out.append(f"stored {score['stored']}/{score['total']}")
    for key in ("f1", "precision", "titles", "dates", "leads", "authors"):
        if score[key] < TARGETS[key]:
            out.append(f"{key} {score[key]:.3f} < {TARGETS[key]}")
    return out


def _layers(layers: dict | None) -> str:
    if layers is None:
        return "–"
    keep = ("title", "sapo", "body", "author", "published_at")
    return "; ".join(f"{field}: " + ", ".join(f"{layer} {n}" for layer, n in layers[field].most_common())
                     for field in keep if field in layers) or "none recorded"


def run(names: list[str | None], out: Path) -> str:
    lines = ["# Layout variants: the unchanged spiders on markup their rules were not written for", "",
             "Produced by `.venv/bin/python -m bench.variants`. **Every page here is the replay's** "
             "(replay/, written by us from shared/sites.md and the seeds; variants: replay/variants.py), "
             "not a live page. One `newscrawl crawl` per variant (of the sites it changes; the regular replay: "
             "all six sites), DOWNLOAD_DELAY=0, AutoThrottle off, each into a fresh SQLite file.", "",
             "Body: stored sapo + body against the true sapo + body, shingle P/R/F1 (bench/shingles.py) over "
             "the stored articles; trafilatura: plain `trafilatura.extract(html, include_comments=False)` on "
             "the same article pages against the same truth. Dates: right to the minute, over articles with a "
             "true date the page states; leads and authors likewise over the pages that show one "
             "(`Variant.shows`). Targets (issues 11 and 20): stored ≥ 90 %, F1 ≥ 0.97, P ≥ 0.97, titles 100 %, "
             "dates ≥ 95 %, leads ≥ 90 %, authors ≥ 90 %.", "", *machine(), ""]
    rows, layer_rows, declared = [], [], []
    with TemporaryDirectory() as tmp:
        for name in names:
            web = ReplayWeb(variant=name)
            v = VARIANTS[name] if name else None
            sites = v.sites if v else ALL_SITES
            db = Path(tmp) / f"{name or 'regular'}.db"
            started = time.monotonic()
            result = crawl(name, db, sites)
            seconds = time.monotonic() - started
            print(f"{name or 'regular'}: crawl exit {result.returncode} in {seconds:.1f}s", file=sys.stderr)
            if result.returncode not in (0, 3):
                rows.append([name or "regular", "(crawl failed)", result.returncode, *[""] * 10])
                print(result.stderr[-3000:], file=sys.stderr)
                continue
            for site in [x for x in sites if x in SITES or (v and x in DECLARED_SITES)]:
                s = score_site(db, web, site)
                t = trafilatura_site(web, site)
                rows.append([name or "regular", site, f"{s['stored']}/{s['total']}",
                             f"{s['precision']:.3f}", f"{s['recall']:.3f}", f"{s['f1']:.3f}",
                             f"{t['precision']:.3f} / {t['recall']:.3f} / {t['f1']:.3f}",
                             pct(round(s["titles"] * s["stored"]), s["stored"]),
                             f"{100 * s['dates']:.0f}%", f"{100 * s['leads']:.0f}%",
                             f"{100 * s['authors']:.0f}% of {s['signed']}",
                             (s["flag"] or "").replace("|", "/")[:160] or "–",
                             "; ".join(misses(s)) or "all met"])
                layer_rows.append([name or "regular", site, _layers(s["layers"])])
            if name is None:
                for site in DECLARED_SITES:
                    s = score_site(db, web, site)
                    declared.append([site, f"{s['stored']}/{s['total']}", pct(s["complete"], s["total"]),
                                     f"{s['f1']:.3f}", f"{100 * s['dates']:.0f}%", (s["flag"] or "–")[:160]])
    lines += ["## Per variant and site", ""]
    lines += table(["variant", "site", "stored", "P", "R", "F1", "trafilatura P / R / F1", "titles",
                    "dates", "leads", "authors (where shown)", "flag", "targets missed"], rows)
    lines += ["", "## Which layer answered (articles.extracted_by, counted per field)", ""]
    lines += table(["variant", "site", "layers"], layer_rows)
    if declared:
        lines += ["", "## laodong.vn and nld.com.vn (regular replay; target: ≥ 90 % stored with title, body "
                  "and date)", ""]
        lines += table(["site", "stored", "with title, body and date", "F1 (sapo + body)", "dates", "flag"],
                       declared)
    text = "\n".join(lines) + "\n"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    return text


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.variants", description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"markdown file (default {DEFAULT_OUT})")
    parser.add_argument("--only", nargs="*", metavar="NAME", choices=["regular", *VARIANTS],
                        help="only these variants ('regular': the regular replay)")
    args = parser.parse_args(argv)
    names = [None, *VARIANTS] if not args.only else [None if n == "regular" else n for n in args.only]
    print(run(names, args.out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
