"""`newscrawl cluster ...`: run the crawl on Scrapyd nodes with one SQLite writer.

    newscrawl cluster node --dir DIR --port 6800 [--max-proc N] [--bind ADDR]
        On each crawl machine: write DIR/scrapyd.conf and run Scrapyd there.
    newscrawl cluster ingest --db data/news.db --redis redis://HOST:6379/0 [--until-idle]
        On the machine with the database: the one writer (keep it running, e.g. under systemd).
    newscrawl cluster crawl --db data/news.db --redis URL --node URL [--node URL]... [SITE]...
        Dispatch one job per site, follow them, wait until everything is stored, print a summary.
    newscrawl cluster status --redis URL --node URL...
        The writer, the events waiting, the jobs in flight, each node's jobs.

--redis and --node default to the [cluster] table of schedule.toml (redis = "...",
nodes = ["...", ...]), which also makes the nightly scheduler dispatch to the nodes.
Exit status: 0 when every job finished; 1 when one did not; 2 when the cluster cannot take the
crawl (no writer, no node, no Redis): then nothing was fetched.
"""
from __future__ import annotations

import logging
import os
import shutil
import sys
import time

import click

from crawler.settings import configured_db


def _cluster_defaults(redis_url: str | None, nodes: tuple[str, ...] = (),
                      need_nodes: bool = True) -> tuple[str, list[str]]:
    """--redis / --node, else schedule.toml's [cluster] table (nodes only if `need_nodes`)."""
    if not redis_url or (need_nodes and not nodes):
        from crawler.schedule.config import ConfigError, load_config
        try:
            cluster = load_config().cluster
        except ConfigError as exc:
            raise click.UsageError(f"cannot read the [cluster] table: {exc}") from None
        if cluster is not None:
            redis_url = redis_url or cluster.redis
            nodes = nodes or tuple(cluster.nodes)
    if not redis_url:
        raise click.UsageError("no Redis: give --redis redis://HOST:PORT/DB or set [cluster] "
                               "redis in schedule.toml")
    return redis_url, list(nodes)


def _logging(verbose: bool) -> None:
    logging.basicConfig(level=logging.DEBUG if verbose else logging.INFO,
                        format="%(asctime)s %(levelname)s %(message)s", stream=sys.stderr)


@click.group("cluster")
def cluster_command() -> None:
    """Crawl on several machines: Scrapyd nodes, a Redis channel, one SQLite writer."""


@cluster_command.command("node")
@click.option("--dir", "directory", metavar="DIR", default="data/cluster-node", show_default=True,
              help="The node's folder (its scrapyd.conf, logs and job queue).")
@click.option("--port", type=click.IntRange(1, 65535), default=6800, show_default=True)
@click.option("--bind", default="127.0.0.1", show_default=True,
              help="Address to listen on (0.0.0.0 for the cluster's network; Scrapyd has no "
                   "authentication unless its username/password are set).")
@click.option("--max-proc", type=click.IntRange(1, None), default=None,
              help="Crawls run at once on this node (default: the number of CPUs).")
def node_command(directory: str, port: int, bind: str, max_proc: int | None) -> None:
    """Run Scrapyd for newscrawl's spiders on this machine (replaces this process)."""
    from crawler.cluster.nodeconf import write_node_config
    config = write_node_config(directory, port, max_proc or os.cpu_count() or 1, bind=bind)
    scrapyd = shutil.which("scrapyd", path=os.path.dirname(sys.executable)) or \
        shutil.which("scrapyd")
    if scrapyd is None:
        raise click.ClickException("scrapyd is not installed: pip install 'newscrawl[cluster]' "
                                   "(or `make setup`)")
    click.echo(f"Scrapyd node on http://{bind}:{port} (config {config})", err=True)
    os.chdir(config.parent)
    os.execv(scrapyd, [scrapyd])


@cluster_command.command("ingest")
@click.option("--db", "db_path", metavar="PATH", default=None,
              help="Database (default: $NEWS_DB, else [scheduler] db, else data/news.db).")
@click.option("--redis", "redis_url", metavar="URL", default=None,
              help="The cluster's Redis (default: [cluster] redis in schedule.toml).")
@click.option("--until-idle", is_flag=True,
              help="Exit once no event waits and no job is in flight, after the first event "
                   "(or 60 s without any); else run until SIGTERM.")
@click.option("-v", "--verbose", is_flag=True, help="Debug logging.")
def ingest_command(db_path: str | None, redis_url: str | None, until_idle: bool,
                   verbose: bool) -> None:
    """The one writer: store what the nodes send, each event once, committing each."""
    from crawler.cluster.channel import ChannelError
    from crawler.cluster.ingest import Ingest
    from crawler.store import OpenError
    _logging(verbose)
    redis_url, _ = _cluster_defaults(redis_url, need_nodes=False)
    db_path = db_path or configured_db()
    try:
        ingest = Ingest(db_path, redis_url)
    except (ChannelError, OpenError) as exc:
        raise click.ClickException(f"{exc}; nothing was taken from Redis") from None
    click.echo(f"ingest: writing {db_path} from Redis at {redis_url}"
               + (" until idle" if until_idle else " until SIGTERM"), err=True)
    start = time.monotonic()
    try:
        applied = ingest.run(until_idle=until_idle)
    except ChannelError as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        ingest.close()
    per_article = (ingest.busy_seconds / ingest.articles * 1000) if ingest.articles else 0.0
    click.echo(f"ingest: {applied} event(s) applied ({ingest.articles} article(s)) in "
               f"{time.monotonic() - start:.1f} s; writing took {ingest.busy_seconds:.1f} s "
               f"({per_article:.1f} ms per article)", err=True)


@cluster_command.command("crawl")
@click.argument("sites", nargs=-1, metavar="[SITE]...")
@click.option("--db", "db_path", metavar="PATH", default=None,
              help="Database the writer writes (default: $NEWS_DB, else [scheduler] db, else "
                   "data/news.db): the snapshots are read from it.")
@click.option("--redis", "redis_url", metavar="URL", default=None,
              help="The cluster's Redis (default: [cluster] redis in schedule.toml).")
@click.option("--node", "nodes", multiple=True, metavar="URL",
              help="A Scrapyd node, e.g. http://10.0.0.5:6800; repeat for each (default: "
                   "[cluster] nodes in schedule.toml).")
@click.option("-s", "--set", "overrides", multiple=True, metavar="NAME=VALUE",
              help="A Scrapy setting for every job (repeatable).")
@click.option("--backfill", is_flag=True, help="Follow pagination back to --since.")
@click.option("--since", metavar="YYYY-MM-DD", default=None, help="Backfill back to this date.")
@click.option("--timeout", type=float, default=None,
              help="Cancel the jobs still running after this many seconds.")
@click.option("-v", "--verbose", is_flag=True, help="Debug logging.")
@click.pass_context
def crawl_command(ctx: click.Context, sites: tuple[str, ...], db_path: str | None,
                  redis_url: str | None, nodes: tuple[str, ...], overrides: tuple[str, ...],
                  backfill: bool, since: str | None, timeout: float | None,
                  verbose: bool) -> None:
    """Crawl SITE(s) (default: every site) on the Scrapyd nodes, one job per site."""
    from crawler.cluster.channel import ChannelError
    from crawler.cluster.dispatch import ClusterError, Dispatcher
    from crawler.sites import parse_overrides, site_spiders
    _logging(verbose)
    redis_url, node_urls = _cluster_defaults(redis_url, nodes)
    known = list(site_spiders())
    unknown = [site for site in sites if site not in known]
    if unknown:
        raise click.UsageError(f"unknown site {', '.join(unknown)}; known: {', '.join(known)}")
    settings = parse_overrides(overrides)
    if backfill or since:
        if not since:
            raise click.UsageError("--backfill needs --since YYYY-MM-DD")
        settings["NEWS_BACKFILL_SINCE"] = since
    db_path = db_path or configured_db()
    try:
        dispatcher = Dispatcher(db_path, redis_url, node_urls)
        dispatcher.check()
        jobs, skipped = dispatcher.dispatch(list(sites or known), settings)
    except (ClusterError, ChannelError) as exc:
        click.echo(f"cluster: {exc}", err=True)
        ctx.exit(2)
    for site, why in skipped.items():
        click.echo(f"cluster: {site} not dispatched: {why}", err=True)
    for job in jobs:
        click.echo(f"cluster: {job.site}: job {job.job} on {job.node}", err=True)

    def changed(job) -> None:
        click.echo(f"cluster: {job.site}: job {job.job} {job.state}"
                   + (f" ({job.ended_how})" if job.ended_how else ""), err=True)
    still = dispatcher.follow(jobs, timeout, on_change=changed)
    for job in still:
        click.echo(f"cluster: {job.site}: job {job.job} still {job.state} after {timeout} s; "
                   "cancelled", err=True)
        dispatcher.cancel(job)
    if still:
        dispatcher.follow(still, 120)
    dispatcher.wait_applied(jobs)
    rows = dispatcher.runs(jobs)
    click.echo(f"\n{'site':<14} {'node':<26} {'status':<12} {'pages':>6} {'new':>6} "
               f"{'failed':>6}")
    ok = not skipped
    for job, row in zip(jobs, rows):
        row = row or {}
        status = row.get("status") or "no run"
        ok = ok and status == "finished"
        click.echo(f"{job.site:<14} {job.node:<26} {status:<12} "
                   f"{row.get('pages_fetched') or 0:>6} {row.get('articles_new') or 0:>6} "
                   f"{row.get('articles_failed') or 0:>6}")
    ctx.exit(0 if ok else 1)


@cluster_command.command("status")
@click.option("--redis", "redis_url", metavar="URL", default=None)
@click.option("--node", "nodes", multiple=True, metavar="URL")
def status_command(redis_url: str | None, nodes: tuple[str, ...]) -> None:
    """The writer, the events waiting, the jobs in flight and each node's jobs."""
    from crawler.cluster.channel import Channel, ChannelError
    from crawler.cluster.scrapyd import NodeError, ScrapydNode
    redis_url, node_urls = _cluster_defaults(redis_url, nodes)
    try:
        channel = Channel(redis_url)
        writes = channel.writer_db()
        click.echo(f"writer: {f'alive, writing {writes}' if writes else 'NOT RUNNING'}; "
                   f"events waiting: {channel.pending()}")
        for job, info in channel.jobs().items():
            click.echo(f"in flight: {job} ({info['site']} on {info['node']})")
    except ChannelError as exc:
        raise click.ClickException(str(exc)) from None
    for url in node_urls:
        try:
            states = ScrapydNode(url).jobs()
            click.echo(f"node {url}: " + ", ".join(f"{len(v)} {k}" for k, v in states.items()))
        except NodeError as exc:
            click.echo(f"node {url}: {exc}")
