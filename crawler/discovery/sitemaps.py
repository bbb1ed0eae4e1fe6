"""Reading sitemaps: Scrapy's sitemap reader (gzip unpacked), Google News dates, newest first.

Pure functions for the channels of crawler/discovery/channels.py.
"""
from __future__ import annotations

import re

from scrapy.utils.gz import gunzip, gzip_magic_number
from scrapy.utils.sitemap import Sitemap


class NewsSitemap(Sitemap):
    """Scrapy's sitemap reader, also keeping a Google News entry's `<news:publication_date>`."""

    __slots__ = ()

    def _process_sitemap_element(self, elem):
        published = None
        for child in elem.iter():
            if isinstance(child.tag, str) and child.tag.rpartition("}")[2] == "publication_date":
                published = (child.text or "").strip() or None
        entry = super()._process_sitemap_element(elem)
        if entry is not None and published:
            entry["publication_date"] = published
        return entry


# sitemap files that list no articles (tags, sections, images, videos, static pages)
NOT_ARTICLE_SITEMAP = re.compile(r"(?:^|[/_\-.])(?:tags?|tu-khoa|categor(?:y|ies)|chuyen-muc|"
                                 r"sections?|authors?|tac-gia|images?|videos?|static|pages?|"
                                 r"topics?|events?)(?:[/_\-.\d]|$)", re.I)
URL_MONTH = re.compile(r"(20\d\d)[/_\-.]?(0?[1-9]|1[0-2])(?:[/_\-.]?(0?[1-9]|[12]\d|3[01]))?"
                       r"(?!\d)")


def sitemap_body(response, max_size: int) -> bytes | None:
    """The XML of a sitemap response (gzip files unpacked, within `max_size`), or None."""
    body = response.body
    if gzip_magic_number(response):
        try:
            body = gunzip(body, max_size=max_size)
        except Exception:           # over the size bound, or broken beyond reading
            return None
    head = body[:512].lstrip().lower()
    if head.startswith(b"<?xml") or b"<urlset" in head or b"<sitemapindex" in head:
        return body
    return None


def entry_date(entry: dict) -> str:
    """A sortable date of a sitemap entry: its publication date, lastmod, or the year-month
    in its URL (`news-2025-11.xml`); "" when none."""
    for key in ("publication_date", "lastmod"):
        if entry.get(key):
            return entry[key].strip()
    match = URL_MONTH.search(entry.get("loc", ""))
    if match:
        year, month, day = match.group(1), int(match.group(2)), int(match.group(3) or 1)
        return f"{year}-{month:02d}-{day:02d}"
    return ""


def newest_first(entries: list[dict]) -> list[dict]:
    """Dated entries newest first, then the undated ones in their order."""
    dated = sorted((e for e in entries if entry_date(e)), key=entry_date, reverse=True)
    return dated + [e for e in entries if not entry_date(e)]
