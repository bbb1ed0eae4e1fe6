"""Reading feeds: the feeds a page announces, and a feed's entries with their dates (feedparser).

Pure functions for the channels of crawler/discovery/channels.py.
"""
from __future__ import annotations

import calendar
from datetime import datetime

import feedparser

from crawler.extract.dates import VIETNAM

FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/rdf+xml",
              "application/feed+json", "application/xml", "text/xml")


def alternate_feeds(response) -> list[str]:
    """The feeds a page announces with `<link rel=alternate type=application/rss+xml ...>`."""
    out = []
    for link in response.css("link[href]"):
        rel = (link.attrib.get("rel") or "").lower().split()
        kind = (link.attrib.get("type") or "").lower()
        if "alternate" in rel and kind in FEED_TYPES:
            url = response.urljoin(link.attrib["href"])
            if url not in out:
                out.append(url)
    return out


def _when(entry) -> str:
    """The entry's publication (else update) time, ISO 8601 at +07:00 (feedparser gives it in
    UTC: the same instant), or ""."""
    for key in ("published_parsed", "updated_parsed"):
        value = entry.get(key)
        if value:
            return datetime.fromtimestamp(calendar.timegm(value), VIETNAM).isoformat()
    return ""


def feed_entries(body: bytes, content_type: str | None = None
                 ) -> tuple[list[tuple[str, str]], str | None]:
    """([(link, time or "")] in feed order, the time ISO 8601 at +07:00 (its first ten characters
    are the day); None or why this is not a feed), with feedparser."""
    parsed = feedparser.parse(body, response_headers={"content-type": content_type or ""})
    entries: list[tuple[str, str]] = []
    seen = set()
    for entry in parsed.entries:
        candidates = [entry.get("link")] + [l.get("href") for l in entry.get("links", [])
                                            if l.get("rel", "alternate") == "alternate"]
        for link in candidates:
            if link and link.strip() not in seen:
                seen.add(link.strip())
                entries.append((link.strip(), _when(entry)))
    if parsed.entries:
        return entries, None
    if not parsed.get("version"):
        sniff = body[:400].lstrip().lower()
        if sniff.startswith((b"<!doctype html", b"<html")) or b"<script" in sniff:
            return [], "it answered an HTML page, not a feed (a JavaScript check or an error page?)"
        return [], "not a feed (RSS/Atom)"
    return [], None
