"""One way to report bad input: a log line naming site, URL and what to do, plus run counters.

Every problem is counted in the crawl stats as `newscrawl/problem/<kind>` and its URL kept in
`newscrawl/problem_urls` (first 50); problems at ERROR level also count in `newscrawl/errors`.
`crawler.runs.CrawlRunRecorder` copies them into `crawl_runs`. (Scrapy's own `log_count/ERROR`
cannot serve: with several spiders in one process every crawler counts every spider's errors.)
"""
from __future__ import annotations

import logging

from crawler.store import PROBLEM_URLS_MAX


def record_problem(stats, kind: str, url: str, level: int = logging.ERROR) -> None:
    """Count a problem of `kind` for this run and remember its URL (the first 50)."""
    stats.inc_value(f"newscrawl/problem/{kind}")
    if level >= logging.ERROR:
        stats.inc_value("newscrawl/errors")
    urls = list(stats.get_value("newscrawl/problem_urls") or [])
    if len(urls) < PROBLEM_URLS_MAX:
        stats.set_value("newscrawl/problem_urls", urls + [f"{kind} {url}"])


def first_url(request) -> str:
    """The URL a request chain started from: what a problem is recorded under (a redirect's
    later hops are not the article's address, nor what the next run should retry)."""
    return (request.meta.get("redirect_urls") or [request.url])[0]


def report_problem(spider, kind: str, url: str, message: str, level: int = logging.ERROR) -> None:
    """Log `[site] kind: url: message` and count it for this run."""
    spider.logger.log(level, "[%s] %s: %s: %s", spider.name, kind, url, message)
    record_problem(spider.crawler.stats, kind, url, level)
