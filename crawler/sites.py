"""Which spider a URL belongs to: the registry behind `newscrawl extract` and `newscrawl crawl`,
and the project's Scrapy settings (with `-s NAME=VALUE` overrides).

The spiders in spiders/ are the only list of sites; this module just loads them.
"""
from __future__ import annotations

import os
import sys
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

from crawler.newsspider import NewsSpider
from crawler.urls import same_site


REPO_ROOT = Path(__file__).resolve().parent.parent


def project_settings():
    """Scrapy settings of this project, whatever the current directory.

    Scrapy looks for scrapy.cfg from the current directory upwards; when there is none (and
    SCRAPY_SETTINGS_MODULE is not set) we point it at crawler.settings ourselves.
    """
    from scrapy.utils.conf import closest_scrapy_cfg
    from scrapy.utils.project import get_project_settings

    if "SCRAPY_SETTINGS_MODULE" not in os.environ and not closest_scrapy_cfg():
        os.environ["SCRAPY_SETTINGS_MODULE"] = "crawler.settings"
    # In a source checkout the `spiders` package sits beside `crawler`; make it importable.
    if (REPO_ROOT / "spiders").is_dir() and str(REPO_ROOT) not in sys.path:
        sys.path.append(str(REPO_ROOT))
    return get_project_settings()


@lru_cache(maxsize=1)
def site_spiders() -> dict[str, type[NewsSpider]]:
    """{name: spider class} for every site declared in spiders/."""
    from scrapy.spiderloader import SpiderLoader
    loader = SpiderLoader.from_settings(project_settings())
    return {name: loader.load(name) for name in sorted(loader.list())}


def spider_for_url(url: str | None) -> type[NewsSpider] | None:
    """The site spider whose hosts serve `url`, or None (then the generic path applies)."""
    if not url or not urlsplit(url).netloc:
        return None
    for spider in site_spiders().values():
        if same_site(url, spider.allowed_domains):
            return spider
    return None


def parse_overrides(values: tuple[str, ...]) -> dict[str, str]:
    """`-s NAME=VALUE` options as {NAME: VALUE} (a bad one is click's BadParameter)."""
    import click
    out: dict[str, str] = {}
    for value in values:
        name, sep, setting = value.partition("=")
        if not sep or not name.strip():
            raise click.BadParameter(
                f"{value!r} is not NAME=VALUE (e.g. -s DOWNLOAD_DELAY=2)", param_hint="'-s'"
            )
        out[name.strip()] = setting
    return out


def read_saved_page(body: bytes | str, url: str | None = None, fetched_at: str | None = None):
    """(spider class, Page) for a saved page, as `newscrawl extract` reads it: the site's rules
    chosen from `url`, else from the page's own canonical / og:url link; a page of no known site
    (or with no link at all) goes through the generic path (`NewsSpider`)."""
    from crawler.extract.meta import page_metadata
    from crawler.extraction import parse_html
    from crawler.page import decode, read_page

    page_url = url
    if not page_url:
        try:
            page_url = page_metadata(parse_html(decode(body))).canonical
        except ValueError:            # an empty page: read_page says so
            page_url = None
    spider = spider_for_url(page_url) or NewsSpider
    return spider, read_page(spider, body, page_url or "", fetched_at=fetched_at)
