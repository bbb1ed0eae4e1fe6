"""Where the crawler may go, how it reads what it gets, and what it retries next run.

Enabled in crawler/settings.py:

* ``SafeTargetMiddleware`` (downloader, before robots.txt and the download): a request to a
  loopback, private, link-local or otherwise non-public address (127.0.0.0/8, 10/8, 172.16/12,
  192.168/16, 169.254/16, ::1, fc00::/7, fe80::/10, 0.0.0.0, IPv4-mapped forms, decimal / hex
  spellings such as ``http://2130706433/``) is refused, and so is a request off the spider's
  ``allowed_domains``, unless that host is configured: a source (allowed_domains, the hosts of
  start_urls / feed_urls), the proxy (http_proxy / https_proxy / meta ``proxy``), or listed in
  ``NEWS_ALLOWED_HOSTS``. Host names are checked without touching the network: literal IPs,
  ``localhost`` / ``*.localhost`` and the names in /etc/hosts. A name that needs DNS is not
  resolved here (behind a proxy the crawler never resolves it; without one, Scrapy does).
* ``RedirectGuardMiddleware`` (downloader, sees responses before Scrapy's RedirectMiddleware): a
  redirect off-site, to a refused address (the proxy's own included), back to a URL of its own
  chain (a loop) or past REDIRECT_MAX_TIMES hops is not followed. The request fails (the spider's
  errback counts it) and the refusal is counted as problem ``redirect_refused`` /
  ``redirect_loop`` / ``redirect_chain``, under the chain's FIRST URL (the article's address).
* ``MetaRefreshGuardMiddleware``: the same for ``<meta http-equiv=refresh>``; the page is read as
  it is (problem ``refresh_refused``).
* ``MetaRefreshMiddleware`` (replaces Scrapy's, same place): Scrapy's, but a page whose first bytes
  do not even spell "refresh" is not decoded to look for one (`may_declare_refresh`).
* ``NamedOffsiteMiddleware`` (replaces Scrapy's downloader OffsiteMiddleware, which drops at
  DEBUG without calling the errback): every drop named, problem ``offsite_dropped``.
* ``RobotsTxtMiddleware``: crawler/robotstxt.py.
* ``HttpProxyMiddleware`` (replaces Scrapy's, same place): Scrapy's, asking ``no_proxy`` once per
  host (Scrapy's asks urllib for every request, which reads the whole environment each time).
* ``CharsetMiddleware``: every page is read with the charset crawler/charset.py decides from the
  header, the page's ``<meta charset>`` and what the decoded text is, instead of the header always
  winning (``iso-8859-1`` from a web server's default config over a UTF-8 page gives mojibake).
* ``RetryFailedMiddleware`` (spider): the next run requests again the pages the previous run of
  the same site failed to get (listing pages included, whose articles were never seen), so an
  incremental run that stops paginating early still picks them up.
* ``IgnoredLinksMiddleware`` (spider): links with a scheme never fetched (javascript:, data:,
  file:, mailto:, tel:) counted per scheme, problem ``ignored_link_<scheme>`` (no URL kept).
"""
from __future__ import annotations

import ipaddress
import logging
import os
import re
import socket
from functools import lru_cache
from typing import Any
from urllib.parse import urljoin, urlsplit

from scrapy import Request
from scrapy.downloadermiddlewares.httpproxy import HttpProxyMiddleware as _ScrapyHttpProxy
from scrapy.downloadermiddlewares.offsite import OffsiteMiddleware as _ScrapyOffsite
from scrapy.downloadermiddlewares.redirect import MetaRefreshMiddleware as _ScrapyMetaRefresh
from scrapy.exceptions import IgnoreRequest
from scrapy.http import TextResponse

from crawler.problems import first_url, record_problem
from crawler.urls import bare_host, canonical_url, same_site

logger = logging.getLogger(__name__)

_NUMERIC_HOST = re.compile(r"^(0x[0-9a-f]+|[0-9]+)(\.(0x[0-9a-f]+|[0-9]+)){0,3}$", re.I)


# --- addresses -------------------------------------------------------------------------------

def literal_ip(host: str) -> ipaddress._BaseAddress | None:
    """The IP address `host` spells, or None for a name. Accepts what resolvers accept too:
    `[::1]`, `127.1`, `2130706433`, `0x7f.0.0.1`."""
    host = (host or "").strip().strip("[]").rstrip(".").lower()
    if not host:
        return None
    try:
        return ipaddress.ip_address(host.split("%")[0])
    except ValueError:
        pass
    if _NUMERIC_HOST.match(host):
        try:
            return ipaddress.ip_address(socket.inet_aton(host))
        except OSError:
            return None
    return None


@lru_cache(maxsize=1)
def _etc_hosts() -> dict[str, tuple[str, ...]]:
    table: dict[str, list[str]] = {}
    try:
        with open("/etc/hosts", encoding="utf-8", errors="replace") as handle:
            for line in handle:
                fields = line.split("#", 1)[0].split()
                for name in fields[1:]:
                    table.setdefault(name.lower().rstrip("."), []).append(fields[0])
    except OSError:
        pass
    return {name: tuple(addrs) for name, addrs in table.items()}


def local_addresses(host: str) -> list[ipaddress._BaseAddress]:
    """The addresses `host` is known to have without asking DNS (empty: unknown)."""
    ip = literal_ip(host)
    if ip is not None:
        return [ip]
    host = (host or "").lower().rstrip(".")
    if host == "localhost" or host.endswith(".localhost"):
        return [ipaddress.ip_address("127.0.0.1"), ipaddress.ip_address("::1")]
    out = []
    for addr in _etc_hosts().get(host, ()):
        ip = literal_ip(addr)
        if ip is not None:
            out.append(ip)
    return out


def is_public(ip: ipaddress._BaseAddress) -> bool:
    mapped = getattr(ip, "ipv4_mapped", None)
    if mapped is not None:
        ip = mapped
    return ip.is_global and not ip.is_multicast


def non_public_address(host: str) -> str | None:
    """The first non-public address `host` has (as text), or None."""
    for ip in local_addresses(host):
        if not is_public(ip):
            return str(ip)
    return None


def _host_port(url: str) -> tuple[str, int | None]:
    parts = urlsplit(url if "://" in url else "//" + url)
    try:
        port = parts.port
    except ValueError:
        port = None
    if port is None:
        port = {"http": 80, "https": 443}.get(parts.scheme)
    return (parts.hostname or "").lower().rstrip("."), port


def proxy_endpoints() -> set[tuple[str, int | None]]:
    """(host, port) of the proxies configured in the environment."""
    out = set()
    for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy",
                 "ALL_PROXY"):
        value = os.environ.get(name)
        if value:
            out.add(_host_port(value))
    return out


class TargetPolicy:
    """What one spider may fetch: its sources, the proxy, and nothing private or off-site."""

    def __init__(self, spider: Any, settings: Any = None):
        self.allowed_domains = [d.lower() for d in (getattr(spider, "allowed_domains", None) or [])]
        configured = set(self.allowed_domains)
        for url in [*(getattr(spider, "start_urls", None) or []),
                    *(getattr(spider, "feed_urls", None) or [])]:
            host, _ = _host_port(url)
            if host:
                configured.add(host)
        extra = settings.getlist("NEWS_ALLOWED_HOSTS") if settings is not None else []
        configured.update(h.lower().rstrip(".") for h in extra)
        self.configured = configured | {"www." + h for h in configured}
        self.proxies = proxy_endpoints()

    def is_configured(self, url: str, proxy: str | None = None) -> bool:
        host, port = _host_port(url)
        if host in self.configured:
            return True
        endpoints = set(self.proxies)
        if proxy:
            endpoints.add(_host_port(proxy))
        return (host, port) in endpoints

    def refusal(self, url: str, proxy: str | None = None) -> str | None:
        """Why `url` must not be fetched, or None when it may."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https"):
            return f"scheme {parts.scheme!r} is not fetched"
        if self.is_configured(url, proxy):
            return None
        host, _ = _host_port(url)
        address = non_public_address(host)
        if address is not None:
            return (f"{host} is a non-public address ({address}: loopback, private or link-local)"
                    " and not a configured source or proxy")
        if self.allowed_domains and not same_site(url, self.allowed_domains):
            return f"{bare_host(host)} is off-site (allowed: {', '.join(self.allowed_domains)})"
        return None


class _PolicyMiddleware:
    def __init__(self, crawler: Any):
        self.crawler = crawler
        self._policy: TargetPolicy | None = None

    @classmethod
    def from_crawler(cls, crawler: Any):
        return cls(crawler)

    @property
    def policy(self) -> TargetPolicy:
        if self._policy is None:
            self._policy = TargetPolicy(self.crawler.spider, self.crawler.settings)
        return self._policy

    def _refuse(self, kind: str, url: str, message: str, level: int = logging.WARNING) -> None:
        spider = self.crawler.spider
        name = getattr(spider, "name", "?")
        logging.getLogger(name).log(level, "[%s] %s: %s: %s", name, kind, url, message)
        record_problem(self.crawler.stats, kind, url, level)

    def target_refusal(self, target: str, request: Request) -> str | None:
        """Why a redirect or refresh from `request` to `target` must not be followed: what the
        policy refuses, and the proxy's own address (a target, never a source)."""
        why = self.policy.refusal(target, request.meta.get("proxy"))
        if why is not None:
            return why
        host, port = _host_port(target)
        if host not in self.policy.configured:
            proxies = set(self.policy.proxies)
            if request.meta.get("proxy"):
                proxies.add(_host_port(request.meta["proxy"]))
            if (host, port) in proxies:
                return f"{host}:{port} is the proxy's own address, not a page of the site"
        return None


class SafeTargetMiddleware(_PolicyMiddleware):
    """Downloader middleware: refuse requests to non-public addresses and off-site hosts."""

    def process_request(self, request: Request, spider: Any = None):
        proxy = request.meta.get("proxy")
        why = self.policy.refusal(request.url, proxy)
        if why is None:
            return None
        self._refuse("refused", first_url(request), f"{request.url} not fetched: {why}")
        raise IgnoreRequest(f"refused: {why}")


class RedirectGuardMiddleware(_PolicyMiddleware):
    """Downloader middleware: do not follow redirects off-site, to refused addresses (the proxy's
    own included), in loops or past REDIRECT_MAX_TIMES hops. Each refusal is named under the
    chain's first URL, the article's own address."""

    def process_response(self, request: Request, response: Any, spider: Any = None):
        if response.status not in (301, 302, 303, 307, 308) or request.meta.get("dont_redirect"):
            return response
        location = response.headers.get("Location")
        if not location:
            return response
        target = urljoin(request.url, location.decode("latin-1").strip())
        chain = [*request.meta.get("redirect_urls", []), request.url]
        first = chain[0]
        if target in chain:
            path = " → ".join([*chain, target])
            self._refuse("redirect_loop", first, f"redirect loop not followed: {path}")
            raise IgnoreRequest(f"redirect loop: {path}")
        hops = self.crawler.settings.getint("REDIRECT_MAX_TIMES")
        if len(chain) > hops:
            self._refuse("redirect_chain", first, f"more than {hops} redirects (last: "
                         f"{request.url} → {target}); not followed further")
            raise IgnoreRequest(f"more than {hops} redirects")
        why = self.target_refusal(target, request)
        if why is not None:
            self._refuse("redirect_refused", first,
                         f"redirect to {target} not followed: {why}")
            raise IgnoreRequest(f"redirect to {target} refused: {why}")
        return response


# Scrapy looks for <meta http-equiv=refresh> in the first 4,096 characters of the page's text: at
# most this many bytes in any encoding (4 bytes a character at most).
_REFRESH_SCAN_BYTES = 4 * 4096


def may_declare_refresh(response: Any) -> bool:
    """False when the page certainly declares no ``<meta http-equiv=refresh>`` where Scrapy looks
    for one (its first 4,096 characters): the bytes that hold them do not spell "refresh" in
    ASCII, in any case. Then nothing needs decoding: Scrapy's `get_meta_refresh` decodes the whole
    body (`response.text`) to answer, and an article page's text is never read through Scrapy
    (the page path decodes its bytes itself), so that was a full decode per page for nothing.
    Bytes with a NUL (UTF-16 / UTF-32, or a broken page) are left to Scrapy's own reading.
    (The guard and the MetaRefreshMiddleware both ask: ~11 us each on a 100 KB page.)"""
    head = response.body[:_REFRESH_SCAN_BYTES]
    return b"\x00" in head or b"refresh" in head.lower()


class MetaRefreshMiddleware(_ScrapyMetaRefresh):
    """Scrapy's MetaRefreshMiddleware (same setting, same place), which does not decode a page
    that declares no refresh (`may_declare_refresh`)."""

    def process_response(self, request: Request, response: Any, spider: Any = None):
        if isinstance(response, TextResponse) and not may_declare_refresh(response):
            return response
        return super().process_response(request, response)


class MetaRefreshGuardMiddleware(_PolicyMiddleware):
    """Downloader middleware, between decompression (590) and Scrapy's MetaRefreshMiddleware
    (580): a ``<meta http-equiv=refresh>`` to a refused target (off-site, private, the proxy) is
    not followed, and the page is read as it is; the refusal is named (``refresh_refused``)."""

    def __init__(self, crawler: Any):
        super().__init__(crawler)
        self.ignore_tags = crawler.settings.getlist("METAREFRESH_IGNORE_TAGS")
        self.max_delay = crawler.settings.getfloat("METAREFRESH_MAXDELAY")

    def process_response(self, request: Request, response: Any, spider: Any = None):
        from scrapy.http import HtmlResponse
        from scrapy.utils.response import get_meta_refresh
        if not isinstance(response, HtmlResponse) or request.meta.get("dont_redirect") \
                or not may_declare_refresh(response):
            return response
        try:
            interval, target = get_meta_refresh(response, ignore_tags=self.ignore_tags)
        except Exception:   # a page too broken to read its refresh: the page path says more
            return response
        if not target or interval >= self.max_delay:
            return response
        why = self.target_refusal(target, request)
        if why is None:
            return response
        request.meta["dont_redirect"] = True       # this response only: read the page itself
        self._refuse("refresh_refused", first_url(request),
                     f"meta refresh to {target} not followed ({why}); the page is read as it is")
        return response


class NamedOffsiteMiddleware(_ScrapyOffsite):
    """Scrapy's offsite filter (it drops requests off allowed_domains when they are scheduled,
    at DEBUG and without calling the errback), naming every drop: problem ``offsite_dropped``
    under the chain's first URL, at WARNING when a redirect or refresh led there (an article may
    be lost), at INFO for a link."""

    def process_request(self, request: Request, spider: Any = None) -> None:
        try:
            super().process_request(request)
        except IgnoreRequest as refused:
            redirected = bool(request.meta.get("redirect_urls"))
            level = logging.WARNING if redirected else logging.INFO
            name = getattr(self.crawler.spider, "name", "?")
            allowed = getattr(self.crawler.spider, "allowed_domains", None) or []
            logging.getLogger(name).log(
                level, "[%s] offsite_dropped: %s: %s not fetched: %s (allowed: %s)", name,
                first_url(request), request.url, refused, ", ".join(allowed))
            record_problem(self.crawler.stats, "offsite_dropped", first_url(request), level)
            raise


class HttpProxyMiddleware(_ScrapyHttpProxy):
    """Scrapy's HttpProxyMiddleware (same setting, same place), which asks whether ``no_proxy``
    exempts a host once per host: Scrapy's asks urllib's `proxy_bypass` for every request, and it
    reads the whole environment each time (~0.4 % of a crawl's CPU through the replay's proxy).
    The proxies themselves are read once, when the middleware is built, as Scrapy does."""

    def __init__(self, auth_encoding: str | None = "latin-1"):
        super().__init__(auth_encoding)
        self._bypassed: dict[str, bool] = {}

    def bypassed(self, host: str) -> bool:
        """True when ``no_proxy`` exempts `host` (urllib's answer, asked once per host)."""
        answer = self._bypassed.get(host)
        if answer is None:
            from urllib.request import proxy_bypass
            answer = self._bypassed[host] = bool(proxy_bypass(host))
        return answer

    def process_request(self, request: Request, spider: Any = None):
        if "proxy" in request.meta or not self.proxies:
            return super().process_request(request)      # Scrapy's own path
        from scrapy.utils.httpobj import urlparse_cached
        parsed = urlparse_cached(request)
        scheme = parsed.scheme
        creds, proxy_url, used = None, None, None
        # as Scrapy's: no_proxy applies to http(s) only
        if (scheme not in {"http", "https"} or (parsed.hostname and not
                                                 self.bypassed(parsed.hostname))) \
                and scheme in self.proxies:
            used = scheme
            creds, proxy_url = self.proxies[scheme]
        self._set_proxy_and_creds(request, proxy_url, creds, used)
        return None


IGNORED_LINKS = "newscrawl/problem/ignored_link_"     # + scheme: counted, no URL kept


class IgnoredLinksMiddleware:
    """Spider middleware: count the links of each page read for links (listings, home pages,
    feeds; not article pages) whose scheme is never fetched (javascript:,
    data:, file:, mailto:, tel:, vbscript:), as problem ``ignored_link_<scheme>`` (a count in
    crawl_runs.problems and the summary, no URL). They are never requests: discovery keeps
    http(s) article links only; this says how many were left."""

    # matched in the lower-cased body (bytes: ASCII only, as re.I would): with a literal "href"
    # to search for, the regex is ~6x faster than with re.I (~0.6 ms per listing page before)
    _LINK = re.compile(rb"""href\s*=\s*["']?\s*(javascript|data|file|mailto|tel|vbscript):""")

    def __init__(self, crawler: Any):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Any):
        return cls(crawler)

    def process_spider_input(self, response: Any, spider: Any = None) -> None:
        callback = getattr(getattr(response, "request", None), "callback", None)
        if not isinstance(response, TextResponse) or \
                getattr(callback, "__name__", "") == "parse_article":
            return          # an article page's links are not followed: nothing is left there
        for match in self._LINK.finditer(response.body.lower()):
            self.crawler.stats.inc_value(f"{IGNORED_LINKS}{match.group(1).decode('ascii')}")


# --- charsets --------------------------------------------------------------------------------

class CharsetMiddleware:
    """Downloader middleware: read every HTML page with the charset `crawler.charset` decides from
    the header, the page's <meta charset> and what the text is (the same decision the page path
    makes), instead of the header's word alone. Not for article pages: their text is never read
    through Scrapy (`parse_article` hands the bytes to the page path, which decides the same
    way), so deciding here too was the same work twice per page."""

    def __init__(self, crawler: Any):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Any):
        return cls(crawler)

    def process_response(self, request: Request, response: Any, spider: Any = None):
        if not isinstance(response, TextResponse) or response.status != 200:
            return response
        if getattr(request.callback, "__name__", None) == "parse_article":
            return response     # the page path decodes the bytes itself, the same way, once
        from crawler.charset import choose_encoding, codec_name
        content_type = response.headers.get("Content-Type", b"").decode("latin-1")
        codec, why = choose_encoding(response.body, content_type)
        if why == "bom" or codec == codec_name(response.encoding):
            return response
        logger.info("%s: read as %s (%s), not %s", response.url, codec, why, response.encoding)
        self.crawler.stats.inc_value("newscrawl/charset_conflicts")
        return response.replace(encoding=codec)


# --- the next run fetches what failed ------------------------------------------------------

RETRY_KINDS = ("download_failed", "broken_page", "not_html", "not_article", "empty_listing")
RETRY_MAX = 200


class RetryFailedMiddleware:
    """Spider middleware: after the spider's start requests, request again what the previous run
    of this site failed to get (article pages to parse_article, other pages to parse_listing)."""

    def __init__(self, crawler: Any):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Any):
        return cls(crawler)

    async def process_start(self, start):
        async for item_or_request in start:
            yield item_or_request
        for request in self.retry_requests():
            yield request

    def retry_requests(self) -> list[Request]:
        spider = self.crawler.spider
        if not self.crawler.settings.getbool("NEWS_RETRY_FAILED"):
            return []
        parse_listing = getattr(spider, "parse_listing", None)
        parse_article = getattr(spider, "parse_article", None)
        article_id = getattr(spider, "article_id", None)
        db = getattr(spider, "db", None)          # opened by NewsSpider.start()
        if parse_listing is None or parse_article is None or article_id is None or db is None:
            return []
        errback = getattr(spider, "on_download_error", None)
        requests = []
        failed = [url for url in db.failed_last_run(spider.name, RETRY_KINDS)
                  if not db.seen(spider.name, canonical_url(url), article_id(url))[0]]
        for url in failed[:RETRY_MAX]:
            if article_id(url):
                requests.append(Request(url, parse_article, errback=errback))
            else:
                requests.append(Request(url, parse_listing, errback=errback,
                                        cb_kwargs={"page": 1}))
        if requests:
            self.crawler.stats.set_value("newscrawl/retried_from_last_run", len(requests))
            logger.info("[%s] requesting again %d page(s) the last run failed on",
                        spider.name, len(requests))
        return requests
