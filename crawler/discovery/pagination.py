"""The next page of a listing, found by the shape of its URL first, by its words last.

A listing's next page is a link on it to the same listing with its page number advanced, whatever
the link says ("Trang sau", "›", "Xem thêm", "Tải thêm", an icon, nothing) and wherever it is (a
pager, a "load more" button's `<noscript>` fallback, a bare number). `page_step(current, link)`
compares two URLs (urllib's split, w3lib's canonical form) and answers how far the link advances
the current page, for every way sites number pages:

* a query or path parameter holding a number: `?page=2`, `?trang=2`, `?p=2`, `&BRSR=16` (an
  offset: MasterCMS writes its parameters into the path, `/cong-doan&s_cond=&BRSR=16`),
  `?_101_INSTANCE_x_cur=2` (Liferay adds its other portlet parameters too), `?start=20`;
* a path suffix on page 1: `/p2`, `/trang-2`, `/page/2`, `/trang/2`, `-p2`, `/2`, before the
  extension when there is one (`/cong-doan.htm` -> `/cong-doan/trang-2.htm`);
* one number of the path changed on later pages: `/p2` -> `/p3`, `/trang-2.htm` -> `/trang-3.htm`.

`next_page_anywhere` tries, in order: `rel=next`, the URL shape (the smallest step forward), a
link reading "›" / "Trang sau" / "next", the link numbered page+1. `next_from_anchors` reads the
site's own pagination selectors' anchors (marked next, then numbered page+1, then by URL shape).
The spider's side (counting which way answered) is crawler/discovery/listings.py.
"""
from __future__ import annotations

import re
from urllib.parse import parse_qsl, urljoin, urlsplit

from lxml import etree
from parsel import Selector
from w3lib.url import canonicalize_url

from crawler.urls import bare_host, canonical_url

NEXT_WORDS = {"›", "»", ">", "sau", "tiếp", "trang sau", "trang tiếp", "tiếp theo", "next",
              "xem tiếp", "next page", "›››", ">>", "»»"}
# a page-1 URL's suffix naming page N: `/p2`, `/trang-2`, `/page/2`, `-p2`, `/2`, `_2`
PAGE_SUFFIX = re.compile(r"^[/\-_.]?(?:[a-z]{1,8}[/\-_]?)?(\d{1,5})/?$", re.I)
EXTENSION = re.compile(r"\.(?:html?|aspx?|php|jsp|ldo|bld)$", re.I)
# parameter names that hold a page number or an offset, when several numbers change at once
PAGE_PARAMS = re.compile(r"(?:^|_)(?:page|pg|p|trang|cur|pageindex|pagenum|brsr|start|offset|"
                         r"from|skip)$", re.I)


_TEXT = etree.XPath("descendant-or-self::text()")    # what parsel's css("::text") runs


def _anchor_text(anchor) -> str:
    # (the compiled XPath on the element: parsel's css("::text") translated the CSS and wrapped
    # each text node in a Selector, for every anchor of a listing page)
    return " ".join(" ".join(_TEXT(anchor.root)).split()).strip().lower()


def _split(url: str) -> tuple[str, str, str, dict[str, str]]:
    """(host, path without extension, extension, parameters): parameters of the query and of
    the path's own `&name=value` parts (MasterCMS), blank ones kept."""
    parts = urlsplit(canonicalize_url(url, keep_blank_values=True))
    path, _, in_path = parts.path.partition("&")
    params = dict(parse_qsl(in_path, keep_blank_values=True))
    params.update(parse_qsl(parts.query, keep_blank_values=True))
    path = path.rstrip("/") or ""
    match = EXTENSION.search(path)
    extension = match.group(0).lower() if match else ""
    return bare_host(parts.netloc), path[:len(path) - len(extension)], extension, params


def _int(value: str | None) -> int | None:
    return int(value) if value is not None and value.isdigit() else None


def page_step(current: str, link: str, page: int = 1) -> tuple[int, int] | None:
    """How `link` advances the listing page `current` (page number `page`): (rank, step), the
    lower the closer (rank 0: the number page+1 itself; 1: an offset or a number further on), or
    None when `link` is not a later page of the same listing. See the module docstring."""
    host, path, ext, params = _split(current)
    l_host, l_path, l_ext, l_params = _split(link)
    if host != l_host or ext != l_ext:
        return None
    if path == l_path:                      # a parameter carries the number
        changed = {k: v for k, v in l_params.items() if params.get(k) != v}
        added = [k for k in changed if k not in params and _int(changed[k]) is None]
        if params and added:
            return None                     # a later page adds no filter to this one's
        dropped = set(params) - set(l_params)
        if any(_int(params[k]) is None for k in dropped):
            return None                     # another filter of the listing, not its page
        steps = []
        for name, value in changed.items():
            new, old = _int(value), _int(params.get(name))
            if new is None:
                continue
            base = old if old is not None else (1 if new >= 2 else None)
            if base is None or new <= base:
                continue
            rank = 0 if new == page + 1 else 1
            if rank and len([v for v in changed.values() if _int(v) is not None]) > 1 \
                    and not PAGE_PARAMS.search(name):
                continue                    # several numbers moved: keep a page-like name
            steps.append((rank, new - base))
        return min(steps) if steps else None
    if params != l_params:
        return None
    if l_path.startswith(path + "/") or (l_path.startswith(path) and path):
        match = PAGE_SUFFIX.match(l_path[len(path):])
        if match and int(match.group(1)) == page + 1 and page == 1:
            return 0, 1                     # page 1 -> its page 2: `/p2`, `/trang-2`, `/page/2`
    a, b = re.split(r"(\d+)", path), re.split(r"(\d+)", l_path)
    if len(a) == len(b) and page > 1:       # one number of the path advanced: `/p2` -> `/p3`
        differ = [i for i, (x, y) in enumerate(zip(a, b)) if x != y]
        if len(differ) == 1 and differ[0] % 2 == 1 and int(b[differ[0]]) == int(a[differ[0]]) + 1:
            return 0, 1
    return None


def next_by_shape(current: str, urls, page: int) -> str | None:
    """Among `urls` (absolute), the later page of `current` one step ahead (see page_step)."""
    best = None
    for url in urls:
        step = page_step(current, url, page)
        if step is not None and (best is None or step < best[0]):
            best = (step, url)
    return best[1] if best else None


def next_from_anchors(anchors, page: int, current: str | None = None) -> str | None:
    """Among the site's pagination anchors: one marked next (class or rel) or reading "›",
    "Trang sau"..., else the one numbered page+1, else (given the page's URL) the one whose URL
    advances the page."""
    for anchor in anchors:
        marks = f"{anchor.attrib.get('class', '')} {anchor.attrib.get('rel', '')}".lower()
        if "next" in re.split(r"[^a-z]+", marks) or _anchor_text(anchor) in NEXT_WORDS:
            if anchor.attrib.get("href"):
                return anchor.attrib["href"]
    for anchor in anchors:
        if _anchor_text(anchor) == str(page + 1) and anchor.attrib.get("href"):
            return anchor.attrib["href"]
    if current:
        hrefs = {anchor.attrib["href"]: _absolute(current, anchor.attrib["href"])
                 for anchor in anchors if anchor.attrib.get("href")}
        found = next_by_shape(current, hrefs.values(), page)
        if found:
            return found
    return None


def _absolute(base: str, href: str) -> str:
    return urljoin(base, href.strip())


def next_page_anywhere(response, page: int, is_listing_url) -> tuple[str | None, str]:
    """The next listing page found without the site's selectors: (URL or None, how):
    `rel=next` ("rel-next"), a link to this listing with its page number advanced ("url-shape"),
    a link reading "›" / "»" / "Trang sau" ("next-word"), or the link numbered page+1
    ("page-number"). `is_listing_url(url)` rules out article and off-site links. Links inside
    `<noscript>` count like any other."""
    here = canonical_url(response.url)

    def usable(href: str | None) -> str | None:
        if not href or href.strip().startswith(("#", "javascript:")):
            return None
        url = response.urljoin(href.strip())
        return url if is_listing_url(url) and canonical_url(url) != here else None

    for href in response.xpath("//link[contains(concat(' ', normalize-space(@rel), ' '), ' next ')]"
                               "/@href | //a[contains(concat(' ', normalize-space(@rel), ' '), "
                               "' next ')]/@href").getall():
        if usable(href):
            return usable(href), "rel-next"
    anchors = response.css("a[href]") + noscript_anchors(response)
    urls = [u for u in (usable(a.attrib.get("href")) for a in anchors) if u]
    found = next_by_shape(response.url, urls, page)
    if found:
        return found, "url-shape"
    for anchor in anchors:
        marks = anchor.attrib.get("class", "").lower()
        if _anchor_text(anchor) in NEXT_WORDS or "next" in re.split(r"[^a-z]+", marks):
            if usable(anchor.attrib.get("href")):
                return usable(anchor.attrib["href"]), "next-word"
    for anchor in anchors:
        if _anchor_text(anchor) == str(page + 1) and usable(anchor.attrib.get("href")):
            return usable(anchor.attrib["href"]), "page-number"
    return None, ""


def next_listing_page(response, page: int, anchors, is_listing_url) -> tuple[str | None, str]:
    """The next listing page: from the anchors the site's `pagination_links` matched ("rule"),
    else `next_page_anywhere`. (URL or None, how.)"""
    if anchors:
        href = next_from_anchors(anchors, page, response.url)
        if href:
            return href, "rule"
    return next_page_anywhere(response, page, is_listing_url)


def noscript_anchors(response) -> list:
    """Links written inside `<noscript>` when the parser kept its content as text."""
    out = []
    for text in response.xpath("//noscript/text()").getall():
        if "<a" in text:
            out += Selector(text=text).css("a[href]")
    return out
