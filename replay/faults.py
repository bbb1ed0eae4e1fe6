"""Fault injection for the replay proxy: sites that go down, stall, cut pages short or serve junk.

`ReplayServer(faults=Faults(...))` asks `faults.before(request)` before every answer. Faults are
named per URL or host, optionally a number of times, and/or drawn at random for a share of all
requests (deterministic: the draw hashes seed, URL and attempt number, so a rerun of the same crawl
meets the same faults whatever the request order):

    Faults({"https://laodongthudo.vn/x-160001.html": "503x2",   # two 503s, then the page
            "baolaocai.vn": "layout-listings"})                  # every listing page redesigned
    Faults(rate=0.2, seed=7)                                     # 20% of requests, mixed kinds
    Faults.from_spec("503x2@https://laodongthudo.vn/x-160001.html random=0.2 seed=7")

A key is a URL (scheme ignored; path and query exact; a trailing ``*`` matches a prefix) or a bare
host (every path but /robots.txt). robots.txt is spared by random mode (`spare_robots`).

Faults (name[xN]):

========================  ==========================================================================
``500`` ``502`` ``503``   that status, an HTML error page (``504`` and ``429`` too)
``reset``                 the connection is closed without an answer
``timeout``               no answer for `timeout_seconds` (default 3), then the connection closes
``slow``                  the real answer after `slow_seconds` (default 1)
``truncated``             the real page's headers, Content-Length included, then half the body and
                          the connection closes
``empty``                 200, text/html, no body
``big``                   the real page padded to `big_bytes` (default 12 MiB, over the 10 MB limit)
``json``                  200 ``application/json``: a non-HTML answer at an article URL
``redirect-chain``        302 → 302 → 302 (`redirect_hops`) → the real page
``redirect-loop``         302 to URL?_replay_loop=1, which redirects back to URL
``redirect-offsite``      302 to the mirror host (https://tinbong247news.net/), off-site
``redirect-private``      302 to http://169.254.169.254/latest/meta-data/ (cloud metadata address)
``redirect-loopback``     302 to http://127.0.0.1/admin
``links-private``         the real page with links added to loopback / private / link-local hosts
                          and off-site, as article links and as pagination links
``layout``                the real page with every class and id renamed (a redesign);
``layout-listings`` /     the same, only on listing pages / only on article pages
``layout-articles``
========================  ==========================================================================

Hostile faults (replay/hostile.py puts them together):

========================  ==========================================================================
``charset-lie``           the real UTF-8 page with a few invalid bytes, served as
                          ``charset=windows-1252``, its ``<meta charset>`` removed
``charset-lie-1258``      the real page in Windows-1258, served as ``charset=utf-8``, no meta
``double-encoded``        the real page's UTF-8 read as windows-1252 and encoded again (mojibake at
                          the source: no charset reads it as Vietnamese)
``canonical-home``        ``rel=canonical`` pointing at the site's home page
``canonical-section``     ... at the site's first section (its listing's first page)
``canonical-offsite``     ... at the mirror host
``canonical-other``       ... at another article of the site (the site's newest)
``refresh-offsite``       NUL bytes in the page, a ``<meta http-equiv=refresh>`` to the mirror host
``redirect-proxy``        302 to the proxy's own address (`proxy_url`, set once the server runs)
``redirect-long``         a chain of `long_hops` (default 30) redirects, then the page
``huge``                  the real page padded to `huge_bytes` (default 40 MiB)
``gzip-bomb``             ``Content-Encoding: gzip``: `bomb_bytes` (default 100 MiB) of zeros
``deflate-bomb``          ``Content-Encoding: deflate``: the same
``drip``                  the real page sent a few bytes at a time over `drip_seconds` (default 8)
``deep-tree``             the real page with `deep_divs` (default 200,000) nested ``<div>`` after it
``spellings``             a listing page with 200 spellings of one article's URL (hosts, schemes,
                          tracking parameters, fragments)
``links-schemes``         a listing page with javascript:, data:, file: and mailto: links
``swap``                  another article of the site (the next one) served at this URL, its
                          canonical pointing here: the site reused the address
========================  ==========================================================================

Random mode draws from `kinds` (default `CHAOS_KINDS`: 500, 503, reset, truncated, timeout, empty).
`fired` lists what was injected: (host, target, fault).
"""
from __future__ import annotations

import hashlib
import re
import threading
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urlsplit

from .server import DropConnection
from .web import Response

HTML = "text/html; charset=utf-8"
CHAOS_KINDS = ("500", "503", "reset", "truncated", "timeout", "empty")
STATUS_FAULTS = {"500", "502", "503", "504", "429"}
NAMED = STATUS_FAULTS | {
    "reset", "timeout", "slow", "truncated", "empty", "big", "json",
    "redirect-chain", "redirect-loop", "redirect-offsite", "redirect-private", "redirect-loopback",
    "links-private", "layout", "layout-listings", "layout-articles",
    "charset-lie", "charset-lie-1258", "double-encoded", "canonical-home", "canonical-section",
    "canonical-offsite", "canonical-other", "refresh-offsite", "redirect-proxy", "redirect-long",
    "huge", "gzip-bomb", "deflate-bomb", "drip", "deep-tree", "spellings", "links-schemes", "swap",
}
LONG = "_replay_long"
HOP = "_replay_hop"
LOOP = "_replay_loop"
PRIVATE_TARGETS = ("http://127.0.0.1/admin", "http://10.0.0.7/cong-doan",
                   "http://169.254.169.254/latest/meta-data/", "http://[::1]:8080/",
                   "http://192.168.1.1/", "http://172.16.0.1/x-160999.html",
                   "http://2130706433/cong-doan")
OFFSITE_TARGET = "https://tinbong247news.net/"


@dataclass
class FaultResponse(Response):
    """A replay Response; `truncate_at` (bytes of body) makes the server cut the body short."""
    truncate_at: int | None = None
    drip_seconds: float | None = None      # the server sends the body a little at a time


@dataclass
class _Rule:
    key: str
    fault: str
    times: int | None            # None: always
    used: int = 0


def parse_fault(text: str) -> tuple[str, int | None]:
    """'503x2' -> ('503', 2); 'reset' -> ('reset', None)."""
    m = re.fullmatch(r"(.+?)(?:x(\d+))?", text.strip().lower())
    name, times = m.group(1), (int(m.group(2)) if m.group(2) else None)
    if name not in NAMED:
        raise ValueError(f"unknown fault {text!r}; known: {', '.join(sorted(NAMED))}")
    return name, times


def _norm_key(key: str) -> str:
    key = key.strip()
    if "://" in key:
        parts = urlsplit(key)
        host = (parts.hostname or "").lower()
        return host + (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return key.lower().rstrip("/")


class Faults:
    def __init__(self, rules: dict[str, str] | None = None, rate: float = 0.0, seed: int = 0,
                 kinds: tuple[str, ...] = CHAOS_KINDS, web=None, timeout_seconds: float = 3.0,
                 slow_seconds: float = 1.0, big_bytes: int = 12 * 1024 * 1024,
                 redirect_hops: int = 3, spare_robots: bool = True, long_hops: int = 30,
                 huge_bytes: int = 40 * 1024 * 1024, bomb_bytes: int = 100 * 1024 * 1024,
                 drip_seconds: float = 8.0, deep_divs: int = 200_000,
                 proxy_url: str | None = None):
        self.rules: list[_Rule] = []
        for key, fault in (rules or {}).items():
            self.add(key, fault)
        for kind in kinds:
            parse_fault(kind)
        self.rate, self.seed, self.kinds = float(rate), seed, tuple(kinds)
        self._web = web
        self.timeout_seconds, self.slow_seconds = timeout_seconds, slow_seconds
        self.big_bytes, self.redirect_hops, self.spare_robots = big_bytes, redirect_hops, spare_robots
        self.long_hops, self.huge_bytes, self.bomb_bytes = long_hops, huge_bytes, bomb_bytes
        self.drip_seconds, self.deep_divs = drip_seconds, deep_divs
        self.proxy_url = proxy_url     # the server's own address, for redirect-proxy
        self._bombs: dict[str, bytes] = {}
        self.enabled = True
        self.fired: list[tuple[str, str, str]] = []
        self._attempts: dict[str, int] = {}
        self._lock = threading.Lock()
        self._web_lock = threading.Lock()
        self._stop = threading.Event()
        self._article_paths: set[tuple[str, str]] | None = None

    # -- configuration
    def add(self, key: str, fault: str) -> "Faults":
        name, times = parse_fault(fault)
        self.rules.append(_Rule(_norm_key(key), name, times))
        return self

    @classmethod
    def from_spec(cls, spec: str, **kwargs) -> "Faults":
        """`FAULT@URL_OR_HOST`, `random=0.2`, `seed=N`, `kinds=500+reset`, `timeout=S`, separated
        by spaces or semicolons. E.g. "503x2@https://laodongthudo.vn/a-1.html random=0.1"."""
        rules: dict = {}
        pairs = []
        for item in re.split(r"[\s;]+", spec.strip()):
            if not item:
                continue
            if "@" in item:
                fault, _, key = item.partition("@")
                pairs.append((key, fault))
            elif "=" in item:
                name, _, value = item.partition("=")
                name = name.lower()
                if name in ("random", "rate"):
                    kwargs["rate"] = float(value)
                elif name == "seed":
                    kwargs["seed"] = int(value)
                elif name == "kinds":
                    kwargs["kinds"] = tuple(k for k in value.split("+") if k)
                elif name == "timeout":
                    kwargs["timeout_seconds"] = float(value)
                elif name == "big":
                    kwargs["big_bytes"] = int(value)
                else:
                    raise ValueError(f"unknown fault option {name!r} in {spec!r}")
            else:
                raise ValueError(f"cannot read {item!r}: use FAULT@URL or NAME=VALUE")
        faults = cls(rules, **kwargs)
        for key, fault in pairs:
            faults.add(key, fault)
        return faults

    def stop(self) -> None:
        """Wake requests held by `timeout` / `slow` (e.g. before stopping the server)."""
        self._stop.set()

    @property
    def web(self):
        if self._web is None:
            from .web import ReplayWeb
            self._web = ReplayWeb()
        return self._web

    # -- the server's hook
    def before(self, request) -> Response | None:
        if not self.enabled:
            return None
        host = (request.host or "").lower()
        target = request.target or "/"
        path, _, query = target.partition("?")
        params = parse_qsl(query, keep_blank_values=True)
        names = {k for k, _ in params}
        if HOP in names or LOOP in names or LONG in names:   # a redirect fault's later steps
            return self._redirect_step(request, host, path, params)
        fault = self._match(host, target)
        if fault is None and self.rate > 0 and not (self.spare_robots and path == "/robots.txt"):
            fault = self._draw(host, target)
        if fault is None:
            return None
        with self._lock:
            self.fired.append((host, target, fault))
        return self._inject(fault, request, host, target)

    def _match(self, host: str, target: str) -> str | None:
        full = host + target
        with self._lock:
            for rule in self.rules:
                key = rule.key
                if key.endswith("*"):
                    hit = full.startswith(key[:-1])
                elif "/" in key:
                    hit = full == key
                else:
                    hit = host == key and not target.startswith("/robots.txt")
                if not hit or (rule.times is not None and rule.used >= rule.times):
                    continue
                rule.used += 1
                return rule.fault
        return None

    def _draw(self, host: str, target: str) -> str | None:
        with self._lock:
            n = self._attempts.get(host + target, 0)
            self._attempts[host + target] = n + 1
        digest = hashlib.sha256(f"{self.seed}|{host}{target}|{n}".encode()).digest()
        if int.from_bytes(digest[:8], "big") / 2 ** 64 >= self.rate:
            return None
        return self.kinds[digest[8] % len(self.kinds)]

    # -- making the faulty answer
    def _page(self, host: str, target: str) -> Response:
        with self._web_lock:
            return self.web.respond("GET", host, target)

    def _is_article(self, host: str, target: str) -> bool:
        if self._article_paths is None:
            paths = set()
            corpus = getattr(self.web, "corpus", None) or {"": self.web.articles()}
            for art in (a for arts in corpus.values() for a in arts):   # syndicated copies too
                parts = urlsplit(art.url)
                paths.add((parts.hostname, parts.path))
            self._article_paths = paths
        return (host, target.partition("?")[0]) in self._article_paths

    def _inject(self, fault: str, request, host: str, target: str) -> Response | None:
        scheme = getattr(request, "scheme", "https") or "https"
        if fault in STATUS_FAULTS:
            return Response(int(fault), [("Content-Type", HTML)],
                            f"<html><body><h1>{fault}</h1>replay fault</body></html>".encode())
        if fault == "reset":
            raise DropConnection()
        if fault == "timeout":
            self._stop.wait(self.timeout_seconds)
            raise DropConnection()
        if fault == "slow":
            self._stop.wait(self.slow_seconds)
            return None
        if fault == "empty":
            return Response(200, [("Content-Type", HTML)], b"")
        if fault == "json":
            return Response(200, [("Content-Type", "application/json")],
                            b'{"status": "ok", "data": {"items": []}}')
        if fault in HOSTILE:
            return HOSTILE[fault](self, request, host, target)
        if fault.startswith("redirect-"):
            where = {
                "redirect-chain": f"{scheme}://{host}{_with_param(target, HOP, 1)}",
                "redirect-loop": f"{scheme}://{host}{_with_param(target, LOOP, 1)}",
                "redirect-offsite": OFFSITE_TARGET,
                "redirect-private": "http://169.254.169.254/latest/meta-data/",
                "redirect-loopback": "http://127.0.0.1/admin",
            }[fault]
            return _redirect(where)
        page = self._page(host, target)
        if fault == "truncated":
            return FaultResponse(page.status, list(page.headers), page.body,
                                 truncate_at=len(page.body) // 2)
        if fault == "big":
            pad = max(0, self.big_bytes - len(page.body))
            body = page.body.replace(b"</body>", b"<!-- " + b"x" * pad + b" --></body>", 1)
            return Response(page.status, list(page.headers), body)
        if fault == "links-private":
            return Response(page.status, list(page.headers),
                            page.body.replace(b"</body>", _private_links() + b"</body>", 1))
        if fault.startswith("layout"):
            article = self._is_article(host, target)
            if (fault == "layout-listings" and article) or (fault == "layout-articles"
                                                             and not article):
                return page
            return Response(page.status, list(page.headers), _redesign(page.body))
        raise ValueError(fault)

    def _redirect_step(self, request, host: str, path: str, params: list) -> Response | None:
        scheme = getattr(request, "scheme", "https") or "https"
        rest = [(k, v) for k, v in params if k not in (HOP, LOOP, LONG)]
        base = path + (f"?{urlencode(rest)}" if rest else "")
        values = dict(params)
        if LOOP in values:
            return _redirect(f"{scheme}://{host}{base}")
        if LONG in values:
            hop = int(values.get(LONG) or 0)
            if hop < self.long_hops:
                return _redirect(f"{scheme}://{host}{_with_param(base, LONG, hop + 1)}")
            return self._page(host, base)
        hop = int(values.get(HOP) or 0)
        if hop < self.redirect_hops:
            return _redirect(f"{scheme}://{host}{_with_param(base, HOP, hop + 1)}")
        return self._page(host, base)


def _with_param(target: str, name: str, value: int) -> str:
    path, _, query = target.partition("?")
    params = [(k, v) for k, v in parse_qsl(query, keep_blank_values=True) if k != name]
    return path + "?" + urlencode([*params, (name, str(value))])


def _redirect(location: str) -> Response:
    return Response(302, [("Location", location), ("Content-Type", HTML)],
                    f'<html><body><a href="{location}">moved</a></body></html>'.encode())


def _private_links() -> bytes:
    links = "".join(f'<a href="{u}">trang {i}</a>' for i, u in enumerate(
        [*PRIVATE_TARGETS, OFFSITE_TARGET + "cong-doan"], 2))
    items = "".join(f'<div class="list_news_title"><h2><a href="{u}">Tin {i}</a></h2></div>'
                    f'<div class="b-grid__title"><a href="{u}">Tin {i}</a></div>'
                    f'<div class="list-news"><a class="title" href="{u}">Tin {i}</a></div>'
                    for i, u in enumerate(PRIVATE_TARGETS))
    return (f'<div class="list_news">{items}</div>'
            f'<div class="__MB_ARTICLE_PAGING pagination taglib-page-iterator">{links}</div>'
            ).encode()


_ATTR = re.compile(rb'\b(class|id)="([^"]*)"')


def _redesign(body: bytes) -> bytes:
    """Every class and id renamed, as a redesign does: the text stays, every selector breaks."""
    return _ATTR.sub(lambda m: m.group(1) + b'="' + b" ".join(
        b"v2-" + token for token in m.group(2).split()) + b'"', body)


# --- hostile faults (see the second table of the module docstring) ----------------------------

_META_CHARSET = re.compile(rb"<meta charset=\"[^\"]*\">", re.I)
_CANONICAL = re.compile(rb'<link rel="canonical" href="[^"]*">')


def _without_meta_charset(body: bytes) -> bytes:
    return _META_CHARSET.sub(b"", body, count=1)


def _with_canonical(body: bytes, url: str) -> bytes:
    link = f'<link rel="canonical" href="{url}">'.encode()
    if _CANONICAL.search(body):
        return _CANONICAL.sub(link, body, count=1)
    return body.replace(b"</head>", link + b"</head>", 1)


def _headers(page: Response, content_type: str) -> list:
    return [*((k, v) for k, v in page.headers if k.lower() != "content-type"),
            ("Content-Type", content_type)]


def _charset_lie(faults, request, host, target):
    page = faults._page(host, target)
    body = _without_meta_charset(page.body)
    # a few invalid bytes, as a broken CMS template leaves them: a truncated UTF-8 sequence
    body = body.replace(b"</p>", b" \xe1\xbb</p>", 3)
    return Response(page.status, _headers(page, "text/html; charset=windows-1252"), body)


def _charset_lie_1258(faults, request, host, target):
    from .encodings import to_cp1258
    page = faults._page(host, target)
    html = _without_meta_charset(page.body).decode("utf-8")
    return Response(page.status, _headers(page, "text/html; charset=utf-8"), to_cp1258(html))


def _double_encoded(faults, request, host, target):
    page = faults._page(host, target)
    text = page.body.decode("utf-8").encode("utf-8").decode("cp1252", errors="replace")
    return Response(page.status, _headers(page, HTML), text.encode("utf-8"))


def _site_of(faults, host: str) -> str | None:
    return getattr(faults.web, "host_site", {}).get(host)


def _canonical(where: str):
    def fault(faults, request, host, target):
        page = faults._page(host, target)
        site = _site_of(faults, host)
        if where == "home":
            url = f"https://{host}/"
        elif where == "section":
            url = faults.web.start_urls(site)[0]
        elif where == "offsite":
            url = OFFSITE_TARGET + "tin-tuc/bai-viet-1.html"
        else:                                   # another article of the site: its newest
            url = next(a.url for a in faults.web.articles(site)
                       if urlsplit(a.url).path != target.partition("?")[0])
        return Response(page.status, list(page.headers), _with_canonical(page.body, url))
    return fault


def _refresh_offsite(faults, request, host, target):
    page = faults._page(host, target)
    refresh = f'<meta http-equiv="refresh" content="0;url={OFFSITE_TARGET}tin-moi">'.encode()
    body = page.body.replace(b"<head>", b"<head>\x00\x00" + refresh, 1)
    body = body.replace(b"<p>", b"<p>\x00", 5)
    return Response(page.status, list(page.headers), body)


def _redirect_proxy(faults, request, host, target):
    if not faults.proxy_url:
        raise ValueError("redirect-proxy needs Faults.proxy_url (the running server's address)")
    return _redirect(faults.proxy_url.rstrip("/") + "/admin")


def _redirect_long(faults, request, host, target):
    scheme = getattr(request, "scheme", "https") or "https"
    return _redirect(f"{scheme}://{host}{_with_param(target, LONG, 1)}")


def _huge(faults, request, host, target):
    page = faults._page(host, target)
    pad = max(0, faults.huge_bytes - len(page.body))
    body = page.body.replace(b"</body>", b"<!-- " + b"x" * pad + b" --></body>", 1)
    return Response(page.status, list(page.headers), body)


def _bomb(encoding: str):
    def fault(faults, request, host, target):
        import zlib
        with faults._web_lock:
            data = faults._bombs.get(encoding)
            if data is None:
                packer = (zlib.compressobj(9, zlib.DEFLATED, 31) if encoding == "gzip"
                          else zlib.compressobj(9))
                chunk, parts = b"\0" * (1 << 20), []
                for _ in range(max(1, faults.bomb_bytes >> 20)):
                    parts.append(packer.compress(chunk))
                parts.append(packer.flush())
                data = faults._bombs[encoding] = b"".join(parts)
        return Response(200, [("Content-Type", HTML), ("Content-Encoding", encoding)], data)
    return fault


def _drip(faults, request, host, target):
    page = faults._page(host, target)
    return FaultResponse(page.status, list(page.headers), page.body,
                         drip_seconds=faults.drip_seconds)


def _deep_tree(faults, request, host, target):
    page = faults._page(host, target)
    n = faults.deep_divs
    tree = b"<div>" * n + b"s\xc3\xa2u" + b"</div>" * n
    return Response(page.status, list(page.headers),
                    page.body.replace(b"</body>", tree + b"</body>", 1))


def spellings(url: str, n: int = 200) -> list[str]:
    """`n` spellings of one article URL that all mean it: scheme, www. / m. / upper-case host,
    tracking parameters, fragments."""
    parts = urlsplit(url)
    host, path = parts.hostname, parts.path
    hosts = [host, "www." + host, "m." + host, host.upper(), "WWW." + host]
    params = ["", "utm_source=facebook", "utm_medium=social&utm_campaign=c{i}", "fbclid=IwAR{i}",
              "gclid=Cj{i}", "zarsrc=30&utm_source=zalo", "_ga=2.{i}"]
    fragments = ["", "#binh-luan", "#top"]
    out = []
    i = 0
    while len(out) < n:
        for scheme in ("https", "http"):
            for h in hosts:
                for q in params:
                    for f in fragments:
                        query = q.format(i=i)
                        out.append(f"{scheme}://{h}{path}{'?' + query if query else ''}{f}")
                        i += 1
    return out[:n]


def _spellings(faults, request, host, target):
    page = faults._page(host, target)
    site = _site_of(faults, host)
    url = faults.web.articles(site)[-1].url        # the oldest: most likely on no first page
    links = "".join(f'<a href="{u}">Bài {k}</a>' for k, u in enumerate(spellings(url)))
    items = "".join(f'<div class="list_news_title"><h2><a href="{u}">Tin {k}</a></h2></div>'
                    for k, u in enumerate(spellings(url)))
    box = f'<div class="list_news">{items}</div><div class="spellings">{links}</div>'.encode()
    return Response(page.status, list(page.headers),
                    page.body.replace(b"</body>", box + b"</body>", 1))


SCHEME_LINKS = ("javascript:void(0)", "javascript:alert(document.cookie)",
                "data:text/html;base64,PGgxPng8L2gxPg==", "file:///etc/passwd",
                "mailto:toasoan@example.vn")


def _links_schemes(faults, request, host, target):
    page = faults._page(host, target)
    items = "".join(f'<div class="list_news_title"><h2><a href="{u}">Tin {k}</a></h2></div>'
                    f'<a class="title" href="{u}">Tin {k}</a>'
                    for k, u in enumerate(SCHEME_LINKS))
    return Response(page.status, list(page.headers),
                    page.body.replace(b"</body>", items.encode() + b"</body>", 1))


def _swap(faults, request, host, target):
    site = _site_of(faults, host)
    arts = faults.web.articles(site)
    path = target.partition("?")[0]
    here = next(k for k, a in enumerate(arts) if urlsplit(a.url).path == path)
    other = arts[(here + 1) % len(arts)]
    page = faults._page(host, urlsplit(other.url).path)
    return Response(page.status, [(k, v) for k, v in page.headers if k.lower() != "etag"],
                    _with_canonical(page.body, f"https://{host}{path}"))


HOSTILE = {
    "charset-lie": _charset_lie, "charset-lie-1258": _charset_lie_1258,
    "double-encoded": _double_encoded, "canonical-home": _canonical("home"),
    "canonical-section": _canonical("section"), "canonical-offsite": _canonical("offsite"),
    "canonical-other": _canonical("other"), "refresh-offsite": _refresh_offsite,
    "redirect-proxy": _redirect_proxy, "redirect-long": _redirect_long, "huge": _huge,
    "gzip-bomb": _bomb("gzip"), "deflate-bomb": _bomb("deflate"), "drip": _drip,
    "deep-tree": _deep_tree, "spellings": _spellings, "links-schemes": _links_schemes,
    "swap": _swap,
}
