"""The `newscrawl` command line (console script, see pyproject.toml).

    newscrawl crawl [SITE ...] [--db PATH] [-s NAME=VALUE ...] [--jobs N] [--quiet]
    newscrawl extract FILE [FILE ...] [--url URL]
    newscrawl serve [--db PATH] [--port N]
    newscrawl reextract [--site S] [--db PATH] [--jobs N] [--topics-only] [-s NAME=VALUE] [-q]

`crawl` runs the given spiders (default: all of them) together in one process, then prints a
per-site summary read back from the crawl_runs table. Exit status: 0 when every run finished,
1 when any run failed or was interrupted, 2 for usage errors (unknown site, bad -s), 3 when every
run finished but a site was flagged ("layout changed?", "unreachable?", "stale?": crawl_runs.flag).
`check [SITE ...]` fetches one listing and one article per site and prints which fields came out
(and reads again the samples of a declaration add-site wrote).
`add-site URL` writes a new site's declaration (crawler/addsite/).
Other commands are added to the same `main` group by their own modules/functions.
"""
from __future__ import annotations

import os
import sys
import time
from datetime import datetime
from typing import Any

import click

from crawler import __version__


# crawler.sites imports Scrapy and the spiders (most of a second): only the commands that need
# it import it, so that `newscrawl --help` and the light commands start at once.
def project_settings():
    from crawler.sites import project_settings as settings
    return settings()


def parse_overrides(overrides):
    from crawler.sites import parse_overrides as parse
    return parse(overrides)


class LazyGroup(click.Group):
    """A click group whose commands written in other modules are imported when one is run or
    listed (`--help`): `newscrawl crawl`, one process per crawl, does not import the scheduler's,
    the cluster's, add-site's or the topics command's code (~0.03 s CPU of its start)."""

    def __init__(self, *args: Any, lazy_commands: dict[str, str] | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.lazy_commands = dict(lazy_commands or {})   # name -> "module:attribute"

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.lazy_commands})

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in self.lazy_commands and name not in self.commands:
            import importlib
            module, _, attribute = self.lazy_commands[name].partition(":")
            self.add_command(getattr(importlib.import_module(module), attribute), name)
        return super().get_command(ctx, name)


@click.group(cls=LazyGroup, lazy_commands={
    # `newscrawl schedule`: the nightly schedule, the same click command as `python scheduler.py`
    "schedule": "crawler.schedule.command:schedule_command",
    "topics": "crawler.topics_cli:topics_command",
    "cluster": "crawler.cluster.command:cluster_command",
    "add-site": "crawler.addsite.command:add_site_command",   # crawler/addsite/
    "compact": "crawler.compact_cli:compact_command",
})
@click.version_option(__version__, prog_name="newscrawl")
def main() -> None:
    """Crawl Vietnamese trade-union news into one SQLite database, browsed with Datasette."""


@main.command()
@click.argument("sites", nargs=-1, metavar="[SITE]...")
@click.option("--db", "db_path", metavar="PATH", default=None,
              help="SQLite database to write (default: $NEWS_DB, else schedule.toml's db, "
                   "else data/news.db).")
@click.option("-s", "--set", "overrides", multiple=True, metavar="NAME=VALUE",
              help="Override a Scrapy setting, e.g. -s DOWNLOAD_DELAY=2 (repeatable).")
@click.option("-v", "--verbose", is_flag=True,
              help="Show Scrapy's full log (default: only warnings and errors, then the summary).")
@click.option("--backfill", is_flag=True,
              help="Follow listing pages back in time (with --since) instead of stopping at "
                   "the first page of stored articles.")
@click.option("--since", metavar="YYYY-MM-DD", default=None,
              help="With --backfill: how far back to go.")
@click.option("-j", "--jobs", type=click.IntRange(1, None), default=1, show_default=True,
              help="Crawl each site in its own process, this many at a time (uses more "
                   "CPUs for backfills; 1: every site in this one process).")
@click.option("-q", "--quiet", is_flag=True,
              help="No progress on stderr (by default: a live table on a terminal, else a "
                   "line per site every NEWS_PROGRESS_INTERVAL seconds).")
def crawl(sites: tuple[str, ...], db_path: str | None, overrides: tuple[str, ...],
          verbose: bool, backfill: bool, since: str | None, jobs: int = 1,
          quiet: bool = False) -> None:
    """Crawl SITE(s) (default: every site) into the database, then print a summary.

    By default only what is new is fetched: listing pages, then the articles not stored yet
    (and recent ones again, conditionally, to catch corrections)."""
    # Scrapy's TLS context factory first, while few modules are loaded and the stack is short:
    # its module-level deprecated aliases (create_deprecated_class) call inspect.stack() and
    # inspect.getmodule(), whose cost grows with both; imported by the first crawler built, deep
    # in the reactor with ~1,000 modules loaded, they cost ~0.09 s CPU per crawl process, here
    # ~0.03 s.
    import scrapy.core.downloader.contextfactory  # noqa: F401
    from scrapy.crawler import AsyncCrawlerProcess, CrawlerProcess
    from scrapy.spiderloader import get_spider_loader

    from crawler.gc_tuning import after_start_up
    from crawler.progress import Progress, choose_mode, crawl_row
    from crawler.store import NewsDB, OpenError

    settings = project_settings()
    if not verbose:
        settings.set("LOG_LEVEL", "WARNING", priority="cmdline")
    settings.setdict(parse_overrides(overrides), priority="cmdline")
    if db_path:
        settings.set("NEWS_DB", db_path, priority="cmdline")
    db_path = str(settings.get("NEWS_DB"))
    if backfill != bool(since):
        raise click.UsageError("--backfill and --since go together: "
                               "newscrawl crawl --backfill --since 2024-01-01")
    if since:
        try:
            datetime.strptime(since, "%Y-%m-%d")
        except ValueError:
            raise click.BadParameter(f"{since!r} is not a date like 2024-01-31",
                                     param_hint="--since") from None
        settings.set("NEWS_BACKFILL_SINCE", since, priority="cmdline")

    try:
        known = sorted(get_spider_loader(settings).list())
    except Exception as exc:  # a broken spider module: say which and stop
        raise click.ClickException(f"cannot load the spiders: {exc}") from exc
    requested = list(dict.fromkeys(sites)) or known
    unknown = [s for s in requested if s not in known]
    if unknown:
        raise click.UsageError(
            f"unknown site{'s' if len(unknown) > 1 else ''}: {', '.join(unknown)}. "
            f"Known sites: {', '.join(known) or '(none: no spider found)'}"
        )
    if not requested:
        raise click.UsageError("no spider found in the project; nothing to crawl")

    # Open (create, migrate) the database now, so a bad path fails before any fetch.
    try:
        NewsDB(db_path).close()
    except OpenError as exc:
        raise click.ClickException(f"{exc}. Nothing was fetched. Choose a writable path with "
                                   "--db PATH") from exc
    click.echo(f"Database: {os.path.abspath(db_path)}", err=True)

    if jobs > 1 and len(requested) > 1:
        child_args = ["--db", db_path, *(a for o in overrides for a in ("-s", o))]
        child_args += ["-v"] if verbose else []
        child_args += ["--backfill", "--since", since] if since else []
        run_ids = _crawl_in_processes(requested, jobs, db_path, child_args, choose_mode(quiet),
                                      settings.getfloat("NEWS_PROGRESS_INTERVAL"))
    else:
        # Started before Scrapy sets up logging, so on a terminal its log scrolls above the table.
        crawlers: list = []
        progress = Progress(lambda: [crawl_row(n, c) for n, c in crawlers], choose_mode(quiet),
                            settings.getfloat("NEWS_PROGRESS_INTERVAL"),
                            title=f"newscrawl crawl: {len(requested)} site(s)")
        progress.start()
        # Same choice of process class as `scrapy crawl`.
        use_async = (
            settings["TWISTED_REACTOR"] == "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
            and not settings.getbool("FORCE_CRAWLER_PROCESS")
        ) or not settings.getbool("TWISTED_REACTOR_ENABLED")
        try:
            process = (AsyncCrawlerProcess if use_async else CrawlerProcess)(settings)
            for name in requested:
                crawler = process.create_crawler(name)
                crawlers.append((name, crawler))
                process.crawl(crawler)
            after_start_up()
            process.start()
        finally:
            progress.stop()

        run_ids: dict[str, int | None] = {}
        for name, crawler in crawlers:
            stats = getattr(crawler, "stats", None)
            run_ids[name] = stats.get_value("newscrawl/run_id") if stats is not None else None

    with NewsDB(db_path) as db:
        rows = {row["id"]: row for row in db.runs([i for i in run_ids.values() if i])}
        newest = db.newest_articles(requested, 5)
        total, copies = db.count("articles"), db.count("duplicates")
    ok = _print_summary(requested, run_ids, rows, db_path)
    click.echo(f"In the database now: {total} articles, {copies} copies recorded in duplicates "
               "(an original that replaced a copy stored before it counts as a copy, not as new)." if copies else f"In the database now: {total} articles.")
    if newest:
        click.echo("Newest articles in the database:")
        for article in newest:
            click.echo(f"  {(article['published_at'] or '(no date)')[:16]:16}  "
                       f"{article['site']:13} {article['title']}")
    click.echo(f"Browse and search it: newscrawl serve --db {db_path}   (or: make serve)")
    # Sites that need a look (crawler/health.py): "layout changed?", "unreachable?", "stale?".
    flagged = [(row["spider"], row["flag"]) for row in rows.values() if row.get("flag")]
    if flagged:
        click.echo("NEEDS A LOOK:")
        for site, flag in flagged:
            click.echo(f"  {site}: {flag}")
    sys.exit(0 if ok and not flagged else (1 if not ok else 3))


def _crawl_in_processes(sites: list[str], jobs: int, db_path: str, child_args: list[str],
                        progress_mode: str = "off",
                        interval: float = 60.0) -> dict[str, int | None]:
    """`crawl --jobs N`: each site in its own `newscrawl crawl SITE` child process (same
    options), N at a time; returns {site: crawl_runs id} (None: the child recorded no run).

    Children run in their own session: a Ctrl-C or SIGTERM to this process is passed on once,
    so each crawl stops cleanly (its run shows as interrupted) and no new one starts. Their
    warnings and errors go to stderr as they come; their own summaries are not printed (the
    combined one is), except the output of a child that recorded no run.

    Progress: each child prints its progress lines to its stderr (a pipe here), a second apart;
    a thread per child reads them into this process's display and passes every other line on."""
    import signal
    import subprocess
    import tempfile
    import threading
    import time

    from crawler.progress import CHILD_INTERVAL_SECONDS, ChildRows, Progress
    from crawler.schedule.runner import crawl_command, start_crawl
    from crawler.store import NewsDB

    if progress_mode == "off":
        child_args = [*child_args, "--quiet"]
    else:
        child_args = [*child_args, "-s",
                      f"NEWS_PROGRESS_INTERVAL={min(interval, CHILD_INTERVAL_SECONDS)}"]
    rows = ChildRows(list(sites))
    progress = Progress(rows, progress_mode, interval,
                        title=f"newscrawl crawl: {len(sites)} sites, {jobs} at a time")
    passing = threading.Lock()

    def passthrough(line: str) -> None:
        with passing:
            sys.stderr.write(line)
            sys.stderr.flush()

    readers: dict[str, threading.Thread] = {}

    with NewsDB(db_path) as db:
        before = db.last_run_id()
    waiting = list(sites)
    running: dict[str, tuple[subprocess.Popen, Any]] = {}
    pids: dict[str, int] = {}
    outputs: dict[str, str] = {}
    stopping: list[int] = []

    def on_signal(signum, frame):
        if not stopping:
            click.echo(f"stopping: the running crawls ({', '.join(running)}) finish cleanly, "
                       "no new one starts", err=True)
            for proc, _ in running.values():
                try:
                    proc.send_signal(signal.SIGTERM)
                except OSError:
                    pass
        stopping.append(signum)

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    progress.start()
    try:
        while waiting or running:
            while waiting and len(running) < jobs and not stopping:
                site = waiting.pop(0)
                out = tempfile.TemporaryFile("w+")
                proc = start_crawl(crawl_command(site, options=child_args), stdout=out,
                                   stderr=None if progress_mode == "off" else subprocess.PIPE)
                running[site], pids[site] = (proc, out), proc.pid
                rows.started(site)
                if proc.stderr is not None:
                    readers[site] = threading.Thread(
                        target=rows.read, args=(site, proc.stderr, passthrough),
                        name=f"crawl-stderr-{site}", daemon=True)
                    readers[site].start()
            if stopping:
                waiting.clear()
            for site, (proc, out) in list(running.items()):
                if proc.poll() is not None:
                    if site in readers:
                        readers[site].join(timeout=5)
                    rows.ended(site, proc.returncode)
                    out.seek(0)
                    outputs[site] = out.read()
                    out.close()
                    del running[site]
            time.sleep(0.1)
    finally:
        progress.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)

    run_ids: dict[str, int | None] = {site: None for site in sites}
    with NewsDB(db_path) as db:
        for site, pid in pids.items():
            run_ids[site] = db.run_of_process(site, pid, after=before)
    for site, text in outputs.items():
        if run_ids[site] is None and text.strip():
            click.echo(f"{site}: the crawl process recorded no run; its output:\n{text[-3000:]}",
                       err=True)
    return run_ids


_COLUMNS = (
    ("site", None), ("pages", "pages_fetched"), ("new", "articles_new"),
    ("unchanged", "articles_unchanged"), ("updated", "articles_updated"),
    ("copies", "articles_duplicate"),
    ("failed", "articles_failed"), ("no date", "articles_without_date"),
    ("errors", "errors"), ("status", None),
)


def _print_summary(sites: list[str], run_ids: dict[str, int | None],
                   rows: dict[int, dict], db_path: str) -> bool:
    """Print the per-site table; return True when every run finished."""
    table: list[list[str]] = []
    totals = {key: 0 for _, key in _COLUMNS if key}
    ok = True
    problems: list[str] = []
    for site in sites:
        row = rows.get(run_ids.get(site) or -1)
        if row is None:
            ok = False
            table.append([site] + ["-"] * (len(_COLUMNS) - 2) + ["not started"])
            continue
        status = row["status"] or "?"
        if status != "finished":
            ok = False
            status = f"{status} ({row['finish_reason']})" if row["finish_reason"] else status
        cells = [site]
        for _, key in _COLUMNS[1:-1]:
            value = int(row[key] or 0)
            totals[key] += value
            cells.append(str(value))
        table.append(cells + [status])
        if row["problems"]:
            kinds = ", ".join(f"{k} ×{v}" for k, v in row["problems"].items())
            problems.append(f"  {site}: {kinds} (run {row['id']}; URLs in crawl_runs.problem_urls)")
    table.append(["total"] + [str(totals[k]) for _, k in _COLUMNS[1:-1]]
                 + ["ok" if ok else "NOT ALL FINISHED"])

    header = [title for title, _ in _COLUMNS]
    widths = [max(len(r[i]) for r in [header, *table]) for i in range(len(header))]

    def line(cells: list[str]) -> str:
        parts = [cells[0].ljust(widths[0])]
        parts += [c.rjust(w) for c, w in zip(cells[1:-1], widths[1:-1])]
        parts.append(cells[-1])
        return "  ".join(parts)

    click.echo("")
    click.echo(line(header))
    for cells in table[:-1]:
        click.echo(line(cells))
    click.echo("-" * len(line(table[-1])))
    click.echo(line(table[-1]))
    if problems:
        click.echo("Problems:")
        for p in problems:
            click.echo(p)
    click.echo(f"Database: {os.path.abspath(db_path)}")
    return ok


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--url", metavar="URL", default=None,
              help="The page's address. Default: its canonical / og:url link.")
def extract(files: tuple[str, ...], url: str | None) -> None:
    """Print, as one JSON object per line, the article the crawl extracts from each saved FILE.

    The site's rules are chosen from URL (or the page's canonical link); a page of another site
    goes through the generic path. Each object says which layer gave each field
    (`extracted_by`), which of the site's rules matched nothing (`rule_missed`), and, for a page
    that is not stored, why (`rejection`; `for_good` when it is positively not an article).
    A file that fails gives an object with "error".
    """
    import json

    from crawler.sites import read_saved_page

    for path in files:
        try:
            with open(path, "rb") as handle:
                raw = handle.read()
            spider, page = read_saved_page(raw, url)
            if page.found.problems and page.found.problems[0].startswith("could not parse"):
                raise ValueError(page.found.problems[0])
            shown = page.article.to_dict() if page.article else page.found.to_dict()
            record = {"file": path, **shown, "site": getattr(spider, "name", None),
                      "url": page.url, "article_id": page.article_id,
                      "is_article": page.article is not None, "method": page.found.method,
                      "extracted_by": page.found.extracted_by,
                      "rule_missed": page.found.rule_missed,
                      "rejection": page.rejection, "for_good": page.for_good}
            for name in ("html", "etag", "last_modified", "fetched_at", "canonical_url"):
                record.pop(name, None)
        except Exception as error:  # one bad file must not hide the others
            record = {"file": path, "error": f"{type(error).__name__}: {error}"}
        click.echo(json.dumps(record, ensure_ascii=False))


@main.command(context_settings={"ignore_unknown_options": True})
@click.option("--db", "db_path", metavar="PATH", default=None,
              help="SQLite database to browse (default: $NEWS_DB, else schedule.toml's db, "
                   "else data/news.db).")
@click.option("-p", "--port", default=8001, show_default=True, type=click.IntRange(0, 65535),
              help="Port to listen on (0: any free port).")
@click.option("-h", "--host", default="127.0.0.1", show_default=True,
              help="Address to listen on; 0.0.0.0 lets other machines in.")
@click.argument("datasette_args", nargs=-1, type=click.UNPROCESSED, metavar="[DATASETTE OPTION]...")
def serve(db_path: str | None, port: int, host: str, datasette_args: tuple[str, ...]) -> None:
    """Browse and search the database in Datasette, read-only (the crawl can keep writing).

    Uses the repository's datasette/ folder: metadata (titles, column descriptions, facets,
    the search and the other canned queries), the article page template and the plugin.
    Further options go to `datasette serve`, e.g. `--setting sql_time_limit_ms 5000`.
    """
    from datasette.cli import cli as datasette_cli

    from crawler.store import search

    db_path = db_path or str(project_settings().get("NEWS_DB"))
    if not os.path.isfile(db_path):
        raise click.ClickException(
            f"no database at {db_path}: crawl first (`newscrawl crawl --db {db_path}`, or "
            "`make demo` for the offline replay), or choose one with --db PATH")
    try:
        indexed = search.has_fts(db_path)
    except Exception as exc:
        raise click.ClickException(f"cannot read the database {db_path}: {exc}") from exc
    if not indexed:  # made by an older version: add the search index once (the only write)
        click.echo(f"Adding the full-text search index to {db_path} (once)...", err=True)
        try:
            from crawler.store import NewsDB
            NewsDB(db_path).close()
        except Exception as exc:
            click.echo(f"warning: could not add the search index ({exc}); search will not work",
                       err=True)
    click.echo(f"Serving {os.path.abspath(db_path)} read-only at http://{host}:{port}/ "
               "(Ctrl-C to stop)", err=True)
    datasette_cli.main(args=search.datasette_args(db_path, port, host, datasette_args),
                       prog_name="datasette")


@main.command()
@click.argument("sites", nargs=-1, metavar="[SITE]...")
@click.option("-s", "--set", "overrides", multiple=True, metavar="NAME=VALUE",
              help="Override a setting, e.g. -s DOWNLOAD_TIMEOUT=10 (repeatable).")
def check(sites: tuple[str, ...], overrides: tuple[str, ...]) -> None:
    """Live smoke test: fetch one listing page and one article per SITE (default: all) and print
    which fields came out. For the day a site redesigns. Exit status 1 when a site gave no
    article link, no title or no body. Honours http_proxy / https_proxy and robots.txt."""
    from crawler.health import check_sites, format_check
    from crawler.sites import site_spiders

    settings = project_settings()
    settings.setdict(parse_overrides(overrides), priority="cmdline")
    known = site_spiders()
    requested = list(dict.fromkeys(sites)) or sorted(known)
    unknown = [s for s in requested if s not in known]
    if unknown:
        raise click.UsageError(f"unknown site(s): {', '.join(unknown)}. "
                               f"Known sites: {', '.join(sorted(known))}")
    rows = check_sites([known[name] for name in requested], settings)
    click.echo(format_check(rows))
    # declarations written by add-site carry the samples it read: read them again
    from crawler.addsite.command import check_samples
    samples_ok = True
    for name in requested:
        ok, text = check_samples(known[name], settings)
        samples_ok &= ok
        if text:
            click.echo(text)
    sys.exit(0 if all(r["ok"] for r in rows) and samples_ok else 1)


def _existing_db(db_path: str | None, settings=None) -> str:
    """The database a command works on (--db, else the NEWS_DB setting of `settings`, by
    default the project's: read only then); it must exist."""
    if not db_path:
        db_path = str((settings if settings is not None else project_settings()).get("NEWS_DB"))
    if not os.path.isfile(db_path):
        raise click.ClickException(f"no database at {db_path}; choose one with --db PATH")
    return db_path


@main.command()
@click.option("--site", "site", metavar="SITE", default=None,
              help="Only this site's articles (default: every stored article).")
@click.option("--db", "db_path", metavar="PATH", default=None,
              help="SQLite database (default: $NEWS_DB, else schedule.toml's db, else "
                   "data/news.db).")
@click.option("-j", "--jobs", type=click.IntRange(1, None), default=None,
              help="Extraction processes (default: one per CPU).")
@click.option("--topics-only", is_flag=True,
              help="Only tag the stored articles again with the topic vocabulary "
                   "(crawler/topics.toml), from their stored title, lead and body: after an "
                   "edit of the vocabulary. No page is read again.")
@click.option("-s", "--set", "overrides", multiple=True, metavar="NAME=VALUE",
              help="Override a setting, e.g. -s NEWS_PROGRESS_INTERVAL=10 (repeatable).")
@click.option("-q", "--quiet", is_flag=True,
              help="No progress on stderr (by default: a live line on a terminal, else a "
                   "line every NEWS_PROGRESS_INTERVAL seconds).")
def reextract(site: str | None, db_path: str | None, jobs: int | None,
              topics_only: bool = False, overrides: tuple[str, ...] = (),
              quiet: bool = False) -> None:
    """Re-extract every stored article from its kept raw HTML with the current rules.

    Nothing is fetched. An article whose text comes out different is updated as a crawl would
    update it (the old text kept in article_versions); the others are left alone. The kept
    pages that did not become articles when fetched (refused_pages) are read again too: those
    read as articles now are stored. Prints the counts read, changed, unchanged, failed, the
    refused pages read and recovered, and the articles per second. Exit status 1 when some
    articles failed (no longer read as articles: their stored text is kept). Last, every
    article's topics are computed again (`--topics-only`: only that, and say how many changed)."""
    from crawler.reextract import format_result, reextract as run_reextract
    from crawler.sites import site_spiders

    settings = project_settings()
    settings.setdict(parse_overrides(overrides), priority="cmdline")
    db_path = _existing_db(db_path, settings)
    click.echo(f"Database: {os.path.abspath(db_path)}", err=True)
    if site is not None and site not in site_spiders():
        raise click.UsageError(f"unknown site: {site}. Known sites: "
                               f"{', '.join(sorted(site_spiders()))}")
    from crawler.reextract import format_topics_result, recompute_topics
    from crawler.topics import VocabularyError, load_vocabulary
    try:
        load_vocabulary()          # a broken vocabulary file: say so before reading anything
    except VocabularyError as exc:
        raise click.ClickException(str(exc)) from exc
    from crawler.progress import Progress, Row, choose_mode
    latest: dict = {"result": None, "state": "running", "started": time.monotonic()}

    def rows() -> list[Row]:
        done = latest["result"]
        return [Row(site or "all sites", {"read": done.read if done else 0,
                                          "changed": done.changed if done else 0,
                                          "failed": getattr(done, "failed", 0)},
                    time.monotonic() - latest["started"], latest["state"])]

    display = Progress(rows, choose_mode(quiet), settings.getfloat("NEWS_PROGRESS_INTERVAL"),
                       title="newscrawl reextract")

    def progress(result) -> None:   # each chunk read; the display starts after the pool forked
        latest["result"] = result
        display.start()

    try:
        if topics_only:
            result = recompute_topics(db_path, site=site, progress=progress)
        else:
            result = run_reextract(db_path, site=site, jobs=jobs, progress=progress)
        latest.update(result=result, state="finished")
    finally:
        latest["state"] = "finished" if latest["state"] == "finished" else "stopped"
        display.stop()
    if topics_only:
        click.echo(format_topics_result(result))
        return
    click.echo(format_result(result))
    for failure in result.failures:
        click.echo(f"  failed: {failure}")
    sys.exit(1 if result.failed else 0)


if __name__ == "__main__":  # pragma: no cover
    main()
