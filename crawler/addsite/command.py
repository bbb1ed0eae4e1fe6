"""The `newscrawl add-site` command (registered in crawler/cli.py) and the sample re-check of
`newscrawl check NAME` for declarations that carry `sample_urls`.

Exit status: 0 written; 1 refused (nothing written); 2 usage (a bad name, an existing
declaration without --force).
"""
from __future__ import annotations

import shlex
import sys
from pathlib import Path

import click


@click.command("add-site")
@click.argument("url")
@click.option("--name", default=None, help="Spider name (default: from the host, "
              "congdoanbinhduong.org.vn -> congdoanbinhduong).")
@click.option("--section", "sections", multiple=True, metavar="URL",
              help="A union or labour section to start from, besides those found (repeatable).")
@click.option("--force", is_flag=True, help="Overwrite an existing declaration of that name.")
@click.option("--spiders-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Where to write NAME.py (default: $NEWSCRAWL_SPIDERS_DIR, else the project's "
                   "spiders/ package).")
@click.option("-s", "--set", "overrides", multiple=True, metavar="NAME=VALUE",
              help="Override a setting, e.g. -s DOWNLOAD_DELAY=0.5 (repeatable).")
@click.option("--max-requests", type=click.IntRange(5, 60), default=60, show_default=True,
              help="Requests to the site at most (robots.txt and redirects count).")
def add_site_command(url: str, name: str | None, sections: tuple[str, ...], force: bool,
                     spiders_dir: Path | None, overrides: tuple[str, ...], max_requests: int) -> None:
    """Add the news site at URL: read its home page, robots.txt, feeds and sitemaps politely,
    infer its article URL pattern and its union and labour sections, read sample articles
    through the crawl's page path, print a report and write spiders/NAME.py.

    Refuses (and writes nothing) when robots.txt forbids the site, when no article pages can be
    found, or when the samples do not read as articles."""
    from urllib.parse import urlsplit

    from crawler.addsite import declaration
    from crawler.addsite.inspect import Refused, inspect_site
    from crawler.sites import parse_overrides, project_settings
    from crawler.urls import bare_host

    settings = project_settings()
    settings.setdict(parse_overrides(overrides), priority="cmdline")
    if "://" not in url:
        url = "https://" + url
    host = bare_host(urlsplit(url).netloc)
    name = name or declaration.name_for_host(host)
    if not declaration.NAME.match(name):
        raise click.UsageError(f"{name!r} is not a spider name: lower-case letters, digits and _ "
                               "starting with a letter (--name)")
    directory = spiders_dir or declaration.spiders_dir()
    target = directory / f"{name}.py"
    taken = declaration.declared_names(directory)
    if (target.exists() or name in taken) and not force:
        where = target if target.exists() else taken[name]
        click.echo(f"add-site: {where} already declares {name!r}; nothing fetched, nothing written."
                   " Use --force to overwrite it, or --name NAME for another name.", err=True)
        sys.exit(2)
    click.echo(f"Reading {url} (robots.txt obeyed, one request at a time, at most {max_requests} "
               "requests and a minute)...", err=True)
    try:
        findings = inspect_site(url, settings, name, list(sections), max_requests=max_requests)
    except Refused as refused:
        if refused.findings is not None:
            click.echo(declaration.report(refused.findings))
        click.echo(f"add-site: refused: {refused.message}", err=True)
        sys.exit(1)
    command = "newscrawl add-site " + shlex.join([url, "--name", name])
    text = declaration.render(findings, name, command)
    click.echo(declaration.report(findings))
    path = declaration.write(directory, name, text, force=force)
    click.echo("")
    click.echo(f"Wrote {path} ({len(findings.start_urls)} start pages, "
               f"{len(findings.union_feeds)} feeds). `scrapy list` and the nightly schedule list "
               f"it now; crawl it with `newscrawl crawl {name}`, check it later with "
               f"`newscrawl check {name}`.")


def check_samples(spider_cls, settings) -> tuple[bool, str]:
    """Read a declaration's `sample_urls` again (politely, as add-site did): (all fine?, report)."""
    from crawler.addsite.declaration import _short
    from crawler.addsite.fetch import BudgetSpent, PoliteFetcher
    from crawler.addsite.inspect import read_sample

    urls = list(getattr(spider_cls, "sample_urls", None) or [])
    if not urls:
        return True, ""
    fetcher = PoliteFetcher(urls[0], settings, spider=spider_cls)
    lines, good = [f"  {spider_cls.name}: samples add-site read, read again:"], 0
    for url in urls:
        try:
            sample = read_sample(spider_cls, fetcher, url)
        except BudgetSpent:
            lines.append("    (budget spent)")
            break
        good += sample.ok
        lines.append(f"    {'ok ' if sample.ok else 'BAD'} {url}")
        lines.append(f"        {_short(sample.title, 60)} | {sample.date or 'no date'} | "
                     f"{sample.body_chars} chars" + (f" | {sample.problem}" if not sample.ok else ""))
    ok = good >= 0.8 * len(urls)
    lines.append(f"    {good} of {len(urls)} read as articles" + ("" if ok else ": LAYOUT CHANGED?"))
    return ok, "\n".join(lines)
