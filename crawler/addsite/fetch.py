"""The polite reader behind `newscrawl add-site` and the sample check of `newscrawl check`.

One request at a time, `DOWNLOAD_DELAY` apart, with the project's User-Agent, through the
environment's proxy; robots.txt read first and obeyed (a robots.txt answering 5xx or not at all
forbids the host, as in crawls: RFC 9309); the crawl's target-safety policy
(`crawler.middlewares.TargetPolicy`: no private / loopback address, nothing off the site) on every
URL and every redirect; at most `max_requests` requests (robots.txt and redirects count) and
`max_seconds` seconds, after which `BudgetSpent` is raised and the caller goes on with what it has.
Every request is kept in `requests` (URL, status or error) for the report.
"""
from __future__ import annotations

import ssl
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin, urlsplit

from crawler.urls import bare_host

MAX_REQUESTS = 60
MAX_SECONDS = 60.0
MAX_REDIRECTS = 5


class BudgetSpent(Exception):
    """The request or time budget is used up: stop reading, decide with what was read."""


class Forbidden(Exception):
    """robots.txt or the target policy forbids the URL."""


@dataclass
class Fetched:
    url: str                    # after redirects
    status: int
    content_type: str
    body: bytes
    headers: dict

    def response(self):
        """A Scrapy response of this page (HtmlResponse for HTML), for the crawl's readers."""
        from scrapy.http import Headers, HtmlResponse, Response, TextResponse
        headers = Headers(self.headers)
        kind = self.content_type.lower()
        if "html" in kind or not kind:
            cls = HtmlResponse
        elif "xml" in kind or "rss" in kind or "atom" in kind or kind.startswith("text/"):
            cls = TextResponse
        else:
            cls = Response
        response = cls(url=self.url, status=self.status, headers=headers, body=self.body)
        if isinstance(response, TextResponse):     # the crawl's charset (crawler/charset.py)
            from crawler.charset import choose_encoding
            response = response.replace(encoding=choose_encoding(self.body, self.content_type)[0])
        return response


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def no_redirect_opener(settings: Any):
    """A urllib opener through the environment's proxy that hands back every 3xx as it is (the
    caller checks each hop against the policy); TLS certificates verified only when
    DOWNLOAD_VERIFY_CERTIFICATES is set, as in crawls."""
    context = ssl.create_default_context()
    if not settings.getbool("DOWNLOAD_VERIFY_CERTIFICATES", False):
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return urllib.request.build_opener(urllib.request.HTTPSHandler(context=context), _NoRedirect)


def http_get(opener: Any, url: str, user_agent: str | None, timeout: float,
             max_size: int) -> tuple[int, Any, bytes]:
    """(status, headers, at most `max_size` + 1 bytes of body) of one GET, whatever the status;
    network trouble is raised (OSError)."""
    request = urllib.request.Request(url, headers={"User-Agent": user_agent})
    try:
        with opener.open(request, timeout=timeout) as handle:
            return handle.status, handle.headers, handle.read(max_size + 1)
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read(max_size + 1)


class PoliteFetcher:
    """Reads pages of one site (see the module docstring)."""

    def __init__(self, start_url: str, settings: Any, max_requests: int = MAX_REQUESTS,
                 max_seconds: float = MAX_SECONDS, spider: Any = None):
        from crawler.middlewares import TargetPolicy

        self.settings = settings
        self.host = bare_host(urlsplit(start_url).netloc)
        if spider is None:
            spider = type("AddSiteTarget", (), {"allowed_domains": [self.host],
                                                "start_urls": [start_url], "feed_urls": []})
        self.policy = TargetPolicy(spider, settings)
        self.user_agent = settings.get("USER_AGENT")
        self.obey_robots = settings.getbool("ROBOTSTXT_OBEY", True)
        self.delay = max(0.0, settings.getfloat("DOWNLOAD_DELAY", 1.0))
        self.timeout = min(settings.getfloat("DOWNLOAD_TIMEOUT", 30), 30)
        self.max_size = settings.getint("DOWNLOAD_MAXSIZE", 10 * 1024 * 1024)
        self.max_requests, self.max_seconds = max_requests, max_seconds
        self.started = time.monotonic()
        self.last_request: float | None = None
        self.requests: list[tuple[str, str]] = []       # (url, "200" / "404" / error)
        self.robots: dict[str, Any] = {}                # origin -> Protego parser
        self.robots_text: dict[str, str] = {}
        self.opener = no_redirect_opener(settings)

    @property
    def seconds(self) -> float:
        return time.monotonic() - self.started

    @property
    def left(self) -> int:
        return self.max_requests - len(self.requests)

    # --- robots.txt ------------------------------------------------------------------------
    def robots_for(self, url: str):
        from protego import Protego
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        if origin not in self.robots:
            text = ""
            try:
                got = self._request(origin + "/robots.txt")
            except (Forbidden, OSError) as error:
                got, text = None, None
                self.robots_text[origin] = f"(unreadable: {error})"
            if got is not None:
                if got.status >= 500:
                    text = None          # RFC 9309: a server error forbids the host for now
                elif got.status == 200:
                    text = got.body.decode("utf-8", "replace")
                self.robots_text[origin] = text if text is not None else f"(HTTP {got.status})"
            self.robots[origin] = Protego.parse("User-agent: *\nDisallow: /\n" if text is None
                                                else text)
        return self.robots[origin]

    def allowed(self, url: str) -> bool:
        """True when robots.txt lets our User-Agent fetch `url` (reads robots.txt once per host)."""
        if not self.obey_robots:
            return True
        return self.robots_for(url).can_fetch(url, self.user_agent or "*")

    def sitemaps_in_robots(self, url: str) -> list[str]:
        return list(self.robots_for(url).sitemaps)

    # --- pages -----------------------------------------------------------------------------
    def get(self, url: str) -> Fetched:
        """GET `url` (redirects followed when allowed). Raises Forbidden (robots.txt, policy),
        BudgetSpent, or OSError for network trouble; any HTTP status is returned."""
        for _ in range(MAX_REDIRECTS + 1):
            why = self.policy.refusal(url)
            if why:
                raise Forbidden(f"not fetched: {why}")
            if not self.allowed(url):
                raise Forbidden(f"robots.txt of {urlsplit(url).netloc} forbids {url} for our "
                                "User-Agent")
            got = self._request(url)
            location = got.headers.get("Location")
            if got.status in (301, 302, 303, 307, 308) and location:
                url = urljoin(url, location)
                continue
            return got
        raise OSError(f"more than {MAX_REDIRECTS} redirects from {url}")

    def _request(self, url: str) -> Fetched:
        if len(self.requests) >= self.max_requests:
            raise BudgetSpent(f"{self.max_requests} requests")
        if self.last_request is not None:
            wait = self.delay - (time.monotonic() - self.last_request)
            if self.seconds + max(wait, 0) >= self.max_seconds:
                raise BudgetSpent(f"{self.max_seconds:g} seconds")
            if wait > 0:
                time.sleep(wait)
        elif self.seconds >= self.max_seconds:
            raise BudgetSpent(f"{self.max_seconds:g} seconds")
        try:
            status, headers, body = http_get(self.opener, url, self.user_agent or "newscrawl",
                                             self.timeout, self.max_size)
        except OSError as error:
            self.requests.append((url, f"{type(error).__name__}: {error}"))
            raise
        finally:
            self.last_request = time.monotonic()
        self.requests.append((url, str(status)))
        if len(body) > self.max_size:
            raise OSError(f"{url} is larger than DOWNLOAD_MAXSIZE ({self.max_size} bytes)")
        return Fetched(url=url, status=status, content_type=headers.get("Content-Type") or "",
                       body=body, headers={k: v for k, v in headers.items()})
