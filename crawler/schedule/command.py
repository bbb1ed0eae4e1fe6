"""`newscrawl schedule` and `python scheduler.py`: one click command, two names.

    newscrawl schedule                          # run every site on its schedule until SIGTERM
    newscrawl schedule --list                   # each site's schedule, next run and last run
    newscrawl schedule --run-now [SITE]...      # crawl SITE(s) (default: every scheduled one) now
    newscrawl schedule --config PATH --db PATH  # another schedule file / database

Exit status: 0 after a clean stop or when every --run-now crawl finished; 1 when a crawl did not
finish or another scheduler holds the database; 2 for a bad schedule file or an unknown site.
"""
from __future__ import annotations

import click

from crawler.schedule.config import CONFIG_NAME, ConfigError, load_config


@click.command("schedule", context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("sites", nargs=-1, metavar="[SITE]...")
@click.option("--config", "config_path", metavar="PATH", default=None,
              help=f"Schedule file (TOML). Default: ./{CONFIG_NAME}, else the repository's "
                   f"{CONFIG_NAME}, else built-in defaults (every site nightly 01:00-03:00).")
@click.option("--list", "list_only", is_flag=True,
              help="Print each site's schedule, next run and last run, then exit.")
@click.option("--run-now", is_flag=True,
              help="Crawl SITE(s) (default: every scheduled site) now, one after the other, "
                   "record each run, then exit.")
@click.option("--db", "db_path", metavar="PATH", default=None,
              help="Database (default: $NEWS_DB, else [scheduler] db, else data/news.db).")
@click.option("-v", "--verbose", is_flag=True, help="Debug logging.")
@click.pass_context
def schedule_command(ctx: click.Context, sites: tuple[str, ...], config_path: str | None,
                     list_only: bool, run_now: bool, db_path: str | None, verbose: bool) -> None:
    """Crawl each site on its nightly schedule (APScheduler, Asia/Ho_Chi_Minh time) into the
    SQLite database; runs until SIGTERM / Ctrl-C."""
    from crawler.schedule.service import list_jobs, run_now as run_sites_now, safe_known_sites
    from crawler.schedule.service import serve, setup_logging

    if sites and not run_now:
        raise click.UsageError(f"a SITE ({' '.join(sites)}) is only taken with --run-now")
    try:
        config = load_config(config_path, db=db_path)
    except ConfigError as exc:
        click.echo(f"scheduler: {exc}", err=True)
        ctx.exit(2)
    if list_only:
        list_jobs(config)
        ctx.exit(0)
    known = safe_known_sites()
    unknown = [site for site in sites if site not in known]
    if unknown:
        click.echo(f"scheduler: unknown site {', '.join(map(repr, unknown))}; known: "
                   f"{', '.join(known)}", err=True)
        ctx.exit(2)
    setup_logging(config, verbose)
    ctx.exit(run_sites_now(config, sites) if run_now else serve(config))
