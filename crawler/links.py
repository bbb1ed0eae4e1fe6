"""Reading links out of pages, feeds and sitemaps, without the site's selectors.

Pure functions for crawler/discovery.py: a listing page's main-content links (not the header,
menus, footer, sidebars or "Đọc nhiều" / "Tin mới" boxes), the next listing page (rel=next,
"›" / "Trang sau", the number page+1), the feeds a page announces, a feed's entries (feedparser),
a sitemap's entries (Scrapy's sitemap reader, gzip unpacked) and their dates.
"""
from __future__ import annotations

import re
import unicodedata

import feedparser
from scrapy.utils.gz import gunzip, gzip_magic_number
from scrapy.utils.sitemap import Sitemap

from crawler.urls import canonical_url

# --- the page's main content -------------------------------------------------------------------

# Page furniture: never where a listing's articles are.
CHROME_TAGS = {"nav", "aside", "menu"}
CHROME_ROLES = {"navigation", "banner", "contentinfo", "complementary", "search", "menu"}
# class / id words of page furniture (a word of `v2-box-most-read` is `most`, `read`)
CHROME_WORDS = {"nav", "navbar", "navigation", "menu", "submenu", "sidebar", "breadcrumb",
                "breadcrumbs", "footer", "header", "topbar", "masthead", "mostread", "popular",
                "trending", "ticker", "marquee", "social", "share", "advert", "ads", "banner"}
CHROME_PAIRS = {("most", "read"), ("most", "viewed"), ("most", "popular"), ("doc", "nhieu"),
                ("xem", "nhieu"), ("tin", "moi"), ("latest", "news"), ("news", "latest")}
# Titles of boxes of other articles ("most read", "latest", "related"), compared lower-case
# without punctuation: a box under such a heading is not the listing.
BOX_TITLES = ("đọc nhiều", "xem nhiều", "tin đọc nhiều", "tin xem nhiều", "bài đọc nhiều",
              "tin mới", "mới nhất", "tin mới nhất", "tin mới cập nhật", "tin nóng",
              "có thể bạn quan tâm", "bạn có thể quan tâm", "tin liên quan", "bài liên quan",
              "tin cùng chuyên mục", "cùng chuyên mục", "tin khác", "các tin khác", "bài khác",
              "đọc thêm", "xem thêm", "nên xem", "tiêu điểm", "most read", "most popular",
              "most viewed", "latest news", "latest", "related", "trending", "popular")
HEADING_TAGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
BOX_MIN_LINKS = 3


def _words(element) -> list[str]:
    text = f"{element.get('class') or ''} {element.get('id') or ''}".lower()
    return [w for w in re.split(r"[^a-z0-9]+", text) if w]


def _plain(text: str) -> str:
    """Lower-case, NFC, punctuation and spaces collapsed: how box titles are compared."""
    text = unicodedata.normalize("NFC", text or "").lower()
    return " ".join(re.sub(r"[^\w\s]", " ", text).split())


def _inside_article(element) -> bool:
    """Inside an `<article>` or `<main>`: a `<header>` there is an item's own header."""
    parent = element.getparent()
    while parent is not None:
        if parent.tag in ("article", "main"):
            return True
        parent = parent.getparent()
    return False


def _is_chrome(element) -> bool:
    tag = element.tag if isinstance(element.tag, str) else ""
    if tag in CHROME_TAGS or (element.get("role") or "").lower() in CHROME_ROLES:
        return True
    if tag in ("header", "footer") and not _inside_article(element):
        return True
    words = _words(element)
    if not words or tag in ("body", "html", "main", "article"):
        return False
    if CHROME_WORDS.intersection(words) and not _inside_article(element):
        return True
    return any((a, b) in CHROME_PAIRS for a, b in zip(words, words[1:]))


def _box_title(element) -> bool:
    """A heading (or a short, link-free title line) that names a box of other articles."""
    if element.tag not in HEADING_TAGS and element.tag not in ("div", "span", "p", "strong", "b"):
        return False
    if element.tag == "h1":
        return False                    # the page's own title ("Tin mới nhất" as a section)
    text = _plain(element.text_content())
    if not text or len(text) > 40:
        return False
    if element.tag not in HEADING_TAGS and (len(element) > 1 or element.xpath(".//a[contains("
                                                                                "@href, '/')]")):
        return False
    return any(text == title or text.startswith(title + " ") for title in BOX_TITLES)


def _page_wrapper(element, scope) -> bool:
    """The page itself (or its main area), not a box in it."""
    return element is None or element is scope or element.tag in ("body", "main", "html") or \
        (element.get("role") or "").lower() == "main"


def main_content_links(response) -> list[str]:
    """The absolute URLs of the links in the page's main content, in page order: `<main>` (or
    `[role=main]`) when the page has one, without header, nav, footer, asides, menus,
    breadcrumbs and boxes titled "Đọc nhiều", "Tin mới", "Tin liên quan"... (see the lists
    above). The caller keeps those that are article URLs of the site."""
    root = response.selector.root
    body = root.find("body") if root.tag == "html" else root
    if body is None:
        body = root
    mains = body.xpath(".//main | .//*[@role='main']")
    scope = mains[0] if len(mains) == 1 else body
    total = len(scope.xpath(".//a[@href]")) or 1

    def most_links(element) -> bool:      # a wrapper of the whole page is not page furniture
        return len(element.xpath(".//a[@href]")) > total / 2

    excluded = set()
    for element in scope.iter():
        if not isinstance(element.tag, str) or element in excluded:
            continue
        if element is not scope and _is_chrome(element):
            if element.tag in CHROME_TAGS or not most_links(element):
                excluded.add(element)
        elif _box_title(element):
            box = element.getparent()       # the box the title heads
            if _page_wrapper(box, scope) or most_links(box):
                excluded.add(element)       # title and items loose in the page: up to the next
                for sibling in element.itersiblings():      # heading
                    if sibling.tag in HEADING_TAGS:
                        break
                    excluded.add(sibling)
            elif len(set(box.xpath(".//a/@href"))) >= BOX_MIN_LINKS:
                excluded.add(box)           # (fewer: a "Xem thêm" line of one listing item)
    links = []
    for anchor in scope.iter("a"):
        if any(ancestor in excluded for ancestor in [anchor, *anchor.iterancestors()]):
            continue
        href = (anchor.get("href") or "").strip()
        if href and not href.startswith(("#", "javascript:", "mailto:", "tel:")):
            links.append(response.urljoin(href))
    return links


# --- the next listing page ---------------------------------------------------------------------

NEXT_WORDS = {"›", "»", ">", "sau", "tiếp", "trang sau", "trang tiếp", "tiếp theo", "next",
              "xem tiếp", "next page", "›››", ">>", "»»"}


def _anchor_text(anchor) -> str:
    return " ".join(" ".join(anchor.css("::text").getall()).split()).strip().lower()


def next_from_anchors(anchors, page: int) -> str | None:
    """Among pagination anchors: one marked next (class or rel), one reading "›", "Trang sau"...,
    else the one numbered page+1."""
    for anchor in anchors:
        marks = f"{anchor.attrib.get('class', '')} {anchor.attrib.get('rel', '')}".lower()
        if "next" in re.split(r"[^a-z]+", marks) or _anchor_text(anchor) in NEXT_WORDS:
            if anchor.attrib.get("href"):
                return anchor.attrib["href"]
    for anchor in anchors:
        if _anchor_text(anchor) == str(page + 1) and anchor.attrib.get("href"):
            return anchor.attrib["href"]
    return None


def next_page_anywhere(response, page: int, is_listing_url) -> tuple[str | None, str]:
    """The next listing page found without the site's selectors: (URL or None, how):
    `rel=next` ("rel-next"), a link reading "›" / "»" / "Trang sau" ("next-word"), or the link
    numbered page+1 ("page-number"). `is_listing_url(url)` rules out article and off-site links."""
    here = canonical_url(response.url)

    def usable(href: str | None) -> str | None:
        if not href or href.startswith(("#", "javascript:")):
            return None
        url = response.urljoin(href)
        return url if is_listing_url(url) and canonical_url(url) != here else None

    for href in response.xpath("//link[contains(concat(' ', normalize-space(@rel), ' '), ' next ')]"
                               "/@href | //a[contains(concat(' ', normalize-space(@rel), ' '), "
                               "' next ')]/@href").getall():
        if usable(href):
            return usable(href), "rel-next"
    anchors = response.css("a[href]")
    for anchor in anchors:
        marks = anchor.attrib.get("class", "").lower()
        if _anchor_text(anchor) in NEXT_WORDS or "next" in re.split(r"[^a-z]+", marks):
            if usable(anchor.attrib.get("href")):
                return usable(anchor.attrib["href"]), "next-word"
    for anchor in anchors:
        if _anchor_text(anchor) == str(page + 1) and usable(anchor.attrib.get("href")):
            return usable(anchor.attrib["href"]), "page-number"
    return None, ""


# --- feeds ---------------------------------------------------------------------------------------

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


def feed_entry_links(body: bytes, content_type: str | None = None) -> tuple[list[str], str | None]:
    """(the entries' links, in feed order; None or why this is not a feed) with feedparser."""
    parsed = feedparser.parse(body, response_headers={"content-type": content_type or ""})
    links = []
    for entry in parsed.entries:
        candidates = [entry.get("link")] + [l.get("href") for l in entry.get("links", [])
                                            if l.get("rel", "alternate") == "alternate"]
        for link in candidates:
            if link and link.strip() not in links:
                links.append(link.strip())
    if parsed.entries:
        return links, None
    if not parsed.get("version"):
        sniff = body[:400].lstrip().lower()
        if sniff.startswith((b"<!doctype html", b"<html")) or b"<script" in sniff:
            return [], "it answered an HTML page, not a feed (a JavaScript check or an error page?)"
        return [], "not a feed (RSS/Atom)"
    return [], None


# --- sitemaps ------------------------------------------------------------------------------------

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
