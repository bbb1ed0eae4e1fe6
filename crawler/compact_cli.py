"""`newscrawl compact`: the kept raw pages compressed again in place (and --vacuum).

    newscrawl compact [--db PATH] [--batch N] [--vacuum]

See `NewsDB.recompress_raw_pages` (crawler/store/newsdb.py) and crawler/store/rawpages.py.
"""
from __future__ import annotations

import os

import click


@click.command("compact")
@click.option("--db", "db_path", metavar="PATH", default=None,
              help="SQLite database (default: $NEWS_DB, else schedule.toml's db, else "
                   "data/news.db).")
@click.option("--batch", type=click.IntRange(1, None), default=200, show_default=True,
              help="Pages per committed transaction.")
@click.option("--vacuum", is_flag=True,
              help="Then give the free space back to the disk (SQLite VACUUM: the file is "
                   "written again; readers keep reading, a crawl waits until it is done; "
                   "needs free disk space the size of the file).")
def compact_command(db_path: str | None, batch: int, vacuum: bool) -> None:
    """Compress the kept raw pages again with their site's zstd dictionary, in place.

    Pages stored before this version (zlib) and pages kept before their site had a dictionary
    are rewritten a batch per transaction: the database stays readable (and writable by a
    crawl between batches) throughout; a stopped run loses nothing and a rerun goes on. The
    freed space (and the space migration 0013 freed: the topic evidence and the search index's
    positions) is reused by later writes; --vacuum gives it back to the disk."""
    from crawler.store import NewsDB

    from crawler.cli import _existing_db

    db_path = _existing_db(db_path)
    with NewsDB(db_path) as db:
        done = db.recompress_raw_pages(
            batch=batch, progress=lambda done, left: click.echo(
                f"  {done} pages compressed again, {left} still in the old form", err=True))
        kinds = db.db.execute("SELECT count(html_zlib), count(dictionary), count(html_zstd) "
                              "- count(dictionary) FROM raw_pages").fetchone()
        click.echo(f"{done} pages compressed again. Raw pages now: {kinds[1]} with their "
                   f"site's dictionary, {kinds[2]} without one (too few pages of their site "
                   f"yet), {kinds[0]} in the old zlib form.")
        if vacuum:
            before = os.path.getsize(db_path)
            db.vacuum()
            click.echo(f"vacuumed: {before / 1e6:.1f} MB -> {os.path.getsize(db_path) / 1e6:.1f} MB")
