"""Scrapy's log formatter, without the per-page DEBUG lines a crawl does not show.

Scrapy builds a "Crawled (200) <GET ...>" record for every response and a "Scraped from ..." one
for every item (with the whole item as an argument) at DEBUG, and its log handler drops them
afterwards when LOG_LEVEL is INFO or higher (the root logger passes everything to the handler):
a LogRecord, caller lookup and all, per page for nothing. Here those two messages are not made
at all when LOG_LEVEL would drop them; with `-s LOG_LEVEL=DEBUG` they are Scrapy's own.
"""
from __future__ import annotations

import logging
from typing import Any

from scrapy.logformatter import LogFormatter


class QuietLogFormatter(LogFormatter):
    """Scrapy's LogFormatter; `crawled` and `scraped` say nothing below LOG_LEVEL."""

    def __init__(self, level: int = logging.DEBUG):
        super().__init__()
        self.debug = level <= logging.DEBUG

    @classmethod
    def from_crawler(cls, crawler: Any) -> "QuietLogFormatter":
        level = crawler.settings.get("LOG_LEVEL", "DEBUG")
        if isinstance(level, str):
            level = logging.getLevelName(level.upper())
        return cls(level if isinstance(level, int) else logging.DEBUG)

    def crawled(self, request, response, spider):
        return super().crawled(request, response, spider) if self.debug else None

    def scraped(self, item, response, spider):
        return super().scraped(item, response, spider) if self.debug else None
