"""Canonical URLs: one spelling per article, so that each article is stored once.

https, lower-case host without `www.` / `m.`, no fragment, no tracking parameters (utm_*, fbclid,
gclid, zarsrc, _ga, ...). The path is kept as the site wrote it: MasterCMS puts parameters in the
path itself (`/cong-doan&s_cond=&BRSR=16`), and those are part of the page's identity.
"""
from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

TRACKING_PARAMS = re.compile(
    r"^(utm_\w+|fbclid|gclid|dclid|msclkid|zarsrc|_ga|_gl|igshid|mc_cid|mc_eid|ref|gidzl)$", re.I
)
HOST_PREFIXES = ("www.", "m.")


def bare_host(host: str) -> str:
    """`www.LaoDongThuDo.vn:443` -> `laodongthudo.vn`."""
    host = (host or "").lower()
    if host.startswith("["):        # an IPv6 literal, `[::1]:8080`: keep the brackets, drop the port
        return host.split("]", 1)[0] + "]"
    host = host.split(":")[0].rstrip(".")
    for prefix in HOST_PREFIXES:
        if host.startswith(prefix) and host.count(".") >= 2:
            return host[len(prefix):]
    return host


@lru_cache(maxsize=16384)
def canonical_url(url: str) -> str:
    """The one spelling of `url` we store: see the module docstring. (Remembered: a crawl asks
    for the same links again and again, ~11,000 calls for ~2,500 URLs on the replay: on every
    listing page that shows them, for discovery, the request, the page and the store.)"""
    parts = urlsplit(url.strip())
    scheme = "https" if parts.scheme in ("http", "https", "") else parts.scheme
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
             if not TRACKING_PARAMS.match(k)]
    return urlunsplit((scheme, bare_host(parts.netloc), parts.path or "/", urlencode(query), ""))


def same_site(url: str, hosts: list[str] | tuple[str, ...]) -> bool:
    """True when `url` is on one of `hosts` or their sub-domains (`lamgiau.laodongthudo.vn`)."""
    host = bare_host(urlsplit(url).netloc)
    return any(host == h or host.endswith("." + h) for h in hosts)
