"""robots.txt, as the crawl obeys it (enabled in crawler/settings.py in place of Scrapy's).

``RobotsTxtMiddleware``: robots.txt fetched once per host per run (no retry, a second request
for it answered from the first); requests waiting for it all get its rules (Scrapy 2.19 let all
but the first through unchecked); a robots.txt that answers 5xx or not at all disallows the host
for the run (RFC 9309), said once without a traceback (problem ``robots_unreachable``, flag
"robots.txt unreachable?").
"""
from __future__ import annotations

import logging
from typing import Any

from scrapy import Request
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware as _ScrapyRobots
from scrapy.exceptions import IgnoreRequest

from crawler.problems import record_problem

DISALLOW_ALL = b"User-agent: *\nDisallow: /\n"
ROBOTS_UNREACHABLE = "newscrawl/robots_unreachable"     # stats: hosts whose robots.txt failed


class RobotsTxtMiddleware(_ScrapyRobots):
    """Scrapy's robots.txt middleware, fetched once per host per run and never a silent allow.

    * Every request that arrives while a host's robots.txt is being fetched gets the parser.
      (Scrapy 2.19 hands the parser to the first waiter only: the others get None, "no robots.txt",
      and were fetched even when disallowed.)
    * robots.txt is requested once per host (no retry); a later request for it (sitemap
      discovery) is answered from that fetch.
    * robots.txt answering 5xx, or not at all, means "disallow everything" for this run
      (RFC 9309, 2.3.1.4), not "allow everything"; a 4xx still means no rules. It is said once,
      without a traceback (problem ``robots_unreachable``, the run's flag "robots.txt
      unreachable?"); every request to that host is refused with that reason. Nothing is kept
      across runs: the next run asks again.
    """

    def __init__(self, crawler: Any):
        super().__init__(crawler)
        self._answers: dict[str, Any] = {}         # netloc -> its robots.txt response
        self._unreachable: dict[str, str] = {}     # netloc -> why
        self._robots_urls: dict[str, str] = {}     # netloc -> its robots.txt URL

    async def process_request(self, request: Request, spider: Any = None):
        from scrapy.utils.httpobj import urlparse_cached
        if request.meta.get("newscrawl_robots"):
            return None
        parts = urlparse_cached(request)
        if parts.netloc in self._unreachable:
            self._skip(parts.netloc)
        if parts.path == "/robots.txt" and parts.netloc in self._answers:
            return self._answers[parts.netloc].replace(url=request.url, request=request)
        try:
            return await super().process_request(request)
        except IgnoreRequest:
            if parts.netloc in self._unreachable:   # it waited for the robots.txt that failed
                self._skip(parts.netloc)
            raise

    def _skip(self, netloc: str) -> None:
        self.crawler.stats.inc_value("newscrawl/robots_skipped")
        raise IgnoreRequest(f"robots.txt of {netloc} unreachable ({self._unreachable[netloc]}): "
                            "nothing on that host is fetched this run (RFC 9309); the next run "
                            "tries again")

    async def robot_parser(self, request: Request):
        from scrapy.http.request import NO_CALLBACK
        from scrapy.utils.httpobj import urlparse_cached
        from twisted.internet.defer import Deferred
        from scrapy.utils.defer import maybe_deferred_to_future

        parts = urlparse_cached(request)
        netloc = parts.netloc
        pending = self._parsers.get(netloc)
        if isinstance(pending, Deferred):
            waiter: Deferred = Deferred()

            def relay(result):
                waiter.callback(result)
                return result            # keep the result for the next waiter

            pending.addBoth(relay)
            return await maybe_deferred_to_future(waiter)
        if netloc in self._parsers:
            return self._parsers[netloc]
        self._parsers[netloc] = Deferred()
        robots = Request(f"{parts.scheme}://{netloc}/robots.txt", priority=self.DOWNLOAD_PRIORITY,
                         meta={"dont_obey_robotstxt": True, "dont_retry": True,
                               "newscrawl_robots": True}, callback=NO_CALLBACK)
        self._robots_urls[netloc] = robots.url
        try:
            response = await self.crawler.engine.download_async(robots)
            await self._parse_robots(response, netloc, request)
        except Exception as error:
            self._robots_error(error, netloc)
        self._stats.inc_value("robotstxt/request_count")
        parser = self._parsers[netloc]
        if isinstance(parser, Deferred):
            return await maybe_deferred_to_future(parser)
        return parser

    def _unreachable_host(self, netloc: str, url: str, why: str) -> None:
        self._unreachable[netloc] = why
        self._stats.inc_value(ROBOTS_UNREACHABLE)
        name = getattr(self.crawler.spider, "name", "?")
        logging.getLogger(name).warning(
            "[%s] robots_unreachable: %s: %s; nothing on %s is fetched this run (RFC 9309: an "
            "unreachable robots.txt means disallow all); the next run tries again",
            name, url, why, netloc)
        record_problem(self._stats, "robots_unreachable", url, logging.WARNING)

    async def _parse_robots(self, response, netloc: str, request: Request) -> None:
        if response.status >= 500:
            self._unreachable_host(netloc, response.url, f"answered HTTP {response.status}")
            response = response.replace(body=DISALLOW_ALL)
        else:
            self._answers[netloc] = response
        await super()._parse_robots(response, netloc, request)

    def _robots_error(self, exc: Exception, netloc: str) -> None:
        from scrapy.utils.misc import build_from_crawler
        if isinstance(exc, IgnoreRequest):           # refused host: no robots.txt needed
            return super()._robots_error(exc, netloc)
        self._stats.inc_value(f"robotstxt/exception_count/{type(exc)}")
        self._unreachable_host(netloc, self._robots_urls.get(netloc, f"{netloc}/robots.txt"),
                               f"could not be fetched ({str(exc) or type(exc).__name__})")
        rp_dfd = self._parsers[netloc]
        parser = build_from_crawler(self._parserimpl, self.crawler, DISALLOW_ALL)
        self._parsers[netloc] = parser
        rp_dfd.callback(parser)
