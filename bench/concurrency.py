"""Several crawls on one database at once (issue 12): rounds of simultaneous spiders, fresh files.

    python -m bench.concurrency [--rounds 20] [--out bench/results/concurrency.md]

Each round: a fresh database in a temporary folder, and the four sites' spiders as four separate
`scrapy crawl SITE -s NEWS_DB=... -s NEWS_MAX_LISTING_PAGES=1` processes, released at the same
instant: each process first imports Scrapy and the project, then waits for a start time shared
by all four (`python -m bench.concurrency at UNIX_TIME -- crawl SITE ...`, which then runs
`scrapy.cmdline.execute`, the very code of `scrapy crawl`). They crawl the replay (an in-process
`replay.server.ReplayServer` on 127.0.0.1, through `https_proxy`).

Per round it records: each process's exit status; its crawl_runs row and status; lock failures
(a non-zero exit, a missing or unfinished run, or a log line saying "database is locked",
"still locked", "cannot use the database" or "cannot write to the database"); the stored set (article URLs)
compared with the first round's and with a reference crawl of the four sites in one process
(`newscrawl crawl`, nothing concurrent); and the time each process's database opening took
(waits for the other processes included; crawler/store/schema.py logs it, crawler/runs.py
reports it with the longest write wait) and the longest.

The same launcher, `start_together`, is used by tests/test_concurrency.py.
"""
from __future__ import annotations

import argparse
import os
import platform
import re
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = REPO_ROOT / "bench" / "results" / "concurrency.md"
SITES = ("laodongthudo", "tuoitrethudo", "baolaocai", "hanoigov")
QUICK = ["-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False",
         "-s", "NEWS_MAX_LISTING_PAGES=1"]
# What a crawl logs about its database (crawler/runs.py).
WAITS = re.compile(r"database waits: opening ([0-9.]+) s, longest write ([0-9.]+) s")
LOCK_TROUBLE = ("database is locked", "cannot use the database", "cannot write to the database",
                "still locked")


def start_together(argvs: list[list[str]], env: dict, cwd: Path, logs: Path,
                   lead: float = 2.5) -> list[subprocess.Popen]:
    """Start one process per `scrapy` argument list (e.g. ["crawl", "hanoigov", ...]), all
    released at the same instant `lead` seconds from now, after their imports; stderr of the
    i-th goes to logs/i.log. Returns the processes (not waited for)."""
    logs.mkdir(parents=True, exist_ok=True)
    at = time.time() + lead
    procs = []
    for i, argv in enumerate(argvs):
        with open(logs / f"{i}.log", "wb") as err:
            procs.append(subprocess.Popen(
                [sys.executable, "-m", "bench.concurrency", "at", f"{at:.6f}", "--", *argv],
                env=env, cwd=cwd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                stderr=err))
    return procs


def _launch(at: float, argv: list[str]) -> None:
    """`python -m bench.concurrency at TIME -- ARGS`: import, wait for TIME, `scrapy ARGS`."""
    import scrapy.cmdline
    import crawler.newsspider  # noqa: F401  (the spiders' imports, before the start time)
    import crawler.pipelines  # noqa: F401
    import crawler.runs  # noqa: F401
    time.sleep(max(0.0, at - time.time()))
    sys.argv = ["scrapy", *argv]
    scrapy.cmdline.execute(sys.argv)


def _rounds(site: str, barrier: Path, dbs: list[str], overrides: list[str], size: int) -> None:
    """`python -m bench.concurrency rounds SITE BARRIER SIZE DB... -- -s NAME=VALUE ...`: one
    process crawling SITE once into each DB in turn, each crawl released when all `size`
    processes of that round have reached it (a file barrier), through the code of `scrapy
    crawl` (project settings, CrawlRunRecorder, pipelines), several crawls in one reactor."""
    import asyncio

    from scrapy.crawler import AsyncCrawlerRunner
    from scrapy.utils.log import configure_logging
    from scrapy.utils.project import get_project_settings
    from scrapy.utils.reactor import install_reactor

    settings = get_project_settings()
    for pair in overrides:
        name, _, value = pair.partition("=")
        settings.set(name, value, priority="cmdline")
    install_reactor(settings["TWISTED_REACTOR"])
    configure_logging(settings)
    from twisted.internet import reactor
    from twisted.internet.defer import Deferred

    async def crawl_all() -> None:
        try:
            for n, db in enumerate(dbs):
                gate = barrier / str(n)
                gate.mkdir(parents=True, exist_ok=True)
                (gate / site).touch()
                while len(list(gate.iterdir())) < size:
                    time.sleep(0.001)
                round_settings = settings.copy()
                round_settings.set("NEWS_DB", db, priority="cmdline")
                await AsyncCrawlerRunner(round_settings).crawl(site)
        finally:
            reactor.stop()

    reactor.callWhenRunning(lambda: Deferred.fromFuture(asyncio.ensure_future(crawl_all())))
    reactor.run()


def query(db: Path, sql: str, params=()) -> list[tuple]:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def stored_urls(db: Path) -> frozenset[str]:
    return frozenset(u for (u,) in query(db, "SELECT url FROM articles"))


def one_round(db: Path, env: dict, logs: Path, sites=SITES, timeout: float = 300) -> dict:
    """Four simultaneous `scrapy crawl` processes on `db`: what happened (see the module)."""
    procs = start_together([["crawl", site, "-s", f"NEWS_DB={db}", *QUICK] for site in sites],
                           env, REPO_ROOT, logs)
    codes = [p.wait(timeout=timeout) for p in procs]
    texts = [(logs / f"{i}.log").read_text(errors="replace") for i in range(len(procs))]
    runs = query(db, "SELECT spider, status FROM crawl_runs ORDER BY id") if db.exists() else []
    waits = [tuple(float(x) for x in m.groups()) for t in texts for m in WAITS.finditer(t)]
    trouble = [line for t in texts for line in t.splitlines()
               if any(word in line for word in LOCK_TROUBLE)]
    failures = (sum(1 for c in codes if c != 0) + len(trouble)
                + sum(1 for site in sites if (site, "finished") not in runs))
    return {"codes": codes, "runs": runs, "waits": waits, "trouble": trouble,
            "failures": failures, "stored": stored_urls(db) if db.exists() else frozenset()}


def reference(db: Path, env: dict, sites=SITES) -> frozenset[str]:
    """The stored set of one `newscrawl crawl` of the sites in one process (nothing concurrent)."""
    result = subprocess.run([sys.executable, "-m", "crawler.cli", "crawl", *sites, "--db",
                             str(db), *QUICK], env=env, cwd=REPO_ROOT, capture_output=True,
                            text=True, timeout=600)
    if result.returncode not in (0, 3):
        raise RuntimeError(f"reference crawl failed ({result.returncode}): {result.stderr[-2000:]}")
    return stored_urls(db)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["rounds"]:
        split = argv.index("--") if "--" in argv else len(argv)
        site, barrier, size, *dbs = argv[1:split]
        overrides = [v for v in argv[split + 1:] if v != "-s"]
        _rounds(site, Path(barrier), dbs, overrides, int(size))
        return 0
    if argv[:1] == ["at"]:
        at, sep, rest = argv[1], argv[2], argv[3:]
        assert sep == "--", "usage: python -m bench.concurrency at UNIX_TIME -- SCRAPY ARGS"
        _launch(float(at), rest)
        return 0
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)

    from replay.server import ReplayServer

    work = Path(tempfile.mkdtemp(prefix="bench-concurrency-"))
    rows, all_waits = [], []
    started = time.monotonic()
    with ReplayServer() as server:
        env = {**os.environ, **server.env(), "PYTHONPATH": str(REPO_ROOT)}
        expected = reference(work / "reference.db", env)
        for n in range(1, args.rounds + 1):
            result = one_round(work / f"round{n}.db", env, work / f"logs{n}")
            opens = [w[0] for w in result["waits"]]
            writes = [w[1] for w in result["waits"]]
            all_waits += result["waits"]
            rows.append((n, result, opens, writes))
            print(f"round {n}: exit {result['codes']}, runs {len(result['runs'])}, "
                  f"lock failures {result['failures']}, stored {len(result['stored'])}, "
                  f"same as reference: {result['stored'] == expected}, "
                  f"longest opening {max(opens, default=0):.3f} s", flush=True)
    elapsed = time.monotonic() - started

    failures = sum(r["failures"] for _, r, _, _ in rows)
    same = sum(1 for _, r, _, _ in rows if r["stored"] == expected)
    opens = sorted(w[0] for w in all_waits)
    writes = sorted(w[1] for w in all_waits)
    import scrapy
    lines = [
        "# Several crawls on one database at once",
        "",
        f"Command: `.venv/bin/python -m bench.concurrency --rounds {args.rounds}` "
        f"({elapsed:.0f} s). Pages: the replay (pages we wrote), served on 127.0.0.1.",
        "",
        f"- machine: {platform.platform()}, {os.cpu_count()} CPUs; python "
        f"{platform.python_version()}, scrapy {scrapy.__version__}, sqlite {sqlite3.sqlite_version}",
        f"- each round: a fresh database, `scrapy crawl SITE -s NEWS_DB=... {' '.join(QUICK)}` "
        f"for {', '.join(SITES)} as four processes released at the same instant",
        f"- reference: one `newscrawl crawl` of the four sites in one process: "
        f"{len(expected)} articles",
        "",
        "| | result |",
        "|---|---|",
        f"| rounds | {len(rows)} |",
        f"| lock failures (non-zero exit, missing/unfinished run, lock error in a log) | "
        f"**{failures}** (target 0) |",
        f"| rounds whose stored set equals the reference | {same} of {len(rows)} |",
        f"| distinct stored sets over all rounds | {len({r['stored'] for _, r, _, _ in rows})} |",
        f"| database openings measured | {len(opens)} |",
        f"| opening time (waits for the others included): median / longest | "
        f"{_median(opens):.3f} s / **{max(opens, default=0):.3f} s** |",
        f"| openings that took over 0.05 s (waited for another process) | "
        f"{sum(1 for w in opens if w > 0.05)} |",
        f"| longest wait of one write for another writer's lock: median / longest | "
        f"{_median(writes):.3f} s / **{max(writes, default=0):.3f} s** |",
        "",
        "| round | exit statuses | runs recorded | lock failures | stored | = reference | "
        "longest opening (s) | longest write wait (s) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for n, result, round_opens, round_writes in rows:
        lines.append(
            f"| {n} | {' '.join(map(str, result['codes']))} | {len(result['runs'])} | "
            f"{result['failures']} | {len(result['stored'])} | "
            f"{'yes' if result['stored'] == expected else 'NO'} | "
            f"{max(round_opens, default=0):.3f} | {max(round_writes, default=0):.3f} |")
    trouble = [line for _, r, _, _ in rows for line in r["trouble"]]
    if trouble:
        lines += ["", "Lock trouble seen:", "", *(f"    {t}" for t in trouble[:20])]
    text = "\n".join(lines) + "\n"
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    print(text)
    return 0 if failures == 0 and same == len(rows) else 1


def _median(values: list[float]) -> float:
    values = sorted(values)
    return values[len(values) // 2] if values else 0.0


if __name__ == "__main__":
    sys.exit(main())
